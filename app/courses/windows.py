"""Whether a course takes applications now, as the catalogue, the course page and the
programme pages show it: not open yet, open, full, closed or cancelled."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l

from app.courses.models import Course, CourseStatus, RegistrationMode
from app.db import now_utc
from app.registration import services as registration_services


class RegistrationWindow(enum.StrEnum):
    NOT_OPEN_YET = "not_open_yet"
    OPEN = "open"
    FULL = "full"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            RegistrationWindow.NOT_OPEN_YET: _l("Registration not yet open"),
            RegistrationWindow.OPEN: _l("Registration open"),
            RegistrationWindow.FULL: _l("Full"),
            RegistrationWindow.CLOSED: _l("Registration closed"),
            RegistrationWindow.CANCELLED: _l("Cancelled"),
        }[self]


class _NotCounted(enum.Enum):
    """The default of ``registration_window(free_seats=...)``: the seats were not counted by the
    caller (None there means "no limit")."""

    NOT_COUNTED = "not_counted"


NOT_COUNTED = _NotCounted.NOT_COUNTED


def registration_windows(
    courses: list[Course], now: datetime | None = None
) -> dict[int, RegistrationWindow]:
    """The registration window of each course, counting seats for all of them in one query."""
    held = registration_services.seats_held_by_course([c.id for c in courses])
    return {
        c.id: registration_window(
            c,
            now,
            free_seats=None if c.capacity is None else max(c.capacity - held.get(c.id, 0), 0),
        )
        for c in courses
    }


def registration_window(
    course: Course,
    now: datetime | None = None,
    *,
    free_seats: int | _NotCounted | None = NOT_COUNTED,
) -> RegistrationWindow:
    """Whether the course takes applications now. Pass ``free_seats`` when known (lists count
    them for all their courses in one query): a number, or None for a course without a limit,
    which is never full. Nor is an event that takes no registration."""
    now = now or now_utc()
    if course.status == CourseStatus.CANCELLED:
        return RegistrationWindow.CANCELLED
    start = registration_services.course_start_utc(course)
    closes = course.registration_closes_at or start
    if now >= closes or now >= start:
        return RegistrationWindow.CLOSED
    if course.registration_opens_at is None or now < course.registration_opens_at:
        return RegistrationWindow.NOT_OPEN_YET
    if course.registration_mode == RegistrationMode.NONE:
        return RegistrationWindow.OPEN
    if free_seats is NOT_COUNTED:
        free_seats = registration_services.seats_left(course)
    if free_seats == 0:
        return RegistrationWindow.FULL
    return RegistrationWindow.OPEN
