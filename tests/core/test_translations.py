"""Every marked string of the interface has a French and a Spanish translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
# Babel's defaults (gettext, ngettext, pgettext…) plus our lazy aliases, as the Makefile's
# extract-messages extracts them.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
METHODS = [
    ("app/**.py", "python"),
    ("app/templates/**.html", "jinja2"),
    ("app/templates/**.txt", "jinja2"),
]


def marked_strings() -> set[tuple[str, str | None]]:
    """(message, context) of every marked string in the code and templates."""
    found: set[tuple[str, str | None]] = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords=KEYWORDS
    ):
        found.add((message[0] if isinstance(message, tuple) else message, context))
    return found


@pytest.fixture(scope="module")
def strings() -> set[tuple[str, str | None]]:
    found = marked_strings()
    assert len(found) > 100, "the extraction found too few strings: is babel.cfg right?"
    return found


@pytest.mark.parametrize("locale", ["fr", "es"])
def test_every_marked_string_is_translated(strings, locale):
    with open(ROOT / "app" / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh, locale=locale)

    def translated(message: str, context: str | None) -> bool:
        entry = catalog.get(message, context=context)
        if entry is None or entry.fuzzy:
            return False
        return all(entry.string) if isinstance(entry.string, tuple) else bool(entry.string)

    missing = sorted(m for m, ctx in strings if not translated(m, ctx))
    assert missing == [], f"{len(missing)} strings lack a {locale} translation, e.g. {missing[:5]}"
