"""A busy second course beside the one a test is about, and a guard that it is left alone.

A rule that forgets its course filter (seats counted across courses, a freed seat given to
someone waiting for another course, everyone's completed work counted for everyone) passes
every test whose database holds one course. So the rule tests run beside *Mainstreaming
migration into policy planning*: full, with a waiting list (the first holding an offer), an
application waiting for a decision, a rejection and a cancellation, attendance, a timetable,
follow-up activities with completed and pending work, and participants whose names are close
to the ones the tests use. The guard snapshots all of it and fails the test if anything of it
changed, or if any mail went to its people.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from app.core.timeutil import local_to_utc
from app.courses.models import Course, CourseStatus
from app.extensions import db
from app.followup.models import ActivityKind, FollowupActivity, Submission
from app.mail.models import OutboxMessage
from app.registration.models import (
    Attendance,
    Registration,
    RegistrationEvent,
    RegistrationStatus,
)
from app.schedule.models import CourseSession
from tests.factories import make_course, make_registration, make_user, make_venue

S = RegistrationStatus
SLUG = "mainstreaming-neighbour"

# Close to the names the tests use ("Ana Souza" is the default applicant of application_data).
NAMES = (
    ("Ana Sousa", "ana.sousa@example.org"),
    ("Anna Souza", "anna.souza@example.org"),
    ("Ana Souza Lima", "ana.lima@example.org"),
    ("Tesfaye Bekele", "t.bekele@example.org"),
    ("Tesfaye Bekele Alemu", "tesfaye.alemu@example.org"),
    ("Lucía Pérez", "lucia.perez@example.org"),
    ("Lucia Peres", "lucia.peres@example.org"),
    ("Ana Souza", "ana.souza@example.net"),
)


@dataclass
class Neighbour:
    course: Course
    registrations: list[Registration]
    activities: list[FollowupActivity]
    # Plain values: the guard reads them after tests that end or reset the session.
    course_id: int = 0
    emails: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.course_id = self.course.id
        self.emails = tuple(r.email for r in self.registrations)


def neighbour_id() -> int:
    """The busy neighbour's course id, for helpers that list what a test made."""
    return db.session.scalar(sa.select(Course.id).where(Course.slug == SLUG))


def make_busy_course(start: date, *, slug: str = SLUG) -> Neighbour:
    """A published five-day course starting on ``start`` (Turin), full: four seats, three
    confirmed and one held by an open offer, one more waiting, one application to decide, one
    rejected and one cancelled."""
    course = make_course(
        slug=slug,
        title="Mainstreaming migration into policy planning",
        start=start,
        venue=make_venue("Europe/Rome"),
        capacity=4,
    )
    course.status = CourseStatus.PUBLISHED
    opens = local_to_utc(start - timedelta(days=90), time(9, 0), course.timezone)
    course.registration_opens_at = opens
    course.registration_closes_at = local_to_utc(
        start - timedelta(days=7), time(18, 0), course.timezone
    )
    course.waitlist_offers = True
    course.followup_opens_on = course.end_date + timedelta(days=14)
    course.followup_closes_on = course.end_date + timedelta(days=60)

    statuses = [S.CONFIRMED, S.CONFIRMED, S.CONFIRMED, S.WAITLISTED, S.WAITLISTED]
    statuses += [S.SUBMITTED, S.REJECTED, S.CANCELLED]
    registrations = []
    decided = datetime.combine(start - timedelta(days=30), time(10, 0), tzinfo=UTC)
    for position, ((name, email), status) in enumerate(zip(NAMES, statuses, strict=True)):
        user = make_user(name=name, email=email)
        registration = make_registration(course, user, status=status, country="ET")
        registration.created_at = opens + timedelta(hours=position + 1)
        if status != S.SUBMITTED:
            registration.decided_at = decided
        registration.events.append(
            RegistrationEvent(action="submitted", to_status=S.SUBMITTED, actor_id=user.id)
        )
        registrations.append(registration)
    offer_holder, waiting = registrations[3], registrations[4]
    offer_holder.waitlist_position, waiting.waitlist_position = 1, 2
    # Far ahead of any clock a test passes in, so no sweep of expired offers reaches it.
    offer_holder.offer_expires_at = datetime(2100, 1, 1, tzinfo=UTC)

    for registration, days in zip(registrations[:3], (5, 4, 2), strict=True):
        registration.attendance.extend(
            Attendance(day=day, is_present=True) for day in course.day_dates[:days]
        )

    for day in course.day_dates:
        db.session.add(
            CourseSession(
                course=course,
                title=f"Policy coherence, {day:%A}",
                starts_at=local_to_utc(day, time(9, 0), course.timezone),
                ends_at=local_to_utc(day, time(12, 30), course.timezone),
            )
        )

    phase_opens = course.followup_opens_on
    activities = [
        FollowupActivity(
            course=course,
            kind=ActivityKind.ASSIGNMENT,
            title="Action plan for policy coherence",
            due_at=local_to_utc(phase_opens + timedelta(days=21), time(23, 59), course.timezone),
            is_required=True,
            position=0,
        ),
        FollowupActivity(
            course=course,
            kind=ActivityKind.WEBINAR,
            title="Coaching webinar",
            starts_at=local_to_utc(phase_opens + timedelta(days=7), time(15, 0), course.timezone),
            ends_at=local_to_utc(phase_opens + timedelta(days=7), time(16, 30), course.timezone),
            is_required=True,
            position=1,
        ),
    ]
    db.session.add_all(activities)
    db.session.flush()
    done_at = local_to_utc(phase_opens + timedelta(days=10), time(11, 0), course.timezone)
    for registration in registrations[:3]:
        for activity in activities:
            db.session.add(
                Submission(
                    activity=activity,
                    registration=registration,
                    text="Done: see the plan in the annex.",
                    submitted_at=done_at,
                    # Everyone's work counts for no one else: one still waits for review.
                    completed_at=None if registration is registrations[2] else done_at,
                )
            )
    db.session.flush()
    return Neighbour(course, registrations, activities)


def snapshot(neighbour: Neighbour) -> dict[str, object]:
    """Everything about the neighbour that a rule of another course must not touch."""
    course_id = neighbour.course_id
    reg_ids = sa.select(Registration.id).where(Registration.course_id == course_id)

    def rows(stmt: sa.Select) -> list[tuple]:
        return [tuple(row) for row in db.session.execute(stmt)]

    return {
        "course": rows(
            sa.select(Course.status, Course.capacity, Course.updated_at, Course.start_date).where(
                Course.id == course_id
            )
        ),
        "registrations": rows(
            sa.select(
                Registration.id,
                Registration.status,
                Registration.waitlist_position,
                Registration.offer_expires_at,
                Registration.decided_at,
                Registration.certificate_name,
                Registration.nationality,
            )
            .where(Registration.course_id == course_id)
            .order_by(Registration.id)
        ),
        "history": rows(
            sa.select(RegistrationEvent.registration_id, RegistrationEvent.action)
            .where(RegistrationEvent.registration_id.in_(reg_ids))
            .order_by(RegistrationEvent.id)
        ),
        "attendance": rows(
            sa.select(Attendance.registration_id, Attendance.day, Attendance.is_present)
            .where(Attendance.registration_id.in_(reg_ids))
            .order_by(Attendance.registration_id, Attendance.day)
        ),
        "sessions": rows(
            sa.select(CourseSession.id, CourseSession.starts_at, CourseSession.ends_at)
            .where(CourseSession.course_id == course_id)
            .order_by(CourseSession.id)
        ),
        "activities": rows(
            sa.select(FollowupActivity.id, FollowupActivity.title, FollowupActivity.due_at)
            .where(FollowupActivity.course_id == course_id)
            .order_by(FollowupActivity.id)
        ),
        "submissions": rows(
            sa.select(Submission.id, Submission.completed_at, Submission.completed_by_id)
            .where(Submission.registration_id.in_(reg_ids))
            .order_by(Submission.id)
        ),
        "mail": rows(
            sa.select(OutboxMessage.recipient, OutboxMessage.subject).where(
                OutboxMessage.recipient.in_(neighbour.emails)
            )
        ),
    }


def guard(neighbour: Neighbour) -> Iterator[Neighbour]:
    """Yield the neighbour to the test, then fail if the test changed it."""
    db.session.commit()  # a request ending the session must not take it away
    before = snapshot(neighbour)
    yield neighbour
    # What the test flushed counts, committed or not; only a broken transaction is dropped.
    try:
        after = snapshot(neighbour)
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        after = snapshot(neighbour)
    changed = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
    assert not changed, f"the other course was changed: {changed}"
