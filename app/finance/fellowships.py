"""Fellowships: each funder's allocation to a course, and the awards made from it, never more
than the allocation allows, even when two organisers award at the same second."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.core.rules import FieldErrors
from app.courses.models import Course
from app.db import now_utc
from app.extensions import db
from app.finance.fees import fees_of
from app.finance.models import FUNDER_MAX_LENGTH, Fellowship, FellowshipFund, FellowshipKind
from app.finance.money import check_amount, format_money
from app.registration.models import Registration, RegistrationEvent, RegistrationStatus

ZERO = Decimal("0.00")
MAX_COUNT = 1000


class FellowshipUnavailable(Exception):
    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


def funds(course: Course) -> list[FellowshipFund]:
    return list(
        db.session.scalars(
            sa.select(FellowshipFund)
            .where(FellowshipFund.course_id == course.id)
            .order_by(FellowshipFund.funder, FellowshipFund.id)
        )
    )


def save_fund(
    course: Course,
    *,
    funder: str,
    full_count: int | None,
    partial_count: int | None,
    budget: Decimal | None,
    fund: FellowshipFund | None = None,
    actor: User,
) -> FellowshipFund:
    """Create or change a funder's allocation. It cannot drop below what is already awarded.
    A limit left None is no limit of that kind (the centre's own fellowships may have none)."""
    funder = " ".join((funder or "").split())
    if not funder:
        raise FieldErrors.single(_l("Name the funder."), "funder")
    if len(funder) > FUNDER_MAX_LENGTH:
        raise FieldErrors.single(_l("The funder's name is too long."), "funder")
    for field, count in (("full_count", full_count), ("partial_count", partial_count)):
        if count is not None and not 0 <= count <= MAX_COUNT:
            raise FieldErrors.single(
                _l("A number of fellowships is between 0 and %(max)d.", max=MAX_COUNT), field
            )
    if fund is not None and fund.course_id != course.id:
        raise FellowshipUnavailable(_l("This funder does not fund this course."))
    fees = fees_of(course)
    if budget is not None:
        if fees is None:
            raise FieldErrors.single(_l("Set the course's fees before a budget."), "budget")
        budget = check_amount(budget, fees.currency, field="budget")
    same_name = sa.select(FellowshipFund.id).where(
        FellowshipFund.course_id == course.id,
        sa.func.lower(FellowshipFund.funder) == funder.lower(),
    )
    if fund is not None:
        same_name = same_name.where(FellowshipFund.id != fund.id)
    if db.session.scalar(same_name) is not None:
        raise FieldErrors.single(_l("This funder already has an allocation."), "funder")
    if fund is not None:
        used = usage(fund)
        if full_count is not None and full_count < used.full:
            raise FieldErrors.single(
                _l("%(n)d full fellowships are already awarded.", n=used.full), "full_count"
            )
        if partial_count is not None and partial_count < used.partial:
            raise FieldErrors.single(
                _l("%(n)d partial fellowships are already awarded.", n=used.partial),
                "partial_count",
            )
        if budget is not None and budget < used.amount:
            raise FieldErrors.single(
                _l(
                    "%(amount)s is already awarded.",
                    amount=format_money(used.amount, fees.currency),
                ),
                "budget",
            )
    else:
        fund = FellowshipFund(course_id=course.id)
        db.session.add(fund)
    fund.funder = funder
    fund.full_count = full_count
    fund.partial_count = partial_count
    fund.budget = budget
    db.session.flush()
    return fund


def delete_fund(fund: FellowshipFund, *, actor: User) -> None:
    if usage(fund).count:
        raise FellowshipUnavailable(
            _l("Fellowships from this funder are awarded: withdraw them first.")
        )
    db.session.delete(fund)
    db.session.flush()


@dataclass(frozen=True)
class FundUsage:
    full: int
    partial: int
    amount: Decimal  # what the awards cover at today's fees

    @property
    def count(self) -> int:
        return self.full + self.partial


def usage(
    fund: FellowshipFund, *, excluding: Fellowship | None = None, total: Decimal | None = None
) -> FundUsage:
    """What the fund's awards take: their numbers, and what they cover at the course's fees (or
    at ``total``, fees an organiser is about to set)."""
    awards = [
        f
        for f in db.session.scalars(sa.select(Fellowship).where(Fellowship.fund_id == fund.id))
        if excluding is None or f.id != excluding.id
    ]
    if total is None:
        fees = fees_of(fund.course)
        total = fees.total if fees else ZERO
    return FundUsage(
        full=sum(1 for f in awards if f.kind == FellowshipKind.FULL),
        partial=sum(1 for f in awards if f.kind == FellowshipKind.PARTIAL),
        amount=sum((covered(f, total) for f in awards), ZERO),
    )


def covered(fellowship: Fellowship, total: Decimal) -> Decimal:
    if fellowship.kind == FellowshipKind.FULL:
        return total
    assert fellowship.amount is not None  # a partial fellowship has its amount
    return min(fellowship.amount, total)


def fellowship_of(registration: Registration) -> Fellowship | None:
    return db.session.scalar(
        sa.select(Fellowship).where(Fellowship.registration_id == registration.id)
    )


def _lock_fund(fund: FellowshipFund) -> None:
    """Serialise awards from one fund until the transaction ends, as seats are (a row lock on
    PostgreSQL; SQLite's write lock taken at once by a no-op UPDATE)."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            sa.update(FellowshipFund)
            .where(FellowshipFund.id == fund.id)
            .values(id=FellowshipFund.id)
        )
    else:
        db.session.execute(
            sa.select(FellowshipFund.id).where(FellowshipFund.id == fund.id).with_for_update()
        )


def award(
    registration: Registration,
    fund: FellowshipFund,
    kind: FellowshipKind,
    *,
    amount: Decimal | None = None,
    actor: User,
) -> Fellowship:
    """Award (or change) the participant's fellowship. Refused when it would take the fund
    past its number of fellowships of that kind or its budget, counted under a lock so that two
    organisers awarding at the same second cannot both take the last one."""
    if fund.course_id != registration.course_id:
        raise FellowshipUnavailable(_l("This funder does not fund this course."))
    if registration.status not in (
        RegistrationStatus.SUBMITTED,
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITLISTED,
    ):
        raise FellowshipUnavailable(
            _l("Fellowships go to applicants and participants, not to cancelled or refused ones.")
        )
    fees = fees_of(registration.course)
    if fees is None:
        raise FellowshipUnavailable(_l("The course has no fees to cover."))
    if kind == FellowshipKind.PARTIAL:
        if amount is None:
            raise FieldErrors.single(_l("Enter the amount the fellowship covers."), "amount")
        amount = check_amount(amount, fees.currency, field="amount", allow_zero=False)
        if amount >= fees.total:
            raise FieldErrors.single(
                _l(
                    "A partial fellowship covers less than the fees (%(total)s): award a full one.",
                    total=format_money(fees.total, fees.currency),
                ),
                "amount",
            )
    else:
        amount = None
    _lock_fund(fund)
    existing = fellowship_of(registration)
    # Re-read after the lock: what others awarded meanwhile is now visible.
    used = usage(fund, excluding=existing if existing and existing.fund_id == fund.id else None)
    limit = fund.full_count if kind == FellowshipKind.FULL else fund.partial_count
    taken = used.full if kind == FellowshipKind.FULL else used.partial
    if limit is not None and taken >= limit:
        if kind == FellowshipKind.FULL:
            message = _l(
                "%(funder)s has no full fellowship left: all %(limit)d are awarded.",
                funder=fund.funder,
                limit=limit,
            )
        else:
            message = _l(
                "%(funder)s has no partial fellowship left: all %(limit)d are awarded.",
                funder=fund.funder,
                limit=limit,
            )
        raise FellowshipUnavailable(message)
    covers = fees.total if amount is None else amount
    if fund.budget is not None and used.amount + covers > fund.budget:
        raise FellowshipUnavailable(
            _l(
                "The budget of %(funder)s has %(left)s left, not enough for this fellowship "
                "(%(cost)s).",
                funder=fund.funder,
                left=format_money(fund.budget - used.amount, fees.currency),
                cost=format_money(covers, fees.currency),
            )
        )
    now = now_utc()
    if existing is None:
        fellowship = Fellowship(
            registration_id=registration.id,
            fund=fund,
            kind=kind,
            amount=amount,
            awarded_by_id=actor.id,
            awarded_at=now,
            updated_by_id=actor.id,
            updated_at=now,
        )
        db.session.add(fellowship)
        action = "fellowship_awarded"
    else:
        fellowship = existing
        fellowship.fund = fund
        fellowship.kind = kind
        fellowship.amount = amount
        fellowship.updated_by_id = actor.id
        fellowship.updated_at = now
        action = "fellowship_changed"
    _record(registration, action, actor, describe(fellowship, fees.currency))
    db.session.flush()
    return fellowship


def withdraw(registration: Registration, *, actor: User) -> None:
    fellowship = fellowship_of(registration)
    if fellowship is None:
        raise FellowshipUnavailable(_l("This participant has no fellowship."))
    fees = fees_of(registration.course)
    assert fees is not None  # fees cannot be removed while a fellowship is awarded
    _record(registration, "fellowship_withdrawn", actor, describe(fellowship, fees.currency))
    db.session.delete(fellowship)
    db.session.flush()


def describe(fellowship: Fellowship, currency: str) -> str:
    """For the history: "IOM: partial, 900.00" (not translated: the record of what was done)."""
    if fellowship.kind == FellowshipKind.FULL:
        return f"{fellowship.fund.funder}: full"
    return f"{fellowship.fund.funder}: partial, {fellowship.amount} {currency}"


def _record(registration: Registration, action: str, actor: User, note: str) -> None:
    db.session.add(
        RegistrationEvent(
            registration_id=registration.id,
            actor_id=actor.id,
            action=action,
            from_status=registration.status,
            to_status=registration.status,
            note=note,  # at most 200 + 40 characters: the funder's name is limited
        )
    )


@dataclass(frozen=True)
class FundSummary:
    """One funder's line on the fellowships page: what it gives, what is awarded, what is left
    (None where the allocation sets no limit of that kind)."""

    fund: FellowshipFund
    used: FundUsage
    full_left: int | None
    partial_left: int | None
    budget_left: Decimal | None


def _left(limit: int | None, taken: int) -> int | None:
    return None if limit is None else limit - taken


def summaries(course: Course) -> list[FundSummary]:
    lines = []
    for fund in funds(course):
        used = usage(fund)
        lines.append(
            FundSummary(
                fund=fund,
                used=used,
                full_left=_left(fund.full_count, used.full),
                partial_left=_left(fund.partial_count, used.partial),
                budget_left=None if fund.budget is None else fund.budget - used.amount,
            )
        )
    return lines


@dataclass(frozen=True)
class FundTotals:
    full: int
    partial: int
    amount: Decimal


def totals(lines: list[FundSummary]) -> FundTotals:
    return FundTotals(
        full=sum(line.used.full for line in lines),
        partial=sum(line.used.partial for line in lines),
        amount=sum((line.used.amount for line in lines), ZERO),
    )
