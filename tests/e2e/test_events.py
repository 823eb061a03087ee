"""Events in other time zones: a side event at the Quito venue shows the venue's own time to a
visitor anywhere, and an online event's times follow the browser's zone
(static/js/localtime.js)."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from app.courses.models import CourseKind, RegistrationMode
from app.db import now_utc
from tests.e2e.a11y import check_a11y
from tests.e2e.helpers import PASSWORD, add_course, add_session, body, confirmation_path, outbox

pytestmark = pytest.mark.e2e


def test_a_visitor_registers_for_a_side_event_in_quito_and_sees_its_time(new_page, database):
    title = "Intermediary cities and migration: launch of the network"
    day = now_utc().date() + timedelta(days=40)
    with database.session() as s:
        event = add_course(
            s,
            "e2e-quito-side-event",
            title,
            kind=CourseKind.SIDE_EVENT,
            city="Quito",
            start=day,
            days=1,
            capacity=80,
            mode=RegistrationMode.RSVP,
            languages="en,es",
        )
        add_session(s, event, day, time(11, 0), time(12, 30), "Launch and panel of mayors")

    # A visitor in Rome, where 11:00 in Quito (UTC-5) is 17:00 or 18:00.
    page = new_page(timezone_id="Europe/Rome")
    page.goto("/?kind=side_event")
    check_a11y(page)
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    check_a11y(page)
    expect(page.locator(".timezone-note")).to_have_text("Times are in Quito time (-05).")
    times = page.locator("table.timetable td.time")
    expect(times).to_have_text(["11:00 AM–12:30 PM"])

    page.get_by_role("link", name="Register", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Register for “{title}”")
    check_a11y(page)
    page.get_by_label("Your name", exact=True).fill("Sofia Conti")
    page.get_by_label("Email address").fill("sofia.conti@example.org")
    page.get_by_label("Organisation", exact=True).fill("Città di Torino")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_label("I agree that my data are processed").check()
    page.get_by_role("button", name="Create my account and register").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    check_a11y(page)
    with database.session() as s:
        (link,) = outbox(s, "sofia.conti@example.org")
    page.goto(confirmation_path(link))
    check_a11y(page)
    page.get_by_role("button", name="Confirm and register").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("My courses")
    check_a11y(page)
    card = page.locator(".course-card", has_text=title)
    expect(card.locator(".badge").first).to_have_text("Confirmed")
    card.get_by_role("link", name="Event page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    check_a11y(page)
    # The registration box (first on a phone, beside the text on a wide screen).
    expect(page.get_by_role("region", name="Registration")).to_contain_text(
        "You have registered. Confirmed"
    )
    expect(times).to_have_text(["11:00 AM–12:30 PM"])

    with database.session() as s:
        (_link, message) = outbox(s, "sofia.conti@example.org")
    assert "America/Guayaquil" in body(message)
    assert "local time at the venue" in body(message)


def test_times_of_an_online_event_follow_the_browsers_zone(new_page, database):
    day = now_utc().date() + timedelta(days=30)
    with database.session() as s:
        webinar = add_course(
            s,
            "e2e-webinar",
            "Follow-up webinar: data for local plans",
            kind=CourseKind.WEBINAR,
            online_url="https://meet.example.org/webinar",
            mode=RegistrationMode.NONE,
            start=day,
            days=1,
        )
        add_session(s, webinar, day, time(13, 0), time(14, 0), "Live discussion")  # UTC
        add_session(s, webinar, day, time(20, 0), time(21, 0), "Late session")

    page = new_page(timezone_id="Asia/Tokyo")
    page.goto("/courses/e2e-webinar")
    check_a11y(page)
    times = page.locator("time[data-localize]")
    # 13:00 and 14:00 UTC are 22:00 and 23:00 in Tokyo; 20:00 UTC is 05:00 the next day.
    expect(page.locator(".timezone-note")).to_have_text("Times in your time zone (Asia/Tokyo).")
    expect(times.nth(0)).to_have_text(re.compile(r"^10:00\sPM$"))
    expect(times.nth(1)).to_have_text(re.compile(r"^11:00\sPM$"))
    next_day = day + timedelta(days=1)
    expect(times.nth(2)).to_contain_text(str(next_day.day))
    expect(times.nth(2)).to_contain_text("5:00")
