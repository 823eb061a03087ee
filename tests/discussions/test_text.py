"""The ``post_html`` filter: plain text escaped, in paragraphs, web addresses as links and
nothing else as markup."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from app.discussions.text import is_web_address, linkify, post_html

A = '<a href="{0}" rel="nofollow noopener ugc">{0}</a>'


def link(url: str) -> str:
    return A.format(url)


@pytest.mark.parametrize(
    "text, html",
    [
        ("no link here", "no link here"),
        ("see https://example.org", "see " + link("https://example.org")),
        ("HTTP://EXAMPLE.ORG/A", link("HTTP://EXAMPLE.ORG/A")),
        ("http://example.org/x y", link("http://example.org/x") + " y"),
        ("https://example.org.", link("https://example.org") + "."),
        ("https://example.org/a?!.,;:", link("https://example.org/a") + "?!.,;:"),
        ("(https://example.org/a)", "(" + link("https://example.org/a") + ")"),
        (
            "https://en.wikipedia.org/wiki/Turin_(city)",
            link("https://en.wikipedia.org/wiki/Turin_(city)"),
        ),
        ("[https://example.org/a]", "[" + link("https://example.org/a") + "]"),
        ("{https://example.org/a}", "{" + link("https://example.org/a") + "}"),
        ("https://example.org/a(b))", link("https://example.org/a(b)") + ")"),
        ("https://example.org/?a=1&b=2", link("https://example.org/?a=1&amp;b=2")),
        (
            'https://example.org/"onmouseover="x',
            link("https://example.org/") + "&#34;onmouseover=&#34;x",
        ),
        ("https://example.org/<script>", link("https://example.org/") + "&lt;script&gt;"),
        ("https://example.org/'a", link("https://example.org/") + "&#39;a"),
        ("https://example.org/`a", link("https://example.org/") + "`a"),
        ("ftp://example.org", "ftp://example.org"),
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("https://", "https://"),
        ("https://.", "https://."),
        ("http://[::1", "http://[::1"),
        (
            "a https://one.org b https://two.org c",
            "a " + link("https://one.org") + " b " + link("https://two.org") + " c",
        ),
        ("<b>x</b> & y", "&lt;b&gt;x&lt;/b&gt; &amp; y"),
        ("xhttps://example.org", "x" + link("https://example.org")),
        ("", ""),
        ("https:// then https://example.org", "https:// then " + link("https://example.org")),
    ],
)
def test_linkify(text, html):
    result = linkify(text)
    assert isinstance(result, Markup)
    assert str(result) == html


def test_web_addresses_need_a_scheme_and_a_host():
    assert is_web_address("https://example.org")
    assert is_web_address("HTTPS://example.org/path")
    assert not is_web_address("https:///path")
    assert not is_web_address("mailto:ana@example.org")
    assert not is_web_address("http://[::1")


def test_paragraphs_and_line_breaks():
    text = "First line\nsecond https://example.org\n\n\n  Next <p>  \r\n\r\nlast"
    assert str(post_html(text)) == (
        "<p>First line<br>\nsecond " + link("https://example.org") + "</p>\n"
        "<p>Next &lt;p&gt;</p>\n<p>last</p>"
    )
    assert str(post_html("   \n\n ")) == ""
