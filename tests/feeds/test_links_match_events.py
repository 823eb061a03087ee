"""One-event links are built from the items' fields, not from icalendar objects: they must
still say exactly what the item's VEVENT says (summary, times, place, description)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from urllib.parse import parse_qs, urlsplit

import pytest

from app.courses.models import CourseStatus, RegistrationMode
from app.feeds.calendars import activity_event, session_event
from app.feeds.links import activity_text, session_links, session_text
from app.followup.models import ActivityKind

from .conftest import DST_WEEK_START, add_activity, add_session, utc

TRICKY = "Q&A; cities, diaspora \\ “ready”?\x07"


def _as_utc(value):
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def _event_text(event):
    return (
        str(event["SUMMARY"]),
        _as_utc(event["DTSTART"].dt),
        _as_utc(event["DTEND"].dt),
        str(event.get("LOCATION", "")),
        str(event["DESCRIPTION"]),
    )


def _link_text(text):
    return (text.summary, text.start, text.end, text.location, text.details)


@pytest.mark.parametrize("locale", ["en", "fr", "es"])
def test_a_session_link_says_what_its_event_says(app, course, locale):
    module = course.focuses[0].module
    session = add_session(
        course,
        TRICKY,
        DST_WEEK_START,
        time(18),
        time(19, 30),
        module=module,
        room=course.venue.rooms[0],
        facilitators="Ana Souza, Ben Okafor",
        description="Cases from three cities.\r\nThen group work.",
    )
    with app.test_request_context("/"):
        assert _link_text(session_text(session, locale)) == _event_text(
            session_event(session, locale)
        )


def test_every_session_of_a_cancelled_online_course(app, course):
    course.status = CourseStatus.CANCELLED
    course.is_online = True
    with app.test_request_context("/"):
        for session in course.sessions:
            text = session_text(session, "fr")
            assert _link_text(text) == _event_text(session_event(session, "fr"))
            assert text.summary.startswith("Annulé")


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        (ActivityKind.WEBINAR, {"starts_at": utc(2017, 12, 4, 14)}),
        (
            ActivityKind.WEBINAR,
            {"starts_at": utc(2017, 12, 4, 14), "ends_at": utc(2017, 12, 4, 16)},
        ),
        (ActivityKind.ASSIGNMENT, {"due_at": utc(2017, 12, 1, 16, 59)}),
        (ActivityKind.DISCUSSION, {"starts_at": utc(2017, 12, 4, 23, 30)}),
    ],
)
@pytest.mark.parametrize("mode", [RegistrationMode.FULL, RegistrationMode.NONE])
def test_an_activity_link_says_what_its_public_event_says(app, course, kind, fields, mode):
    course.registration_mode = mode
    activity = add_activity(
        course,
        kind,
        TRICKY,
        link="https://meet.example.org/atelier",
        description="Bring a plan.",
        **fields,
    )
    with app.test_request_context("/"):
        for locale in ("en", "es"):
            assert _link_text(activity_text(activity, locale)) == _event_text(
                activity_event(activity, locale)
            )


def test_the_page_links_in_another_language_than_the_page(app, course):
    sessions = [s for s in course.sessions if not s.is_break]
    with app.test_request_context("/"):  # an English page, French links
        links = session_links(sessions, locale="fr")
        for session in sessions:
            query = parse_qs(urlsplit(links[session.id]["google"]).query)
            details = str(session_event(session, "fr")["DESCRIPTION"])
            assert details.startswith("Type: ")  # "Kind" in French
            assert query["details"] == [details]
            assert query["text"] == [session.title]
