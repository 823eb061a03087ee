"""What a session's event tells a subscriber: where it is, what it is, in their language, and
a UID that stays the same. (Times and the feed around it are in test_calendars.py.)"""

from __future__ import annotations

from datetime import date, time

import pytest
import vobject
from icalendar import Calendar, Event

from app.courses.models import CourseTranslation
from app.extensions import db
from app.feeds.calendars import course_calendar, session_calendar
from app.modules.models import ModuleTranslation
from app.schedule.models import CourseSession
from tests.factories import make_course

from .conftest import add_session


def event_of(raw: bytes, session: CourseSession) -> Event:
    uid = f"session-{session.uid}@atelier.test"
    [event] = [e for e in Calendar.from_ical(raw).walk("VEVENT") if str(e["UID"]) == uid]
    return event


def module_session(course) -> CourseSession:
    return next(s for s in course.sessions if s.module is not None)


# Where ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "location"),
    [
        # The city is added when the address does not name it…
        (
            "Viale Maestri del Lavoro 10\n  10127 Torino  ",
            "Room A, ITC-ILO campus, Viale Maestri del Lavoro 10, 10127 Torino, Turin",
        ),
        # …and not repeated when it does, whatever its case.
        (
            "Viale Maestri del Lavoro 10\n10127 TURIN",
            "Room A, ITC-ILO campus, Viale Maestri del Lavoro 10, 10127 TURIN",
        ),
    ],
)
def test_the_location_is_room_venue_address_lines_and_city(course, address, location):
    course.venue.address = address
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
