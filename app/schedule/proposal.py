"""Proposing a course's on-site week: the slots of a day (sessions around coffee breaks and
lunch), the sessions each focus suggests, in the course's language, and the whole timetable.

Times of day are wall-clock times at the venue, converted to UTC with
:mod:`app.core.timeutil`, so 09:00 stays 09:00 on both sides of a daylight-saving change.
Services flush and never commit; the caller commits once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.timeutil import NonexistentLocalTime, local_to_utc
from app.courses.models import Course, CourseModule
from app.extensions import db
from app.feeds import notices
from app.modules.models import Module
from app.schedule.models import CourseSession, SessionKind
from app.schedule.services import (
    InvalidDayWindow,
    InvalidSession,
    TimetableExists,
    check_room,
    focuses_by_day,
    in_time_order,
)
from app.venues.models import Room

DEFAULT_DAY_START = time(9, 0)
DEFAULT_DAY_END = time(17, 30)

# The model day, in minutes: session, coffee, session, lunch, session, coffee, session.
_MODEL_DAY_MINUTES = 510
_MODEL_COFFEE, _MODEL_LUNCH = 30, 90
_MIN_COFFEE, _MIN_LUNCH, _MIN_SESSION = 15, 45, 30
MIN_DAY_MINUTES = 4 * _MIN_SESSION + 2 * _MIN_COFFEE + _MIN_LUNCH


@dataclass(frozen=True)
class Slot:
    """One slot of a planned day: ``kind`` is "session", "coffee" or "lunch"."""

    start: time
    end: time
    kind: str


def day_window_error(day_start: time, day_end: time) -> Any | None:
    """Why a day from ``day_start`` to ``day_end`` cannot be planned, or None."""
    try:
        plan_day(day_start, day_end)
    except InvalidDayWindow as error:
        return error.message
    return None


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
    check_room(course, room)
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
    week = focuses_by_day(course)
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
    return in_time_order(created)
