"""Journey of a fellowship: an applicant on a phone asks for one in the application, an
organiser awards a partial one from the Fellowships tab on a desktop, and the participant sees
what she owes and, before cancelling, what cancelling today would cost."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from app.core.timeutil import local_date
from app.db import now_utc
from app.finance.models import CancellationRule, CourseFees, FellowshipFund
from tests.e2e.a11y import check_a11y
from tests.e2e.helpers import (
    ORGANISER_EMAIL,
    ORGANISER_PASSWORD,
    add_course,
    add_user,
    get_user,
    log_in,
)

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "has_touch": True}
SLUG = "e2e-fellowships"
TITLE = "Financing local integration services"


def test_an_applicant_asks_for_a_fellowship_and_is_awarded_a_partial_one(new_page, database):
    # 20 days ahead at the venue: half of what she owes would be due if she cancelled today.
    start = local_date(now_utc(), "Europe/Rome") + timedelta(days=20)
    with database.session() as s:
        course = add_course(s, SLUG, TITLE, start=start, organiser=get_user(s, ORGANISER_EMAIL))
        s.add(
            CourseFees(
                course=course,
                currency="EUR",
                tuition=Decimal("2450"),
                subsistence=Decimal("1150.50"),
            )
        )
        s.add_all(
            [
                CancellationRule(course=course, days_before=30, percent=50),
                CancellationRule(course=course, days_before=7, percent=100),
                FellowshipFund(
                    course=course,
                    funder="Swiss Development Cooperation",
                    full_count=2,
                    partial_count=4,
                ),
            ]
        )
        add_user(s, "Nour Haddad", "nour.haddad@example.org")

    # The applicant, on her phone, reads the fees and asks for a fellowship.
    phone = new_page(**PHONE)
    log_in(phone, "nour.haddad@example.org")
    phone.goto(f"/courses/{SLUG}/register")
    check_a11y(phone)
    fees = phone.locator(".fees-box")
    expect(fees).to_contain_text("€3,600.50")
    expect(fees).to_contain_text("50 % of the fees is due if you cancel")
    phone.get_by_label("Country of residence").select_option("LB")
    phone.get_by_label("Nationality").select_option("LB")
    phone.get_by_label("Organisation", exact=True).fill("Union of Municipalities of Tyre")
    phone.get_by_label("Type of organisation").select_option("local_government")
    phone.get_by_label("Job title").fill("Social development officer")
    phone.get_by_label("Why do you want to take part?").fill("We open a service for refugees.")
    phone.get_by_label("I request a fellowship").check()
    phone.get_by_label("I agree that my data are processed").check()
    phone.get_by_role("button", name="Apply").click()
    # Asked without saying why: told beside the field, nothing lost.
    expect(phone.locator("#justification-errors")).to_have_text(
        "Tell us why you need a fellowship."
    )
    check_a11y(phone)
    phone.get_by_label("Why do you need a fellowship?").fill(
        "Our union's training budget goes to the municipal staff in Tyre."
    )
    phone.get_by_label("I agree that my data are processed").check()
    phone.get_by_role("button", name="Apply").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("My courses")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    # The organiser awards a partial fellowship from the Fellowships tab.
    desk = new_page()
    log_in(desk, ORGANISER_EMAIL, ORGANISER_PASSWORD)
    desk.goto(f"/courses/{SLUG}/participants")
    check_a11y(desk)
    desk.get_by_role("link", name="Fellowships", exact=True).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Fellowships")
    check_a11y(desk)
    request = desk.locator(".fellowship-requests > li", has_text="Nour Haddad")
    expect(request).to_contain_text("Our union's training budget goes to the municipal staff")
    request.get_by_label("Partial fellowship").check()
    request.get_by_label("Amount covered (partial)").fill("1 800,25")
    request.get_by_role("button", name="Award").click()
    expect(desk.get_by_role("status").first).to_contain_text(
        "Nour Haddad: Partial fellowship from Swiss Development Cooperation."
    )
    check_a11y(desk)
    funder = desk.locator(".funds tbody tr", has_text="Swiss Development Cooperation")
    expect(funder).to_contain_text("1 of 4")
    expect(funder).to_contain_text("€1,800.25")
    expect(request).to_contain_text("Owes after the fellowship: €1,800.25")
    # Her desk page: the award in her history, what she owes, the form to change it.
    request.get_by_role("link", name="Nour Haddad").click()
    check_a11y(desk)
    expect(desk.locator(".desk-history")).to_contain_text("Fellowship awarded")
    expect(desk.locator("#fees ~ dl.facts").first).to_contain_text("€1,800.25")
    expect(desk.get_by_role("button", name="Change the fellowship")).to_be_visible()

    # Back on her phone: what she owes, and what cancelling today would cost.
    phone.goto("/my/courses")
    check_a11y(phone)
    card = phone.locator(".course-card", has_text=TITLE)
    card.locator("summary", has_text="Your fees, fellowship and billing details").click()
    expect(card.locator(".my-fees")).to_contain_text("Swiss Development Cooperation")
    expect(card.locator(".my-fees")).to_contain_text("€1,800.25")
    card.locator("summary", has_text="Cancel my registration").click()
    expect(card.locator(".cancel-charge")).to_have_text(
        "If you cancel today, 50 % of the fees is due: €900.13."
    )
    check_a11y(phone)
