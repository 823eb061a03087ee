"""Journey of two-factor log-in: Ana turns it on from her account page (the QR code, and the key
typed by hand into her app, here pyotp), keeps her recovery codes, logs out, and logs in again
with her password and then a code; a wrong code is refused beside the field on the way."""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import expect

from app.accounts.models import Role
from app.twofactor.services import STEP_SECONDS as STEP
from tests.e2e.a11y import check_a11y
from tests.e2e.helpers import PASSWORD, add_user, log_in

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("AUTH_SCREENSHOTS", "test-artifacts/auth"))
PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 1, "has_touch": True}


def shoot(page, name: str) -> None:
    if os.environ.get("AUTH_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_ana_turns_on_two_factor_and_logs_in_with_a_code(database, new_page):
    with database.session() as s:
        add_user(s, "Ana Alves", "ana.2fa@example.org")
        add_user(s, "Ana Álvarez", "ana.alvarez.2fa@example.org")

    page = new_page(viewport={"width": 1280, "height": 900})
    log_in(page, "ana.2fa@example.org")
    page.goto("/account")
    check_a11y(page)
    page.get_by_role("link", name="Two-factor log-in").click()
    expect(page.get_by_text("Two-factor log-in is off.")).to_be_visible()
    check_a11y(page)
    page.get_by_role("link", name="Set up two-factor log-in").click()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    check_a11y(page)
    shoot(page, "setup-1280")
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)

    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Turn on two-factor log-in").click()
    expect(page.locator("#code-errors")).to_contain_text("This code is not right.")
    check_a11y(page)

    # The code of the step before: still accepted, and leaves the current one for the log-in.
    # The server checks it a moment later, so not in a step's last seconds (the step before
    # would by then be two steps back, out of the window).
    left = STEP - time.time() % STEP
    if left < 5:
        time.sleep(left + 0.1)
    earlier = datetime.now(UTC) - timedelta(seconds=STEP)
    page.get_by_label("Code from the app").fill(totp.at(earlier))
    page.get_by_role("button", name="Turn on two-factor log-in").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator("ul.recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)
    check_a11y(page)
    shoot(page, "codes-1280")
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_text("10 recovery codes are left.")).to_be_visible()
    check_a11y(page)
    shoot(page, "status-1280")
    page.get_by_role("button", name="Log out").click()

    # Logging in again, on her phone: the password, then the code.
    phone = new_page(**PHONE)
    phone.goto("/login")
    check_a11y(phone)
    phone.get_by_label("Email address").fill("ana.2fa@example.org")
    phone.get_by_label("Password", exact=True).fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    expect(phone).to_have_url(re.compile(r"/login/two-factor$"))
    check_a11y(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shoot(phone, "verify-375")
    phone.get_by_label("Code").fill(totp.now())
    phone.get_by_role("button", name="Log in").click()
    expect(phone.get_by_text("You are logged in.")).to_be_visible()
    check_a11y(phone)
    phone.goto("/account/two-factor")
    expect(phone.get_by_text("Two-factor log-in is on")).to_be_visible()
    check_a11y(phone)
    shoot(phone, "status-375")


def test_the_set_up_page_fits_a_phone(database, new_page):
    with database.session() as s:
        add_user(s, "Ana Alvares", "ana.alvares.2fa@example.org")
    phone = new_page(**PHONE)
    log_in(phone, "ana.alvares.2fa@example.org")
    phone.goto("/account/two-factor/setup")
    check_a11y(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shoot(phone, "setup-375")


def test_the_security_settings_page(database, new_page):
    with database.session() as s:
        add_user(s, "Ada Admin", "ada.2fa@example.org", role=Role.ADMIN)
    for width in (1280, 375):
        page = new_page(viewport={"width": width, "height": 800})
        log_in(page, "ada.2fa@example.org")
        page.get_by_role("link", name="Security").click()
        expect(page.get_by_role("heading", name="Security settings")).to_be_visible()
        expect(
            page.get_by_label(
                "Administrators and organisers must log in with two-factor authentication"
            )
        ).not_to_be_checked()
        check_a11y(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shoot(page, f"admin-security-{width}")
        # Not saved: turning the rule on would hold every organiser of the other journeys.
