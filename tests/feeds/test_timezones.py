"""VTIMEZONE blocks: yearly rules Outlook reads, checked against zoneinfo."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Timezone

from app.core.timeutil import local_to_utc
from app.courses.models import CourseKind
from app.extensions import db
from app.feeds.calendars import course_calendar, programme_calendar
from app.feeds.timezones import vtimezone
from app.schedule.models import CourseSession
from tests.factories import make_course, make_venue
from tests.programmes.factories import add_session, make_event, make_programme

STEP = timedelta(hours=12)


def _parts(timezone: Timezone) -> dict[str, list]:
    parts: dict[str, list] = {"STANDARD": [], "DAYLIGHT": []}
    for part in timezone.subcomponents:
        parts[part.name].append(part)
    return parts


def _rule(part) -> str:
    return part["RRULE"].to_ical().decode()


def _offsets(part) -> tuple[timedelta, timedelta]:
    return part["TZOFFSETFROM"].td, part["TZOFFSETTO"].td


def _assert_agrees_with_zoneinfo(timezone: Timezone, tzid: str, first: int, last: int) -> None:
    """Read the block with dateutil (an independent interpreter) and compare its offset with
    zoneinfo's twice a day through of the span, and a second either side of each change.

    The span starts on 2 January: a block starts on 1 January local time of its first year."""
    described = timezone.to_tz(lookup_tzid=False)
    zone = ZoneInfo(tzid)
    moment = datetime(first, 1, 2, tzinfo=UTC)
    end = datetime(last + 1, 1, 1, tzinfo=UTC)
    checked = []
    previous = moment.astimezone(zone).utcoffset()
    while moment < end:
        offset = moment.astimezone(zone).utcoffset()
        if offset != previous:
            # Find the change to the second and look either side of it.
            low, high = moment - STEP, moment
            while high - low > timedelta(seconds=1):
                middle = (low + (high - low) / 2).replace(microsecond=0)
                if middle.astimezone(zone).utcoffset() == previous:
                    low = middle
                else:
                    high = middle
            checked += [low, high]
        checked.append(moment)
        previous = offset
        moment += STEP
    # dateutil cannot tell the two readings of a repeated wall-clock hour apart (no fold),
    # so those instants are left out; the module checks the changes themselves exactly.
    wrong = [
        m
        for m in checked
        if not _repeated(m, zone)
        and m.astimezone(described).utcoffset() != m.astimezone(zone).utcoffset()
    ]
    assert wrong == [], f"{tzid}: {len(wrong)} instants disagree, from {wrong[0]}"


def _repeated(moment: datetime, zone: ZoneInfo) -> bool:
    wall = moment.astimezone(zone).replace(tzinfo=zone)
    return wall.replace(fold=0).utcoffset() != wall.replace(fold=1).utcoffset()


def _around(*years: int) -> list[datetime]:
    return [datetime(year, 6, 15, 9, tzinfo=UTC) for year in years]


def test_rome_has_one_standard_and_one_daylight_rule():
    block = vtimezone("Europe/Rome", around=_around(2017, 2018))
    parts = _parts(block)
    [standard], [daylight] = parts["STANDARD"], parts["DAYLIGHT"]
    assert str(block["TZID"]) == "Europe/Rome"

    assert _rule(daylight) == "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"
    assert daylight["DTSTART"].dt.time().isoformat() == "02:00:00"
    assert daylight["DTSTART"].dt.month == 3
    assert _offsets(daylight) == (timedelta(hours=1), timedelta(hours=2))
    assert str(daylight["TZNAME"]) == "CEST"

    assert _rule(standard) == "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"
    assert standard["DTSTART"].dt.time().isoformat() == "03:00:00"
    assert _offsets(standard) == (timedelta(hours=2), timedelta(hours=1))
    assert str(standard["TZNAME"]) == "CET"
    assert "RDATE" not in daylight and "RDATE" not in standard
    _assert_agrees_with_zoneinfo(block, "Europe/Rome", 2016, 2018)


def test_the_rule_starts_when_it_began_to_hold():
    # The same block whatever the years of the events, while the rule stays the same.
    assert (
        vtimezone("Europe/Rome", around=_around(2017)).to_ical()
        == vtimezone("Europe/Rome", around=_around(2024)).to_ical()
    )


def test_new_york_uses_second_and_first_sundays():
    block = vtimezone("America/New_York", around=_around(2017, 2019))
    parts = _parts(block)
    [standard], [daylight] = parts["STANDARD"], parts["DAYLIGHT"]
    assert _rule(daylight) == "FREQ=YEARLY;BYDAY=2SU;BYMONTH=3"
    assert _rule(standard) == "FREQ=YEARLY;BYDAY=1SU;BYMONTH=11"
    assert _offsets(daylight) == (timedelta(hours=-5), timedelta(hours=-4))
    assert daylight["DTSTART"].dt.time().isoformat() == "02:00:00"
    _assert_agrees_with_zoneinfo(block, "America/New_York", 2016, 2019)


def test_sydney_saves_daylight_in_the_southern_summer():
    block = vtimezone("Australia/Sydney", around=_around(2017, 2018))
    parts = _parts(block)
    [standard], [daylight] = parts["STANDARD"], parts["DAYLIGHT"]
    assert _rule(daylight) == "FREQ=YEARLY;BYDAY=1SU;BYMONTH=10"
    assert _rule(standard) == "FREQ=YEARLY;BYDAY=1SU;BYMONTH=4"
    assert _offsets(daylight) == (timedelta(hours=10), timedelta(hours=11))
    assert _offsets(standard) == (timedelta(hours=11), timedelta(hours=10))
    assert standard["DTSTART"].dt.time().isoformat() == "03:00:00"
    _assert_agrees_with_zoneinfo(block, "Australia/Sydney", 2016, 2018)


def test_london_changes_at_one_in_the_morning():
    block = vtimezone("Europe/London", around=_around(2020))
    daylight = _parts(block)["DAYLIGHT"][0]
    assert _rule(daylight) == "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"
    assert daylight["DTSTART"].dt.time().isoformat() == "01:00:00"
    assert _offsets(daylight) == (timedelta(0), timedelta(hours=1))
    _assert_agrees_with_zoneinfo(block, "Europe/London", 2019, 2020)


@pytest.mark.parametrize(
    ("tzid", "offset", "year"),
    [
        ("America/Guayaquil", timedelta(hours=-5), 2018),
        ("Asia/Kolkata", timedelta(hours=5, minutes=30), 2018),
        ("Asia/Tokyo", timedelta(hours=9), 2018),
        ("UTC", timedelta(0), 2018),
        # Brazil stopped daylight saving in 2019.
        ("America/Sao_Paulo", timedelta(hours=-3), 2024),
    ],
)
def test_zones_without_daylight_saving_have_a_single_standard_part(tzid, offset, year):
    block = vtimezone(tzid, around=_around(year))
    [part] = block.subcomponents
    assert part.name == "STANDARD"
    assert _offsets(part) == (offset, offset)
    assert "RRULE" not in part and "RDATE" not in part
    _assert_agrees_with_zoneinfo(block, tzid, year - 1, year)


def test_kolkata_writes_half_hour_offsets():
    text = vtimezone("Asia/Kolkata", around=_around(2018)).to_ical()
    assert b"TZOFFSETTO:+0530" in text


def test_a_zone_whose_rule_changed_in_the_span_gets_one_part_per_change():
    # Sao Paulo's last daylight saving: started 4 November 2018, ended 17 February 2019.
    block = vtimezone("America/Sao_Paulo", around=_around(2018, 2019))
    text = block.to_ical()
    assert b"RDATE" not in text and b"RRULE" not in text
    onsets = [part["DTSTART"].dt.isoformat() for part in block.subcomponents]
    assert "2018-11-04T00:00:00" in onsets
    assert "2019-02-17T00:00:00" in onsets
    _assert_agrees_with_zoneinfo(block, "America/Sao_Paulo", 2017, 2019)


@pytest.mark.parametrize(
    "tzid",
    [
        "Europe/Rome",
        "America/New_York",
        "Australia/Sydney",
        "America/Guayaquil",
        "Asia/Kolkata",
        "Europe/London",
        "America/Sao_Paulo",
        # Rules that no BYDAY rule expresses ("Sunday on or after the 2nd", Ramadan), and
        # a negative daylight saving in zoneinfo (Dublin).
        "America/Santiago",
        "Africa/Casablanca",
        "Europe/Dublin",
        "Pacific/Chatham",
    ],
)
@pytest.mark.parametrize("years", [(2007,), (2017, 2019), (2025,)])
def test_every_block_agrees_with_zoneinfo_and_has_no_rdate(tzid, years):
    block = vtimezone(tzid, around=_around(*years))
    assert b"RDATE" not in block.to_ical()
    parts = _parts(block)
    if len(block.subcomponents) == 2 and all("RRULE" in p for p in block.subcomponents):
        assert len(parts["STANDARD"]) == len(parts["DAYLIGHT"]) == 1
    _assert_agrees_with_zoneinfo(block, tzid, years[0] - 1, years[-1])


def test_unknown_zone_is_refused():
    with pytest.raises(Exception, match="Mars/Olympus"):
        vtimezone("Mars/Olympus", around=_around(2018))


# The blocks of a feed ------------------------------------------------------------------------


def test_a_session_across_new_year_reads_right_at_both_ends():
    """São Tomé moved from GMT to +01 at 01:00 on 1 January 2018: the block must be right for
    the end's year too, not only the start's (or the end reads an hour off)."""
    tzid = "Africa/Sao_Tome"
    starts, ends = (date(2017, 12, 31), time(22)), (date(2018, 1, 1), time(3))
    course = make_course(venue=make_venue(tzid), start=starts[0])
    session = CourseSession(
        course=course,
        title="New Year's Eve reception",
        starts_at=local_to_utc(*starts, tzid),
        ends_at=local_to_utc(*ends, tzid),
    )
    db.session.add(session)
    db.session.flush()

    cal = Calendar.from_ical(course_calendar(course, locale="en"))

    [block] = cal.walk("VTIMEZONE")
    described = block.to_tz(lookup_tzid=False)  # the block as written, not our zoneinfo
    [event] = cal.walk("VEVENT")
    for name, expected in (("DTSTART", session.starts_at), ("DTEND", session.ends_at)):
        wall = event[name].dt.replace(tzinfo=None)
        assert wall.replace(tzinfo=described).astimezone(UTC) == expected, name


def test_a_zone_is_described_for_its_own_events_in_a_feed_of_several():
    """São Paulo kept summer time until 2019. In a programme feed beside a course years later
    in Turin, its block is the one its own feed has, and still reads December 2018 at -02."""
    programme = make_programme("joint")
    sao_paulo = make_event(
        CourseKind.SIDE_EVENT,
        title="Toolbox presentation",
        start=date(2018, 12, 10),
        venue=make_venue("America/Sao_Paulo"),
        programme=programme,
    )
    session = add_session(sao_paulo, "Presentation", date(2018, 12, 10), time(9), time(10))
    turin = make_event(
        CourseKind.COURSE, title="Turin course", start=date(2030, 11, 18), programme=programme
    )
    add_session(turin, "Opening", date(2030, 11, 18), time(9), time(10))

    whole = Calendar.from_ical(programme_calendar(programme, [sao_paulo, turin], locale="en"))
    own = Calendar.from_ical(course_calendar(sao_paulo, locale="en"))

    def block(cal: Calendar) -> Timezone:
        [found] = [tz for tz in cal.walk("VTIMEZONE") if str(tz["TZID"]) == "America/Sao_Paulo"]
        return found

    assert block(whole).to_ical() == block(own).to_ical()
    described = block(whole).to_tz(lookup_tzid=False)
    start = datetime(2018, 12, 10, 9, tzinfo=described)
    assert start.utcoffset() == timedelta(hours=-2)
    assert start.astimezone(UTC) == session.starts_at
