"""Issuing invoices and pro-formas, cancelling invoices by credit notes, recording payments.

The rules:

- Only a participant who owes something is invoiced: a confirmed one whose fees exceed the
  fellowship, or one who gave up a confirmed seat late enough to owe the cancellation share
  (``app.finance.services.balance``).
- What an invoice may ask is what is still to invoice: the amount due less what the live
  invoices already ask and less what was received on cancelled ones (money received stays
  received). A pro-forma asks for payment before the invoice: it obeys the same limit but
  covers nothing, so the invoice that follows it is not refused. Payments are recorded
  against invoices only.
- Numbers are taken under the counter's lock (app/invoices/numbering.py) before what is still
  to invoice is read, so two organisers invoicing the same participant at the same second
  cannot both ask for the whole amount.
- An issued document is never changed. An invoice is cancelled by a credit note with a reason;
  one partly paid may be cancelled too: its payments stay recorded and count towards what the
  participant has paid, so a new invoice asks only for the rest.
- A payment is more than zero, at most what is still to pay on the invoice (overpaying is
  refused, with the amount that would settle it), dated at the venue, neither in the future nor
  more than a year before the invoice.

Services flush, never commit, and take the actor and ``now`` as arguments. Mail to the payer
goes to the outbox in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core.rules import FieldErrors
from app.core.timeutil import local_date
from app.courses.models import Course
from app.db import now_utc
from app.extensions import db
from app.finance.money import check_amount, format_money
from app.finance.services import Balance, balance
from app.invoices import numbering
from app.invoices.billing import Billing, clean_billing, default_billing
from app.invoices.models import (
    PAYMENT_REFERENCE_MAX,
    REASON_MAX,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceState,
    LineKind,
    Payment,
    PaymentMethod,
)
from app.registration.models import Registration

ZERO = Decimal("0.00")
# A payment dated this long before its invoice is a typing mistake.
PAYMENT_MAX_DAYS_BEFORE = 365


class NothingToInvoice(Exception):
    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


# ---------------------------------------------------------------------------
# What is owed, invoiced and paid


def documents_of(registration: Registration) -> list[Invoice]:
    """The registration's documents, oldest first, with their lines and payments."""
    return list(
        db.session.scalars(
            sa.select(Invoice)
            .where(Invoice.registration_id == registration.id)
            .options(
                selectinload(Invoice.lines),
                selectinload(Invoice.payments),
                selectinload(Invoice.credit_note),
            )
            .order_by(Invoice.issued_at, Invoice.id)
            .execution_options(populate_existing=True)
        )
    )


@dataclass(frozen=True)
class Account:
    """One participant's money: what is due, what the invoices ask, what was paid."""

    balance: Balance
    documents: list[Invoice] = field(default_factory=list)

    @property
    def live_invoices(self) -> list[Invoice]:
        return [
            d
            for d in self.documents
            if d.kind == DocumentKind.INVOICE and d.state != InvoiceState.CANCELLED
        ]

    @property
    def invoiced(self) -> Decimal:
        """What the live invoices ask."""
        return sum((d.total for d in self.live_invoices), ZERO)

    @property
    def paid(self) -> Decimal:
        """Everything received, on live and on cancelled invoices."""
        return sum((d.paid for d in self.documents if d.kind == DocumentKind.INVOICE), ZERO)

    @property
    def received_on_cancelled(self) -> Decimal:
        return sum(
            (
                d.paid
                for d in self.documents
                if d.kind == DocumentKind.INVOICE and d.state == InvoiceState.CANCELLED
            ),
            ZERO,
        )

    @property
    def to_invoice(self) -> Decimal:
        """What is due and no invoice asks for yet (never below zero)."""
        return max(self.balance.due - self.invoiced - self.received_on_cancelled, ZERO)

    @property
    def still_due(self) -> Decimal:
        """What the participant (or their payer) still has to pay."""
        return max(self.balance.due - self.paid, ZERO)

    @property
    def to_refund(self) -> Decimal:
        """What was paid beyond what is now due (after a cancellation that leaves less, or
        nothing, to pay), owed back to the payer."""
        return max(self.paid - self.balance.due, ZERO)


def account(registration: Registration) -> Account:
    return Account(balance(registration), documents_of(registration))


# ---------------------------------------------------------------------------
# Issuing


def issue(
    registration: Registration,
    *,
    kind: DocumentKind,
    amount: Decimal,
    billing: Billing,
    actor: User,
    now: datetime | None = None,
) -> Invoice:
    """Issue an invoice or a pro-forma for ``amount`` (at most what is still to invoice),
    addressed as ``billing``, and mail it to the payer."""
    if kind not in (DocumentKind.INVOICE, DocumentKind.PROFORMA):
        raise ValueError(kind)
    now = now or now_utc()
    course = registration.course
    owed = balance(registration)
    if owed.due <= 0:
        raise NothingToInvoice(_l("%(name)s owes nothing.", name=registration.certificate_name))
    billing = clean_billing(billing)
    amount = check_amount(amount, owed.currency, field="amount", allow_zero=False)
    issued_on = local_date(now, course.timezone)
    series = numbering.series_for(kind)
    numbering.lock_counter(series, issued_on.year)
    # Read under the lock: another organiser's invoice for this participant is committed by now.
    current = account(registration)
    remaining = current.to_invoice
    if remaining <= 0:
        raise NothingToInvoice(
            _l(
                "Everything %(name)s owes is invoiced already.",
                name=registration.certificate_name,
            )
        )
    if amount > remaining:
        raise FieldErrors.single(
            _l(
                "At most %(amount)s is still to invoice.",
                amount=format_money(remaining, owed.currency),
            ),
            "amount",
        )
    number = numbering.take_number(series, issued_on.year)
    locale = registration.language
    invoice = Invoice(
        registration_id=registration.id,
        kind=kind,
        series=series,
        year=issued_on.year,
        number=number,
        issued_on=issued_on,
        due_on=issued_on + timedelta(days=int(current_app.config["INVOICE_DUE_DAYS"])),
        currency=owed.currency,
        total=amount,
        language=locale,
        participant_name=registration.certificate_name,
        course_title=course.title(locale),  # else in the course's main language
        payer_kind=billing.payer_kind,
        billing_name=billing.name,
        billing_address=billing.address,
        billing_email=billing.email,
        billing_tax_id=billing.tax_id,
        billing_reference=billing.reference,
        issued_at=now,
        issued_by_id=actor.id,
    )
    invoice.lines = _lines(owed, current, amount, remaining)
    db.session.add(invoice)
    db.session.flush()
    _mail(invoice)
    return invoice


def _lines(owed: Balance, current: Account, amount: Decimal, remaining: Decimal) -> list:
    """The lines of a new document; they add up to ``amount`` exactly."""
    rows: list[tuple[LineKind, str, Decimal]] = []
    if owed.cancellation_percent is not None:
        rows.append((LineKind.CANCELLATION, str(owed.cancellation_percent), owed.due))
    else:
        if owed.tuition:
            rows.append((LineKind.TUITION, "", owed.tuition))
        if owed.subsistence:
            rows.append((LineKind.SUBSISTENCE, "", owed.subsistence))
        if owed.fellowship:
            rows.append((LineKind.FELLOWSHIP, owed.fellowship_funder or "", -owed.fellowship))
    already = owed.due - remaining
    if already:
        numbers = ", ".join(d.number_text for d in current.live_invoices)
        rows.append((LineKind.INVOICED, numbers, -already))
    if amount < remaining:
        rows.append((LineKind.SEPARATE, "", amount - remaining))
    lines = [
        InvoiceLine(position=i, kind=kind, detail=detail[:300], amount=value)
        for i, (kind, detail, value) in enumerate(rows)
    ]
    assert sum((line.amount for line in lines), ZERO) == amount
    return lines


def cancel(invoice: Invoice, reason: str, *, actor: User, now: datetime | None = None) -> Invoice:
    """Cancel ``invoice`` by a credit note for its whole amount, with ``reason``; mail it."""
    if invoice.kind != DocumentKind.INVOICE:
        raise FieldErrors.single(_l("Only an invoice is cancelled by a credit note."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise FieldErrors.single(_l("Say why the invoice is cancelled."), "reason")
    if len(reason) > REASON_MAX:
        raise FieldErrors.single(_l("At most %(max)d characters.", max=REASON_MAX), "reason")
    now = now or now_utc()
    issued_on = local_date(now, invoice.registration.course.timezone)
    series = numbering.series_for(DocumentKind.CREDIT_NOTE)
    numbering.lock_counter(series, issued_on.year)
    already = db.session.scalar(sa.select(Invoice.id).where(Invoice.credits_id == invoice.id))
    if already is not None:
        raise FieldErrors.single(_l("This invoice is cancelled already."))
    number = numbering.take_number(series, issued_on.year)
    credit = Invoice(
        registration_id=invoice.registration_id,
        kind=DocumentKind.CREDIT_NOTE,
        series=series,
        year=issued_on.year,
        number=number,
        credits_id=invoice.id,
        reason=reason,
        issued_on=issued_on,
        due_on=None,
        currency=invoice.currency,
        total=-invoice.total,
        language=invoice.language,
        participant_name=invoice.participant_name,
        course_title=invoice.course_title,
        payer_kind=invoice.payer_kind,
        billing_name=invoice.billing_name,
        billing_address=invoice.billing_address,
        billing_email=invoice.billing_email,
        billing_tax_id=invoice.billing_tax_id,
        billing_reference=invoice.billing_reference,
        issued_at=now,
        issued_by_id=actor.id,
    )
    credit.lines = [
        InvoiceLine(position=line.position, kind=line.kind, detail=line.detail, amount=-line.amount)
        for line in invoice.lines
    ]
    db.session.add(credit)
    db.session.flush()
    db.session.expire(invoice, ["credit_note"])
    _mail(credit)
    return credit


# ---------------------------------------------------------------------------
# Payments


def _lock_invoice(invoice: Invoice) -> None:
    """Serialise payments on one invoice (and its cancellation) until the transaction ends."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.update(Invoice).where(Invoice.id == invoice.id).values(id=Invoice.id))
    else:
        db.session.execute(sa.select(Invoice.id).where(Invoice.id == invoice.id).with_for_update())


def record_payment(
    invoice: Invoice,
    *,
    amount: Decimal,
    paid_on: date | None,
    method: PaymentMethod | None,
    reference: str = "",
    actor: User,
    now: datetime | None = None,
) -> Payment:
    """Record money received against ``invoice``."""
    if invoice.kind != DocumentKind.INVOICE:
        raise FieldErrors.single(_l("Payments are recorded against invoices only."))
    now = now or now_utc()
    errors: dict[str | None, list] = {}
    try:
        amount = check_amount(amount, invoice.currency, field="amount", allow_zero=False)
    except FieldErrors as error:
        errors.update(error.errors)
    today = local_date(now, invoice.registration.course.timezone)
    if paid_on is None:
        errors["paid_on"] = [_l("Enter the date of the payment.")]
    elif paid_on > today:
        errors["paid_on"] = [_l("The date of a payment cannot be in the future.")]
    elif paid_on < invoice.issued_on - timedelta(days=PAYMENT_MAX_DAYS_BEFORE):
        errors["paid_on"] = [_l("This date is more than a year before the invoice.")]
    if not isinstance(method, PaymentMethod):
        errors["method"] = [_l("Choose how it was paid.")]
    reference = " ".join((reference or "").split())
    if len(reference) > PAYMENT_REFERENCE_MAX:
        errors["reference"] = [_l("At most %(max)d characters.", max=PAYMENT_REFERENCE_MAX)]
    if errors:
        raise FieldErrors(errors)
    _lock_invoice(invoice)
    db.session.refresh(invoice, ["payments", "credit_note"])
    if invoice.credit_note is not None:
        raise FieldErrors.single(_l("This invoice is cancelled: it takes no more payments."))
    outstanding = invoice.total - invoice.paid
    if outstanding <= 0:
        raise FieldErrors.single(_l("This invoice is paid in full."), "amount")
    if amount > outstanding:
        raise FieldErrors.single(
            _l(
                "This is more than the %(amount)s still to pay on this invoice.",
                amount=format_money(outstanding, invoice.currency),
            ),
            "amount",
        )
    assert paid_on is not None and isinstance(method, PaymentMethod)
    payment = Payment(
        invoice_id=invoice.id,
        paid_on=paid_on,
        amount=amount,
        method=method,
        reference=reference,
        recorded_at=now,
        recorded_by_id=actor.id,
    )
    db.session.add(payment)
    db.session.flush()
    db.session.expire(invoice, ["payments"])
    return payment


# ---------------------------------------------------------------------------
# A course's documents


def course_documents(course: Course, states: Iterable[InvoiceState] = ()) -> list[Invoice]:
    """The course's documents, newest first, each with what its state needs; only those in
    ``states`` if any are given."""
    documents = list(
        db.session.scalars(
            sa.select(Invoice)
            .join(Invoice.registration)
            .where(Registration.course_id == course.id)
            .options(
                selectinload(Invoice.lines),
                selectinload(Invoice.payments).selectinload(Payment.recorded_by),
                selectinload(Invoice.credit_note),
                selectinload(Invoice.credits),
                selectinload(Invoice.issued_by),
            )
            .order_by(Invoice.issued_at.desc(), Invoice.id.desc())
        )
    )
    wanted = set(states)
    return [d for d in documents if not wanted or d.state in wanted]


@dataclass(frozen=True)
class Totals:
    invoiced: Decimal
    paid: Decimal
    outstanding: Decimal


def totals(documents: Iterable[Invoice]) -> Totals:
    """Over live invoices: what they ask, what was received on them, what is still to pay.
    Money received on a cancelled invoice counts as paid too."""
    invoiced = paid = outstanding = ZERO
    for document in documents:
        if document.kind != DocumentKind.INVOICE:
            continue
        paid += document.paid
        if document.state != InvoiceState.CANCELLED:
            invoiced += document.total
            outstanding += document.outstanding
    return Totals(invoiced, paid, outstanding)


def _mail(document: Invoice) -> None:
    from app.invoices.mail import send_document  # the PDF builds on these services

    send_document(document)


__all__ = ["Billing", "clean_billing", "default_billing"]  # the billing details, re-exported
