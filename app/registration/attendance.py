"""Attendance on the on-site days: who was present, recorded by the course team.

One Attendance row per confirmed registration and course day, present or absent, with who
recorded it and when. Only confirmed registrations of the course, and only its days, can be
recorded; anything else is refused with an AttendanceError before anything is written.
Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.courses.models import Course
from app.db import now_utc
from app.extensions import db
from app.registration.models import Attendance, Registration, RegistrationStatus
from app.registration.services import RegistrationError, lock_seats


class AttendanceError(RegistrationError):
    message = _l("Attendance cannot be recorded for this.")


class NotACourseDay(AttendanceError):
    message = _l("This is not one of the course's on-site days.")


class NotAParticipant(AttendanceError):
    message = _l("Attendance can only be recorded for confirmed participants of this course.")


def _confirmed_with_attendance(course: Course) -> list[Registration]:
    stmt = (
        sa.select(Registration)
        .where(
            Registration.course_id == course.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .options(selectinload(Registration.attendance))
        .order_by(Registration.certificate_name, Registration.id)
    )
    return list(db.session.scalars(stmt))


def _check_day(course: Course, day: date) -> None:
    if day not in course.day_dates:
        raise NotACourseDay()


def set_attendance(course: Course, day: date, present_ids: set[int], *, actor: User) -> int:
    """Record who was present on ``day``: every confirmed registration of the course gets a
    row, present if its id is in ``present_ids``, else absent. Rows that already say so are
    left alone (their recorder and time stay). Returns how many rows were written.

    Raises NotACourseDay for a day outside the course, NotAParticipant when an id is not a
    confirmed registration of this course."""
    _check_day(course, day)
    # Two people saving the same day at once must not both insert its rows.
    lock_seats(course)
    registrations = _confirmed_with_attendance(course)
    if not present_ids <= {r.id for r in registrations}:
        raise NotAParticipant()
    now = now_utc()
    written = 0
    for registration in registrations:
        is_present = registration.id in present_ids
        row = next((a for a in registration.attendance if a.day == day), None)
        if row is None:
            registration.attendance.append(
                Attendance(day=day, is_present=is_present, recorded_by_id=actor.id, recorded_at=now)
            )
        elif row.is_present != is_present:
            row.is_present = is_present
            row.recorded_by_id = actor.id
            row.recorded_at = now
        else:
            continue
        written += 1
    db.session.flush()
    return written


def set_attendance_grid(
    course: Course, present_by_day: Mapping[date, set[int]], *, actor: User
) -> list[date]:
    """Save a whole grid of ticks. A day is saved when it has a tick or was recorded before;
    a day nobody ticked and nobody recorded (one still to come) stays unrecorded rather than
    marking everyone absent. Returns the days saved."""
    for day in present_by_day:
        _check_day(course, day)
    recorded = recorded_days(course)
    saved = []
    for day in course.day_dates:
        present = present_by_day.get(day, set())
        if present or day in recorded:
            set_attendance(course, day, present, actor=actor)
            saved.append(day)
    return saved


def recorded_days(course: Course) -> set[date]:
    """Days for which attendance has been recorded for someone."""
    stmt = (
        sa.select(Attendance.day)
        .join(Registration)
        .where(Registration.course_id == course.id)
        .distinct()
    )
    return set(db.session.scalars(stmt))


@dataclass(frozen=True)
class GridRow:
    registration: Registration
    # True present, False absent, None not recorded; one entry per course day.
    marks: dict[date, bool | None]

    @property
    def days_present(self) -> int:
        return sum(1 for mark in self.marks.values() if mark)


@dataclass(frozen=True)
class AttendanceGrid:
    days: list[date]
    rows: list[GridRow]

    def present_on(self, day: date) -> int:
        return sum(1 for row in self.rows if row.marks.get(day))

    def is_recorded(self, day: date) -> bool:
        return any(row.marks.get(day) is not None for row in self.rows)


def day_to_show(days: list[date], asked: str | None, today: date) -> date | None:
    """The day a phone shows of the grid (one column at a time): the day asked for (an ISO
    date of the course), else today if the course runs today, else its first day."""
    if not days:
        return None
    try:
        wanted = date.fromisoformat(asked or "")
    except ValueError:
        wanted = None
    for candidate in (wanted, today):
        if candidate in days:
            return candidate
    return days[0]


def attendance_grid(course: Course) -> AttendanceGrid:
    """Confirmed participants (by name) × course days, in two queries."""
    days = course.day_dates
    rows = []
    for registration in _confirmed_with_attendance(course):
        by_day = {a.day: a.is_present for a in registration.attendance}
        rows.append(GridRow(registration, {day: by_day.get(day) for day in days}))
    return AttendanceGrid(days=days, rows=rows)


def days_attended(registration: Registration) -> int:
    """On-site days the participant was recorded present (days of the course only, should
    its dates have moved since)."""
    days = set(registration.course.day_dates)
    return len(registration.days_present() & days)
