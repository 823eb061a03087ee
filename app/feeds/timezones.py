"""VTIMEZONE blocks that Outlook desktop reads, derived from ``zoneinfo``.

Outlook reads only DTSTART, RRULE, TZOFFSETFROM and TZOFFSETTO inside a VTIMEZONE and ignores
RDATE, so icalendar's own ``Timezone.from_tzid()`` (RDATE lists) shifts events there. We find
the zone's transitions in the years the events span, express them as one STANDARD and one
DAYLIGHT part with yearly rules ("last Sunday of March at 02:00"), and check the rules against
``zoneinfo`` before using them. Zones without daylight saving get a single STANDARD part. A
zone whose changes fit no yearly rule (a rule change within the span, Morocco's Ramadan
pauses…) gets one DTSTART-only part per transition in the span instead.

Everything is derived from the zone and the years, never from the clock when the years are
given, so the same events give the same bytes.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

__all__ = ["vtimezone"]

# Yearly rules are extended back while they still hold, to give every feed of a zone the same
# block; not before this year (older history is of no use to a course calendar).
_EARLIEST_YEAR = 1970
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Transition:
    """A change of UTC offset: at ``at`` (UTC) the zone goes from ``before`` to ``after``."""

    at: datetime
    before: timedelta
    after: timedelta
    name: str

    @property
    def onset(self) -> datetime:
        """The wall-clock time of the change, read in the old offset (RFC 5545's DTSTART)."""
        return (self.at + self.before).replace(tzinfo=None)

    @property
    def is_daylight(self) -> bool:
        return self.after > self.before


@dataclass(frozen=True)
class _Rule:
    """A yearly rule such as "the last Sunday of March at 02:00, +0100 → +0200"."""

    month: int
    weekday: int
    nth: int  # 1..4, or -1 for the last one in the month
    at: time
    before: timedelta
    after: timedelta
    name: str

    @property
    def byday(self) -> str:
        return f"{self.nth}{_WEEKDAYS[self.weekday]}"

    def onset(self, year: int) -> datetime:
        """The local onset of this rule in ``year``."""
        days = calendar.monthrange(year, self.month)[1]
        candidates = [
            day
            for day in range(1, days + 1)
            if date(year, self.month, day).weekday() == self.weekday
        ]
        day = candidates[self.nth - 1] if self.nth > 0 else candidates[-1]
        return datetime.combine(date(year, self.month, day), self.at)


# Finding transitions ------------------------------------------------------------------------


def _offset(zone: ZoneInfo, instant: datetime) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None
    return offset


@lru_cache(maxsize=2048)
def _transitions_in_year(tzid: str, year: int) -> tuple[Transition, ...]:
    """Every change of UTC offset in ``year`` (local calendar of the zone), in order.

    Offsets are sampled once a day (no zone changes twice in a day) and each change is pinned
    to the second by bisection.
    """
    zone = ZoneInfo(tzid)
    # A day either side, so changes near New Year fall in the year of their local onset.
    start = datetime(year, 1, 1, tzinfo=UTC) - timedelta(days=1)
    end = datetime(year + 1, 1, 1, tzinfo=UTC) + timedelta(days=1)
    found: list[Transition] = []
    here, offset = start, _offset(zone, start)
    while here < end:
        step = here + timedelta(days=1)
        next_offset = _offset(zone, step)
        if next_offset != offset:
            low, high = here, step
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _offset(zone, middle) == offset:
                    low = middle
                else:
                    high = middle
            high = high.replace(microsecond=0)
            name = high.astimezone(zone).tzname() or ""
            transition = Transition(high, offset, next_offset, name)
            if transition.onset.year == year:
                found.append(transition)
        here, offset = step, next_offset
    return tuple(found)


def _transitions(tzid: str, first_year: int, last_year: int) -> list[Transition]:
    return [
        t for year in range(first_year, last_year + 1) for t in _transitions_in_year(tzid, year)
    ]


# Yearly rules -------------------------------------------------------------------------------


def _fit_rule(transitions: Sequence[Transition]) -> _Rule | None:
    """The one yearly rule that gives exactly these transitions (one a year), or None."""
    first = transitions[0]
    onsets = [t.onset for t in transitions]
    same = all(
        (t.before, t.after, t.name, t.onset.month, t.onset.weekday(), t.onset.time())
        == (
            first.before,
            first.after,
            first.name,
            onsets[0].month,
            onsets[0].weekday(),
            onsets[0].time(),
        )
        for t in transitions
    )
    if not same:
        return None
    # "Last Sunday" when every onset is in the month's last week, else "the n-th Sunday".
    if all(o.day + 7 > calendar.monthrange(o.year, o.month)[1] for o in onsets):
        nth = -1
    else:
        counts = {(o.day - 1) // 7 + 1 for o in onsets}
        if len(counts) != 1:
            return None
        nth = counts.pop()
    onset = onsets[0]
    return _Rule(
        onset.month, onset.weekday(), nth, onset.time(), first.before, first.after, first.name
    )


def _yearly_rules(tzid: str, first_year: int, last_year: int) -> tuple[list[_Rule], int] | None:
    """Two yearly rules (daylight, standard) that match ``zoneinfo`` in every year of the span,
    and the earliest year from which they hold; None when the zone fits no such pair."""

    def split(year: int) -> tuple[Transition, Transition] | None:
        found = _transitions_in_year(tzid, year)
        daylight = [t for t in found if t.is_daylight]
        standard = [t for t in found if not t.is_daylight]
        if len(daylight) != 1 or len(standard) != 1:
            return None
        return daylight[0], standard[0]

    years = range(first_year, last_year + 1)
    pairs = [split(year) for year in years]
    if any(pair is None for pair in pairs):
        return None
    daylight = _fit_rule([pair[0] for pair in pairs if pair])
    standard = _fit_rule([pair[1] for pair in pairs if pair])
    if daylight is None or standard is None:
        return None
    if (daylight.before, daylight.after) != (standard.after, standard.before):
        return None
    rules = [daylight, standard]

    # Go back while the same rules still held, so every feed of the zone shares one block.
    since = first_year
    while since > _EARLIEST_YEAR:
        pair = split(since - 1)
        if pair is None or any(
            t.onset != rule.onset(since - 1)
            or (t.before, t.after, t.name) != (rule.before, rule.after, rule.name)
            for t, rule in zip(pair, rules, strict=True)
        ):
            break
        since -= 1
    return rules, since


@dataclass(frozen=True)
class _Part:
    """One STANDARD or DAYLIGHT part: from ``onset`` (local, old offset) on, ``after``
    applies; ``rule`` (month, BYDAY) repeats it every year."""

    daylight: bool
    onset: datetime
    before: timedelta
    after: timedelta
    name: str
    rule: tuple[int, str] | None = None

    def component(self) -> TimezoneStandard | TimezoneDaylight:
        part = TimezoneDaylight() if self.daylight else TimezoneStandard()
        part.add("dtstart", self.onset)
        if self.rule is not None:
            month, byday = self.rule
            part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": byday})
        part.add("tzoffsetfrom", self.before)
        part.add("tzoffsetto", self.after)
        if self.name:
            part.add("tzname", self.name)
        return part


def _rule_parts(rules: list[_Rule], since: int) -> list[_Part]:
    daylight, standard = rules
    # STANDARD first, as Outlook and most generators write it.
    return [
        _Part(
            False,
            standard.onset(since),
            standard.before,
            standard.after,
            standard.name,
            (standard.month, standard.byday),
        ),
        _Part(
            True,
            daylight.onset(since),
            daylight.before,
            daylight.after,
            daylight.name,
            (daylight.month, daylight.byday),
        ),
    ]


def _block(tzid: str, parts: Iterable[_Part]) -> Timezone:
    timezone = Timezone()
    timezone.add("tzid", tzid)
    for part in parts:
        timezone.add_component(part.component())
    return timezone


# Checking against zoneinfo ------------------------------------------------------------------


def _expand(timezone: Timezone, until: datetime) -> list[tuple[datetime, timedelta, timedelta]]:
    """The transitions a VTIMEZONE describes up to ``until`` (UTC), as clients expand them."""
    changes = []
    for part in timezone.subcomponents:
        onset = part["DTSTART"].dt
        before = part["TZOFFSETFROM"].td
        after = part["TZOFFSETTO"].td
        onsets = [onset]
        if "RRULE" in part:
            rule = part["RRULE"].to_ical().decode()
            local_until = (until + before).replace(tzinfo=None)
            onsets = list(rrulestr(rule, dtstart=onset).between(onset, local_until, inc=True))
        for local in onsets:
            changes.append(((local - before).replace(tzinfo=UTC), before, after))
    return sorted(c for c in changes if c[0] < until and c[1] != c[2])


def _matches_zoneinfo(timezone: Timezone, tzid: str, first_year: int, last_year: int) -> bool:
    """Whether the block's transitions in the span are exactly those of ``zoneinfo``."""
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    until = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    described = [c for c in _expand(timezone, until) if start <= c[0] < until]
    actual = [
        (t.at, t.before, t.after)
        for t in _transitions(tzid, first_year - 1, last_year + 1)
        if start <= t.at < until
    ]
    return described == actual


# The block ----------------------------------------------------------------------------------


def _years(tzid: str, around: Iterable[datetime] | None) -> tuple[int, int]:
    zone = ZoneInfo(tzid)
    years = set()
    for moment in around or ():
        if isinstance(moment, datetime):
            # Naive values are read as wall-clock times in the zone.
            local = moment.astimezone(zone) if moment.tzinfo else moment
            years.add(local.year)
        else:
            years.add(moment.year)
    if not years:
        # Nothing to place: describe the present (the one case that reads the clock).
        years.add(datetime.now(UTC).year)
    return min(years), max(years)


@lru_cache(maxsize=256)
def _plan(tzid: str, first_year: int, last_year: int) -> tuple[_Part, ...]:
    """The parts of the block for events in ``first_year``..``last_year``, checked."""
    zone = ZoneInfo(tzid)
    # The year before the first event counts too: it sets the offset that event starts in.
    span = _transitions(tzid, first_year - 1, last_year)
    start = datetime(first_year - 1, 1, 1, tzinfo=zone)
    offset = _offset(zone, start)
    if not span:
        naive = start.replace(tzinfo=None)
        return (_Part(False, naive, offset, offset, start.tzname() or ""),)

    fitted = _yearly_rules(tzid, first_year - 1, last_year)
    if fitted is not None:
        parts = _rule_parts(*fitted)
        if _matches_zoneinfo(_block(tzid, parts), tzid, first_year - 1, last_year):
            return tuple(parts)

    # One part for the offset in force at the start of the span, then one per change.
    daylight = (start.dst() or timedelta(0)) > timedelta(0)
    parts = [_Part(daylight, start.replace(tzinfo=None), offset, offset, start.tzname() or "")]
    parts += [_Part(t.is_daylight, t.onset, t.before, t.after, t.name) for t in span]
    if not _matches_zoneinfo(_block(tzid, parts), tzid, first_year - 1, last_year):
        raise AssertionError(f"VTIMEZONE for {tzid} does not match zoneinfo")  # pragma: no cover
    return tuple(parts)


def vtimezone(tzid: str, *, around: Iterable[datetime] | None = None) -> Timezone:
    """A VTIMEZONE for ``tzid`` that is right for the years of the instants in ``around``.

    Zones with daylight saving get one STANDARD and one DAYLIGHT part with yearly RRULEs,
    starting in the earliest year from which the rules hold (so the block is the same for
    every feed of that zone); zones without it a single STANDARD part. The parts are checked
    against ``zoneinfo`` for the years spanned; when no yearly rule fits, each transition in
    those years gets a DTSTART-only part (never RDATE, which Outlook ignores).

    ``around`` should be the event times that use the zone; without them the block describes
    the current year. Raises ``zoneinfo.ZoneInfoNotFoundError`` for an unknown zone.
    """
    first_year, last_year = _years(tzid, around)
    # A new component each time: callers may change theirs.
    return _block(tzid, _plan(tzid, first_year, last_year))
