"""Journeys of participants: applying (as a newcomer, and with the keyboard only), the form's
errors, and a cancellation that gives the seat to the first person waiting."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.demo.services import PARTICIPANT_PASSWORD
from app.registration.models import RegistrationStatus as S
from tests.e2e.a11y import check_a11y
from tests.e2e.helpers import (
    PASSWORD,
    add_course,
    add_registration,
    confirmation_path,
    get_user,
    log_in,
    outbox,
    registration_status,
)

pytestmark = pytest.mark.e2e

DEMO_COURSE = "Governing migration at the local level"


def test_newcomer_applies_to_the_open_course_with_a_new_account_and_is_confirmed(page, database):
    page.goto("/")
    check_a11y(page)
    # The upcoming courses come first; the 2017 edition of the same course is further down.
    page.locator(".course-list").first.get_by_role("link", name=DEMO_COURSE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DEMO_COURSE)
    check_a11y(page)
    page.get_by_role("link", name="Apply", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Apply to “{DEMO_COURSE}”")
    check_a11y(page)

    page.get_by_label("Your name", exact=True).fill("Nadia Haddad")
    page.get_by_label("Email address").fill("nadia.haddad@example.org")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_label("Your name as it should appear on your certificate").fill("Nadia Haddad")
    page.get_by_label("Country of residence").select_option("LB")
    page.get_by_label("Nationality").select_option("LB")
    page.get_by_label("Organisation", exact=True).fill("Municipality of Tripoli")
    page.get_by_label("Type of organisation").select_option("local_government")
    page.get_by_label("Job title").fill("Head of the social development unit")
    page.get_by_label("Why do you want to take part?").fill("We are drafting a local plan.")
    # The course has fees: a fellowship is asked for, and the employer pays the rest.
    expect(page.locator(".fees-box")).to_contain_text("€3,600.00")
    page.get_by_label("I request a fellowship").check()
    page.get_by_label("Why do you need a fellowship?").fill("Our budget was cut this year.")
    page.get_by_label("My employer").check()
    page.get_by_label("Invoice to (organisation)").fill("Municipality of Tripoli")
    page.get_by_label("Invoice address").fill("Town hall\nTripoli, Lebanon")
    page.get_by_label("I agree that my data are processed").check()
    page.get_by_role("button", name="Create my account and apply").click()

    # Nothing is submitted until the address is confirmed by the mailed link.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.get_by_role("main")).to_contain_text("sent as soon as you confirm your address")
    check_a11y(page)
    with database.session() as s:
        (link,) = outbox(s, "nadia.haddad@example.org")
    assert link["Subject"] == "Confirm your email address for Atelier"
    page.goto(confirmation_path(link))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    check_a11y(page)
    page.get_by_role("button", name="Confirm and submit my application").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("My courses")
    check_a11y(page)
    expect(page.get_by_role("status")).to_contain_text("is confirmed")
    card = page.locator(".course-card", has_text=DEMO_COURSE)
    expect(card.locator(".badge").first).to_have_text("Confirmed")
    expect(page.locator(".main-nav")).to_contain_text("Nadia Haddad")

    with database.session() as s:
        messages = outbox(s, "nadia.haddad@example.org")[1:]
    assert [m["Subject"] for m in messages] == [f"Your place is confirmed: {DEMO_COURSE}"]
    assert "Nadia Haddad" in messages[0].get_body(preferencelist=("plain",)).get_content()


def test_a_cancellation_gives_the_seat_to_the_first_person_waiting(new_page, database):
    title = "Financing local migration initiatives"
    with database.session() as s:
        course = add_course(s, "e2e-waitlist", title, capacity=1)
        ion, marija, aigul = (
            get_user(s, f"{name}@example.org") for name in ("ion", "marija", "aigul")
        )
        add_registration(s, course, ion, S.CONFIRMED)
        add_registration(s, course, marija, S.WAITLISTED, waitlist_position=1)
        add_registration(s, course, aigul, S.WAITLISTED, waitlist_position=2)

    page = new_page()
    log_in(page, "ion@example.org", PARTICIPANT_PASSWORD)
    page.goto("/my/courses")
    check_a11y(page)
    card = page.locator(".course-card", has_text=title)
    expect(card.locator(".badge").first).to_have_text("Confirmed")
    card.locator("summary", has_text="Cancel my registration").click()
    check_a11y(page)
    card.get_by_role("button", name="Yes, cancel my registration").click()

    expect(page.get_by_role("status")).to_contain_text(f"Your registration for “{title}” is")
    check_a11y(page)
    expect(card.locator(".badge").first).to_have_text("Cancelled")

    with database.session() as s:
        assert registration_status(s, "e2e-waitlist", "marija@example.org") == S.CONFIRMED
        assert registration_status(s, "e2e-waitlist", "aigul@example.org") == S.WAITLISTED
        promoted = outbox(s, "marija@example.org")
        assert [m["Subject"] for m in promoted] == [
            f"A seat is free: your place is confirmed for {title}"
        ]

    # Marija sees her seat; Mehmet is now first in line.
    for person, status, line in (
        ("marija", "Confirmed", None),
        ("aigul", "On the waiting list", "You are number 1 on the waiting list."),
    ):
        page = new_page()
        log_in(page, f"{person}@example.org", PARTICIPANT_PASSWORD)
        page.goto("/my/courses")
        check_a11y(page)
        card = page.locator(".course-card", has_text=title)
        expect(card.locator(".badge").first).to_have_text(status)
        if line:
            expect(card).to_contain_text(line)


def _focused(page) -> str:
    """The id of the focused element (or its text, for an element without one)."""
    return page.evaluate(
        "() => document.activeElement.id || document.activeElement.textContent.trim()"
    )


def test_an_application_can_be_made_with_the_keyboard_only(page, database):
    title = "Migrant inclusion in local services"
    with database.session() as s:
        add_course(s, "e2e-keyboard", title)
    page.goto("/courses/e2e-keyboard/register")
    check_a11y(page)
    keyboard = page.keyboard

    # The skip link comes first and leads into the page's content.
    keyboard.press("Tab")
    assert _focused(page) == "Skip to content"
    keyboard.press("Enter")
    keyboard.press("Tab")
    assert _focused(page) == "Log in first, then apply"

    def next_field(field_id: str, text: str | None = None) -> None:
        keyboard.press("Tab")
        assert _focused(page) == field_id
        if text is not None:
            keyboard.type(text)

    next_field("account_name", "Kwame Mensah")
    next_field("email", "kwame.mensah@example.org")
    next_field("password", PASSWORD)
    next_field("confirm", PASSWORD)
    next_field("certificate_name", "Kwame Mensah")
    next_field("country", "Ghana")  # typing picks the option in a closed list
    next_field("nationality", "Ghana")
    next_field("gender")  # optional: left as it is
    next_field("language")  # English, the page's language
    next_field("organisation", "Accra Metroplitan")
    next_field("organisation_type", "Local")
    next_field("job_title", "Planning officer")
    # A typo two fields back: Shift+Tab to it, select it all and type it again.
    keyboard.press("Shift+Tab")
    keyboard.press("Shift+Tab")
    assert _focused(page) == "organisation"
    keyboard.press("Control+A")
    keyboard.type("Accra Metropolitan Assembly")
    keyboard.press("Tab")
    keyboard.press("Tab")
    assert _focused(page) == "job_title"
    next_field("motivation", "Our assembly is opening a one-stop shop for newcomers.")
    next_field("funding", "Paid")
    next_field("diet")
    next_field("accessibility", "Large print, please.")
    next_field("consent_data")
    keyboard.press("Space")
    next_field("Read the privacy notice")  # a link beside the consent it explains
    next_field("consent_listing")
    next_field("consent_alumni")  # left unticked: no news of later editions
    next_field("submit")
    keyboard.press("Enter")

    # The answers wait for the address to be confirmed by the mailed link.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    check_a11y(page)
    with database.session() as s:
        (link,) = outbox(s, "kwame.mensah@example.org")
    page.goto(confirmation_path(link))
    check_a11y(page)
    page.get_by_role("button", name="Confirm and submit my application").focus()
    keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("My courses")
    check_a11y(page)
    card = page.locator(".course-card", has_text=title)
    expect(card.locator(".badge").first).to_have_text("Confirmed")
    card.locator("summary", has_text="Your application").click()
    for shown in ("Accra Metropolitan Assembly", "Ghana", "Large print, please."):
        expect(card.locator("dl.facts")).to_contain_text(shown)


def test_form_errors_are_shown_beside_their_fields_and_announced(page, database):
    with database.session() as s:
        add_course(s, "e2e-form-errors", "Data on migration for local plans")
    page.goto("/courses/e2e-form-errors/register")
    check_a11y(page)
    page.get_by_label("Your name", exact=True).fill("Lena Fischer")
    page.get_by_label("Email address").fill("lena.fischer@example.org")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill("another long password")
    page.get_by_label("Your name as it should appear on your certificate").fill("Lena Fischer")
    page.get_by_label("Country of residence").select_option("DE")
    page.get_by_label("Nationality").select_option("DE")
    page.get_by_label("Organisation", exact=True).fill("City of Leipzig")
    page.get_by_label("Type of organisation").select_option("local_government")
    page.get_by_label("Job title").fill("Integration officer")
    page.get_by_label("Why do you want to take part?").fill("To plan with better data.")
    page.get_by_label("How will your participation be funded?").select_option("self")
    page.get_by_label("I agree that my data are processed").check()
    page.get_by_role("button", name="Create my account and apply").click()

    # Beside the field, and tied to it for assistive technologies.
    confirm = page.get_by_label("Repeat the password")
    expect(confirm).to_have_attribute("aria-invalid", "true")
    check_a11y(page)
    described_by = (confirm.get_attribute("aria-describedby") or "").split()
    assert "confirm-errors" in described_by
    errors = page.locator("#confirm-errors")
    expect(errors).to_have_text("The two passwords differ.")
    field = page.locator(".field", has=confirm)
    expect(field).to_have_class(re.compile(r"\bhas-error\b"))
    expect(field.locator(".errors")).to_have_text("The two passwords differ.")
    # Announced: a summary in an alert, focused as the page opens, linking to the field.
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Repeat the password: The two passwords differ.")
    summary.get_by_role("link", name="Repeat the password").click()
    assert _focused(page) == "confirm"
    # What was right is kept, nothing was created.
    expect(page.get_by_label("Organisation", exact=True)).to_have_value("City of Leipzig")
    with database.session() as s:
        assert outbox(s, "lena.fischer@example.org") == []
