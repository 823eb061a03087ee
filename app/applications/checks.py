"""What the question builder and the answers share: limits, errors, and the checks of a text.

Messages are lazy: they are translated when shown, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.forms import is_control
from app.core.rules import FieldErrors

LABEL_MAX = 300
HELP_MAX = 1000
OPTION_MAX = 200
SHORT_ANSWER_MAX = 300
LONG_ANSWER_MAX = 5000
# Numbers (answers and limits) stay within ± a billion: years, people, hours, budgets.
NUMBER_LIMIT = 10**9
DEFAULT_MAX_SIZE_MB = 10
MAX_SIZE_MB_LIMIT = 100
MIN_OPTIONS = 2


# --- errors -----------------------------------------------------------------------------------


class QuestionError(FieldErrors):
    """A rule of the question builder was broken; fields are dotted paths such as
    ``text_en.label`` or ``options.2.remove``."""


class InvalidQuestion(QuestionError):
    """A question's texts, settings or options break a rule."""


class QuestionHasAnswers(QuestionError):
    """The question has answers: it cannot be deleted (retire it instead)."""


class AnswersLocked(QuestionError):
    """The application is decided: its answers no longer change."""


class InvalidAnswers(Exception):
    """Answers that break their question's rules; ``errors`` maps a question's id to its
    messages (lazy)."""

    def __init__(self, errors: dict[int, list[Any]]) -> None:
        super().__init__()
        self.errors = errors

    @property
    def messages(self) -> list[str]:
        return [str(m) for messages in self.errors.values() for m in messages]


class Errors:
    def __init__(self) -> None:
        self.found: dict[str | None, list[Any]] = {}

    def add(self, name: str | None, message: Any) -> None:
        self.found.setdefault(name, []).append(message)


# --- texts ------------------------------------------------------------------------------------


def control_message(*, multiline: bool) -> Any:
    if multiline:
        return _l(
            "This text contains invisible control characters. Type it again "
            "or paste it as plain text."
        )
    return _l(
        "This text contains line breaks, tabs or invisible control characters. "
        "Type it again on one line."
    )


def too_long(limit: int, value: str) -> Any:
    return _l("Use at most %(max)d characters (this has %(length)d).", max=limit, length=len(value))


def check_text(
    errors: Errors, name: str, value: str, limit: int, *, multiline: bool = False
) -> None:
    """Add to ``errors`` under ``name`` what is wrong with a text typed: control characters
    (line breaks only in multi-line text), or more than ``limit`` characters."""
    if any(is_control(c, multiline=multiline) for c in value):
        errors.add(name, control_message(multiline=multiline))
    elif len(value) > limit:
        errors.add(name, too_long(limit, value))


def one_line_break(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n")


def set_texts(rows: list[Any], wanted: Mapping[str, Any], make: Any, update: Any) -> None:
    """Make ``rows`` (translation rows with a ``locale``) hold one row per language of
    ``wanted``: change the ones kept, add the new, drop the others."""
    by_locale = {row.locale: row for row in rows}
    for row in list(rows):
        if row.locale not in wanted:
            rows.remove(row)
    for locale, value in wanted.items():
        if locale in by_locale:
            update(by_locale[locale], value)
        else:
            rows.append(make(locale, value))
