"""The whole money-and-visa journey of issue 14 for one participant from Nairobi: she applies on
her phone asking for a fellowship, then for an invitation letter; her organiser awards a partial
fellowship, invoices her employer for the rest, issues the letter and records the payment; she
sees the letter and nothing left to pay. Another course of the same organiser, with its own
namesake owing money, stays untouched."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from app.core.timeutil import local_date
from app.db import now_utc
from app.finance.models import CancellationRule, CourseFees, FellowshipFund
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
)

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "has_touch": True}
SLUG = "e2e-money-visa"
TITLE = "Migration data for local planning"


def test_fellowship_invoice_payment_and_visa_letter(new_page, database):
    start = local_date(now_utc(), "Europe/Rome") + timedelta(days=45)
    with database.session() as s:
        organiser = get_user(s, ORGANISER_EMAIL)
        course = add_course(s, SLUG, TITLE, start=start, organiser=organiser)
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
                FellowshipFund(
                    course=course, funder="European Union", full_count=1, partial_count=3
                ),
            ]
        )
        other = add_course(
            s, "e2e-money-other", "Labour migration statistics", start=start, organiser=organiser
        )
        s.add(CourseFees(course=other, currency="EUR", tuition=Decimal("900"), subsistence=0))
        add_registration(
            s, other, add_user(s, "Wanjiru Kamau", "wanjiru.other@example.org"), S.CONFIRMED
        )
        add_user(s, "Wanjiru Kamau", "wanjiru.kamau@example.org")

    # On her phone: the application, with a fellowship asked for and her employer paying.
    phone = new_page(**PHONE)
    log_in(phone, "wanjiru.kamau@example.org")
    phone.goto(f"/courses/{SLUG}/register")
    check_a11y(phone)
    phone.get_by_label("Country of residence").select_option("KE")
    phone.get_by_label("Nationality").select_option("KE")
    phone.get_by_label("Organisation", exact=True).fill("County Government of Nairobi")
    phone.get_by_label("Type of organisation").select_option("local_government")
    phone.get_by_label("Job title").fill("Planning officer")
    phone.get_by_label("Why do you want to take part?").fill("Our county counts its migrants.")
    phone.get_by_label("I request a fellowship").check()
    phone.get_by_label("Why do you need a fellowship?").fill("Our training budget is spent.")
    phone.get_by_role("group", name="Who pays the fees?").get_by_label("My employer").check()
    phone.get_by_label("Invoice to (organisation)").fill("County Government of Nairobi")
    phone.get_by_label("Invoice address").fill("City Hall Way\nP.O. Box 30075\nNairobi")
    phone.get_by_label("Email for the invoice").fill("finance@nairobi.example.org")
    phone.get_by_label("I agree that my data are processed").check()
    phone.get_by_role("button", name="Apply").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("My courses")
    check_a11y(phone)

    # Then the invitation letter for the visa.
    phone.get_by_role("link", name=re.compile("Ask for an invitation letter")).click()
    check_a11y(phone)
    phone.get_by_label("Name as in your passport").fill("KAMAU WANJIRU")
    phone.get_by_label("Passport number").fill("ak 0412 377")
    phone.get_by_label("Nationality").select_option("KE")
    phone.get_by_label("Date of birth").fill("1986-03-14")
    phone.get_by_label("City of the consulate").fill("Nairobi")
    phone.get_by_label("Country of the consulate").select_option("KE")
    phone.get_by_role("button", name="Request the letter").click()
    expect(phone.get_by_text("AK0412377")).to_be_visible()
    check_a11y(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    # The organiser, on a desktop: a partial fellowship for half the fees.
    desk = new_page()
    log_in(desk, ORGANISER_EMAIL, ORGANISER_PASSWORD)
    desk.goto(f"/courses/{SLUG}/fellowships")
    check_a11y(desk)
    request = desk.locator(".fellowship-requests > li", has_text="Wanjiru Kamau")
    expect(request).to_contain_text("Our training budget is spent.")
    request.get_by_label("Partial fellowship").check()
    request.get_by_label("Amount covered (partial)").fill("1800.25")
    request.get_by_role("button", name="Award").click()
    expect(request).to_contain_text("Owes after the fellowship: €1,800.25")
    check_a11y(desk)

    # The invoice for the rest, to her employer as she asked.
    desk.goto(f"/courses/{SLUG}/invoices")
    check_a11y(desk)
    row = desk.locator("tr", has_text="Wanjiru Kamau")
    expect(row).to_contain_text("€1,800.25")
    row.get_by_role("link", name=re.compile(r"^Issue an invoice")).click()
    check_a11y(desk)
    expect(desk.get_by_label("Amount")).to_have_value("1800.25")
    expect(desk.get_by_label("Addressed to")).to_have_value("County Government of Nairobi")
    desk.get_by_role("button", name="Issue and mail it").click()
    heading = desk.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile(r"Invoice INV-\d{4}-\d{4}"))
    number = re.search(r"INV-\d{4}-\d{4}", heading.inner_text()).group()
    check_a11y(desk)

    # The letter.
    desk.goto(f"/courses/{SLUG}/visa-letters")
    check_a11y(desk)
    desk.get_by_role("link", name="Wanjiru Kamau").click()
    check_a11y(desk)
    desk.get_by_role("button", name="Issue the letter").click()
    expect(desk.get_by_text(re.compile(r"The letter VISA-\d{4}-\d{4} is issued"))).to_be_visible()
    reference = re.search(r"VISA-\d{4}-\d{4}", desk.content()).group(0)

    # The employer pays: recorded against the invoice.
    desk.goto(f"/courses/{SLUG}/invoices")
    desk.get_by_role("link", name=number).click()
    desk.get_by_label("Amount received").fill("1800.25")
    desk.get_by_label("Reference").fill("NRB-TRX-5521")
    desk.get_by_role("button", name="Record the payment").click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text("Paid")
    check_a11y(desk)

    # Back on her phone: the letter to download, and nothing left to pay.
    phone.goto("/my/courses")
    check_a11y(phone)
    expect(phone.get_by_text(reference)).to_be_visible()
    expect(phone.get_by_text(re.compile(r"Still to pay: €0\.00"))).to_be_visible()
    link = phone.get_by_role("link", name=re.compile("Download my letter"))
    response = phone.context.request.get(link.get_attribute("href"))
    assert response.status == 200
    text = " ".join(PdfReader(io.BytesIO(response.body())).pages[0].extract_text().split())
    assert "KAMAU WANJIRU" in text and "AK0412377" in text and reference in text
    # The letter says who pays what: the fellowship and its funder.
    assert "European Union" in text
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
