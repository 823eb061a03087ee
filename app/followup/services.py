"""Rules of the online follow-up phase: its dates, and its webinars, assignments and discussions.

Services flush but never commit: the caller (a route or a command) commits once. They take the
acting user as an argument and never read the request, so tests and commands call them directly.

Times are entered as wall-clock time at the venue (``course.timezone``) and stored in UTC. The
phase's dates are dates in the venue's calendar, the last day included.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app.core.rules import FieldErrors
from app.core.timeutil import NonexistentLocalTime, local_date, local_to_utc, to_local
from app.courses.models import Course
from app.db import now_utc
from app.extensions import db
from app.followup.models import ActivityKind, FollowupActivity

logger = logging.getLogger(__name__)

FOLLOWUP_GAP = timedelta(weeks=2)
FOLLOWUP_LENGTH = timedelta(weeks=4)
# An assignment given only a due date is due at the end of that day at the venue.
DEFAULT_DUE_TIME = time(23, 59)
TITLE_MAX_LENGTH = 300
LINK_MAX_LENGTH = 500

PhaseState = Literal["not_scheduled", "upcoming", "open", "closed"]
Direction = Literal["up", "down"]


# --- errors ----------------------------------------------------------------------------------


class FollowupError(FieldErrors):
    """A follow-up rule was broken (messages by field)."""


class InvalidPhaseDates(FollowupError):
    """The follow-up phase's dates break a rule."""


class InvalidActivity(FollowupError):
    """An activity's fields break a rule (missing time, outside the phase, bad link…)."""


class ActivityNotMovable(FollowupError):
    """Dated activities follow their dates; only ties can be reordered by hand."""


def _daterange(start: date, end: date) -> LazyString:
    # Formatted when shown, in the reader's language (services may run outside a request).
    from app.core.templating import daterange

    return LazyString(daterange, start, end)


def _longdate(day: date) -> LazyString:
    from app.core.templating import localdate

    return LazyString(localdate, day)


# --- the phase -------------------------------------------------------------------------------


def default_followup_window(end_date: date) -> tuple[date, date]:
    """The default phase after an on-site week ending on ``end_date``: it opens two weeks later
    and lasts four weeks, both ends included (24 Nov 2017 → 8 Dec 2017 to 4 Jan 2018)."""
    opens_on = end_date + FOLLOWUP_GAP
    return opens_on, opens_on + FOLLOWUP_LENGTH - timedelta(days=1)


def apply_followup_defaults(course: Course) -> None:
    """Give the course the default phase dates where it has none; set dates are kept."""
    course.followup_opens_on, course.followup_closes_on = followup_window(course)


def followup_window(course: Course) -> tuple[date, date]:
    """The phase's dates: the course's own, else the defaults (a phase with an opening date
    only lasts the default four weeks from it)."""
    opens_on = course.followup_opens_on or default_followup_window(course.end_date)[0]
    closes_on = course.followup_closes_on or opens_on + FOLLOWUP_LENGTH - timedelta(days=1)
    return opens_on, closes_on


def check_followup_phase(course: Course, opens_on: date, closes_on: date) -> None:
    """Raise :class:`InvalidPhaseDates` unless the phase opens after the last on-site day,
    closes after it opens and keeps every dated activity inside."""
    errors: dict[str | None, list[Any]] = {}
    if opens_on <= course.end_date:
        errors["opens_on"] = [
            _l(
                "The follow-up phase must open after the last on-site day (%(day)s).",
                day=_longdate(course.end_date),
            )
        ]
    if closes_on <= opens_on:
        errors["closes_on"] = [_l("The follow-up phase must close after it opens.")]
    if errors:
        raise InvalidPhaseDates(errors)
    outside = [
        activity.title
        for activity in activities_in_order(course)
        if (day := activity_local_date(activity)) is not None and not opens_on <= day <= closes_on
    ]
    if outside:
        raise InvalidPhaseDates.single(
            _l(
                "These activities would fall outside the new dates: %(titles)s. "
                "Change their dates or remove them first.",
                titles=", ".join(outside),
            )
        )


def update_followup_phase(course: Course, opens_on: date, closes_on: date, *, actor: Any) -> None:
    """Set the phase's dates (see :func:`check_followup_phase` for the rules)."""
    check_followup_phase(course, opens_on, closes_on)
    course.followup_opens_on = opens_on
    course.followup_closes_on = closes_on
    db.session.flush()
    logger.info(
        "follow-up phase of %s set to %s .. %s by %s",
        course.slug,
        opens_on,
        closes_on,
        _actor_id(actor),
    )


def reset_followup_phase(course: Course, *, actor: Any) -> None:
    """Put the phase back on its default dates."""
    update_followup_phase(course, *default_followup_window(course.end_date), actor=actor)


def phase_state(course: Course, today: date) -> PhaseState:
    """Where the phase stands on ``today`` (a date in the venue's calendar)."""
    if course.followup_opens_on is None or course.followup_closes_on is None:
        return "not_scheduled"
    if today < course.followup_opens_on:
        return "upcoming"
    if today <= course.followup_closes_on:
        return "open"
    return "closed"


def venue_today(course: Course, now: datetime | None = None) -> date:
    """Today's date at the course's venue."""
    return local_date(now or now_utc(), course.timezone)


# --- activities ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityData:
    """An activity as entered: times are wall-clock times at the venue.

    A webinar uses ``day``, ``start_time`` and ``end_time``; an assignment ``due_date`` and,
    optionally, ``due_time`` (else 23:59); a discussion, optionally, ``day`` and ``start_time``
    (when it opens; the start of the day if no time is given).
    """

    kind: ActivityKind
    title: str
    description: str = ""
    day: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    due_date: date | None = None
    due_time: time | None = None
    link: str = ""
    # Participants must complete it for their certificate.
    is_required: bool = False

    @classmethod
    def from_activity(cls, activity: FollowupActivity) -> ActivityData:
        """The activity's stored values, in the venue's wall-clock time (to prefill a form)."""
        tz = activity.course.timezone
        starts = to_local(activity.starts_at, tz) if activity.starts_at else None
        ends = to_local(activity.ends_at, tz) if activity.ends_at else None
        due = to_local(activity.due_at, tz) if activity.due_at else None
        return cls(
            kind=activity.kind,
            title=activity.title,
            description=activity.description,
            day=starts.date() if starts else None,
            start_time=starts.time() if starts else None,
            end_time=ends.time() if ends else None,
            due_date=due.date() if due else None,
            due_time=due.time() if due else None,
            link=activity.link,
            is_required=activity.is_required,
        )


@dataclass(frozen=True)
class ResolvedActivity:
    """Checked values, ready to store."""

    kind: ActivityKind
    title: str
    description: str
    starts_at: datetime | None
    ends_at: datetime | None
    due_at: datetime | None
    link: str
    is_required: bool = False


@dataclass
class _Errors:
    found: dict[str | None, list[Any]] = field(default_factory=dict)

    def add(self, name: str | None, message: Any) -> None:
        self.found.setdefault(name, []).append(message)

    def has(self, name: str) -> bool:
        return name in self.found


def _to_utc(day: date, at: time, tz: str, name: str, errors: _Errors) -> datetime | None:
    try:
        return local_to_utc(day, at, tz)
    except NonexistentLocalTime:
        errors.add(
            name,
            _l(
                "This time does not exist at the venue on that day: the clocks go forward. "
                "Choose another time."
            ),
        )
        return None


def _start_of_day(day: date, tz: str) -> datetime:
    """The first instant of ``day`` at the venue: midnight, or, where the clocks go forward at
    midnight (Beirut, Santiago, the Azores), the moment they land on."""
    # A wall-clock time in the gap is read with the offset before the change (PEP 495).
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def _is_web_link(link: str) -> bool:
    parts = urlsplit(link)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in link


def _outside_phase(kind: ActivityKind, opens_on: date, closes_on: date) -> tuple[str, Any]:
    dates = _daterange(opens_on, closes_on)
    if kind == ActivityKind.WEBINAR:
        return "day", _l(
            "The webinar must take place during the follow-up phase (%(dates)s).", dates=dates
        )
    if kind == ActivityKind.ASSIGNMENT:
        return "due_date", _l(
            "The assignment must be due during the follow-up phase (%(dates)s).", dates=dates
        )
    return "day", _l(
        "The discussion must open during the follow-up phase (%(dates)s).", dates=dates
    )


def check_activity(course: Course, data: ActivityData) -> ResolvedActivity:
    """Check an activity for ``course`` and convert its times to UTC.

    Raises :class:`InvalidActivity` with every problem found, each under its field's name.
    """
    errors = _Errors()
    tz = course.timezone
    title = data.title.strip()
    link = data.link.strip()
    if not title:
        errors.add("title", _l("Enter a title."))
    elif len(title) > TITLE_MAX_LENGTH:
        errors.add(
            "title",
            _l("The title can have at most %(count)d characters.", count=TITLE_MAX_LENGTH),
        )
    if link and (not _is_web_link(link) or len(link) > LINK_MAX_LENGTH):
        errors.add("link", _l("The link must be a web address starting with https:// or http://."))

    # Times are converted on days inside the phase only: another day may be any date at all.
    opens_on, closes_on = followup_window(course)
    phase_day = data.due_date if data.kind == ActivityKind.ASSIGNMENT else data.day
    in_phase = phase_day is not None and opens_on <= phase_day <= closes_on
    starts_at = ends_at = due_at = None
    if data.kind == ActivityKind.WEBINAR:
        if data.day is None:
            errors.add("day", _l("Enter the webinar's date."))
        if data.start_time is None:
            errors.add("start_time", _l("Enter the time the webinar starts."))
        if data.end_time is None:
            errors.add("end_time", _l("Enter the time the webinar ends."))
        if (
            data.start_time is not None
            and data.end_time is not None
            and data.end_time <= data.start_time
        ):
            errors.add("end_time", _l("The webinar must end after it starts."))
        if (
            data.day is not None
            and in_phase
            and data.start_time is not None
            and data.end_time is not None
            and not errors.has("end_time")
        ):
            # Both read as the first occurrence of a repeated hour, so the order holds in UTC.
            starts_at = _to_utc(data.day, data.start_time, tz, "start_time", errors)
            ends_at = _to_utc(data.day, data.end_time, tz, "end_time", errors)
    elif data.kind == ActivityKind.ASSIGNMENT:
        if data.due_date is None:
            errors.add("due_date", _l("Enter the date the assignment is due."))
        elif in_phase:
            due_at = _to_utc(
                data.due_date, data.due_time or DEFAULT_DUE_TIME, tz, "due_time", errors
            )
    else:
        if data.start_time is not None and data.day is None:
            errors.add("day", _l("Enter the date the discussion opens, or leave the time empty."))
        if data.day is not None and in_phase:
            if data.start_time is None:
                starts_at = _start_of_day(data.day, tz)
            else:
                starts_at = _to_utc(data.day, data.start_time, tz, "start_time", errors)

    if phase_day is not None and not in_phase:
        errors.add(*_outside_phase(data.kind, opens_on, closes_on))

    if errors.found:
        raise InvalidActivity(errors.found)
    return ResolvedActivity(
        kind=data.kind,
        title=title,
        description=data.description.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        due_at=due_at,
        link=link,
        is_required=data.is_required,
    )


def activity_local_date(activity: FollowupActivity) -> date | None:
    """The day, at the venue, on which the activity takes place, is due or opens."""
    when = activity.sort_key
    return local_date(when, activity.course.timezone) if when else None


def _order_key(activity: FollowupActivity) -> tuple[Any, ...]:
    # Dated ones first, by date; then the organisers' order; then the order of creation.
    when = activity.sort_key
    if when is None:
        return (True, activity.position, activity.id)
    return (False, when, activity.position, activity.id)


def activities_in_order(course: Course) -> list[FollowupActivity]:
    """The course's activities by date (start or due time; undated discussions last), then by
    the organisers' order."""
    return sorted(course.activities, key=_order_key)


def create_activity(course: Course, data: ActivityData, *, actor: Any) -> FollowupActivity:
    """Add an activity at the end of the list. A course without phase dates gets the defaults,
    the window the activity was checked against."""
    resolved = check_activity(course, data)
    apply_followup_defaults(course)
    activity = FollowupActivity(
        kind=resolved.kind,
        title=resolved.title,
        description=resolved.description,
        starts_at=resolved.starts_at,
        ends_at=resolved.ends_at,
        due_at=resolved.due_at,
        link=resolved.link,
        is_required=resolved.is_required,
        position=max((a.position for a in course.activities), default=-1) + 1,
    )
    course.activities.append(activity)
    db.session.flush()
    logger.info(
        "follow-up activity %s added to %s by %s", activity.id, course.slug, _actor_id(actor)
    )
    return activity


# What calendar clients see: a change to any of these raises the iCalendar SEQUENCE.
_SEQUENCED = ("kind", "title", "starts_at", "ends_at", "due_at", "link")


def update_activity(
    activity: FollowupActivity, data: ActivityData, *, actor: Any
) -> FollowupActivity:
    """Change an activity; its ``sequence`` goes up by one when its kind, title, times or link
    change (not for the description alone)."""
    course = activity.course
    resolved = check_activity(course, data)
    changed = any(getattr(activity, name) != getattr(resolved, name) for name in _SEQUENCED)
    due_moved = activity.due_at != resolved.due_at
    activity.kind = resolved.kind
    activity.title = resolved.title
    activity.description = resolved.description
    activity.starts_at = resolved.starts_at
    activity.ends_at = resolved.ends_at
    activity.due_at = resolved.due_at
    activity.link = resolved.link
    activity.is_required = resolved.is_required
    if changed:
        activity.sequence += 1
    if due_moved:
        # Imported here: the hand-in rules build on this module.
        from app.followup.handins import relabel_lateness

        relabel_lateness(activity)
    apply_followup_defaults(course)
    db.session.flush()
    logger.info("follow-up activity %s changed by %s", activity.id, _actor_id(actor))
    return activity


def delete_activity(activity: FollowupActivity, *, actor: Any) -> None:
    course = activity.course
    course.activities.remove(activity)
    db.session.delete(activity)
    db.session.flush()
    logger.info(
        "follow-up activity %s removed from %s by %s", activity.id, course.slug, _actor_id(actor)
    )


def can_move(activity: FollowupActivity, direction: Direction) -> bool:
    """Whether moving would change the order: the neighbour must share the activity's date
    and time (or both be undated), since dated activities otherwise follow their dates."""
    return _neighbour(activities_in_order(activity.course), activity, direction) is not None


def _neighbour(
    ordered: list[FollowupActivity], activity: FollowupActivity, direction: Direction
) -> FollowupActivity | None:
    index = ordered.index(activity)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        return None
    neighbour = ordered[other]
    return neighbour if neighbour.sort_key == activity.sort_key else None


def move_activity(activity: FollowupActivity, direction: Direction, *, actor: Any) -> None:
    """Swap the activity with the one before ("up") or after ("down") it in
    :func:`activities_in_order`; positions are then renumbered from 0."""
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', not {direction!r}")
    ordered = activities_in_order(activity.course)
    neighbour = _neighbour(ordered, activity, direction)
    if neighbour is None:
        raise ActivityNotMovable.single(
            _l(
                "This activity cannot move that way: dated activities follow their dates. "
                "Change its date or time instead."
            )
        )
    i, j = ordered.index(activity), ordered.index(neighbour)
    ordered[i], ordered[j] = ordered[j], ordered[i]
    for position, item in enumerate(ordered):
        item.position = position
    db.session.flush()
    logger.info("follow-up activity %s moved %s by %s", activity.id, direction, _actor_id(actor))


def _actor_id(actor: Any) -> Any:
    return getattr(actor, "id", actor)
