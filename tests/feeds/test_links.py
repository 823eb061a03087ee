"""Add-to-calendar and subscribe links."""

from __future__ import annotations

from datetime import time
from urllib.parse import parse_qs, urlsplit

import pytest

from app.feeds.links import (
    google_calendar_link,
    google_subscribe_url,
    outlook_link,
    outlook_subscribe_url,
    webcal_url,
)
from app.followup.models import ActivityKind

from .conftest import DST_WEEK_START, add_activity, add_session, utc

TRICKY = "Q&A #1: cities + diaspora = 100% “ready”?"


def _query(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in query.values()), query
    return {name: values[0] for name, values in query.items()}


def test_google_link_for_a_session(course):
    # 18:00-19:30 in Turin on 26 October 2017 (summer time, UTC+2).
    session = add_session(course, TRICKY, DST_WEEK_START, time(18), time(19, 30))
    url = google_calendar_link(session, locale="en")

    assert url.startswith("https://calendar.google.com/calendar/render?")
    assert "dates=20171026T160000Z/20171026T173000Z" in url
    assert " " not in url and "+" not in url.split("?", 1)[1].replace("%2B", "")
    query = _query(url)
    assert query["action"] == "TEMPLATE"
    assert query["text"] == TRICKY
    assert query["dates"] == "20171026T160000Z/20171026T173000Z"
    assert query["location"].startswith("ITC-ILO campus, Viale")
    assert f"http://atelier.test/courses/{course.slug}" in query["details"]


def test_google_link_after_the_clock_change(course):
    # Monday 30 October is on winter time (UTC+1): 09:00 is 08:00Z.
    first = min((s for s in course.sessions if s.starts_at.day == 30), key=lambda s: s.starts_at)
    query = _query(google_calendar_link(first, locale="en"))
    assert query["dates"].startswith("20171030T080000Z/")


def test_google_link_for_an_all_day_discussion(course):
    discussion = add_activity(
        course, ActivityKind.DISCUSSION, "Lessons learnt", starts_at=utc(2017, 12, 4, 23, 30)
    )
    assert _query(google_calendar_link(discussion, locale="en"))["dates"] == "20171205/20171206"


def test_outlook_link_for_an_assignment(course):
    assignment = add_activity(
        course, ActivityKind.ASSIGNMENT, TRICKY, due_at=utc(2017, 12, 1, 16, 59)
    )
    url = outlook_link(assignment, locale="en")
    assert url.startswith("https://outlook.office.com/calendar/0/deeplink/compose?")
    query = _query(url)
    assert query["path"] == "/calendar/action/compose"
    assert query["rru"] == "addevent"
    assert query["subject"] == f"Deadline: {TRICKY}"
    assert query["startdt"] == "2017-12-01T16:44:00Z"
    assert query["enddt"] == "2017-12-01T16:59:00Z"
    assert "allday" not in query
    assert "startdt=2017-12-01T16%3A44%3A00Z" in url


def test_outlook_link_for_personal_accounts_and_all_day_items(course):
    discussion = add_activity(
        course, ActivityKind.DISCUSSION, "Lessons learnt", starts_at=utc(2017, 12, 5, 9)
    )
    url = outlook_link(discussion, locale="en", personal=True)
    assert url.startswith("https://outlook.live.com/calendar/0/deeplink/compose?")
    query = _query(url)
    assert (query["startdt"], query["enddt"], query["allday"]) == (
        "2017-12-05",
        "2017-12-06",
        "true",
    )


def test_items_without_a_time_have_no_link(course):
    undated = add_activity(course, ActivityKind.DISCUSSION, "Open forum")
    assert google_calendar_link(undated, locale="en") is None
    assert outlook_link(undated, locale="en") is None


def test_links_use_the_readers_language(course):
    assignment = add_activity(
        course, ActivityKind.ASSIGNMENT, "Plan", due_at=utc(2017, 12, 1, 16, 59)
    )
    query = _query(google_calendar_link(assignment, locale="fr"))
    assert "Devoir" in query["details"]  # the kind, "Assignment" in French


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://atelier.test/feeds/c.ics", "webcal://atelier.test/feeds/c.ics"),
        ("http://127.0.0.1:5000/feeds/c.ics?t=a", "webcal://127.0.0.1:5000/feeds/c.ics?t=a"),
        ("webcal://atelier.test/c.ics", "webcal://atelier.test/c.ics"),
    ],
)
def test_webcal_url(url, expected):
    assert webcal_url(url) == expected


def test_webcal_url_refuses_other_schemes():
    with pytest.raises(ValueError):
        webcal_url("javascript:alert(1)")


def test_google_subscribe_url_encodes_the_webcal_address():
    url = google_subscribe_url("https://atelier.test/feeds/c.ics?token=a&b=1")
    assert url == (
        "https://calendar.google.com/calendar/r?cid="
        "webcal%3A%2F%2Fatelier.test%2Ffeeds%2Fc.ics%3Ftoken%3Da%26b%3D1"
    )
    assert _query(url)["cid"] == "webcal://atelier.test/feeds/c.ics?token=a&b=1"


def test_outlook_subscribe_url():
    url = outlook_subscribe_url("https://atelier.test/feeds/c.ics?token=a&b=1", "Cours & co")
    assert url.startswith("https://outlook.office.com/calendar/0/addfromweb?")
    assert _query(url) == {
        "url": "https://atelier.test/feeds/c.ics?token=a&b=1",
        "name": "Cours & co",
    }
    personal = outlook_subscribe_url("https://atelier.test/c.ics", "X", personal=True)
    assert personal.startswith("https://outlook.live.com/calendar/0/addfromweb?")
