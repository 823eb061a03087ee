"""Every marked string of the interface has a French and a Spanish translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}


def marked_strings() -> set[str]:
    method_map = [
        ("app/**.py", "python"),
        ("app/templates/**.html", "jinja2"),
        ("app/templates/**.txt", "jinja2"),
    ]
    found: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map=method_map,
        keywords=KEYWORDS,
        options_map={"app/templates/**.html": {}, "app/templates/**.txt": {}},
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.fixture(scope="module")
def strings() -> set[str]:
    found = marked_strings()
    assert len(found) > 100, "the extraction found too few strings: is babel.cfg right?"
    return found


@pytest.mark.parametrize("locale", ["fr", "es"])
def test_every_marked_string_is_translated(strings, locale):
    with open(ROOT / "app" / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh, locale=locale)
    missing = sorted(
        s
        for s in strings
        if (m := catalog.get(s)) is None
        or m.fuzzy
        or not (m.string if isinstance(m.string, str) else all(m.string))
    )
    assert missing == [], f"{len(missing)} strings lack a {locale} translation, e.g. {missing[:5]}"
