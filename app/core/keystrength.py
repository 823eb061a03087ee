"""How much guessing a secret key would take: a rough estimate in bits, for the production
check (app/config.py).

No library estimates a machine-made key well (zxcvbn is built for people's passwords and
counts dictionary words), and the question here is narrower: did the operator paste a random
value, or a word, a repeated pattern, a keyboard run? Three estimates, the smallest wins:

- the alphabet: length x log2 of the size of the character classes used (hex digits, letters,
  digits, punctuation), as a brute-force search would need;
- compressibility: what zlib leaves of the key (a repeated word or pattern shrinks to a few
  bytes, random text does not);
- the same of the steps between neighbouring characters (``abcdef…`` or ``13579…`` shrink).
"""

from __future__ import annotations

import itertools
import math
import string
import zlib

# Character classes a key draws from, most specific first: hex digits (secrets.token_hex)
# count as 16 symbols, not as the 36 of letters and digits.
HEX = frozenset("0123456789abcdef")
CLASSES: tuple[tuple[frozenset[str], int], ...] = (
    (frozenset(string.digits), 10),
    (frozenset(string.ascii_lowercase), 26),
    (frozenset(string.ascii_uppercase), 26),
    (frozenset(string.punctuation + " "), 33),
)
# Any other character (accented letters, other scripts): counted as a large alphabet.
OTHER_SYMBOLS = 100
# What zlib adds to any input: a 2-byte header, a 4-byte checksum.
ZLIB_OVERHEAD = 6


def alphabet_size(text: str) -> int:
    """The number of symbols of the character classes ``text`` uses."""
    if not text:
        return 0
    if set(text.lower()) <= HEX and (text.islower() or text.isupper()):
        return 16  # hex digits of one case, with at least one letter among them
    size = sum(count for chars, count in CLASSES if any(ch in chars for ch in text))
    if any(not any(ch in chars for chars, _count in CLASSES) for ch in text):
        size += OTHER_SYMBOLS
    return size


def _compressed_bits(data: bytes) -> int:
    return max(0, len(zlib.compress(data, 9)) - ZLIB_OVERHEAD) * 8


def estimated_bits(text: str) -> float:
    """The estimated strength of ``text`` in bits (0 for an empty or one-character key)."""
    if len(text) < 2:
        return 0.0
    brute_force = len(text) * math.log2(alphabet_size(text))
    encoded = text.encode()
    codes = [ord(ch) for ch in text]
    steps = bytes((b - a) % 256 for a, b in itertools.pairwise(codes))
    return min(brute_force, _compressed_bits(encoded), _compressed_bits(steps))
