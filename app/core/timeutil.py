"""Converting between venue wall-clock time and the UTC we store.

A venue's zone is an IANA name. Wall-clock times that do not exist (the hour skipped when
daylight saving starts) are refused rather than silently moved; ambiguous ones (the hour that
repeats when it ends) take the first occurrence, as calendar clients do.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


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


def to_local(value: datetime, tz: str) -> datetime:
    return value.astimezone(ZoneInfo(tz))


def local_date(value: datetime, tz: str) -> date:
    return to_local(value, tz).date()


def shift_days_keeping_wall_time(value: datetime, days: int, tz: str) -> datetime:
    """Move an instant by whole days while keeping its local time (09:00 stays 09:00 across a
    daylight-saving change)."""
    local = to_local(value, tz)
    return local_to_utc(local.date() + timedelta(days=days), local.time().replace(tzinfo=None), tz)
