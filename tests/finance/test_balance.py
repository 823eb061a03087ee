"""What a participant owes: the fees, less the fellowship, and the cancellation policy's share
for one who gave up a confirmed seat (at the venue's date)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.accounts.models import Role
from app.extensions import db
from app.finance import fees as fee_rules
from app.finance import fellowships, services
from app.finance.models import FellowshipKind
from app.registration.models import RegistrationEvent
from app.registration.models import RegistrationStatus as S
from tests.factories import make_course, make_registration, make_user, make_venue

MONDAY = date(2017, 11, 20)


@pytest.fixture
def organiser():
    return make_user(Role.ORGANISER, name="Olga Organiser", email="olga@example.org")


@pytest.fixture
def course(organiser):
    course = make_course(
        slug="governing-2017",
        start=MONDAY,
        venue=make_venue("Europe/Rome"),
        organisers=(organiser,),
    )
    fee_rules.set_fees(
        course,
        currency="EUR",
        tuition=Decimal("2450.00"),
        subsistence=Decimal("1150.50"),
        actor=organiser,
    )
    fee_rules.set_cancellation_policy(course, [(30, 50), (7, 100)], actor=organiser)
    return course


@pytest.fixture
def neighbour(organiser):
    other = make_course(slug="mainstreaming-2017", start=MONDAY, organisers=(organiser,))
    fee_rules.set_fees(
        other, currency="USD", tuition=Decimal("999.99"), subsistence=Decimal("0"), actor=organiser
    )
    make_registration(other, make_user(name="Ana Souza"))
    return other


def cancel_at(registration, when, from_status=S.CONFIRMED):
    registration.status = S.CANCELLED
    db.session.add(
        RegistrationEvent(
            registration=registration,
            action="cancelled",
            from_status=from_status,
            to_status=S.CANCELLED,
            created_at=when,
        )
    )
    db.session.flush()


def test_confirmed_participant_owes_the_fees_less_the_fellowship(course, neighbour, organiser):
    ana = make_registration(course, make_user(name="Ana Sousa"))
    assert services.balance(ana).due == Decimal("3600.50")
    fund = fellowships.save_fund(
        course,
        funder="IOM",
        full_count=None,
        partial_count=2,
        budget=Decimal("5000"),
        actor=organiser,
    )
    award = fellowships.award(
        ana, fund, FellowshipKind.PARTIAL, amount=Decimal("900.25"), actor=organiser
    )
    assert award.awarded_by_id == organiser.id
    owed = services.balance(ana)
    assert (owed.currency, owed.fellowship, owed.fellowship_funder, owed.due) == (
        "EUR",
        Decimal("900.25"),
        "IOM",
        Decimal("2700.25"),
    )
    assert services.balance(make_registration(course, status=S.SUBMITTED)).due == 0


@pytest.mark.parametrize(
    ("when", "percent"),
    [
        # 21 Oct 2017 at 23:59 in Turin (CEST) is 30 days before Monday 20 Nov: 50 %.
        (datetime(2017, 10, 20, 21, 59, tzinfo=UTC), 0),
        (datetime(2017, 10, 20, 22, 0, tzinfo=UTC), 50),
        (datetime(2017, 11, 12, 22, 59, tzinfo=UTC), 50),
        (datetime(2017, 11, 12, 23, 0, tzinfo=UTC), 100),
    ],
)
def test_cancellation_share_follows_the_venue_date(course, when, percent):
    ana = make_registration(course, make_user(name="Ana Sousa"))
    cancel_at(ana, when)
    owed = services.balance(ana)
    assert owed.cancellation_percent == percent
    assert owed.due == (Decimal("3600.50") * percent / 100).quantize(Decimal("0.01"))


def test_a_withdrawn_application_owes_nothing(course):
    ana = make_registration(course, make_user(name="Ana Sousa"), status=S.SUBMITTED)
    cancel_at(ana, datetime(2017, 11, 19, tzinfo=UTC), from_status=S.SUBMITTED)
    assert services.balance(ana).due == 0
