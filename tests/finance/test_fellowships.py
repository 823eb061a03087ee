"""Funders' allocations and the fellowships awarded from them: never past a number or a budget,
each award, change and withdrawal recorded with who did it."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.core.rules import FieldErrors
from app.db import now_utc
from app.extensions import db
from app.finance import fees as fee_rules
from app.finance import fellowships
from app.finance.fellowships import FellowshipUnavailable
from app.finance.models import Fellowship, FellowshipFund, FellowshipKind
from app.registration.models import RegistrationEvent
from app.registration.models import RegistrationStatus as S
from tests.factories import make_course, make_registration, make_user
from tests.finance.conftest import neighbour_state

D = Decimal
FULL, PARTIAL = FellowshipKind.FULL, FellowshipKind.PARTIAL


def save(course, actor, funder="SDC", *, full=None, partial=None, budget=None, fund=None):
    return fellowships.save_fund(
        course,
        funder=funder,
        full_count=full,
        partial_count=partial,
        budget=None if budget is None else D(budget),
        fund=fund,
        actor=actor,
    )


def refused(call, *args, **kwargs) -> dict[str | None, list[str]]:
    with pytest.raises(FieldErrors) as caught:
        call(*args, **kwargs)
    return {f: [str(m) for m in found] for f, found in caught.value.errors.items()}


def unavailable(call, *args, **kwargs) -> str:
    with pytest.raises(FellowshipUnavailable) as caught:
        call(*args, **kwargs)
    return str(caught.value)


def person(course, name, status=S.CONFIRMED):
    return make_registration(course, make_user(name=name), status=status)


def history(registration) -> list[tuple]:
    return [
        (e.action, e.actor_id, e.from_status, e.to_status, e.note)
        for e in db.session.scalars(
            sa.select(RegistrationEvent)
            .where(RegistrationEvent.registration_id == registration.id)
            .order_by(RegistrationEvent.id)
        )
    ]


# ---------------------------------------------------------------------------
# Allocations


def test_an_allocation_is_kept_as_given(course, neighbour, organiser):
    before = neighbour_state(neighbour)
    started = now_utc()
    fund = save(course, organiser, "  Swiss   Agency\tfor Development ", full=10, partial=6)
    assert (fund.course_id, fund.funder, fund.full_count, fund.partial_count, fund.budget) == (
        course.id,
        "Swiss Agency for Development",
        10,
        6,
        None,
    )
    assert fund.created_at >= started.replace(microsecond=0)
    with_budget = save(course, organiser, "IOM", budget="12000.5")
    assert with_budget.budget == D("12000.50")
    assert [f.funder for f in fellowships.funds(course)] == ["IOM", "Swiss Agency for Development"]
    assert neighbour_state(neighbour) == before


@pytest.mark.parametrize(
    ("limits", "errors"),
    [
        ({"funder": "   "}, {"funder": ["Name the funder."]}),
        ({"funder": "x" * 201}, {"funder": ["The funder's name is too long."]}),
        ({"full": -1}, {"full_count": ["A number of fellowships is between 0 and 1000."]}),
        ({"full": 1001}, {"full_count": ["A number of fellowships is between 0 and 1000."]}),
        ({"partial": -1}, {"partial_count": ["A number of fellowships is between 0 and 1000."]}),
        ({"partial": 1001}, {"partial_count": ["A number of fellowships is between 0 and 1000."]}),
        ({"budget": "-1"}, {"budget": ["The amount cannot be negative."]}),
        ({"budget": "100.001"}, {"budget": ["EUR amounts have at most 2 decimals."]}),
        ({"funder": "sdc"}, {"funder": ["This funder already has an allocation."]}),
    ],
)
def test_an_allocation_that_cannot_be_is_refused(app, course, organiser, limits, errors):
    save(course, organiser, "SDC", full=1)
    values = {"funder": "UNDP", "full": 3, **limits}
    with app.test_request_context():
        assert (
            refused(
                save,
                course,
                organiser,
                values.pop("funder"),
                full=values.pop("full"),
                **values,
            )
            == errors
        )
    assert [f.funder for f in fellowships.funds(course)] == ["SDC"]


def test_the_limits_of_the_ranges_are_allowed(course, organiser):
    fund = save(course, organiser, "x" * 200, full=0, partial=1000, budget="1000000")
    assert (len(fund.funder), fund.full_count, fund.partial_count, fund.budget) == (
        200,
        0,
        1000,
        D("1000000.00"),
    )


def test_a_budget_needs_fees(organiser):
    free = make_course(slug="webinar")
    assert refused(save, free, organiser, budget="100") == {
        "budget": ["Set the course's fees before a budget."]
    }
    assert save(free, organiser, full=2).budget is None


def test_funders_of_another_course_do_not_clash(course, neighbour, organiser):
    assert save(course, organiser, "IOM", full=1).course_id == course.id
    assert [f.funder for f in fellowships.funds(neighbour)] == ["IOM"]
    iom = fellowships.funds(neighbour)[0]
    assert unavailable(save, course, organiser, "IOM", full=3, fund=iom) == (
        "This funder does not fund this course."
    )


def test_an_allocation_cannot_go_below_what_is_awarded(app, course, organiser, colleague):
    sdc = save(course, organiser, full=3, partial=3, budget="10000")
    fellowships.award(person(course, "Ana Souza"), sdc, FULL, actor=organiser)
    fellowships.award(person(course, "Ana Sousa"), sdc, FULL, actor=organiser)
    fellowships.award(person(course, "Anna Souza"), sdc, PARTIAL, amount=D("900"), actor=organiser)
    # 2 × 3,600.50 + 900.00 = 8,101.00 awarded.
    with app.test_request_context():
        assert refused(save, course, colleague, full=1, partial=3, fund=sdc) == {
            "full_count": ["2 full fellowships are already awarded."]
        }
        assert refused(save, course, colleague, full=2, partial=0, fund=sdc) == {
            "partial_count": ["1 partial fellowships are already awarded."]
        }
        assert refused(save, course, colleague, full=2, partial=1, budget="8100.99", fund=sdc) == {
            "budget": ["€8,101.00 is already awarded."]
        }
    # Exactly what is awarded, or no limit, is fine; renaming keeps the same allocation.
    kept = save(course, colleague, "SDC (Swiss)", full=2, partial=1, budget="8101.00", fund=sdc)
    assert kept.id == sdc.id
    assert (kept.funder, kept.full_count, kept.partial_count, kept.budget) == (
        "SDC (Swiss)",
        2,
        1,
        D("8101.00"),
    )
    assert save(course, colleague, "SDC", full=None, partial=None, budget="9000", fund=sdc).id == (
        sdc.id
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FellowshipFund)) == 1


def test_a_fund_with_awards_cannot_be_removed(course, neighbour, organiser):
    sdc = save(course, organiser, full=1)
    undp = save(course, organiser, "UNDP", full=1)
    ana = person(course, "Ana Souza")
    fellowships.award(ana, sdc, FULL, actor=organiser)
    assert unavailable(fellowships.delete_fund, sdc, actor=organiser) == (
        "Fellowships from this funder are awarded: withdraw them first."
    )
    fellowships.delete_fund(undp, actor=organiser)
    fellowships.withdraw(ana, actor=organiser)
    fellowships.delete_fund(sdc, actor=organiser)
    assert fellowships.funds(course) == []
    assert len(fellowships.funds(neighbour)) == 1


# ---------------------------------------------------------------------------
# Awards


def test_a_full_fellowship_is_recorded_with_who_awarded_it(course, neighbour, organiser):
    before = neighbour_state(neighbour)
    sdc = save(course, organiser, full=2)
    ana = person(course, "Ana Souza")
    started = now_utc().replace(microsecond=0)
    award = fellowships.award(ana, sdc, FULL, amount=D("100"), actor=organiser)
    db.session.expire_all()
    award = fellowships.fellowship_of(ana)
    assert (award.fund_id, award.kind, award.amount) == (sdc.id, FULL, None)
    assert (award.awarded_by_id, award.updated_by_id) == (organiser.id, organiser.id)
    assert award.awarded_at >= started
    assert award.updated_at == award.awarded_at
    assert history(ana) == [
        ("fellowship_awarded", organiser.id, S.CONFIRMED, S.CONFIRMED, "SDC: full")
    ]
    assert fellowships.usage(sdc) == fellowships.FundUsage(1, 0, D("3600.50"))
    assert fellowships.fellowship_of(person(course, "Ana Sousa")) is None
    assert neighbour_state(neighbour) == before


def test_a_partial_fellowship_covers_a_set_amount(course, organiser):
    sdc = save(course, organiser, partial=2)
    ana = person(course, "Ana Souza", status=S.SUBMITTED)
    award = fellowships.award(ana, sdc, PARTIAL, amount=D("900.25"), actor=organiser)
    assert (award.kind, award.amount) == (PARTIAL, D("900.25"))
    assert history(ana) == [
        ("fellowship_awarded", organiser.id, S.SUBMITTED, S.SUBMITTED, "SDC: partial, 900.25 EUR")
    ]
    # Up to a cent below the fees.
    bruno = person(course, "Bruno Souza", status=S.WAITLISTED)
    assert fellowships.award(bruno, sdc, PARTIAL, amount=D("3600.49"), actor=organiser).amount == (
        D("3600.49")
    )
    assert fellowships.usage(sdc) == fellowships.FundUsage(0, 2, D("4500.74"))


@pytest.mark.parametrize(
    ("amount", "errors"),
    [
        (None, {"amount": ["Enter the amount the fellowship covers."]}),
        ("0", {"amount": ["The amount must be more than zero."]}),
        ("-5", {"amount": ["The amount cannot be negative."]}),
        ("90.001", {"amount": ["EUR amounts have at most 2 decimals."]}),
        (
            "3600.50",
            {
                "amount": [
                    "A partial fellowship covers less than the fees (€3,600.50): award a full one."
                ]
            },
        ),
        (
            "5000",
            {
                "amount": [
                    "A partial fellowship covers less than the fees (€3,600.50): award a full one."
                ]
            },
        ),
    ],
)
def test_a_partial_amount_must_make_sense(app, course, organiser, amount, errors):
    sdc = save(course, organiser, partial=2)
    ana = person(course, "Ana Souza")
    with app.test_request_context():
        assert (
            refused(
                fellowships.award,
                ana,
                sdc,
                PARTIAL,
                amount=None if amount is None else D(amount),
                actor=organiser,
            )
            == errors
        )
    assert fellowships.fellowship_of(ana) is None
    assert history(ana) == []


@pytest.mark.parametrize("status", [S.REJECTED, S.CANCELLED])
def test_no_fellowship_for_the_refused_or_cancelled(course, organiser, status):
    sdc = save(course, organiser, full=2)
    ana = person(course, "Ana Souza", status=status)
    assert unavailable(fellowships.award, ana, sdc, FULL, actor=organiser) == (
        "Fellowships go to applicants and participants, not to cancelled or refused ones."
    )
    assert fellowships.fellowship_of(ana) is None


def test_no_fellowship_from_another_courses_funder(course, neighbour, organiser):
    iom = fellowships.funds(neighbour)[0]
    ana = person(course, "Ana Souza")
    assert unavailable(fellowships.award, ana, iom, FULL, actor=organiser) == (
        "This funder does not fund this course."
    )
    assert fellowships.usage(iom).count == 2


def test_no_fellowship_without_fees(organiser):
    free = make_course(slug="webinar")
    fund = save(free, organiser, full=3)
    ana = person(free, "Ana Souza")
    assert unavailable(fellowships.award, ana, fund, FULL, actor=organiser) == (
        "The course has no fees to cover."
    )


def test_the_last_full_and_partial_fellowships(course, organiser):
    sdc = save(course, organiser, full=1, partial=1)
    fellowships.award(person(course, "Ana Souza"), sdc, FULL, actor=organiser)
    fellowships.award(person(course, "Ana Sousa"), sdc, PARTIAL, amount=D("10"), actor=organiser)
    bruno = person(course, "Bruno Souza")
    assert unavailable(fellowships.award, bruno, sdc, FULL, actor=organiser) == (
        "SDC has no full fellowship left: all 1 are awarded."
    )
    assert unavailable(fellowships.award, bruno, sdc, PARTIAL, amount=D("10"), actor=organiser) == (
        "SDC has no partial fellowship left: all 1 are awarded."
    )
    none_of_them = save(course, organiser, "UNDP", full=0, partial=0)
    assert unavailable(fellowships.award, bruno, none_of_them, FULL, actor=organiser) == (
        "UNDP has no full fellowship left: all 0 are awarded."
    )
    assert fellowships.fellowship_of(bruno) is None
    assert history(bruno) == []


def test_a_budget_can_be_used_to_the_cent_and_no_further(app, course, organiser):
    # 3,600.50 (full) + 899.50 (partial) = 4,500.00.
    sdc = save(course, organiser, budget="4500.00")
    fellowships.award(person(course, "Ana Souza"), sdc, FULL, actor=organiser)
    bruno = person(course, "Bruno Souza")
    with app.test_request_context():
        assert unavailable(
            fellowships.award, bruno, sdc, PARTIAL, amount=D("899.51"), actor=organiser
        ) == ("The budget of SDC has €899.50 left, not enough for this fellowship (€899.51).")
        assert unavailable(fellowships.award, bruno, sdc, FULL, actor=organiser) == (
            "The budget of SDC has €899.50 left, not enough for this fellowship (€3,600.50)."
        )
    fellowships.award(bruno, sdc, PARTIAL, amount=D("899.50"), actor=organiser)
    assert fellowships.usage(sdc).amount == D("4500.00")
    [line] = fellowships.summaries(course)
    assert line.budget_left == D("0.00")


def test_a_fellowship_changes_within_its_own_allocation(course, organiser, colleague):
    sdc = save(course, organiser, full=1, partial=1, budget="3600.50")
    ana = person(course, "Ana Souza")
    first = fellowships.award(ana, sdc, FULL, actor=organiser)
    awarded_at = first.awarded_at
    # The only full one is hers, and the whole budget: changing it frees both.
    changed = fellowships.award(ana, sdc, PARTIAL, amount=D("1000"), actor=colleague)
    assert changed.id == first.id
    assert (changed.kind, changed.amount) == (PARTIAL, D("1000.00"))
    assert (changed.awarded_by_id, changed.awarded_at) == (organiser.id, awarded_at)
    assert changed.updated_by_id == colleague.id
    assert changed.updated_at >= awarded_at
    again = fellowships.award(ana, sdc, FULL, actor=colleague)
    assert (again.kind, again.amount) == (FULL, None)
    assert [h[0] for h in history(ana)] == [
        "fellowship_awarded",
        "fellowship_changed",
        "fellowship_changed",
    ]
    assert history(ana)[1] == (
        "fellowship_changed",
        colleague.id,
        S.CONFIRMED,
        S.CONFIRMED,
        "SDC: partial, 1000.00 EUR",
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Fellowship)) == 1


def test_moving_a_fellowship_to_another_funder_counts_there(course, organiser):
    sdc = save(course, organiser, full=1)
    undp = save(course, organiser, "UNDP", full=1)
    ana, bruno = person(course, "Ana Souza"), person(course, "Bruno Souza")
    fellowships.award(ana, sdc, FULL, actor=organiser)
    fellowships.award(bruno, undp, FULL, actor=organiser)
    # UNDP's one full fellowship is Bruno's: Ana's cannot move there.
    assert unavailable(fellowships.award, ana, undp, FULL, actor=organiser) == (
        "UNDP has no full fellowship left: all 1 are awarded."
    )
    assert fellowships.fellowship_of(ana).fund_id == sdc.id
    fellowships.withdraw(bruno, actor=organiser)
    moved = fellowships.award(ana, undp, FULL, actor=organiser)
    assert moved.fund_id == undp.id
    assert fellowships.usage(sdc).count == 0
    assert fellowships.usage(undp) == fellowships.FundUsage(1, 0, D("3600.50"))
    assert history(ana)[-1][4] == "UNDP: full"


def test_withdrawing_frees_the_fellowship_and_is_recorded(course, organiser, colleague):
    sdc = save(course, organiser, partial=1)
    ana = person(course, "Ana Souza")
    assert unavailable(fellowships.withdraw, ana, actor=organiser) == (
        "This participant has no fellowship."
    )
    fellowships.award(ana, sdc, PARTIAL, amount=D("500"), actor=organiser)
    fellowships.withdraw(ana, actor=colleague)
    assert fellowships.fellowship_of(ana) is None
    assert history(ana)[-1] == (
        "fellowship_withdrawn",
        colleague.id,
        S.CONFIRMED,
        S.CONFIRMED,
        "SDC: partial, 500.00 EUR",
    )
    bruno = person(course, "Bruno Souza")
    assert fellowships.award(bruno, sdc, PARTIAL, amount=D("500"), actor=organiser).amount == (
        D("500")
    )


def test_usage_left_and_totals_per_funder(course, neighbour, organiser):
    sdc = save(course, organiser, full=10, partial=6, budget="40000")
    undp = save(course, organiser, "UNDP", partial=4)
    iom = save(course, organiser, "IOM", full=2)
    for name in ("Ana Souza", "Ana Sousa", "Anna Souza"):
        fellowships.award(person(course, name), sdc, FULL, actor=organiser)
    fellowships.award(person(course, "Bruno"), sdc, PARTIAL, amount=D("1200"), actor=organiser)
    fellowships.award(person(course, "Bruna"), undp, PARTIAL, amount=D("800.25"), actor=organiser)
    lines = {line.fund.funder: line for line in fellowships.summaries(course)}
    assert list(lines) == ["IOM", "SDC", "UNDP"]
    line = lines["SDC"]
    assert (line.used.full, line.used.partial, line.used.amount, line.used.count) == (
        3,
        1,
        D("12001.50"),
        4,
    )
    assert (line.full_left, line.partial_left, line.budget_left) == (7, 5, D("27998.50"))
    assert (lines["UNDP"].full_left, lines["UNDP"].partial_left, lines["UNDP"].budget_left) == (
        None,
        3,
        None,
    )
    assert (lines["IOM"].full_left, lines["IOM"].used.amount) == (2, D("0.00"))
    assert iom.id != undp.id
    totals = fellowships.totals(list(lines.values()))
    assert (totals.full, totals.partial, totals.amount) == (3, 2, D("12801.75"))
    # Another course's awards are its own.
    [neighbours] = fellowships.summaries(neighbour)
    assert (neighbours.used.full, neighbours.used.partial, neighbours.used.amount) == (
        1,
        1,
        D("1499.99"),
    )
    assert fellowships.totals([]) == fellowships.FundTotals(0, 0, D("0.00"))


def test_usage_at_other_fees_and_without_one_award(course, organiser):
    sdc = save(course, organiser, full=3, partial=3)
    ana = person(course, "Ana Souza")
    award = fellowships.award(ana, sdc, FULL, actor=organiser)
    fellowships.award(person(course, "Bruno"), sdc, PARTIAL, amount=D("700"), actor=organiser)
    assert fellowships.usage(sdc, total=D("500")).amount == D("1000")
    assert fellowships.usage(sdc, total=D("5000")).amount == D("5700")
    assert fellowships.usage(sdc, excluding=award) == fellowships.FundUsage(0, 1, D("700.00"))
    fee_rules.set_fees(
        course, currency="EUR", tuition=D("600"), subsistence=D("0"), actor=organiser
    )
    assert fellowships.usage(sdc).amount == D("1200.00")


def test_an_allocation_without_limits_awards_freely(course, organiser):
    centre = save(course, organiser, "ITC-ILO")
    assert (centre.full_count, centre.partial_count, centre.budget) == (None, None, None)
    for name in ("Ana Souza", "Ana Sousa", "Anna Souza"):
        fellowships.award(person(course, name), centre, FULL, actor=organiser)
    [line] = fellowships.summaries(course)
    assert (line.used.full, line.full_left, line.partial_left, line.budget_left) == (
        3,
        None,
        None,
        None,
    )


def test_partial_fellowships_count_against_their_own_number(course, organiser):
    sdc = save(course, organiser, full=3, partial=1)
    fellowships.award(person(course, "Ana Souza"), sdc, PARTIAL, amount=D("10"), actor=organiser)
    bruno = person(course, "Bruno Souza")
    assert unavailable(fellowships.award, bruno, sdc, PARTIAL, amount=D("10"), actor=organiser) == (
        "SDC has no partial fellowship left: all 1 are awarded."
    )
    # Full ones are counted apart: three are still there.
    assert fellowships.award(bruno, sdc, FULL, actor=organiser).kind == FULL


def test_changing_the_amount_of_the_last_partial_fellowship(course, organiser):
    sdc = save(course, organiser, partial=1, budget="1000")
    ana = person(course, "Ana Souza")
    fellowships.award(ana, sdc, PARTIAL, amount=D("1000"), actor=organiser)
    # Her own award is what the fund's number and budget already hold: it is not counted twice.
    changed = fellowships.award(ana, sdc, PARTIAL, amount=D("900"), actor=organiser)
    assert changed.amount == D("900.00")
    assert fellowships.usage(sdc) == fellowships.FundUsage(0, 1, D("900.00"))


def test_an_allocation_is_edited_under_its_own_name_not_another_funders(course, organiser):
    sdc = save(course, organiser, full=1)
    save(course, organiser, "UNDP", full=1)
    kept = save(course, organiser, "SDC", full=4, fund=sdc)
    assert (kept.id, kept.funder, kept.full_count) == (sdc.id, "SDC", 4)
    assert refused(save, course, organiser, "UNDP", full=4, fund=sdc) == {
        "funder": ["This funder already has an allocation."]
    }
    assert refused(save, course, organiser, None, full=1) == {"funder": ["Name the funder."]}


def test_nothing_used_is_zero_to_the_cent(organiser):
    free = make_course(slug="webinar")
    fund = save(free, organiser, full=3)
    # No fees: nothing awarded, and the amount is a sum in money, not the integer 0.
    assert str(fellowships.usage(fund).amount) == "0.00"
    assert str(fellowships.totals([]).amount) == "0.00"
