"""Dating what a feed shows when a row of its own does not change.

A feed's version (:mod:`app.feeds.cache`) is read from the ``updated_at`` of courses,
sessions, activities, registrations and programmes. Some of what a feed prints lives in other
rows: a course's title and summary (its translations), the venue's name, address and zone,
a room's name, a module's code and title, a programme's texts. A change to one of those dates
the courses (or programme) it appears in, here, before each flush, whichever service made it.
A bulk ``sa.update()`` of those tables would bypass this; none exists (grep before adding one).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.courses.models import Course, CourseTranslation, Programme, ProgrammeTranslation
from app.db import now_utc
from app.modules.models import Module, ModuleTranslation
from app.schedule.models import CourseSession
from app.venues.models import Room, Venue

__all__ = ["changed_rows", "date_what_feeds_show"]


def changed_rows(session: Session) -> Iterable[Any]:
    """The rows this flush writes: new, deleted, and changed in a column of their own."""
    yield from session.new
    yield from session.deleted
    for row in session.dirty:
        if session.is_modified(row, include_collections=False):
            yield row


def _lost_a_text(row: Course | Programme) -> bool:
    return bool(sa.inspect(row).attrs.translations.history.deleted)


def _bump(session: Session, criterion: sa.ColumnElement[bool]) -> None:
    """Date the courses matching ``criterion`` (a bulk UPDATE sets updated_at by hand:
    onupdate does not run for it)."""
    session.execute(
        sa.update(Course)
        .where(criterion)
        .values(updated_at=now_utc())
        .execution_options(synchronize_session=False)
    )


def date_what_feeds_show(session: Session, _context: Any, _instances: Any) -> None:
    """before_flush: date the courses and programmes whose feeds the flushed rows change."""
    venue_ids: set[int] = set()
    room_ids: set[int] = set()
    module_ids: set[int] = set()
    for row in list(session.dirty):
        # A translation taken out of its course or programme is deleted later in the flush
        # (delete-orphan); here it only shows in the owner's collection history.
        if isinstance(row, Course | Programme) and _lost_a_text(row):
            row.updated_at = now_utc()
    for row in list(changed_rows(session)):
        if isinstance(row, CourseTranslation):
            if row.course is not None and row.course not in session.new:
                row.course.updated_at = now_utc()
        elif isinstance(row, ProgrammeTranslation):
            if row.programme is not None and row.programme not in session.new:
                row.programme.updated_at = now_utc()
        elif isinstance(row, Venue) and row.id is not None:
            venue_ids.add(row.id)
        elif isinstance(row, Room) and row.id is not None:
            room_ids.add(row.id)
        elif isinstance(row, Module) and row.id is not None:
            module_ids.add(row.id)
        elif isinstance(row, ModuleTranslation) and row.module_id is not None:
            module_ids.add(row.module_id)
    if venue_ids:
        _bump(session, Course.venue_id.in_(venue_ids))
    for column, ids in ((CourseSession.room_id, room_ids), (CourseSession.module_id, module_ids)):
        if ids:
            _bump(session, Course.id.in_(sa.select(CourseSession.course_id).where(column.in_(ids))))


sa.event.listen(Session, "before_flush", date_what_feeds_show)
