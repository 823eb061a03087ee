"""What the feeds are built from, each loaded in a fixed number of queries whatever the
number of courses. Read by :mod:`app.feeds.calendars` (its defaults) and
:mod:`app.feeds.services`; it imports neither."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from app.accounts.models import User
from app.courses.models import Course, CourseStatus, CourseTeamMember, Programme
from app.extensions import db
from app.registration.models import Registration

__all__ = [
    "course_loads",
    "personal_registrations",
    "public_course",
    "public_programme_courses",
    "public_side_events",
    "team_courses",
]


def course_loads() -> list[LoaderOption]:
    """Everything a course's events need: venue, sessions (rooms and modules are joined by
    the model), activities; texts are loaded by the models."""
    return [
        joinedload(Course.venue),
        selectinload(Course.sessions),
        selectinload(Course.activities),
    ]


def public_course(slug: str) -> Course | None:
    """A course whose feed anyone may read: published or cancelled (a draft's feed would
    have no subscribers to tell), loaded for its calendar."""
    return db.session.scalar(
        sa.select(Course)
        .options(*course_loads())
        .where(Course.slug == slug, Course.status != CourseStatus.DRAFT)
    )


def public_side_events(host: Course) -> list[Course]:
    """The published and cancelled side events of a host event, loaded for its calendar
    (cancelled ones stay, so subscribers see their sessions cancelled)."""
    return list(
        db.session.scalars(
            sa.select(Course)
            .options(*course_loads())
            .where(Course.host_event_id == host.id, Course.status != CourseStatus.DRAFT)
            .order_by(Course.start_date, Course.id)
        )
    )


def public_programme_courses(programme: Programme) -> list[Course]:
    """The published and cancelled courses and events of a programme, loaded for its
    calendar."""
    return list(
        db.session.scalars(
            sa.select(Course)
            .options(*course_loads())
            .where(Course.programme_id == programme.id, Course.status != CourseStatus.DRAFT)
            .order_by(Course.start_date, Course.id)
        )
    )


def personal_registrations(user: User) -> list[Registration]:
    """All of the user's registrations, whatever their status (cancelled ones count for the
    feed's Last-Modified), with their courses loaded for the calendar."""
    return list(
        db.session.scalars(
            sa.select(Registration)
            .options(selectinload(Registration.course).options(*course_loads()))
            .where(Registration.user_id == user.id)
            .order_by(Registration.id)
        )
    )


def team_courses(user: User) -> list[Course]:
    """The courses ``user`` organises or facilitates, drafts included."""
    return list(
        db.session.scalars(
            sa.select(Course)
            .options(*course_loads())
            .join(CourseTeamMember)
            .where(CourseTeamMember.user_id == user.id)
            .order_by(Course.start_date, Course.id)
        )
    )
