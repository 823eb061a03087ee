"""Text as searches compare it: no case, no accents, one space between words."""

from __future__ import annotations

import unicodedata

# Letters that NFKD leaves whole (they are letters of their own, not a base letter with a
# mark), written as a reader without the letter would type them: "sorensen" finds Sørensen.
_LETTERS = str.maketrans(
    {
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "ŀ": "l",
        "ħ": "h",
        "ı": "i",
        "ŧ": "t",
        "ƀ": "b",
        "ɨ": "i",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "ĳ": "ij",
        "ŋ": "n",
        "ʼ": "'",
        "’": "'",
    }
)


def fold(text: str) -> str:
    """``text`` without case or accents, its spaces collapsed: "ÑÚÑEZ  Sørensen" and
    "ñuñez sorensen" fold alike (ß becomes ss, Ş becomes s, Ø becomes o)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_LETTERS)
    return " ".join(plain.split())
