"""What each participant owes the centre: the fees, less the fellowship, and for one who gave
up a confirmed seat, the share the cancellation policy sets for that day (at the venue).

Only a confirmed participant owes anything; a withdrawn application owes nothing. Invoices and
payments (app.invoices) build on ``balance``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from app.courses.models import Course
from app.db import now_utc
from app.extensions import db
from app.finance.fees import cancellation_percent, cancellation_rules, fees_of
from app.finance.fellowships import covered, fellowship_of, funds
from app.finance.models import (
    CancellationRule,
    CourseFees,
    FellowshipFund,
    FellowshipKind,
    FinanceRequest,
)
from app.finance.money import quantize
from app.registration.models import Registration, RegistrationEvent, RegistrationStatus

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Balance:
    currency: str
    tuition: Decimal
    subsistence: Decimal
    fellowship: Decimal  # what the fellowship covers
    fellowship_funder: str | None
    fellowship_kind: FellowshipKind | None
    # Set when the participant cancelled after confirmation: the share of the fees due.
    cancellation_percent: int | None
    due: Decimal

    @property
    def total(self) -> Decimal:
        return self.tuition + self.subsistence

    @property
    def has_fees(self) -> bool:
        return self.total > 0


NO_FEES = Balance("", ZERO, ZERO, ZERO, None, None, None, ZERO)


def balance(registration: Registration) -> Balance:
    """What this participant owes the centre, before invoices and payments."""
    fees = fees_of(registration.course)
    if fees is None:
        return NO_FEES
    fellowship = fellowship_of(registration)
    cover = covered(fellowship, fees.total) if fellowship else ZERO
    after_fellowship = fees.total - cover
    percent: int | None = None
    if registration.status == RegistrationStatus.CONFIRMED:
        due = after_fellowship
    elif (cancelled_at := cancelled_after_confirmation(registration)) is not None:
        percent = cancellation_percent(registration.course, cancelled_at)
        due = quantize(after_fellowship * percent / HUNDRED, fees.currency)
    else:
        due = ZERO
    return Balance(
        currency=fees.currency,
        tuition=fees.tuition,
        subsistence=fees.subsistence,
        fellowship=cover,
        fellowship_funder=fellowship.fund.funder if fellowship else None,
        fellowship_kind=fellowship.kind if fellowship else None,
        cancellation_percent=percent,
        due=due,
    )


def cancelled_after_confirmation(registration: Registration) -> datetime | None:
    """When a cancelled registration gave up a confirmed seat; None if it never held one
    (a withdrawn application owes nothing)."""
    if registration.status != RegistrationStatus.CANCELLED:
        return None
    return db.session.scalar(
        sa.select(RegistrationEvent.created_at)
        .where(
            RegistrationEvent.registration_id == registration.id,
            RegistrationEvent.to_status == RegistrationStatus.CANCELLED,
            RegistrationEvent.from_status == RegistrationStatus.CONFIRMED,
        )
        .order_by(RegistrationEvent.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class CancellationCharge:
    percent: int
    amount: Decimal
    currency: str


def cancellation_charge(
    registration: Registration, when: datetime | None = None
) -> CancellationCharge | None:
    """What cancelling now would cost this confirmed participant, shown before they confirm;
    None when nothing would be due."""
    if registration.status != RegistrationStatus.CONFIRMED:
        return None
    current = balance(registration)
    if not current.due:
        return None
    percent = cancellation_percent(registration.course, when or now_utc())
    if not percent:
        return None
    return CancellationCharge(
        percent, quantize(current.due * percent / HUNDRED, current.currency), current.currency
    )


# ---------------------------------------------------------------------------
# The application's part


def request_of(registration: Registration) -> FinanceRequest | None:
    return db.session.scalar(
        sa.select(FinanceRequest).where(FinanceRequest.registration_id == registration.id)
    )


def copy_finance(course: Course, new: Course) -> None:
    """A new edition keeps the fees, the cancellation policy and the funders' allocations
    (not the awards)."""
    fees = fees_of(course)
    if fees is not None:
        db.session.add(
            CourseFees(
                course_id=new.id,
                currency=fees.currency,
                tuition=fees.tuition,
                subsistence=fees.subsistence,
            )
        )
    for rule in cancellation_rules(course):
        db.session.add(
            CancellationRule(course_id=new.id, days_before=rule.days_before, percent=rule.percent)
        )
    for fund in funds(course):
        db.session.add(
            FellowshipFund(
                course_id=new.id,
                funder=fund.funder,
                full_count=fund.full_count,
                partial_count=fund.partial_count,
                budget=fund.budget,
            )
        )
    db.session.flush()
