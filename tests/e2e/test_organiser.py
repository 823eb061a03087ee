"""Journeys of an organiser: a course built from modules, its timetable proposed and changed,
then published; applicants confirmed in bulk on the desk and the list exported."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from playwright.sync_api import expect

from app.db import now_utc
from app.registration.models import RegistrationStatus as S
from tests.e2e.a11y import check_a11y
from tests.e2e.helpers import (
    ORGANISER_EMAIL,
    ORGANISER_PASSWORD,
    add_course,
    add_registration,
    add_user,
    get_user,
    log_in,
    next_monday,
    outbox,
    registration_status,
)

pytestmark = pytest.mark.e2e


def test_organiser_builds_a_course_moves_a_session_and_publishes_it(page, new_page):
    title = "Diaspora engagement for local development"
    start = next_monday(14)
    log_in(page, ORGANISER_EMAIL, ORGANISER_PASSWORD)
    page.get_by_role("link", name="Manage courses").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage courses")
    check_a11y(page)
    page.get_by_role("link", name="New course").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New course")
    check_a11y(page)
    page.get_by_role("group", name="In English").get_by_label("Title").fill(title)
    page.get_by_role("group", name="In English").get_by_label("Summary").fill(
        "Five days on working with diaspora organisations."
    )
    page.get_by_label("First on-site day").fill(start.isoformat())
    page.get_by_label("Registration opens on").fill(now_utc().date().isoformat())
    page.get_by_label("Registration closes on").fill((start - timedelta(weeks=3)).isoformat())
    page.get_by_role("button", name="Save", exact=True).click()

    # A draft until it is ready: next, one module per day.
    expect(page.get_by_role("heading", level=1)).to_have_text("Modules of the course")
    check_a11y(page)
    slug = page.url.split("/courses/", 1)[1].split("/", 1)[0]
    for day, code in enumerate(["M1", "M2", "M3", "M4", "M5"]):
        choice = page.locator(f"select[name='focuses-{day}-module_id']")
        value = choice.locator("option", has_text=f"{code}:").get_attribute("value")
        choice.select_option(value)
    page.get_by_role("button", name="Save the modules").click()
    expect(page.get_by_role("status")).to_have_text("The course's modules were saved.")
    check_a11y(page)

    page.get_by_role("navigation", name="Course management").get_by_role(
        "link", name="Timetable"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Timetable")
    check_a11y(page)
    page.get_by_role("button", name="Propose a timetable").click()
    expect(page.get_by_role("status")).to_contain_text(
        "A timetable of 37 sessions has been proposed"
    )
    check_a11y(page)
    monday = page.locator(f"#day-{start.isoformat()}")
    expect(monday).to_contain_text("Focus: Managing the link between migration and development")

    # The opening moves half an hour earlier.
    monday.get_by_role("link", name="Opening and introductions").click()  # "Edit: …"
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit session")
    check_a11y(page)
    page.get_by_label("Starts at").fill("08:30")
    page.get_by_label("Ends at").fill("09:00")
    page.get_by_role("button", name="Save the session").click()
    expect(page.get_by_role("status").first).to_contain_text("has been saved")
    check_a11y(page)
    opening = page.locator("#day-" + start.isoformat() + " tr", has_text="Opening")
    expect(opening.locator("td.time")).to_have_text("8:30 AM–9:00 AM")

    page.get_by_role("navigation", name="Course management").get_by_role(
        "link", name="Details"
    ).click()
    expect(page.get_by_label("Status")).to_have_value("draft")
    check_a11y(page)
    page.get_by_label("Status").select_option("published")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("The course was saved.")
    check_a11y(page)

    # Anyone sees the new time, on the page and in the feed.
    visitor = new_page()
    visitor.goto("/")
    check_a11y(visitor)
    visitor.get_by_role("link", name=title).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(title)
    check_a11y(visitor)
    first_day = visitor.locator(".day").first
    expect(first_day.locator("td.time").first).to_have_text("8:30 AM–9:00 AM")
    expect(first_day).to_contain_text("Opening and introductions")

    answer = visitor.request.get(f"/courses/{slug}/calendar.ics")
    assert answer.ok
    assert answer.headers["content-type"].startswith("text/calendar")
    feed = icalendar.Calendar.from_ical(answer.body())
    starts = {str(event["SUMMARY"]): event.decoded("DTSTART") for event in feed.walk("VEVENT")}
    rome = ZoneInfo("Europe/Rome")
    assert starts["Opening and introductions"] == datetime.combine(start, time(8, 30), rome)


def test_organiser_confirms_applicants_in_bulk_and_exports_the_list(page, database):
    title = "Labour migration and local economies"
    people = [
        ("Amina Yusuf", "amina.yusuf@example.org"),
        ("Bilal Chaudhry", "bilal.chaudhry@example.org"),
        ("Carmen Rojas", "carmen.rojas@example.org"),
    ]
    with database.session() as s:
        organiser = get_user(s, ORGANISER_EMAIL)
        course = add_course(
            s, "e2e-bulk", title, capacity=10, requires_approval=True, organiser=organiser
        )
        for n, (name, address) in enumerate(people):
            user = add_user(s, name, address)
            applied = now_utc() - timedelta(days=3 - n)
            add_registration(s, course, user, S.SUBMITTED, applied=applied)

    log_in(page, ORGANISER_EMAIL, ORGANISER_PASSWORD)
    page.goto("/manage/courses")
    check_a11y(page)
    page.get_by_role("row", name=title).get_by_role("link", name="Participants").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Participants")
    check_a11y(page)

    for name, _address in people[:2]:
        page.get_by_label(f"Select {name}").check()
    page.get_by_label("Action for the selected participants").select_option("confirm")
    page.get_by_role("button", name="Apply to the selected").click()
    expect(page.get_by_role("status")).to_have_text("2 registrations changed.")
    check_a11y(page)
    for name, status in (
        ("Amina Yusuf", "Confirmed"),
        ("Bilal Chaudhry", "Confirmed"),
        ("Carmen Rojas", "Submitted"),
    ):
        expect(page.get_by_role("row", name=name).locator(".badge")).to_have_text(status)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == "e2e-bulk-participants.csv"
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(row["Name"], row["Email"], row["Status"]) for row in rows] == [
        ("Amina Yusuf", "amina.yusuf@example.org", "Confirmed"),
        ("Bilal Chaudhry", "bilal.chaudhry@example.org", "Confirmed"),
        ("Carmen Rojas", "carmen.rojas@example.org", "Submitted"),
    ]

    with database.session() as s:
        assert registration_status(s, "e2e-bulk", "carmen.rojas@example.org") == S.SUBMITTED
        for _name, address in people[:2]:
            assert [m["Subject"] for m in outbox(s, address)] == [
                f"Your place is confirmed: {title}"
            ]
