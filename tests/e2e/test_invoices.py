"""Journey of an organiser invoicing a participant's employer and recording the payment, and
of the participant who then sees the invoice and nothing left to pay in "My courses" on a
375 px phone; she cancels, is told that what she paid is to be refunded, and so is the
organiser."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from app.accounts.models import Role
from app.finance.models import CourseFees
from app.registration.models import RegistrationStatus as S
from tests.e2e.a11y import check_a11y
from tests.e2e.helpers import add_course, add_registration, add_user, log_in

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "has_touch": True}


def test_organiser_invoices_the_employer_and_records_the_payment(database, new_page):
    with database.session() as s:
        organiser = add_user(s, "Olga Invoicer", "olga.invoices@example.org", role=Role.ORGANISER)
        course = add_course(
            s, "invoices-turin", "Local governance of migration", organiser=organiser
        )
        s.add(
            CourseFees(
                course_id=course.id,
                currency="EUR",
                tuition=Decimal("2450.00"),
                subsistence=Decimal("1150.50"),
            )
        )
        ana = add_user(s, "Ana Sousa", "ana.invoices@example.org")
        ana_id = add_registration(s, course, ana, S.CONFIRMED).id
        # A namesake on another course, owing there.
        other = add_course(s, "invoices-other", "Labour migration statistics")
        s.add(CourseFees(course_id=other.id, currency="EUR", tuition=Decimal("10"), subsistence=0))
        add_registration(
            s, other, add_user(s, "Ana Souza", "ana.other.invoices@example.org"), S.CONFIRMED
        )

    page = new_page()
    log_in(page, "olga.invoices@example.org")
    page.goto("/courses/invoices-turin/invoices")
    check_a11y(page)
    row = page.locator(f"#registration-{ana_id}")
    expect(row).to_contain_text("€3,600.50")
    expect(page.get_by_text("Ana Souza")).to_have_count(0)
    row.get_by_role("link", name=re.compile(r"^Issue an invoice")).click()
    check_a11y(page)

    page.get_by_label("Amount").fill("3600.51")
    page.get_by_label("Who pays").select_option("employer")
    page.get_by_label("Addressed to").fill("Municipality of Recife")
    page.get_by_label("Postal address").fill("Rua do Bom Jesus 1\n50030-170 Recife")
    page.get_by_label("Email for the invoice").fill("accounts@recife.example.org")
    page.get_by_role("button", name="Issue and mail it").click()
    expect(page.locator("#amount-errors")).to_have_text("At most €3,600.50 is still to invoice.")
    check_a11y(page)

    page.get_by_label("Amount").fill("3600.50")
    page.get_by_role("button", name="Issue and mail it").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile(r"Invoice INV-\d{4}-\d{4}"))
    number = re.search(r"INV-\d{4}-\d{4}", heading.inner_text()).group()
    expect(page.get_by_text("is issued and mailed to accounts@recife.example.org")).to_be_visible()
    check_a11y(page)

    page.get_by_label("Amount received").fill("3600.50")
    page.get_by_label("Reference").fill("TRX-2027-77")
    page.get_by_role("button", name="Record the payment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Paid")
    expect(page.get_by_text("Still to pay: €0.00.")).to_be_visible()
    check_a11y(page)

    phone = new_page(**PHONE)
    log_in(phone, "ana.invoices@example.org")
    phone.goto("/my/courses")
    check_a11y(phone)
    expect(
        phone.get_by_text("Due: €3,600.50. Paid: €3,600.50. Still to pay: €0.00.")
    ).to_be_visible()
    link = phone.get_by_role("link", name=f"Invoice {number} (PDF)")
    response = phone.context.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f"inline; filename={number}.pdf"
    assert response.body().startswith(b"%PDF-")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    # The course has no cancellation policy: cancelling now leaves nothing due.
    card = phone.locator(".course-card", has_text="Local governance of migration")
    card.locator("summary", has_text="Cancel my registration").click()
    expect(card.get_by_text("If you cancel today, nothing is due.")).to_be_visible()
    card.get_by_role("button", name="Yes, cancel my registration").click()
    expect(phone.get_by_role("status")).to_contain_text("Your registration for")
    refund = phone.get_by_text(
        "You have paid €3,600.50 more than is now due: the organisers will refund it to the payer."
    )
    expect(refund).to_be_visible()
    check_a11y(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    page.goto("/courses/invoices-turin/invoices")
    expect(page.locator(f"#registration-{ana_id}")).to_contain_text("To refund: €3,600.50")
    check_a11y(page)
    page.goto(f"/courses/invoices-turin/participants/{ana_id}")
    expect(
        page.get_by_text("Paid €3,600.50 more than is now due: to be refunded to the payer.")
    ).to_be_visible()
    check_a11y(page)
