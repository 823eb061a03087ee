"""A course's fees and cancellation policy."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.core.rules import FieldErrors
from app.core.timeutil import local_date
from app.courses.models import Course
from app.extensions import db
from app.finance.models import CancellationRule, CourseFees, Fellowship, FellowshipFund
from app.finance.money import check_amount, format_money, is_currency, quantize

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
    currency = currency.strip().upper()
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
    if fees is not None and fees.currency != currency and _amounts_in_currency(course):
        raise FieldErrors.single(
            _l(
                "Fellowship budgets or partial fellowships are in %(currency)s: change them "
                "first to change the currency.",
                currency=fees.currency,
            ),
            "currency",
        )
    if tuition == 0 and subsistence == 0:
        if _fellowships_set(course):
            raise FieldErrors.single(
                _l("Fellowships or budgets are set: the fees cannot be removed."), "tuition"
            )
        if fees is not None:
            db.session.delete(fees)
            db.session.flush()
        return None
    _check_budgets(course, tuition + subsistence, currency)
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


def _fellowships_set(course: Course) -> bool:
    """Whether a fellowship is awarded or a fund has a budget: both need fees to mean anything."""
    awarded = (
        sa.select(Fellowship.id).join(FellowshipFund).where(FellowshipFund.course_id == course.id)
    )
    return _amounts_in_currency(course) or bool(db.session.scalar(sa.select(sa.exists(awarded))))


def _check_budgets(course: Course, total: Decimal, currency: str) -> None:
    """Refuse fees at which the fellowships already awarded would cost a fund more than its
    budget (a full fellowship covers the fees as they stand)."""
    from app.finance.fellowships import funds, usage

    for fund in funds(course):
        if fund.budget is None:
            continue
        cost = usage(fund, total=total).amount
        if cost > fund.budget:
            raise FieldErrors.single(
                _l(
                    "At these fees the fellowships awarded from %(funder)s would cost "
                    "%(cost)s, more than its budget of %(budget)s.",
                    funder=fund.funder,
                    cost=format_money(cost, currency),
                    budget=format_money(fund.budget, currency),
                ),
                None,
            )


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
    for (_earlier_days, earlier), (days, later) in itertools.pairwise(ordered):
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
    """The share of the fees (percent) due for cancelling at ``when``."""
    return percent_due(course, cancellation_rules(course), when)


def percent_due(course: Course, rules: Sequence[CancellationRule], when: datetime) -> int:
    """The percent of the rule for the fewest days before the start that is not later than the
    venue's date of ``when``; 0 before every rule. ``rules``: the course's, earliest first."""
    days_left = (course.start_date - local_date(when, course.timezone)).days
    applicable = [r for r in rules if days_left <= r.days_before]
    return applicable[-1].percent if applicable else 0


def policy_sentences(course: Course) -> list[str]:
    """The policy in the reader's words, the earliest rule first: "Until 20 October 2017,
    cancelling costs nothing." then one sentence per rule with the date it starts (at the
    venue)."""
    rules = cancellation_rules(course)
    if not rules:
        return []
    sentences = []
    first = rules[0]
    if first.percent > 0:
        free_until = course.start_date - timedelta(days=first.days_before + 1)
        sentences.append(
            _("Until %(date)s, cancelling costs nothing.", date=format_date(free_until, "long"))
        )
    for rule in rules:
        if rule.days_before == 0:
            sentences.append(
                _(
                    "From the first day of the course, %(percent)d %% of the fees is due if "
                    "you cancel.",
                    percent=rule.percent,
                )
            )
        else:
            sentences.append(
                ngettext(
                    "From %(num)d day before the start (%(date)s), %(percent)d %% of the fees "
                    "is due if you cancel.",
                    "From %(num)d days before the start (%(date)s), %(percent)d %% of the fees "
                    "is due if you cancel.",
                    rule.days_before,
                    date=format_date(course.start_date - timedelta(days=rule.days_before), "long"),
                    percent=rule.percent,
                )
            )
    return sentences
