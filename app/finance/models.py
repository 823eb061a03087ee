"""What a course costs, what a participant owes, and who pays: fees, the cancellation policy,
fellowships awarded against a funder's allocation, and the billing details of an application.

Amounts are ``Decimal`` in ``Numeric(12, 2)`` columns, in the course's one currency (ISO 4217).
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, now_utc, str_enum
from app.extensions import db

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.courses.models import Course
    from app.registration.models import Registration

Money = sa.Numeric(12, 2, asdecimal=True)
FUNDER_MAX_LENGTH = 200


class CourseFees(db.Model):
    """A course's tuition and subsistence (accommodation and meals), per participant."""

    __tablename__ = "course_fees"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), unique=True
    )
    currency: Mapped[str] = mapped_column(sa.String(3))
    tuition: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    subsistence: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    course: Mapped[Course] = relationship()
    updated_by: Mapped[User | None] = relationship()

    @property
    def total(self) -> Decimal:
        return self.tuition + self.subsistence


class CancellationRule(db.Model):
    """From ``days_before`` days before the start (at the venue), ``percent`` of the fees is due
    when a confirmed participant cancels."""

    __tablename__ = "cancellation_rule"
    __table_args__ = (
        sa.UniqueConstraint("course_id", "days_before"),
        sa.CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"),
        sa.CheckConstraint("days_before >= 0", name="days_before_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    days_before: Mapped[int]
    percent: Mapped[int]

    course: Mapped[Course] = relationship()


class FellowshipFund(db.Model):
    """What one funder gives a course: a number of full and of partial fellowships, or a budget
    (or both: then every limit holds)."""

    __tablename__ = "fellowship_fund"
    __table_args__ = (sa.UniqueConstraint("course_id", "funder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    funder: Mapped[str] = mapped_column(sa.String(FUNDER_MAX_LENGTH))
    # None: no limit of that kind.
    full_count: Mapped[int | None]
    partial_count: Mapped[int | None]
    budget: Mapped[Decimal | None] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    course: Mapped[Course] = relationship()
    fellowships: Mapped[list[Fellowship]] = relationship(back_populates="fund")


class FellowshipKind(enum.StrEnum):
    FULL = "full"  # all the fees
    PARTIAL = "partial"  # a set amount

    @property
    def label(self) -> str:
        return {
            FellowshipKind.FULL: _l("Full fellowship"),
            FellowshipKind.PARTIAL: _l("Partial fellowship"),
        }[self]


class Fellowship(db.Model):
    """A fellowship awarded to one participant from one fund. Withdrawing deletes it; the
    registration's history keeps who awarded, changed and withdrew it, and when."""

    __tablename__ = "fellowship"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), unique=True
    )
    fund_id: Mapped[int] = mapped_column(
        sa.ForeignKey("fellowship_fund.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[FellowshipKind] = mapped_column(str_enum(FellowshipKind))
    # A partial fellowship's amount; None for a full one, which covers the fees as they stand.
    amount: Mapped[Decimal | None] = mapped_column(Money)
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    awarded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    registration: Mapped[Registration] = relationship()
    fund: Mapped[FellowshipFund] = relationship(back_populates="fellowships")
    awarded_by: Mapped[User | None] = relationship(foreign_keys=[awarded_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])


class PayerKind(enum.StrEnum):
    PARTICIPANT = "participant"
    EMPLOYER = "employer"
    SPONSOR = "sponsor"

    @property
    def label(self) -> str:
        return {
            PayerKind.PARTICIPANT: _l("Myself"),
            PayerKind.EMPLOYER: _l("My employer"),
            PayerKind.SPONSOR: _l("A sponsor"),
        }[self]


class FinanceRequest(db.Model):
    """What an applicant asked for on the application: a fellowship (with why), and to whom the
    invoice for the rest goes."""

    __tablename__ = "finance_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), unique=True
    )
    wants_fellowship: Mapped[bool] = mapped_column(default=False)
    justification: Mapped[str] = mapped_column(sa.Text, default="")
    payer_kind: Mapped[PayerKind] = mapped_column(
        str_enum(PayerKind), default=PayerKind.PARTICIPANT
    )
    billing_name: Mapped[str] = mapped_column(sa.String(200), default="")
    billing_address: Mapped[str] = mapped_column(sa.String(1000), default="")
    billing_email: Mapped[str] = mapped_column(sa.String(254), default="")
    # VAT or other tax number, and the payer's purchase order or reference, printed on invoices.
    billing_tax_id: Mapped[str] = mapped_column(sa.String(50), default="")
    billing_reference: Mapped[str] = mapped_column(sa.String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    registration: Mapped[Registration] = relationship()
