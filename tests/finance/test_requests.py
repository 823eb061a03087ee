"""What an application asks about money: a fellowship and why, who is invoiced; and the
participant's corrections of the billing details later."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.rules import FieldErrors
from app.extensions import db
from app.finance import requests, services
from app.finance.models import FinanceRequest, PayerKind
from app.finance.requests import BillingDetails
from app.registration.models import RegistrationEvent
from app.registration.models import RegistrationStatus as S
from tests.factories import make_course, make_registration, make_user
from tests.finance.test_balance import cancel_at
from tests.finance.test_services import SEVEN_DAYS, my_finance


def person(course, name, status=S.CONFIRMED):
    return make_registration(course, make_user(name=name), status=status)


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
    saved = requests.save_request(
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
    saved = requests.save_request(
        ana,
        wants_fellowship=False,
        justification="typed, then unticked",
        billing=BillingDetails(PayerKind.PARTICIPANT),
        actor=ana.user,
    )
    assert (saved.wants_fellowship, saved.justification, saved.billing_name) == (False, "", "")
    again = requests.save_request(
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
        requests.save_request(
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
    saved = requests.save_request(
        ana,
        wants_fellowship=False,
        justification="",
        billing=BillingDetails(PayerKind.PARTICIPANT, billing_email="ana@example.org"),
        actor=ana.user,
    )
    assert (saved.payer_kind, saved.billing_email) == (PayerKind.PARTICIPANT, "ana@example.org")


def test_the_participant_corrects_the_billing_details_later(course, neighbour):
    ana = person(course, "Ana Souza")
    requests.save_request(
        ana,
        wants_fellowship=True,
        justification="No budget.",
        billing=BillingDetails(PayerKind.PARTICIPANT),
        actor=ana.user,
    )
    updated = requests.update_request(ana, billing(PayerKind.SPONSOR), actor=ana.user)
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
    made = requests.update_request(bruno, billing(), actor=bruno.user)
    assert (made.wants_fellowship, made.payer_kind) == (False, PayerKind.EMPLOYER)


def test_billing_details_of_a_closed_application_or_a_free_course_stay(course, organiser):
    for status in (S.CANCELLED, S.REJECTED):
        closed = person(course, f"Ana {status}", status)
        with pytest.raises(requests.BillingLocked) as caught:
            requests.update_request(closed, billing(), actor=closed.user)
        assert str(caught.value) == "The billing details of a closed application cannot change."
        assert services.request_of(closed) is None
    free = person(make_course(slug="webinar"), "Ana Souza")
    with pytest.raises(requests.BillingLocked) as caught:
        requests.update_request(free, billing(), actor=free.user)
    assert str(caught.value) == "The course has no fees: there is nothing to invoice."
    # Cancelled a week before the start: all of it is due, and invoiced to someone.
    late = person(course, "Ana Sousa")
    cancel_at(late, SEVEN_DAYS)
    assert requests.update_request(late, billing(), actor=late.user).billing_name == (
        "Municipality of Belo Horizonte"
    )
    assert my_finance([late], now=SEVEN_DAYS)[late.id].can_edit_billing is True
    db.session.delete(services.request_of(late))
    db.session.execute(sa.delete(RegistrationEvent))
    ana = person(course, "Ana Souza")
    with pytest.raises(FieldErrors):
        requests.update_request(ana, billing(billing_name=""), actor=ana.user)
    assert services.request_of(ana) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RegistrationEvent)) == 0


def test_details_at_their_longest_are_kept_and_one_more_is_refused(course):
    ana = person(course, "Ana Souza")
    longest = {
        "billing_name": "N" * 200,
        "billing_address": "A" * 1000,
        "billing_tax_id": "T" * 50,
        "billing_reference": "R" * 100,
    }
    kept = requests.save_request(
        ana, wants_fellowship=False, justification="", billing=billing(**longest), actor=ana.user
    )
    assert (kept.billing_name, kept.billing_address, kept.billing_tax_id) == (
        "N" * 200,
        "A" * 1000,
        "T" * 50,
    )
    assert kept.billing_reference == "R" * 100
    for name, value in longest.items():
        with pytest.raises(FieldErrors) as caught:
            requests.save_request(
                ana,
                wants_fellowship=False,
                justification="",
                billing=billing(**{name: value + "x"}),
                actor=ana.user,
            )
        assert {f: [str(m) for m in found] for f, found in caught.value.errors.items()} == {
            name: [f"Use at most {len(value)} characters."]
        }


def test_a_fellowship_asked_without_a_word_of_why_is_refused(course):
    ana = person(course, "Ana Souza")
    with pytest.raises(FieldErrors) as caught:
        requests.save_request(
            ana, wants_fellowship=True, justification=None, billing=billing(), actor=ana.user
        )
    assert [str(m) for m in caught.value.errors["justification"]] == [
        "Tell us why you need a fellowship."
    ]
    assert db.session.scalars(sa.select(FinanceRequest)).all() == []
