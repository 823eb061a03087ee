"""Opening and closing the evaluation, by hand or by ``flask tick``, and the mail that goes
with it.

The tick (:func:`run_due`, called from :mod:`app.reminders`), for published courses:

1. makes the evaluation from the standard template for a course that reaches its last on-site
   day without one (so every course has one, even if the organisers never looked);
2. opens each evaluation whose time has come (:func:`app.evaluation.services.opens_at`) and
   invites every confirmed participant, in their language;
3. sends the one reminder (:func:`app.evaluation.services.reminder_at`) to the confirmed
   participants who have not answered;
4. closes each open evaluation at the end of its closing day.

Organisers may open (or open again, with a later closing date) and close by hand; the
invitation goes the first time only. Each step stamps the evaluation in the same transaction
as the mail it queues, so a second run sends nothing twice; on PostgreSQL the rows are locked
and skipped by a concurrent run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.core.timeutil import day_start_utc
from app.core.urls import external_url
from app.courses.models import Course, CourseKind, CourseStatus
from app.evaluation.models import Evaluation, EvaluationCompletion
from app.evaluation.questionnaire import create_evaluation
from app.evaluation.services import (
    DEFAULT_OPEN_DAYS,
    REMINDER_MIN_GAP,
    InvalidEvaluation,
    closes_at,
    closes_on,
    opens_at,
    reminder_at,
)
from app.extensions import db
from app.registration.models import Registration, RegistrationStatus
from app.registration.notifications import notify

logger = logging.getLogger(__name__)


@dataclass
class TickCounts:
    created: int = 0
    opened: int = 0
    invitations: int = 0
    reminders: int = 0
    closed: int = 0


def participants_to_remind(evaluation: Evaluation) -> list[Registration]:
    """Confirmed participants of the course who have not completed the evaluation."""
    done = sa.select(EvaluationCompletion.registration_id).where(
        EvaluationCompletion.evaluation_id == evaluation.id
    )
    stmt = (
        sa.select(Registration)
        .where(
            Registration.course_id == evaluation.course_id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.id.not_in(done),
        )
        .order_by(Registration.id)
    )
    return list(db.session.scalars(stmt))


def _mail(evaluation: Evaluation, template: str) -> int:
    course = evaluation.course
    recipients = participants_to_remind(evaluation)
    for registration in recipients:
        notify(
            registration,
            template,
            evaluation=evaluation,
            evaluation_url=external_url("evaluation.answer", slug=course.slug),
            closes_on=closes_on(evaluation),
        )
    return len(recipients)


def open_evaluation(evaluation: Evaluation, *, actor: Any, now: datetime) -> int:
    """Open the evaluation (``actor`` ``None``: the tick). The first opening invites the
    confirmed participants; returns how many were invited."""
    course = evaluation.course
    if evaluation.is_open:
        raise InvalidEvaluation.single(_l("The evaluation is already open."))
    if course.status != CourseStatus.PUBLISHED:
        raise InvalidEvaluation.single(_l("Only a published course's evaluation can open."))
    if not evaluation.questions:
        raise InvalidEvaluation.single(_l("Add at least one question first."))
    if now >= closes_at(evaluation):
        raise InvalidEvaluation.single(
            _l("Its closing date has passed: set a later closing date first."), "closes_on"
        )
    first = evaluation.opened_at is None
    if first:
        evaluation.opened_at = now
        evaluation.opened_by_id = getattr(actor, "id", None)
    evaluation.closed_at = None
    evaluation.closed_by_id = None
    invited = _mail(evaluation, "evaluation_invitation") if first else 0
    db.session.flush()
    logger.info(
        "evaluation %s %s by %s, %d invited",
        evaluation.id,
        "opened" if first else "opened again",
        getattr(actor, "id", "the tick"),
        invited,
    )
    return invited


def close_evaluation(evaluation: Evaluation, *, actor: Any, now: datetime) -> None:
    if not evaluation.is_open:
        raise InvalidEvaluation.single(_l("The evaluation is not open."))
    evaluation.closed_at = now
    evaluation.closed_by_id = getattr(actor, "id", None)
    db.session.flush()
    logger.info("evaluation %s closed by %s", evaluation.id, getattr(actor, "id", "the tick"))


def send_reminder(evaluation: Evaluation, *, now: datetime) -> int:
    """Remind, once, those who have not answered; returns how many."""
    reminded = _mail(evaluation, "evaluation_reminder")
    evaluation.reminder_sent_at = now
    db.session.flush()
    return reminded


def reminder_due(evaluation: Evaluation, now: datetime) -> bool:
    return (
        evaluation.is_open
        and evaluation.reminder_sent_at is None
        and evaluation.opened_at is not None
        and now >= evaluation.opened_at + REMINDER_MIN_GAP
        and reminder_at(evaluation) <= now < closes_at(evaluation)
    )


def _create_missing(now: datetime) -> int:
    """Make the evaluation of each published course in its evaluation window that has none."""
    has_one = sa.select(Evaluation.course_id)
    stmt = (
        sa.select(Course)
        .where(
            Course.status == CourseStatus.PUBLISHED,
            Course.kind == CourseKind.COURSE,
            Course.id.not_in(has_one),
            # Courses ending within the window, with a day's margin for the venue's zone.
            Course.start_date <= now.date() + timedelta(days=1),
            Course.start_date >= now.date() - timedelta(days=DEFAULT_OPEN_DAYS + 62),
        )
        .options(selectinload(Course.venue), selectinload(Course.focuses))
        .order_by(Course.id)
    )
    created = 0
    for course in db.session.scalars(stmt):
        tz = course.timezone
        window_opens = day_start_utc(course.end_date, tz)
        window_closes = day_start_utc(course.end_date + timedelta(days=DEFAULT_OPEN_DAYS + 1), tz)
        if window_opens <= now < window_closes:
            create_evaluation(course, actor=None, now=now)
            created += 1
    return created


def _evaluations(*conditions: sa.ColumnElement[bool]) -> list[Evaluation]:
    stmt = (
        sa.select(Evaluation)
        .join(Course, Evaluation.course_id == Course.id)
        .where(Course.status == CourseStatus.PUBLISHED, *conditions)
        .options(selectinload(Evaluation.course).selectinload(Course.venue))
        .order_by(Evaluation.id)
        .with_for_update(of=Evaluation, skip_locked=True)
    )
    return list(db.session.scalars(stmt))


def run_due(now: datetime) -> TickCounts:
    """The tick's evaluation work (the caller commits)."""
    counts = TickCounts(created=_create_missing(now))
    for evaluation in _evaluations(Evaluation.opened_at.is_(None), Evaluation.closed_at.is_(None)):
        if opens_at(evaluation) <= now < closes_at(evaluation):
            counts.invitations += open_evaluation(evaluation, actor=None, now=now)
            counts.opened += 1
    open_now = _evaluations(Evaluation.opened_at.is_not(None), Evaluation.closed_at.is_(None))
    for evaluation in open_now:
        if reminder_due(evaluation, now):
            counts.reminders += send_reminder(evaluation, now=now)
        if now >= closes_at(evaluation):
            close_evaluation(evaluation, actor=None, now=now)
            counts.closed += 1
    return counts
