"""Application questions and answers: the rules.

Organisers build each course's own questions (:func:`create_question`, :func:`update_question`,
:func:`move_question`, :func:`retire_question`, :func:`delete_question`). A question that has
answers keeps its kind and is never deleted with them: it is retired (hidden from new
applicants, its answers kept); an option that has been chosen is retired too, never removed.

Applicants answer the questions that are asked (:func:`asked_questions`) with their
application (:func:`apply_with_answers`, in the same transaction as the registration) and may
change them while the application is undecided (:func:`update_answers`). Every answer is
checked here, not only by the forms (:func:`check_answers`).

Services flush, never commit, and take the acting user as an argument.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from app.accounts.models import User
from app.applications.models import (
    Answer,
    ApplicationQuestion,
    OptionText,
    QuestionKind,
    QuestionOption,
    QuestionText,
    answer_option,
)
from app.core.forms import EARLIEST_DATE, LATEST_DATE, is_control
from app.core.i18n import LANGUAGE_NAMES
from app.courses.models import Course
from app.db import now_utc
from app.extensions import db
from app.registration import services as registration_services
from app.registration.forms import country_names
from app.registration.models import Registration, RegistrationEvent, RegistrationStatus
from app.registration.services import ApplicationData

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
# Applications the course team has not decided on for good: a submitted one waits for a
# decision, a waitlisted one may still be confirmed or rejected (the desk offers both). Their
# answers may still change; a confirmed, rejected or cancelled application's may not.
UNDECIDED = frozenset({RegistrationStatus.SUBMITTED, RegistrationStatus.WAITLISTED})
# File questions are built now; applicants see them once uploads are stored (app/storage).
ASKS_FILES = False

Direction = Literal["up", "down"]
AnswerValue = str | Sequence[str] | None

_NUMBER = re.compile(r"-?[0-9]{1,10}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ID = re.compile(r"[0-9]{1,10}")


# --- errors -----------------------------------------------------------------------------------


class QuestionError(Exception):
    """A rule of the question builder was broken. ``errors`` maps the form's field (a dotted
    path such as ``text_en.label`` or ``options.2.remove``, or ``None`` for the whole form) to
    its messages, which are lazy: they are translated when shown."""

    def __init__(self, errors: dict[str | None, list[Any]]) -> None:
        self.errors = errors
        super().__init__(errors)

    @classmethod
    def single(cls, message: Any, field: str | None = None) -> QuestionError:
        return cls({field: [message]})

    @property
    def messages(self) -> list[str]:
        return [str(m) for messages in self.errors.values() for m in messages]

    def __str__(self) -> str:
        return " ".join(self.messages)


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
        self.errors = errors
        super().__init__(errors)

    @property
    def messages(self) -> list[str]:
        return [str(m) for messages in self.errors.values() for m in messages]


class _Errors:
    def __init__(self) -> None:
        self.found: dict[str | None, list[Any]] = {}

    def add(self, name: str | None, message: Any) -> None:
        self.found.setdefault(name, []).append(message)


# --- what the builder hands over --------------------------------------------------------------


@dataclass(frozen=True)
class TextData:
    """A question's texts in one language."""

    label: str
    help_text: str = ""


@dataclass(frozen=True)
class OptionData:
    """One option row: a new option when ``option_id`` is None (a row without any label is
    left out), else a change to that option, or its removal."""

    labels: Mapping[str, str]
    option_id: int | None = None
    is_retired: bool = False
    remove: bool = False


@dataclass(frozen=True)
class QuestionData:
    kind: QuestionKind
    texts: Mapping[str, TextData]
    is_required: bool = False
    min_value: int | None = None
    max_value: int | None = None
    max_size_mb: int | None = None
    options: Sequence[OptionData] = field(default_factory=tuple)


# --- reading ----------------------------------------------------------------------------------


def questions_in_order(course: Course) -> list[ApplicationQuestion]:
    """All the course's questions, retired ones included, in the organisers' order."""
    return list(
        db.session.scalars(
            sa.select(ApplicationQuestion)
            .where(ApplicationQuestion.course_id == course.id)
            .order_by(ApplicationQuestion.position, ApplicationQuestion.id)
        )
    )


def asked_questions(course: Course) -> list[ApplicationQuestion]:
    """The questions an applicant answers now, in order: not retired (and no file question
    until uploads are stored)."""
    return [
        question
        for question in questions_in_order(course)
        if not question.is_retired and (ASKS_FILES or question.kind != QuestionKind.FILE)
    ]


def answer_counts(course: Course) -> dict[int, int]:
    """How many registrations answered each of the course's questions, by question id
    (questions without answers are absent)."""
    rows = db.session.execute(
        sa.select(Answer.question_id, sa.func.count())
        .join(ApplicationQuestion)
        .where(ApplicationQuestion.course_id == course.id)
        .group_by(Answer.question_id)
    )
    return {question_id: count for question_id, count in rows}


def answer_count(question: ApplicationQuestion) -> int:
    return (
        db.session.scalar(sa.select(sa.func.count()).where(Answer.question_id == question.id)) or 0
    )


def option_choice_counts(question: ApplicationQuestion) -> dict[int, int]:
    """How many answers chose each of the question's options, by option id (options nobody
    chose are absent)."""
    rows = db.session.execute(
        sa.select(answer_option.c.option_id, sa.func.count())
        .join(QuestionOption, QuestionOption.id == answer_option.c.option_id)
        .where(QuestionOption.question_id == question.id)
        .group_by(answer_option.c.option_id)
    )
    return {option_id: count for option_id, count in rows}


def can_edit_answers(registration: Registration) -> bool:
    return registration.status in UNDECIDED


# --- the builder ------------------------------------------------------------------------------


def _control_message(*, multiline: bool) -> Any:
    if multiline:
        return _l(
            "This text contains invisible control characters. Type it again "
            "or paste it as plain text."
        )
    return _l(
        "This text contains line breaks, tabs or invisible control characters. "
        "Type it again on one line."
    )


def _too_long(limit: int, value: str) -> Any:
    return _l("Use at most %(max)d characters (this has %(length)d).", max=limit, length=len(value))


def _check_text(errors: _Errors, name: str, value: str, limit: int, *, multiline: bool) -> None:
    if any(is_control(c, multiline=multiline) for c in value):
        errors.add(name, _control_message(multiline=multiline))
    elif len(value) > limit:
        errors.add(name, _too_long(limit, value))


def _clean_texts(data: QuestionData) -> dict[str, TextData]:
    return {
        locale: TextData(text.label.strip(), _one_line_break(text.help_text).strip())
        for locale, text in data.texts.items()
        if locale in LANGUAGE_NAMES
    }


def _one_line_break(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n")


def check_question(
    course: Course, data: QuestionData, question: ApplicationQuestion | None = None
) -> None:
    """Raise :class:`InvalidQuestion` unless the question can be saved: a label in the
    course's main language, texts of sensible length, a kind kept while it has answers, a
    number range that is one, and for a choice question at least two options offered (with a
    label in the main language, none twice, none chosen by an applicant removed)."""
    errors = _Errors()
    main = course.default_locale
    texts = _clean_texts(data)
    if not texts.get(main, TextData("")).label:
        errors.add(
            f"text_{main}.label",
            _l(
                "Give the question in the course's main language (%(language)s).",
                language=LANGUAGE_NAMES.get(main, main),
            ),
        )
    for locale, text in texts.items():
        _check_text(errors, f"text_{locale}.label", text.label, LABEL_MAX, multiline=False)
        _check_text(errors, f"text_{locale}.help_text", text.help_text, HELP_MAX, multiline=True)
        if text.help_text and not text.label:
            errors.add(
                f"text_{locale}.label",
                _l("Give the question in this language too, or leave its help text empty."),
            )
    if question is not None and data.kind != question.kind:
        answered = answer_count(question)
        if answered:
            errors.add(
                "kind",
                lazy_ngettext(
                    "%(num)d applicant has answered this question, so its kind cannot change. "
                    "Retire it and add a new question instead.",
                    "%(num)d applicants have answered this question, so its kind cannot "
                    "change. Retire it and add a new question instead.",
                    answered,
                ),
            )
    if data.kind == QuestionKind.NUMBER:
        _check_range(errors, data)
    size = data.max_size_mb
    if data.kind == QuestionKind.FILE and size is not None and not 1 <= size <= MAX_SIZE_MB_LIMIT:
        errors.add(
            "max_size_mb",
            _l("Choose a size from 1 to %(max)d MB.", max=MAX_SIZE_MB_LIMIT),
        )
    if data.kind.has_options:
        _check_options(errors, course, data, question)
    if errors.found:
        raise InvalidQuestion(errors.found)


def _check_range(errors: _Errors, data: QuestionData) -> None:
    for name, value in (("min_value", data.min_value), ("max_value", data.max_value)):
        if value is not None and abs(value) > NUMBER_LIMIT:
            errors.add(name, _l("Choose a number between minus and plus one billion."))
    low, high = data.min_value, data.max_value
    if low is not None and high is not None and high < low:
        errors.add("max_value", _l("The largest answer cannot be smaller than the smallest."))


def _option_labels(option: OptionData) -> dict[str, str]:
    """An option row's labels by language, the blank ones left out."""
    return {
        locale: label.strip()
        for locale, label in option.labels.items()
        if locale in LANGUAGE_NAMES and label.strip()
    }


def _check_options(
    errors: _Errors, course: Course, data: QuestionData, question: ApplicationQuestion | None
) -> None:
    main = course.default_locale
    own = {option.id: option for option in question.options} if question is not None else {}
    chosen = option_choice_counts(question) if own else {}
    seen: dict[str, set[str]] = {}
    offered = 0
    for row, option in enumerate(data.options):
        labels = _option_labels(option)
        name = f"options.{row}.label_{main}"
        if option.option_id is None:
            if not labels or option.remove:
                continue
        elif option.option_id not in own:
            errors.add(name, _l("This option is not one of the question's options."))
            continue
        elif option.remove:
            times = chosen.get(option.option_id, 0)
            if times:
                errors.add(
                    f"options.{row}.remove",
                    lazy_ngettext(
                        "%(num)d applicant chose this option, so it cannot be removed. "
                        "Tick “Retire this option” instead: new applicants no longer see it and the "
                        "answers are kept.",
                        "%(num)d applicants chose this option, so it cannot be removed. "
                        "Tick “Retire this option” instead: new applicants no longer see it and the "
                        "answers are kept.",
                        times,
                    ),
                )
            continue
        if main not in labels:
            errors.add(name, _l("Give the option in the course's main language."))
        for locale, label in labels.items():
            field_name = f"options.{row}.label_{locale}"
            _check_text(errors, field_name, label, OPTION_MAX, multiline=False)
            if label.casefold() in seen.setdefault(locale, set()):
                errors.add(field_name, _l("Another option has this label."))
            seen[locale].add(label.casefold())
        if not option.is_retired:
            offered += 1
    if offered < MIN_OPTIONS:
        errors.add(
            "options",
            _l("Give at least %(num)d options that applicants can choose.", num=MIN_OPTIONS),
        )


def _set_texts(rows: list[Any], wanted: Mapping[str, Any], make: Any, update: Any) -> None:
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


def _apply_texts(question: ApplicationQuestion, data: QuestionData) -> None:
    wanted = {locale: text for locale, text in _clean_texts(data).items() if text.label}

    def update(row: QuestionText, text: TextData) -> None:
        row.label, row.help_text = text.label, text.help_text

    _set_texts(
        question.texts,
        wanted,
        lambda locale, text: QuestionText(
            locale=locale, label=text.label, help_text=text.help_text
        ),
        update,
    )


def _apply_options(question: ApplicationQuestion, data: QuestionData) -> None:
    if not data.kind.has_options:
        question.options.clear()
        return
    own = {option.id: option for option in question.options}
    kept: list[QuestionOption] = []
    for row in data.options:
        labels = _option_labels(row)
        option = own.pop(row.option_id, None) if row.option_id is not None else None
        if row.remove or not labels:
            continue
        if option is None:
            option = QuestionOption()
        option.is_retired = row.is_retired
        _set_texts(
            option.texts,
            labels,
            lambda locale, label: OptionText(locale=locale, label=label),
            lambda text, label: setattr(text, "label", label),
        )
        kept.append(option)
    # Options the rows do not mention stay as they are, after the others: none vanishes unasked.
    kept.extend(own.values())
    for position, option in enumerate(kept):
        option.position = position
    question.options[:] = kept


def _apply(question: ApplicationQuestion, data: QuestionData) -> None:
    question.kind = data.kind
    question.is_required = data.is_required
    is_number = data.kind == QuestionKind.NUMBER
    question.min_value = data.min_value if is_number else None
    question.max_value = data.max_value if is_number else None
    question.max_size_mb = (
        (data.max_size_mb or DEFAULT_MAX_SIZE_MB) if data.kind == QuestionKind.FILE else None
    )
    _apply_texts(question, data)
    _apply_options(question, data)


def create_question(course: Course, data: QuestionData, *, actor: User) -> ApplicationQuestion:
    """Add a question at the end of the course's list."""
    check_question(course, data)
    last = db.session.scalar(
        sa.select(sa.func.max(ApplicationQuestion.position)).where(
            ApplicationQuestion.course_id == course.id
        )
    )
    now = now_utc()
    question = ApplicationQuestion(
        course=course,
        kind=data.kind,
        position=0 if last is None else last + 1,
        created_at=now,
        updated_at=now,
    )
    _apply(question, data)
    db.session.add(question)
    db.session.flush()
    return question


def update_question(
    question: ApplicationQuestion, data: QuestionData, *, actor: User
) -> ApplicationQuestion:
    """Change a question (see :func:`check_question` for what may change)."""
    check_question(question.course, data, question)
    _apply(question, data)
    question.updated_at = now_utc()
    db.session.flush()
    return question


def _renumber(questions: list[ApplicationQuestion]) -> None:
    for position, question in enumerate(questions):
        question.position = position


def delete_question(question: ApplicationQuestion, *, actor: User) -> None:
    """Delete a question nobody has answered; one with answers is refused (retire it)."""
    answered = answer_count(question)
    if answered:
        raise QuestionHasAnswers.single(
            lazy_ngettext(
                "%(num)d applicant has answered this question, so it cannot be deleted with "
                "the answer. Retire it instead: new applicants no longer see it, and the "
                "answer stays on the desk and in the exports.",
                "%(num)d applicants have answered this question, so it cannot be deleted with "
                "their answers. Retire it instead: new applicants no longer see it, and the "
                "answers stay on the desk and in the exports.",
                answered,
            )
        )
    course = question.course
    db.session.delete(question)
    db.session.flush()
    _renumber(questions_in_order(course))
    db.session.flush()


def retire_question(question: ApplicationQuestion, *, actor: User) -> None:
    """Hide the question from new applicants; its answers are kept, shown and exported."""
    question.is_retired = True
    question.updated_at = now_utc()
    db.session.flush()


def restore_question(question: ApplicationQuestion, *, actor: User) -> None:
    """Ask a retired question again."""
    question.is_retired = False
    question.updated_at = now_utc()
    db.session.flush()


def move_question(question: ApplicationQuestion, direction: Direction, *, actor: User) -> None:
    """Swap the question with the one before ("up") or after ("down") it; at either end of
    the list nothing moves. Positions are then renumbered from 0."""
    ordered = questions_in_order(question.course)
    index = ordered.index(question)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    _renumber(ordered)
    db.session.flush()


def copy_questions(source: Course, target: Course) -> list[ApplicationQuestion]:
    """Give ``target`` (a new edition) the questions of ``source`` that applicants are asked,
    with their texts and offered options, in the same order; retired ones and the answers
    stay behind."""
    copies = []
    for question in questions_in_order(source):
        if question.is_retired:
            continue
        copy = ApplicationQuestion(
            course=target,
            kind=question.kind,
            position=len(copies),
            is_required=question.is_required,
            min_value=question.min_value,
            max_value=question.max_value,
            max_size_mb=question.max_size_mb,
            texts=[
                QuestionText(locale=t.locale, label=t.label, help_text=t.help_text)
                for t in question.texts
            ],
            options=[
                QuestionOption(
                    position=position,
                    texts=[OptionText(locale=t.locale, label=t.label) for t in option.texts],
                )
                for position, option in enumerate(question.offered_options)
            ],
        )
        db.session.add(copy)
        copies.append(copy)
    db.session.flush()
    return copies


# --- answers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedAnswer:
    """An answer as it will be stored: ``value`` (text) or ``options``; both empty when the
    question was left unanswered."""

    question: ApplicationQuestion
    value: str = ""
    options: tuple[QuestionOption, ...] = ()

    @property
    def is_blank(self) -> bool:
        return not self.value and not self.options


class _Refused(Exception):
    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message


MISSING = {
    QuestionKind.SHORT_TEXT: _l("Answer this question."),
    QuestionKind.LONG_TEXT: _l("Answer this question."),
    QuestionKind.SINGLE_CHOICE: _l("Choose one of the options."),
    QuestionKind.MULTIPLE_CHOICE: _l("Choose at least one of the options."),
    QuestionKind.YES_NO: _l("Answer yes or no."),
    QuestionKind.NUMBER: _l("Enter a number."),
    QuestionKind.DATE: _l("Enter a date."),
    QuestionKind.COUNTRY: _l("Choose a country."),
    QuestionKind.FILE: _l("Add a file."),
}


def _values(raw: AnswerValue) -> list[str]:
    """What was answered, as a list of non-blank strings."""
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    return [item.strip() for item in items if isinstance(item, str) and item.strip()]


def _text_answer(question: ApplicationQuestion, value: str) -> str:
    multiline = question.kind == QuestionKind.LONG_TEXT
    limit = LONG_ANSWER_MAX if multiline else SHORT_ANSWER_MAX
    value = _one_line_break(value)
    if any(is_control(c, multiline=multiline) for c in value):
        raise _Refused(_control_message(multiline=multiline))
    if len(value) > limit:
        raise _Refused(_too_long(limit, value))
    return value


def _number_answer(question: ApplicationQuestion, value: str) -> str:
    if not _NUMBER.fullmatch(value):
        raise _Refused(_l("Enter a whole number, such as 12."))
    number = int(value)
    low, high = question.min_value, question.max_value
    if (
        (-NUMBER_LIMIT if low is None else low)
        <= number
        <= (NUMBER_LIMIT if high is None else high)
    ):
        return str(number)
    if low is not None and high is not None:
        raise _Refused(_l("Enter a number from %(min)d to %(max)d.", min=low, max=high))
    if low is not None and number < low:
        raise _Refused(_l("Enter a number of at least %(min)d.", min=low))
    if high is not None and number > high:
        raise _Refused(_l("Enter a number of at most %(max)d.", max=high))
    raise _Refused(_l("Enter a number between minus and plus one billion."))


def _date_answer(value: str) -> str:
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise _Refused(_l("Enter a real date, such as 2017-11-20.")) from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise _Refused(
            _l(
                "Enter a date between the years %(first)d and %(last)d.",
                first=EARLIEST_DATE.year,
                last=LATEST_DATE.year,
            )
        )
    return day.isoformat()


def _chosen_options(
    question: ApplicationQuestion, values: list[str], kept: Sequence[QuestionOption]
) -> tuple[QuestionOption, ...]:
    """The options named by ``values``: offered ones, or retired ones the applicant had chosen
    already (``kept``), in the question's order."""
    allowed = {option.id: option for option in question.offered_options}
    allowed.update({option.id: option for option in kept})
    chosen: dict[int, QuestionOption] = {}
    for value in values:
        option = allowed.get(int(value)) if _ID.fullmatch(value) else None
        if option is None:
            raise _Refused(_l("Choose one of the options in the list."))
        chosen[option.id] = option
    if question.kind == QuestionKind.SINGLE_CHOICE and len(chosen) > 1:
        raise _Refused(_l("Choose only one of the options."))
    return tuple(sorted(chosen.values(), key=lambda option: option.position))


def check_answer(
    question: ApplicationQuestion, raw: AnswerValue, kept: Sequence[QuestionOption] = ()
) -> CheckedAnswer:
    """One answer, checked against its question's rules; raises ``_Refused`` with the
    message for the applicant."""
    values = _values(raw)
    if not values:
        if question.is_required:
            raise _Refused(MISSING[question.kind])
        return CheckedAnswer(question)
    kind = question.kind
    if kind.has_options:
        return CheckedAnswer(question, options=_chosen_options(question, values, kept))
    if len(values) > 1:
        raise _Refused(_l("Give one answer only."))
    [value] = values
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        value = _text_answer(question, value)
    elif kind == QuestionKind.YES_NO:
        if value not in ("yes", "no"):
            raise _Refused(MISSING[kind])
    elif kind == QuestionKind.NUMBER:
        value = _number_answer(question, value)
    elif kind == QuestionKind.DATE:
        value = _date_answer(value)
    elif kind == QuestionKind.COUNTRY:
        if value not in country_names("en"):
            raise _Refused(_l("Choose a country from the list."))
    else:
        return CheckedAnswer(question)  # files are not taken yet
    return CheckedAnswer(question, value=value)


def _answers_of(registration: Registration) -> dict[int, Answer]:
    answers = db.session.scalars(sa.select(Answer).where(Answer.registration_id == registration.id))
    return {answer.question_id: answer for answer in answers}


def check_answers(
    questions: Sequence[ApplicationQuestion],
    values: Mapping[int, AnswerValue],
    *,
    registration: Registration | None = None,
) -> dict[int, CheckedAnswer]:
    """The answers to ``questions`` (values by question id; others are ignored), checked.
    A registration changing its answers keeps the retired options it had chosen. Raises
    :class:`InvalidAnswers` with every question's messages."""
    kept = {
        question_id: answer.options
        for question_id, answer in (
            _answers_of(registration) if registration is not None else {}
        ).items()
    }
    checked: dict[int, CheckedAnswer] = {}
    errors: dict[int, list[Any]] = {}
    for question in questions:
        try:
            checked[question.id] = check_answer(
                question, values.get(question.id), kept.get(question.id, ())
            )
        except _Refused as exc:
            errors[question.id] = [exc.message]
    if errors:
        raise InvalidAnswers(errors)
    return checked


def _save_answers(
    registration: Registration, checked: Mapping[int, CheckedAnswer], now: datetime
) -> bool:
    """Store ``checked``: new answers, changed ones (``updated_at`` moves), blank ones
    removed. Returns whether anything changed."""
    existing = _answers_of(registration)
    changed = False
    for question_id, answer in checked.items():
        stored = existing.get(question_id)
        if answer.is_blank:
            if stored is not None:
                db.session.delete(stored)
                changed = True
            continue
        if stored is None:
            db.session.add(
                Answer(
                    registration=registration,
                    question=answer.question,
                    value=answer.value,
                    options=list(answer.options),
                    created_at=now,
                    updated_at=now,
                )
            )
            changed = True
        elif stored.value != answer.value or stored.options != list(answer.options):
            stored.value = answer.value
            stored.options = list(answer.options)
            stored.updated_at = now
            changed = True
    db.session.flush()
    return changed


def apply_with_answers(
    course: Course,
    user: User,
    data: ApplicationData,
    values: Mapping[int, AnswerValue],
    *,
    now: datetime | None = None,
) -> Registration:
    """Apply (see :func:`app.registration.services.apply`) with the answers to the course's
    asked questions, stored in the same transaction. The answers are checked first: raises
    :class:`InvalidAnswers` before anything is written."""
    checked = check_answers(asked_questions(course), values)
    registration = registration_services.apply(course, user, data, now=now)
    _save_answers(registration, checked, now or now_utc())
    return registration


def update_answers(
    registration: Registration,
    values: Mapping[int, AnswerValue],
    *,
    actor: User,
    now: datetime | None = None,
) -> bool:
    """Change an undecided application's answers to the questions asked now (answers to
    retired questions are kept as they are). Returns whether anything changed; a change is
    recorded in the registration's history. Raises :class:`AnswersLocked` once decided,
    :class:`InvalidAnswers` for answers that break a rule."""
    if not can_edit_answers(registration):
        raise AnswersLocked.single(
            _l("The course team has decided on this application: its answers can no longer change.")
        )
    checked = check_answers(asked_questions(registration.course), values, registration=registration)
    changed = _save_answers(registration, checked, now or now_utc())
    if changed:
        registration.events.append(
            RegistrationEvent(
                actor_id=actor.id,
                action="answers_updated",
                from_status=registration.status,
                to_status=registration.status,
            )
        )
        db.session.flush()
    return changed
