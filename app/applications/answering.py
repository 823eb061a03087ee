"""The answers' rules: checking each answer against its question, storing the answers with
the application (in its transaction), and changing them while the application is undecided.

Every answer is checked here, not only by the forms (:func:`check_answers`). A file question's
answer is an upload: :func:`store_documents` checks each by its content and size (the
question's own limit, and ``APPLICATION_DOCUMENTS_MAX_BYTES`` for all of an application's
documents together) and stores it; a refused one stores nothing, and the files stored before it
in the transaction go when the caller rolls back (:mod:`app.storage.services`). A document
already stored is kept unless a new one replaces it; the replaced one is deleted with its
bytes once the change is committed. Services flush, never commit, and take the acting user as
an argument.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from app.accounts.models import User
from app.applications.checks import (
    DEFAULT_MAX_SIZE_MB,
    LONG_ANSWER_MAX,
    NUMBER_LIMIT,
    SHORT_ANSWER_MAX,
    AnswersLocked,
    InvalidAnswers,
    control_message,
    one_line_break,
    too_long,
)
from app.applications.models import Answer, ApplicationQuestion, QuestionKind, QuestionOption
from app.applications.services import asked_questions
from app.core.forms import EARLIEST_DATE, LATEST_DATE, is_control
from app.courses.models import Course
from app.db import now_utc
from app.extensions import db
from app.registration import services as registration_services
from app.registration.forms import country_names
from app.registration.models import Registration, RegistrationEvent, RegistrationStatus
from app.registration.services import ApplicationData
from app.storage.models import StoredFile
from app.storage.services import MB, FileRefused, store_upload

# Applications the course team has not decided on for good: a submitted one waits for a
# decision, a waitlisted one may still be confirmed or rejected (the desk offers both). Their
# answers may still change; a confirmed, rejected or cancelled application's may not.
UNDECIDED = frozenset({RegistrationStatus.SUBMITTED, RegistrationStatus.WAITLISTED})
AnswerValue = str | Sequence[str] | FileStorage | None

_NUMBER = re.compile(r"-?[0-9]{1,10}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ID = re.compile(r"[0-9]{1,10}")


def can_edit_answers(registration: Registration) -> bool:
    return registration.status in UNDECIDED


@dataclass(frozen=True)
class CheckedAnswer:
    """An answer as it will be stored: ``value`` (text), ``options`` or ``file``; all empty
    when the question was left unanswered. A file question's new document is an ``upload``
    until :func:`store_documents` has checked and stored it as ``file``."""

    value: str = ""
    options: tuple[QuestionOption, ...] = ()
    file: StoredFile | None = None
    upload: FileStorage | None = None

    @property
    def is_blank(self) -> bool:
        return not self.value and not self.options and self.file is None and self.upload is None


class AnswerRefused(Exception):
    """One answer breaks its question's rule: ``message`` (lazy) says which."""

    @property
    def message(self) -> Any:
        return self.args[0]


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
    value = one_line_break(value)
    if any(is_control(c, multiline=multiline) for c in value):
        raise AnswerRefused(control_message(multiline=multiline))
    if len(value) > limit:
        raise AnswerRefused(too_long(limit, value))
    return value


def _number_answer(question: ApplicationQuestion, value: str) -> str:
    if not _NUMBER.fullmatch(value):
        raise AnswerRefused(_l("Enter a whole number, such as 12."))
    number = int(value)
    low, high = question.min_value, question.max_value
    below = number < (-NUMBER_LIMIT if low is None else low)
    above = number > (NUMBER_LIMIT if high is None else high)
    if not (below or above):
        return str(number)
    if low is not None and high is not None:
        raise AnswerRefused(_l("Enter a number from %(min)d to %(max)d.", min=low, max=high))
    if below and low is not None:
        raise AnswerRefused(_l("Enter a number of at least %(min)d.", min=low))
    if above and high is not None:
        raise AnswerRefused(_l("Enter a number of at most %(max)d.", max=high))
    raise AnswerRefused(_l("Enter a number between minus and plus one billion."))


def _iso_date(value: str) -> date | None:
    """The day written year-month-day in ASCII digits, or None (``fromisoformat`` alone would
    also take 20171120 and 2017-W47-1)."""
    if _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _date_answer(value: str) -> str:
    day = _iso_date(value)
    if day is None:
        raise AnswerRefused(_l("Enter a real date, such as 2017-11-20."))
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise AnswerRefused(
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
            raise AnswerRefused(_l("Choose one of the options in the list."))
        chosen[option.id] = option
    if question.kind == QuestionKind.SINGLE_CHOICE and len(chosen) > 1:
        raise AnswerRefused(_l("Choose only one of the options."))
    return tuple(sorted(chosen.values(), key=lambda option: option.position))


def _file_answer(
    question: ApplicationQuestion, raw: AnswerValue, kept_file: StoredFile | None
) -> CheckedAnswer:
    """A new upload (its content is checked when it is stored), else the document stored
    already, which satisfies a required question."""
    if isinstance(raw, FileStorage) and raw.filename:
        return CheckedAnswer(upload=raw)
    if kept_file is not None:
        return CheckedAnswer(file=kept_file)
    if question.is_required:
        raise AnswerRefused(MISSING[QuestionKind.FILE])
    return CheckedAnswer()


def check_answer(
    question: ApplicationQuestion,
    raw: AnswerValue,
    kept: Sequence[QuestionOption] = (),
    kept_file: StoredFile | None = None,
) -> CheckedAnswer:
    """One answer, checked against its question's rules; raises ``AnswerRefused`` with the
    message for the applicant. ``kept``: the retired options and ``kept_file`` the document
    the application has already."""
    if question.kind == QuestionKind.FILE:
        return _file_answer(question, raw, kept_file)
    if isinstance(raw, FileStorage):
        raw = None  # a file sent where text was asked is no answer
    values = _values(raw)
    if not values:
        if question.is_required:
            raise AnswerRefused(MISSING[question.kind])
        return CheckedAnswer()
    kind = question.kind
    if kind.has_options:
        return CheckedAnswer(options=_chosen_options(question, values, kept))
    if len(values) > 1:
        raise AnswerRefused(_l("Give one answer only."))
    [value] = values
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        value = _text_answer(question, value)
    elif kind == QuestionKind.YES_NO:
        if value not in ("yes", "no"):
            raise AnswerRefused(MISSING[kind])
    elif kind == QuestionKind.NUMBER:
        value = _number_answer(question, value)
    elif kind == QuestionKind.DATE:
        value = _date_answer(value)
    else:
        # A country: the codes are the same in every language.
        if value not in country_names(question.course.default_locale):
            raise AnswerRefused(_l("Choose a country from the list."))
    return CheckedAnswer(value=value)


def answers_of(registration: Registration) -> dict[int, Answer]:
    """The registration's answers, by question id."""
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
    existing = answers_of(registration) if registration is not None else {}
    checked: dict[int, CheckedAnswer] = {}
    errors: dict[int, list[Any]] = {}
    for question in questions:
        stored = existing.get(question.id)
        try:
            checked[question.id] = check_answer(
                question,
                values.get(question.id),
                stored.options if stored is not None else (),
                stored.file if stored is not None else None,
            )
        except AnswerRefused as exc:
            errors[question.id] = [exc.message]
    if errors:
        raise InvalidAnswers(errors)
    return checked


def documents_limit() -> int:
    """The most all of one application's documents may weigh together, in bytes."""
    return int(current_app.config["APPLICATION_DOCUMENTS_MAX_BYTES"])


def store_documents(
    questions: Sequence[ApplicationQuestion],
    checked: Mapping[int, CheckedAnswer],
    *,
    actor: User,
    registration: Registration | None = None,
) -> dict[int, CheckedAnswer]:
    """``checked`` with each new upload checked by content and size and stored (flushed, not
    committed). The documents the registration keeps count towards the total per application;
    those being replaced do not. Raises :class:`InvalidAnswers` with every refused file's
    message; the files stored before go when the caller rolls back."""
    replaced = {question_id for question_id, answer in checked.items() if answer.upload}
    kept_bytes = sum(
        answer.file.size
        for question_id, answer in (
            answers_of(registration) if registration is not None else {}
        ).items()
        if answer.file is not None and question_id not in replaced
    )
    left = documents_limit() - kept_bytes
    stored: dict[int, CheckedAnswer] = dict(checked)
    errors: dict[int, list[Any]] = {}
    for question in questions:
        answer = checked.get(question.id)
        if answer is None or answer.upload is None:
            continue
        try:
            new_file = store_upload(
                answer.upload,
                actor=actor,
                max_bytes=(question.max_size_mb or DEFAULT_MAX_SIZE_MB) * MB,
                remaining_bytes=left,
            )
        except FileRefused as exc:
            errors[question.id] = [exc.message]
            continue
        left -= new_file.size
        stored[question.id] = CheckedAnswer(file=new_file)
    if errors:
        raise InvalidAnswers(errors)
    return stored


def _save_answers(
    registration: Registration, checked: Mapping[int, CheckedAnswer], now: datetime
) -> bool:
    """Store ``checked``: new answers, changed ones (``updated_at`` moves), blank ones
    removed. Returns whether anything changed."""
    existing = answers_of(registration)
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
                    question_id=question_id,
                    value=answer.value,
                    options=list(answer.options),
                    file=answer.file,
                    created_at=now,
                    updated_at=now,
                )
            )
            changed = True
        elif (
            stored.value != answer.value
            or stored.options != list(answer.options)
            or stored.file is not answer.file
        ):
            stored.value = answer.value
            stored.options = list(answer.options)
            # A replaced document is deleted with the answer's old file (delete-orphan).
            stored.file = answer.file
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
    :class:`InvalidAnswers` before the registration is written (a refused document after the
    others are stored: the caller rolls back)."""
    questions = asked_questions(course)
    checked = store_documents(questions, check_answers(questions, values), actor=user)
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
    questions = asked_questions(registration.course)
    checked = store_documents(
        questions,
        check_answers(questions, values, registration=registration),
        actor=actor,
        registration=registration,
    )
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
