"""Personal and organiser feeds: what each holds, for whom, in which language, over HTTP."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar, Event
from werkzeug.http import http_date

from app.accounts.models import Role
from app.courses.models import Course, CourseStatus, CourseTranslation
from app.extensions import db
from app.feeds import services
from app.feeds.calendars import (
    organiser_calendar,
    personal_calendar,
    session_event,
    tentative_event,
)
from app.feeds.models import FeedKind
from app.followup.models import ActivityKind
from app.registration.models import RegistrationStatus
from app.schedule.proposal import propose_timetable
from tests.factories import make_course, make_registration, make_user, make_venue

from .conftest import add_activity, add_session, utc

ACTIVE_STATUSES = {"CONFIRMED", "TENTATIVE", "CANCELLED"}


def read(raw: bytes) -> Calendar:
    """icalendar's reading, after the strict parser accepted the same bytes."""
    strict = IcsCalendarStream.calendar_from_ics(raw.decode("utf-8"))
    cal = Calendar.from_ical(raw)
    assert len(strict.events) == len(cal.walk("VEVENT"))
    assert not cal.get_missing_tzids()
    return cal


def uids(raw: bytes) -> set[str]:
    return {str(e["UID"]) for e in read(raw).walk("VEVENT")}


def course_uids(course: Course) -> set[str]:
    found = {f"session-{s.uid}@atelier.test" for s in course.sessions if not s.is_break}
    found |= {f"activity-{a.uid}@atelier.test" for a in course.activities}
    return found


def statuses(raw: bytes) -> dict[str, str]:
    return {str(e["UID"]): str(e["STATUS"]) for e in read(raw).walk("VEVENT")}


def timetabled(*, venue_zone: str = "Europe/Rome", **fields) -> Course:
    course = make_course(venue=make_venue(venue_zone), **fields)
    propose_timetable(course, room=course.venue.rooms[0])
    db.session.flush()
    return course


def link(user, kind: FeedKind = FeedKind.PERSONAL) -> str:
    _row, raw = services.create_feed_token(user, kind, "")
    db.session.commit()
    return f"/feeds/{raw}.ics"


# The personal feed -------------------------------------------------------------------------


def test_each_person_sees_only_their_own_courses(client):
    ana, ben = make_user(name="Ana"), make_user(name="Ben")
    anas, bens = timetabled(), timetabled()
    add_activity(anas, ActivityKind.ASSIGNMENT, "Action plan", due_at=utc(2017, 12, 1, 16))
    make_registration(anas, ana)
    make_registration(bens, ben)

    ana_feed = client.get(link(ana))
    ben_feed = client.get(link(ben))

    assert ana_feed.status_code == ben_feed.status_code == 200
    assert uids(ana_feed.data) == course_uids(anas)
    assert uids(ben_feed.data) == course_uids(bens)
    assert not uids(ana_feed.data) & uids(ben_feed.data)
    assert str(read(ana_feed.data)["X-WR-CALNAME"]) == "Atelier – Ana"
    assert set(statuses(ana_feed.data).values()) == {"CONFIRMED"}


def test_applications_not_decided_yet_are_tentative_and_closed_ones_absent():
    user = make_user()
    confirmed, waitlisted, submitted, cancelled, rejected = (timetabled() for _ in range(5))
    make_registration(confirmed, user)
    make_registration(waitlisted, user, status=RegistrationStatus.WAITLISTED)
    make_registration(submitted, user, status=RegistrationStatus.SUBMITTED)
    make_registration(cancelled, user, status=RegistrationStatus.CANCELLED)
    make_registration(rejected, user, status=RegistrationStatus.REJECTED)

    raw = personal_calendar(user)
    found = statuses(raw)

    assert set(found) == course_uids(confirmed) | course_uids(waitlisted) | course_uids(submitted)
    assert {found[uid] for uid in course_uids(confirmed)} == {"CONFIRMED"}
    assert {found[uid] for uid in course_uids(waitlisted) | course_uids(submitted)} == {"TENTATIVE"}
    # Titles are unchanged by the tentative mark.
    titles = {str(e["SUMMARY"]) for e in read(raw).walk("VEVENT")}
    assert {s.title for s in waitlisted.sessions if not s.is_break} <= titles


def test_a_cancelled_session_of_a_waitlisted_course_stays_cancelled():
    user = make_user()
    course = timetabled()
    session = next(s for s in course.sessions if not s.is_break)
    session.status = session.status.CANCELLED
    make_registration(course, user, status=RegistrationStatus.WAITLISTED)
    found = statuses(personal_calendar(user))
    assert found[f"session-{session.uid}@atelier.test"] == "CANCELLED"
    assert set(found.values()) == {"TENTATIVE", "CANCELLED"}


def test_a_draft_course_is_left_out_of_participants_feeds():
    user = make_user()
    make_registration(timetabled(status=CourseStatus.DRAFT), user)
    assert uids(personal_calendar(user)) == set()


def test_cancelling_the_registration_drops_the_course_and_moves_last_modified(client):
    user = make_user()
    course = timetabled()
    registration = make_registration(course, user)
    path = link(user)
    first = client.get(path)
    assert uids(first.data) == course_uids(course)

    registration.status = RegistrationStatus.CANCELLED
    registration.updated_at = datetime.now(UTC) + timedelta(seconds=30)
    db.session.commit()
    after = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})

    assert after.status_code == 200
    assert uids(after.data) == set()
    assert after.headers["Last-Modified"] == http_date(registration.updated_at)


def test_a_confirmed_place_turns_tentative_events_confirmed(client):
    user = make_user()
    course = timetabled()
    registration = make_registration(course, user, status=RegistrationStatus.WAITLISTED)
    path = link(user)
    before = client.get(path)
    assert set(statuses(before.data).values()) == {"TENTATIVE"}

    registration.status = RegistrationStatus.CONFIRMED
    registration.updated_at = datetime.now(UTC) + timedelta(seconds=30)
    db.session.commit()
    after = client.get(path, headers={"If-None-Match": before.headers["ETag"]})

    assert after.status_code == 200
    assert set(statuses(after.data).values()) == {"CONFIRMED"}
    stamps = {e["DTSTAMP"].dt for e in read(after.data).walk("VEVENT")}
    assert stamps == {registration.updated_at.replace(microsecond=0)}


def test_the_feed_speaks_the_users_language_where_there_is_a_translation():
    user = make_user(name="Ana", locale="fr")
    french = timetabled(title="Governing migration")
    french.translations.append(CourseTranslation(locale="fr", title="Gouverner la migration"))
    english_only = timetabled(title="Urban resilience")
    make_registration(french, user)
    make_registration(english_only, user)
    db.session.flush()

    events = read(personal_calendar(user)).walk("VEVENT")
    descriptions = " ".join(str(e["DESCRIPTION"]) for e in events)
    assert "Gouverner la migration" in descriptions
    assert "Urban resilience" in descriptions  # no French text: the course's own
    assert "Governing migration\n" not in descriptions
    assert "Plénière" in {cat for e in events for cat in e["CATEGORIES"].cats}


def test_every_zone_used_has_its_vtimezone():
    user = make_user()
    make_registration(timetabled(venue_zone="Europe/Rome"), user)
    make_registration(timetabled(venue_zone="America/Guatemala", start=date(2018, 3, 5)), user)
    online = timetabled(venue_zone="Asia/Bangkok")
    online.sessions.clear()
    add_activity(
        online, ActivityKind.WEBINAR, "Kick-off", starts_at=utc(2018, 1, 8, 9), ends_at=None
    )
    make_registration(online, user)

    cal = read(personal_calendar(user))
    zones = {str(zone["TZID"]) for zone in cal.walk("VTIMEZONE")}
    assert zones == {"Europe/Rome", "America/Guatemala"}
    used = {
        e["DTSTART"].params["TZID"] for e in cal.walk("VEVENT") if "TZID" in e["DTSTART"].params
    }
    assert used == zones
    webinar = next(e for e in cal.walk("VEVENT") if str(e["SUMMARY"]) == "Kick-off")
    assert webinar["DTSTART"].dt == utc(2018, 1, 8, 9)


def test_someone_with_no_courses_gets_an_empty_valid_calendar(client):
    user = make_user()
    response = client.get(link(user))
    assert response.status_code == 200
    cal = read(response.data)
    assert cal.walk("VEVENT") == []
    assert "Last-Modified" not in response.headers


def test_the_tentative_copy_leaves_the_event_alone():
    course = timetabled()
    session = next(s for s in course.sessions if not s.is_break)
    event = session_event(session, "en")
    original = event.to_ical()

    marked = tentative_event(event, changed_at=datetime.now(UTC) + timedelta(days=1))

    assert event.to_ical() == original
    assert str(marked["STATUS"]) == "TENTATIVE"
    assert marked["SUMMARY"] == event["SUMMARY"]
    assert marked["UID"] == event["UID"]
    assert marked["SEQUENCE"] == event["SEQUENCE"]
    assert marked.DTSTAMP > event.DTSTAMP
    assert isinstance(marked, Event)


# HTTP of private feeds ---------------------------------------------------------------------


def test_private_feeds_are_private_and_revalidate(client):
    user = make_user()
    course = timetabled()
    registration = make_registration(course, user)
    path = link(user)
    response = client.get(path)

    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, max-age=300"
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert response.headers["Content-Disposition"] == 'inline; filename="personal.ics"'
    # The feed's version, not a hash of a freshly built body (a 304 builds nothing).
    assert re.fullmatch(r'"[0-9a-f]{40}"', response.headers["ETag"])
    stamps = [course.updated_at, registration.updated_at]
    stamps += [s.updated_at for s in course.sessions]
    assert response.headers["Last-Modified"] == http_date(max(stamps))

    etag = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
    assert etag.status_code == 304
    assert etag.data == b""
    since = client.get(path, headers={"If-Modified-Since": response.headers["Last-Modified"]})
    assert since.status_code == 304
    head = client.head(path)
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["ETag"] == response.headers["ETag"]


# The organiser feed ------------------------------------------------------------------------


def test_the_organiser_feed_holds_the_teams_courses_drafts_included(client):
    organiser = make_user(Role.ORGANISER, locale="en")
    runs = timetabled(organisers=(organiser,))
    draft = timetabled(organisers=(organiser,), status=CourseStatus.DRAFT)
    facilitates = timetabled(facilitators=(organiser,))
    cancelled = timetabled(organisers=(organiser,), status=CourseStatus.CANCELLED)
    others = timetabled(organisers=(make_user(Role.ORGANISER),))
    # A course they take part in is for the personal feed, not this one.
    make_registration(timetabled(), organiser)

    response = client.get(link(organiser, FeedKind.ORGANISER))

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, max-age=300"
    assert response.headers["Content-Disposition"] == 'inline; filename="organiser.ics"'
    cal = read(response.data)
    assert str(cal["X-WR-CALNAME"]) == "Courses I run"
    found = statuses(response.data)
    assert set(found) == (
        course_uids(runs) | course_uids(draft) | course_uids(facilitates) | course_uids(cancelled)
    )
    assert not set(found) & course_uids(others)
    assert {found[uid] for uid in course_uids(runs) | course_uids(facilitates)} == {"CONFIRMED"}
    assert {found[uid] for uid in course_uids(draft)} == {"TENTATIVE"}
    assert {found[uid] for uid in course_uids(cancelled)} == {"CANCELLED"}


def test_the_organiser_feeds_name_is_translated():
    organiser = make_user(Role.ORGANISER, locale="fr")
    timetabled(organisers=(organiser,))
    name = str(read(organiser_calendar(organiser))["X-WR-CALNAME"])
    assert name != "Courses I run"
    assert name == services.feed_name(
        services.create_feed_token(organiser, FeedKind.ORGANISER, "")[0]
    )


def test_a_course_in_both_feeds_keeps_its_uids():
    user = make_user(Role.ORGANISER)
    course = timetabled(organisers=(user,))
    add_session(course, "Evening reception", course.start_date, time(19), time(21))
    make_registration(course, user)
    assert uids(personal_calendar(user)) == uids(organiser_calendar(user)) == course_uids(course)


@pytest.mark.parametrize("courses", [1, 4])
def test_the_feed_takes_a_fixed_number_of_queries(courses, app):
    """Loading everything a personal feed shows costs the same queries for 1 or 4 courses."""
    import sqlalchemy as sa

    user = make_user()
    for _ in range(courses):
        course = timetabled()
        add_activity(course, ActivityKind.ASSIGNMENT, "Plan", due_at=utc(2017, 12, 1, 16))
        make_registration(course, user)
    db.session.commit()
    db.session.expire_all()

    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        personal_calendar(user)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 10, statements
