"""Invoices, pro-formas and credit notes (one table of numbered documents), the payments
recorded against invoices, and the counters their numbers are taken from.

A document, once issued, is never changed: no column of ``invoice`` or ``invoice_line`` is
written after the insert. An invoice is cancelled by a credit note, a new document that
references it (``credits_id``) and carries the same lines with the opposite sign.

Numbers run per series and per year without gaps (app/invoices/numbering.py): invoices
``INV-2027-0001``, pro-formas ``INV-PF-2027-0001``, credit notes ``INV-CN-2027-0001`` with the
default ``INVOICE_PREFIX``.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, now_utc, str_enum
from app.extensions import db
from app.finance.models import PayerKind

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.registration.models import Registration

Money = sa.Numeric(12, 2, asdecimal=True)

BILLING_NAME_MAX = 200
BILLING_ADDRESS_MAX = 1000
BILLING_EMAIL_MAX = 254
BILLING_TAX_ID_MAX = 50
BILLING_REFERENCE_MAX = 100
REASON_MAX = 500
PAYMENT_REFERENCE_MAX = 100


class DocumentKind(enum.StrEnum):
    INVOICE = "invoice"
    PROFORMA = "proforma"
    CREDIT_NOTE = "credit_note"

    @property
    def label(self) -> str:
        return {
            DocumentKind.INVOICE: _l("Invoice"),
            DocumentKind.PROFORMA: _l("Pro-forma invoice"),
            DocumentKind.CREDIT_NOTE: _l("Credit note"),
        }[self]


class LineKind(enum.StrEnum):
    TUITION = "tuition"
    SUBSISTENCE = "subsistence"
    FELLOWSHIP = "fellowship"  # less the fellowship (detail: the funder)
    CANCELLATION = "cancellation"  # the cancellation share (detail: the percentage)
    INVOICED = "invoiced"  # less what other invoices cover (detail: their numbers)
    SEPARATE = "separate"  # less what is left to invoice separately


class InvoiceState(enum.StrEnum):
    ISSUED = "issued"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    CANCELLED = "cancelled"
    PROFORMA = "proforma"
    CREDIT = "credit"

    @property
    def label(self) -> str:
        return {
            InvoiceState.ISSUED: _l("Issued"),
            InvoiceState.PARTLY_PAID: _l("Partly paid"),
            InvoiceState.PAID: _l("Paid"),
            InvoiceState.CANCELLED: _l("Cancelled"),
            InvoiceState.PROFORMA: _l("Pro-forma"),
            InvoiceState.CREDIT: _l("Credit note"),
        }[self]


class PaymentMethod(enum.StrEnum):
    BANK_TRANSFER = "bank_transfer"
    CARD = "card"
    CASH = "cash"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            PaymentMethod.BANK_TRANSFER: _l("Bank transfer"),
            PaymentMethod.CARD: _l("Card"),
            PaymentMethod.CASH: _l("Cash"),
            PaymentMethod.OTHER: _l("Other"),
        }[self]


# Who pays, as the organisers read it (PayerKind's own labels are the applicant's: "Myself").
PAYER_LABELS = {
    PayerKind.PARTICIPANT: _l("The participant"),
    PayerKind.EMPLOYER: _l("Their employer"),
    PayerKind.SPONSOR: _l("A sponsor"),
}


class InvoiceCounter(db.Model):
    """The last number taken in a series for a year. Numbers are taken under a lock on this row,
    in the transaction that inserts the document, so a rolled-back issue takes none."""

    __tablename__ = "invoice_counter"
    __table_args__ = (sa.UniqueConstraint("series", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(sa.String(30))
    year: Mapped[int]
    last_number: Mapped[int] = mapped_column(default=0)


class Invoice(db.Model):
    """An invoice, a pro-forma or a credit note for one registration, as issued."""

    __tablename__ = "invoice"
    __table_args__ = (
        sa.UniqueConstraint("series", "year", "number"),
        sa.CheckConstraint("number > 0", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Kept whatever happens to the registration: accounts keep their documents.
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind))
    series: Mapped[str] = mapped_column(sa.String(30))
    year: Mapped[int]
    number: Mapped[int]
    # A credit note: the invoice it cancels (one credit note per invoice). NO ACTION, checked
    # at the end of a statement: emptying the table in one statement is possible.
    credits_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoice.id"), unique=True)
    reason: Mapped[str] = mapped_column(sa.String(REASON_MAX), default="")
    issued_on: Mapped[date]  # the venue's date
    due_on: Mapped[date | None]
    currency: Mapped[str] = mapped_column(sa.String(3))
    total: Mapped[Decimal] = mapped_column(Money)  # negative for a credit note
    language: Mapped[str] = mapped_column(sa.String(5))
    participant_name: Mapped[str] = mapped_column(sa.String(200))
    course_title: Mapped[str] = mapped_column(sa.String(300))
    payer_kind: Mapped[PayerKind] = mapped_column(str_enum(PayerKind))
    billing_name: Mapped[str] = mapped_column(sa.String(BILLING_NAME_MAX))
    billing_address: Mapped[str] = mapped_column(sa.String(BILLING_ADDRESS_MAX), default="")
    billing_email: Mapped[str] = mapped_column(sa.String(BILLING_EMAIL_MAX), default="")
    billing_tax_id: Mapped[str] = mapped_column(sa.String(BILLING_TAX_ID_MAX), default="")
    billing_reference: Mapped[str] = mapped_column(sa.String(BILLING_REFERENCE_MAX), default="")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    registration: Mapped[Registration] = relationship()
    issued_by: Mapped[User | None] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position"
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="invoice", order_by="(Payment.paid_on, Payment.id)"
    )
    credits: Mapped[Invoice | None] = relationship(
        remote_side=[id], foreign_keys=[credits_id], back_populates="credit_note"
    )
    credit_note: Mapped[Invoice | None] = relationship(
        foreign_keys=[credits_id], back_populates="credits", uselist=False
    )

    @property
    def payer_label(self) -> str:
        return str(PAYER_LABELS[self.payer_kind])

    @property
    def number_text(self) -> str:
        return f"{self.series}-{self.year}-{self.number:04d}"

    @property
    def paid(self) -> Decimal:
        return sum((p.amount for p in self.payments), Decimal("0.00"))

    @property
    def outstanding(self) -> Decimal:
        """What is still to pay on an invoice (nothing on a cancelled one, a pro-forma or a
        credit note)."""
        if self.state in (InvoiceState.ISSUED, InvoiceState.PARTLY_PAID):
            return self.total - self.paid
        return Decimal("0.00")

    @property
    def state(self) -> InvoiceState:
        if self.kind == DocumentKind.PROFORMA:
            return InvoiceState.PROFORMA
        if self.kind == DocumentKind.CREDIT_NOTE:
            return InvoiceState.CREDIT
        if self.credit_note is not None:
            return InvoiceState.CANCELLED
        paid = self.paid
        if paid >= self.total:
            return InvoiceState.PAID
        if paid > 0:
            return InvoiceState.PARTLY_PAID
        return InvoiceState.ISSUED


class InvoiceLine(db.Model):
    __tablename__ = "invoice_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invoice.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[LineKind] = mapped_column(str_enum(LineKind))
    detail: Mapped[str] = mapped_column(sa.String(300), default="")
    amount: Mapped[Decimal] = mapped_column(Money)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")

    @property
    def label(self) -> str:
        """What the line is, in the current language."""
        if self.kind == LineKind.TUITION:
            return _("Tuition")
        if self.kind == LineKind.SUBSISTENCE:
            return _("Subsistence (accommodation and meals)")
        if self.kind == LineKind.FELLOWSHIP:
            if self.detail:
                return _("Less the fellowship from %(funder)s", funder=self.detail)
            return _("Less the fellowship")
        if self.kind == LineKind.CANCELLATION:
            return _("Cancellation charge: %(percent)s %% of the fees", percent=self.detail)
        if self.kind == LineKind.INVOICED:
            if self.detail:
                return _("Less what is already invoiced (%(numbers)s)", numbers=self.detail)
            return _("Less what is already received")
        return _("Less what is left to invoice separately")


class Payment(db.Model):
    """Money received against an invoice, as an organiser recorded it."""

    __tablename__ = "invoice_payment"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invoice.id", ondelete="RESTRICT"), index=True
    )
    paid_on: Mapped[date]  # the venue's date
    amount: Mapped[Decimal] = mapped_column(Money)
    method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod))
    reference: Mapped[str] = mapped_column(sa.String(PAYMENT_REFERENCE_MAX), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    invoice: Mapped[Invoice] = relationship(back_populates="payments")
    recorded_by: Mapped[User | None] = relationship()


class IssuedDocumentChanged(Exception):
    """Something tried to change an issued document: it can only be cancelled by a credit note."""


@sa.event.listens_for(Invoice, "before_update")
@sa.event.listens_for(InvoiceLine, "before_update")
def _never_changed(_mapper: object, _connection: object, target: object) -> None:
    # Called for every "dirty" instance, also one whose collection (its payments) grew: only a
    # changed column is refused.
    session = sa.orm.object_session(target)
    if session is not None and session.is_modified(target, include_collections=False):
        raise IssuedDocumentChanged(f"{type(target).__name__} {getattr(target, 'id', '?')}")
