"""A course's fees and cancellation policy."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.core.rules import FieldErrors
from app.core.timeutil import local_date
from app.courses.models import Course
from app.extensions import db
from app.finance.models import CancellationRule, CourseFees, Fellowship, FellowshipFund
from app.finance.money import check_amount, is_currency, quantize

MAX_DAYS_BEFORE = 730


def fees_of(course: Course) -> CourseFees | None:
    return db.session.scalar(sa.select(CourseFees).where(CourseFees.course_id == course.id))


def set_fees(
    course: Course,
    *,
    currency: str,
    tuition: Decimal,
    subsistence: Decimal,
    actor: User,
) -> CourseFees | None:
    """Set the course's fees; both zero removes them (the course is free). The currency cannot
    change once a fellowship is awarded, as their amounts are in it."""
    currency = (currency or "").strip().upper()
    if not is_currency(currency):
        raise FieldErrors.single(_l("Choose a currency."), "currency")
    errors: dict[str | None, list] = {}
    for field, amount in (("tuition", tuition), ("subsistence", subsistence)):
        try:
            check_amount(amount, currency, field=field)
        except FieldErrors as error:
            errors.update(error.errors)
    if errors:
        raise FieldErrors(errors)
    fees = fees_of(course)
    if fees is not None and _amounts_in_currency(course):
        if fees.currency != currency:
            raise FieldErrors.single(
                _l(
                    "Fellowship budgets or partial fellowships are in %(currency)s: change them "
                    "first to change the currency.",
                    currency=fees.currency,
                ),
                "currency",
            )
        if tuition == 0 and subsistence == 0:
            raise FieldErrors.single(
                _l(
                    "Fellowship budgets or partial fellowships are set: the fees cannot be removed."
                ),
                "tuition",
            )
    if tuition == 0 and subsistence == 0:
        if fees is not None:
            db.session.delete(fees)
            db.session.flush()
        return None
    if fees is None:
        fees = CourseFees(course_id=course.id, currency=currency)
        db.session.add(fees)
    fees.currency = currency
    fees.tuition = quantize(tuition, currency)
    fees.subsistence = quantize(subsistence, currency)
    fees.updated_by_id = actor.id
    db.session.flush()
    return fees


def _amounts_in_currency(course: Course) -> bool:
    """Whether a fund's budget or a partial fellowship holds an amount in the fees' currency."""
    budgets = sa.select(FellowshipFund.id).where(
        FellowshipFund.course_id == course.id, FellowshipFund.budget.is_not(None)
    )
    partials = (
        sa.select(Fellowship.id)
        .join(FellowshipFund)
        .where(FellowshipFund.course_id == course.id, Fellowship.amount.is_not(None))
    )
    return bool(db.session.scalar(sa.select(sa.exists(budgets.union_all(partials)))))


def cancellation_rules(course: Course) -> list[CancellationRule]:
    """The course's rules, the earliest (most days before the start) first."""
    return list(
        db.session.scalars(
            sa.select(CancellationRule)
            .where(CancellationRule.course_id == course.id)
            .order_by(CancellationRule.days_before.desc())
        )
    )


def set_cancellation_policy(
    course: Course, rules: Sequence[tuple[int, int]], *, actor: User
) -> None:
    """Replace the policy with ``rules``, pairs of (days before the start, percent due). A
    later rule (fewer days before) must not charge less than an earlier one."""
    seen: dict[int, int] = {}
    for days_before, percent in rules:
        if not 0 <= days_before <= MAX_DAYS_BEFORE:
            raise FieldErrors.single(
                _l("Days before the start are between 0 and %(max)d.", max=MAX_DAYS_BEFORE),
                "rules",
            )
        if not 0 <= percent <= 100:
            raise FieldErrors.single(_l("A percentage is between 0 and 100."), "rules")
        if days_before in seen:
            raise FieldErrors.single(
                _l("Two rules start %(days)d days before the start: keep one.", days=days_before),
                "rules",
            )
        seen[days_before] = percent
    ordered = sorted(seen.items(), reverse=True)
    for (_, earlier), (days, later) in itertools.pairwise(ordered):
        if later < earlier:
            raise FieldErrors.single(
                _l(
                    "Closer to the start the share due cannot go down: %(days)d days before "
                    "charges less than a rule before it.",
                    days=days,
                ),
                "rules",
            )
    db.session.execute(sa.delete(CancellationRule).where(CancellationRule.course_id == course.id))
    for days_before, percent in ordered:
        db.session.add(
            CancellationRule(course_id=course.id, days_before=days_before, percent=percent)
        )
    db.session.flush()


def cancellation_percent(course: Course, when: datetime) -> int:
    """The share of the fees (percent) due for cancelling at ``when``: the rule for the fewest
    days before the start that is not later than the venue's date of ``when``; 0 before every
    rule."""
    days_left = (course.start_date - local_date(when, course.timezone)).days
    applicable = [r for r in cancellation_rules(course) if days_left <= r.days_before]
    return applicable[-1].percent if applicable else 0
