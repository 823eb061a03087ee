"""Payments against invoices and their states; cancelling by credit note; issued documents
never change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.core.rules import FieldErrors
from app.extensions import db
from app.invoices import services
from app.invoices.models import (
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceState,
    IssuedDocumentChanged,
    LineKind,
    Payment,
    PaymentMethod,
)
from tests.invoices.conftest import FEES, NOW, issue

LATER = NOW + timedelta(days=5)  # Sunday 17 October 2027 in Turin


def pay(
    invoice,
    actor,
    amount,
    *,
    paid_on=date(2027, 10, 15),
    method=PaymentMethod.BANK_TRANSFER,
    reference="TRX-1",
    now=LATER,
):
    return services.record_payment(
        invoice,
        amount=Decimal(amount),
        paid_on=paid_on,
        method=method,
        reference=reference,
        actor=actor,
        now=now,
    )


@pytest.fixture
def invoice(bruno, organiser):
    return issue(bruno, organiser, "3600.50")


def test_a_payment_is_recorded_with_who_and_when(invoice, organiser):
    payment = pay(invoice, organiser, "1000.00", reference="  TRX   991 ")
    assert (payment.amount, payment.paid_on, payment.method, payment.reference) == (
        Decimal("1000.00"),
        date(2027, 10, 15),
        PaymentMethod.BANK_TRANSFER,
        "TRX 991",
    )
    assert (payment.recorded_at, payment.recorded_by_id) == (LATER, organiser.id)
    assert invoice.state == InvoiceState.PARTLY_PAID
    assert (invoice.paid, invoice.outstanding) == (Decimal("1000.00"), Decimal("2600.50"))


def test_a_payment_exactly_settling_the_invoice_makes_it_paid(invoice, organiser):
    pay(invoice, organiser, "3600.00")
    with pytest.raises(FieldErrors) as refused:
        pay(invoice, organiser, "0.51")
    assert refused.value.messages == ["This is more than the €0.50 still to pay on this invoice."]
    pay(invoice, organiser, "0.50")
    assert invoice.state == InvoiceState.PAID
    assert invoice.outstanding == 0
    with pytest.raises(FieldErrors) as refused:
        pay(invoice, organiser, "0.01")
    assert refused.value.messages == ["This invoice is paid in full."]


def test_an_unpaid_invoice_is_issued(invoice):
    assert (invoice.state, invoice.paid, invoice.outstanding) == (InvoiceState.ISSUED, 0, FEES)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "The amount must be more than zero."),
        ("-1", "The amount cannot be negative."),
        ("1.005", "EUR amounts have at most 2 decimals."),
        ("2000000", "The amount is too large: at most €1,000,000.00."),
    ],
)
def test_absurd_payments_are_refused(invoice, organiser, amount, message):
    with pytest.raises(FieldErrors) as refused:
        pay(invoice, organiser, amount)
    assert refused.value.errors.keys() == {"amount"}
    assert refused.value.messages == [message]


def test_the_payment_date_is_checked_at_the_venue(invoice, organiser):
    # 17 October 2027 at 00:30 in Turin is still the 16th in UTC.
    now = datetime(2027, 10, 16, 22, 30, tzinfo=UTC)
    assert pay(invoice, organiser, "1", paid_on=date(2027, 10, 17), now=now).paid_on == date(
        2027, 10, 17
    )
    with pytest.raises(FieldErrors) as refused:
        pay(invoice, organiser, "1", paid_on=date(2027, 10, 18), now=now)
    assert refused.value.errors.keys() == {"paid_on"}
    assert refused.value.messages == ["The date of a payment cannot be in the future."]


def test_a_payment_a_year_before_the_invoice_is_a_typo(invoice, organiser):
    # Issued on 12 October 2027: 365 days before is 12 October 2026.
    assert pay(invoice, organiser, "1", paid_on=date(2026, 10, 12)).amount == 1
    with pytest.raises(FieldErrors) as refused:
        pay(invoice, organiser, "1", paid_on=date(2026, 10, 11))
    assert refused.value.messages == ["This date is more than a year before the invoice."]


def test_missing_date_method_and_long_reference_are_refused_together(invoice, organiser):
    with pytest.raises(FieldErrors) as refused:
        services.record_payment(
            invoice,
            amount=Decimal("-1"),
            paid_on=None,
            method=None,
            reference="x" * 101,
            actor=organiser,
            now=LATER,
        )
    assert {k: [str(m) for m in v] for k, v in refused.value.errors.items()} == {
        "amount": ["The amount cannot be negative."],
        "paid_on": ["Enter the date of the payment."],
        "method": ["Choose how it was paid."],
        "reference": ["At most 100 characters."],
    }
    assert pay(invoice, organiser, "1", reference="r" * 100).reference == "r" * 100
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1


def test_payments_go_against_invoices_only(bruno, organiser):
    proforma = issue(bruno, organiser, "100", kind=DocumentKind.PROFORMA)
    with pytest.raises(FieldErrors) as refused:
        pay(proforma, organiser, "1")
    assert refused.value.messages == ["Payments are recorded against invoices only."]


def test_a_credit_note_cancels_an_invoice_and_references_it(invoice, organiser, other_organiser):
    credit = services.cancel(
        invoice, "  Billed to the wrong   employer ", actor=other_organiser, now=LATER
    )
    assert credit.number_text == "INV-CN-2027-0001"
    assert (credit.kind, credit.credits_id, credit.reason) == (
        DocumentKind.CREDIT_NOTE,
        invoice.id,
        "Billed to the wrong employer",
    )
    assert (credit.total, credit.currency, credit.issued_on) == (-FEES, "EUR", date(2027, 10, 17))
    assert (credit.issued_at, credit.issued_by_id, credit.due_on) == (
        LATER,
        other_organiser.id,
        None,
    )
    assert [(line.kind, line.amount) for line in credit.lines] == [
        (LineKind.TUITION, Decimal("-2450.00")),
        (LineKind.SUBSISTENCE, Decimal("-1150.50")),
    ]
    assert (credit.billing_name, credit.participant_name) == (
        invoice.billing_name,
        invoice.participant_name,
    )
    assert invoice.state == InvoiceState.CANCELLED and credit.state == InvoiceState.CREDIT
    assert invoice.credit_note is credit and credit.credits is invoice
    assert invoice.outstanding == 0
    # Its amount is no longer covered: the whole fee is to invoice again.
    assert services.account(invoice.registration).to_invoice == FEES


def test_a_cancelled_invoice_takes_no_payment_nor_second_credit_note(invoice, organiser):
    services.cancel(invoice, "Duplicate", actor=organiser, now=LATER)
    with pytest.raises(FieldErrors) as refused:
        pay(invoice, organiser, "1")
    assert refused.value.messages == ["This invoice is cancelled: it takes no more payments."]
    with pytest.raises(FieldErrors) as refused:
        services.cancel(invoice, "Again", actor=organiser, now=LATER)
    assert refused.value.messages == ["This invoice is cancelled already."]


@pytest.mark.parametrize(
    ("reason", "message"),
    [("  ", "Say why the invoice is cancelled."), ("x" * 501, "At most 500 characters.")],
)
def test_a_credit_note_needs_a_reason(invoice, organiser, reason, message):
    with pytest.raises(FieldErrors) as refused:
        services.cancel(invoice, reason, actor=organiser, now=LATER)
    assert refused.value.errors.keys() == {"reason"}
    assert refused.value.messages == [message]
    assert services.cancel(invoice, "x" * 500, actor=organiser, now=LATER).reason == "x" * 500


def test_only_invoices_are_cancelled_by_credit_note(bruno, organiser, invoice):
    credit = services.cancel(invoice, "Wrong", actor=organiser, now=LATER)
    with pytest.raises(FieldErrors) as refused:
        services.cancel(credit, "No", actor=organiser, now=LATER)
    assert refused.value.messages == ["Only an invoice is cancelled by a credit note."]
    proforma = issue(bruno, organiser, "1", kind=DocumentKind.PROFORMA)
    with pytest.raises(FieldErrors) as refused:
        services.cancel(proforma, "No", actor=organiser, now=LATER)
    assert refused.value.messages == ["Only an invoice is cancelled by a credit note."]


def test_a_partly_paid_invoice_cancelled_keeps_its_payments(bruno, invoice, organiser):
    pay(invoice, organiser, "600.50")
    services.cancel(invoice, "Billed to the wrong payer", actor=organiser, now=LATER)
    account = services.account(bruno)
    assert invoice.paid == Decimal("600.50") and invoice.state == InvoiceState.CANCELLED
    assert (account.invoiced, account.paid, account.received_on_cancelled) == (
        0,
        Decimal("600.50"),
        Decimal("600.50"),
    )
    # The new invoice asks for the rest only, and says why.
    assert account.to_invoice == Decimal("3000.00")
    assert account.still_due == Decimal("3000.00")
    with pytest.raises(FieldErrors):
        issue(bruno, organiser, "3000.01", now=LATER)
    again = issue(bruno, organiser, "3000.00", now=LATER)
    assert [(line.kind, line.detail, line.amount) for line in again.lines][-1] == (
        LineKind.INVOICED,
        "",
        Decimal("-600.50"),
    )
    assert again.lines[-1].label == "Less what is already received"


def test_account_totals(bruno, invoice, organiser):
    pay(invoice, organiser, "100.00")
    account = services.account(bruno)
    assert (account.invoiced, account.paid, account.to_invoice, account.still_due) == (
        FEES,
        Decimal("100.00"),
        0,
        FEES - 100,
    )
    totals = services.totals(services.course_documents(bruno.course))
    assert totals == services.Totals(FEES, Decimal("100.00"), FEES - 100)


def test_totals_count_only_invoices_and_money_received(bruno, invoice, organiser):
    pay(invoice, organiser, "100.00")
    services.cancel(invoice, "Wrong", actor=organiser, now=LATER)
    issue(bruno, organiser, "500", now=LATER)
    issue(bruno, organiser, "20", kind=DocumentKind.PROFORMA, now=LATER)
    documents = services.course_documents(bruno.course)
    assert [d.state for d in documents] == [
        InvoiceState.PROFORMA,
        InvoiceState.ISSUED,
        InvoiceState.CREDIT,
        InvoiceState.CANCELLED,
    ]
    assert services.totals(documents) == services.Totals(
        Decimal("500"), Decimal("100.00"), Decimal("500")
    )
    assert [
        d.number_text
        for d in services.course_documents(
            bruno.course, [InvoiceState.CANCELLED, InvoiceState.CREDIT]
        )
    ] == ["INV-CN-2027-0001", "INV-2027-0001"]


def test_an_issued_invoice_is_never_changed(invoice):
    db.session.commit()
    invoice.total = Decimal("1.00")
    with pytest.raises(IssuedDocumentChanged):
        db.session.flush()
    db.session.rollback()
    line = db.session.scalars(sa.select(InvoiceLine)).first()
    line.amount = Decimal("0.01")
    with pytest.raises(IssuedDocumentChanged):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Invoice, invoice.id).total == FEES


def test_adding_a_payment_is_no_change_to_the_invoice(invoice, organiser):
    db.session.commit()
    invoice.payments.append(
        Payment(amount=Decimal("1"), paid_on=date(2027, 10, 12), method=PaymentMethod.CASH)
    )
    db.session.flush()
    assert invoice.paid == 1


def test_after_a_late_cancellation_the_invoice_is_replaced_by_one_for_the_share(
    bruno, invoice, organiser
):
    from tests.invoices.conftest import cancel_at

    pay(invoice, organiser, "500.00")
    # Ten days before the start: half the fees are due; the full invoice asks too much.
    cancel_at(bruno, datetime(2027, 11, 12, 9, 0, tzinfo=UTC))
    account = services.account(bruno)
    assert (account.balance.due, account.to_invoice) == (Decimal("1800.25"), 0)
    when = datetime(2027, 11, 13, 9, 0, tzinfo=UTC)
    services.cancel(invoice, "The participant cancelled", actor=organiser, now=when)
    share = issue(bruno, organiser, "1300.25", now=when)
    assert [(line.kind, line.detail, line.amount) for line in share.lines] == [
        (LineKind.CANCELLATION, "50", Decimal("1800.25")),
        (LineKind.INVOICED, "", Decimal("-500.00")),
    ]
    account = services.account(bruno)
    assert (account.to_invoice, account.still_due, account.paid) == (
        0,
        Decimal("1300.25"),
        Decimal("500.00"),
    )
