"""Helpers for the timetable tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time

import pytest

from app.accounts.models import Role, User
from app.courses.models import Course, CourseKind
from app.extensions import db
from app.schedule.models import CourseSession
from app.schedule.services import SessionData, create_session
from tests.factories import make_course, make_user
from tests.neighbours import Neighbour, guard, make_busy_course


def add_session(
    course: Course,
    title: str = "Session",
    *,
    day: date | None = None,
    start: time = time(9, 0),
    end: time = time(10, 30),
    **fields: object,
) -> CourseSession:
    """A session through the service, as the system (no actor)."""
    data = SessionData(title=title, day=day or course.start_date, start=start, end=end, **fields)  # type: ignore[arg-type]
    return create_session(course, data, actor=None)


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    """The sister course three weeks earlier, busy, which no test may change."""
    yield from guard(make_busy_course(date(2017, 10, 30)))


def make_online_course(
    *, start: date = date(2017, 11, 20), kind: CourseKind = CourseKind.SIDE_EVENT, days: int = 5
) -> Course:
    """A published online activity: no venue, its days are UTC days."""
    course = make_course(start=start)
    course.kind = kind
    course.days = days
    course.venue = None
    course.is_online = True
    course.online_url = "https://meet.example.org/governing-migration"
    db.session.flush()
    return course


def zoned_user(zone: str | None, role: Role = Role.ADMIN) -> User:
    """A signed-up person who chose ``zone`` in their profile (None: no zone)."""
    user = make_user(role)
    user.timezone = zone
    db.session.flush()
    return user
