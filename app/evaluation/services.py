"""Rules of the end-of-course evaluation: its errors, its calendar and settings, and what other
areas ask of it (its questions: app.evaluation.questionnaire; opening and closing it:
app.evaluation.opening).

Services flush but never commit: the caller (a route or ``flask tick``) commits once. They take
the acting user and ``now`` as keyword arguments and never read the request.

For other areas (the results pages, the certificate, the progress checklist):

- :func:`evaluation_for` (course) → the course's :class:`Evaluation` or ``None``;
- :func:`has_completed` (registration) and :func:`completed_registration_ids` (course, one
  query) → who completed it;
- :func:`is_required_for_certificate` (course) and :func:`blocks_certificate` (registration);
- :func:`questions_in_order` (evaluation) → its questions by position; each has ``kind``,
  ``area``, ``course_module_id``, ``key`` (lines questions up across editions),
  ``label(locale)``; :data:`app.evaluation.models.RATING_LABELS` and
  :data:`app.evaluation.models.MIN_BREAKDOWN`;
- answers: :mod:`app.evaluation.answering` (:func:`~app.evaluation.answering.answers_for`,
  :func:`~app.evaluation.answering.response_count`).

The calendar, in the venue's zone (``course.timezone``): the evaluation opens on the last
on-site day (``course.end_date``), at the start of that day or at ``opens_at_time``; it closes
at the end of ``closes_on`` (by default the 14th day after the last on-site day); the one
reminder goes at the start of the day ``reminder_days_before_close`` days before it closes (so
with 3, participants have three full days left), and never within a day of the opening. Dates
follow the course when its dates move, as long as the organisers have not fixed them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.core.rules import FieldErrors
from app.core.timeutil import NonexistentLocalTime, day_start_utc, local_to_utc
from app.courses.models import Course
from app.evaluation.models import (
    Evaluation,
    EvaluationCompletion,
    EvaluationQuestion,
)
from app.extensions import db
from app.registration.models import Registration, RegistrationStatus

logger = logging.getLogger(__name__)

# By default the evaluation stays open for this many days after the last on-site day.
DEFAULT_OPEN_DAYS = 14
DEFAULT_REMINDER_DAYS = 3
MAX_REMINDER_DAYS = 30
# The reminder never follows the invitation within this time.
REMINDER_MIN_GAP = timedelta(days=1)
LABEL_MAX_LENGTH = 300
HELP_MAX_LENGTH = 1000


# --- errors ----------------------------------------------------------------------------------


class EvaluationError(FieldErrors):
    """An evaluation rule was broken (messages by field)."""


class EvaluationLocked(EvaluationError):
    """The evaluation has opened: its questions and its anonymity can no longer change."""


class InvalidEvaluation(EvaluationError):
    """Settings or a question's fields break a rule."""


def locked_error() -> EvaluationLocked:
    return EvaluationLocked.single(
        _l(
            "The evaluation has opened: its questions and whether it is anonymous can no "
            "longer change, so that every participant answers the same form."
        )
    )


def check_editable(evaluation: Evaluation) -> None:
    if evaluation.has_opened:
        raise locked_error()


# --- lookups for other areas -----------------------------------------------------------------


def evaluation_for(course: Course) -> Evaluation | None:
    """The course's evaluation, if it has one (events never do)."""
    return db.session.scalar(sa.select(Evaluation).where(Evaluation.course_id == course.id))


def questions_in_order(evaluation: Evaluation) -> list[EvaluationQuestion]:
    return sorted(evaluation.questions, key=lambda q: (q.position, q.id))


def has_completed(registration: Registration) -> bool:
    """Whether this registration completed its course's evaluation."""
    stmt = (
        sa.select(EvaluationCompletion.id)
        .join(Evaluation, EvaluationCompletion.evaluation_id == Evaluation.id)
        .where(
            Evaluation.course_id == registration.course_id,
            EvaluationCompletion.registration_id == registration.id,
        )
    )
    return db.session.scalar(stmt) is not None


def completed_registration_ids(course: Course) -> set[int]:
    """The registrations that completed the course's evaluation, in one query."""
    stmt = (
        sa.select(EvaluationCompletion.registration_id)
        .join(Evaluation, EvaluationCompletion.evaluation_id == Evaluation.id)
        .where(Evaluation.course_id == course.id)
    )
    return set(db.session.scalars(stmt))


def answered_tally(course: Course) -> tuple[int, int]:
    """(confirmed participants who answered, confirmed participants): someone who answered and
    then cancelled counts in neither, so the first never exceeds the second."""
    confirmed = set(
        db.session.scalars(
            sa.select(Registration.id).where(
                Registration.course_id == course.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
    )
    return len(confirmed & completed_registration_ids(course)), len(confirmed)


def is_required_for_certificate(course: Course) -> bool:
    """Whether completing the evaluation is a condition of the course's certificate."""
    stmt = sa.select(Evaluation.required_for_certificate).where(Evaluation.course_id == course.id)
    return bool(db.session.scalar(stmt))


def blocks_certificate(registration: Registration) -> bool:
    """Whether the evaluation still stands between this registration and its certificate."""
    return is_required_for_certificate(registration.course) and not has_completed(registration)


def participant_states(registrations: list[Registration]) -> dict[int, str]:
    """For "My courses", in two queries: each confirmed registration whose course's evaluation
    has opened → "answered", "open" (may answer now) or "closed" (did not answer)."""
    confirmed = {r.id: r for r in registrations if r.status == RegistrationStatus.CONFIRMED}
    if not confirmed:
        return {}
    course_ids = {r.course_id for r in confirmed.values()}
    evaluations = {
        e.course_id: e
        for e in db.session.scalars(
            sa.select(Evaluation).where(
                Evaluation.course_id.in_(course_ids), Evaluation.opened_at.is_not(None)
            )
        )
    }
    if not evaluations:
        return {}
    done = set(
        db.session.scalars(
            sa.select(EvaluationCompletion.registration_id).where(
                EvaluationCompletion.registration_id.in_(confirmed)
            )
        )
    )
    states: dict[int, str] = {}
    for registration_id, registration in confirmed.items():
        evaluation = evaluations.get(registration.course_id)
        if evaluation is None:
            continue
        if registration_id in done:
            states[registration_id] = "answered"
        else:
            states[registration_id] = "closed" if evaluation.is_closed else "open"
    return states


# --- the calendar ----------------------------------------------------------------------------


def closes_on(evaluation: Evaluation) -> date:
    """The last day (venue calendar) participants may answer."""
    if evaluation.closes_on is not None:
        return evaluation.closes_on
    return evaluation.course.end_date + timedelta(days=DEFAULT_OPEN_DAYS)


def opens_at(evaluation: Evaluation) -> datetime:
    """When the tick opens it: on the last on-site day, at its start or at ``opens_at_time``."""
    course = evaluation.course
    if evaluation.opens_at_time is None:
        return day_start_utc(course.end_date, course.timezone)
    try:
        return local_to_utc(course.end_date, evaluation.opens_at_time, course.timezone)
    except NonexistentLocalTime:
        # The clocks skip that time that day (the course moved onto a daylight-saving change
        # after the time was set): open an hour later, just after the jump.
        later = time((evaluation.opens_at_time.hour + 1) % 24, evaluation.opens_at_time.minute)
        return local_to_utc(course.end_date, later, course.timezone)


def closes_at(evaluation: Evaluation) -> datetime:
    """When the tick closes it: the end of :func:`closes_on` at the venue."""
    return day_start_utc(closes_on(evaluation) + timedelta(days=1), evaluation.course.timezone)


def reminder_at(evaluation: Evaluation) -> datetime:
    """When the one reminder goes: the start of the day that leaves
    ``reminder_days_before_close`` full days."""
    day = closes_on(evaluation) + timedelta(days=1 - evaluation.reminder_days_before_close)
    return day_start_utc(day, evaluation.course.timezone)


EvaluationState = Literal["not_opened", "open", "closed"]


def state(evaluation: Evaluation) -> EvaluationState:
    if evaluation.is_closed:
        return "closed"
    if evaluation.is_open:
        return "open"
    return "not_opened"


# --- settings --------------------------------------------------------------------------------


@dataclass
class SettingsData:
    is_anonymous: bool
    required_for_certificate: bool
    opens_at_time: time | None
    closes_on: date | None
    reminder_days_before_close: int


def update_settings(evaluation: Evaluation, data: SettingsData, *, actor: Any) -> None:
    """Change the evaluation's settings. Anonymity and the opening time only before it opens;
    the closing date, the reminder and the certificate condition at any time (a closed
    evaluation given a later closing date can then be opened again by hand)."""
    course = evaluation.course
    errors: dict[str | None, list[Any]] = {}
    if evaluation.has_opened:
        if data.is_anonymous != evaluation.is_anonymous:
            errors.setdefault("is_anonymous", []).append(
                _l("The evaluation has opened: whether it is anonymous can no longer change.")
            )
        if data.opens_at_time != evaluation.opens_at_time:
            errors.setdefault("opens_at_time", []).append(_l("The evaluation has already opened."))
    elif data.opens_at_time is not None:
        try:
            local_to_utc(course.end_date, data.opens_at_time, course.timezone)
        except NonexistentLocalTime:
            errors.setdefault("opens_at_time", []).append(
                _l("The clocks skip this time that day at the venue; choose another.")
            )
    if data.closes_on is not None and data.closes_on < course.end_date:
        errors.setdefault("closes_on", []).append(
            _l("The evaluation cannot close before the last on-site day.")
        )
    if not 1 <= data.reminder_days_before_close <= MAX_REMINDER_DAYS:
        errors.setdefault("reminder_days_before_close", []).append(
            _l("Between 1 and %(max)d days.", max=MAX_REMINDER_DAYS)
        )
    if errors:
        raise InvalidEvaluation(errors)
    evaluation.is_anonymous = data.is_anonymous
    evaluation.required_for_certificate = data.required_for_certificate
    evaluation.opens_at_time = data.opens_at_time
    evaluation.closes_on = data.closes_on
    evaluation.reminder_days_before_close = data.reminder_days_before_close
    db.session.flush()
    logger.info("evaluation %s settings changed by %s", evaluation.id, actor_id(actor))


def actor_id(actor: Any) -> Any:
    return getattr(actor, "id", actor)
