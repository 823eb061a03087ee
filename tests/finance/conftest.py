"""Shared set-up for the finance tests: a course in Turin with fees and a cancellation policy,
and beside it a busy course with fees in another currency, its own funder and awards, whose
numbers no rule of this course may touch."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.accounts.models import Role, User
from app.courses.models import Course
from app.db import now_utc
from app.extensions import db
from app.finance import fees as fee_rules
from app.finance import fellowships
from app.finance.models import Fellowship, FellowshipFund, FellowshipKind
from app.registration.models import Registration
from tests.factories import make_course, make_registration, make_user, make_venue

MONDAY = date(2017, 11, 20)
D = Decimal


@pytest.fixture
def organiser() -> User:
    return make_user(Role.ORGANISER, name="Olga Organiser", email="olga@example.org")


@pytest.fixture
def colleague() -> User:
    return make_user(Role.ORGANISER, name="Olga Organista", email="olga.organista@example.org")


def turin_course(organiser: User, *, start: date = MONDAY, slug: str = "governing-2017") -> Course:
    course = make_course(
        slug=slug, start=start, venue=make_venue("Europe/Rome"), organisers=(organiser,)
    )
    fee_rules.set_fees(
        course, currency="EUR", tuition=D("2450.00"), subsistence=D("1150.50"), actor=organiser
    )
    fee_rules.set_cancellation_policy(course, [(30, 50), (7, 100)], actor=organiser)
    return course


@pytest.fixture
def course(organiser: User, colleague: User) -> Course:
    course = turin_course(organiser)
    from app.courses.models import CourseTeamMember, TeamRole

    course.team.append(CourseTeamMember(user=colleague, role=TeamRole.ORGANISER))
    db.session.commit()  # a route's rollback must not take the set-up with it
    return course


@pytest.fixture
def upcoming(organiser: User) -> Course:
    """A course two months ahead, taking applications."""
    now = now_utc()
    course = turin_course(organiser, start=(now + timedelta(days=60)).date(), slug="governing-next")
    course.registration_opens_at = now - timedelta(days=1)
    course.registration_closes_at = now + timedelta(days=30)
    db.session.commit()
    return course


@pytest.fixture
def neighbour(organiser: User) -> Course:
    """Another course the same week, in US dollars, with its own funder and awards."""
    other = make_course(slug="mainstreaming-2017", start=MONDAY, organisers=(organiser,))
    fee_rules.set_fees(
        other, currency="USD", tuition=D("999.99"), subsistence=D("0"), actor=organiser
    )
    fee_rules.set_cancellation_policy(other, [(60, 100)], actor=organiser)
    fund = fellowships.save_fund(
        other, funder="IOM", full_count=1, partial_count=1, budget=None, actor=organiser
    )
    fellowships.award(
        make_registration(other, make_user(name="Ana Sousa")),
        fund,
        FellowshipKind.FULL,
        actor=organiser,
    )
    fellowships.award(
        make_registration(other, make_user(name="Anna Souza")),
        fund,
        FellowshipKind.PARTIAL,
        amount=D("500"),
        actor=organiser,
    )
    db.session.commit()
    return other


def neighbour_state(course: Course) -> list[tuple]:
    """Everything of the neighbour's money, to compare before and after."""
    funds = db.session.execute(
        sa.select(FellowshipFund.funder, FellowshipFund.full_count, FellowshipFund.partial_count)
        .where(FellowshipFund.course_id == course.id)
        .order_by(FellowshipFund.id)
    ).all()
    awards = db.session.execute(
        sa.select(Fellowship.registration_id, Fellowship.kind, Fellowship.amount)
        .join(Registration)
        .where(Registration.course_id == course.id)
        .order_by(Fellowship.id)
    ).all()
    fees = fee_rules.fees_of(course)
    return [
        *funds,
        *awards,
        (fees.currency, fees.tuition, fees.subsistence),
        *[(r.days_before, r.percent) for r in fee_rules.cancellation_rules(course)],
    ]
