"""A participant signed in on a laptop and a phone sees both in "Where you are signed in",
the laptop marked as this browser, and signs the phone out from the laptop; the phone is sent
to the log-in page at its next click."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.a11y import check_a11y
from tests.e2e.helpers import add_user, log_in

pytestmark = pytest.mark.e2e

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
# Set SESSIONS_SCREENSHOTS to a folder to keep pictures of the page at both widths.
SHOTS = os.environ.get("SESSIONS_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_signing_out_another_browser(new_page, database):
    with database.session() as s:
        add_user(s, "Sara Sessions", "sara.sessions@example.org")

    laptop = new_page(user_agent=WINDOWS_FIREFOX, viewport={"width": 1280, "height": 800})
    phone = new_page(user_agent=IPHONE, viewport={"width": 375, "height": 740})
    log_in(phone, "sara.sessions@example.org")
    log_in(laptop, "sara.sessions@example.org")

    laptop.goto("/account")
    check_a11y(laptop)
    laptop.get_by_role("link", name="See where you are signed in").click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Where you are signed in")
    check_a11y(laptop)
    items = laptop.locator(".session-list li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("Firefox on Windows")
    expect(items.nth(0)).to_contain_text("This browser")
    expect(items.nth(1)).to_contain_text("Mobile Safari on iOS")
    expect(items.nth(1)).not_to_contain_text("This browser")
    _shot(laptop, "sessions-1280")

    phone.goto("/account/sessions")
    check_a11y(phone)
    _shot(phone, "sessions-375")

    laptop.get_by_role("button", name="Sign out everywhere else").click()
    expect(laptop.locator(".flash")).to_contain_text("1 other session ended")
    check_a11y(laptop)
    expect(items).to_have_count(1)
    _shot(laptop, "sessions-after-1280")

    phone.goto("/account")
    expect(phone).to_have_url(re.compile(r"/login"))
    check_a11y(phone)


def test_an_administrator_ends_a_person_s_sessions(new_page, database):
    from app.accounts.models import Role

    with database.session() as s:
        add_user(s, "Teo Sessions", "teo.sessions@example.org")
        add_user(s, "Ada Sessions", "ada.sessions@example.org", role=Role.ADMIN)

    teo = new_page(user_agent=IPHONE, viewport={"width": 375, "height": 740})
    log_in(teo, "teo.sessions@example.org")
    admin = new_page(viewport={"width": 1280, "height": 800})
    log_in(admin, "ada.sessions@example.org")

    admin.goto("/admin/users?q=sessions")
    check_a11y(admin)
    _shot(admin, "admin-users-1280")
    row = admin.locator("tr", has_text="Teo Sessions")
    row.get_by_role("button", name="End sessions Teo Sessions").click()
    expect(admin.locator(".flash")).to_contain_text("1 session of Teo Sessions ended.")
    check_a11y(admin)
    expect(admin).to_have_url(re.compile(r"/admin/users\?q=sessions$"))

    teo.goto("/account")
    expect(teo).to_have_url(re.compile(r"/login"))
    check_a11y(teo)
