"""Converting between venue wall-clock time and the UTC we store.

A venue's zone is an IANA name. Wall-clock times that do not exist (the hour skipped when
daylight saving starts) are refused rather than silently moved; ambiguous ones (the hour that
repeats when it ends) take the first occurrence, as calendar clients do.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones


class NonexistentLocalTime(ValueError):
    """The wall-clock time is skipped in that zone on that day (daylight saving starts)."""


def local_to_utc(day: date, at: time, tz: str) -> datetime:
    """The UTC instant of ``at`` on ``day`` at a venue in ``tz``."""
    zone = ZoneInfo(tz)
    local = datetime.combine(day, at).replace(tzinfo=zone, fold=0)
    as_utc = local.astimezone(UTC)
    # A time in the spring-forward gap does not survive the round trip.
    if as_utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentLocalTime(f"{day} {at} does not exist in {tz}")
    return as_utc


def day_start_utc(day: date, tz: str) -> datetime:
    """The first instant of ``day`` at a venue in ``tz``: midnight, or, where the clocks skip
    midnight (daylight saving starts at 00:00 in Santiago, Havana, Asunción, Beirut or Cairo),
    the instant they jump."""
    # A wall-clock time in the gap, read with fold=0, takes the offset before the change:
    # midnight then falls exactly on the jump. Where midnight repeats, the first one.
    return datetime.combine(day, time(0), ZoneInfo(tz)).astimezone(UTC)


def to_local(value: datetime, tz: str) -> datetime:
    return value.astimezone(ZoneInfo(tz))


def local_date(value: datetime, tz: str) -> date:
    return to_local(value, tz).date()


def shift_days_keeping_wall_time(value: datetime, days: int, tz: str) -> datetime:
    """Move an instant by whole days while keeping its local time (09:00 stays 09:00 across a
    daylight-saving change)."""
    local = to_local(value, tz)
    return local_to_utc(local.date() + timedelta(days=days), local.time().replace(tzinfo=None), tz)


# The zone a viewer sees ---------------------------------------------------------------------
#
# On-site activities show their times in the venue's zone, to everyone. Online ones (no venue;
# their times are stored and exported in UTC) show them in the viewer's own zone: the signed-in
# user's ``User.timezone`` when set, else UTC, which ``static/js/localtime.js`` then rewrites
# into the browser's zone. Organisers enter an online activity's times in the same zone.


@lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone name ``zoneinfo`` knows, sorted (for the profile's choice)."""
    return tuple(sorted(available_timezones()))


def is_timezone(name: str | None) -> bool:
    return bool(name) and name in timezone_names()


def user_timezone(user: Any) -> str | None:
    """The zone a signed-in user chose in their profile, if any (and still known)."""
    if not getattr(user, "is_authenticated", False):
        return None
    zone = getattr(user, "timezone", None)
    return zone if is_timezone(zone) else None


def display_timezone(course: Any, user: Any) -> str:
    """The zone ``course``'s times are shown to (and entered by) ``user`` in: the venue's for an
    activity on site; for an online one the user's own zone, else "UTC"."""
    if not course.is_online:
        return str(course.timezone)
    return user_timezone(user) or "UTC"


def times_follow_browser(course: Any, user: Any) -> bool:
    """Whether the page should let the browser rewrite the times into its own zone: an online
    activity seen by someone who has not chosen a zone (the page shows UTC meanwhile)."""
    return bool(course.is_online) and user_timezone(user) is None
