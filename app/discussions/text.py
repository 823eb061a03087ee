"""Plain text as a page shows it: escaped, in paragraphs, web addresses made into links.

Nothing people type is ever taken as markup: the text is escaped piece by piece and only the
``<a>`` and ``<p>``/``<br>`` written here are markup. A web address is an ``http`` or
``https`` address with a host; the punctuation that usually ends a sentence after it (a full
stop, a comma, a closing bracket with no opening one in the address) stays outside the link.
The links carry ``rel="nofollow noopener ugc"``: search engines give them no weight, the
opened page gets no handle on this one.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from markupsafe import Markup, escape

# A candidate: from the scheme to the next blank or character that cannot end an address in
# running text (quotes and angle brackets, which an address must carry percent-encoded).
_CANDIDATE = re.compile(r"""https?://[^\s<>"'`]+""", re.IGNORECASE)
_TRAILING = ".,;:!?"
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def _trim(url: str) -> str:
    """``url`` without the punctuation that belongs to the sentence around it."""
    while url:
        last = url[-1]
        unbalanced = last in _CLOSERS and url.count(last) > url.count(_CLOSERS[last])
        if last not in _TRAILING and not unbalanced:
            break
        url = url[:-1]
    return url


def is_web_address(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def linkify(text: str) -> Markup:
    """One line of plain text, escaped, its web addresses as links."""
    pieces: list[Markup] = []
    position = 0
    for found in _CANDIDATE.finditer(text):
        url = _trim(found.group())
        if not is_web_address(url):
            continue
        start = found.start()
        pieces.append(escape(text[position:start]))
        pieces.append(Markup('<a href="{0}" rel="nofollow noopener ugc">{0}</a>').format(url))
        position = start + len(url)
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)


def post_html(text: str) -> Markup:
    """A post's text: blank lines part paragraphs, single line breaks stay, each line
    escaped and linkified."""
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    lines = Markup("<br>\n")
    return Markup("\n").join(
        Markup("<p>") + lines.join(linkify(line) for line in b.split("\n")) + Markup("</p>")
        for b in blocks
    )
