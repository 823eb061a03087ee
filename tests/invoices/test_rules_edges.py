"""The edges of the rules: defaults of the billing details, fees with one part only, money
received beyond what is due after a later fellowship, series names."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.extensions import db
from app.finance import fees as fee_rules
from app.finance.models import FinanceRequest, PayerKind
from app.invoices import numbering, services
from app.invoices.models import DocumentKind, LineKind, PaymentMethod
from tests.factories import make_course, make_registration, make_user
from tests.invoices.conftest import MONDAY, NOW, award, issue


def test_a_request_without_name_or_email_falls_back_to_the_participant(bruno):
    db.session.add(
        FinanceRequest(
            registration_id=bruno.id,
            payer_kind=PayerKind.SPONSOR,
            billing_address="1 Grant Street",
            billing_tax_id="T-9",
            billing_reference="G-1",
        )
    )
    db.session.flush()
    assert services.default_billing(bruno) == services.Billing(
        payer_kind=PayerKind.SPONSOR,
        name="Bruno Sousa",
        address="1 Grant Street",
        email="bruno@example.org",
        tax_id="T-9",
        reference="G-1",
    )


def test_fees_with_one_part_only_print_one_line(organiser):
    course = make_course(slug="subsistence-only", start=MONDAY, organisers=(organiser,))
    fee_rules.set_fees(
        course, currency="EUR", tuition=Decimal("0"), subsistence=Decimal("700"), actor=organiser
    )
    registration = make_registration(course, make_user(name="Dora Sousa"))
    invoice = issue(registration, organiser, "700")
    assert [(line.kind, line.amount) for line in invoice.lines] == [
        (LineKind.SUBSISTENCE, Decimal("700.00"))
    ]
    other = make_course(slug="tuition-only", start=MONDAY, organisers=(organiser,))
    fee_rules.set_fees(
        other, currency="EUR", tuition=Decimal("900"), subsistence=Decimal("0"), actor=organiser
    )
    registration = make_registration(other, make_user(name="Eva Sousa"))
    assert [line.kind for line in issue(registration, organiser, "900").lines] == [LineKind.TUITION]


def test_a_fellowship_awarded_after_payment_leaves_nothing_negative(bruno, organiser):
    invoice = issue(bruno, organiser, "3600.50")
    services.record_payment(
        invoice,
        amount=Decimal("3600.50"),
        paid_on=date(2027, 10, 12),
        method=PaymentMethod.BANK_TRANSFER,
        actor=organiser,
        now=NOW,
    )
    award(bruno, organiser)  # now the fees are covered in full
    account = services.account(bruno)
    assert account.balance.due == 0
    assert (account.to_invoice, account.still_due) == (0, 0)
    assert account.paid == Decimal("3600.50")


def test_series_names():
    assert numbering.series_for(DocumentKind.INVOICE, "ITC") == "ITC"
    assert numbering.series_for(DocumentKind.PROFORMA, "ITC") == "ITC-PF"
    assert numbering.series_for(DocumentKind.CREDIT_NOTE, "ITC") == "ITC-CN"


def test_documents_are_listed_oldest_first(bruno, organiser):
    first = issue(bruno, organiser, "100", kind=DocumentKind.PROFORMA)
    second = issue(bruno, organiser, "100")
    assert [d.id for d in services.documents_of(bruno)] == [first.id, second.id]
    assert services.documents_of(make_registration(bruno.course)) == []


def test_the_number_prints_with_four_digits_at_least(bruno, organiser):
    invoice = issue(bruno, organiser, "1")
    assert invoice.number_text == "INV-2027-0001"
    invoice.number = 12345  # not flushed: only how it prints
    assert invoice.number_text == "INV-2027-12345"
    db.session.expunge(invoice)
