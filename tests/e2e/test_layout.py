"""The public pages fit a phone's screen: nothing wider than the viewport."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.a11y import check_a11y

pytestmark = pytest.mark.e2e


def test_pages_fit_a_phone_screen(new_page):
    page = new_page(viewport={"width": 375, "height": 740})
    page.goto("/")
    # The open edition of the demo course, with its five-day timetable.
    course = (
        page.locator(".course-list")
        .first.get_by_role("link", name="Governing migration at the local level")
        .get_attribute("href")
    )
    for path in ("/", course, "/modules/", "/programmes/", "/login", "/signup"):
        page.goto(path)
        check_a11y(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than the phone"


@pytest.mark.parametrize("language", ["Français", "Español"])
def test_the_application_form_fits_a_phone_in_french_and_spanish(new_page, language):
    # The longest labels are French and Spanish: "Créer mon compte et envoyer ma candidature".
    page = new_page(viewport={"width": 375, "height": 740})
    page.goto("/")
    page.locator("#language-select").select_option(label=language)
    page.locator(".language-switcher button").click()
    page.wait_for_load_state()
    check_a11y(page)
    course = page.locator(".course-list").first.locator("a[href^='/courses/']").first
    page.goto(course.get_attribute("href") + "/register")
    check_a11y(page)
    expect(page.locator("input[type=submit], button[type=submit]").last).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the application form is {overflow}px wider than the phone"
