"""Arbitrary input to the Invoices tab's forms (see test_properties.py for what is checked):
issuing a document, recording a payment, cancelling an invoice. Never a server error; a refused
post stores nothing and mails nothing; what is stored is plain text and exact amounts within
what is due; what is shown comes back escaped."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from hypothesis import strategies as st

from app.accounts.models import Role
from app.core.timeutil import local_date
from app.extensions import db
from app.finance.fees import set_fees
from app.invoices import services
from app.invoices.models import DocumentKind, Invoice, Payment
from app.mail.models import OutboxMessage
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.security.test_properties import (
    accepted,
    assert_escaped,
    assert_plain,
    choices,
    dates,
    fresh,
    numbers,
    post,
    posts,
    run,
    snapshot,
)

FEES = Decimal("3600.50")
amounts = st.one_of(
    st.just("100.00"),
    st.decimals(min_value="0.01", max_value="1000", places=2).map(str),
    numbers,
    st.decimals(min_value=-10, max_value=5000, places=2, allow_nan=False).map(str),
    st.sampled_from(("3600.50", "3600.51", "0.01", "0", "1,5", "1 000,00", "1e3", "3600.499")),
)


def course_with_fees():
    organiser = make_user(Role.ORGANISER, name="Olga Organiser")
    course = make_course(
        slug="governing-2027",
        start=date(2027, 11, 22),
        venue=make_venue("Europe/Rome"),
        organisers=(organiser,),
    )
    set_fees(
        course,
        currency="EUR",
        tuition=Decimal("2450"),
        subsistence=Decimal("1150.50"),
        actor=organiser,
    )
    ana = make_registration(course, make_user(name="Ana Souza", email="ana@example.org"))
    return course, organiser, ana


def _amount(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        return None


ISSUE = {
    "kind": "invoice",
    "amount": "3600.50",
    "payer_kind": "employer",
    "billing_name": "Municipalité de Recife",
    "billing_address": "Rua do Bom Jesus 1\n50030-170 Recife",
    "billing_email": "compta@recife.example.org",
    "billing_tax_id": "BR-123",
    "billing_reference": "PO 77/2027",
}


@run(
    posts(
        ISSUE,
        free=("billing_name", "billing_address", "billing_tax_id", "billing_reference"),
        structural={
            "kind": choices("invoice", "proforma"),
            "payer_kind": choices("participant", "employer", "sponsor"),
            "billing_email": st.one_of(st.just("a@example.org"), st.text(max_size=30)),
        },
        always={"amount": amounts},
    ),
    {**ISSUE, "amount": "3600.51"},
    {**ISSUE, "billing_name": "x" * 201},
    {**ISSUE, "billing_address": "\n".join(["line"] * 9)},
    {**ISSUE, "kind": "credit_note"},
)
def test_issue(client_for, data):
    fresh()
    course, organiser, ana = course_with_fees()
    client = client_for(organiser)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/invoices/new/{ana.id}", data)
    if accepted(response, before):
        [document] = db.session.scalars(sa.select(Invoice)).all()
        assert document.kind in (DocumentKind.INVOICE, DocumentKind.PROFORMA)
        assert 0 < document.total <= FEES
        assert document.total == _amount(data["amount"])
        assert sum(line.amount for line in document.lines) == document.total
        assert document.number == 1
        for value in (document.billing_name, document.billing_tax_id, document.billing_reference):
            assert_plain(value)
            assert value == value.strip()
        assert_plain(document.billing_address, multiline=True)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1
        page = client.get(response.headers["Location"])
        assert page.status_code == 200
        assert_escaped(page.get_data(as_text=True), document.billing_name)
    else:
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


# Today at the venue: a payment may not be dated in the future.
TODAY = local_date(datetime.now(UTC), "Europe/Rome").isoformat()
PAYMENT = {
    "amount": "100.00",
    "paid_on": TODAY,
    "method": "bank_transfer",
    "reference": "TRX-1",
}


def _with_invoice():
    course, organiser, ana = course_with_fees()
    invoice = services.issue(
        ana,
        kind=DocumentKind.INVOICE,
        amount=Decimal("1000.00"),
        billing=services.default_billing(ana),
        actor=organiser,
    )
    return course, organiser, invoice


@run(
    posts(
        PAYMENT,
        free=("reference",),
        structural={
            "paid_on": dates,
            "method": choices("bank_transfer", "card", "cash", "other"),
        },
        always={"amount": amounts},
    ),
    {**PAYMENT, "amount": "1000.01"},
    {**PAYMENT, "amount": "1000.00"},
    {**PAYMENT, "paid_on": "2099-01-01"},
    {**PAYMENT, "reference": "r" * 101},
)
def test_record_payment(client_for, data):
    fresh()
    course, organiser, invoice = _with_invoice()
    client = client_for(organiser)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/invoices/{invoice.id}/payments", data)
    if accepted(response, before):
        [payment] = db.session.scalars(sa.select(Payment)).all()
        assert 0 < payment.amount <= Decimal("1000.00")
        assert payment.amount == _amount(data["amount"])
        assert payment.paid_on <= local_date(datetime.now(UTC), course.timezone)
        assert payment.recorded_by_id == organiser.id
        assert_plain(payment.reference)
        page = client.get(response.headers["Location"])
        assert page.status_code == 200
        assert_escaped(page.get_data(as_text=True), payment.reference)


@run(
    posts({"reason": "Addressed to the wrong payer"}, free=("reason",)),
    {"reason": ""},
    {"reason": "x" * 501},
)
def test_cancel(client_for, data):
    fresh()
    course, organiser, invoice = _with_invoice()
    client = client_for(organiser)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/invoices/{invoice.id}/cancel", data)
    if accepted(response, before):
        credit = db.session.scalar(
            sa.select(Invoice).where(Invoice.kind == DocumentKind.CREDIT_NOTE)
        )
        assert credit.credits_id == invoice.id and credit.total == Decimal("-1000.00")
        assert credit.reason and len(credit.reason) <= 500
        assert_plain(credit.reason)
        page = client.get(response.headers["Location"])
        assert page.status_code == 200
        assert_escaped(page.get_data(as_text=True), credit.reason)
