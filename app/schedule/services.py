"""The rules of a course's on-site timetable: reading, checking and changing sessions (proposing
a whole week is :mod:`app.schedule.proposal`).

Times of day are wall-clock times at the venue (``course.timezone``); they are converted to UTC
here, at the edge, with :mod:`app.core.timeutil`, so 09:00 stays 09:00 on both sides of a
daylight-saving change. Services flush and never commit; the caller commits once.

Online activities have no venue: their days are UTC days (``start_date`` to ``end_date``), and
each person sees and enters their times in their own zone (``User.timezone``, else UTC; see
:func:`app.core.timeutil.display_timezone`). An organiser in Tokyo types 22:00 on the 20th for
a session at 13:00 UTC on the 20th; the session must start and end within the activity's UTC
days, so the days offered to them are the local dates those UTC days overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.core.templating import daterange
from app.core.timeutil import (
    NonexistentLocalTime,
    display_timezone,
    local_date,
    local_to_utc,
    to_local,
)
from app.courses.models import Course, CourseModule
from app.courses.permissions import can_manage_course
from app.db import now_utc
from app.extensions import db
from app.feeds import notices
from app.modules.models import Module
from app.schedule.models import CourseSession, SessionKind, SessionStatus
from app.venues.models import Room

if TYPE_CHECKING:
    from app.accounts.models import User

T = TypeVar("T")


# Domain errors ---------------------------------------------------------------------------


class ScheduleError(Exception):
    """A rule of the timetable was broken. ``message`` is ready to show (translated lazily)."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)  # str(error) is the message, translated when shown
        self.message = message


class TimetableExists(ScheduleError):
    """The course already has sessions and the proposal was not asked to replace them."""

    def __init__(self) -> None:
        super().__init__(
            _l("This course already has a timetable. Choose to replace it to propose a new one.")
        )


class InvalidDayWindow(ScheduleError):
    """The day given to the proposal cannot hold four sessions, two breaks and lunch."""


class InvalidSession(ScheduleError):
    """A session's data break the rules; ``errors`` maps form field names to messages."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


class NotAllowed(ScheduleError):
    """The actor may not change this course's timetable."""

    def __init__(self) -> None:
        super().__init__(_l("You do not have permission to change this timetable."))


# Data ------------------------------------------------------------------------------------


@dataclass
class SessionData:
    """What a person enters for a session; times are wall-clock times at the venue."""

    title: str
    day: date
    start: time
    end: time
    kind: SessionKind = SessionKind.PLENARY
    room: Room | None = None
    module: Module | None = None
    facilitators: str = ""
    description: str = ""


# Reading ---------------------------------------------------------------------------------


def in_time_order(sessions: Sequence[CourseSession]) -> list[CourseSession]:
    """Sessions by start, then end (then id, so that ties read the same every time)."""
    return sorted(sessions, key=lambda s: (s.starts_at, s.ends_at, s.id or 0))


def course_days(course: Course, tz: str | None = None) -> list[date]:
    """The dates the course's sessions may fall on, seen in ``tz`` (default: the course's own
    zone): the course week at the venue; for an online activity seen from another zone than
    UTC, the local dates its UTC days overlap (a day more on one side)."""
    tz = tz or course.timezone
    if tz == course.timezone:
        return course.day_dates
    first_utc, after_utc = utc_window(course)
    first = local_date(first_utc, tz)
    last = local_date(after_utc - timedelta.resolution, tz)  # the last instant of the last day
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def utc_window(course: Course) -> tuple[datetime, datetime]:
    """Midnight UTC of an online activity's first day, and of the day after its last."""
    start = datetime.combine(course.start_date, time.min, UTC)
    return start, start + timedelta(days=course.days)


def sessions_by_day(
    course: Course, tz: str | None = None
) -> list[tuple[date, list[CourseSession]]]:
    """Sessions grouped by their local date in ``tz`` (default: the venue's zone; pass
    :func:`~app.core.timeutil.display_timezone` for an online activity), sorted by start.

    Every day of the course week is listed, empty or not; a session that falls outside the
    week (the dates of the course moved) gets a day of its own, so nothing is hidden. One
    query: rooms and modules are joined to the sessions.
    """
    tz = tz or course.timezone
    days: dict[date, list[CourseSession]] = {day: [] for day in course_days(course, tz)}
    for session in in_time_order(course.sessions):
        days.setdefault(local_date(session.starts_at, tz), []).append(session)
    return sorted(days.items())


def spread_focuses(focuses: Sequence[T], days: int) -> list[list[T]]:
    """Focuses spread over the days in order: one a day when there are as many as days; with
    more, the first days take two (morning and afternoon); with fewer, the last days get none.
    """
    if days <= 0:
        return []
    base, extra = divmod(len(focuses), days)
    spread: list[list[T]] = []
    position = 0
    for index in range(days):
        count = base + (1 if index < extra else 0)
        spread.append(list(focuses[position : position + count]))
        position += count
    return spread


def focuses_by_day(course: Course) -> list[tuple[date, list[CourseModule]]]:
    """Each day of the course week with its focuses (see :func:`spread_focuses`)."""
    spread = spread_focuses(course.focuses, course.days)
    return list(zip(course.day_dates, spread, strict=True))


def day_focuses(course: Course, locale: str) -> dict[date, list[str]]:
    """The focus titles of each day of the week, in ``locale`` where the module has it."""
    return {
        day: [focus.title(locale) for focus in focuses]
        for day, focuses in focuses_by_day(course)
        if focuses
    }


def find_room_overlaps(course: Course) -> list[tuple[CourseSession, CourseSession]]:
    """Pairs of sessions that share a room at the same time, earlier session first.

    Cancelled sessions and sessions without a room are ignored; breaks and lunch count.
    Overlaps are allowed (a plan in progress often has them) but shown as warnings.
    """
    by_room: dict[int, list[CourseSession]] = {}
    for session in in_time_order(course.sessions):
        if session.room_id is None or session.is_cancelled:
            continue
        by_room.setdefault(session.room_id, []).append(session)
    pairs: list[tuple[CourseSession, CourseSession]] = []
    for sessions in by_room.values():
        for i, first in enumerate(sessions):
            for second in sessions[i + 1 :]:
                if second.starts_at >= first.ends_at:
                    break
                pairs.append((first, second))
    return sorted(pairs, key=lambda pair: (pair[0].starts_at, pair[1].starts_at))


def overlapping_sessions(session: CourseSession) -> list[CourseSession]:
    """The other sessions of the course in the same room at the same time as ``session``."""
    found = []
    for first, second in find_room_overlaps(session.course):
        if first is session:
            found.append(second)
        elif second is session:
            found.append(first)
    return found


# Checking --------------------------------------------------------------------------------


def _lazy_week(course: Course) -> LazyString:
    return LazyString(lambda: daterange(course.start_date, course.end_date))


def session_time_errors(
    course: Course, day: date, start: time, end: time, tz: str | None = None
) -> dict[str, Any]:
    """Problems with a session's day and times, by form field ("day", "start", "end").

    The times are wall-clock times in ``tz`` (default: the course's zone; the session forms
    pass :func:`~app.core.timeutil.display_timezone` for the person typing). The session must
    end after it starts, on a day of the course week (the venue's local dates; for an online
    activity, within its UTC days), at times that exist in ``tz`` (not in the hour skipped
    when daylight saving starts). Messages are lazy strings: translated when shown.
    """
    tz = tz or course.timezone
    errors: dict[str, Any] = {}
    if day not in course_days(course, tz):
        errors["day"] = (
            _l(
                "The session must take place on the event's days (%(dates)s).",
                dates=_lazy_week(course),
            )
            if course.kind.is_event
            else _l(
                "The session must take place during the course week (%(dates)s).",
                dates=_lazy_week(course),
            )
        )
    instants: dict[str, datetime] = {}
    for field, value in (("start", start), ("end", end)):
        if "day" in errors:
            break  # a day outside the course is not converted: it may be any date at all
        try:
            instants[field] = local_to_utc(day, value, tz)
        except NonexistentLocalTime:
            errors[field] = _l(
                "%(time)s does not exist on that day at the venue: the clocks go forward "
                "an hour (daylight saving time). Choose a later time.",
                time=value.strftime("%H:%M"),
            )
    if end <= start and "end" not in errors:
        errors["end"] = _l("The session must end after it starts.")
    # Both instants exist only when the day is one of the course's and both times exist.
    if course.is_online and len(instants) == 2:
        first, after = utc_window(course)
        if not (first <= instants["start"] and instants["end"] <= after):
            errors["day"] = _l(
                "In UTC this session falls outside the event's days (%(dates)s).",
                dates=_lazy_week(course),
            )
    return errors


def session_times(
    course: Course, day: date, start: time, end: time, tz: str | None = None
) -> tuple[datetime, datetime]:
    """The UTC start and end of a session typed in ``tz`` (default: the course's zone), or
    :class:`InvalidSession`."""
    tz = tz or course.timezone
    errors = session_time_errors(course, day, start, end, tz)
    if errors:
        raise InvalidSession(errors)
    return local_to_utc(day, start, tz), local_to_utc(day, end, tz)


def check_room(course: Course, room: Room | None) -> None:
    """Refuse a room of another venue (:class:`InvalidSession` on the ``room`` field)."""
    if room is not None and room.venue_id != course.venue_id:
        raise InvalidSession({"room": _l("Choose a room at the course's venue.")})


def _check_actor(actor: User | None, course: Course) -> None:
    # ``None`` is the system itself (command line, demo data); people must manage the course.
    if actor is not None and not can_manage_course(actor, course):
        raise NotAllowed()


# Changing sessions -----------------------------------------------------------------------


def _apply(session: CourseSession, data: SessionData, times: tuple[datetime, datetime]) -> None:
    session.starts_at, session.ends_at = times
    session.title = data.title.strip()
    session.kind = data.kind
    session.room = data.room
    session.module = data.module
    session.facilitators = data.facilitators.strip()
    session.description = data.description.strip()


def create_session(course: Course, data: SessionData, *, actor: User | None) -> CourseSession:
    """A new session of ``course``; raises :class:`InvalidSession` or :class:`NotAllowed`.
    The times are the actor's (:func:`~app.core.timeutil.display_timezone`): the venue's on
    site; for an online activity the actor's own zone, or UTC."""
    _check_actor(actor, course)
    check_room(course, data.room)
    times = session_times(course, data.day, data.start, data.end, display_timezone(course, actor))
    session = CourseSession(course=course)
    _apply(session, data, times)
    db.session.add(session)
    db.session.flush()
    notices.record_session_added(session)
    db.session.flush()
    return session


def update_session(session: CourseSession, data: SessionData, *, actor: User | None) -> bool:
    """Change a session. Its calendar ``sequence`` goes up when the title, the times, the room
    or the status change (calendar clients then update their copy); not for other edits.
    Participants of a published course are told of new times or rooms (:mod:`app.feeds.notices`),
    not of a new title alone. Returns whether the sequence went up."""
    course = session.course
    _check_actor(actor, course)
    if data.room is not None and data.room.id != session.room_id:
        check_room(course, data.room)
    times = session_times(course, data.day, data.start, data.end, display_timezone(course, actor))
    before = _calendar_fields(session)
    seen = notices.snapshot(session)
    _apply(session, data, times)
    db.session.flush()
    bumped = _calendar_fields(session) != before
    if bumped:
        session.sequence += 1
        notices.record_session_changed(session, seen)
        db.session.flush()
    return bumped


def _calendar_fields(session: CourseSession) -> tuple[Any, ...]:
    return (session.title, session.starts_at, session.ends_at, session.room_id, session.status)


def delete_session(session: CourseSession, *, actor: User | None) -> None:
    """Delete a session. The course counts as changed (feeds' Last-Modified moves), and the
    participants of a published course are told."""
    course = session.course
    _check_actor(actor, course)
    notices.record_session_deleted(session)
    course.sessions.remove(session)
    course.updated_at = now_utc()
    db.session.flush()


def _set_status(session: CourseSession, status: SessionStatus, actor: User | None) -> bool:
    _check_actor(actor, session.course)
    if session.status == status:
        return False
    seen = notices.snapshot(session)
    session.status = status
    session.sequence += 1
    notices.record_session_changed(session, seen)
    db.session.flush()
    return True


def cancel_session(session: CourseSession, *, actor: User | None) -> bool:
    """Mark a session cancelled: it stays in the timetable, struck through. Returns whether
    anything changed."""
    return _set_status(session, SessionStatus.CANCELLED, actor)


def restore_session(session: CourseSession, *, actor: User | None) -> bool:
    """Undo :func:`cancel_session`. Returns whether anything changed."""
    return _set_status(session, SessionStatus.SCHEDULED, actor)


def local_times(session: CourseSession, tz: str | None = None) -> tuple[date, time, time]:
    """A session's day and start and end times in ``tz`` (default: at the venue), as a form
    shows them."""
    tz = tz or session.course.timezone
    start, end = to_local(session.starts_at, tz), to_local(session.ends_at, tz)
    return start.date(), start.time().replace(tzinfo=None), end.time().replace(tzinfo=None)
