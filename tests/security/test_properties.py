"""Arbitrary input to every form that stores something, and to the feed renderer (issue 6).

Hypothesis posts text with control characters and NUL, markup, iCalendar-looking lines, very
long strings, numbers out of range, impossible dates and times and unknown choices, each form
as a user allowed to use it. Whatever it sends:

- the answer is never a server error (in tests an error would raise here);
- a refused submission (the form shown again) leaves every stored row as it was;
- an accepted one is stored as plain text, comes back escaped on the page that shows it, and
  reads back from the calendar feed as the same text (icalendar escapes it) without adding a
  line of its own.

The ``db`` fixture empties the tables after each test, not after each example: every example
starts from empty tables (:func:`fresh`) and builds what it needs, so examples never depend on
one another and a failure replays the same.
"""

from __future__ import annotations

import hashlib
import io
import operator
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask, current_app
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar
from markupsafe import escape

from app.accounts.models import Role, User
from app.applications import services as application_services
from app.applications.models import Answer, ApplicationQuestion, QuestionKind
from app.applications.options import OptionData
from app.audit.models import AuditAction
from app.core.timeutil import local_to_utc
from app.courses.models import (
    Course,
    CourseKind,
    CourseStatus,
    CourseTeamMember,
    CourseTranslation,
    Programme,
    TeamRole,
)
from app.extensions import db
from app.feeds import services as feed_services
from app.feeds.calendars import (
    course_calendar,
    personal_calendar_name,
    plain_text,
    session_location,
)
from app.feeds.models import FeedKind, FeedToken
from app.followup import services as followup_services
from app.followup.models import ActivityKind, FollowupActivity, Submission
from app.modules.models import Module
from app.programmes import services as programme_services
from app.registration.models import Registration, RegistrationStatus
from app.schedule.models import CourseSession, SessionKind, SessionStatus
from app.selection import services as selection_services
from app.selection.models import Review, SelectionCriterion
from app.venues.models import Room, Venue
from tests.accounts.identity_helpers import LINK, body, confirmation_path, mails
from tests.conftest import login
from tests.factories import (
    PASSWORD,
    make_course,
    make_module,
    make_registration,
    make_user,
    make_venue,
)
from tests.registration.conftest import open_course, open_event
from tests.schedule.conftest import add_session
from tests.storage.samples import pdf, png

# ---------------------------------------------------------------------------------------------
# What hypothesis sends

# Per test; raise it to hunt further, e.g. PROPERTY_EXAMPLES=500 (the suite keeps it quick).
EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "30"))
FORM_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

LONG = 20_000
MARKUP = (
    "<script>alert(1)</script>",
    '"><script>alert(document.cookie)</script>',
    "<img src=x onerror=alert(1)>",
    "</textarea><script>alert(2)</script>",
    "<svg/onload=alert(3)>",
)
ICAL_LINES = (
    "\r\nDTSTART:20170101T000000Z",
    "\r\nBEGIN:VEVENT\r\nUID:injected@evil.test\r\nEND:VEVENT",
    "\nATTENDEE:mailto:evil@example.org",
    "\rDTSTART;VALUE=DATE:19700101",
    "\u2028DTEND:20170101T000000Z",
    "\x85SUMMARY:injected",
    "\x0bX-INJECTED:1",
)
ODDITIES = (
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",
    "\\n\\,\\;",
    "\\N",  # icalendar's own escaping reads it as a line break (found by this test)
    "\\\\server\\Notes",
    "a;b,c\\d:e",
    "{{ 7 * 7 }}",
    "%(title)s %s {0}",
    "'; DROP TABLE course; --",
    "Ça & Co — «ñandú» 日本語 🎓",
    "   ",
    "",
)
HOSTILE = MARKUP + ICAL_LINES + ODDITIES

# Printable text of any script: what a form should take.
printable = st.text(
    alphabet=st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=60
)
long_text = st.builds(
    lambda piece, n: (piece * n)[:LONG],
    st.text(min_size=1, max_size=8),
    st.integers(min_value=40, max_value=LONG),
)
any_text = st.one_of(
    st.text(),  # anything: controls, NUL, every plane but surrogates
    printable,
    st.sampled_from(HOSTILE),
    st.builds(operator.add, printable, st.sampled_from(MARKUP + ICAL_LINES)),
    long_text,
)


def tame(valid: str) -> st.SearchStrategy[str]:
    """Text a form should mostly take: the usual value, any script, markup, lines that look
    like iCalendar properties (a form takes their line breaks in multi-line text only)."""
    return st.one_of(
        st.just(valid),
        printable,
        st.builds(operator.add, printable, st.sampled_from(MARKUP + ICAL_LINES)),
        st.sampled_from(MARKUP + ODDITIES),
    )


BAD_DATES = (
    "2017-02-30",
    "2017-13-01",
    "2017-00-10",
    "2017-04-31",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "99999999-01-01",
    "-2017-01-01",
    "2017-1-1",
    "17-11-20",
    "2017/11/20",
    "20171120",
    "2017-11-20T09:00",
    "",
    " ",
    "today",
    "2017-11-20\x00",
    "２０１７-１１-２０",
)
dates = st.one_of(st.sampled_from(BAD_DATES), st.dates().map(date.isoformat), st.text(max_size=20))
BAD_TIMES = (
    "25:61",
    "24:00",
    "23:60",
    "-1:00",
    "9:5",
    "09:00:60",
    "99:99:99",
    "12:00 PM",
    "12:00:00.5",
    "",
    "noon",
    "00:00",
    "23:59",
)
times = st.one_of(
    st.sampled_from(BAD_TIMES), st.times().map(lambda t: t.strftime("%H:%M")), st.text(max_size=10)
)
numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(("", "NaN", "inf", "-0", "1e9", "0x10", "٣", "1_000", "9" * 5000, " 7 ")),
    st.text(max_size=10),
)


def choices(*valid: str) -> st.SearchStrategy[str]:
    """A choice field: a listed value, or anything else."""
    return st.one_of(st.sampled_from(valid), numbers, any_text)


ABSENT = object()  # the field is left out of the post (an unticked box)
boxes = st.sampled_from(("y", "", "false", ABSENT, "0", "on"))
links = st.one_of(
    st.sampled_from(
        (
            "https://example.org/room",
            "javascript:alert(1)",
            "https://example.org/<script>alert(1)</script>",
            'https://example.org/"onmouseover="alert(1)',
            "http://",
            "https://exa mple.org",
            "https://example.org/\r\nDTSTART:20170101T000000Z",
            "data:text/html,<script>alert(1)</script>",
        )
    ),
    any_text,
)


def _some(draw: st.DrawFn, names: Iterable[str], most: int) -> set[str]:
    names = sorted(names)
    return draw(st.sets(st.sampled_from(names), max_size=most)) if names else set()


@st.composite
def posts(
    draw: st.DrawFn,
    valid: Mapping[str, Any],
    free: Iterable[str] = (),
    structural: Mapping[str, st.SearchStrategy[Any]] | None = None,
    *,
    always: Mapping[str, st.SearchStrategy[Any]] | None = None,
    wild: int = 2,
    broken: int = 2,
) -> dict[str, Any]:
    """A form post. Every ``free`` text field gets text drawn afresh: up to ``wild`` of them
    anything at all (:data:`any_text`), the others :func:`tame` text. Up to ``broken`` of the
    ``structural`` fields (dates, numbers, choices, links) get an arbitrary value of theirs,
    and the ``always`` ones are drawn every time. So enough posts are accepted to check what
    is stored, and every field is sometimes hostile."""
    data = dict(valid)
    wild_fields = _some(draw, free, wild)
    for name in free:
        data[name] = draw(any_text if name in wild_fields else tame(valid[name]))
    structural = structural or {}
    for name in _some(draw, structural, broken):
        data[name] = draw(structural[name])
    for name, strategy in (always or {}).items():
        data[name] = draw(strategy)
    return {name: value for name, value in data.items() if value is not ABSENT}


# ---------------------------------------------------------------------------------------------
# Helpers


def fresh() -> None:
    """Empty every table: each example starts from nothing, like each test."""
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every stored row, table by table, as the database has it."""
    db.session.rollback()
    rows = {}
    for table in db.metadata.sorted_tables:
        stmt = sa.select(table).order_by(*table.primary_key.columns)
        rows[table.name] = [tuple(row) for row in db.session.execute(stmt)]
    db.session.rollback()
    return rows


def post(client: FlaskClient, url: str, data: Mapping[str, Any]) -> Any:
    response = client.post(url, data=dict(data))
    # A real request ends with its session removed: nothing it left pending may leak into the
    # next request of this test (they share the app context).
    db.session.rollback()
    assert response.status_code < 500
    return response


def get(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    db.session.rollback()
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def accepted(response: Any, before: dict[str, list[tuple[Any, ...]]]) -> bool:
    """True for a redirect (post/redirect/get); otherwise the form was refused and nothing
    stored may have changed."""
    if response.status_code in (301, 302, 303):
        event("accepted")  # shown by pytest --hypothesis-show-statistics
        return True
    event("refused")
    assert response.status_code in (200, 400, 409, 422), response.status_code
    assert snapshot() == before
    return False


def _is_control(char: str, *, multiline: bool) -> bool:
    if multiline and char in "\n\t":
        return False
    return unicodedata.category(char) == "Cc" or char in "\u202a\u202b\u202c\u202d\u202e"


def assert_plain(value: str, *, multiline: bool = False) -> None:
    """What was stored is plain text: no NUL, escape codes or bidirectional overrides; line
    breaks only in multi-line text, and those as "\\n"."""
    assert not any(_is_control(c, multiline=multiline) for c in value), repr(value)
    assert "\r" not in value


def assert_escaped(html: str, value: str, *, multiline: bool = False) -> None:
    """``value`` is on the page escaped (each line of a multi-line text), never raw markup."""
    assert_plain(value, multiline=multiline)
    for payload in MARKUP:
        if payload in value:
            assert payload not in html
    if re.search(r"<[A-Za-z/!?]", value) and len(value) >= 16:
        assert value not in html
    lines = value.split("\n") if multiline else [value]
    for line in lines:
        if line.strip():
            assert str(escape(line.strip())) in html, line


# Calendars


# Every property our calendars write; anything else came from someone's text.
KNOWN_PROPERTIES = {
    "BEGIN",
    "END",
    "PRODID",
    "VERSION",
    "METHOD",
    "NAME",
    "X-WR-CALNAME",
    "DESCRIPTION",
    "X-WR-CALDESC",
    "X-WR-TIMEZONE",
    "REFRESH-INTERVAL",
    "X-PUBLISHED-TTL",
    "TZID",
    "TZOFFSETFROM",
    "TZOFFSETTO",
    "TZNAME",
    "RRULE",
    "DTSTART",
    "DTEND",
    "UID",
    "DTSTAMP",
    "LAST-MODIFIED",
    "SEQUENCE",
    "SUMMARY",
    "STATUS",
    "ORGANIZER",
    "LOCATION",
    "URL",
    "CATEGORIES",
}
ONCE_PER_EVENT = ("UID", "DTSTART", "DTEND", "DTSTAMP", "SUMMARY", "STATUS", "SEQUENCE")


def check_ics(raw: bytes) -> Calendar:
    """The calendar as sent is well formed and every line is ours; returns it parsed."""
    assert raw.endswith(b"\r\n")
    assert b"\r" not in raw.replace(b"\r\n", b"") and b"\n" not in raw.replace(b"\r\n", b"")
    physical = raw[:-2].split(b"\r\n")
    assert all(len(line) <= 75 for line in physical), max(physical, key=len)
    text = raw.decode("utf-8")
    lines = text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]
    names = [re.match(r"[A-Za-z0-9-]*", line).group(0).upper() for line in lines]  # type: ignore[union-attr]
    assert set(names) <= KNOWN_PROPERTIES, set(names) - KNOWN_PROPERTIES
    event: list[str] | None = None
    for line, name in zip(lines, names, strict=True):
        if line == "BEGIN:VEVENT":
            assert event is None
            event = []
        elif line == "END:VEVENT":
            assert event is not None
            for once in ONCE_PER_EVENT:
                assert event.count(once) == 1, (once, event)
            for at_most_once in ("DESCRIPTION", "LOCATION", "URL", "LAST-MODIFIED"):
                assert event.count(at_most_once) <= 1
            event = None
        elif event is not None:
            event.append(name)
    assert event is None
    # Both parsers read it: icalendar (ours) and the strict one Home Assistant uses.
    IcsCalendarStream.calendar_from_ics(text)
    return Calendar.from_ical(raw)


def feed_of(client: FlaskClient, url: str) -> Calendar:
    response = client.get(url)
    db.session.rollback()
    assert response.status_code == 200, response.get_data(as_text=True)
    return check_ics(response.data)


def events_by_uid(cal: Calendar) -> dict[str, Any]:
    return {str(event["UID"]).split("@")[0]: event for event in cal.walk("VEVENT")}


def check_session_event(cal: Calendar, session: CourseSession) -> None:
    found = events_by_uid(cal).get(f"session-{session.uid}")
    if session.is_break:
        assert found is None
        return
    assert found is not None
    title = session.title
    if session.is_cancelled or session.course.status == CourseStatus.CANCELLED:
        title = f"Cancelled: {title}"
    assert str(found["SUMMARY"]) == title
    description = str(found["DESCRIPTION"])
    if session.description.strip():
        assert session.description.strip() in description
    if session.facilitators:
        assert f"Facilitators: {session.facilitators}" in description
    assert str(found.get("LOCATION", "")) == session_location(session)


def check_activity_event(cal: Calendar, activity: FollowupActivity) -> None:
    found = events_by_uid(cal).get(f"activity-{activity.uid}")
    if activity.kind == ActivityKind.ASSIGNMENT:
        title = f"Deadline: {activity.title}"
        timed = activity.due_at is not None
    else:
        title = activity.title
        timed = activity.starts_at is not None
    if not timed:
        assert found is None
        return
    assert found is not None
    assert str(found["SUMMARY"]) == title
    if activity.description.strip():
        assert activity.description.strip() in str(found["DESCRIPTION"])
    if activity.link:
        # The public feed never carries a join link (issue 15): the course page is its URL.
        assert f": {activity.link}" not in str(found["DESCRIPTION"])


def calendar_name(cal: Calendar) -> str:
    """The calendar's NAME, unescaped: icalendar 7.3 reads NAME back raw (RFC 5545 §3.3.11)."""
    escaped = {"\\": "\\", ";": ";", ",": ",", "n": "\n", "N": "\n"}
    return re.sub(r"\\([\\;,nN])", lambda m: escaped[m.group(1)], str(cal["NAME"]))


def confirm_signup_link(client: FlaskClient) -> None:
    """After a visitor's accepted sign-up (alone or with an application), press the button
    behind the link mailed to the new address, as the visitor would; nothing if the address
    had an account (its owner got a notice, not a link)."""
    links = [m for m in mails() if LINK.search(body(m))]
    if links:
        response = client.post(confirmation_path(links[-1]))
        assert response.status_code == 302, response.status_code


def only(model: type[Any]) -> Any:
    [row] = db.session.scalars(sa.select(model)).all()
    return row


@pytest.fixture
def new_client(app: Flask) -> Callable[[User | None], FlaskClient]:
    """A client per example, so that no cookie is carried from one to the next."""

    def make(user: User | None = None) -> FlaskClient:
        db.session.commit()  # what the example built
        client = app.test_client()
        if user is not None:
            login(client, user)
        return client

    return make


def run(given_data: st.SearchStrategy[Any], *always: dict[str, Any]) -> Callable[..., Any]:
    """``@given(data)`` with the settings every form test shares, and posts to try on every
    run besides the drawn ones (the extremes a random draw seldom hits)."""

    def decorate(test: Callable[..., Any]) -> Callable[..., Any]:
        for data in always:
            test = example(data=data)(test)
        return FORM_SETTINGS(given(data=given_data)(test))

    return decorate


# ---------------------------------------------------------------------------------------------
# Accounts

SIGNUP = {
    "name": "Ana Souza",
    "email": "ana@example.org",
    "password": "correct horse battery",
    "confirm": "correct horse battery",
    "locale": "en",
}
passwords = st.one_of(st.just(SIGNUP["password"]), any_text)


@run(
    posts(
        SIGNUP,
        free=("name",),
        structural={
            "email": st.one_of(st.emails(), any_text),
            "password": passwords,
            "confirm": passwords,
            "locale": choices("en", "fr"),
        },
    )
)
def test_signup(new_client, data):
    fresh()
    client = new_client(None)
    before = snapshot()
    response = post(client, "/signup", data)
    if accepted(response, before):
        confirm_signup_link(client)
        user = only(User)
        assert_plain(user.name)
        assert_escaped(get(client, "/account"), user.name)


PROFILE = {"name": "Ana Souza", "locale": "fr", "timezone": "America/Bogota"}


@run(
    posts(
        PROFILE,
        free=("name",),
        structural={
            "locale": choices("en", "fr", "es"),
            "timezone": choices("", "Europe/Rome", "UTC", "Etc/GMT+12", "../../etc/passwd"),
        },
    )
)
def test_profile(new_client, data):
    fresh()
    user = make_user()
    client = new_client(user)
    before = snapshot()
    response = post(client, "/account", data)
    if accepted(response, before):
        user = only(User)
        assert_escaped(get(client, "/account"), user.name)
        # The name is the personal feed's name in calendar apps.
        _row, raw = feed_services.create_feed_token(user, FeedKind.PERSONAL, "")
        db.session.commit()
        cal = feed_of(client, f"/feeds/{raw}.ics")
        assert calendar_name(cal) == personal_calendar_name(user)


LOGIN = {"email": "ana@example.org", "password": PASSWORD, "remember": "y"}


@run(
    posts(
        LOGIN,
        structural={
            "email": st.one_of(st.emails(), any_text),
            "password": any_text,
            "remember": boxes,
        },
    )
)
def test_login(new_client, data):
    """Logging in stores the time of it; a refused log-in stores nothing but its audit event
    (the reason, never what was typed)."""
    fresh()
    make_user(email="ana@example.org")
    client = new_client(None)
    before = snapshot()
    response = post(client, "/login", data)
    if response.status_code == 302:
        assert only(User).last_login_at is not None
        return
    assert response.status_code == 200
    after = snapshot()
    failures = after.pop("audit_event")
    before.pop("audit_event")
    assert after == before
    assert len(failures) <= 1
    for failure in failures:
        assert failure[2] == AuditAction.LOGIN_FAILED
        assert failure[-1] in ({"reason": "unknown_email"}, {"reason": "wrong_password"})


@run(
    posts(
        {"email": "ana@example.org"},
        structural={"email": st.one_of(st.emails(), any_text)},
    )
)
def test_password_reset_request(new_client, data):
    """A reset link is stored (and mailed) only for the account's own address."""
    fresh()
    make_user(email="ana@example.org")
    client = new_client(None)
    before = snapshot()
    response = post(client, "/reset-password", data)
    # The same answer whether or not the account exists: nobody learns who has one.
    if accepted(response, before) and data["email"].strip().lower() != "ana@example.org":
        assert snapshot() == before


# ---------------------------------------------------------------------------------------------
# Courses


def course_post(venue_id: int | str) -> dict[str, Any]:
    return {
        "kind": "course",
        "text_en-title": "Governing migration at the local level",
        "text_en-summary": "A five-day workshop.",
        "text_en-description": "Day one.\r\n\r\nDay two: <b>cities</b>.",
        "text_fr-title": "",
        "text_fr-summary": "",
        "text_fr-description": "",
        "text_es-title": "",
        "text_es-summary": "",
        "text_es-description": "",
        "default_locale": "en",
        "languages": ["en", "fr"],
        "slug": "",
        "venue_id": str(venue_id),
        "online_url": "",
        "start_date": "2030-11-18",
        "days": "5",
        "capacity": "30",
        "registration_mode": "full",
        "registration_opens_on": "2030-09-01",
        "registration_closes_on": "2030-10-15",
        "offer_hours": "72",
        "min_attendance_days": "",
        "contact_name": "Ana Souza",
        "contact_email": "ana@example.org",
        "status": "published",
        "partners-0-organisation": "City of Turin",
        "partners-0-role": "co_organiser",
        "host_event_id": "0",
        "programme_id": "0",
        "confirm": "",
    }


def course_fields(venue_id: int | str) -> dict[str, Any]:
    valid = course_post(venue_id)
    free = (
        "text_en-title",
        "text_en-summary",
        "text_en-description",
        "text_fr-title",
        "contact_name",
        "partners-0-organisation",
    )
    structural = {
        "kind": choices(*(k.value for k in CourseKind)),
        "default_locale": choices("en", "fr", "es"),
        "languages": st.lists(choices("en", "fr", "es"), max_size=4),
        "slug": st.one_of(st.just("a-b-2030"), any_text),
        "venue_id": choices(str(venue_id), "0"),
        "is_online": boxes,
        "online_url": links,
        "start_date": dates,
        "days": numbers,
        "capacity": numbers,
        "registration_mode": choices("none", "rsvp", "full"),
        "registration_opens_on": dates,
        "registration_closes_on": dates,
        "requires_approval": boxes,
        "waitlist_offers": boxes,
        "offer_hours": numbers,
        "min_attendance_days": numbers,
        "contact_email": st.one_of(st.emails(), any_text),
        "status": choices("draft", "published", "cancelled"),
        "partners-0-role": choices("organiser", "co_organiser", "funder"),
        "host_event_id": numbers,
        "programme_id": numbers,
        # What the confirmation step acknowledges (moved dates, publishing with warnings).
        "confirm": st.one_of(choices("publish", "move:2030-11-25/5 publish"), any_text),
    }
    return {"valid": valid, "free": free, "structural": structural}


# The venue's id changes from example to example: the post is drawn against a placeholder and
# the real id put in once the venue exists.
VENUE = "__venue__"


def with_venue(data: dict[str, Any], venue: Venue) -> dict[str, Any]:
    return {k: (str(venue.id) if v == VENUE else v) for k, v in data.items()}


def check_course_shown(client: FlaskClient, course: Course) -> None:
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", course.slug), course.slug
    # The catalogue lists every course: one stored with an impossible date would break it.
    get(client, "/")
    get(client, f"/courses/{course.slug}/timetable")
    html = get(client, f"/courses/{course.slug}")
    text = course.text("en")
    assert_escaped(html, text.title)
    assert_escaped(html, text.summary, multiline=True)
    assert_escaped(html, text.description, multiline=True)
    assert_escaped(html, course.contact_name)
    for partner in course.partners:
        assert_escaped(html, partner.organisation.name)
    if course.status != CourseStatus.DRAFT:
        cal = feed_of(client, f"/courses/{course.slug}/calendar.ics")
        main = course.text(course.default_locale)
        assert calendar_name(cal) == main.title
        if main.summary:
            assert main.summary in str(cal["DESCRIPTION"])
        for session in course.sessions:
            check_session_event(cal, session)


# Dates at the ends of what Python holds: a week later or in UTC they overflow.
COURSE_EXTREMES = (
    {**course_post(VENUE), "start_date": "9999-12-31"},
    {**course_post(VENUE), "start_date": "2199-12-31"},
    {
        **course_post(VENUE),
        "start_date": "0001-01-03",
        "registration_opens_on": "",
        "registration_closes_on": "",
    },
    {
        **course_post(VENUE),
        "registration_opens_on": "0001-01-01",
        "registration_closes_on": "0001-01-02",
    },
    # Blank to Optional(), then taken as the address.
    {**course_post(VENUE), "slug": " "},
    {**course_post(VENUE), "slug": "\x1c"},
    {**course_post(VENUE), "slug": "new-course\n"},
)


@run(posts(**course_fields(VENUE)), *COURSE_EXTREMES)
def test_course_new(new_client, data):
    fresh()
    organiser = make_user(Role.ORGANISER)
    data = with_venue(data, make_venue())
    client = new_client(organiser)
    before = snapshot()
    response = post(client, "/courses/new", data)
    if accepted(response, before):
        check_course_shown(client, only(Course))


@run(posts(**course_fields(VENUE)), *COURSE_EXTREMES)
def test_course_edit(new_client, data):
    fresh()
    organiser = make_user(Role.ORGANISER)
    course = make_course(slug="edited", organisers=(organiser,), start=date(2030, 11, 11))
    add_session(course, "Opening", day=course.start_date)
    data = with_venue(data, course.venue)
    client = new_client(organiser)
    before = snapshot()
    response = post(client, "/courses/edited/edit", data)
    if accepted(response, before):
        check_course_shown(client, only(Course))


MODULES = {
    "focuses-0-module_id": "__module__",
    "focuses-0-theme": "",
    "focuses-1-module_id": "0",
    "focuses-1-theme": "Local <action> plans & budgets",
}


@run(
    posts(
        MODULES,
        free=("focuses-0-theme", "focuses-1-theme"),
        structural={
            "focuses-0-module_id": numbers,
            "focuses-1-module_id": numbers,
            "move": st.one_of(
                st.sampled_from(("up:1", "down:0", "up:²", "down:" + "9" * 5000)), any_text
            ),
        },
    ),
    {**MODULES, "move": "up:" + "9" * 5000},
    {**MODULES, "move": "down:²"},
)
def test_course_modules(new_client, data):
    fresh()
    organiser = make_user(Role.ORGANISER)
    module = make_module("M1", title="Policy coherence")
    course = make_course(slug="focused", organisers=(organiser,), start=date(2030, 11, 18))
    data = {k: (str(module.id) if v == "__module__" else v) for k, v in data.items()}
    client = new_client(organiser)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/modules", data)
    if accepted(response, before):
        course = only(Course)
        html = get(client, f"/courses/{course.slug}/modules")
        for focus in course.focuses:
            if focus.theme:
                assert_plain(focus.theme)
                assert_escaped(html, focus.theme)
        get(client, f"/courses/{course.slug}")


EDITION = {"start_date": "2031-11-17", "slug": ""}


@run(
    posts(EDITION, structural={"start_date": dates, "slug": any_text}, broken=1),
    {**EDITION, "start_date": "9999-12-31"},
    {**EDITION, "start_date": "0001-01-01"},
    {**EDITION, "slug": "a-b\n"},
    {**EDITION, "slug": " "},
)
def test_course_copy(new_client, data):
    """A new edition: a date and an address; the copy keeps the course's texts."""
    fresh()
    organiser = make_user(Role.ORGANISER)
    course = make_course(
        slug="copied",
        organisers=(organiser,),
        start=date(2030, 11, 18),
        title="Cities & <migrants>",
    )
    add_session(course, "Opening", day=course.start_date)
    client = new_client(organiser)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/copy", data)
    if accepted(response, before):
        copy = db.session.scalar(sa.select(Course).where(Course.slug != "copied"))
        get(client, f"/courses/{copy.slug}/timetable")
        check_course_shown(client, copy)


PHASE = {"opens_on": "2030-12-06", "closes_on": "2031-01-02"}


@run(
    posts(PHASE, structural={"opens_on": dates, "closes_on": dates}, broken=1),
    {"opens_on": "2030-12-06", "closes_on": "9999-12-31"},
    {"opens_on": "0001-01-01", "closes_on": "2031-01-02"},
)
def test_followup_phase(new_client, data):
    fresh()
    organiser = make_user(Role.ORGANISER)
    course = make_course(slug="phased", organisers=(organiser,), start=date(2030, 11, 18))
    client = new_client(organiser)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/followup", data)
    if accepted(response, before):
        course = only(Course)
        get(client, f"/courses/{course.slug}/followup")
        get(client, f"/courses/{course.slug}")
        get(client, "/")


# ---------------------------------------------------------------------------------------------
# Sessions

SESSION = {
    "title": "Study visit to the City of Turin",
    "kind": "study_visit",
    "day": "2030-11-19",
    "start": "14:00",
    "end": "17:30",
    "room": "0",
    "module": "0",
    "facilitators": "Ana Souza, Ben Okafor",
    "description": "Meet at the campus gate.\r\nBring <ID>.",
}
session_posts = posts(
    SESSION,
    free=("title", "facilitators", "description"),
    structural={
        "kind": choices(*(k.value for k in SessionKind)),
        "day": st.one_of(st.sampled_from(("2030-11-18", "2030-11-22", "2030-11-23")), dates),
        "start": times,
        "end": times,
        "room": numbers,
        "module": numbers,
    },
)


def timetable_course(organiser: User) -> Course:
    course = make_course(
        slug="timetabled",
        organisers=(organiser,),
        start=date(2030, 11, 18),
        modules=(make_module("M1", title="Policy <coherence>"),),
    )
    db.session.flush()
    return course


def check_session_shown(client: FlaskClient, session: CourseSession) -> None:
    assert_plain(session.title)
    assert_plain(session.facilitators)
    assert_plain(session.description, multiline=True)
    html = get(client, f"/courses/{session.course.slug}/timetable")
    assert_escaped(html, session.title)
    html = get(client, f"/courses/{session.course.slug}/sessions/{session.id}/edit")
    assert_escaped(html, session.facilitators)
    assert_escaped(html, session.description, multiline=True)
    check_session_event(feed_of(client, f"/courses/{session.course.slug}/calendar.ics"), session)


SESSION_EXTREMES = (
    {**SESSION, "day": "0001-01-01", "start": "00:00"},
    {**SESSION, "day": "9999-12-31", "end": "23:59"},
)


@run(session_posts, *SESSION_EXTREMES)
def test_session_new(new_client, data):
    fresh()
    organiser = make_user(Role.ORGANISER)
    course = timetable_course(organiser)
    if data.get("room") == "0":
        data = {**data, "room": str(course.venue.rooms[0].id)}
    client = new_client(organiser)
    before = snapshot()
    response = post(client, "/courses/timetabled/sessions/new", data)
    if accepted(response, before):
        check_session_shown(client, only(CourseSession))


@run(session_posts, *SESSION_EXTREMES)
def test_session_edit(new_client, data):
    fresh()
    organiser = make_user(Role.ORGANISER)
    course = timetable_course(organiser)
    session = add_session(course, "Opening", day=date(2030, 11, 18), room=course.venue.rooms[1])
    client = new_client(organiser)
    before = snapshot()
    response = post(client, f"/courses/timetabled/sessions/{session.id}/edit", data)
    if accepted(response, before):
        check_session_shown(client, only(CourseSession))


# ---------------------------------------------------------------------------------------------
# Follow-up activities (the phase of a course ending 22 November 2030: 6 Dec to 2 Jan)

ACTIVITY = {
    "kind": "webinar",
    "title": "Webinar: cities & <migrants>",
    "description": "We meet online.\r\n\r\nRead the case first.",
    "day": "2030-12-10",
    "start_time": "15:00",
    "end_time": "16:30",
    "due_date": "2030-12-20",
    "due_time": "",
    "link": "https://example.org/room?a=1&b=2",
    "is_required": "y",
}
activity_posts = posts(
    ACTIVITY,
    free=("title", "description"),
    structural={
        "link": links,
        "kind": choices("webinar", "assignment", "discussion"),
        "day": st.one_of(st.sampled_from(("2030-12-06", "2031-01-02", "2031-01-03")), dates),
        "start_time": times,
        "end_time": times,
        "due_date": dates,
        "due_time": times,
        "is_required": boxes,
    },
)


def check_activity_shown(client: FlaskClient, activity: FollowupActivity) -> None:
    assert_plain(activity.title)
    assert_plain(activity.description, multiline=True)
    assert activity.link == "" or activity.link.startswith(("https://", "http://"))
    slug = activity.course.slug
    assert_escaped(get(client, f"/courses/{slug}/followup"), activity.title)
    html = get(client, f"/courses/{slug}/followup/activities/{activity.id}/edit")
    assert_escaped(html, activity.description, multiline=True)
    assert_escaped(html, activity.link)
    check_activity_event(feed_of(client, f"/courses/{slug}/calendar.ics"), activity)


ACTIVITY_EXTREMES = (
    {**ACTIVITY, "day": "0001-01-01", "start_time": "00:00"},
    {**ACTIVITY, "kind": "assignment", "due_date": "9999-12-31", "due_time": "23:59"},
    {**ACTIVITY, "kind": "discussion", "day": "0001-01-01", "start_time": ""},
)


@run(activity_posts, *ACTIVITY_EXTREMES)
def test_activity_new(new_client, data):
    fresh()
    organiser = make_user(Role.ORGANISER)
    make_course(slug="followed", organisers=(organiser,), start=date(2030, 11, 18))
    client = new_client(organiser)
    before = snapshot()
    response = post(client, "/courses/followed/followup/activities/new?kind=webinar", data)
    if accepted(response, before):
        check_activity_shown(client, only(FollowupActivity))


@run(activity_posts, *ACTIVITY_EXTREMES)
def test_activity_edit(new_client, data):
    fresh()
    organiser = make_user(Role.ORGANISER)
    course = make_course(slug="followed", organisers=(organiser,), start=date(2030, 11, 18))
    activity = followup_services.create_activity(
        course,
        followup_services.ActivityData(
            kind=ActivityKind.ASSIGNMENT,
            title="Action plan",
            description="Two pages.",
            due_date=date(2030, 12, 20),
        ),
        actor=organiser,
    )
    client = new_client(organiser)
    before = snapshot()
    response = post(client, f"/courses/followed/followup/activities/{activity.id}/edit", data)
    if accepted(response, before):
        check_activity_shown(client, only(FollowupActivity))


@run(
    posts(
        {"text": "Our plan:\r\nthree steps & <one> budget.", "link": "https://example.org/plan"},
        free=("text",),
        structural={"link": st.one_of(st.just(""), links)},
    )
)
def test_submission(new_client, data):
    """A participant's work on an assignment of a phase open today."""
    fresh()
    today = datetime.now(UTC).date()
    organiser, participant = make_user(Role.ORGANISER), make_user()
    course = make_course(
        slug="in-followup", organisers=(organiser,), start=today - timedelta(days=30)
    )
    course.followup_opens_on = today - timedelta(days=2)
    course.followup_closes_on = today + timedelta(days=20)
    make_registration(course, participant)
    activity = followup_services.create_activity(
        course,
        followup_services.ActivityData(
            kind=ActivityKind.ASSIGNMENT, title="Action plan", due_date=today + timedelta(days=10)
        ),
        actor=organiser,
    )
    prefix = f"activity-{activity.id}-"
    client = new_client(participant)
    before = snapshot()
    url = f"/courses/in-followup/followup/mine/{activity.id}/submit"
    response = post(client, url, {prefix + name: value for name, value in data.items()})
    if accepted(response, before) and snapshot() != before:
        submission = only(Submission)
        assert_plain(submission.text, multiline=True)
        assert_plain(submission.link)
        assert submission.link == "" or submission.link.startswith(("https://", "http://"))
        html = get(client, "/courses/in-followup/followup/mine")
        assert_escaped(html, submission.text, multiline=True)
        assert_escaped(html, submission.link)
        login(client, organiser)
        html = get(client, f"/courses/in-followup/followup/activities/{activity.id}/submissions")
        assert_escaped(html, submission.text, multiline=True)


# ---------------------------------------------------------------------------------------------
# Registration

APPLICATION = {
    "certificate_name": "Ana Souza",
    "email": "ana@example.org",
    "country": "BR",
    "nationality": "BR",
    "organisation": "Municipality of Belo Horizonte",
    "organisation_type": "local_government",
    "job_title": "Migration officer",
    "gender": "",
    "language": "en",
    "motivation": "I coordinate <the> city's reception.\r\nAnd more.",
    "funding": "employer",
    "consent_data": "y",
    "consent_listing": "y",
    "consent_alumni": "y",
    "diet": "Vegetarian & no nuts",
    "accessibility": "",
}
# A visitor applies and creates an account in the same form.
ACCOUNT = {"password": PASSWORD, "confirm": PASSWORD, "account_name": "Ana Souza"}
# Who posts: a signed-in participant, or a visitor (the post's "as", taken out before sending).
AS = {"as": st.sampled_from(("participant", "visitor"))}


def ticked(data: dict[str, Any], box: str) -> bool:
    """Whether a posted checkbox reads as ticked (WTForms: absent, "" and "false" do not)."""
    return data.get(box, "") not in ("", "false")


def check_registration_shown(client: FlaskClient, registration: Registration) -> None:
    for value in (registration.certificate_name, registration.organisation, registration.job_title):
        assert_plain(value)
    for value in (registration.motivation, registration.diet, registration.accessibility):
        assert_plain(value, multiline=True)
    html = get(client, "/my/courses")
    assert_escaped(html, registration.certificate_name)
    assert_escaped(html, registration.organisation)
    html = get(client, f"/my/registrations/{registration.id}/needs")
    assert_escaped(html, registration.diet, multiline=True)
    assert_escaped(html, registration.accessibility, multiline=True)


@run(
    posts(
        {**APPLICATION, **ACCOUNT},
        free=(
            "certificate_name",
            "organisation",
            "job_title",
            "motivation",
            "diet",
            "accessibility",
        ),
        always=AS,
        structural={
            "email": st.one_of(st.emails(), any_text),
            "country": choices("IT", "EU", "ZZ", "XK"),
            "nationality": choices("FR", "UN"),
            "organisation_type": choices("civil_society", "academia"),
            "gender": choices("woman", "man", "other"),
            "language": choices("fr", "es", "de"),
            "funding": choices("self", "sponsored"),
            "consent_data": boxes,
            "consent_listing": boxes,
            "consent_alumni": boxes,
            "password": passwords,
            "account_name": any_text,
        },
    )
)
def test_apply(new_client, data):
    fresh()
    participant = make_user()
    course = open_course(slug="open")
    client = new_client(participant if data.pop("as") == "participant" else None)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/register", data)
    if accepted(response, before):
        confirm_signup_link(client)
        check_registration_shown(client, only(Registration))
        assert only(Registration).consent_alumni == ticked(data, "consent_alumni")


# The Turin workshop's own questions, one of each kind asked (their ids replace the names).
ASKED = (
    ("city", QuestionKind.SHORT_TEXT, {"is_required": True}),
    ("experience", QuestionKind.LONG_TEXT, {}),
    ("region", QuestionKind.SINGLE_CHOICE, {"is_required": True}),
    ("regions", QuestionKind.MULTIPLE_CHOICE, {}),
    ("visa", QuestionKind.YES_NO, {}),
    ("years", QuestionKind.NUMBER, {"min_value": 0, "max_value": 40}),
    ("since", QuestionKind.DATE, {}),
    ("employer", QuestionKind.COUNTRY, {}),
    ("cv", QuestionKind.FILE, {"max_size_mb": 1}),
)

# Documents: real ones, empty, HTML named .pdf, cut short, any bytes; named anyhow. (Sizes are
# tested in tests/applications: a large body here would be spooled by the test client.)
A_PDF = pdf()
document_bodies = st.one_of(
    st.sampled_from(
        (
            A_PDF,
            b"",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            A_PDF[:40],
            png(),
            b"MZ\x90\x00" + bytes(60),
        )
    ),
    st.binary(max_size=2000),
)
document_names = st.one_of(
    st.sampled_from(
        (
            "cv.pdf",
            "../../etc/cv.pdf",
            "..\\..\\cv.pdf",
            "cv\x00.pdf",
            "c" * 500 + ".pdf",
            "cv\u202efdp.exe",
            "..",
            "CON.pdf",
            "CV.PDF",
            "",
        )
    ),
    any_text,
)
documents = st.builds(lambda body, name: (io.BytesIO(body), name), document_bodies, document_names)


def stored_bytes() -> set[Path]:
    """Every file in the upload folder."""
    root = Path(current_app.config["UPLOAD_FOLDER"])
    return {path for path in root.rglob("*") if path.is_file()}


ANSWERS = {
    "city": "Belo Horizonte & <Contagem>",
    "experience": "Five years.\r\nThen <b>more</b>.",
    "region": "__option0__",
    "regions": ["__options0__", "__options1__"],
    "visa": "yes",
    "years": "12",
    "since": "2015-03-01",
    "employer": "BR",
}


def ask_questions(course: Course) -> dict[str, ApplicationQuestion]:
    organiser = make_user(Role.ORGANISER)
    asked = {}
    for key, kind, extra in ASKED:
        asked[key] = application_services.create_question(
            course,
            application_services.QuestionData(
                kind=kind,
                texts={"en": application_services.TextData(f"Question <{key}>")},
                options=(OptionData({"en": "Africa & <co>"}), OptionData({"en": "Europe"})),
                **extra,
            ),
            actor=organiser,
        )
    return asked


def with_answers(data: dict[str, Any], asked: dict[str, ApplicationQuestion]) -> dict[str, Any]:
    """The post with each question's field named by its id, and option placeholders by the
    options' ids."""
    ids = {f"__option{n}__": str(o.id) for n, o in enumerate(asked["region"].options)}
    ids.update({f"__options{n}__": str(o.id) for n, o in enumerate(asked["regions"].options)})
    out = {}
    for name, value in data.items():
        if name in asked:
            name = f"question_{asked[name].id}"
            if isinstance(value, list):
                value = [ids.get(v, v) for v in value]
            else:
                value = ids.get(value, value)
        out[name] = value
    return out


def check_answers_stored(asked: dict[str, ApplicationQuestion]) -> None:
    """What was stored follows each question's rules, as plain text."""
    for answer in db.session.scalars(sa.select(Answer)):
        question = answer.question
        assert_plain(answer.value, multiline=question.kind == QuestionKind.LONG_TEXT)
        if question.kind == QuestionKind.NUMBER:
            assert 0 <= int(answer.value) <= 40
        if question.kind == QuestionKind.DATE:
            assert date.fromisoformat(answer.value)
        assert all(option.question_id == question.id for option in answer.options)
        if question.kind == QuestionKind.FILE:
            document = answer.file
            assert_plain(document.filename)
            assert "/" not in document.filename and "\\" not in document.filename
            assert document.filename.lower().endswith((".pdf", ".png"))
            assert document.size <= 1024 * 1024
            path = Path(current_app.config["UPLOAD_FOLDER"]) / document.storage_key[:2]
            data = (path / document.storage_key[2:4] / document.storage_key).read_bytes()
            assert hashlib.sha256(data).hexdigest() == document.sha256
        assert len(answer.options) <= (1 if question.kind == QuestionKind.SINGLE_CHOICE else 2)


@run(
    posts(
        {**APPLICATION, **ANSWERS},
        free=("city", "experience"),
        structural={
            "region": choices("__option0__", "__option1__", "__options0__"),
            "regions": st.lists(choices("__options0__", "__options1__", "__option0__"), max_size=3),
            "visa": choices("yes", "no", "maybe"),
            "years": st.one_of(st.sampled_from(("-1", "0", "40", "41")), numbers),
            "since": dates,
            "employer": choices("IT", "EU", "ZZ", "XK"),
        },
        always={"cv": documents},
        broken=3,
    ),
    {**APPLICATION, **ANSWERS, "years": "9" * 5000, "since": "0001-01-01"},
)
def test_apply_with_questions(new_client, data):
    fresh()
    participant = make_user()
    course = open_course(slug="asking")
    asked = ask_questions(course)
    client = new_client(participant)
    before, files_before = snapshot(), stored_bytes()
    response = post(client, f"/courses/{course.slug}/register", with_answers(data, asked))
    if not accepted(response, before):
        assert stored_bytes() == files_before  # a refused form leaves no file
    else:
        check_registration_shown(client, only(Registration))
        check_answers_stored(asked)
        check_answers_shown(client, only(Registration))


def check_answers_shown(client: FlaskClient, registration: Registration) -> None:
    """The texts typed come back escaped on "My courses" and on the desk's page."""
    texts = [
        (answer.value, answer.question.kind == QuestionKind.LONG_TEXT)
        for answer in db.session.scalars(
            sa.select(Answer).where(Answer.registration_id == registration.id)
        )
        if answer.question.kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)
    ]
    html = get(client, "/my/courses")
    for text, multiline in texts:
        assert_escaped(html, text, multiline=multiline)
    admin = make_user(Role.ADMIN)
    db.session.commit()
    login(client, admin)
    html = get(client, f"/courses/{registration.course.slug}/participants/{registration.id}")
    for text, multiline in texts:
        assert_escaped(html, text, multiline=multiline)
    login(client, registration.user)


@run(
    posts(
        ANSWERS,
        free=("city", "experience"),
        structural={
            "region": choices("__option0__", "__option1__", "__options0__"),
            "regions": st.lists(choices("__options0__", "__options1__", "__option0__"), max_size=3),
            "visa": choices("yes", "no", "maybe"),
            "years": st.one_of(st.sampled_from(("-1", "0", "40", "41")), numbers),
            "since": dates,
            "employer": choices("IT", "EU", "ZZ", "XK"),
        },
        always={"cv": documents},
        broken=3,
    ),
)
def test_my_answers(new_client, data):
    """An undecided applicant changes their answers (and adds or replaces a document)."""
    fresh()
    participant = make_user()
    course = open_course(slug="asking")
    asked = ask_questions(course)
    registration = make_registration(course, participant, status=RegistrationStatus.SUBMITTED)
    client = new_client(participant)
    before, files_before = snapshot(), stored_bytes()
    response = post(
        client, f"/my/registrations/{registration.id}/answers", with_answers(data, asked)
    )
    if not accepted(response, before):
        assert stored_bytes() == files_before
    else:
        check_answers_stored(asked)
        check_answers_shown(client, only(Registration))


RSVP = {
    "certificate_name": "Ana Souza",
    "email": "ana@example.org",
    "organisation": "City of Quito",
    "language": "es",
    "consent_data": "y",
    "consent_listing": "",
    "consent_alumni": "",
}


@run(
    posts(
        {**RSVP, **ACCOUNT},
        free=("certificate_name", "organisation"),
        always=AS,
        structural={
            "email": st.one_of(st.emails(), any_text),
            "language": choices("en", "fr", "de"),
            "consent_data": boxes,
            "consent_listing": boxes,
            "consent_alumni": boxes,
            "password": passwords,
        },
    )
)
def test_rsvp(new_client, data):
    fresh()
    participant = make_user()
    event = open_event(slug="launch")
    client = new_client(participant if data.pop("as") == "participant" else None)
    before = snapshot()
    response = post(client, f"/courses/{event.slug}/register", data)
    if accepted(response, before):
        confirm_signup_link(client)
        check_registration_shown(client, only(Registration))
        assert only(Registration).consent_alumni == ticked(data, "consent_alumni")


@run(
    posts(
        RSVP,
        free=("certificate_name", "organisation"),
        always={"photo": documents},
    )
)
def test_rsvp_with_a_document(new_client, data):
    """An event asking for a document in its RSVP."""
    fresh()
    participant = make_user()
    event = open_event(slug="launch")
    photo = application_services.create_question(
        event,
        application_services.QuestionData(
            kind=QuestionKind.FILE,
            texts={"en": application_services.TextData("Photo <for> the badge")},
            max_size_mb=1,
        ),
        actor=make_user(Role.ORGANISER),
    )
    client = new_client(participant)
    data[f"question_{photo.id}"] = data.pop("photo")
    before, files_before = snapshot(), stored_bytes()
    response = post(client, f"/courses/{event.slug}/register", data)
    if not accepted(response, before):
        assert stored_bytes() == files_before
    else:
        check_registration_shown(client, only(Registration))
        check_answers_stored({})


@run(
    posts(
        {"diet": "Halal & <no> nuts", "accessibility": "Step-free access\r\nLarge print"},
        free=("diet", "accessibility"),
    )
)
def test_special_needs(new_client, data):
    fresh()
    participant = make_user()
    registration = make_registration(open_course(slug="needed"), participant)
    client = new_client(participant)
    before = snapshot()
    response = post(client, f"/my/registrations/{registration.id}/needs", data)
    if accepted(response, before):
        check_registration_shown(client, only(Registration))


# ---------------------------------------------------------------------------------------------
# Application questions (the builder)

QUESTION = {
    "kind": "single_choice",
    "text_en-label": "Which region do you <work> in?",
    "text_en-help_text": "The region of your employer.\r\nOne only & <b>bold</b>.",
    "text_fr-label": "Dans quelle région travaillez-vous ?",
    "text_fr-help_text": "",
    "text_es-label": "",
    "text_es-help_text": "",
    "is_required": "y",
    "min_value": "",
    "max_value": "",
    "max_size_mb": "10",
    "options-0-option_id": "",
    "options-0-label_en": "Africa & <Middle East>",
    "options-0-label_fr": "",
    "options-0-label_es": "",
    "options-1-option_id": "",
    "options-1-label_en": "Europe",
    "options-1-label_fr": "Europe (UE)",
    "options-1-label_es": "",
}


def question_fields(valid: dict[str, Any]) -> dict[str, Any]:
    return {
        "valid": valid,
        "free": (
            "text_en-label",
            "text_en-help_text",
            "text_fr-label",
            "options-0-label_en",
            "options-1-label_fr",
        ),
        "structural": {
            "kind": choices(*(k.value for k in QuestionKind)),
            "is_required": boxes,
            "min_value": numbers,
            "max_value": numbers,
            "max_size_mb": numbers,
            "options-0-option_id": numbers,
            "options-1-option_id": numbers,
            "options-0-is_retired": boxes,
            "options-1-remove": boxes,
            "options-2-label_en": any_text,
        },
    }


question_posts = posts(**question_fields(QUESTION))
QUESTION_EXTREMES = (
    {**QUESTION, "kind": "number", "min_value": "-1000000000", "max_value": "1000000000"},
    {**QUESTION, "kind": "number", "min_value": "9" * 5000},
    {**QUESTION, "kind": "file", "max_size_mb": "100"},
    {**QUESTION, "options-0-option_id": "²"},
)


def check_question_shown(client: FlaskClient, question: ApplicationQuestion) -> None:
    for text in question.texts:
        assert_plain(text.label)
        assert_plain(text.help_text, multiline=True)
    slug = question.course.slug
    html = get(client, f"/courses/{slug}/questions")
    assert_escaped(html, question.label("en"))
    assert_escaped(html, question.text("en").help_text, multiline=True)
    html = get(client, f"/courses/{slug}/questions/{question.id}/edit")
    for option in question.options:
        for text in option.texts:
            assert_plain(text.label)
            assert_escaped(html, text.label)


@run(question_posts, *QUESTION_EXTREMES)
def test_question_new(new_client, data):
    fresh()
    organiser = make_user(Role.ORGANISER)
    make_course(slug="asking", organisers=(organiser,), start=date(2030, 11, 18))
    client = new_client(organiser)
    before = snapshot()
    response = post(client, "/courses/asking/questions/new?kind=single_choice", data)
    if accepted(response, before):
        check_question_shown(client, only(ApplicationQuestion))


# The question edited has two options, the first chosen by an applicant: their ids replace
# these placeholders.
EDITED = {**QUESTION, "options-0-option_id": "__option0__", "options-1-option_id": "__option1__"}


@run(
    posts(**question_fields(EDITED)),
    *(
        {**extreme, **{k: v for k, v in EDITED.items() if "option_id" in k}}
        for extreme in QUESTION_EXTREMES[:3]
    ),
    {**EDITED, "options-0-remove": "y"},
    {**EDITED, "options-0-option_id": ""},
)
def test_question_edit(new_client, data):
    """The question edited has an answer that chose its first option."""
    fresh()
    organiser = make_user(Role.ORGANISER)
    course = make_course(slug="asking", organisers=(organiser,), start=date(2030, 11, 18))
    question = application_services.create_question(
        course,
        application_services.QuestionData(
            kind=QuestionKind.SINGLE_CHOICE,
            texts={"en": application_services.TextData("Region")},
            options=(
                OptionData({"en": "Africa"}),
                OptionData({"en": "Europe"}),
            ),
        ),
        actor=organiser,
    )
    registration = make_registration(course)
    db.session.add(
        Answer(
            registration=registration,
            question=question,
            options=[question.options[0]],
            created_at=datetime.now(UTC),
            updated_at=datetime.now(UTC),
        )
    )
    ids = {f"__option{n}__": str(option.id) for n, option in enumerate(question.options)}
    data = {name: ids.get(value, value) for name, value in data.items()}
    client = new_client(organiser)
    before = snapshot()
    response = post(client, f"/courses/asking/questions/{question.id}/edit", data)
    if accepted(response, before):
        question = only(ApplicationQuestion)
        # The answer and the option it chose are still there.
        assert only(Answer).options[0].question_id == question.id
        check_question_shown(client, question)


# ---------------------------------------------------------------------------------------------
# Administrators: modules, venues, programmes

MODULE = {
    "code": "M9",
    "position": "9",
    "en-title": "Migration & <development>",
    "en-summary": "Why it matters.",
    "en-objectives": "Explain the links.\r\nName the actors.",
    "en-outline": "One\r\nTwo\r\nThree\r\nFour",
    "fr-title": "",
    "fr-summary": "",
    "fr-objectives": "",
    "fr-outline": "",
    "es-title": "",
    "es-summary": "",
    "es-objectives": "",
    "es-outline": "",
}
module_posts = posts(
    MODULE,
    free=("en-title", "en-summary", "en-objectives", "fr-title", "fr-summary"),
    structural={
        "code": st.one_of(st.sampled_from(("m9", "M-9_x", "M1", " M9 ")), any_text),
        "position": numbers,
        "is_core": boxes,
        "en-outline": any_text,
        "es-outline": any_text,
    },
)


def check_module_shown(client: FlaskClient, module: Module) -> None:
    html = get(client, f"/modules/{module.code}")
    text = next(t for t in module.translations if t.locale == "en")
    assert_escaped(html, text.title)
    assert_escaped(html, text.summary, multiline=True)
    for objective in text.objectives.splitlines():
        assert_escaped(html, objective.strip())
    for translation in module.translations:
        assert_plain(translation.title)
        for value in (translation.summary, translation.objectives, translation.outline):
            assert_plain(value, multiline=True)


@run(module_posts)
def test_module_new(new_client, data):
    fresh()
    admin = make_user(Role.ADMIN)
    client = new_client(admin)
    before = snapshot()
    response = post(client, "/modules/new", data)
    if accepted(response, before):
        check_module_shown(client, only(Module))


@run(module_posts)
def test_module_edit(new_client, data):
    fresh()
    admin = make_user(Role.ADMIN)
    make_module("M1", title="Policy coherence")
    client = new_client(admin)
    before = snapshot()
    response = post(client, "/modules/M1/edit", data)
    if accepted(response, before):
        check_module_shown(client, only(Module))


VENUE_POST = {
    "name": "ITC-ILO campus",
    "address": "Viale Maestri del Lavoro 10\r\n10127 Turin",
    "city": "Turin",
    "country": "IT",
    "timezone": "Europe/Rome",
    "rooms-0-room_id": "",
    "rooms-0-name": "Room <A>",
    "rooms-0-seats": "40",
    "rooms-1-room_id": "",
    "rooms-1-name": "",
    "rooms-1-seats": "",
}
venue_posts = posts(
    VENUE_POST,
    free=("name", "address", "city", "rooms-0-name"),
    structural={
        "country": choices("FR", "EU", "ZZ"),
        "timezone": st.one_of(
            st.sampled_from(("europe/rome", "UTC", "Mars/Olympus", "", "Europe/../etc")), any_text
        ),
        "rooms-0-seats": numbers,
        "rooms-0-room_id": numbers,
        "rooms-0-remove": boxes,
        "rooms-1-name": any_text,
        "rooms-1-seats": numbers,
    },
)


def check_venue_shown(client: FlaskClient, venue: Venue) -> None:
    assert_plain(venue.name)
    assert_plain(venue.city)
    assert_plain(venue.address, multiline=True)
    html = get(client, f"/venues/{venue.id}/edit")
    assert_escaped(html, venue.name)
    assert_escaped(html, venue.address, multiline=True)
    for room in venue.rooms:
        assert_plain(room.name)
        assert_escaped(html, room.name)
    assert_escaped(get(client, "/venues/"), venue.name)
    # The room, the venue and its address are each session's LOCATION.
    for course in db.session.scalars(sa.select(Course).where(Course.venue_id == venue.id)):
        cal = feed_of(client, f"/courses/{course.slug}/calendar.ics")
        for session in course.sessions:
            check_session_event(cal, session)


# A row's room id as the form sends it back: digits that int() refuses, or too many of them.
VENUE_EXTREMES = (
    {**VENUE_POST, "rooms-0-room_id": "²"},
    {**VENUE_POST, "rooms-0-room_id": "9" * 5000},
)


@run(venue_posts, *VENUE_EXTREMES)
def test_venue_new(new_client, data):
    fresh()
    admin = make_user(Role.ADMIN)
    client = new_client(admin)
    before = snapshot()
    response = post(client, "/venues/new", data)
    if accepted(response, before):
        check_venue_shown(client, only(Venue))


@run(venue_posts, *VENUE_EXTREMES)
def test_venue_edit(new_client, data):
    fresh()
    admin = make_user(Role.ADMIN)
    venue = make_venue(rooms=("Room A",))
    course = make_course(slug="at-the-venue", venue=venue, start=date(2030, 11, 18))
    add_session(course, "Opening", room=venue.rooms[0])
    # The room row edits the venue's own room.
    data = {**data, "rooms-0-room_id": data["rooms-0-room_id"] or str(venue.rooms[0].id)}
    client = new_client(admin)
    before = snapshot()
    response = post(client, f"/venues/{venue.id}/edit", data)
    if accepted(response, before):
        check_venue_shown(client, only(Venue))


PROGRAMME = {
    "slug": "migration-and-development",
    "text_en-title": "Joint programme on <migration> & development",
    "text_en-summary": "Cities and migrants.\r\n\r\nSince 2008.",
    "text_fr-title": "",
    "text_fr-summary": "",
    "text_es-title": "",
    "text_es-summary": "",
    "funder": "Swiss Agency for Development and Cooperation (SDC)",
    "countries": ["BR", "IT"],
    "url": "https://example.org/jmdi",
}
programme_posts = posts(
    PROGRAMME,
    free=("text_en-title", "text_en-summary", "text_fr-title", "funder"),
    structural={
        "slug": st.one_of(st.sampled_from(("new", "a--b", "Upper", "x" * 200)), any_text),
        "countries": st.lists(choices("FR", "EU", "ZZ"), max_size=4),
        "url": links,
    },
)


def check_programme_shown(client: FlaskClient, programme: Programme) -> None:
    text = programme.text("en")
    assert_plain(text.title)
    assert_plain(text.summary, multiline=True)
    html = get(client, f"/programmes/{programme.slug}")
    assert_escaped(html, text.title)
    assert_escaped(html, text.summary, multiline=True)
    if programme.funder is not None:
        assert_plain(programme.funder.name)
        assert_escaped(html, programme.funder.name)
    cal = feed_of(client, f"/programmes/{programme.slug}/calendar.ics")
    assert calendar_name(cal) == text.title
    if text.summary:
        assert text.summary in str(cal["DESCRIPTION"])


@run(programme_posts)
def test_programme_new(new_client, data):
    fresh()
    admin = make_user(Role.ADMIN)
    client = new_client(admin)
    before = snapshot()
    response = post(client, "/programmes/new", data)
    if accepted(response, before):
        check_programme_shown(client, only(Programme))


@run(programme_posts)
def test_programme_edit(new_client, data):
    fresh()
    admin = make_user(Role.ADMIN)
    programme = programme_services.create_programme(
        programme_services.ProgrammeData(
            slug="jmdi",
            texts={"en": programme_services.ProgrammeText(title="JMDI", summary="Cities.")},
            funder="",
            countries=[],
            url="",
        ),
        actor=admin,
    )
    client = new_client(admin)
    before = snapshot()
    response = post(client, f"/programmes/{programme.slug}/edit", data)
    if accepted(response, before):
        check_programme_shown(client, only(Programme))


# ---------------------------------------------------------------------------------------------
# Selection: criteria, reviews and decisions


CRITERION = {
    "text_en-label": "Relevance of the <job> & its city",
    "text_en-help_text": "Does the applicant work on migration?\r\nIn a city?",
    "text_fr-label": "Pertinence du poste",
    "text_fr-help_text": "",
    "text_es-label": "",
    "text_es-help_text": "",
}
criterion_posts = posts(
    CRITERION,
    free=("text_en-label", "text_en-help_text", "text_fr-label", "text_es-help_text"),
    structural={"text_es-label": any_text, "text_fr-help_text": any_text},
)


def check_criterion_shown(client: FlaskClient, criterion: SelectionCriterion) -> None:
    for text in criterion.texts:
        assert_plain(text.label)
        assert_plain(text.help_text, multiline=True)
    slug = criterion.course.slug
    english = criterion.text("en")
    html = get(client, f"/courses/{slug}/selection/criteria")
    assert_escaped(html, english.label)
    assert_escaped(html, english.help_text, multiline=True)
    assert_escaped(get(client, f"/courses/{slug}/selection"), english.label)
    assert_escaped(
        get(client, f"/courses/{slug}/selection/criteria/{criterion.id}/edit"), english.label
    )


@run(
    criterion_posts, {**CRITERION, "text_en-label": " "}, {**CRITERION, "text_en-label": "x" * 201}
)
def test_criterion_new(new_client, data):
    fresh()
    organiser = make_user(Role.ORGANISER)
    course = make_course(slug="selected", organisers=(organiser,), start=date(2030, 11, 18))
    client = new_client(organiser)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/selection/criteria", data)
    if accepted(response, before):
        check_criterion_shown(client, only(SelectionCriterion))


@run(criterion_posts)
def test_criterion_edit(new_client, data):
    fresh()
    organiser = make_user(Role.ORGANISER)
    course = make_course(slug="selected", organisers=(organiser,), start=date(2030, 11, 18))
    criterion = selection_services.create_criterion(
        course,
        selection_services.CriterionData(
            {"en": selection_services.CriterionTextData("Motivation")}
        ),
        actor=organiser,
    )
    client = new_client(organiser)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/selection/criteria/{criterion.id}/edit", data)
    if accepted(response, before):
        check_criterion_shown(client, only(SelectionCriterion))


@run(posts({"direction": "up"}, structural={"direction": choices("up", "down")}, broken=1))
def test_criterion_move(new_client, data):
    fresh()
    organiser = make_user(Role.ORGANISER)
    course = make_course(slug="selected", organisers=(organiser,), start=date(2030, 11, 18))
    made = [
        selection_services.create_criterion(
            course,
            selection_services.CriterionData({"en": selection_services.CriterionTextData(label)}),
            actor=organiser,
        )
        for label in ("Relevance", "Motivation")
    ]
    client = new_client(organiser)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/selection/criteria/{made[1].id}/move", data)
    if accepted(response, before):
        positions = sorted(c.position for c in db.session.scalars(sa.select(SelectionCriterion)))
        assert positions == [1, 2]


def selection_world(capacity: int = 30) -> tuple[User, User, Course, list[SelectionCriterion]]:
    """An organiser, a reviewer, a course taking applications with two criteria, and three
    applicants waiting for a decision."""
    organiser = make_user(Role.ORGANISER)
    reviewer = make_user(name="Rania <Haddad>")
    course = open_course(slug="selected", capacity=capacity, organisers=(organiser,))
    course.requires_approval = True
    course.team.append(CourseTeamMember(user=reviewer, role=TeamRole.REVIEWER))
    made = [
        selection_services.create_criterion(
            course,
            selection_services.CriterionData({"en": selection_services.CriterionTextData(label)}),
            actor=organiser,
        )
        for label in ("Relevance", "Motivation")
    ]
    for name in ("Ana Souza", "Ana Sousa", "Anna Souza"):
        make_registration(course, make_user(name=name), status=RegistrationStatus.SUBMITTED)
    return organiser, reviewer, course, made


REVIEW = {
    "score_first": "4",
    "note_first": "Runs the <migrant> desk.",
    "score_second": "1",
    "note_second": "",
    "comment": "Strong & local.\r\nSee the motivation.",
}
scores = st.one_of(
    st.sampled_from(("1", "5", "0", "6", "", "3.5", "-1", "05", "٣", "9" * 5000)), numbers
)


def with_criteria(data: dict[str, Any], made: list[SelectionCriterion]) -> dict[str, Any]:
    """The post with each criterion's fields named by its id."""
    ids = {"first": made[0].id, "second": made[1].id}
    out = {}
    for name, value in data.items():
        prefix, _sep, which = name.partition("_")
        out[f"{prefix}_{ids[which]}" if which in ids else name] = value
    return out


@run(
    posts(
        REVIEW,
        free=("note_first", "note_second", "comment"),
        structural={"score_first": scores, "score_second": scores},
    )
)
def test_review(new_client, data):
    fresh()
    _organiser, reviewer, course, made = selection_world()
    registration = db.session.scalars(sa.select(Registration)).first()
    client = new_client(reviewer)
    before = snapshot()
    response = post(
        client, f"/courses/{course.slug}/selection/{registration.id}", with_criteria(data, made)
    )
    if accepted(response, before):
        review = only(Review)
        assert {s.score for s in review.scores} <= {1, 2, 3, 4, 5}
        assert len(review.scores) == 2
        assert_plain(review.comment, multiline=True)
        html = get(client, f"/courses/{course.slug}/selection/{registration.id}")
        assert_escaped(html, review.comment, multiline=True)
        for score in review.scores:
            assert_plain(score.comment, multiline=True)
            assert_escaped(html, score.comment, multiline=True)
        get(client, f"/courses/{course.slug}/selection")


DECISION = {
    "decision": "confirm",
    "registration_ids": ["__all__"],
    "message": "Welcome to Turin & <bring> your plan.\r\nSee you.",
    "next": "/courses/selected/selection?sort=name",
}


@run(
    posts(
        DECISION,
        free=("message",),
        structural={
            "decision": choices("confirm", "waitlist", "reject"),
            "registration_ids": st.lists(st.one_of(st.just("__all__"), numbers), max_size=4),
            "next": links,
        },
    ),
    {**DECISION, "message": "x" * 501},
)
def test_decision(new_client, data):
    fresh()
    organiser, _reviewer, course, _made = selection_world(capacity=2)
    ids = [str(r.id) for r in db.session.scalars(sa.select(Registration).order_by(Registration.id))]
    data = {
        **data,
        "registration_ids": [
            i for v in data.get("registration_ids", []) for i in (ids if v == "__all__" else [v])
        ],
    }
    client = new_client(organiser)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/selection/decide", data)
    assert response.status_code in (302, 400)
    location = urlsplit(response.headers.get("Location", ""))
    assert not location.netloc or location.netloc == "localhost"
    decided = [r for r in db.session.scalars(sa.select(Registration)) if r.events]
    if not decided:
        assert snapshot() == before
        return
    # Capacity holds, and the message is kept as plain text in each decision's history.
    confirmed = [r for r in decided if r.status == RegistrationStatus.CONFIRMED]
    assert len(confirmed) <= 2
    for registration in decided:
        note = registration.events[-1].note
        assert_plain(note, multiline=True)
        assert note == data["message"].replace("\r\n", "\n").replace("\r", "\n").strip()
    html = get(client, f"/courses/{course.slug}/selection?show=all")
    for registration in decided:
        assert_escaped(html, registration.certificate_name)


# ---------------------------------------------------------------------------------------------
# Calendar links


@run(
    posts(
        {"kind": "personal", "label": "Phone"},
        free=("label",),
        structural={"kind": choices("personal", "organiser")},
    )
)
def test_calendar_link(new_client, data):
    fresh()
    participant = make_user()
    client = new_client(participant)
    before = snapshot()
    response = post(client, "/account/calendars", data)
    # A new link is shown at once (200), never redirected to: its address is shown only once.
    assert response.status_code in (200, 400, 422)
    if snapshot() == before:
        return
    row = only(FeedToken)
    assert_plain(row.label)
    assert_escaped(response.get_data(as_text=True), row.label)
    assert_escaped(get(client, "/account/calendars"), row.label)


# ---------------------------------------------------------------------------------------------
# The feed renderer itself, fed any text (as older rows, imports or the shell could hold)


def _transient_course(title: str, summary: str, room: str, address: str, city: str) -> Course:
    """A course, its venue and rooms in memory only: any text, NUL included, never stored."""
    stamp = datetime(2030, 10, 1, 12, tzinfo=UTC)
    venue = Venue(
        name="ITC-ILO campus",
        address=address,
        city=city,
        country="IT",
        timezone="Europe/Rome",
        rooms=[Room(name=room, seats=40)],
    )
    return Course(
        uid="c0ffee00-0000-4000-8000-000000000000",
        slug="fuzzed",
        kind=CourseKind.COURSE,
        is_online=False,
        default_locale="en",
        venue=venue,
        start_date=date(2030, 11, 18),
        days=5,
        status=CourseStatus.PUBLISHED,
        translations=[CourseTranslation(locale="en", title=title, summary=summary)],
        created_at=stamp,
        updated_at=stamp,
    )


@FORM_SETTINGS
@given(
    title=any_text,
    summary=any_text,
    room=any_text,
    address=any_text,
    city=any_text,
    sessions=st.lists(
        st.tuples(any_text, any_text, any_text, st.booleans(), st.sampled_from(list(SessionKind))),
        min_size=1,
        max_size=4,
    ),
)
@example(
    title="\\N",
    summary="a\\Nb",
    room="\\\\server\\Notes",
    address="",
    city="",
    sessions=[("\\N", "\\N\\n", "0 ", False, SessionKind.OPENING)],
)
def test_course_calendar_renders_any_text(app, title, summary, room, address, city, sessions):
    course = _transient_course(title, summary, room, address, city)
    stamp = datetime(2030, 10, 2, 8, 30, tzinfo=UTC)
    made = []
    for n, (session_title, description, facilitators, cancelled, kind) in enumerate(sessions):
        day = date(2030, 11, 18 + n)
        made.append(
            CourseSession(
                uid=f"5e55107f-0000-4000-8000-00000000000{n}",
                course=course,
                title=session_title,
                kind=kind,
                status=SessionStatus.CANCELLED if cancelled else SessionStatus.SCHEDULED,
                starts_at=local_to_utc(day, time(9), "Europe/Rome"),
                ends_at=local_to_utc(day, time(10, 30), "Europe/Rome"),
                room=course.venue.rooms[0],
                facilitators=facilitators,
                description=description,
                sequence=n,
                created_at=stamp,
                updated_at=stamp,
            )
        )
    raw = course_calendar(course, locale="en")
    cal = check_ics(raw)
    events = events_by_uid(cal)
    shown = [s for s in made if not s.is_break]
    assert len(events) == len(shown)
    assert calendar_name(cal) == plain_text(title)
    for session in shown:
        event = events[f"session-{session.uid}"]
        summary = plain_text(session.title)
        if session.is_cancelled:
            summary = f"Cancelled: {summary}"
        assert str(event["SUMMARY"]) == summary
        description = str(event["DESCRIPTION"])
        if plain_text(session.description).strip():
            assert plain_text(session.description).strip() in description
        if facilitators := plain_text(session.facilitators).strip():
            assert facilitators in description
        assert str(event["LOCATION"]) == plain_text(session_location(session))


# ---------------------------------------------------------------------------------------------
# Any value in a URL's parts


def _get_rules(app: Flask) -> list[Any]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "GET" in rule.methods and rule._converters),
        key=lambda rule: rule.rule,
    )


def _part(rule: Any, name: str) -> st.SearchStrategy[str]:
    converter = type(rule._converters[name]).__name__
    if "Integer" in converter or converter == "IdConverter":
        return st.integers(min_value=0, max_value=10**20).map(str)
    return st.one_of(st.text(min_size=1), st.sampled_from(("probe", "M1", "%00", "..")))


@FORM_SETTINGS
@given(data=st.data())
def test_any_url_part(app, new_client, data):
    """Every page with parts in its address, given any text or number there (a NUL, a number
    past what a row id holds), answers without a server error."""
    fresh()
    admin = make_user(Role.ADMIN)
    make_course(slug="probe", organisers=(admin,), modules=(make_module("M1"),))
    client = new_client(admin)
    rule = data.draw(st.sampled_from(_get_rules(app)))
    path = rule.rule
    # The parts written in the address: a route's defaults (the export's format) are arguments
    # too, but not in the address.
    for name in rule._converters:
        value = data.draw(_part(rule, name), label=name)
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", quote(value, safe=""), path)
    response = client.get(path)
    db.session.rollback()
    assert response.status_code < 500


# Every key a page reads from its query string (filters, searches, pages, links back), and any
# other.
QUERY_KEYS = (
    "q",
    "status",
    "country",
    "organisation_type",
    "role",
    "code",
    "page",
    "kind",
    "programme",
    "host",
    "place",
    "language",
    "module",
    "month",
    "when",
    "day",
    "lang",
    "next",
    "show",
    "sort",
    "order",
)


def _plain_rules(app: Flask) -> list[Any]:
    """GET pages whose only part, if any, is a course's address."""
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if "GET" in rule.methods
            and set(rule.arguments) <= {"slug"}
            and rule.endpoint != "static"
        ),
        key=lambda rule: rule.rule,
    )


@FORM_SETTINGS
@given(data=st.data())
def test_any_query_string(app, new_client, data):
    """Every page given any query string (its own filter and search keys with any value, more
    than once, or keys it does not know) answers without a server error, and shows back what
    it was sent only escaped."""
    fresh()
    admin = make_user(Role.ADMIN)
    course = make_course(slug="probe", organisers=(admin,), modules=(make_module("M1"),))
    make_registration(course)
    client = new_client(admin)
    rule = data.draw(st.sampled_from(_plain_rules(app)), label="page")
    pairs = data.draw(
        st.lists(
            st.tuples(st.one_of(st.sampled_from(QUERY_KEYS), st.text(max_size=10)), any_text),
            min_size=1,
            max_size=4,
        ),
        label="query",
    )
    path = rule.rule.replace("<slug>", "probe").replace("<string:slug>", "probe")
    query = "&".join(f"{quote(key, safe='')}={quote(value, safe='')}" for key, value in pairs)
    response = client.get(f"{path}?{query}")
    db.session.rollback()
    assert response.status_code < 500
    if response.mimetype == "text/html":
        body = response.get_data(as_text=True)
        for _key, value in pairs:
            for payload in MARKUP:
                if payload in value:
                    assert payload not in body
