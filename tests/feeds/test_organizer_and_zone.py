"""Two things libical (Evolution) checks in every feed: each event has an ORGANIZER (RFC 5546
under METHOD:PUBLISH), and a calendar claims one zone (X-WR-TIMEZONE) only when all of its
timed events are in it, by the same rule in every feed."""

from __future__ import annotations

from datetime import date, time

import pytest
import vobject
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from app.accounts.models import Role
from app.courses.models import CourseKind, CourseTeamMember, TeamRole
from app.extensions import db
from app.feeds.calendars import (
    course_calendar,
    organiser_calendar,
    personal_calendar,
    programme_calendar,
    session_calendar,
)
from app.followup.models import ActivityKind
from tests.factories import make_registration, make_user
from tests.programmes.factories import (
    QUITO,
    ROME,
    add_session,
    make_event,
    make_programme,
    make_quito_venue,
)

from .conftest import add_activity, utc


def organizers(raw: bytes) -> list[tuple[str, str]]:
    """Each event's ORGANIZER as (CN, address), read by icalendar, vobject and ical alike."""
    found = [
        (str(e["ORGANIZER"].params["CN"]), str(e["ORGANIZER"]))
        for e in Calendar.from_ical(raw).walk("VEVENT")
    ]
    by_vobject = [
        (e.organizer.params["CN"][0], e.organizer.value)
        for e in vobject.readOne(raw.decode()).vevent_list
    ]
    strict = IcsCalendarStream.calendar_from_ics(raw.decode())
    assert [e.organizer.common_name for e in strict.events] == [cn for cn, _ in found]
    assert sorted(by_vobject) == sorted(found)
    return found


def x_timezone(raw: bytes) -> str | None:
    cal = vobject.readOne(raw.decode())
    found = cal.contents.get("x-wr-timezone")
    return found[0].value if found else None


@pytest.fixture
def habitat():
    """Habitat III in Quito with a side event in Turin and an online one, in a programme;
    Lucia organises all three, Ana takes part in all three."""
    programme = make_programme("joint")
    lucia = make_user(Role.ORGANISER, name="Lucia Rossi")
    ana = make_user(name="Ana Souza")
    host = make_event(
        CourseKind.CONFERENCE,
        title="Habitat III",
        start=date(2030, 10, 17),
        venue=make_quito_venue(),
        programme=programme,
        days=4,
    )
    add_session(host, "Opening", date(2030, 10, 17), time(10), time(12))
    turin = make_event(
        CourseKind.SIDE_EVENT, title="Turin hub", start=date(2030, 10, 18), host=host
    )
    turin.programme = programme
    add_session(turin, "Hub", date(2030, 10, 18), time(9), time(10))
    online = make_event(
        CourseKind.WEBINAR, title="Online", start=date(2030, 10, 19), online=True, host=host
    )
    add_session(online, "Webinar", date(2030, 10, 19), time(13), time(14))
    for course in (host, turin, online):
        db.session.add(CourseTeamMember(course=course, user=lucia, role=TeamRole.ORGANISER))
        make_registration(course, ana)
    db.session.flush()
    return {
        "host": host,
        "turin": turin,
        "online": online,
        "lucia": lucia,
        "ana": ana,
        "p": programme,
    }


def test_every_event_of_every_feed_has_an_organizer(habitat):
    host, turin = habitat["host"], habitat["turin"]
    host.contact_name, host.contact_email = "Rossi, Lucia", "l.rossi@itcilo.example.org"
    add_activity(host, ActivityKind.ASSIGNMENT, "Report", due_at=utc(2030, 11, 1, 16))
    db.session.flush()
    feeds = [
        course_calendar(host, locale="en", side_events=[turin, habitat["online"]]),
        personal_calendar(habitat["ana"]),
        organiser_calendar(habitat["lucia"]),
        programme_calendar(habitat["p"], [host, turin], locale="en"),
        session_calendar(host.sessions[0], locale="en"),
    ]
    for raw in feeds:
        found = organizers(raw)
        assert len(found) == len(Calendar.from_ical(raw).walk("VEVENT")) > 0
        # The contact where the course has one (a comma in the name is quoted, not split)…
        assert ("Rossi, Lucia", "mailto:l.rossi@itcilo.example.org") in found
    # … else the site, from its sender address.
    side = organizers(course_calendar(turin, locale="en"))
    assert set(side) == {("Atelier", "mailto:no-reply@atelier.example.org")}


def test_an_organizer_name_without_an_address_keeps_the_sites_address(habitat):
    turin = habitat["turin"]
    turin.contact_name, turin.contact_email = "Marija Novak", "not an address"
    assert set(organizers(course_calendar(turin, locale="en"))) == {
        ("Marija Novak", "mailto:no-reply@atelier.example.org")
    }


def test_one_zone_rule_in_every_feed(habitat):
    host, turin, online = habitat["host"], habitat["turin"], habitat["online"]
    # Quito, Turin and UTC: no single zone, whichever feed gathers them.
    assert x_timezone(course_calendar(host, locale="en", side_events=[turin, online])) is None
    assert x_timezone(organiser_calendar(habitat["lucia"])) is None
    assert x_timezone(personal_calendar(habitat["ana"])) is None
    assert x_timezone(programme_calendar(habitat["p"], [host, turin], locale="en")) is None
    # One zone (UTC times beside it are absolute and do not count against it).
    assert x_timezone(course_calendar(host, locale="en", side_events=[online])) == QUITO
    assert x_timezone(programme_calendar(habitat["p"], [turin, online], locale="en")) == ROME
    assert x_timezone(session_calendar(turin.sessions[0], locale="en")) == ROME
    # Only UTC: UTC; nothing to place: none.
    assert x_timezone(course_calendar(online, locale="en")) == "UTC"
    assert x_timezone(personal_calendar(make_user(name="Anna Sousa"))) is None


def test_an_organizer_name_is_one_line_without_double_quotes(habitat):
    turin = habitat["turin"]
    turin.contact_name = 'Marija "Maja"\r\nNovak\x1b'
    assert set(organizers(course_calendar(turin, locale="en"))) == {
        ("Marija 'Maja' Novak", "mailto:no-reply@atelier.example.org")
    }
