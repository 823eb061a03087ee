"""The demo's money: the 2017 course and its open edition have fees, a policy, the donor's and
the centre's allocations and a few awards; a second run adds nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from app.courses.models import Course
from app.demo.services import GOVERNING_SLUG, seed_demo
from app.extensions import db
from app.finance import fees as fee_rules
from app.finance import fellowships, services
from app.finance.models import Fellowship, FinanceRequest, PayerKind
from app.registration.models import Registration


def by_slug(slug: str) -> Course:
    return db.session.scalar(sa.select(Course).where(Course.slug == slug))


def test_the_demo_courses_have_fees_fellowships_and_requests(app):
    report = seed_demo(date(2026, 11, 22))
    db.session.commit()
    for course in (by_slug(GOVERNING_SLUG), by_slug(report.upcoming_slug)):
        fees = fee_rules.fees_of(course)
        assert (fees.currency, fees.tuition, fees.subsistence) == (
            "EUR",
            Decimal("2450.00"),
            Decimal("1150.00"),
        )
        assert [(r.days_before, r.percent) for r in fee_rules.cancellation_rules(course)] == [
            (30, 50),
            (7, 100),
        ]
        lines = {line.fund.funder: line for line in fellowships.summaries(course)}
        donor = lines["Swiss Agency for Development and Cooperation (SDC)"]
        assert (donor.fund.full_count, donor.fund.partial_count) == (10, 6)
        assert lines["ITC-ILO"].fund.budget == Decimal("5000.00")
    governing = by_slug(GOVERNING_SLUG)
    totals = fellowships.totals(fellowships.summaries(governing))
    assert (totals.full, totals.partial) == (4, 2)
    people = db.session.scalars(
        sa.select(Registration).where(Registration.course_id == governing.id)
    ).all()
    dues = sorted(services.balance(r).due for r in people)
    assert dues[:4] == [Decimal("0.00")] * 4
    assert dues[-1] == Decimal("3600.00")
    upcoming = by_slug(report.upcoming_slug)
    applicants = db.session.scalars(
        sa.select(Registration)
        .where(Registration.course_id == upcoming.id)
        .order_by(Registration.id)
    ).all()
    asked = [services.request_of(r) for r in applicants]
    assert [a.wants_fellowship for a in asked] == [False, True, False, True]
    assert asked[2].payer_kind == PayerKind.EMPLOYER
    assert services.balance(applicants[3]).due == 0
    assert services.balance(applicants[1]).due == Decimal("1800.00")
    # The first pays herself: the demo's invoices start with her (app/invoices/demo.py).
    assert services.balance(applicants[0]).due == Decimal("3600.00")

    counts = [
        db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (Fellowship, FinanceRequest)
    ]
    seed_demo(date(2026, 11, 22))
    db.session.commit()
    assert [
        db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (Fellowship, FinanceRequest)
    ] == counts
