"""Follow-up activities as calendar events: the hour a webinar fills, the day a discussion
opens at the venue, and the join link a subscriber clicks, as independent parsers read them.
(Their place in the course feed is in test_calendars.py.)"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import vobject
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar, Event

from app.core.timeutil import local_to_utc
from app.courses.models import Course, CourseTranslation
from app.feeds.calendars import course_calendar
from app.followup.models import ActivityKind, FollowupActivity
from tests.conftest import NUL_STORABLE

from .conftest import ROME, add_activity, event_block, utc


def feed_event(raw: bytes, activity: FollowupActivity) -> Event:
    """The activity's event as icalendar reads it, after the strict parser took the feed."""
    IcsCalendarStream.calendar_from_ics(raw.decode("utf-8"))
    uid = f"activity-{activity.uid}@atelier.test"
    [event] = [e for e in Calendar.from_ical(raw).walk("VEVENT") if str(e["UID"]) == uid]
    return event


def strict_event(raw: bytes, activity: FollowupActivity):
    calendar = IcsCalendarStream.calendar_from_ics(raw.decode("utf-8"))
    [event] = [e for e in calendar.events if e.uid == f"activity-{activity.uid}@atelier.test"]
    return event


def page(course: Course) -> str:
    return f"http://atelier.test/courses/{course.slug}"


# Webinars ------------------------------------------------------------------------------------


def test_a_webinar_stored_without_an_end_lasts_an_hour(course):
    webinar = add_activity(
        course, ActivityKind.WEBINAR, "Live Q&A", starts_at=utc(2017, 11, 14, 14), ends_at=None
    )
    raw = course_calendar(course, locale="en", with_links=True)

    assert "DTSTART:20171114T140000Z" in event_block(raw, webinar.uid)
    assert "DTEND:20171114T150000Z" in event_block(raw, webinar.uid)
    strict = strict_event(raw, webinar)
    assert strict.end - strict.start == timedelta(hours=1)


def test_a_webinar_without_a_start_is_left_out(course):
    webinar = add_activity(course, ActivityKind.WEBINAR, "Live Q&A, date to follow")
    deadline = add_activity(course, ActivityKind.ASSIGNMENT, "Action plan, date to follow")
    raw = course_calendar(course, locale="en", with_links=True)
    assert webinar.uid.encode() not in raw
    assert deadline.uid.encode() not in raw


def test_the_join_link_is_the_webinars_address_and_is_in_its_description(course):
    link = "https://meet.example.org/atelier?room=1&pin=2"
    webinar = add_activity(
        course,
        ActivityKind.WEBINAR,
        "Live Q&A",
        description="Bring one question.",
        starts_at=utc(2017, 11, 14, 14),
        ends_at=utc(2017, 11, 14, 15),
        link=link,
    )
    raw = course_calendar(course, locale="en", with_links=True)

    event = feed_event(raw, webinar)
    assert str(event["URL"]) == link
    assert str(event["DESCRIPTION"]) == (
        f"Webinar\n\nBring one question.\n\nJoin link: {link}\n\n"
        f"Governing migration at the local level\n{page(course)}"
    )
    assert event["CATEGORIES"].cats == ["Webinar"]
    # vobject cuts text at an unescaped comma or semicolon: it reads the same description.
    [parsed] = [
        e for e in vobject.readOne(raw.decode()).vevent_list if e.uid.value == str(event["UID"])
    ]
    assert parsed.description.value == str(event["DESCRIPTION"])


def test_a_french_subscriber_reads_the_webinar_in_french(course):
    course.translations.append(
        CourseTranslation(locale="fr", title="Gouverner la migration au niveau local")
    )
    link = "https://meet.example.org/atelier"
    webinar = add_activity(
        course,
        ActivityKind.WEBINAR,
        "Live Q&A",
        starts_at=utc(2017, 11, 14, 14),
        ends_at=utc(2017, 11, 14, 15),
        link=link,
    )
    event = feed_event(course_calendar(course, locale="fr", with_links=True), webinar)
    assert str(event["DESCRIPTION"]) == (
        f"Webinaire\n\nRejoindre: {link}\n\nGouverner la migration au niveau local\n{page(course)}"
    )
    assert event["CATEGORIES"].cats == ["Webinaire"]


@pytest.mark.parametrize(
    "link",
    [
        "https://meet.example.org/j/42\x1b[31m",  # an escape code pasted from a terminal
        pytest.param("https://meet.example.org/j/42\x00", marks=NUL_STORABLE),
        "https://meet.example.org/j/42\x7f",
        "https://meet.example.org/j/42\x85",  # C1 "next line"
        "https://meet.example.org/j/42 pin 7",
        "https://meet.example.org/j/42\tpin",
        "https://meet.example.org/j/42\npin",
        "https://meet.example.org/j/42\u00a0pin",  # a no-break space from a word processor
        "https://meet.example.org/j/42\u2028",
    ],
)
def test_a_join_link_unfit_for_an_address_leaves_the_course_page_as_the_url(course, link):
    webinar = add_activity(
        course,
        ActivityKind.WEBINAR,
        "Live Q&A",
        starts_at=utc(2017, 11, 14, 14),
        ends_at=utc(2017, 11, 14, 15),
        link=link,
    )
    raw = course_calendar(course, locale="en", with_links=True)

    # Every parser still reads the whole feed, and the event points to the course page.
    event = feed_event(raw, webinar)
    assert str(event["URL"]) == page(course)
    assert str(strict_event(raw, webinar).url) == page(course)
    assert "Join link: https://meet.example.org/j/42" in str(event["DESCRIPTION"])
    # Tabs and line breaks are text; other control characters are dropped.
    assert not any(ord(c) < 32 and c not in "\t\n" for c in str(event["DESCRIPTION"]))


# Assignments and discussions -----------------------------------------------------------------


def test_an_assignment_with_a_link_points_to_the_course_page(course):
    link = "https://forms.example.org/action-plan"
    assignment = add_activity(
        course,
        ActivityKind.ASSIGNMENT,
        "Action plan",
        due_at=utc(2017, 12, 1, 16, 59),
        link=link,
    )
    event = feed_event(course_calendar(course, locale="en", with_links=True), assignment)

    assert str(event["URL"]) == page(course)
    assert str(event["SUMMARY"]) == "Deadline: Action plan"
    assert str(event["DESCRIPTION"]) == (
        f"Assignment\n\nLink: {link}\n\nGoverning migration at the local level\n{page(course)}"
    )
    assert event["CATEGORIES"].cats == ["Assignment"]


def test_a_french_subscriber_reads_the_deadline_in_french(course):
    assignment = add_activity(
        course,
        ActivityKind.ASSIGNMENT,
        "Action plan",
        due_at=utc(2017, 12, 1, 16, 59),
        link="https://forms.example.org/action-plan",
    )
    event = feed_event(course_calendar(course, locale="fr", with_links=True), assignment)
    assert str(event["SUMMARY"]) == "Échéance\u00a0: Action plan"
    assert str(event["DESCRIPTION"]).startswith(
        "Devoir\n\nLien: https://forms.example.org/action-plan\n\n"
    )


def test_an_activity_without_a_link_or_description_has_no_empty_lines(course):
    discussion = add_activity(
        course, ActivityKind.DISCUSSION, "Lessons learnt", starts_at=utc(2017, 12, 4, 9)
    )
    event = feed_event(course_calendar(course, locale="en", with_links=True), discussion)
    assert str(event["DESCRIPTION"]) == (
        f"Discussion\n\nGoverning migration at the local level\n{page(course)}"
    )
    assert str(event["URL"]) == page(course)


def at_rome(day: date, at: time) -> datetime:
    return local_to_utc(day, at, ROME)


@pytest.mark.parametrize(
    ("opens", "day"),
    [
        # Midnight in Turin is still the day before in UTC (and midday in Auckland).
        (at_rome(date(2017, 12, 5), time(0, 0)), date(2017, 12, 5)),
        (at_rome(date(2017, 12, 5), time(0, 0)) - timedelta(seconds=1), date(2017, 12, 4)),
        # The night the clocks go back: midnight is 22:00 UTC on the Saturday.
        (at_rome(date(2017, 10, 29), time(0, 0)), date(2017, 10, 29)),
        (at_rome(date(2017, 10, 29), time(0, 0)) - timedelta(seconds=1), date(2017, 10, 28)),
        (at_rome(date(2017, 10, 29), time(23, 59, 59)), date(2017, 10, 29)),
    ],
)
def test_a_discussion_is_on_the_venues_date_it_opens(course, opens, day):
    discussion = add_activity(course, ActivityKind.DISCUSSION, "Lessons learnt", starts_at=opens)
    raw = course_calendar(course, locale="en", with_links=True)

    block = event_block(raw, discussion.uid)
    assert f"DTSTART;VALUE=DATE:{day:%Y%m%d}" in block
    # The end of an all-day event is exclusive: the next day.
    assert f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}" in block
    assert strict_event(raw, discussion).dtstart == day


def test_an_all_day_discussion_is_listed_where_its_day_begins(course):
    """Events are written in order of start: an all-day item at the start of its date, so
    the same data always gives the same file whatever the machine's zone."""
    evening_before = add_activity(
        course,
        ActivityKind.WEBINAR,
        "Evening webinar",
        starts_at=utc(2017, 12, 4, 20),
        ends_at=utc(2017, 12, 4, 21),
    )
    discussion = add_activity(
        course, ActivityKind.DISCUSSION, "Lessons learnt", starts_at=utc(2017, 12, 5, 8)
    )
    first_thing = add_activity(
        course,
        ActivityKind.WEBINAR,
        "Early webinar",
        starts_at=utc(2017, 12, 5, 0, 30),
        ends_at=utc(2017, 12, 5, 1, 30),
    )
    raw = course_calendar(course, locale="en", with_links=True)

    order = [str(e["UID"]) for e in Calendar.from_ical(raw).walk("VEVENT")]
    expected = [f"activity-{a.uid}@atelier.test" for a in (evening_before, discussion, first_thing)]
    assert [uid for uid in order if uid in expected] == expected
