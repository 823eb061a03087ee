"""Participants' work in the follow-up phase: what they submit, and what organisers complete.

A confirmed participant hands in work for an assignment (:mod:`app.followup.handins`: versions,
files and feedback); until the course team marks it complete, they may hand in again.
Organisers mark any activity complete for a participant (a webinar attended, work sent by other
means), which is what the certificate asks for activities marked as required.

Services flush but never commit, take the acting user as an argument, and accept ``now`` so
tests and commands call them without a request.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from app.courses.models import Course
from app.db import now_utc
from app.extensions import db
from app.followup.models import (
    ActivityKind,
    Feedback,
    FollowupActivity,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)
from app.followup.services import (
    LINK_MAX_LENGTH,
    FollowupError,
    _is_web_link,
    activities_in_order,
    phase_state,
    venue_today,
)
from app.registration.models import Registration, RegistrationStatus

logger = logging.getLogger(__name__)

# Participants see the phase this long before it opens.
PHASE_NOTICE = timedelta(days=14)
TEXT_MAX_LENGTH = 5000
COMPLETED_MESSAGE = _l(
    "The organisers have marked this work as completed: it can no longer change."
)


# --- errors ----------------------------------------------------------------------------------


class InvalidSubmission(FollowupError):
    """The submitted work breaks a rule (empty, too long, not a web link)."""


class SubmissionNotAllowed(FollowupError):
    """Submitting is not possible now (not an assignment, phase closed, already completed…)."""


# --- reading ---------------------------------------------------------------------------------


def with_history() -> tuple[Any, ...]:
    """Loader options for submissions shown with their versions, files and feedback: one
    query per level, whatever the number of submissions. (Built when called: the mappers are
    configured only once every model is imported.)"""
    return (
        selectinload(Submission.versions)
        .selectinload(SubmissionVersion.files)
        .selectinload(SubmissionFile.stored_file),
        selectinload(Submission.versions)
        .selectinload(SubmissionVersion.feedback)
        .selectinload(Feedback.author),
        selectinload(Submission.completed_by),
    )


def phase_visible(course: Course, today: date) -> bool:
    """Whether participants see the phase's activities on ``today`` (at the venue): from two
    weeks before it opens until it closes."""
    state = phase_state(course, today)
    if state == "open":
        return True
    if state == "upcoming":
        assert course.followup_opens_on is not None
        return course.followup_opens_on - today <= PHASE_NOTICE
    return False


def confirmed_participants(course: Course) -> list[Registration]:
    """The course's confirmed registrations, by name."""
    stmt = (
        sa.select(Registration)
        .where(
            Registration.course_id == course.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .options(selectinload(Registration.attendance))
        .order_by(sa.func.lower(Registration.certificate_name), Registration.id)
    )
    return list(db.session.scalars(stmt))


def submissions_for(course: Course) -> dict[tuple[int, int], Submission]:
    """Every submission of the course, by (registration id, activity id)."""
    stmt = (
        sa.select(Submission)
        .join(FollowupActivity, Submission.activity_id == FollowupActivity.id)
        .where(FollowupActivity.course_id == course.id)
        .options(*with_history())
    )
    return {(s.registration_id, s.activity_id): s for s in db.session.scalars(stmt)}


def find_submission(registration: Registration, activity: FollowupActivity) -> Submission | None:
    return db.session.scalar(
        sa.select(Submission).where(
            Submission.registration_id == registration.id,
            Submission.activity_id == activity.id,
        )
    )


def my_activities(
    registration: Registration,
) -> list[tuple[FollowupActivity, Submission | None]]:
    """The course's activities in order, each with this participant's submission (if any)."""
    found = submissions_for(registration.course)
    return [
        (activity, found.get((registration.id, activity.id)))
        for activity in activities_in_order(registration.course)
    ]


def activity_submissions(
    activity: FollowupActivity,
) -> list[tuple[Registration, Submission | None]]:
    """The course's confirmed participants, each with their submission for ``activity``."""
    stmt = sa.select(Submission).where(Submission.activity_id == activity.id)
    by_registration = {s.registration_id: s for s in db.session.scalars(stmt)}
    return [
        (registration, by_registration.get(registration.id))
        for registration in confirmed_participants(activity.course)
    ]


def submission_closed_reason(
    registration: Registration,
    activity: FollowupActivity,
    submission: Submission | None = None,
    *,
    now: datetime | None = None,
) -> Any | None:
    """Why ``registration`` cannot submit work for ``activity`` now, or None when it can."""
    course = registration.course
    if registration.status != RegistrationStatus.CONFIRMED:
        return _l("Only confirmed participants can submit work.")
    if activity.course_id != registration.course_id:
        return _l("This activity belongs to another course.")
    if activity.kind != ActivityKind.ASSIGNMENT:
        return _l("Only assignments take submissions.")
    today = venue_today(course, now)
    if phase_state(course, today) == "closed":
        return _l("The follow-up phase has closed: work can no longer be submitted.")
    if not phase_visible(course, today):
        return _l("The follow-up phase has not opened yet.")
    if submission is not None and submission.is_complete:
        return COMPLETED_MESSAGE
    return None


# --- changing --------------------------------------------------------------------------------


def _clean_fields(text: str, link: str, *, has_files: bool = False) -> tuple[str, str]:
    text = text.replace("\r\n", "\n").strip()
    link = link.strip()
    found: dict[str | None, list[Any]] = {}
    if len(text) > TEXT_MAX_LENGTH:
        found["text"] = [
            _l("The text can have at most %(count)d characters.", count=TEXT_MAX_LENGTH)
        ]
    if link and (not _is_web_link(link) or len(link) > LINK_MAX_LENGTH):
        found["link"] = [_l("The link must be a web address starting with https:// or http://.")]
    if not text and not link and not has_files and not found:
        found[None] = [_l("Write a text, give a link to your work or add files.")]
    if found:
        raise InvalidSubmission(found)
    return text, link


def submit_work(
    registration: Registration,
    activity: FollowupActivity,
    *,
    text: str,
    link: str,
    actor: Any,
    now: datetime | None = None,
) -> Submission:
    """Hand in a text and a link, without files (a new version, see
    :func:`app.followup.handins.hand_in`); the participant's submission."""
    from app.followup.handins import hand_in  # hand-ins build on these rules

    version = hand_in(registration, activity, text=text, link=link, actor=actor, now=now)
    return version.submission


def insert_or_ignore(model: type[Any], **values: Any) -> None:
    """INSERT a row unless it breaks a unique constraint (then nothing happens): the database
    decides which of two simultaneous requests wins, without a savepoint."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(model).values(**values).on_conflict_do_nothing())


def _create(registration: Registration, activity: FollowupActivity, *, now: datetime) -> Submission:
    """A new, empty submission; if another request created it first, that one."""
    insert_or_ignore(
        Submission, activity_id=activity.id, registration_id=registration.id, submitted_at=now
    )
    submission = find_submission(registration, activity)
    assert submission is not None
    return submission


def ensure_submission(
    registration: Registration, activity: FollowupActivity, *, now: datetime | None = None
) -> Submission:
    """The participant's submission for ``activity``, created empty when there is none (so an
    organiser can complete an activity nobody submits anything for, such as a webinar)."""
    if activity.course_id != registration.course_id:
        raise SubmissionNotAllowed.single(_l("This activity belongs to another course."))
    submission = find_submission(registration, activity)
    if submission is None:
        submission = _create(registration, activity, now=now or now_utc())
    return submission


def mark_complete(submission: Submission, *, actor: Any, now: datetime | None = None) -> None:
    """An organiser marks the work as completed (kept as is if it already was)."""
    if submission.is_complete:
        return
    submission.completed_at = now or now_utc()
    submission.completed_by_id = getattr(actor, "id", None)
    submission.returned_at = None
    db.session.flush()
    logger.info("submission %s completed by %s", submission.id, _actor_id(actor))


def mark_incomplete(submission: Submission, *, actor: Any) -> None:
    """An organiser takes the completion back; the participant may submit again."""
    if not submission.is_complete:
        return
    submission.completed_at = None
    submission.completed_by_id = None
    db.session.flush()
    logger.info("submission %s marked incomplete by %s", submission.id, _actor_id(actor))


def _actor_id(actor: Any) -> Any:
    return getattr(actor, "id", actor)
