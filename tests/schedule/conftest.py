"""Helpers for the timetable tests."""

from __future__ import annotations

from datetime import date, time

from app.courses.models import Course
from app.schedule.models import CourseSession
from app.schedule.services import SessionData, create_session


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
