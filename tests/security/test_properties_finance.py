"""Arbitrary input to the finance forms (see test_properties.py for what is checked): the
fees, the cancellation policy, a funder's allocation, an award, the billing details and the
application's money questions. Never a server error; a refused post changes nothing; amounts
are stored to the currency's minor unit within the limits; the policy never charges less
closer to the start; awards never pass a fund's limits; text is stored plain and comes back
escaped."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from hypothesis import strategies as st

from app.accounts.models import Role
from app.db import now_utc
from app.extensions import db
from app.finance import fees as fee_rules
from app.finance import fellowships
from app.finance.models import Fellowship, FellowshipFund, FellowshipKind, FinanceRequest
from app.finance.money import MAX_AMOUNT, decimals
from app.registration.models import Registration
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.registration.test_apply_routes import form_data
from tests.security.test_properties import (
    ABSENT,
    LONG,
    accepted,
    any_text,
    assert_escaped,
    assert_plain,
    boxes,
    choices,
    fresh,
    get,
    numbers,
    only,
    post,
    posts,
    run,
    snapshot,
)

D = Decimal
amounts = st.one_of(
    st.decimals(min_value=-10, max_value=2_000_000, places=3).map(str),
    st.sampled_from(("2 450,50", "1,250", "1.250,5", "1,000,000.01", "0", "-0", "1e3", ".5")),
    numbers,
    any_text,
)


def world():
    fresh()
    organiser = make_user(Role.ORGANISER, name="Olga Organiser")
    start = (now_utc() + timedelta(days=60)).date()
    course = make_course(
        slug="governing", start=start, venue=make_venue("Europe/Rome"), organisers=(organiser,)
    )
    course.registration_opens_at = now_utc() - timedelta(days=1)
    course.registration_closes_at = now_utc() + timedelta(days=30)
    fee_rules.set_fees(
        course, currency="EUR", tuition=D("2450"), subsistence=D("1150.50"), actor=organiser
    )
    return organiser, course


def check_amount_stored(amount: Decimal, currency: str) -> None:
    assert 0 <= amount <= MAX_AMOUNT
    assert amount == amount.quantize(Decimal(1).scaleb(-decimals(currency)))


FEES = {"currency": "EUR", "tuition": "2450.00", "subsistence": "1150.50"}


@run(
    posts(
        FEES,
        structural={
            "currency": choices("EUR", "JPY", "CHF", "XOF"),
            "tuition": amounts,
            "subsistence": amounts,
        },
        broken=3,
    ),
    {"currency": "JPY", "tuition": "2450.5", "subsistence": "1"},
    {"currency": "EUR", "tuition": "0", "subsistence": "0"},
    {"currency": "EUR", "tuition": "9" * 5000, "subsistence": "0"},
)
def test_fees(client_for, data):
    organiser, course = world()
    client = client_for(organiser)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/fees", data)
    if accepted(response, before):
        fees = fee_rules.fees_of(course)
        if fees is not None:
            check_amount_stored(fees.tuition, fees.currency)
            check_amount_stored(fees.subsistence, fees.currency)
            assert fees.total > 0
            get(client, f"/courses/{course.slug}")


rows = st.one_of(st.integers(min_value=-5, max_value=800).map(str), numbers, st.just(""))


@run(
    posts(
        {f"rules-{n}-{name}": "" for n in range(3) for name in ("days_before", "percent")}
        | {"rules-0-days_before": "30", "rules-0-percent": "50"},
        structural={
            f"rules-{n}-{name}": rows for n in range(4) for name in ("days_before", "percent")
        }
        | {"add_row": st.sampled_from(("Add a rule", ABSENT))},
        broken=6,
    ),
    {
        "rules-0-days_before": "7",
        "rules-0-percent": "100",
        "rules-1-days_before": "30",
        "rules-1-percent": "50",
    },
    {"rules-99-days_before": "7", "rules-99-percent": "100"},
)
def test_policy(client_for, data):
    organiser, course = world()
    client = client_for(organiser)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/fees/policy", data)
    if accepted(response, before):
        rules = fee_rules.cancellation_rules(course)
        for rule in rules:
            assert 0 <= rule.days_before <= fee_rules.MAX_DAYS_BEFORE
            assert 0 <= rule.percent <= 100
        percents = [r.percent for r in rules]  # earliest first
        assert percents == sorted(percents)
        get(client, f"/courses/{course.slug}")


FUND = {
    "funder": "Swiss Agency <SDC> & co",
    "full_count": "10",
    "partial_count": "6",
    "budget": "40000",
}
counts = st.one_of(st.integers(min_value=-5, max_value=2000).map(str), numbers, st.just(""))


@run(
    posts(
        FUND,
        free=("funder",),
        structural={"full_count": counts, "partial_count": counts, "budget": amounts},
        broken=3,
    ),
    {"funder": "x" * LONG, "full_count": "1"},
    {"funder": "SDC\x00", "full_count": "1"},
    {"funder": "SDC", "full_count": "", "partial_count": "", "budget": ""},
)
def test_fund(client_for, data):
    organiser, course = world()
    client = client_for(organiser)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/fellowships", data)
    if accepted(response, before):
        fund = only(FellowshipFund)
        assert_plain(fund.funder)
        assert 0 < len(fund.funder) <= 200
        for count in (fund.full_count, fund.partial_count):
            assert count is None or 0 <= count <= fellowships.MAX_COUNT
        if fund.budget is not None:
            check_amount_stored(fund.budget, "EUR")
        assert_escaped(get(client, f"/courses/{course.slug}/fellowships"), fund.funder)


@run(
    posts(
        {"fund": "__fund__", "kind": "partial", "amount": "900"},
        structural={
            "fund": choices("__fund__", "__other__"),
            "kind": choices("full", "partial"),
            "amount": amounts,
        },
        broken=3,
    ),
)
def test_award(client_for, data):
    organiser, course = world()
    fund = fellowships.save_fund(
        course, funder="SDC", full_count=1, partial_count=1, budget=D("4000"), actor=organiser
    )
    other = make_course(slug="other")
    fee_rules.set_fees(other, currency="EUR", tuition=D("10"), subsistence=D("0"), actor=organiser)
    other_fund = fellowships.save_fund(
        other, funder="IOM", full_count=5, partial_count=None, budget=None, actor=organiser
    )
    taken = make_registration(course, make_user(name="Ana Sousa"))
    fellowships.award(taken, fund, FellowshipKind.PARTIAL, amount=D("300"), actor=organiser)
    ana = make_registration(course, make_user(name="Ana Souza"))
    ids = {"__fund__": str(fund.id), "__other__": str(other_fund.id)}
    sent = {
        f"r{ana.id}-{name}": ids.get(value, value) if isinstance(value, str) else value
        for name, value in data.items()
    }
    client = client_for(organiser)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/fellowships/{ana.id}/award", sent)
    assert response.status_code == 302
    db.session.expire_all()
    awards = list(db.session.scalars(sa.select(Fellowship)))
    if len(awards) == 1:
        assert snapshot() == before
    used = fellowships.usage(fund)
    assert used.full <= 1 and used.partial <= 1
    assert used.amount <= D("4000")
    assert fellowships.usage(other_fund).count == 0
    for award in awards:
        if award.kind == FellowshipKind.PARTIAL:
            check_amount_stored(award.amount, "EUR")
            assert 0 < award.amount < D("3600.50")
    get(client, f"/courses/{course.slug}/fellowships")


BILLING = {
    "payer_kind": "employer",
    "billing_name": "Municipality of <Belo> Horizonte",
    "billing_address": "Av. Afonso Pena 1212\nBelo Horizonte",
    "billing_email": "finance@pbh.example.org",
    "billing_tax_id": "BR-18.715",
    "billing_reference": "PO 311",
}
BILLING_FREE = (
    "billing_name",
    "billing_address",
    "billing_email",
    "billing_tax_id",
    "billing_reference",
)


def check_request(request: FinanceRequest) -> None:
    for name in ("billing_name", "billing_email", "billing_tax_id", "billing_reference"):
        assert_plain(getattr(request, name))
    assert_plain(request.billing_address, multiline=True)
    assert_plain(request.justification, multiline=True)
    if request.payer_kind.value != "participant":
        assert request.billing_name and request.billing_address
    assert bool(request.justification) is request.wants_fellowship
    assert len(request.justification) <= 2000


@run(
    posts(
        BILLING,
        free=BILLING_FREE,
        structural={"payer_kind": choices("participant", "employer", "sponsor")},
    ),
    {"payer_kind": "sponsor", "billing_name": "x" * LONG, "billing_address": "y"},
    {"payer_kind": "employer", "billing_name": "A\r\nB", "billing_address": "a\r\nb"},
)
def test_billing(client_for, data):
    _organiser, course = world()
    ana = make_registration(course, make_user(name="Ana Souza"))
    client = client_for(ana.user)
    before = snapshot()
    response = post(client, f"/my/registrations/{ana.id}/billing", data)
    if accepted(response, before):
        request = only(FinanceRequest)
        check_request(request)
        html = get(client, f"/my/registrations/{ana.id}/billing")
        assert_escaped(html, request.billing_name)


APPLICATION_MONEY = {
    "wants_fellowship": "y",
    "justification": "My city has <no> training budget.",
    **BILLING,
}


@run(
    posts(
        APPLICATION_MONEY,
        free=("justification", *BILLING_FREE),
        structural={
            "payer_kind": choices("participant", "employer", "sponsor"),
            "wants_fellowship": boxes,
        },
    ),
    {**APPLICATION_MONEY, "justification": "x" * LONG},
    {**APPLICATION_MONEY, "justification": "   "},
)
def test_application_money(client_for, data):
    _organiser, course = world()
    user = make_user(name="Ana Souza", email="ana@example.org")
    client = client_for(user)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/register", form_data(funding=None) | data)
    if accepted(response, before):
        registration = only(Registration)
        request = only(FinanceRequest)
        assert request.registration_id == registration.id
        check_request(request)
        assert registration.funding is not None
        get(client, "/my/courses")
