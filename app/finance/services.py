"""What each participant owes the centre: the fees, less the fellowship, and for one who gave
up a confirmed seat, the share the cancellation policy sets for that day (at the venue).

Only a confirmed participant owes anything; a withdrawn application owes nothing. Invoices and
payments (app.invoices) build on ``balance``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.courses.models import Course
from app.db import now_utc
from app.extensions import db
from app.finance.fees import cancellation_rules, fees_of, percent_due
from app.finance.fellowships import covered, fellowship_of, funds
from app.finance.models import (
    CancellationRule,
    CourseFees,
    Fellowship,
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


# Applications still open or confirmed: their billing details may change.
OPEN_STATUSES = frozenset(
    {RegistrationStatus.SUBMITTED, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED}
)
NO_FEES = Balance("", ZERO, ZERO, ZERO, None, None, None, ZERO)


def balance(registration: Registration) -> Balance:
    """What this participant owes the centre, before invoices and payments."""
    fees = fees_of(registration.course)
    if fees is None:
        return NO_FEES
    return balance_from(
        registration,
        fees,
        fellowship_of(registration),
        cancelled_after_confirmation(registration),
        cancellation_rules(registration.course),
    )


def balances(course: Course, registrations: Sequence[Registration]) -> dict[int, Balance]:
    """``balance`` of each of the course's ``registrations`` by id, in a few queries (the desk's
    list); empty when the course has no fees."""
    fees = fees_of(course)
    if fees is None:
        return {}
    ids = [r.id for r in registrations]
    awarded = {
        f.registration_id: f
        for f in db.session.scalars(
            sa.select(Fellowship)
            .where(Fellowship.registration_id.in_(ids))
            .options(joinedload(Fellowship.fund))
        )
    }
    cancelled: dict[int, datetime] = {}
    for registration_id, when in db.session.execute(
        _cancellations().where(RegistrationEvent.registration_id.in_(ids))
    ):
        cancelled[registration_id] = when
    rules = cancellation_rules(course)
    return {
        r.id: balance_from(
            r,
            fees,
            awarded.get(r.id),
            cancelled.get(r.id) if r.status == RegistrationStatus.CANCELLED else None,
            rules,
        )
        for r in registrations
    }


def balance_from(
    registration: Registration,
    fees: CourseFees,
    fellowship: Fellowship | None,
    cancelled_at: datetime | None,
    rules: Sequence[CancellationRule],
) -> Balance:
    """The one reckoning of what a registration owes, from what the callers read (one by one,
    a course's list, or many courses' at once: app.invoices.dues). ``cancelled_at``: when a
    cancelled registration gave up its confirmed seat; ``rules``: the course's, earliest first."""
    cover = covered(fellowship, fees.total) if fellowship else ZERO
    after_fellowship = fees.total - cover
    percent: int | None = None
    if registration.status == RegistrationStatus.CONFIRMED:
        due = after_fellowship
    elif cancelled_at is not None:
        percent = percent_due(registration.course, rules, cancelled_at)
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


def _cancellations() -> sa.Select:
    """(registration id, when) of each giving up of a confirmed seat, oldest first."""
    return (
        sa.select(RegistrationEvent.registration_id, RegistrationEvent.created_at)
        .where(
            RegistrationEvent.to_status == RegistrationStatus.CANCELLED,
            RegistrationEvent.from_status == RegistrationStatus.CONFIRMED,
        )
        .order_by(RegistrationEvent.id)
    )


def cancelled_after_confirmation(registration: Registration) -> datetime | None:
    """When a cancelled registration gave up a confirmed seat (the last time); None if it
    never held one (a withdrawn application owes nothing)."""
    if registration.status != RegistrationStatus.CANCELLED:
        return None
    found = None
    for _registration_id, when in db.session.execute(
        _cancellations().where(RegistrationEvent.registration_id == registration.id)
    ):
        found = when
    return found


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
    return _charge(
        registration,
        balance(registration),
        cancellation_rules(registration.course),
        when or now_utc(),
    )


def _charge(
    registration: Registration,
    current: Balance,
    rules: Sequence[CancellationRule],
    when: datetime,
) -> CancellationCharge | None:
    if not current.due:
        return None
    percent = percent_due(registration.course, rules, when)
    if not percent:
        return None
    return CancellationCharge(
        percent, quantize(current.due * percent / HUNDRED, current.currency), current.currency
    )


@dataclass(frozen=True)
class MyFinance:
    """A registration's money on "My courses"."""

    balance: Balance
    # What cancelling now would cost (a confirmed participant), else None.
    charge: CancellationCharge | None
    can_edit_billing: bool


def for_my_courses(
    registrations: Sequence[Registration], balances: Mapping[int, Balance], *, now: datetime
) -> dict[int, MyFinance]:
    """``MyFinance`` of each registration to a course with fees, by id. ``balances``: what each
    owes, as ``balance`` has it, read in a batch by the caller (app.invoices.dues reads them for
    the page's invoices too); only the cancellation rules are read here, in one query."""
    charged = [r for r in registrations if r.id in balances and balances[r.id].has_fees]
    if not charged:
        return {}
    rules: dict[int, list[CancellationRule]] = {}
    for rule in db.session.scalars(
        sa.select(CancellationRule)
        .where(CancellationRule.course_id.in_({r.course_id for r in charged}))
        .order_by(CancellationRule.days_before.desc())
    ):
        rules.setdefault(rule.course_id, []).append(rule)
    found = {}
    for r in charged:
        owed = balances[r.id]
        confirmed = r.status == RegistrationStatus.CONFIRMED
        found[r.id] = MyFinance(
            balance=owed,
            charge=_charge(r, owed, rules.get(r.course_id, []), now) if confirmed else None,
            can_edit_billing=r.status in OPEN_STATUSES or owed.due > 0,
        )
    return found


# ---------------------------------------------------------------------------
# The application's part


def request_of(registration: Registration) -> FinanceRequest | None:
    return db.session.scalar(
        sa.select(FinanceRequest).where(FinanceRequest.registration_id == registration.id)
    )


def copy_finance(course: Course, new: Course, *, actor: User) -> None:
    """A new edition keeps the fees, the cancellation policy and the funders' allocations
    (not the awards); its fees are set by ``actor``, who made the edition."""
    fees = fees_of(course)
    if fees is not None:
        db.session.add(
            CourseFees(
                course_id=new.id,
                currency=fees.currency,
                tuition=fees.tuition,
                subsistence=fees.subsistence,
                updated_by_id=actor.id,
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
