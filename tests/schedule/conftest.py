"""Helpers for the timetable tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time

import pytest

from app.courses.models import Course
from app.schedule.models import CourseSession
from app.schedule.services import SessionData, create_session
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
