"""The demo's money: the Turin courses' fees and cancellation policy, the programme donor's
fellowships, a few awards, and the open edition's applicants asking for fellowships and saying
who pays. Each step only where it is missing, so that running the seed again adds nothing."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from app.accounts.models import User
from app.courses.models import Course
from app.extensions import db
from app.finance import fees as fee_rules
from app.finance import fellowships, requests, services
from app.finance.models import FellowshipKind, PayerKind
from app.registration.models import Registration

DONOR = "Swiss Agency for Development and Cooperation (SDC)"
CENTRE = "ITC-ILO"
TUITION = Decimal("2450.00")
SUBSISTENCE = Decimal("1150.00")
POLICY = [(30, 50), (7, 100)]

# (index among the course's registrations by id, kind, amount) of the awards.
PAST_AWARDS = (
    (0, FellowshipKind.FULL, None),
    (2, FellowshipKind.FULL, None),
    (4, FellowshipKind.FULL, None),
    (5, FellowshipKind.PARTIAL, Decimal("1800.00")),
    (7, FellowshipKind.PARTIAL, Decimal("1150.00")),
    (10, FellowshipKind.FULL, None),
)
# The applicants (by order of application) who ask for a fellowship, and why.
ASKING = {
    1: "My municipality has no training budget this year; I coordinate the services for "
    "newcomers and would share the course with my team.",
    3: "Our small organisation works with returning migrants on a project grant that does "
    "not cover training abroad.",
}


def seed_fees(course: Course, organiser: User) -> None:
    """Fees, the policy and the two funders' allocations, on a course that has none."""
    if fee_rules.fees_of(course) is None:
        fee_rules.set_fees(
            course, currency="EUR", tuition=TUITION, subsistence=SUBSISTENCE, actor=organiser
        )
        fee_rules.set_cancellation_policy(course, POLICY, actor=organiser)
    if not fellowships.funds(course):
        fellowships.save_fund(
            course, funder=DONOR, full_count=10, partial_count=6, budget=None, actor=organiser
        )
        fellowships.save_fund(
            course,
            funder=CENTRE,
            full_count=None,
            partial_count=None,
            budget=Decimal("5000.00"),
            actor=organiser,
        )


def _registrations(course: Course) -> list[Registration]:
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(Registration.course_id == course.id)
            .order_by(Registration.id)
        )
    )


def seed_past_awards(course: Course, organiser: User) -> None:
    """The 2017 week's fellowships: most from the donor, one from the centre's budget."""
    donor, centre = _funds(course)
    people = _registrations(course)
    if any(fellowships.fellowship_of(r) for r in people):
        return
    for index, kind, amount in PAST_AWARDS:
        if index < len(people):
            fund = centre if index == 7 else donor
            fellowships.award(people[index], fund, kind, amount=amount, actor=organiser)
    db.session.flush()


def seed_applicant_requests(course: Course, organiser: User) -> None:
    """The open edition's applicants: the second and the fourth ask for a fellowship, the third
    is paid for by their employer; the donor awards the fourth a full fellowship and the second
    a partial one (the first pays herself and is invoiced: app.invoices.demo)."""
    people = _registrations(course)
    if not people or services.request_of(people[0]) is not None:
        return
    for n, registration in enumerate(people):
        asking = n in ASKING
        billing = requests.BillingDetails(PayerKind.PARTICIPANT)
        if n == 2:
            billing = requests.BillingDetails(
                PayerKind.EMPLOYER,
                billing_name=registration.organisation or "Municipality",
                billing_address="Town hall, main square\n1000 City",
                billing_email="finance@example.org",
                billing_reference="PO 2027/014",
            )
        requests.save_request(
            registration,
            wants_fellowship=asking,
            justification=ASKING[n] if asking else "",
            billing=billing,
            actor=registration.user,
        )
    donor, _centre = _funds(course)
    if len(people) > 3:
        fellowships.award(people[3], donor, FellowshipKind.FULL, actor=organiser)
    if len(people) > 1:
        fellowships.award(
            people[1], donor, FellowshipKind.PARTIAL, amount=Decimal("1800.00"), actor=organiser
        )
    db.session.flush()


def _funds(course: Course) -> tuple:
    by_name = {f.funder: f for f in fellowships.funds(course)}
    return by_name[DONOR], by_name[CENTRE]
