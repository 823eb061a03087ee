"""Journeys of email addresses as identities: a stranger using a known address sees what a
newcomer sees; a participant changes their address by a link. Each new page is looked at on a
desktop and a phone (screenshots in test-artifacts/identity-*.png)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.a11y import check_a11y
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import PASSWORD, add_user, body, confirmation_path, log_in, outbox

pytestmark = pytest.mark.e2e

WIDTHS = (1280, 375)


def look_at(page, name: str) -> None:
    """Screenshots at both widths; the page must not be wider than a phone."""
    ARTIFACTS.mkdir(exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(ARTIFACTS / f"identity-{name}-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} is {overflow}px wider than {width}px"
    page.set_viewport_size({"width": 1280, "height": 800})


def sign_up(page, name: str, address: str) -> str:
    page.goto("/signup")
    check_a11y(page)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email address").fill(address)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    check_a11y(page)
    return re.sub(r'name="csrf_token" value="[^"]*"', "", page.content())


def test_a_known_address_and_a_new_one_see_the_same_page(new_page, database):
    # (The browser itself refuses a fullwidth letter in an email field; tests/accounts try it.)
    known = sign_up(new_page(), "Someone Else", "Aigul@EXAMPLE.org")
    page = new_page()
    new = sign_up(page, "Amira Saleh", "amira.saleh@example.org")
    look_at(page, "signup-sent")

    assert known == new
    with database.session() as s:
        (notice,) = outbox(s, "aigul@example.org")
        (link,) = outbox(s, "amira.saleh@example.org")
    assert "Someone tried to create an account" in body(notice)
    assert "/confirm/" not in body(notice)

    page.goto(confirmation_path(link))
    check_a11y(page)
    look_at(page, "confirm-signup")
    page.get_by_role("button", name="Confirm and open my account").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome, Amira Saleh!")
    check_a11y(page)
    expect(page.locator(".main-nav")).to_contain_text("Amira Saleh")

    page.goto(confirmation_path(link))
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    expect(page.get_by_role("main")).to_contain_text("already been used")
    check_a11y(page)
    look_at(page, "link-used")


def test_a_participant_changes_their_address_by_a_link(new_page, database):
    # An account of this test's own: the demo people's addresses are the other journeys'.
    with database.session() as s:
        add_user(s, "Marta Novak", "marta@example.org")
    page = new_page()
    log_in(page, "marta@example.org", PASSWORD)
    page.goto("/account")
    check_a11y(page)
    page.get_by_role("link", name="Change", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your email address")
    check_a11y(page)
    look_at(page, "change-email")
    page.get_by_label("New email address").fill("Marta.Novak@Work.example.org")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("status")).to_contain_text(
        "We have sent a link to marta.novak@work.example.org"
    )
    check_a11y(page)

    with database.session() as s:
        (link,) = outbox(s, "marta.novak@work.example.org")
    page.goto(confirmation_path(link))
    check_a11y(page)
    look_at(page, "confirm-email")
    page.get_by_role("button", name="Confirm my new address").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Your email address is now marta.novak@work.example.org."
    )
    check_a11y(page)
    with database.session() as s:
        (notice,) = outbox(s, "marta@example.org")[-1:]
    assert "was changed from marta@example.org to marta.novak@work.example.org" in body(notice)
