"""The course page on a 375 px phone: registration and its button on the first screen and
within reach while scrolling; the timetable one day at a time, one calendar menu a session."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.a11y import check_a11y
from tests.e2e.helpers import add_course, add_session, next_monday

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 375, "height": 740}}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="module")
def course_path(database) -> str:
    monday = next_monday(9)
    with database.session() as s:
        course = add_course(
            s, "phone-course-page", "Migration data for local plans: a phone journey", start=monday
        )
        for offset in range(5):
            day = monday + timedelta(days=offset)
            for start, end, title in (
                (time(9), time(10, 30), f"Morning plenary of day {offset + 1}"),
                (time(11), time(12, 30), f"Case study of day {offset + 1}"),
                (time(14), time(15, 30), f"Group work of day {offset + 1}"),
                (time(16), time(17, 30), f"Debate of day {offset + 1}"),
            ):
                add_session(s, course, day, start, end, title)
        # A long description: "Apply" must not wait for the reader to scroll past it.
        course.translations[0].description = "\n\n".join(
            "Local and regional authorities are on the front line of migration. " * 4
            for _ in range(6)
        )
    return "/courses/phone-course-page"


def _in_first_screen(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_apply_is_on_the_first_screen_and_stays_within_reach(new_page, course_path):
    page = new_page(**PHONE)
    page.goto(course_path)
    check_a11y(page)
    registration = page.locator(".course-register")
    apply = registration.get_by_role("link", name="Apply")
    expect(apply).to_be_visible()
    assert _in_first_screen(page, apply)
    expect(registration.get_by_text("Registration open")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1

    # While the registration box is on screen, no second button; scrolled down to the
    # timetable, the bar at the foot of the screen offers the same.
    bar = page.locator("#register-bar")
    expect(bar).to_be_hidden()
    page.get_by_role("heading", name="Timetable").scroll_into_view_if_needed()
    expect(bar).to_be_visible()
    assert _in_first_screen(page, bar)
    bar.get_by_role("link", name="Apply").click()
    expect(page).to_have_url(re.compile(re.escape(course_path) + "/register$"))
    check_a11y(page)


def test_the_timetable_reads_one_day_at_a_time(new_page, course_path):
    page = new_page(**PHONE)
    page.goto(course_path)
    days = page.get_by_role("navigation", name="Days of the timetable")
    links = days.get_by_role("link")
    expect(links).to_have_count(5)
    # One day shown, its link marked as the current one.
    expect(page.get_by_text("Morning plenary of day 1")).to_be_visible()
    expect(page.get_by_text("Morning plenary of day 3")).to_be_hidden()
    expect(links.nth(0)).to_have_attribute("aria-current", "true")

    links.nth(2).click()
    expect(page.get_by_text("Morning plenary of day 3")).to_be_visible()
    expect(page.get_by_text("Morning plenary of day 1")).to_be_hidden()
    expect(links.nth(2)).to_have_attribute("aria-current", "true")
    check_a11y(page)

    # One "Add to calendar" menu per session of the day, closed until asked.
    day = page.locator("section.day:visible")
    menus = day.locator("details.add-to-calendar")
    expect(menus).to_have_count(4)
    google = day.locator("a", has_text="Google Calendar")
    expect(google).to_have_count(4)  # one in each menu, not three links beside each session
    expect(google.first).to_be_hidden()
    menus.first.locator("summary").click()
    expect(menus.first.get_by_role("link", name="Google Calendar")).to_be_visible()
    expect(menus.first.get_by_role("link", name="Outlook")).to_be_visible()
    expect(menus.first.get_by_role("link", name="Download (.ics)")).to_be_visible()
    check_a11y(page)


def test_a_wide_screen_shows_every_day_and_registration_beside_the_text(new_page, course_path):
    page = new_page(**DESKTOP)
    page.goto(course_path)
    check_a11y(page)
    expect(page.get_by_role("navigation", name="Days of the timetable")).to_be_hidden()
    expect(page.locator("#register-bar")).to_be_hidden()
    for day in range(1, 6):
        expect(page.get_by_text(f"Morning plenary of day {day}")).to_be_visible()
    apply = page.locator(".course-register").get_by_role("link", name="Apply")
    text = page.locator(".course-main .description")
    assert apply.bounding_box()["x"] > text.bounding_box()["x"] + text.bounding_box()["width"]
    assert _in_first_screen(page, apply)
