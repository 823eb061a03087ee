"""Password hashing (Argon2id) and the strength rule (zxcvbn), apart from the account rules.

Hashes are Argon2id at OWASP's Password Storage Cheat Sheet figures (19 MiB of memory, two
passes, one lane). Hashes made before (Werkzeug's scrypt and pbkdf2) still verify; the log-in
replaces them, and Argon2 hashes with older parameters, once the password is known to be right.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash
from zxcvbn import zxcvbn

# OWASP Password Storage Cheat Sheet, Argon2id: "a minimum configuration of 19 MiB of memory,
# an iteration count of 2, and 1 degree of parallelism". Tests set cheaper ones in the config.
OWASP_ARGON2 = {"time_cost": 2, "memory_cost": 19456, "parallelism": 1}
ARGON2_PREFIX = "$argon2id$"
# zxcvbn's score runs 0 to 4; 3 is "safely unguessable: moderate protection from an offline
# slow-hash scenario" (about 10^8 guesses or more).
MIN_STRENGTH_SCORE = 3
ZXCVBN_MAX_LENGTH = 72


@cache
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hasher() -> PasswordHasher:
    """The hasher at this app's parameters (PASSWORD_ARGON2, OWASP's unless set)."""
    params = {**OWASP_ARGON2, **(current_app.config.get("PASSWORD_ARGON2") or {})}
    return _hasher(params["time_cost"], params["memory_cost"], params["parallelism"])


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (Argon2id, or an older Werkzeug hash)."""
    if not stored:
        return False
    if stored.startswith("$argon2"):
        try:
            return hasher().verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    try:
        return check_password_hash(stored, password)
    except ValueError:  # a hash in no format Werkzeug knows
        return False


def needs_rehash(stored: str | None) -> bool:
    """A hash that is not Argon2id at the current parameters: replace it at the next log-in."""
    if not stored or not stored.startswith(ARGON2_PREFIX):
        return True
    try:
        return hasher().check_needs_rehash(stored)
    except InvalidHashError:
        return True


@cache
def _dummy(time_cost: int, memory_cost: int, parallelism: int) -> str:
    return _hasher(time_cost, memory_cost, parallelism).hash("no account has this password")


def spend_one_check(password: str) -> None:
    """Verify against a hash no account has: an unknown email costs as long as a known one."""
    params = {**OWASP_ARGON2, **(current_app.config.get("PASSWORD_ARGON2") or {})}
    dummy = _dummy(params["time_cost"], params["memory_cost"], params["parallelism"])
    verify_password(dummy, password)


# --- Strength ----------------------------------------------------------------------------------


class Weakness(enum.StrEnum):
    """Why a password is easy to guess, from the kind of zxcvbn's weakest part of it."""

    PERSONAL = "personal"  # the person's own name or email
    COMMON = "common"  # a common password or a word by itself
    NAMES = "names"  # first names and surnames
    KEYBOARD = "keyboard"  # rows of keys: qwerty, zxcvbn
    REPEAT = "repeat"  # aaa, abcabc
    SEQUENCE = "sequence"  # abc, 6543
    DATE = "date"  # years and dates
    SHORT = "short"  # nothing in particular: just too little of it

    @property
    def message(self) -> str:
        return str(_MESSAGES[self])


_MESSAGES = {
    Weakness.PERSONAL: _l("It contains your name or your email address, which others can guess."),
    Weakness.COMMON: _l("It is a common password, or close to one."),
    Weakness.NAMES: _l("Names and surnames are easy to guess."),
    Weakness.KEYBOARD: _l("Rows of keys on the keyboard are easy to guess."),
    Weakness.REPEAT: _l('Repeats like "aaa" or "abcabc" are easy to guess.'),
    Weakness.SEQUENCE: _l('Sequences like "abc" or "6543" are easy to guess.'),
    Weakness.DATE: _l("Dates and years are easy to guess."),
    Weakness.SHORT: _l("It is too easy to guess."),
}
ADVICE = _l(
    "Choose a longer password: several unrelated words make one that is easy to remember and "
    "hard to guess."
)


@dataclass(frozen=True)
class Strength:
    score: int
    weakness: Weakness | None

    @property
    def ok(self) -> bool:
        return self.score >= MIN_STRENGTH_SCORE


def _personal_words(inputs: tuple[str, ...]) -> list[str]:
    """The name and email, whole and in parts ("ana.alves", "alves", "example"), and the first
    two parts run together ("anaalves"), which zxcvbn would not find on its own."""
    words: list[str] = []
    for value in inputs:
        value = value.strip().lower()
        if not value:
            continue
        words.append(value)
        if "@" in value:
            words.append(value.partition("@")[0])
        parts = [part for part in re.split(r"[\s@.+_-]+", value) if part]
        words.extend(parts)
        if len(parts) > 1:
            words.append(parts[0] + parts[1])
    return words


def _weakness(match: dict[str, Any]) -> Weakness:
    pattern = match.get("pattern")
    if pattern == "dictionary":
        name = match.get("dictionary_name")
        if name == "user_inputs":
            return Weakness.PERSONAL
        if name in ("surnames", "male_names", "female_names"):
            return Weakness.NAMES
        return Weakness.COMMON
    return {
        "spatial": Weakness.KEYBOARD,
        "repeat": Weakness.REPEAT,
        "sequence": Weakness.SEQUENCE,
        "regex": Weakness.DATE,  # zxcvbn's only regex is "recent year"
        "date": Weakness.DATE,
    }.get(str(pattern), Weakness.SHORT)


def strength(password: str, *user_inputs: str) -> Strength:
    """zxcvbn's score for ``password``, knowing the person's name and email, and, when it is
    too low, what makes it weak (the longest guessable part)."""
    # zxcvbn refuses more than 72 characters (its running time grows with the length): the
    # first 72 are judged, and a password that long and weak there is weak anyway.
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=_personal_words(user_inputs))
    score = int(result["score"])
    if score >= MIN_STRENGTH_SCORE:
        return Strength(score, None)
    guessable = [m for m in result["sequence"] if m.get("pattern") != "bruteforce"]
    if not guessable:
        return Strength(score, Weakness.SHORT)
    longest = max(guessable, key=lambda m: len(m["token"]))
    return Strength(score, _weakness(longest))


def refusal(result: Strength) -> str:
    """The sentence shown beside the field: why, then what to do (in the person's language)."""
    reason = result.weakness or Weakness.SHORT
    return f"{reason.message} {ADVICE}"
