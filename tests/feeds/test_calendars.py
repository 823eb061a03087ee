"""Course calendars: what clients need, byte for byte, and what independent parsers read."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar, Event

from app.courses.models import CourseStatus, CourseTranslation
from app.courses.services import set_course_status
from app.extensions import db
from app.feeds.calendars import (
    PRODID,
    build_calendar,
    calendar_bytes,
    course_calendar,
    session_calendar,
    session_event,
)
from app.followup.models import ActivityKind
from app.schedule.models import SessionKind
from app.schedule.services import (
    SessionData,
    cancel_session,
    local_times,
    update_session,
)
from tests.factories import make_course, make_venue

from .conftest import (
    DST_WEEK_START,
    ROME,
    add_activity,
    add_session,
    blocks,
    event_block,
    physical_lines,
    unfolded,
    utc,
)

LONG_TITLE = (
    "Coordinación de políticas migratorias y desarrollo local: réseaux d’acteurs, "
    "coopération décentralisée et dialogue avec la diaspora — Şahin, Çağrı, Øresund, "
    "naïve «façade»; 100 %, “quotes”, back\\slash and a\nsecond line"
)


def _parse(raw: bytes) -> Calendar:
    return Calendar.from_ical(raw)


def _events(raw: bytes) -> list[Event]:
    return _parse(raw).walk("VEVENT")


def _by_uid(raw: bytes, uid: str) -> Event:
    [event] = [e for e in _events(raw) if str(e["UID"]).startswith(uid)]
    return event


# The calendar ------------------------------------------------------------------------------


def test_the_calendar_names_itself_and_asks_for_refreshes(course):
    raw = course_calendar(course, locale="en")
    lines = unfolded(raw)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    for expected in (
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "METHOD:PUBLISH",
        "NAME:Governing migration at the local level",
        "X-WR-CALNAME:Governing migration at the local level",
        "REFRESH-INTERVAL;VALUE=DURATION:PT6H",
        "X-PUBLISHED-TTL:PT6H",
        f"X-WR-TIMEZONE:{ROME}",
    ):
        assert expected in lines
    [caldesc] = [line for line in lines if line.startswith("X-WR-CALDESC:")]
    assert f"http://atelier.test/courses/{course.slug}" in caldesc


def test_lines_end_in_crlf_and_fold_at_75_octets_between_characters(course):
    add_session(course, LONG_TITLE, DST_WEEK_START, time(18), time(19), description=LONG_TITLE * 3)
    course.venue.name = "Çağrı Şahin Kongre Merkezi, salle « Érasme »"
    db.session.flush()
    raw = course_calendar(course, locale="es")

    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\r" not in raw.replace(b"\r\n", b"")
    lines = physical_lines(raw)
    assert max(len(line) for line in lines) <= 75
    folded = 0
    for previous, line in itertools.pairwise(lines):
        # Each physical line is whole UTF-8: no character was cut in two.
        line.decode("utf-8")
        if line.startswith(b" "):
            folded += 1
            # No escape was cut either: the line before does not end in half of one.
            trailing = len(previous) - len(previous.rstrip(b"\\"))
            assert trailing % 2 == 0, previous
    assert folded > 10

    [long] = [e for e in _events(raw) if str(e["SUMMARY"]) == LONG_TITLE]
    assert str(long["DESCRIPTION"]).count(LONG_TITLE) == 3


def test_breaks_and_lunch_are_left_out(course):
    raw = course_calendar(course, locale="en")
    summaries = [str(e["SUMMARY"]) for e in _events(raw)]
    assert len(summaries) == len([s for s in course.sessions if not s.is_break])
    assert len(summaries) < len(course.sessions)
    assert "Coffee break" not in summaries and "Lunch" not in summaries


def test_every_tzid_has_one_vtimezone_with_rules_and_no_rdate(course):
    raw = course_calendar(course, locale="en")
    cal = _parse(raw)
    assert cal.get_missing_tzids() == set()
    assert cal.get_used_tzids() == {ROME}
    [zone] = blocks(raw, "VTIMEZONE")
    assert f"TZID:{ROME}" in zone
    assert any(line.startswith("RRULE:") for line in zone)
    assert not any(line.startswith("RDATE") for line in zone)
    # VTIMEZONE comes before the events that use it.
    assert raw.index(b"BEGIN:VTIMEZONE") < raw.index(b"BEGIN:VEVENT")


def test_a_week_across_the_clock_change_keeps_nine_oclock(course):
    raw = course_calendar(course, locale="en")
    cal = _parse(raw)
    [block] = cal.walk("VTIMEZONE")
    described = block.to_tz(lookup_tzid=False)  # the block itself, not our zoneinfo
    first_of_day: dict[date, datetime] = {}
    for event in cal.walk("VEVENT"):
        start = event["DTSTART"]
        assert start.params["TZID"] == ROME
        local = start.dt
        first_of_day[local.date()] = min(first_of_day.get(local.date(), local), local)
    assert sorted(first_of_day) == course.day_dates
    for day, start in first_of_day.items():
        assert start.time() == time(9, 0), day
    # Summer time on Thursday, winter time on Monday: the same 09:00 is an hour later in UTC.
    thursday = first_of_day[date(2017, 10, 26)].replace(tzinfo=None)
    monday = first_of_day[date(2017, 10, 30)].replace(tzinfo=None)
    assert thursday.replace(tzinfo=described).astimezone(UTC) == utc(2017, 10, 26, 7)
    assert monday.replace(tzinfo=described).astimezone(UTC) == utc(2017, 10, 30, 8)


def test_the_same_data_gives_the_same_bytes(course):
    add_activity(
        course,
        ActivityKind.WEBINAR,
        "Live Q&A",
        starts_at=utc(2017, 11, 14, 14),
        ends_at=utc(2017, 11, 14, 15),
    )
    first = course_calendar(course, locale="fr")
    assert course_calendar(course, locale="fr") == first
    db.session.commit()
    db.session.expire_all()
    assert course_calendar(course, locale="fr") == first


def test_events_are_in_order_of_start_then_uid(course):
    raw = course_calendar(course, locale="en")
    keys = [(e["DTSTART"].dt.astimezone(UTC), str(e["UID"])) for e in _events(raw)]
    assert keys == sorted(keys)
    assert len({uid for _, uid in keys}) == len(keys)


def test_each_session_has_its_details(course):
    session = next(s for s in course.sessions if s.module is not None)
    session.facilitators = "Ana Souza, Jean Dupont"
    session.description = "Bring your city's data."
    db.session.flush()
    event = _by_uid(course_calendar(course, locale="en"), f"session-{session.uid}")

    assert str(event["UID"]) == f"session-{session.uid}@atelier.test"
    assert event["DTSTAMP"].dt == session.updated_at.replace(microsecond=0)
    assert event["LAST-MODIFIED"].dt == session.updated_at.replace(microsecond=0)
    assert event["SEQUENCE"] == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["LOCATION"]) == (
        "Room A, ITC-ILO campus, Viale Maestri del Lavoro 10, 10127 Turin"
    )
    description = str(event["DESCRIPTION"])
    assert "Module: T1 – Policy coherence" in description
    assert "Facilitators: Ana Souza, Jean Dupont" in description
    assert "Bring your city's data." in description
    assert f"http://atelier.test/courses/{course.slug}" in description
    assert str(event["URL"]) == f"http://atelier.test/courses/{course.slug}"
    assert event["CATEGORIES"].cats == [str(session.kind.label), "T1"]


def test_uid_stays_and_sequence_rises_when_a_session_moves(course):
    session = next(s for s in course.sessions if not s.is_break)
    uid = f"session-{session.uid}@atelier.test"
    before = _by_uid(course_calendar(course, locale="en"), uid)
    assert before["SEQUENCE"] == 0

    day, start, end = local_times(session)
    data = SessionData(
        title="Moved and renamed",
        day=day,
        start=(datetime.combine(day, start) + timedelta(minutes=30)).time(),
        end=(datetime.combine(day, end) + timedelta(minutes=30)).time(),
        kind=session.kind,
        room=session.room,
        module=session.module,
    )
    assert update_session(session, data, actor=None)
    after = _by_uid(course_calendar(course, locale="en"), uid)

    assert str(after["UID"]) == uid
    assert after["SEQUENCE"] == 1
    assert str(after["SUMMARY"]) == "Moved and renamed"
    assert after["DTSTART"].dt - before["DTSTART"].dt == timedelta(minutes=30)
    assert after["LAST-MODIFIED"].dt >= before["LAST-MODIFIED"].dt


def test_a_title_cannot_inject_properties(course):
    evil = "Evil\nDTSTART:19700101T000000Z;X=1,2"
    session = add_session(course, evil, DST_WEEK_START, time(18), time(19))
    raw = course_calendar(course, locale="en")

    block = event_block(raw, f"session-{session.uid}")
    assert [line for line in block if line.startswith("DTSTART")] == [
        "DTSTART;TZID=Europe/Rome:20171026T180000"
    ]
    assert not any(line.startswith("DTSTART:1970") for line in unfolded(raw))
    assert str(_by_uid(raw, f"session-{session.uid}")["SUMMARY"]) == evil
    # vobject cuts text at an unescaped comma: it reads the whole title back.
    parsed = vobject.readOne(raw.decode("utf-8"))
    [summary] = [
        e.summary.value
        for e in parsed.vevent_list
        if e.uid.value.startswith("session-" + session.uid)
    ]
    assert summary == evil


def test_a_course_title_cannot_inject_properties_either(course):
    course.translations[0].title = "Course; with, specials\nX-INJECTED:1"
    db.session.flush()
    raw = course_calendar(course, locale="en")
    assert not any(line.startswith("X-INJECTED") for line in unfolded(raw))
    assert "X-WR-CALNAME:Course\\; with\\, specials\\nX-INJECTED:1" in unfolded(raw)
    # icalendar reads X- properties back raw; vobject unescapes them.
    assert vobject.readOne(raw.decode()).x_wr_calname.value == (
        "Course; with, specials\nX-INJECTED:1"
    )


def test_a_backslash_is_only_a_backslash(course):
    """A typed "\\N" stays two characters (icalendar's own escaping makes it a line break)."""
    title = "Shared drive \\\\itc\\Notes\\New"
    session = add_session(course, title, DST_WEEK_START, time(18), time(19))
    session.description = "Path: C:\\Notes, \\n is not a line break"
    db.session.flush()
    raw = course_calendar(course, locale="en")

    assert "SUMMARY:Shared drive \\\\\\\\itc\\\\Notes\\\\New" in unfolded(raw)
    event = _by_uid(raw, f"session-{session.uid}")
    assert str(event["SUMMARY"]) == title
    assert session.description in str(event["DESCRIPTION"])
    [strict] = [
        e
        for e in IcsCalendarStream.calendar_from_ics(raw.decode()).events
        if e.uid.startswith(f"session-{session.uid}")
    ]
    assert strict.summary == title


def test_a_cancelled_session_stays_marked_cancelled(course):
    session = next(s for s in course.sessions if not s.is_break)
    assert cancel_session(session, actor=None)
    event = _by_uid(course_calendar(course, locale="en"), f"session-{session.uid}")
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]) == f"Cancelled: {session.title}"
    assert event["SEQUENCE"] == 1


def test_a_cancelled_course_cancels_every_event(course):
    add_activity(course, ActivityKind.ASSIGNMENT, "Action plan", due_at=utc(2017, 12, 1, 16, 0))
    set_course_status(course, CourseStatus.CANCELLED, actor=None)
    db.session.flush()
    events = _events(course_calendar(course, locale="en"))
    assert {str(e["STATUS"]) for e in events} == {"CANCELLED"}
    assert all(str(e["SUMMARY"]).startswith("Cancelled: ") for e in events)
    assert {e["SEQUENCE"] for e in events} == {1}


def test_a_french_reader_gets_the_french_title(course):
    course.translations.append(
        CourseTranslation(
            locale="fr", title="Gouverner la migration au niveau local", summary="Un atelier."
        )
    )
    db.session.flush()
    french = unfolded(course_calendar(course, locale="fr"))
    assert "X-WR-CALNAME:Gouverner la migration au niveau local" in french
    assert "NAME:Gouverner la migration au niveau local" in french
    # Labels are translated too (the kind of session).
    assert any(line.startswith("CATEGORIES:Plénière") for line in french)
    # Without a Spanish text the course's own language is used.
    spanish = unfolded(course_calendar(course, locale="es"))
    assert "X-WR-CALNAME:Governing migration at the local level" in spanish


# Follow-up activities ----------------------------------------------------------------------


def test_follow_up_activities_are_online_events_in_utc(course):
    webinar = add_activity(
        course,
        ActivityKind.WEBINAR,
        "Live Q&A",
        starts_at=utc(2017, 11, 14, 14),
        ends_at=utc(2017, 11, 14, 15, 30),
        link="https://meet.example.org/atelier?room=1&pin=2",
    )
    assignment = add_activity(
        course, ActivityKind.ASSIGNMENT, "Action plan", due_at=utc(2017, 12, 1, 16, 59)
    )
    # Opens on 5 December at 00:30 in Turin, which is still 4 December in UTC.
    discussion = add_activity(
        course, ActivityKind.DISCUSSION, "Lessons learnt", starts_at=utc(2017, 12, 4, 23, 30)
    )
    undated = add_activity(course, ActivityKind.DISCUSSION, "Open forum")
    raw = course_calendar(course, locale="en", with_links=True)

    event = _by_uid(raw, f"activity-{webinar.uid}")
    assert event["DTSTART"].dt == utc(2017, 11, 14, 14)
    assert event["DTEND"].dt == utc(2017, 11, 14, 15, 30)
    assert "TZID" not in event["DTSTART"].params
    assert str(event["URL"]) == webinar.link
    assert webinar.link in str(event["DESCRIPTION"])
    assert "DTSTART:20171114T140000Z" in event_block(raw, f"activity-{webinar.uid}")

    event = _by_uid(raw, f"activity-{assignment.uid}")
    assert str(event["SUMMARY"]) == "Deadline: Action plan"
    assert event["DTEND"].dt == utc(2017, 12, 1, 16, 59)
    assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(minutes=15)

    block = event_block(raw, f"activity-{discussion.uid}")
    assert "DTSTART;VALUE=DATE:20171205" in block
    assert "DTEND;VALUE=DATE:20171206" in block

    assert f"activity-{undated.uid}" not in raw.decode()
    assert len(_events(raw)) == len([s for s in course.sessions if not s.is_break]) + 3


def test_independent_parser_reads_the_feed(course):
    add_activity(
        course,
        ActivityKind.WEBINAR,
        "Live Q&A",
        starts_at=utc(2017, 11, 14, 14),
        ends_at=utc(2017, 11, 14, 15),
    )
    add_activity(
        course, ActivityKind.DISCUSSION, "Lessons learnt", starts_at=utc(2017, 12, 4, 23, 30)
    )
    add_session(course, LONG_TITLE, DST_WEEK_START, time(18), time(19))
    raw = course_calendar(course, locale="fr")

    calendar = IcsCalendarStream.calendar_from_ics(raw.decode("utf-8"))
    expected = len([s for s in course.sessions if not s.is_break]) + 2
    assert len(calendar.events) == expected
    [zone] = calendar.timezones
    assert zone.tz_id == ROME
    first = min(calendar.events, key=lambda e: (e.start_datetime, e.uid))
    assert first.dtstart.tzinfo is not None
    assert first.dtstart.astimezone(ZoneInfo(ROME)).time() == time(9, 0)
    monday = [e for e in calendar.events if isinstance(e.dtstart, datetime)]
    monday = [
        e for e in monday if e.dtstart.astimezone(ZoneInfo(ROME)).date() == date(2017, 10, 30)
    ]
    assert min(e.dtstart for e in monday).astimezone(UTC) == utc(2017, 10, 30, 8)
    assert [e.summary for e in calendar.events if e.summary == LONG_TITLE] == [LONG_TITLE]

    parsed = vobject.readOne(raw.decode("utf-8"))
    assert len(parsed.vevent_list) == expected


# Single downloads and the shared builder ---------------------------------------------------


def test_a_single_session_download_has_the_feed_uid(course):
    session = next(s for s in course.sessions if not s.is_break)
    raw = session_calendar(session, locale="en")
    [event] = _events(raw)
    feed = _by_uid(course_calendar(course, locale="en"), f"session-{session.uid}")
    assert event.to_ical() == feed.to_ical()
    assert _parse(raw).get_missing_tzids() == set()
    assert "METHOD:PUBLISH" in unfolded(raw)


def test_a_break_can_still_be_downloaded_alone(course):
    lunch = next(s for s in course.sessions if s.kind == SessionKind.LUNCH)
    [event] = _events(session_calendar(lunch, locale="en"))
    assert str(event["SUMMARY"]) == "Lunch"


def test_build_calendar_adds_a_block_for_any_zone_an_event_uses(course):
    other = make_course(venue=make_venue("Australia/Sydney"), start=date(2018, 3, 5))
    sydney = add_session(other, "Down under", date(2018, 3, 5), time(9), time(10))
    rome = next(s for s in course.sessions if not s.is_break)
    cal = build_calendar(
        "Mine",
        [session_event(sydney, "en"), session_event(rome, "en")],
        zones=[ROME],
        description="Sessions in Sydney and Turin",
    )
    assert cal.get_missing_tzids() == set()
    assert sorted(tz.tz_name for tz in cal.timezones) == ["Australia/Sydney", ROME]
    raw = calendar_bytes(cal)
    assert raw.count(b"BEGIN:VTIMEZONE") == 2
    # Two zones: none is claimed for the whole calendar.
    assert b"X-WR-TIMEZONE" not in raw


def test_an_online_only_course_still_describes_the_venue_zone():
    course = make_course(start=date(2019, 3, 25))
    add_activity(
        course,
        ActivityKind.WEBINAR,
        "Kick-off",
        starts_at=utc(2019, 4, 2, 12),
        ends_at=utc(2019, 4, 2, 13),
    )
    raw = course_calendar(course, locale="en")
    assert _parse(raw).get_used_tzids() == set()
    [zone] = blocks(raw, "VTIMEZONE")
    assert f"TZID:{ROME}" in zone


def test_an_empty_calendar_is_still_valid():
    course = make_course(start=date(2019, 3, 25))
    raw = course_calendar(course, locale="en")
    assert b"BEGIN:VEVENT" not in raw and b"BEGIN:VTIMEZONE" not in raw
    assert IcsCalendarStream.calendar_from_ics(raw.decode()).events == []


@pytest.mark.parametrize("refresh", ["PT1H", "P1D"])
def test_refresh_interval_is_a_duration(refresh):
    raw = calendar_bytes(
        build_calendar("Empty", [], zones=[], description="Nothing yet", refresh=refresh)
    )
    assert f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}" in unfolded(raw)
    assert f"X-PUBLISHED-TTL:{refresh}" in unfolded(raw)


def test_a_course_without_a_venue_is_in_utc():
    course = make_course(start=date(2019, 3, 25))
    course.venue = None
    db.session.flush()
    session = add_session(course, "Online kick-off", date(2019, 3, 25), time(9), time(10))
    raw = course_calendar(course, locale="en")
    block = event_block(raw, f"session-{session.uid}")
    assert "DTSTART:20190325T090000Z" in block
    assert b"BEGIN:VTIMEZONE" not in raw
    assert _parse(raw).get_missing_tzids() == set()
    assert not any(line.startswith("LOCATION") for line in block)
