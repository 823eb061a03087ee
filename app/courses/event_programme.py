"""A host event's programme: its own sessions and its side events in one list, by time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from app.core.timeutil import local_date
from app.courses.models import Course
from app.schedule.models import CourseSession

__all__ = ["SideEventEntry", "with_side_events"]


@dataclass(frozen=True)
class SideEventEntry:
    """A side event as a row of its host's timetable: from its first session's start to its
    last one's end (breaks and cancelled sessions aside), or no time when it has none yet."""

    event: Course
    starts_at: datetime | None
    ends_at: datetime | None
    # Lets the timetable tell these rows from sessions.
    is_side_event: bool = True


def _entry(event: Course) -> SideEventEntry:
    held = [s for s in event.sessions if not s.is_break and not s.is_cancelled]
    if not held:
        return SideEventEntry(event, None, None)
    return SideEventEntry(event, min(s.starts_at for s in held), max(s.ends_at for s in held))


def _order(row: CourseSession | SideEventEntry) -> tuple[int, datetime, int]:
    # A side event with no time yet leads its day; then everything by start, sessions first
    # on a tie (the host's own programme is what the page is about).
    if isinstance(row, SideEventEntry):
        if row.starts_at is None:
            return (0, datetime.min.replace(tzinfo=UTC), row.event.id)
        return (1, row.starts_at, 1)
    return (1, row.starts_at, 0)


def with_side_events(
    days: list[tuple[date, list[CourseSession]]], side_events: list[Course], zone: str
) -> list[tuple[date, list[CourseSession | SideEventEntry]]]:
    """The host's days with each side event on the day it starts in ``zone`` (the one the
    page shows times in), sessions and side events interleaved by start time. Days without
    either are left out, as on any event's page."""
    merged: dict[date, list[CourseSession | SideEventEntry]] = {
        day: list(sessions) for day, sessions in days
    }
    for event in side_events:
        entry = _entry(event)
        day = local_date(entry.starts_at, zone) if entry.starts_at else event.start_date
        merged.setdefault(day, []).append(entry)
    return [(day, sorted(rows, key=_order)) for day, rows in sorted(merged.items()) if rows]
