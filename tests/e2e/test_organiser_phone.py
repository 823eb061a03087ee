"""An organiser's pages on a 375 px phone, in Chromium: the desk's list as cards whose actions
work, the attendance grid one day at a time with thumb-sized boxes, the timetable editor and
its form; nothing wider than the screen. The same pages still read as tables at 1280 px."""

from __future__ import annotations

import re
import secrets
from datetime import time, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.accounts.models import Role
from app.registration.models import Attendance, Registration
from app.registration.models import RegistrationStatus as S
from tests.e2e.a11y import check_a11y
from tests.e2e.helpers import (
    add_course,
    add_registration,
    add_session,
    add_user,
    log_in,
    next_monday,
)

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 740}
WIDE = {"width": 1280, "height": 900}


def assert_fits(page, width: int = 375) -> None:
    """Nothing scrolls sideways: neither the page nor the list, grid or timetable in it."""
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width, page.url
    wider = page.evaluate(
        """() => [...document.querySelectorAll('.table-wrap, table')]
              .filter(el => el.scrollWidth > el.clientWidth + 1
                            || el.getBoundingClientRect().right > window.innerWidth + 1)
              .map(el => el.className)"""
    )
    assert wider == [], f"{page.url}: {wider} wider than the screen"


@pytest.fixture
def phone_course(database):
    """An organiser of their own with a course: six applicants (names with accents and their
    look-alikes), three confirmed, and two sessions on the first day."""
    tag = secrets.token_hex(3)  # each test its own people and course
    with database.session() as s:
        organiser = add_user(
            s, "Odile Phone", f"odile.phone.{tag}@example.org", role=Role.ORGANISER
        )
        course = add_course(
            s,
            f"phone-desk-{tag}",
            "Local migration governance on the go",
            organiser=organiser,
            start=next_monday(10),
        )
        people = [
            ("Lucía Ñúñez", S.SUBMITTED),
            ("Lucas Nunes", S.SUBMITTED),
            ("Jonas Sørensen", S.SUBMITTED),
            ("Mehmet Şahin", S.CONFIRMED),
            ("Mehmet Shahin", S.CONFIRMED),
            ("Ana Souza", S.CONFIRMED),
        ]
        for n, (name, status) in enumerate(people):
            user = add_user(s, name, f"phone{n}.{tag}@example.org")
            add_registration(s, course, user, status)
        first = course.start_date
        add_session(s, course, first, time(9), time(10, 30), "Opening and introductions")
        add_session(s, course, first, time(11), time(12, 30), "Mapping local migration data")
        return {"email": organiser.email, "slug": course.slug, "id": course.id}


def test_the_desk_on_a_phone(new_page, phone_course, database):
    page = new_page(viewport=PHONE)
    log_in(page, phone_course["email"])
    # "Manage courses" as cards, with the applications awaiting a decision a tap from the desk.
    page.goto("/manage/courses")
    check_a11y(page)
    assert_fits(page)
    page.get_by_role("link", name=re.compile(r"^3 applications")).click()
    check_a11y(page)
    expect(page).to_have_url(re.compile(r"/participants\?status=submitted$"))
    desk = f"/courses/{phone_course['slug']}/participants"
    page.goto(desk)
    check_a11y(page)
    assert_fits(page)
    cards = page.locator("table.desk-list tbody tr")
    expect(cards).to_have_count(6)
    # A card: its name and labelled details, one above the other, inside the screen.
    first = cards.first.bounding_box()
    assert first["x"] >= 0 and first["x"] + first["width"] <= 375
    expect(cards.first.locator("td[data-label='Email']")).to_be_visible()

    # The search ignores case and accents; its look-alike is not found.
    for typed, found, not_found in [
        ("ñúñez", "Lucía Ñúñez", "Lucas Nunes"),
        ("SØRENSEN", "Jonas Sørensen", "Lucía Ñúñez"),
        ("sahin", "Mehmet Şahin", "Mehmet Shahin"),
    ]:
        page.get_by_label("Search").fill(typed)
        page.get_by_role("button", name="Filter").click()
        check_a11y(page)
        expect(cards).to_have_count(1)
        expect(cards.first).to_contain_text(found)
        expect(page.locator("table.desk-list")).not_to_contain_text(not_found)

    # The exports say which filter they follow, and offer everyone apart.
    page.goto(f"{desk}?status=submitted")
    check_a11y(page)
    assert_fits(page)
    expect(
        page.get_by_role("link", name="Download CSV: the 3 shown (Status: Submitted)")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Download CSV: all 6 registrations")).to_be_visible()

    # "Select all shown" by keyboard, then one bulk action.
    select_all = page.get_by_label("Select all 3 shown")
    select_all.focus()
    page.keyboard.press("Space")
    for box in page.locator("table.desk-list input[name=registration_ids]").all():
        expect(box).to_be_checked()
    page.get_by_label("Action for the selected participants").select_option(label="Confirm")
    page.get_by_role("button", name="Apply to the selected").click()
    expect(page.get_by_text("3 registrations changed.")).to_be_visible()
    check_a11y(page)
    assert_fits(page)

    # A card's own action, with a button a thumb can hit.
    page.goto(desk)
    check_a11y(page)
    card = cards.filter(has_text="Ana Souza")
    cancel = card.locator("details.confirm summary")
    assert cancel.bounding_box()["height"] >= 44
    cancel.click()
    button = card.get_by_role("button", name="Cancel the registration")
    assert button.bounding_box()["height"] >= 44
    button.click()
    expect(page.get_by_text("The registration of Ana Souza was cancelled.")).to_be_visible()
    check_a11y(page)
    with database.session() as s:
        statuses = dict(
            s.execute(
                sa.select(Registration.certificate_name, Registration.status).where(
                    Registration.course_id == phone_course["id"]
                )
            ).all()
        )
    assert statuses["Ana Souza"] == S.CANCELLED
    assert statuses["Lucía Ñúñez"] == statuses["Jonas Sørensen"] == S.CONFIRMED


def test_the_attendance_grid_on_a_phone_shows_one_day(new_page, phone_course, database):
    page = new_page(viewport=PHONE)
    log_in(page, phone_course["email"])
    page.goto(f"/courses/{phone_course['slug']}/attendance")
    check_a11y(page)
    assert_fits(page)
    grid = page.locator("table.attendance-grid")
    boxes = grid.locator("input[name=marks]")
    # Three confirmed people × five days in the form; one day's three on the screen.
    expect(boxes).to_have_count(15)
    expect(grid.locator("input[name=marks]:visible")).to_have_count(3)
    monday = grid.get_by_label("Mehmet Şahin present on", exact=False).first
    monday.check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved.")).to_be_visible()
    check_a11y(page)

    # Wednesday, picked by its link: its own column, large boxes, Monday's tick kept.
    page.get_by_role("navigation", name="Day shown").get_by_role("link").nth(2).click()
    check_a11y(page)
    assert_fits(page)
    expect(page).to_have_url(re.compile(r"\?day=\d{4}-\d{2}-\d{2}"))
    visible = grid.locator("input[name=marks]:visible")
    expect(visible).to_have_count(3)
    box = visible.first.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    wednesday_url = page.url.split("#")[0]
    visible.nth(1).check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved.")).to_be_visible()
    check_a11y(page)
    assert page.url.split("#")[0] == wednesday_url
    with database.session() as s:
        present = s.scalars(
            sa.select(Attendance.day)
            .join(Registration)
            .where(Registration.course_id == phone_course["id"], Attendance.is_present)
        ).all()
    start = next_monday(10)
    assert sorted(present) == [start, start + timedelta(days=2)]


def test_the_timetable_editor_on_a_phone(new_page, phone_course):
    page = new_page(viewport=PHONE)
    log_in(page, phone_course["email"])
    page.goto(f"/courses/{phone_course['slug']}/timetable")
    check_a11y(page)
    assert_fits(page)
    row = page.locator("table.timetable-editor tr", has_text="Mapping local migration data")
    edit = row.get_by_role("link", name=re.compile(r"^Edit"))
    assert edit.bounding_box()["height"] >= 44
    edit.click()
    check_a11y(page)
    assert_fits(page)
    page.get_by_label("Title").fill("Mapping local migration data together")
    page.get_by_role("button", name="Save the session").click()
    check_a11y(page)
    assert_fits(page)
    expect(page.locator("table.timetable-editor")).to_contain_text(
        "Mapping local migration data together"
    )
    page.get_by_role("link", name="Add a session", exact=True).click()
    check_a11y(page)
    assert_fits(page)


def test_the_same_pages_are_tables_on_a_wide_screen(new_page, phone_course):
    page = new_page(viewport=WIDE)
    log_in(page, phone_course["email"])
    for path, table in [
        ("participants", "table.desk-list"),
        ("attendance", "table.attendance-grid"),
        ("timetable", "table.timetable-editor"),
    ]:
        page.goto(f"/courses/{phone_course['slug']}/{path}")
        check_a11y(page)
        assert_fits(page, 1280)
        expect(page.locator(f"{table} thead").first).to_be_visible()
    # Every day's column shows, and the day links are not needed.
    expect(page.locator("table.attendance-grid input[name=marks]:visible")).to_have_count(0)
    page.goto(f"/courses/{phone_course['slug']}/attendance")
    check_a11y(page)
    expect(page.locator("table.attendance-grid input[name=marks]:visible")).to_have_count(15)
    expect(page.get_by_role("navigation", name="Day shown")).to_be_hidden()
