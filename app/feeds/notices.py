"""Telling participants that the timetable of their course changed.

The schedule services record each change that matters to a participant's calendar as a
:class:`~app.feeds.models.ScheduleChange`: a session of a published course added, deleted,
moved, put in another room, cancelled or restored (breaks and lunch are left out, as in the
course feed; a new title alone is not worth a message, though it still raises SEQUENCE).

:func:`send_change_notices`, run by ``flask tick``, waits until a course's timetable has been
quiet for a while, so that a burst of edits becomes one message, then queues one mail per
confirmed participant in their language: one line per session, several changes to a session
merged (first old value → last new value, and nothing when they cancel out), with the updated
course .ics attached. The events keep their UIDs and carry a raised SEQUENCE, so a calendar
that imported the programme updates them in place.

``changes`` holds values, never words, so a notice can be written later in any language::

    {"start": [old_iso, new_iso], "end": [old_iso, new_iso], "room": [old_name, new_name],
     "status": [old, new]}
    {"added": true}
    {"deleted": true, "when": [start_iso, end_iso]}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale, pgettext
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.core.templating import localdate, localtime
from app.core.timeutil import local_date
from app.courses.models import Course, CourseStatus
from app.extensions import db
from app.feeds.models import ScheduleChange
from app.registration.models import Registration, RegistrationStatus
from app.registration.notifications import notify
from app.schedule.models import CourseSession, SessionStatus
from app.schedule.zones import zone_label

__all__ = [
    "QUIET_FOR",
    "Snapshot",
    "describe_changes",
    "record_session_added",
    "record_session_changed",
    "record_session_deleted",
    "send_change_notices",
    "snapshot",
]

# How long a course's timetable must stay untouched before its changes are sent.
QUIET_FOR = timedelta(minutes=15)
# What a participant is told about, in the order a line shows it.
FIELDS = ("start", "end", "room", "status")

Snapshot = dict[str, Any]


# Recording (called by app.schedule.services, which flushes) -----------------------------


def snapshot(session: CourseSession) -> Snapshot:
    """What a participant's calendar shows of a session, as JSON-ready values."""
    return {
        "start": session.starts_at.isoformat(),
        "end": session.ends_at.isoformat(),
        "room": session.room.name if session.room is not None else None,
        "status": session.status.value,
        "is_break": session.is_break,
    }


def _notifiable(session: CourseSession) -> bool:
    return session.course.status == CourseStatus.PUBLISHED


def _record(session: CourseSession, changes: dict[str, Any]) -> ScheduleChange:
    change = ScheduleChange(
        course=session.course,
        session_uid=session.uid,
        session_title=session.title,
        changes=changes,
    )
    db.session.add(change)
    return change


def record_session_added(session: CourseSession) -> ScheduleChange | None:
    """Note a new session of a published course (not a break); the caller flushes."""
    if not _notifiable(session) or session.is_break:
        return None
    return _record(session, {"added": True})


def record_session_changed(session: CourseSession, before: Snapshot) -> ScheduleChange | None:
    """Note what changed since ``before`` (a :func:`snapshot`) in the start, end, room or
    status of a session of a published course; None when none of them did."""
    if not _notifiable(session) or (before["is_break"] and session.is_break):
        return None
    after = snapshot(session)
    changes = {name: [before[name], after[name]] for name in FIELDS if before[name] != after[name]}
    if not changes:
        return None
    return _record(session, changes)


def record_session_deleted(session: CourseSession) -> ScheduleChange | None:
    """Note that a session of a published course is being deleted (call it before)."""
    if not _notifiable(session) or session.is_break:
        return None
    now = snapshot(session)
    return _record(session, {"deleted": True, "when": [now["start"], now["end"]]})


# Describing -----------------------------------------------------------------------------


@dataclass
class _Merged:
    """Every pending change of one session, oldest first, folded into one."""

    uid: str
    title: str
    added: bool = False
    deleted: bool = False
    when: tuple[str, str] | None = None
    fields: dict[str, list[Any]] = field(default_factory=dict)

    def take(self, change: ScheduleChange) -> None:
        self.title = change.session_title
        data = change.changes
        self.added = self.added or bool(data.get("added"))
        if data.get("deleted"):
            self.deleted = True
            start, end = data["when"]
            self.when = (start, end)
        for name in FIELDS:
            if name in data:
                old, new = data[name]
                if name in self.fields:
                    self.fields[name][1] = new
                else:
                    self.fields[name] = [old, new]

    def net(self) -> dict[str, list[Any]]:
        """The fields whose last value differs from their first."""
        return {name: pair for name, pair in self.fields.items() if pair[0] != pair[1]}


def _merge(changes: Iterable[ScheduleChange]) -> list[_Merged]:
    merged: dict[str, _Merged] = {}
    for change in sorted(changes, key=lambda c: c.id):
        item = merged.setdefault(change.session_uid, _Merged(change.session_uid, ""))
        item.take(change)
    return list(merged.values())


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _span(start: datetime, end: datetime, tz: str) -> str:
    return f"{localtime(start, tz)}–{localtime(end, tz)}"


def _when(start: datetime, end: datetime, tz: str) -> str:
    return _("%(day)s, %(times)s", day=localdate(start, tz, "full"), times=_span(start, end, tz))


def _line(item: _Merged, live: CourseSession | None, tz: str) -> tuple[datetime, str] | None:
    """One session's line in the current language, with the time it sorts by; None when the
    changes cancel out (or the session came and went before anyone was told)."""
    if item.deleted:
        if item.added or item.when is None:
            return None
        start, end = _at(item.when[0]), _at(item.when[1])
        return start, _(
            "%(title)s (%(when)s): %(change)s",
            title=item.title,
            when=_when(start, end, tz),
            change=_("Removed from the programme"),
        )
    if live is None:  # deleted while the course was not published: nothing reliable to say
        return None
    title = live.title
    start, end = live.starts_at, live.ends_at
    if item.added:
        if live.is_cancelled or live.is_break:
            return None
        return start, _(
            "%(title)s (%(when)s): %(change)s",
            title=title,
            when=_when(start, end, tz),
            change=_("New session"),
        )

    net = item.net()
    parts: list[str] = []
    if "room" in net:
        old_room, new_room = net["room"]
        parts.append(
            _("Room: %(old)s → %(new)s", old=old_room or _("no room"), new=new_room or _("no room"))
        )
    if "status" in net:
        cancelled = net["status"][1] == SessionStatus.CANCELLED.value
        parts.append(pgettext("session", "Cancelled") if cancelled else _("Back in the programme"))
    if "start" in net or "end" in net:
        old_start = _at(net["start"][0]) if "start" in net else start
        old_end = _at(net["end"][0]) if "end" in net else end
        if local_date(old_start, tz) == local_date(start, tz):
            moved = _(
                "%(old)s → %(new)s, %(day)s",
                old=_span(old_start, old_end, tz),
                new=_span(start, end, tz),
                day=localdate(start, tz, "full"),
            )
        else:
            moved = _(
                "%(old)s → %(new)s", old=_when(old_start, old_end, tz), new=_when(start, end, tz)
            )
        return start, _("%(title)s: %(changes)s", title=title, changes="; ".join([moved, *parts]))
    if not parts:
        return None
    return start, _(
        "%(title)s (%(when)s): %(change)s",
        title=title,
        when=_when(start, end, tz),
        change="; ".join(parts),
    )


def describe_changes(course: Course, changes: Iterable[ScheduleChange]) -> list[str]:
    """The lines of a notice in the current language (use ``force_locale``), by session
    start, times local at the venue: "Group work: 2:00 PM–3:30 PM → 3:00 PM–4:30 PM,
    Thursday, November 23, 2017", "Opening (…): Room: Room A → Auditorium", "…: Cancelled",
    "…: New session", "…: Removed from the programme"."""
    merged = _merge(changes)
    uids = [item.uid for item in merged]
    live = {
        session.uid: session
        for session in db.session.scalars(
            sa.select(CourseSession).where(
                CourseSession.course_id == course.id, CourseSession.uid.in_(uids)
            )
        )
    }
    lines = []
    for item in merged:
        line = _line(item, live.get(item.uid), course.timezone)
        if line is not None:
            lines.append(line)
    return [text for _start, text in sorted(lines, key=lambda pair: pair[0])]


# Sending --------------------------------------------------------------------------------


def _pending() -> dict[int, list[ScheduleChange]]:
    """Un-notified changes by course, locked for this run (PostgreSQL; rows another run holds
    are skipped: it sends them)."""
    stmt = (
        sa.select(ScheduleChange)
        .where(ScheduleChange.notified_at.is_(None))
        .order_by(ScheduleChange.course_id, ScheduleChange.id)
        .with_for_update(skip_locked=True)
    )
    by_course: dict[int, list[ScheduleChange]] = {}
    for change in db.session.scalars(stmt):
        by_course.setdefault(change.course_id, []).append(change)
    return by_course


def _participants(course: Course) -> list[Registration]:
    stmt = (
        sa.select(Registration)
        .where(
            Registration.course_id == course.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .order_by(Registration.id)
        .options(selectinload(Registration.course))
    )
    return list(db.session.scalars(stmt))


def _notify_course(course: Course, changes: list[ScheduleChange]) -> int:
    # An imported file does not delete events that a newer file leaves out: say so.
    removed = any(item.deleted and not item.added for item in _merge(changes))
    sent = 0
    by_language: dict[str, tuple[list[str], str]] = {}
    for registration in _participants(course):
        language = registration.language
        if language not in by_language:
            with force_locale(language):
                by_language[language] = (describe_changes(course, changes), zone_label(course))
        lines, zone = by_language[language]
        if not lines:
            continue
        notify(registration, "schedule_changed", changes=lines, zone=zone, removed=removed)
        sent += 1
    return sent


def send_change_notices(now: datetime, *, quiet_for: timedelta = QUIET_FOR) -> int:
    """Queue one mail per confirmed participant for each course whose pending timetable
    changes have been quiet for ``quiet_for``, and mark the changes notified. Returns the
    number of mails queued; the caller commits.

    Changes of a course that is no longer published (a draft again, or cancelled) are marked
    without a mail: its timetable no longer stands, and news of the course itself is not a
    timetable change."""
    queued = 0
    for course_id, changes in _pending().items():
        if now - max(change.created_at for change in changes) < quiet_for:
            continue
        course = db.session.get(Course, course_id)
        if course is not None and course.status == CourseStatus.PUBLISHED:
            queued += _notify_course(course, changes)
        for change in changes:
            change.notified_at = now
    db.session.flush()
    return queued
