"""A participant makes a personal calendar link, copies it and a calendar app reads it."""

from __future__ import annotations

import urllib.request

import pytest
from playwright.sync_api import expect

from app.demo.services import PARTICIPANT_PASSWORD
from tests.e2e.a11y import check_a11y
from tests.e2e.helpers import log_in

pytestmark = pytest.mark.e2e


def test_a_participant_copies_the_personal_feed_link_and_it_serves_the_calendar(page):
    log_in(page, "wanjiru@example.org", PARTICIPANT_PASSWORD)
    page.get_by_role("link", name="My courses").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My courses")
    check_a11y(page)
    page.get_by_role("link", name="Your personal calendar feed (all your courses)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Calendar links")
    check_a11y(page)
    expect(page.get_by_text("You have no calendar links yet.")).to_be_visible()
    page.get_by_label("Name of the link").fill("Phone")
    page.get_by_role("button", name="Create a link").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your new calendar link")
    check_a11y(page)
    field = page.get_by_label("Address (https)")
    expect(field).to_have_attribute("readonly", "")
    address = field.input_value()
    assert address.startswith(f"{page.url.split('/account/', 1)[0]}/feeds/")
    assert address.endswith(".ics")
    webcal = page.get_by_label("The same address for Apple Calendar and Outlook (webcal)")
    expect(webcal).to_have_value("webcal" + address[address.index(":") :])

    # A calendar app has no cookie: the address alone opens the feed.
    with urllib.request.urlopen(address, timeout=10) as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/calendar")
        feed = answer.read().decode()
    assert feed.startswith("BEGIN:VCALENDAR")
    assert "Governing migration at the local level" in feed.replace("\r\n ", "")

    page.get_by_role("link", name="Back to your calendar links").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Calendar links")
    check_a11y(page)
    row = page.get_by_role("row", name="Phone")
    expect(row).to_contain_text("My courses")
    expect(page.get_by_text(address)).to_have_count(0)  # shown once, never again
