"""The public .ics addresses: a course's feed and single-session downloads, over HTTP.

Every answer is read back with icalendar and with the strict ``ical`` parser; revalidation
(ETag, Last-Modified), HEAD and the plain-text errors are checked as a calendar app sees them.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar, Event
from werkzeug.http import http_date, parse_date

from app.accounts.models import Role
from app.courses.models import CourseStatus, CourseTranslation
from app.courses.services import set_course_status
from app.extensions import db
from app.feeds import routes as feed_routes
from app.followup.models import ActivityKind
from app.schedule.models import SessionKind
from app.schedule.services import SessionData, cancel_session, local_times, update_session
from tests.conftest import login
from tests.factories import make_course, make_user

from .conftest import ROME, add_activity, utc

CALENDAR_TYPE = "text/calendar; charset=utf-8"


def read(raw: bytes) -> Calendar:
    """The calendar as icalendar reads it, after the strict parser accepted it too."""
    strict = IcsCalendarStream.calendar_from_ics(raw.decode("utf-8"))
    cal = Calendar.from_ical(raw)
    assert len(strict.events) == len(cal.walk("VEVENT"))
    assert not cal.get_missing_tzids()
    return cal


def by_uid(cal: Calendar) -> dict[str, Event]:
    return {str(event["UID"]): event for event in cal.walk("VEVENT")}


def feed_url(course, **query: str) -> str:
    suffix = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/courses/{course.slug}/calendar.ics" + (f"?{suffix}" if suffix else "")


def latest_change(course) -> datetime:
    stamps = [course.updated_at]
    stamps += [s.updated_at for s in course.sessions]
    stamps += [a.updated_at for a in course.activities]
    return max(stamps)


def later(seconds: int) -> datetime:
    """A time safely after anything written so far (HTTP dates count whole seconds)."""
    return datetime.now(UTC) + timedelta(seconds=seconds)


@pytest.fixture
def published(course):
    db.session.commit()
    return course


def talks(course):
    return [s for s in course.sessions if not s.is_break]


# The course feed ---------------------------------------------------------------------------


def test_the_course_feed_is_a_calendar_with_validators(client, published):
    response = client.get(feed_url(published))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == CALENDAR_TYPE
    assert response.headers["Content-Disposition"] == f'inline; filename="{published.slug}.ics"'
    assert response.headers["Cache-Control"] == "public, max-age=900"
    assert "X-Robots-Tag" not in response.headers
    etag = response.headers["ETag"]
    assert not etag.startswith("W/")
    # The feed's version, not a hash of a freshly built body (a 304 builds nothing).
    assert re.fullmatch(r'"[0-9a-f]{40}"', etag)
    assert response.headers["Last-Modified"] == http_date(latest_change(published))
    read(response.data)


def test_events_are_the_timetable_at_venue_time_across_the_clock_change(client, published):
    add_activity(
        published,
        ActivityKind.WEBINAR,
        "Live Q&A",
        starts_at=utc(2017, 11, 14, 14),
        ends_at=utc(2017, 11, 14, 15),
    )
    db.session.commit()
    cal = read(client.get(feed_url(published)).data)
    events = by_uid(cal)
    rome = ZoneInfo(ROME)

    assert len(events) == len(talks(published)) + 1
    for session in talks(published):
        event = events[f"session-{session.uid}@atelier.test"]
        assert event["DTSTART"].params["TZID"] == ROME
        assert event["DTSTART"].dt == session.starts_at.astimezone(rome)
        assert event["DTEND"].dt == session.ends_at.astimezone(rome)
        assert str(event["SUMMARY"]) == session.title
    # The day starts at 09:00 in Turin every day: 07:00 UTC in summer time (Thursday to
    # Saturday), 08:00 UTC from Sunday 29 October.
    first_by_day: dict[date, datetime] = {}
    for event in events.values():
        start = event["DTSTART"].dt
        if isinstance(start, datetime) and "TZID" in event["DTSTART"].params:
            day = start.astimezone(rome).date()
            first_by_day[day] = min(first_by_day.get(day, start), start)
    assert sorted(first_by_day) == [date(2017, 10, d) for d in range(26, 31)]
    assert {start.astimezone(rome).time() for start in first_by_day.values()} == {time(9)}
    assert first_by_day[date(2017, 10, 27)].astimezone(UTC).hour == 7
    assert first_by_day[date(2017, 10, 29)].astimezone(UTC).hour == 8
    assert first_by_day[date(2017, 10, 30)].astimezone(UTC).hour == 8
    [zone] = cal.walk("VTIMEZONE")
    assert str(zone["TZID"]) == ROME


def test_the_strict_parser_reads_the_same_times(client, published):
    raw = client.get(feed_url(published)).data
    strict = IcsCalendarStream.calendar_from_ics(raw.decode("utf-8"))
    starts = {event.uid: event.dtstart for event in strict.events}
    for session in talks(published):
        assert starts[f"session-{session.uid}@atelier.test"] == session.starts_at


@pytest.mark.parametrize(
    ("query", "expected_title", "expected_kind"),
    [
        ({}, "Governing migration at the local level", "Plenary"),
        ({"lang": "fr"}, "Gouverner la migration au niveau local", "Plénière"),
        ({"lang": "es"}, "Governing migration at the local level", "Plenaria"),
        ({"lang": "xx"}, "Governing migration at the local level", "Plenary"),
    ],
)
def test_lang_picks_the_language_of_titles_and_labels(
    client, published, query, expected_title, expected_kind
):
    published.translations.append(
        CourseTranslation(locale="fr", title="Gouverner la migration au niveau local")
    )
    db.session.commit()
    cal = read(client.get(feed_url(published, **query)).data)
    assert str(cal["X-WR-CALNAME"]) == expected_title
    categories = {cat for e in cal.walk("VEVENT") for cat in e["CATEGORIES"].cats}
    assert expected_kind in categories


def test_without_lang_the_courses_own_language_is_used(client, published):
    published.translations.append(
        CourseTranslation(locale="fr", title="Gouverner la migration au niveau local")
    )
    published.default_locale = "fr"
    db.session.commit()
    cal = read(client.get(feed_url(published)).data)
    assert str(cal["X-WR-CALNAME"]) == "Gouverner la migration au niveau local"
    assert read(client.get(feed_url(published, lang="en")).data)["X-WR-CALNAME"] == (
        "Governing migration at the local level"
    )


def test_an_edit_keeps_the_uid_and_raises_the_sequence(client, published):
    session = talks(published)[1]
    uid = f"session-{session.uid}@atelier.test"
    before = client.get(feed_url(published))
    assert by_uid(read(before.data))[uid]["SEQUENCE"] == 0

    day, start, end = local_times(session)
    data = SessionData(
        title="Moved to the afternoon",
        day=day,
        start=time(start.hour + 5, start.minute),
        end=time(end.hour + 5, end.minute),
        kind=session.kind,
        room=session.room,
        module=session.module,
    )
    assert update_session(session, data, actor=None)
    db.session.commit()
    after = client.get(feed_url(published))

    event = by_uid(read(after.data))[uid]
    assert event["SEQUENCE"] == 1
    assert str(event["SUMMARY"]) == "Moved to the afternoon"
    assert event["DTSTART"].dt.astimezone(ZoneInfo(ROME)).hour == start.hour + 5
    assert after.headers["ETag"] != before.headers["ETag"]
    # No other event changed identity.
    assert set(by_uid(read(after.data))) == set(by_uid(read(before.data)))


def test_a_cancelled_session_stays_as_cancelled(client, published):
    session = talks(published)[2]
    assert cancel_session(session, actor=None)
    db.session.commit()
    event = by_uid(read(client.get(feed_url(published)).data))[
        f"session-{session.uid}@atelier.test"
    ]
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1


def test_a_cancelled_course_is_still_served_with_every_event_cancelled(client, published):
    set_course_status(published, CourseStatus.CANCELLED, actor=None)
    db.session.commit()
    response = client.get(feed_url(published))
    assert response.status_code == 200
    assert {str(e["STATUS"]) for e in read(response.data).walk("VEVENT")} == {"CANCELLED"}


# Revalidation and HEAD ---------------------------------------------------------------------


def test_a_matching_etag_gets_304_without_a_body(client, published):
    first = client.get(feed_url(published))
    again = client.get(feed_url(published), headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == "public, max-age=900"

    other = client.get(feed_url(published), headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    assert other.data == first.data


def test_if_modified_since_gets_304_until_something_changes(client, published):
    first = client.get(feed_url(published))
    stamp = first.headers["Last-Modified"]
    assert client.get(feed_url(published), headers={"If-Modified-Since": stamp}).status_code == 304
    older = http_date(parse_date(stamp) - timedelta(seconds=1))
    assert client.get(feed_url(published), headers={"If-Modified-Since": older}).status_code == 200

    session = talks(published)[0]
    session.description = "Bring your own case."
    session.updated_at = later(5)
    db.session.commit()
    changed = client.get(feed_url(published), headers={"If-Modified-Since": stamp})
    assert changed.status_code == 200
    assert changed.headers["Last-Modified"] == http_date(session.updated_at)
    assert "Bring your own case." in read(changed.data).walk("VEVENT")[0]["DESCRIPTION"]


def test_an_activity_change_moves_last_modified(client, published):
    activity = add_activity(
        published, ActivityKind.ASSIGNMENT, "Action plan", due_at=utc(2017, 12, 1, 16)
    )
    activity.updated_at = later(30)
    db.session.commit()
    response = client.get(feed_url(published))
    assert response.headers["Last-Modified"] == http_date(activity.updated_at)


def test_head_answers_the_headers_without_the_body(client, published):
    get = client.get(feed_url(published))
    head = client.head(feed_url(published))
    assert head.status_code == 200
    assert head.data == b""
    for name in ("Content-Type", "ETag", "Last-Modified", "Cache-Control", "Content-Disposition"):
        assert head.headers[name] == get.headers[name]
    assert int(head.headers["Content-Length"]) == len(get.data)
    conditional = client.head(feed_url(published), headers={"If-None-Match": get.headers["ETag"]})
    assert conditional.status_code == 304


def test_the_body_is_the_same_on_every_request(client, published):
    assert client.get(feed_url(published)).data == client.get(feed_url(published)).data


# What is not there -------------------------------------------------------------------------


def assert_plain_404(response) -> None:
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    assert b"<" not in response.data


def test_a_draft_course_has_no_feed_even_for_its_team(client):
    organiser = make_user(Role.ORGANISER)
    draft = make_course(status=CourseStatus.DRAFT, organisers=(organiser,))
    db.session.commit()
    assert_plain_404(client.get(feed_url(draft)))
    login(client, organiser)
    assert_plain_404(client.get(feed_url(draft)))
    assert_plain_404(client.head(feed_url(draft)))


def test_an_unknown_course_is_a_plain_404(client):
    assert_plain_404(client.get("/courses/no-such-course/calendar.ics"))


def test_an_error_while_building_is_plain_text_and_logged(client, published, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(feed_routes, "course_calendar", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get(feed_url(published))
    assert response.status_code == 500
    assert response.mimetype == "text/plain"
    assert b"<" not in response.data
    assert "Calendar feed feeds.course failed" in caplog.text


# Single-session downloads ------------------------------------------------------------------


def session_url(course, session) -> str:
    return f"/courses/{course.slug}/sessions/{session.id}.ics"


def test_a_session_downloads_as_an_attachment_with_the_feed_uid(client, published):
    session = talks(published)[0]
    response = client.get(session_url(published, session))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == CALENDAR_TYPE
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{published.slug}-{session.uid[:8]}.ics"'
    )
    assert response.headers["Cache-Control"] == "public, max-age=300"
    # A snapshot, not a feed: its ETag is the hash of its body.
    assert response.headers["ETag"] == f'"{hashlib.sha256(response.data).hexdigest()}"'
    [event] = read(response.data).walk("VEVENT")
    feed = by_uid(read(client.get(feed_url(published)).data))
    assert str(event["UID"]) in feed
    assert event["DTSTART"].dt == feed[str(event["UID"])]["DTSTART"].dt

    again = client.get(
        session_url(published, session), headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
    head = client.head(session_url(published, session))
    assert head.status_code == 200
    assert head.data == b""


def test_a_break_can_be_downloaded_in_the_courses_language(client, published):
    lunch = next(s for s in published.sessions if s.kind == SessionKind.LUNCH)
    response = client.get(session_url(published, lunch) + "?lang=fr")
    [event] = read(response.data).walk("VEVENT")
    assert event["CATEGORIES"].cats == ["Déjeuner"]


def test_a_session_of_another_course_is_404(client, published):
    other = make_course()
    db.session.commit()
    session = talks(published)[0]
    assert_plain_404(client.get(f"/courses/{other.slug}/sessions/{session.id}.ics"))
    assert_plain_404(client.get(f"/courses/{published.slug}/sessions/999999.ics"))


def test_a_session_of_a_draft_course_is_404(client, published):
    set_course_status(published, CourseStatus.DRAFT, actor=None)
    db.session.commit()
    assert_plain_404(client.get(session_url(published, talks(published)[0])))
