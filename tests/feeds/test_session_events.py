"""What a session's event tells a subscriber: where it is, what it is, in their language, and
a UID that stays the same. (Times and the feed around it are in test_calendars.py.)"""

from __future__ import annotations

from datetime import date, time

import pytest
import vobject
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar, Event

from app.courses.models import CourseKind, CourseTranslation
from app.extensions import db
from app.feeds.calendars import course_calendar, programme_calendar, session_calendar
from app.modules.models import ModuleTranslation
from app.schedule.models import CourseSession
from tests.factories import make_course
from tests.programmes.factories import make_event, make_programme, make_quito_venue

from .conftest import DST_WEEK_START, add_session


def event_of(raw: bytes, session: CourseSession) -> Event:
    uid = f"session-{session.uid}@atelier.test"
    [event] = [e for e in Calendar.from_ical(raw).walk("VEVENT") if str(e["UID"]) == uid]
    return event


def header(raw: bytes, name: str) -> str:
    """A calendar property as vobject reads it (icalendar leaves X- properties escaped)."""
    return vobject.readOne(raw.decode()).contents[name.lower()][0].value


def module_session(course) -> CourseSession:
    return next(s for s in course.sessions if s.module is not None)


# Where ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "city", "location"),
    [
        # The city is added when the address does not name it…
        (
            "Viale Maestri del Lavoro 10\n  10127 Torino  ",
            "Turin",
            "Room A, ITC-ILO campus, Viale Maestri del Lavoro 10, 10127 Torino, Turin",
        ),
        # …and not repeated when it does, whatever its case…
        (
            "Viale Maestri del Lavoro 10\n10127 TURIN",
            "Turin",
            "Room A, ITC-ILO campus, Viale Maestri del Lavoro 10, 10127 TURIN",
        ),
        # …but a street that only starts like the city does not name it.
        ("Corso Turinetti 4", "Turin", "Room A, ITC-ILO campus, Corso Turinetti 4, Turin"),
        # No city, nothing added.
        ("Corso Turinetti 4", "", "Room A, ITC-ILO campus, Corso Turinetti 4"),
    ],
)
def test_the_location_is_room_venue_address_lines_and_city(course, address, city, location):
    course.venue.address = address
    course.venue.city = city
    db.session.flush()
    session = module_session(course)
    event = event_of(course_calendar(course, locale="en"), session)
    assert str(event["LOCATION"]) == location
    # vobject stops at an unescaped comma: it reads the whole place too.
    [parsed] = [
        e
        for e in vobject.readOne(course_calendar(course, locale="en").decode()).vevent_list
        if e.uid.value == str(event["UID"])
    ]
    assert parsed.location.value == location


@pytest.mark.parametrize(("locale", "online"), [("en", "Online"), ("fr", "En ligne")])
def test_a_session_of_an_online_course_is_online_in_the_readers_language(locale, online):
    course = make_course(start=date(2019, 3, 25))
    course.is_online = True
    db.session.flush()
    session = add_session(course, "Kick-off", date(2019, 3, 25), time(9), time(10))
    event = event_of(course_calendar(course, locale=locale), session)
    assert str(event["LOCATION"]) == online


# What ----------------------------------------------------------------------------------------


def test_the_description_gives_kind_module_facilitators_notes_and_the_course(course):
    session = module_session(course)
    session.facilitators = "Ana Souza, Anna Souza"
    session.description = "Bring your city's data."
    db.session.flush()

    event = event_of(course_calendar(course, locale="en"), session)

    assert str(event["DESCRIPTION"]) == (
        "Kind: Plenary\n"
        "Module: T1 – Policy coherence\n"
        "Facilitators: Ana Souza, Anna Souza\n"
        "\n"
        "Bring your city's data.\n"
        "\n"
        "Governing migration at the local level\n"
        f"http://atelier.test/courses/{course.slug}"
    )
    assert event["CATEGORIES"].cats == ["Plenary", "T1"]


def test_a_french_subscriber_reads_the_description_in_french(course):
    course.translations.append(
        CourseTranslation(locale="fr", title="Gouverner la migration au niveau local")
    )
    session = module_session(course)
    session.module.translations.append(
        ModuleTranslation(locale="fr", title="Cohérence des politiques", summary="Résumé")
    )
    db.session.flush()

    event = event_of(course_calendar(course, locale="fr"), session)

    assert str(event["DESCRIPTION"]) == (
        "Type: Plénière\n"
        "Module: T1 – Cohérence des politiques\n"
        "\n"
        "Gouverner la migration au niveau local\n"
        f"http://atelier.test/courses/{course.slug}"
    )
    assert event["CATEGORIES"].cats == ["Plénière", "T1"]


# Which ---------------------------------------------------------------------------------------


def test_uids_keep_a_host_when_the_site_address_lacks_one(course, app, monkeypatch):
    """A SITE_URL typed without its scheme has no host: UIDs then end in @localhost, the same
    at every refresh, so subscribers do not see every event deleted and added again."""
    monkeypatch.setitem(app.config, "SITE_URL", "courses.example.org")
    session = module_session(course)
    first = Calendar.from_ical(course_calendar(course, locale="en"))
    again = Calendar.from_ical(session_calendar(session, locale="en"))

    uids = {str(e["UID"]) for e in first.walk("VEVENT")}
    assert f"session-{session.uid}@localhost" in uids
    assert all(uid.endswith("@localhost") for uid in uids)
    assert [str(e["UID"]) for e in again.walk("VEVENT")] == [f"session-{session.uid}@localhost"]


def test_each_event_of_a_programme_feed_links_to_its_own_course():
    programme = make_programme("joint")
    turin = make_event(
        CourseKind.COURSE, slug="turin", title="Turin course", start=date(2030, 11, 18)
    )
    quito = make_event(
        CourseKind.SIDE_EVENT,
        slug="quito",
        title="Toolbox presentation",
        start=date(2030, 10, 18),
        venue=make_quito_venue(),
    )
    opening = add_session(turin, "Opening", date(2030, 11, 18), time(9), time(10))
    toolbox = add_session(quito, "Presentation", date(2030, 10, 18), time(9), time(10))

    raw = programme_calendar(programme, [turin, quito], locale="en")

    for session, title, slug in (
        (opening, "Turin course", "turin"),
        (toolbox, "Toolbox presentation", "quito"),
    ):
        event = event_of(raw, session)
        assert str(event["URL"]) == f"http://atelier.test/courses/{slug}"
        assert str(event["DESCRIPTION"]).endswith(f"{title}\nhttp://atelier.test/courses/{slug}")


# Text as calendars can carry it ---------------------------------------------------------------


def test_windows_and_old_mac_line_breaks_each_read_as_one_line_break(course):
    session = add_session(
        course,
        "Opening\r\nand welcome",
        DST_WEEK_START,
        time(18),
        time(19),
        description="Bring:\r\n- your data\r- a map",
    )
    raw = course_calendar(course, locale="en")

    event = event_of(raw, session)
    assert str(event["SUMMARY"]) == "Opening\nand welcome"
    assert "\n\nBring:\n- your data\n- a map\n\n" in str(event["DESCRIPTION"])
    # No carriage return is left but the line ends.
    assert b"\r" not in raw.replace(b"\r\n", b"")


def test_control_characters_are_dropped_from_every_text(course):
    course.translations[0].title = "Governing\x1b[1m migration\x01"
    course.venue.name = "ITC-ILO\x7f campus"
    session = add_session(
        course,
        "Opening\x07 plenary",
        DST_WEEK_START,
        time(18),
        time(19),
        description="Notes\x0c here",
        facilitators="Ana\x85 Souza",
    )
    raw = course_calendar(course, locale="en")

    # The strict parser takes the whole feed.
    assert IcsCalendarStream.calendar_from_ics(raw.decode()).events
    cal = Calendar.from_ical(raw)
    assert header(raw, "X-WR-CALNAME") == "Governing[1m migration"
    event = event_of(raw, session)
    assert str(event["SUMMARY"]) == "Opening plenary"
    # No room for this one: the place starts with the venue.
    assert str(event["LOCATION"]) == "ITC-ILO campus, Viale Maestri del Lavoro 10, 10127 Turin"
    assert str(event["DESCRIPTION"]) == (
        "Kind: Plenary\n"
        "Facilitators: Ana Souza\n"
        "\n"
        "Notes here\n"
        "\n"
        "Governing[1m migration\n"
        f"http://atelier.test/courses/{course.slug}"
    )
    assert str(cal["DESCRIPTION"]).startswith("A five-day workshop.")


def test_parallel_sessions_are_listed_by_uid_whatever_order_they_were_added_in(course):
    """Same data, same bytes: two groups working at the same hour come out in UID order, not
    in the order the database happens to return them."""
    first = add_session(
        course,
        "Group work: cities",
        DST_WEEK_START,
        time(18),
        time(19),
        uid="ffffffff-0000-4000-8000-000000000001",
    )
    second = add_session(
        course,
        "Group work: regions",
        DST_WEEK_START,
        time(18),
        time(19),
        uid="00000000-0000-4000-8000-000000000002",
    )
    raw = course_calendar(course, locale="en")
    order = [str(e["UID"]) for e in Calendar.from_ical(raw).walk("VEVENT")]
    parallel = [uid for uid in order if uid.startswith(("session-ffff", "session-0000"))]
    assert parallel == [f"session-{second.uid}@atelier.test", f"session-{first.uid}@atelier.test"]
