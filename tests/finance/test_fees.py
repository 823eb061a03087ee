"""A course's fees and its cancellation policy: what may be set, what is refused and why."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.core.rules import FieldErrors
from app.extensions import db
from app.finance import fees as fee_rules
from app.finance import fellowships
from app.finance.models import CancellationRule, CourseFees, FellowshipKind
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.finance.conftest import neighbour_state

D = Decimal


def messages(caught: pytest.ExceptionInfo[FieldErrors]) -> dict[str | None, list[str]]:
    return {field: [str(m) for m in found] for field, found in caught.value.errors.items()}


def set_fees(course, actor, currency="EUR", tuition="2450.00", subsistence="1150.50"):
    return fee_rules.set_fees(
        course, currency=currency, tuition=D(tuition), subsistence=D(subsistence), actor=actor
    )


# ---------------------------------------------------------------------------
# Fees


def test_fees_are_kept_to_the_cent_with_who_changed_them(course, neighbour, organiser, colleague):
    before = neighbour_state(neighbour)
    fees = fee_rules.fees_of(course)
    assert (fees.currency, str(fees.tuition), str(fees.subsistence), fees.total) == (
        "EUR",
        "2450.00",
        "1150.50",
        D("3600.50"),
    )
    assert fees.updated_by_id == organiser.id
    first_change = fees.updated_at
    saved = set_fees(course, colleague, currency=" usd ", tuition="2500", subsistence="0")
    db.session.expire_all()
    fees = fee_rules.fees_of(course)
    assert saved.id == fees.id
    assert (fees.currency, str(fees.tuition), str(fees.subsistence)) == ("USD", "2500.00", "0.00")
    assert fees.updated_by_id == colleague.id
    assert fees.updated_at >= first_change
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseFees)) == 2
    assert neighbour_state(neighbour) == before


def test_a_course_without_fees_has_none(organiser):
    free = make_course(slug="webinar")
    assert fee_rules.fees_of(free) is None
    assert set_fees(free, organiser, tuition="0", subsistence="0") is None
    assert fee_rules.fees_of(free) is None
    assert set_fees(free, organiser, currency="JPY", tuition="250000", subsistence="0").total == (
        D("250000")
    )
    assert fee_rules.fees_of(free).tuition == D("250000")


def test_both_amounts_at_zero_make_the_course_free_again(course, neighbour, organiser):
    assert set_fees(course, organiser, tuition="0", subsistence="0.00") is None
    assert fee_rules.fees_of(course) is None
    assert fee_rules.fees_of(neighbour) is not None
    # One of the two is enough to keep fees.
    assert set_fees(course, organiser, tuition="0", subsistence="900").total == D("900.00")


@pytest.mark.parametrize("currency", ["", "  ", "EURO", "eu", "KWD", "XAU", "ZWD"])
def test_the_currency_must_be_one_in_use(course, organiser, currency):
    with pytest.raises(FieldErrors) as caught:
        fee_rules.set_fees(
            course, currency=currency, tuition=D("1"), subsistence=D("1"), actor=organiser
        )
    assert messages(caught) == {"currency": ["Choose a currency."]}
    assert fee_rules.fees_of(course).currency == "EUR"


def test_each_bad_amount_is_refused_beside_its_field(app, course, organiser):
    with app.test_request_context(), pytest.raises(FieldErrors) as caught:
        set_fees(course, organiser, tuition="-1", subsistence="10.001")
    assert messages(caught) == {
        "tuition": ["The amount cannot be negative."],
        "subsistence": ["EUR amounts have at most 2 decimals."],
    }
    with app.test_request_context(), pytest.raises(FieldErrors) as caught:
        set_fees(course, organiser, currency="JPY", tuition="1000000.5", subsistence="1")
    assert messages(caught) == {"tuition": ["The amount is too large: at most ¥1,000,000."]}
    with app.test_request_context(), pytest.raises(FieldErrors) as caught:
        set_fees(course, organiser, currency="JPY", tuition="100", subsistence="0.5")
    assert messages(caught) == {"subsistence": ["JPY amounts have no decimals."]}
    fees = fee_rules.fees_of(course)
    assert (fees.currency, fees.tuition, fees.subsistence) == ("EUR", D("2450"), D("1150.50"))


def fund(course, actor, **limits):
    values = {"full_count": None, "partial_count": None, "budget": None, **limits}
    return fellowships.save_fund(
        course,
        funder=limits.pop("funder", "SDC"),
        actor=actor,
        **{k: v for k, v in values.items() if k != "funder"},
    )


def test_the_currency_cannot_change_under_a_budget(course, organiser):
    fund(course, organiser, budget=D("10000"))
    with pytest.raises(FieldErrors) as caught:
        set_fees(course, organiser, currency="USD")
    assert messages(caught) == {
        "currency": [
            "Fellowship budgets or partial fellowships are in EUR: change them first to change "
            "the currency."
        ]
    }
    # The amounts may change in the same currency.
    assert set_fees(course, organiser, tuition="2000").tuition == D("2000")


def test_the_currency_cannot_change_under_a_partial_fellowship(course, organiser):
    sdc = fund(course, organiser, partial_count=2)
    ana = make_registration(course, make_user(name="Ana Souza"))
    fellowships.award(ana, sdc, FellowshipKind.PARTIAL, amount=D("900"), actor=organiser)
    with pytest.raises(FieldErrors) as caught:
        set_fees(course, organiser, currency="CHF")
    assert list(messages(caught)) == ["currency"]
    fellowships.withdraw(ana, actor=organiser)
    assert set_fees(course, organiser, currency="CHF").currency == "CHF"


def test_full_fellowships_alone_follow_a_change_of_currency(course, organiser):
    sdc = fund(course, organiser, full_count=2)
    ana = make_registration(course, make_user(name="Ana Souza"))
    fellowships.award(ana, sdc, FellowshipKind.FULL, actor=organiser)
    assert set_fees(course, organiser, currency="CHF", tuition="3000").currency == "CHF"
    assert fellowships.usage(sdc).amount == D("4150.50")


def test_fees_cannot_be_removed_while_fellowships_need_them(course, organiser):
    sdc = fund(course, organiser, full_count=2)
    # An allocation by numbers alone, nothing awarded: the course may become free.
    assert set_fees(course, organiser, tuition="0", subsistence="0") is None
    set_fees(course, organiser)
    ana = make_registration(course, make_user(name="Ana Souza"))
    fellowships.award(ana, sdc, FellowshipKind.FULL, actor=organiser)
    with pytest.raises(FieldErrors) as caught:
        set_fees(course, organiser, tuition="0", subsistence="0")
    assert messages(caught) == {
        "tuition": ["Fellowships or budgets are set: the fees cannot be removed."]
    }
    fellowships.withdraw(ana, actor=organiser)
    fund(course, organiser, funder="IOM", budget=D("100"))
    with pytest.raises(FieldErrors) as caught:
        set_fees(course, organiser, tuition="0", subsistence="0")
    assert list(messages(caught)) == ["tuition"]
    assert fee_rules.fees_of(course) is not None


def test_raising_the_fees_cannot_take_awards_past_a_budget(app, course, organiser):
    # Two full fellowships at 3,600.50 exactly use a budget of 7,201.00.
    sdc = fund(course, organiser, full_count=5, budget=D("7201.00"))
    iom = fund(course, organiser, funder="IOM", full_count=5)  # no budget: no limit
    for name in ("Ana Souza", "Ana Sousa"):
        registration = make_registration(course, make_user(name=name))
        fellowships.award(registration, sdc, FellowshipKind.FULL, actor=organiser)
    fellowships.award(
        make_registration(course, make_user(name="Anna Souza")),
        iom,
        FellowshipKind.FULL,
        actor=organiser,
    )
    with app.test_request_context(), pytest.raises(FieldErrors) as caught:
        set_fees(course, organiser, tuition="2450.01")
    assert messages(caught) == {
        None: [
            "At these fees the fellowships awarded from SDC would cost €7,201.02, more than "
            "its budget of €7,201.00."
        ]
    }
    assert fee_rules.fees_of(course).tuition == D("2450.00")
    # Moving money from tuition to subsistence keeps the total: allowed.
    assert set_fees(course, organiser, tuition="2400.00", subsistence="1200.50").total == D(
        "3600.50"
    )
    assert set_fees(course, organiser, tuition="1000.00").total == D("2150.50")


def test_partial_fellowships_do_not_grow_with_the_fees(course, organiser):
    sdc = fund(course, organiser, partial_count=3, budget=D("1800"))
    for name in ("Ana Souza", "Ana Sousa"):
        fellowships.award(
            make_registration(course, make_user(name=name)),
            sdc,
            FellowshipKind.PARTIAL,
            amount=D("900"),
            actor=organiser,
        )
    assert set_fees(course, organiser, tuition="9000").tuition == D("9000")
    assert fellowships.usage(sdc).amount == D("1800.00")
    # Fees below a partial amount: it covers the fees, no more.
    assert set_fees(course, organiser, tuition="500", subsistence="0").total == D("500")
    assert fellowships.usage(sdc).amount == D("1000.00")


# ---------------------------------------------------------------------------
# Cancellation policy


def rules_of(course) -> list[tuple[int, int]]:
    return [(r.days_before, r.percent) for r in fee_rules.cancellation_rules(course)]


def test_the_policy_is_kept_earliest_rule_first_and_replaced_whole(course, neighbour, organiser):
    before = neighbour_state(neighbour)
    assert rules_of(course) == [(30, 50), (7, 100)]
    fee_rules.set_cancellation_policy(course, [(0, 100), (60, 0), (14, 25)], actor=organiser)
    assert rules_of(course) == [(60, 0), (14, 25), (0, 100)]
    fee_rules.set_cancellation_policy(course, [(730, 10)], actor=organiser)
    assert rules_of(course) == [(730, 10)]
    fee_rules.set_cancellation_policy(course, [], actor=organiser)
    assert rules_of(course) == []
    assert neighbour_state(neighbour) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CancellationRule)) == 1


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([(-1, 50)], "Days before the start are between 0 and 730."),
        ([(731, 50)], "Days before the start are between 0 and 730."),
        ([(30, -1)], "A percentage is between 0 and 100."),
        ([(30, 101)], "A percentage is between 0 and 100."),
        ([(30, 50), (30, 60)], "Two rules start 30 days before the start: keep one."),
        ([(7, 100), (7, 100)], "Two rules start 7 days before the start: keep one."),
        (
            [(30, 50), (7, 40)],
            "Closer to the start the share due cannot go down: 7 days before charges less "
            "than a rule before it.",
        ),
        (
            [(0, 20), (60, 10), (14, 30)],
            "Closer to the start the share due cannot go down: 0 days before charges less "
            "than a rule before it.",
        ),
    ],
)
def test_a_policy_that_makes_no_sense_is_refused_whole(course, organiser, rules, message):
    with pytest.raises(FieldErrors) as caught:
        fee_rules.set_cancellation_policy(course, rules, actor=organiser)
    assert messages(caught) == {"rules": [message]}
    assert rules_of(course) == [(30, 50), (7, 100)]


def test_the_extremes_and_equal_shares_are_allowed(course, organiser):
    fee_rules.set_cancellation_policy(
        course, [(730, 0), (30, 50), (7, 50), (0, 100)], actor=organiser
    )
    assert rules_of(course) == [(730, 0), (30, 50), (7, 50), (0, 100)]


TURIN = datetime(2017, 11, 19, 23, 0, tzinfo=UTC)  # Monday 20 November, midnight in Turin


@pytest.mark.parametrize(
    ("policy", "when", "percent"),
    [
        ([], TURIN, 0),
        ([(30, 50), (7, 100)], datetime(2017, 1, 1, tzinfo=UTC), 0),
        # Days before the start at the venue: 7 days = Monday 13 November in Turin.
        ([(30, 50), (7, 100)], datetime(2017, 11, 12, 22, 59, tzinfo=UTC), 50),
        ([(30, 50), (7, 100)], datetime(2017, 11, 12, 23, 0, tzinfo=UTC), 100),
        # Once the course has begun, the last rule goes on applying.
        ([(30, 50), (7, 100)], datetime(2017, 11, 22, 10, 0, tzinfo=UTC), 100),
        ([(30, 50)], datetime(2017, 12, 22, 10, 0, tzinfo=UTC), 50),
        # A rule for the first day itself.
        ([(30, 50), (0, 80)], datetime(2017, 11, 19, 22, 59, tzinfo=UTC), 50),
        ([(30, 50), (0, 80)], TURIN, 80),
    ],
)
def test_the_share_due_follows_the_venues_calendar(course, organiser, policy, when, percent):
    fee_rules.set_cancellation_policy(course, policy, actor=organiser)
    assert fee_rules.cancellation_percent(course, when) == percent


def test_the_share_in_a_zone_ahead_of_utc(organiser):
    # Auckland is 13 hours ahead in November: its 3 November starts on 2 November UTC.
    course = make_course(
        slug="auckland", start=date(2017, 11, 10), venue=make_venue("Pacific/Auckland")
    )
    fee_rules.set_cancellation_policy(course, [(7, 100)], actor=organiser)
    assert fee_rules.cancellation_percent(course, datetime(2017, 11, 2, 10, 59, tzinfo=UTC)) == 0
    assert fee_rules.cancellation_percent(course, datetime(2017, 11, 2, 11, 0, tzinfo=UTC)) == 100


def test_the_policy_reads_as_sentences_with_its_dates(app, course, organiser):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert fee_rules.policy_sentences(course) == [
            "Until October 20, 2017, cancelling costs nothing.",
            "From 30 days before the start (October 21, 2017), 50 % of the fees is due if you "
            "cancel.",
            "From 7 days before the start (November 13, 2017), 100 % of the fees is due if you "
            "cancel.",
        ]
        fee_rules.set_cancellation_policy(course, [(60, 0), (1, 40), (0, 100)], actor=organiser)
        assert fee_rules.policy_sentences(course) == [
            "From 60 days before the start (September 21, 2017), 0 % of the fees is due if you "
            "cancel.",
            "From 1 day before the start (November 19, 2017), 40 % of the fees is due if you "
            "cancel.",
            "From the first day of the course, 100 % of the fees is due if you cancel.",
        ]
        fee_rules.set_cancellation_policy(course, [], actor=organiser)
        assert fee_rules.policy_sentences(course) == []


def test_the_policy_reads_in_french(app, course):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert fee_rules.policy_sentences(course) == [
            "Jusqu'au 20 octobre 2017, annuler ne coûte rien.",
            "À partir de 30 jours avant le début (21 octobre 2017), 50 % des frais sont dus en "
            "cas d'annulation.",
            "À partir de 7 jours avant le début (13 novembre 2017), 100 % des frais sont dus en "
            "cas d'annulation.",
        ]
