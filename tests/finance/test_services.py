"""What participants owe, in lists as one by one; the cost of cancelling today; the
application's fellowship request and billing details; new editions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.courses.editions import copy_as_new_edition
from app.db import now_utc
from app.finance import fees as fee_rules
from app.finance import fellowships, services
from app.finance.models import FellowshipKind
from app.finance.services import CancellationCharge
from app.registration.models import RegistrationStatus as S
from tests.factories import make_course, make_registration, make_user
from tests.finance.test_balance import cancel_at

D = Decimal
FULL, PARTIAL = FellowshipKind.FULL, FellowshipKind.PARTIAL
# Turin is an hour ahead of UTC in November: Monday 13 November (7 days before) starts at
# 23:00 UTC on the 12th; Saturday 21 October (30 days before) at 22:00 UTC on the 20th.
SEVEN_DAYS = datetime(2017, 11, 12, 23, 0, tzinfo=UTC)
THIRTY_DAYS = datetime(2017, 10, 20, 22, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def my_finance(registrations, *, now):
    """What "My courses" shows of money, the balances read one by one."""
    return services.for_my_courses(
        registrations, {r.id: services.balance(r) for r in registrations}, now=now
    )


def person(course, name, status=S.CONFIRMED):
    return make_registration(course, make_user(name=name), status=status)


@pytest.fixture
def sdc(course, organiser):
    return fellowships.save_fund(
        course, funder="SDC", full_count=5, partial_count=5, budget=None, actor=organiser
    )


# ---------------------------------------------------------------------------
# Balances


def test_the_balance_lists_fees_fellowship_and_what_is_due(course, sdc, organiser):
    ana = person(course, "Ana Souza")
    fellowships.award(ana, sdc, PARTIAL, amount=D("1800.25"), actor=organiser)
    owed = services.balance(ana)
    assert owed == services.Balance(
        currency="EUR",
        tuition=D("2450.00"),
        subsistence=D("1150.50"),
        fellowship=D("1800.25"),
        fellowship_funder="SDC",
        fellowship_kind=PARTIAL,
        cancellation_percent=None,
        due=D("1800.25"),
    )
    assert (owed.total, owed.has_fees) == (D("3600.50"), True)
    bruno = person(course, "Bruno Souza")
    fellowships.award(bruno, sdc, FULL, actor=organiser)
    assert (services.balance(bruno).due, services.balance(bruno).fellowship) == (
        D("0.00"),
        D("3600.50"),
    )


def test_without_fees_nobody_owes_anything(organiser):
    free = make_course(slug="webinar")
    ana = person(free, "Ana Souza")
    assert services.balance(ana) == services.NO_FEES
    assert services.Balance("", 0, 0, 0, None, None, None, 0) == services.NO_FEES
    assert (services.NO_FEES.has_fees, services.NO_FEES.due, services.NO_FEES.total) == (
        False,
        0,
        0,
    )
    assert services.balances(free, [ana]) == {}
    assert services.cancellation_charge(ana, SEVEN_DAYS) is None
    assert my_finance([ana], now=SEVEN_DAYS) == {}


@pytest.mark.parametrize("status", [S.SUBMITTED, S.WAITLISTED, S.REJECTED])
def test_only_a_confirmed_seat_costs_something(course, status):
    assert services.balance(person(course, "Ana Souza", status)).due == 0


def test_the_last_cancellation_of_a_confirmed_seat_counts(course, organiser):
    ana = person(course, "Ana Souza")
    cancel_at(ana, datetime(2017, 9, 1, tzinfo=UTC))  # free then...
    ana.status = S.CONFIRMED  # ...given a seat again...
    cancel_at(ana, SEVEN_DAYS)  # ...and cancelled 7 days before: all of it.
    assert services.cancelled_after_confirmation(ana) == SEVEN_DAYS
    owed = services.balance(ana)
    assert (owed.cancellation_percent, owed.due) == (100, D("3600.50"))
    assert services.balances(course, [ana])[ana.id] == owed
    assert services.cancelled_after_confirmation(person(course, "Bruno")) is None


def test_a_cancellation_share_applies_after_the_fellowship(course, sdc, organiser):
    ana = person(course, "Ana Souza")
    fellowships.award(ana, sdc, PARTIAL, amount=D("0.01"), actor=organiser)
    cancel_at(ana, THIRTY_DAYS)
    owed = services.balance(ana)
    # Half of 3,600.49 is 1,800.245: rounded half up to the cent.
    assert (owed.cancellation_percent, owed.due, owed.fellowship) == (
        50,
        D("1800.25"),
        D("0.01"),
    )


def test_balances_of_a_list_match_one_by_one(course, neighbour, sdc, organiser):
    people = [
        person(course, "Ana Souza"),
        person(course, "Ana Sousa"),
        person(course, "Anna Souza", S.SUBMITTED),
        person(course, "Bruno Souza"),
        person(course, "Bruna Souza"),
    ]
    fellowships.award(people[0], sdc, FULL, actor=organiser)
    fellowships.award(people[1], sdc, PARTIAL, amount=D("600"), actor=organiser)
    cancel_at(people[3], THIRTY_DAYS - SECOND)
    cancel_at(people[4], THIRTY_DAYS)
    found = services.balances(course, people)
    assert found == {p.id: services.balance(p) for p in people}
    assert [found[p.id].due for p in people] == [
        D("0.00"),
        D("3000.50"),
        D("0"),
        D("0.00"),
        D("1800.25"),
    ]
    # A cancellation with no confirmed seat before it owes nothing, in a list too.
    withdrawn = person(course, "Carla", S.SUBMITTED)
    cancel_at(withdrawn, SEVEN_DAYS, from_status=S.SUBMITTED)
    assert services.balances(course, [withdrawn])[withdrawn.id].due == 0
    # The cancellation recorded for a registration now confirmed again is not applied.
    back = person(course, "Dora")
    cancel_at(back, SEVEN_DAYS)
    back.status = S.CONFIRMED
    assert services.balances(course, [back])[back.id].due == D("3600.50")


# ---------------------------------------------------------------------------
# Before cancelling


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (THIRTY_DAYS - SECOND, None),
        (THIRTY_DAYS, CancellationCharge(50, D("1800.25"), "EUR")),
        (SEVEN_DAYS - SECOND, CancellationCharge(50, D("1800.25"), "EUR")),
        (SEVEN_DAYS, CancellationCharge(100, D("3600.50"), "EUR")),
    ],
)
def test_what_cancelling_would_cost_either_side_of_midnight(course, when, expected):
    ana = person(course, "Ana Souza")
    assert services.cancellation_charge(ana, when) == expected
    assert my_finance([ana], now=when)[ana.id].charge == expected


def test_cancelling_costs_nothing_to_whom_owes_nothing(course, sdc, organiser):
    ana = person(course, "Ana Souza")
    fellowships.award(ana, sdc, FULL, actor=organiser)
    assert services.cancellation_charge(ana, SEVEN_DAYS) is None
    bruno = person(course, "Bruno", S.SUBMITTED)
    assert services.cancellation_charge(bruno, SEVEN_DAYS) is None
    carla = person(course, "Carla")
    fellowships.award(carla, sdc, PARTIAL, amount=D("3000"), actor=organiser)
    assert services.cancellation_charge(carla, SEVEN_DAYS) == CancellationCharge(
        100, D("600.50"), "EUR"
    )
    fee_rules.set_cancellation_policy(course, [(30, 0), (7, 100)], actor=organiser)
    assert services.cancellation_charge(carla, SEVEN_DAYS - SECOND) is None


def test_the_charge_is_reckoned_now_by_default(organiser):
    from tests.finance.conftest import turin_course

    soon = turin_course(organiser, start=(now_utc() + timedelta(days=3)).date(), slug="soon")
    later = turin_course(organiser, start=(now_utc() + timedelta(days=90)).date(), slug="later")
    assert services.cancellation_charge(person(soon, "Ana Souza")).percent == 100
    assert services.cancellation_charge(person(later, "Ana Souza")) is None


def test_my_courses_money_per_registration(course, neighbour, sdc, organiser):
    free = make_course(slug="webinar")
    ana_user = make_user(name="Ana Souza")
    here = make_registration(course, ana_user)
    there = make_registration(neighbour, ana_user, status=S.SUBMITTED)
    nothing = make_registration(free, ana_user)
    gone = make_registration(
        make_course(slug="gone", start=date(2017, 11, 20)), ana_user, status=S.CANCELLED
    )
    fee_rules.set_fees(
        gone.course, currency="EUR", tuition=D("10"), subsistence=D("0"), actor=organiser
    )
    fellowships.award(here, sdc, PARTIAL, amount=D("600.50"), actor=organiser)
    found = my_finance([here, there, nothing, gone], now=SEVEN_DAYS)
    assert set(found) == {here.id, there.id, gone.id}
    assert found[here.id] == services.MyFinance(
        balance=services.balance(here),
        charge=CancellationCharge(100, D("3000.00"), "EUR"),
        can_edit_billing=True,
    )
    assert found[here.id].balance.due == D("3000.00")
    assert (found[there.id].balance.currency, found[there.id].charge) == ("USD", None)
    assert found[there.id].can_edit_billing is True
    assert (found[gone.id].can_edit_billing, found[gone.id].balance.due) == (False, 0)


# ---------------------------------------------------------------------------
# New editions


def test_a_new_edition_keeps_fees_policy_and_allocations_not_awards(
    course, sdc, organiser, colleague
):
    fellowships.save_fund(
        course, funder="IOM", full_count=None, partial_count=2, budget=D("5000"), actor=organiser
    )
    fellowships.award(person(course, "Ana Souza"), sdc, FULL, actor=organiser)
    new = copy_as_new_edition(course, date(2018, 11, 19), slug="governing-2018", actor=colleague)
    fees = fee_rules.fees_of(new)
    assert (fees.currency, fees.tuition, fees.subsistence) == ("EUR", D("2450.00"), D("1150.50"))
    assert fees.updated_by_id == colleague.id
    assert [(r.days_before, r.percent) for r in fee_rules.cancellation_rules(new)] == [
        (30, 50),
        (7, 100),
    ]
    copied = [
        (f.funder, f.full_count, f.partial_count, f.budget, f.course_id)
        for f in fellowships.funds(new)
    ]
    assert copied == [
        ("IOM", None, 2, D("5000.00"), new.id),
        ("SDC", 5, 5, None, new.id),
    ]
    assert all(fellowships.usage(f).count == 0 for f in fellowships.funds(new))
    # The original keeps its own.
    assert fellowships.usage(sdc).count == 1
    assert len(fellowships.funds(course)) == 2


def test_a_free_course_copies_as_free(organiser):
    free = make_course(slug="webinar", organisers=(organiser,))
    new = copy_as_new_edition(free, date(2018, 11, 19), slug="webinar-2018", actor=organiser)
    assert fee_rules.fees_of(new) is None
    assert fee_rules.cancellation_rules(new) == []
    assert fellowships.funds(new) == []


def test_shares_are_rounded_to_the_currencys_unit(organiser):
    from tests.finance.conftest import turin_course

    tokyo = turin_course(organiser, slug="tokyo-2017")
    fee_rules.set_fees(
        tokyo, currency="JPY", tuition=D("1001"), subsistence=D("0"), actor=organiser
    )
    ana, bruno = person(tokyo, "Ana Souza"), person(tokyo, "Bruno Souza")
    # Half of ¥1,001 is ¥500.5: yen have no decimals, so ¥501, before and after cancelling.
    assert services.cancellation_charge(ana, THIRTY_DAYS) == CancellationCharge(50, D("501"), "JPY")
    cancel_at(bruno, THIRTY_DAYS)
    assert str(services.balance(bruno).due) == "501"


def test_a_cancelled_seat_owes_its_share_and_is_charged_no_second_time(course, organiser):
    from tests.finance.conftest import turin_course

    ana = person(course, "Ana Souza")
    cancel_at(ana, THIRTY_DAYS)
    # Fees of one euro: half is 0.50, still something to invoice, so the details stay editable.
    small = turin_course(organiser, slug="small-2017")
    fee_rules.set_fees(
        small, currency="EUR", tuition=D("1.00"), subsistence=D("0"), actor=organiser
    )
    bruno = person(small, "Bruno Souza")
    cancel_at(bruno, THIRTY_DAYS)
    # A course with fees and no cancellation policy: nothing is due for cancelling.
    free_to_leave = make_course(slug="no-policy", start=date(2017, 11, 20))
    fee_rules.set_fees(
        free_to_leave, currency="EUR", tuition=D("10"), subsistence=D("0"), actor=organiser
    )
    carla = person(free_to_leave, "Carla Souza")
    found = my_finance([ana, bruno, carla], now=SEVEN_DAYS)
    assert (found[ana.id].balance.due, found[ana.id].charge) == (D("1800.25"), None)
    assert found[ana.id].can_edit_billing is True
    assert (found[bruno.id].balance.due, found[bruno.id].can_edit_billing) == (D("0.50"), True)
    assert (found[carla.id].balance.due, found[carla.id].charge) == (D("10.00"), None)
