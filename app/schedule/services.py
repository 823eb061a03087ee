"""The rules of a course's on-site timetable: proposing a week, checking and changing sessions.

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

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
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

DEFAULT_DAY_START = time(9, 0)
DEFAULT_DAY_END = time(17, 30)

# The model day, in minutes: session, coffee, session, lunch, session, coffee, session.
_MODEL_DAY_MINUTES = 510
_MODEL_COFFEE, _MODEL_LUNCH = 30, 90
_MIN_COFFEE, _MIN_LUNCH, _MIN_SESSION = 15, 45, 30
MIN_DAY_MINUTES = 4 * _MIN_SESSION + 2 * _MIN_COFFEE + _MIN_LUNCH


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


@dataclass(frozen=True)
class Slot:
    """One slot of a planned day: ``kind`` is "session", "coffee" or "lunch"."""

    start: time
    end: time
    kind: str


# Reading ---------------------------------------------------------------------------------


def _sorted(sessions: Sequence[CourseSession]) -> list[CourseSession]:
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
    for session in _sorted(course.sessions):
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


def _focuses_by_day(course: Course) -> list[tuple[date, list[CourseModule]]]:
    """Each day of the course week with its focuses (see :func:`spread_focuses`)."""
    spread = spread_focuses(course.focuses, course.days)
    return list(zip(course.day_dates, spread, strict=True))


def day_focuses(course: Course, locale: str) -> dict[date, list[str]]:
    """The focus titles of each day of the week, in ``locale`` where the module has it."""
    return {
        day: [focus.title(locale) for focus in focuses]
        for day, focuses in _focuses_by_day(course)
        if focuses
    }


def find_room_overlaps(course: Course) -> list[tuple[CourseSession, CourseSession]]:
    """Pairs of sessions that share a room at the same time, earlier session first.

    Cancelled sessions and sessions without a room are ignored; breaks and lunch count.
    Overlaps are allowed (a plan in progress often has them) but shown as warnings.
    """
    by_room: dict[int, list[CourseSession]] = {}
    for session in _sorted(course.sessions):
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


def _check_room(course: Course, room: Room | None) -> None:
    if room is not None and room.venue_id != course.venue_id:
        raise InvalidSession({"room": _l("Choose a room at the course's venue.")})


def _check_actor(actor: User | None, course: Course) -> None:
    # ``None`` is the system itself (command line, demo data); people must manage the course.
    if actor is not None and not can_manage_course(actor, course):
        raise NotAllowed()


def day_window_error(day_start: time, day_end: time) -> Any | None:
    """Why a day from ``day_start`` to ``day_end`` cannot be planned, or None."""
    try:
        plan_day(day_start, day_end)
    except InvalidDayWindow as error:
        return error.message
    return None


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
    _check_room(course, data.room)
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
        _check_room(course, data.room)
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


# Proposing a week ------------------------------------------------------------------------


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _round5(minutes: float) -> int:
    return int(5 * round(minutes / 5))


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def plan_day(day_start: time = DEFAULT_DAY_START, day_end: time = DEFAULT_DAY_END) -> list[Slot]:
    """The seven slots of a day: session, coffee, session, lunch, session, coffee, session.

    09:00-17:30 gives 90-minute sessions, 30-minute coffee breaks and 90 minutes for lunch.
    Another window scales: breaks shrink with a short day (never under 15 minutes of coffee
    and 45 of lunch) and do not grow with a long one; the sessions share the rest. Every time
    is on a 5-minute mark (the window is rounded to the nearest marks).
    """
    start = _round5(_minutes(day_start))
    end = min(_round5(_minutes(day_end)), 23 * 60 + 55)
    total = end - start
    if end <= start:
        raise InvalidDayWindow(_l("The day must end after it starts."))
    if total < MIN_DAY_MINUTES:
        raise InvalidDayWindow(
            _l(
                "The day is too short for four sessions, two coffee breaks and lunch: allow "
                "at least %(minutes)d minutes.",
                minutes=MIN_DAY_MINUTES,
            )
        )
    scale = total / _MODEL_DAY_MINUTES
    coffee = min(max(_round5(_MODEL_COFFEE * scale), _MIN_COFFEE), _MODEL_COFFEE)
    lunch = min(max(_round5(_MODEL_LUNCH * scale), _MIN_LUNCH), _MODEL_LUNCH)
    units, extra = divmod((total - 2 * coffee - lunch) // 5, 4)
    first, second, third, fourth = ((units + (1 if i < extra else 0)) * 5 for i in range(4))
    lengths = [
        ("session", first),
        ("coffee", coffee),
        ("session", second),
        ("lunch", lunch),
        ("session", third),
        ("coffee", coffee),
        ("session", fourth),
    ]
    slots = []
    at = start
    for kind, length in lengths:
        slots.append(Slot(_clock(at), _clock(at + length), kind))
        at += length
    return slots


# Keywords that tell the kind of a session from a suggested title, in our three languages.
_KIND_KEYWORDS: tuple[tuple[SessionKind, tuple[str, ...]], ...] = (
    (
        SessionKind.ROLE_PLAY,
        ("role play", "role-play", "jeu de rôle", "jeux de rôle", "juego de rol"),
    ),
    (SessionKind.STUDY_VISIT, ("study visit", "visite", "visita")),
    (
        SessionKind.CASE_STUDY,
        ("case stud", "étude de cas", "études de cas", "estudio de caso", "estudios de caso"),
    ),
    (SessionKind.GROUP_WORK, ("group work", "working group", "de groupe", "en grupo", "de grupo")),
    (SessionKind.PANEL, ("panel",)),
    (SessionKind.DEBATE, ("debate", "débat", "discussion", "discusión")),
    (SessionKind.NETWORKING, ("networking", "réseautage")),
)


def guess_kind(title: str, default: SessionKind = SessionKind.PLENARY) -> SessionKind:
    """The kind a suggested session title implies ("Case studies" → case study), else
    ``default``."""
    lowered = title.lower()
    for kind, keywords in _KIND_KEYWORDS:
        if any(keyword in lowered for keyword in keywords):
            return kind
    return default


def _generic_titles(focus_title: str) -> list[tuple[str, SessionKind]]:
    return [
        (_("Introduction: %(title)s", title=focus_title), SessionKind.PLENARY),
        (_("Case studies"), SessionKind.CASE_STUDY),
        (_("Group work"), SessionKind.GROUP_WORK),
        (_("Plenary discussion and wrap-up"), SessionKind.DEBATE),
    ]


def _focus_sessions(
    focus: CourseModule | None, locale: str
) -> tuple[list[tuple[str, SessionKind]], Module | None]:
    """The suggested sessions of a focus in order, titles in ``locale``: its module's outline,
    completed to four with generic ones (a focus never takes more than four slots); and its
    module."""
    if focus is None:
        return _generic_titles(_("Action planning")), None
    generic = _generic_titles(focus.title(locale))
    if focus.module is None:
        return generic, None
    outline = module_outline(focus.module, locale)
    suggested = [(title, guess_kind(title)) for title in outline]
    return suggested + generic[len(suggested) :], focus.module


def module_outline(module: Module, locale: str) -> list[str]:
    """A module's suggested session titles in ``locale`` where its outline is written in it;
    else in the site's default language; else in any language it has one in. A translation
    with a title but no outline yet does not hide the outline written in another language."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    by_locale = {t.locale: t.outline_list for t in module.translations}
    for code in (locale, default, *sorted(by_locale)):
        if by_locale.get(code):
            return by_locale[code]
    return []


def _split(slot: Slot, first_minutes: int) -> tuple[Slot, Slot]:
    middle = _clock(_minutes(slot.start) + first_minutes)
    return dataclasses.replace(slot, end=middle), dataclasses.replace(slot, start=middle)


def propose_timetable(
    course: Course,
    *,
    day_start: time = DEFAULT_DAY_START,
    day_end: time = DEFAULT_DAY_END,
    room: Room | None = None,
    replace: bool = False,
) -> list[CourseSession]:
    """A complete timetable for the course week, in the course's default language (session
    titles, breaks, opening and closing; a module's outline where it is written in that
    language, else in the site's default language: see :func:`module_outline`).

    Each day has four sessions around two coffee breaks and lunch (see :func:`plan_day`) and
    one focus (two on the first days when there are more focuses than days; "Action planning"
    when there are fewer). A module day takes its session titles from the module's suggested
    outline, else generic ones. Day 1 opens with "Opening and introductions" (taken from the
    first session); the last slot of the last day is the evaluation and the closing. The times
    are the venue's wall-clock times, whatever daylight saving does during the week.

    Replacing the timetable of a published course tells its participants, as deleting the old
    sessions and adding the new ones one by one would (:mod:`app.feeds.notices`).

    Raises :class:`TimetableExists` when the course has sessions and ``replace`` is false,
    :class:`InvalidDayWindow` for a day too short, :class:`InvalidSession` for a room of
    another venue or a day start skipped by daylight saving.
    """
    slots = plan_day(day_start, day_end)
    _check_room(course, room)
    replaced = bool(course.sessions)
    if replaced:
        if not replace:
            raise TimetableExists()
        for session in course.sessions:
            notices.record_session_deleted(session)
        course.sessions.clear()
        db.session.flush()

    locale = course.default_locale
    tz = course.timezone
    week = _focuses_by_day(course)
    last = len(week) - 1
    created: list[CourseSession] = []

    def add(day: date, slot: Slot, title: str, kind: SessionKind, **extra: Any) -> None:
        try:
            starts_at = local_to_utc(day, slot.start, tz)
            ends_at = local_to_utc(day, slot.end, tz)
        except NonexistentLocalTime as error:
            raise InvalidSession(
                {
                    "day_start": _l(
                        "The day cannot start or end in the hour skipped when daylight saving "
                        "time starts (%(day)s). Choose other times.",
                        day=day.isoformat(),
                    )
                }
            ) from error
        session = CourseSession(
            course=course, title=title, kind=kind, starts_at=starts_at, ends_at=ends_at, **extra
        )
        db.session.add(session)
        created.append(session)

    with force_locale(locale):
        for index, (day, focuses) in enumerate(week):
            day_slots = list(slots)
            session_slots = [slot for slot in day_slots if slot.kind == "session"]
            closing_slot = session_slots.pop() if index == last else None
            opening_slot = None
            if index == 0:
                first = session_slots[0]
                length = _minutes(first.end) - _minutes(first.start)
                opening_slot, session_slots[0] = _split(first, min(30, _round5(length / 3)))

            if opening_slot is not None:
                add(
                    day,
                    opening_slot,
                    _("Opening and introductions"),
                    SessionKind.OPENING,
                    room=room,
                )

            # Slot i of the day goes to focus i·k/4 (k focuses): two focuses share the day as
            # morning and afternoon; each focus takes its suggestions in order.
            used: dict[int, int] = {}
            choices = focuses or [None]
            for i, slot in enumerate(session_slots):
                which = i * len(choices) // 4
                suggestions, module = _focus_sessions(choices[which], locale)
                title, kind = suggestions[used.get(which, 0)]
                used[which] = used.get(which, 0) + 1
                add(day, slot, title, kind, room=room, module=module)

            for slot in day_slots:
                if slot.kind == "coffee":
                    add(day, slot, _("Coffee break"), SessionKind.BREAK)
                elif slot.kind == "lunch":
                    add(day, slot, _("Lunch"), SessionKind.LUNCH)

            if closing_slot is not None:
                length = _minutes(closing_slot.end) - _minutes(closing_slot.start)
                evaluation, closing = _split(closing_slot, _round5(length / 2))
                add(day, evaluation, _("Course evaluation"), SessionKind.EVALUATION, room=room)
                add(day, closing, _("Closing and certificates"), SessionKind.CLOSING, room=room)

    db.session.flush()
    if replaced:
        for session in created:
            notices.record_session_added(session)
        db.session.flush()
    return _sorted(created)


def local_times(session: CourseSession, tz: str | None = None) -> tuple[date, time, time]:
    """A session's day and start and end times in ``tz`` (default: at the venue), as a form
    shows them."""
    tz = tz or session.course.timezone
    start, end = to_local(session.starts_at, tz), to_local(session.ends_at, tz)
    return start.date(), start.time().replace(tzinfo=None), end.time().replace(tzinfo=None)
