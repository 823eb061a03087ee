"""What participants owe, in lists as one by one; the cost of cancelling today; the
application's fellowship request and billing details; new editions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.core.rules import FieldErrors
from app.courses.services import copy_as_new_edition
from app.db import now_utc
from app.extensions import db
from app.finance import fees as fee_rules
from app.finance import fellowships, services
from app.finance.models import FellowshipKind, FinanceRequest, PayerKind
from app.finance.services import BillingDetails, CancellationCharge
from app.registration.models import RegistrationEvent
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
    assert services.for_my_courses([ana], now=SEVEN_DAYS) == {}


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
    assert services.for_my_courses([ana], now=when)[ana.id].charge == expected


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
    found = services.for_my_courses([here, there, nothing, gone], now=SEVEN_DAYS)
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
# The application's request


def billing(kind=PayerKind.EMPLOYER, **values):
    data = {
        "billing_name": "Municipality of Belo Horizonte",
        "billing_address": "Av. Afonso Pena 1212\r\nBelo Horizonte, Brazil",
        "billing_email": "finance@pbh.example.org",
        "billing_tax_id": "BR-18.715.383/0001-40",
        "billing_reference": "PO 2017/311",
        **values,
    }
    return BillingDetails(payer_kind=kind, **data)


def test_the_request_is_kept_as_asked(course):
    ana = person(course, "Ana Souza", S.SUBMITTED)
    saved = services.save_request(
        ana,
        wants_fellowship=True,
        justification="  My city has no training budget.\r\nI coordinate newcomers' services. ",
        billing=billing(billing_name="  Municipality of Belo Horizonte "),
        actor=ana.user,
    )
    db.session.expire_all()
    found = services.request_of(ana)
    assert found.id == saved.id
    assert (found.wants_fellowship, found.justification, found.payer_kind) == (
        True,
        "My city has no training budget.\nI coordinate newcomers' services.",
        PayerKind.EMPLOYER,
    )
    assert (
        found.billing_name,
        found.billing_address,
        found.billing_email,
        found.billing_tax_id,
        found.billing_reference,
    ) == (
        "Municipality of Belo Horizonte",
        "Av. Afonso Pena 1212\nBelo Horizonte, Brazil",
        "finance@pbh.example.org",
        "BR-18.715.383/0001-40",
        "PO 2017/311",
    )
    assert services.request_of(person(course, "Ana Sousa")) is None


def test_no_fellowship_asked_keeps_no_justification(course):
    ana = person(course, "Ana Souza", S.SUBMITTED)
    saved = services.save_request(
        ana,
        wants_fellowship=False,
        justification="typed, then unticked",
        billing=BillingDetails(PayerKind.PARTICIPANT),
        actor=ana.user,
    )
    assert (saved.wants_fellowship, saved.justification, saved.billing_name) == (False, "", "")
    again = services.save_request(
        ana,
        wants_fellowship=True,
        justification="x" * 2000,
        billing=BillingDetails(PayerKind.PARTICIPANT),
        actor=ana.user,
    )
    assert again.id == saved.id
    assert len(again.justification) == 2000
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FinanceRequest)) == 1


@pytest.mark.parametrize(
    ("wants", "justification", "details", "errors"),
    [
        (True, "   ", billing(), {"justification": ["Tell us why you need a fellowship."]}),
        (True, "x" * 2001, billing(), {"justification": ["Use at most 2000 characters."]}),
        (
            False,
            "",
            billing(billing_name=" ", billing_address=""),
            {
                "billing_name": ["Name the organisation that pays."],
                "billing_address": ["Enter the address for the invoice."],
            },
        ),
        (
            False,
            "",
            billing(PayerKind.SPONSOR, billing_address="\r\n"),
            {"billing_address": ["Enter the address for the invoice."]},
        ),
        (
            False,
            "",
            billing(billing_email="finance at pbh"),
            {"billing_email": ["Enter a valid email address, such as name@example.org."]},
        ),
        (
            False,
            "",
            billing(billing_name="x" * 201, billing_tax_id="1" * 51),
            {
                "billing_name": ["Use at most 200 characters."],
                "billing_tax_id": ["Use at most 50 characters."],
            },
        ),
        (
            False,
            "",
            billing(billing_address="x" * 1001, billing_reference="r" * 101),
            {
                "billing_address": ["Use at most 1000 characters."],
                "billing_reference": ["Use at most 100 characters."],
            },
        ),
        (
            False,
            "",
            billing(billing_email=("x" * 250) + "@example.org"),
            {"billing_email": ["Use at most 254 characters."]},
        ),
    ],
)
def test_a_request_that_cannot_be_kept_says_why(course, wants, justification, details, errors):
    ana = person(course, "Ana Souza", S.SUBMITTED)
    with pytest.raises(FieldErrors) as caught:
        services.save_request(
            ana,
            wants_fellowship=wants,
            justification=justification,
            billing=details,
            actor=ana.user,
        )
    assert {f: [str(m) for m in found] for f, found in caught.value.errors.items()} == errors
    assert services.request_of(ana) is None


def test_paying_oneself_needs_no_invoice_address(course):
    ana = person(course, "Ana Souza", S.SUBMITTED)
    saved = services.save_request(
        ana,
        wants_fellowship=False,
        justification="",
        billing=BillingDetails(PayerKind.PARTICIPANT, billing_email="ana@example.org"),
        actor=ana.user,
    )
    assert (saved.payer_kind, saved.billing_email) == (PayerKind.PARTICIPANT, "ana@example.org")


def test_the_participant_corrects_the_billing_details_later(course, neighbour):
    ana = person(course, "Ana Souza")
    services.save_request(
        ana,
        wants_fellowship=True,
        justification="No budget.",
        billing=BillingDetails(PayerKind.PARTICIPANT),
        actor=ana.user,
    )
    updated = services.update_request(ana, billing(PayerKind.SPONSOR), actor=ana.user)
    assert (updated.payer_kind, updated.billing_name, updated.wants_fellowship) == (
        PayerKind.SPONSOR,
        "Municipality of Belo Horizonte",
        True,
    )
    assert updated.justification == "No budget."
    event = db.session.scalars(
        sa.select(RegistrationEvent).where(RegistrationEvent.registration_id == ana.id)
    ).one()
    assert (event.action, event.actor_id, event.from_status, event.to_status, event.note) == (
        "billing_updated",
        ana.user_id,
        S.CONFIRMED,
        S.CONFIRMED,
        "sponsor: Municipality of Belo Horizonte",
    )
    # Without an earlier request (applied before the fees were set), one is made.
    bruno = person(course, "Bruno Souza", S.WAITLISTED)
    made = services.update_request(bruno, billing(), actor=bruno.user)
    assert (made.wants_fellowship, made.payer_kind) == (False, PayerKind.EMPLOYER)


def test_billing_details_of_a_closed_application_or_a_free_course_stay(course, organiser):
    for status in (S.CANCELLED, S.REJECTED):
        closed = person(course, f"Ana {status}", status)
        with pytest.raises(services.BillingLocked) as caught:
            services.update_request(closed, billing(), actor=closed.user)
        assert str(caught.value) == "The billing details of a closed application cannot change."
        assert services.request_of(closed) is None
    free = person(make_course(slug="webinar"), "Ana Souza")
    with pytest.raises(services.BillingLocked) as caught:
        services.update_request(free, billing(), actor=free.user)
    assert str(caught.value) == "The course has no fees: there is nothing to invoice."
    # Cancelled a week before the start: all of it is due, and invoiced to someone.
    late = person(course, "Ana Sousa")
    cancel_at(late, SEVEN_DAYS)
    assert services.update_request(late, billing(), actor=late.user).billing_name == (
        "Municipality of Belo Horizonte"
    )
    assert services.for_my_courses([late], now=SEVEN_DAYS)[late.id].can_edit_billing is True
    db.session.delete(services.request_of(late))
    db.session.execute(sa.delete(RegistrationEvent))
    ana = person(course, "Ana Souza")
    with pytest.raises(FieldErrors):
        services.update_request(ana, billing(billing_name=""), actor=ana.user)
    assert services.request_of(ana) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RegistrationEvent)) == 0


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
