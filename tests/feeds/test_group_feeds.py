"""Feeds of groups: a programme's (its courses and events) and a host event's (the conference
and its side events), over HTTP; and events in the personal feed.

Each feed must hold exactly its items (by UID), be read by icalendar and by the strict
``ical`` parser, write on-site sessions in their venue's zone with one VTIMEZONE per zone
and online ones in UTC, and revalidate like the course feed.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar
from werkzeug.http import http_date

from app.courses.models import Course, CourseKind, CourseStatus, CourseTranslation
from app.extensions import db
from app.feeds import services
from app.feeds.models import FeedKind
from app.followup.models import ActivityKind
from app.programmes.services import ProgrammeData, ProgrammeText, update_programme
from app.schedule.models import SessionKind
from tests.factories import make_registration, make_user
from tests.programmes.factories import (
    QUITO,
    ROME,
    add_session,
    make_event,
    make_programme,
    make_quito_venue,
)

from .conftest import add_activity, blocks, event_block, unfolded, utc

CALENDAR_TYPE = "text/calendar; charset=utf-8"
HOST = "atelier.test"


def read(raw: bytes) -> Calendar:
    """icalendar's reading, after the strict parser accepted the same bytes."""
    strict = IcsCalendarStream.calendar_from_ics(raw.decode("utf-8"))
    cal = Calendar.from_ical(raw)
    assert len(strict.events) == len(cal.walk("VEVENT"))
    assert not cal.get_missing_tzids()
    return cal


def uids(raw: bytes) -> set[str]:
    return {str(e["UID"]) for e in read(raw).walk("VEVENT")}


def expected_uids(*courses: Course) -> set[str]:
    found: set[str] = set()
    for course in courses:
        found |= {f"session-{s.uid}@{HOST}" for s in course.sessions if not s.is_break}
        found |= {
            f"activity-{a.uid}@{HOST}"
            for a in course.activities
            if a.starts_at is not None or a.due_at is not None
        }
    return found


def zones(raw: bytes) -> set[str]:
    return {str(tz["TZID"]) for tz in read(raw).walk("VTIMEZONE")}


def dtstart_line(raw: bytes, session) -> str:
    [line] = [ln for ln in event_block(raw, session.uid) if ln.startswith("DTSTART")]
    return line


def last_change(*courses: Course) -> datetime:
    stamps = []
    for course in courses:
        stamps.append(course.updated_at)
        stamps += [s.updated_at for s in course.sessions]
        stamps += [a.updated_at for a in course.activities]
    return max(stamps)


# A programme across three zones ----------------------------------------------------------------

PROGRAMME_URL = "/programmes/joint/calendar.ics"


@pytest.fixture
def programme():
    """The joint programme: a course in Turin (with a break and follow-up activities), a side
    event in Quito, an online webinar, a cancelled panel; a draft and another programme's
    event stay out."""
    joint = make_programme("joint", texts={"fr": "Programme conjoint"})
    other = make_programme("other", title="Other programme")
    quito = make_quito_venue()

    course = make_event(
        CourseKind.COURSE,
        slug="turin",
        title="Turin course",
        start=date(2030, 11, 18),
        days=5,
        programme=joint,
    )
    add_session(course, "Opening", date(2030, 11, 18), time(9), time(10, 30))
    add_session(
        course, "Coffee", date(2030, 11, 18), time(10, 30), time(11), kind=SessionKind.BREAK
    )
    add_session(course, "Study visit", date(2030, 11, 20), time(14), time(17))
    add_activity(
        course,
        ActivityKind.WEBINAR,
        "Live Q&A",
        starts_at=utc(2030, 12, 9, 14),
        ends_at=utc(2030, 12, 9, 15),
    )
    add_activity(course, ActivityKind.ASSIGNMENT, "Action plan", due_at=utc(2030, 12, 20, 16))
    add_activity(course, ActivityKind.DISCUSSION, "Forum without a date")

    side = make_event(
        CourseKind.SIDE_EVENT,
        slug="quito-side",
        title="Toolbox presentation",
        start=date(2030, 10, 18),
        venue=quito,
        programme=joint,
    )
    add_session(side, "Presentation", date(2030, 10, 18), time(9), time(10, 30))
    add_session(side, "Debate", date(2030, 10, 18), time(11), time(12))

    webinar = make_event(
        CourseKind.WEBINAR,
        slug="webinar",
        title="Data webinar",
        start=date(2030, 12, 2),
        online=True,
        programme=joint,
    )
    add_session(webinar, "Webinar", date(2030, 12, 2), time(13), time(14))

    panel = make_event(
        CourseKind.PANEL,
        slug="panel",
        title="Cancelled panel",
        start=date(2030, 9, 1),
        programme=joint,
        status=CourseStatus.CANCELLED,
    )
    add_session(panel, "Panel", date(2030, 9, 1), time(15), time(16))

    draft = make_event(
        CourseKind.LAUNCH,
        slug="draft",
        title="Draft launch",
        start=date(2030, 9, 2),
        programme=joint,
        status=CourseStatus.DRAFT,
    )
    add_session(draft, "Launch", date(2030, 9, 2), time(10), time(11))
    elsewhere = make_event(
        CourseKind.PANEL,
        slug="elsewhere",
        title="Elsewhere",
        start=date(2030, 9, 3),
        programme=other,
    )
    add_session(elsewhere, "Elsewhere", date(2030, 9, 3), time(10), time(11))
    db.session.commit()
    return {
        "programme": joint,
        "course": course,
        "side": side,
        "webinar": webinar,
        "panel": panel,
        "draft": draft,
    }


def test_the_programme_feed_holds_exactly_its_items(client, programme):
    response = client.get(PROGRAMME_URL)
    assert response.status_code == 200
    items = [programme[k] for k in ("course", "side", "webinar", "panel")]
    assert uids(response.data) == expected_uids(*items)
    # Breaks and undated activities stay out, as in the course feed.
    assert len(uids(response.data)) == 2 + 2 + 2 + 1 + 1


def test_the_programme_feed_writes_each_zone_once_and_online_in_utc(client, programme):
    raw = client.get(PROGRAMME_URL).data
    assert zones(raw) == {ROME, QUITO}
    assert len(blocks(raw, "VTIMEZONE")) == 2

    turin = programme["course"].sessions[0]
    assert dtstart_line(raw, turin) == "DTSTART;TZID=Europe/Rome:20301118T090000"
    quito = programme["side"].sessions[0]
    assert dtstart_line(raw, quito) == "DTSTART;TZID=America/Guayaquil:20301018T090000"
    online = programme["webinar"].sessions[0]
    assert dtstart_line(raw, online) == "DTSTART:20301202T130000Z"

    events = {str(e["UID"]): e for e in read(raw).walk("VEVENT")}
    quito_event = events[f"session-{quito.uid}@{HOST}"]
    assert quito_event["DTSTART"].dt == datetime(2030, 10, 18, 9, tzinfo=ZoneInfo(QUITO))
    assert quito_event["DTSTART"].dt.astimezone(UTC).hour == 14
    assert str(events[f"session-{online.uid}@{HOST}"]["LOCATION"]) == "Online"


def test_the_strict_parser_reads_the_same_moments(client, programme):
    raw = client.get(PROGRAMME_URL).data
    strict = IcsCalendarStream.calendar_from_ics(raw.decode("utf-8"))
    starts = {event.uid: event.dtstart for event in strict.events}
    for key in ("course", "side", "webinar", "panel"):
        for session in programme[key].sessions:
            if not session.is_break:
                assert starts[f"session-{session.uid}@{HOST}"] == session.starts_at


def test_a_cancelled_event_stays_in_the_programme_feed_as_cancelled(client, programme):
    raw = client.get(PROGRAMME_URL).data
    [panel] = programme["panel"].sessions
    block = event_block(raw, panel.uid)
    assert "STATUS:CANCELLED" in block
    assert "SUMMARY:Cancelled: Panel" in block


def test_the_programme_feed_carries_the_same_events_as_the_course_feed(client, programme):
    whole = client.get(PROGRAMME_URL).data
    own = client.get("/courses/quito-side/calendar.ics").data
    for session in programme["side"].sessions:
        assert event_block(whole, session.uid) == event_block(own, session.uid)


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("", "Joint Global Programme on Mainstreaming Migration"),
        ("?lang=fr", "Programme conjoint"),
        ("?lang=es", "Joint Global Programme on Mainstreaming Migration"),
        ("?lang=xx", "Joint Global Programme on Mainstreaming Migration"),
    ],
)
def test_the_programme_feed_is_named_in_the_requested_language(client, programme, query, name):
    cal = read(client.get(PROGRAMME_URL + query).data)
    assert str(cal["X-WR-CALNAME"]) == name
    assert str(cal["NAME"]) == name
    assert "http://atelier.test/programmes/joint" in str(cal["X-WR-CALDESC"])


def test_the_programme_feed_answers_like_the_course_feed(client, programme):
    response = client.get(PROGRAMME_URL)
    assert response.headers["Content-Type"] == CALENDAR_TYPE
    assert response.headers["Content-Disposition"] == 'inline; filename="joint.ics"'
    assert response.headers["Cache-Control"] == "public, max-age=900"
    # The feed's version, not a hash of a freshly built body (a 304 builds nothing).
    assert re.fullmatch(r'"[0-9a-f]{40}"', response.headers["ETag"])
    items = [programme[k] for k in ("course", "side", "webinar", "panel")]
    # A draft of the programme counts too (taken back to draft, it leaves the feed).
    newest = max(
        last_change(*items), programme["programme"].updated_at, programme["draft"].updated_at
    )
    assert response.headers["Last-Modified"] == http_date(newest)
    assert client.get(PROGRAMME_URL).data == response.data

    etag = response.headers["ETag"]
    again = client.get(PROGRAMME_URL, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    stamp = response.headers["Last-Modified"]
    assert client.get(PROGRAMME_URL, headers={"If-Modified-Since": stamp}).status_code == 304

    head = client.head(PROGRAMME_URL)
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["ETag"] == etag
    assert client.head(PROGRAMME_URL, headers={"If-None-Match": etag}).status_code == 304


def test_renaming_the_programme_changes_the_feed_and_its_date(client, programme):
    before = client.get(PROGRAMME_URL)
    joint = programme["programme"]
    update_programme(
        joint,
        ProgrammeData(slug="joint", texts={"en": ProgrammeText("Joint programme, phase 2")}),
        actor=make_user(),
    )
    joint.updated_at = datetime.now(UTC) + timedelta(seconds=5)
    db.session.commit()
    after = client.get(PROGRAMME_URL, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    # The comma escaped, as in any text value.
    assert "X-WR-CALNAME:Joint programme\\, phase 2" in unfolded(after.data)
    assert after.headers["Last-Modified"] == http_date(joint.updated_at)
    stamp = before.headers["Last-Modified"]
    assert client.get(PROGRAMME_URL, headers={"If-Modified-Since": stamp}).status_code == 200


def test_a_programme_without_public_items_has_an_empty_calendar(client):
    make_programme("empty")
    db.session.commit()
    response = client.get("/programmes/empty/calendar.ics")
    assert response.status_code == 200
    cal = read(response.data)
    assert cal.walk("VEVENT") == []
    assert cal.walk("VTIMEZONE") == []


def test_an_unknown_programme_is_a_plain_404(client):
    response = client.get("/programmes/nothing/calendar.ics")
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    assert client.head("/programmes/nothing/calendar.ics").status_code == 404


# A host event and its side events ----------------------------------------------------------------

HOST_URL = "/courses/habitat/calendar.ics"


@pytest.fixture
def habitat():
    """Habitat III in Quito with its own opening, side events in Quito, online, at a Turin
    hub and one cancelled; a draft side event and another conference's side event stay
    out."""
    quito = make_quito_venue()
    conference = make_event(
        CourseKind.CONFERENCE,
        slug="habitat",
        title="Habitat III",
        start=date(2030, 10, 17),
        days=4,
        venue=quito,
        languages="en,es",
    )
    conference.translations.append(CourseTranslation(locale="es", title="Hábitat III"))
    add_session(conference, "Opening plenary", date(2030, 10, 17), time(10), time(12))

    def side(slug: str, **fields) -> Course:
        event = make_event(
            fields.pop("kind", CourseKind.SIDE_EVENT),
            slug=slug,
            title=slug.title(),
            start=date(2030, 10, 18),
            host=fields.pop("host", conference),
            **fields,
        )
        add_session(event, f"{slug} session", date(2030, 10, 18), time(9), time(10))
        return event

    found = {
        "conference": conference,
        "quito": side("toolbox", venue=quito),
        "online": side("refugees", kind=CourseKind.SPECIAL_SESSION, online=True),
        "turin": side("turin-hub"),
        "cancelled": side("cancelled", venue=quito, status=CourseStatus.CANCELLED),
    }
    side("draft", venue=quito, status=CourseStatus.DRAFT)
    other = make_event(
        CourseKind.CONFERENCE, slug="other", title="Other conference", start=date(2030, 5, 1)
    )
    side("elsewhere", host=other)
    db.session.commit()
    return found


def test_the_host_event_feed_holds_its_sessions_and_its_side_events(client, habitat):
    raw = client.get(HOST_URL).data
    assert uids(raw) == expected_uids(*habitat.values())
    assert len(uids(raw)) == 5


def test_the_host_event_feed_writes_each_zone_once(client, habitat):
    raw = client.get(HOST_URL).data
    assert zones(raw) == {QUITO, ROME}
    assert len(blocks(raw, "VTIMEZONE")) == 2
    opening = habitat["conference"].sessions[0]
    assert dtstart_line(raw, opening) == "DTSTART;TZID=America/Guayaquil:20301017T100000"
    hub = habitat["turin"].sessions[0]
    assert dtstart_line(raw, hub) == "DTSTART;TZID=Europe/Rome:20301018T090000"
    online = habitat["online"].sessions[0]
    assert dtstart_line(raw, online) == "DTSTART:20301018T090000Z"
    cancelled = habitat["cancelled"].sessions[0]
    assert "STATUS:CANCELLED" in event_block(raw, cancelled.uid)
    # Quito and Turin: no single zone is claimed (it once was the alphabetically first).
    assert not [line for line in unfolded(raw) if line.startswith("X-WR-TIMEZONE")]


def test_the_host_event_feed_is_named_after_the_host_event(client, habitat):
    assert str(read(client.get(HOST_URL).data)["X-WR-CALNAME"]) == "Habitat III"
    assert str(read(client.get(HOST_URL + "?lang=es").data)["X-WR-CALNAME"]) == "Hábitat III"


def test_a_side_events_own_feed_holds_only_itself(client, habitat):
    raw = client.get("/courses/toolbox/calendar.ics").data
    assert uids(raw) == expected_uids(habitat["quito"])
    assert zones(raw) == {QUITO}


def test_a_side_event_change_moves_the_host_feeds_validators(client, habitat):
    before = client.get(HOST_URL)
    assert before.headers["Last-Modified"] == http_date(last_change(*habitat.values()))
    [session] = habitat["quito"].sessions
    session.title = "Presentation of the toolbox"
    session.updated_at = datetime.now(UTC) + timedelta(seconds=5)
    db.session.commit()

    stamp = before.headers["Last-Modified"]
    after = client.get(HOST_URL, headers={"If-Modified-Since": stamp})
    assert after.status_code == 200
    assert after.headers["Last-Modified"] == http_date(session.updated_at)
    assert after.headers["ETag"] != before.headers["ETag"]
    assert "SUMMARY:Presentation of the toolbox" in event_block(after.data, session.uid)
    again = client.get(HOST_URL, headers={"If-None-Match": after.headers["ETag"]})
    assert again.status_code == 304


# The personal feed ---------------------------------------------------------------------------


def test_the_personal_feed_holds_the_events_a_user_registered_for(client):
    quito = make_quito_venue()
    side = make_event(
        CourseKind.SIDE_EVENT,
        title="Toolbox presentation",
        start=date(2030, 10, 18),
        venue=quito,
    )
    add_session(side, "Presentation", date(2030, 10, 18), time(9), time(10, 30))
    webinar = make_event(
        CourseKind.WEBINAR, title="Data webinar", start=date(2030, 12, 2), online=True
    )
    add_session(webinar, "Webinar", date(2030, 12, 2), time(13), time(14))
    not_mine = make_event(CourseKind.PANEL, title="Panel", start=date(2030, 9, 1))
    add_session(not_mine, "Panel", date(2030, 9, 1), time(15), time(16))
    ana = make_user(name="Ana")
    make_registration(side, ana)
    make_registration(webinar, ana)
    make_registration(not_mine)
    _row, token = services.create_feed_token(ana, FeedKind.PERSONAL, "")
    db.session.commit()

    raw = client.get(f"/feeds/{token}.ics").data
    assert uids(raw) == expected_uids(side, webinar)
    assert zones(raw) == {QUITO}
    assert dtstart_line(raw, side.sessions[0]) == ("DTSTART;TZID=America/Guayaquil:20301018T090000")
    assert dtstart_line(raw, webinar.sessions[0]) == "DTSTART:20301202T130000Z"


def test_a_side_event_taken_back_to_draft_leaves_and_moves_the_date(client, habitat):
    before = client.get(HOST_URL)
    toolbox = habitat["quito"]
    toolbox.status = CourseStatus.DRAFT
    toolbox.updated_at = datetime.now(UTC) + timedelta(seconds=5)
    db.session.commit()

    after = client.get(HOST_URL, headers={"If-Modified-Since": before.headers["Last-Modified"]})
    assert after.status_code == 200
    assert after.headers["Last-Modified"] == http_date(toolbox.updated_at)
    others = [habitat[k] for k in ("conference", "online", "turin", "cancelled")]
    assert uids(after.data) == expected_uids(*others)


def test_a_course_taken_back_to_draft_leaves_the_programme_feed(client, programme):
    before = client.get(PROGRAMME_URL)
    webinar = programme["webinar"]
    webinar.status = CourseStatus.DRAFT
    webinar.updated_at = datetime.now(UTC) + timedelta(seconds=5)
    db.session.commit()

    stamp = before.headers["Last-Modified"]
    after = client.get(PROGRAMME_URL, headers={"If-Modified-Since": stamp})
    assert after.status_code == 200
    assert after.headers["Last-Modified"] == http_date(webinar.updated_at)
    others = [programme[k] for k in ("course", "side", "panel")]
    assert uids(after.data) == expected_uids(*others)
