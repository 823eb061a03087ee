"""What a participant's certificate needs, as a checklist, and the organisers' matrix of it.

The certificate's own rules (:func:`app.certificates.services.certificate_eligibility`) decide
who qualifies; this module lays the same requirements out one by one — the on-site days, each
required follow-up activity, the course's end — each with whether it is met, where it stands
and what is left, with dates. The matrix is every confirmed participant's checklist side by
side, filtered to who is missing what.

Everything here reads; nothing is written. Functions take ``now`` so tests and pages agree.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.certificates.services import certificate_eligibility, course_end_utc, days_attended
from app.core.templating import localdate
from app.core.timeutil import local_date
from app.courses.models import Course
from app.db import now_utc
from app.evaluation import services as evaluation_services
from app.evaluation.models import Evaluation
from app.extensions import db
from app.followup.models import (
    ActivityKind,
    FollowupActivity,
    HandinState,
    Submission,
    SubmissionVersion,
)
from app.followup.services import activities_in_order
from app.followup.submissions import confirmed_participants
from app.registration.models import Registration, RegistrationStatus

ATTENDANCE = "attendance"
EVALUATION = "evaluation"
ANY = "any"


class State(enum.StrEnum):
    """Where one requirement stands for one participant."""

    DONE = "done"
    # Handed in, waiting for the team's feedback.
    WAITING = "waiting"
    # The team asked for a revision: to hand in again.
    RETURNED = "returned"
    # Still to do, its date not passed.
    TODO = "todo"
    # Still to do, its date passed (late work is still accepted).
    LATE = "late"
    # Can no longer be met (the on-site week is over without enough days).
    MISSED = "missed"

    @property
    def label(self) -> str:
        return {
            State.DONE: _l("Done"),
            State.WAITING: _l("Waiting for feedback"),
            State.RETURNED: _l("Returned for revision"),
            State.TODO: _l("To do"),
            State.LATE: _l("Late"),
            State.MISSED: _l("Missed"),
        }[self]


@dataclass
class Requirement:
    """One line of the checklist."""

    key: str  # "attendance" or "activity-<id>": the matrix's column
    title: Any
    state: State
    # What is left (or what was done), with dates, in a sentence.
    detail: Any
    activity: FollowupActivity | None = None

    @property
    def is_met(self) -> bool:
        return self.state == State.DONE


@dataclass
class Checklist:
    registration: Registration
    requirements: list[Requirement]
    # The certificate's answer: every requirement met, the course over, the person confirmed.
    is_eligible: bool
    course_ended: bool
    ends_on: date
    reasons: list[Any] = field(default_factory=list)

    @property
    def missing(self) -> list[Requirement]:
        return [r for r in self.requirements if not r.is_met]

    def lacks(self, key: str) -> bool:
        """Whether ``key`` ("any" for any requirement) is still to be met."""
        return any(r.key == key or key == ANY for r in self.missing)


def activity_key(activity: FollowupActivity) -> str:
    return f"activity-{activity.id}"


def required_activities(course: Course) -> list[FollowupActivity]:
    return [a for a in activities_in_order(course) if a.is_required]


def required_evaluation(course: Course) -> Evaluation | None:
    """The course's evaluation when completing it is a condition of the certificate."""
    evaluation = evaluation_services.evaluation_for(course)
    return evaluation if evaluation is not None and evaluation.required_for_certificate else None


def columns(course: Course, evaluation: Evaluation | None = None) -> list[tuple[str, Any]]:
    """The matrix's requirement columns: key and title, in the checklist's order."""
    found: list[tuple[str, Any]] = [(ATTENDANCE, _l("On-site days"))]
    found += [(activity_key(a), a.title) for a in required_activities(course)]
    if evaluation is not None:
        found.append((EVALUATION, _l("Evaluation")))
    return found


# --- one requirement -------------------------------------------------------------------------


def _days_text(days: Iterable[date]) -> str:
    return ", ".join(localdate(d, fmt="EEE d MMM") for d in days)


def attendance_requirement(registration: Registration, *, today: date) -> Requirement:
    """At least ``required_attendance_days`` of the on-site days marked present."""
    course = registration.course
    required = course.required_attendance_days
    attended = days_attended(registration)
    left = [d for d in course.day_dates if d >= today]
    title = _l(
        "Attend at least %(required)d of the %(days)d on-site days",
        required=required,
        days=course.days,
    )
    if attended >= required:
        state = State.DONE
        detail = _l("Attended %(attended)d of %(days)d days.", attended=attended, days=course.days)
    elif attended + len(left) >= required:
        state = State.TODO
        detail = _l(
            "Attended %(attended)d so far; %(needed)d more needed. Days left: %(dates)s.",
            attended=attended,
            needed=required - attended,
            dates=_days_text(left),
        )
    else:
        state = State.MISSED
        detail = _l(
            "Attended %(attended)d of the %(required)d days required: speak to the organisers.",
            attended=attended,
            required=required,
        )
    return Requirement(ATTENDANCE, title, state, detail)


def activity_requirement(
    activity: FollowupActivity, submission: Submission | None, *, now: datetime
) -> Requirement:
    """A required follow-up activity: completed by the team, or what is left."""
    tz = activity.course.timezone
    key = activity_key(activity)
    if submission is not None and submission.is_complete:
        assert submission.completed_at is not None
        detail = _l(
            "Completed on %(date)s.",
            date=_days_text([local_date(submission.completed_at, tz)]),
        )
        return Requirement(key, activity.title, State.DONE, detail, activity)
    handin = submission.state if submission is not None else HandinState.MISSING
    if activity.kind == ActivityKind.ASSIGNMENT and handin == HandinState.RETURNED:
        assert submission is not None and submission.returned_at is not None
        detail = _l(
            "Returned for revision on %(date)s: read the team's feedback and hand it in again.",
            date=_days_text([local_date(submission.returned_at, tz)]),
        )
        return Requirement(key, activity.title, State.RETURNED, detail, activity)
    if activity.kind == ActivityKind.ASSIGNMENT and handin == HandinState.SUBMITTED:
        assert submission is not None
        detail = _l(
            "Handed in on %(date)s; the team will mark it complete or ask for changes.",
            date=_days_text([local_date(submission.submitted_at, tz)]),
        )
        return Requirement(key, activity.title, State.WAITING, detail, activity)
    if activity.kind == ActivityKind.ASSIGNMENT:
        if activity.due_at is None:
            detail = _l("To hand in.")
            state = State.TODO
        else:
            due = _days_text([local_date(activity.due_at, tz)])
            state = State.LATE if now > activity.due_at else State.TODO
            if state == State.LATE:
                detail = _l("Was due on %(date)s: hand it in as soon as you can.", date=due)
            else:
                detail = _l("To hand in by %(date)s.", date=due)
        return Requirement(key, activity.title, state, detail, activity)
    # Webinars and discussions are marked complete by the team once taken part in.
    when = activity.starts_at
    if when is not None and now < when:
        detail = _l(
            "Take part on %(date)s; the team marks it complete.",
            date=_days_text([local_date(when, tz)]),
        )
    else:
        detail = _l("The team marks it complete once you have taken part.")
    return Requirement(key, activity.title, State.TODO, detail, activity)


def evaluation_requirement(evaluation: Evaluation, *, answered: bool) -> Requirement:
    """The course's evaluation, when the certificate asks for it: answered, or when it can be."""
    title = _l("Answer the course's evaluation")
    closes = _days_text([evaluation_services.closes_on(evaluation)])
    tz = evaluation.course.timezone
    if answered:
        return Requirement(EVALUATION, title, State.DONE, _l("Answered. Thank you."))
    if evaluation.is_closed:
        detail = _l(
            "It closed on %(date)s without your answer: speak to the organisers.", date=closes
        )
        return Requirement(EVALUATION, title, State.MISSED, detail)
    if evaluation.is_open:
        detail = _l("Open until %(date)s.", date=closes)
        return Requirement(EVALUATION, title, State.TODO, detail)
    opens = _days_text([local_date(evaluation_services.opens_at(evaluation), tz)])
    detail = _l("Opens on %(opens)s, until %(closes)s.", opens=opens, closes=closes)
    return Requirement(EVALUATION, title, State.TODO, detail)


# --- checklists ------------------------------------------------------------------------------


def _submissions(registration_ids: Sequence[int]) -> dict[tuple[int, int], Submission]:
    if not registration_ids:
        return {}
    stmt = (
        sa.select(Submission)
        .where(Submission.registration_id.in_(registration_ids))
        # A hand-in's state depends on whether it has versions.
        .options(selectinload(Submission.versions).load_only(SubmissionVersion.id))
    )
    return {(s.registration_id, s.activity_id): s for s in db.session.scalars(stmt)}


def _checklist(
    registration: Registration,
    activities: list[FollowupActivity],
    submissions: dict[tuple[int, int], Submission],
    *,
    now: datetime,
    evaluation: Evaluation | None,
    answered: bool,
) -> Checklist:
    """``evaluation``: the course's, when the certificate asks for it; ``answered``: whether
    this registration has completed it."""
    course = registration.course
    today = local_date(now, course.timezone)
    requirements = [attendance_requirement(registration, today=today)]
    for activity in activities:
        submission = submissions.get((registration.id, activity.id))
        requirements.append(activity_requirement(activity, submission, now=now))
    if evaluation is not None:
        requirements.append(evaluation_requirement(evaluation, answered=answered))
    completed = {
        activity.id
        for activity in activities
        if (found := submissions.get((registration.id, activity.id))) and found.is_complete
    }
    eligibility = certificate_eligibility(
        registration,
        now=now,
        completed=completed,
        evaluation_missing=evaluation is not None and not answered,
    )
    return Checklist(
        registration=registration,
        requirements=requirements,
        is_eligible=eligibility.is_eligible,
        course_ended=now >= course_end_utc(course),
        ends_on=course.end_date,
        reasons=eligibility.reasons,
    )


def checklist(registration: Registration, *, now: datetime | None = None) -> Checklist | None:
    """The participant's checklist, or None where there is no certificate to work towards (an
    event, or a registration that is not confirmed)."""
    if registration.course.kind.is_event or registration.status != RegistrationStatus.CONFIRMED:
        return None
    now = now or now_utc()
    course = registration.course
    evaluation = required_evaluation(course)
    return _checklist(
        registration,
        required_activities(course),
        _submissions([registration.id]),
        now=now,
        evaluation=evaluation,
        answered=evaluation is not None and evaluation_services.has_completed(registration),
    )


@dataclass
class Matrix:
    course: Course
    columns: list[tuple[str, Any]]
    rows: list[Checklist]
    # How many confirmed participants there are before filtering.
    total: int
    eligible: int


def progress_matrix(
    course: Course, *, missing: str | None = None, now: datetime | None = None
) -> Matrix:
    """Every confirmed participant's checklist; with ``missing`` (a column key, or "any"), only
    those for whom it is not met yet. An unknown key filters nothing."""
    now = now or now_utc()
    participants = confirmed_participants(course)
    activities = required_activities(course)
    submissions = _submissions([r.id for r in participants])
    # Who answered the evaluation, for all at once (not a query per participant).
    evaluation = required_evaluation(course)
    answered = (
        evaluation_services.completed_registration_ids(course) if evaluation is not None else set()
    )
    rows = [
        _checklist(
            r, activities, submissions, now=now, evaluation=evaluation, answered=r.id in answered
        )
        for r in participants
    ]
    cols = columns(course, evaluation)
    eligible = sum(1 for row in rows if row.is_eligible)
    if missing in {key for key, _title in cols} | {ANY}:
        assert missing is not None
        rows = [row for row in rows if row.lacks(missing)]
    return Matrix(
        course=course, columns=cols, rows=rows, total=len(participants), eligible=eligible
    )


def mailto_link(rows: Iterable[Checklist], *, subject: str = "") -> str:
    """A mail-client link addressed to the people listed, each in blind copy so no participant
    sees the others' addresses."""
    addresses = sorted({row.registration.email for row in rows if row.registration.email})
    query = [f"bcc={quote(','.join(addresses), safe='@,')}"]
    if subject:
        query.append(f"subject={quote(subject)}")
    return "mailto:?" + "&".join(query)
