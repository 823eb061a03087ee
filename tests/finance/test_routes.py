"""The organisers' Fees and Fellowships tabs, the desk's money panel, and what participants see:
fees on the course page and in the application, billing details, the cost of cancelling."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.core.timeutil import local_date
from app.courses.models import CoursePartner, Organisation, PartnerRole
from app.db import now_utc
from app.extensions import db
from app.finance import fees as fee_rules
from app.finance import fellowships, requests, services
from app.finance.models import FellowshipKind, FinanceRequest, PayerKind
from app.registration.models import Registration, RegistrationEvent
from app.registration.models import RegistrationStatus as S
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user
from tests.finance.conftest import turin_course
from tests.registration.test_apply_routes import form_data

D = Decimal
NNBSP, NBSP = "\u202f", "\u00a0"


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return html_lib.unescape(response.get_data(as_text=True))


def post(client, url: str, data: dict, status: int = 302) -> str:
    response = client.post(url, data=data)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:2000])
    return html_lib.unescape(response.get_data(as_text=True))


def fees_url(course) -> str:
    return f"/courses/{course.slug}/fees"


def fellowships_url(course) -> str:
    return f"/courses/{course.slug}/fellowships"


@pytest.fixture
def sdc(course, organiser):
    fund = fellowships.save_fund(
        course, funder="SDC", full_count=2, partial_count=1, budget=D("9000"), actor=organiser
    )
    db.session.commit()
    return fund


# ---------------------------------------------------------------------------
# Fees tab


def test_the_fees_tab_shows_and_saves_the_fees(client, course, organiser, colleague):
    login(client, colleague)
    html = page(client, fees_url(course))
    assert 'aria-current="page">Fees</a>' in html
    assert "Tuition €2,450.00 + subsistence €1,150.50 = €3,600.50 per participant." in html
    assert 'value="2450.00"' in html and 'value="1150.50"' in html
    assert '<option selected value="EUR">Euro (EUR)</option>' in html
    assert "Swiss Franc (CHF)" in html
    started = now_utc()
    response = client.post(
        fees_url(course), data={"currency": "CHF", "tuition": "2 600,50", "subsistence": "0"}
    )
    assert response.headers["Location"].endswith(fees_url(course))
    db.session.expire_all()
    fees = fee_rules.fees_of(course)
    assert (fees.currency, fees.tuition, fees.subsistence, fees.updated_by_id) == (
        "CHF",
        D("2600.50"),
        D("0"),
        colleague.id,
    )
    assert fees.updated_at >= started.replace(microsecond=0)
    html = page(client, fees_url(course))
    assert "The fees are saved." in html
    assert "by Olga Organista" in html


def test_the_currency_names_are_in_the_readers_language(client, course, organiser):
    organiser.locale = "fr"
    db.session.commit()
    login(client, organiser)
    html = page(client, fees_url(course))
    assert '<option selected value="EUR">euro (EUR)</option>' in html
    assert "franc suisse (CHF)" in html
    assert f"3{NNBSP}600,50{NBSP}€" in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"tuition": "-10"}, "tuition", "The amount cannot be negative."),
        ({"tuition": "2,450"}, "tuition", "EUR amounts have at most 2 decimals."),
        ({"subsistence": "lots"}, "subsistence", "Enter an amount such as 1250.00."),
        ({"subsistence": ""}, "subsistence", "Enter an amount."),
        ({"currency": "JPY", "tuition": "2450.50"}, "tuition", "JPY amounts have no decimals."),
        ({"currency": "XYZ"}, "currency", "Choose a currency from the list."),
        ({"currency": ""}, "currency", "Choose a currency."),
    ],
)
def test_bad_fees_are_refused_beside_the_field(client, course, organiser, data, field, message):
    login(client, organiser)
    values = {"currency": "EUR", "tuition": "2450", "subsistence": "100", **data}
    html = " ".join(post(client, fees_url(course), values, status=400).split())
    assert f'<ul class="errors" id="{field}-errors"> <li>{message}</li>' in html
    db.session.expire_all()
    assert fee_rules.fees_of(course).subsistence == D("1150.50")


def test_a_refused_change_of_currency_says_why(client, course, organiser, sdc):
    login(client, organiser)
    html = post(
        client,
        fees_url(course),
        {"currency": "USD", "tuition": "2450", "subsistence": "0"},
        status=400,
    )
    assert (
        "Fellowship budgets or partial fellowships are in EUR: change them first to change "
        "the currency." in html
    )
    db.session.expire_all()
    assert fee_rules.fees_of(course).currency == "EUR"


def test_zero_fees_make_the_course_free(client, course, organiser):
    login(client, organiser)
    post(client, fees_url(course), {"currency": "EUR", "tuition": "0", "subsistence": "0"})
    db.session.expire_all()
    assert fee_rules.fees_of(course) is None
    html = page(client, fees_url(course))
    assert "The course is free: no fees." in html
    assert "The course is free: no fees are set." in html


def test_the_policy_is_edited_row_by_row(client, course, organiser):
    login(client, organiser)
    html = page(client, fees_url(course))
    assert "From 30 days before the start (October 21, 2017), 50 % of the fees is due" in html
    assert 'name="rules-1-days_before" type="number" value="7"' in html
    # Adding a row saves nothing and shows one more.
    html = post(
        client,
        f"{fees_url(course)}/policy",
        {
            "rules-0-days_before": "30",
            "rules-0-percent": "50",
            "rules-1-days_before": "7",
            "rules-1-percent": "100",
            "add_row": "Add a rule",
        },
        status=200,
    )
    assert 'name="rules-2-days_before"' in html
    assert "Rule 3" in html
    response = client.post(
        f"{fees_url(course)}/policy",
        data={
            "rules-0-days_before": "60",
            "rules-0-percent": "25",
            "rules-1-days_before": "",
            "rules-1-percent": "",
            "rules-2-days_before": "14",
            "rules-2-percent": "100",
        },
    )
    assert response.headers["Location"].endswith(f"{fees_url(course)}#policy")
    assert [(r.days_before, r.percent) for r in fee_rules.cancellation_rules(course)] == [
        (60, 25),
        (14, 100),
    ]
    assert "The cancellation policy is saved." in page(client, fees_url(course))


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({"rules-0-days_before": "30", "rules-0-percent": ""}, "Enter the share due."),
        ({"rules-0-days_before": "", "rules-0-percent": "50"}, "Enter the number of days."),
        ({"rules-0-days_before": "800", "rules-0-percent": "50"}, "Between 0 and 730 days."),
        ({"rules-0-days_before": "30", "rules-0-percent": "150"}, "Between 0 and 100 %."),
        ({"rules-0-days_before": "thirty", "rules-0-percent": "50"}, "Not a valid integer value."),
        (
            {
                "rules-0-days_before": "30",
                "rules-0-percent": "80",
                "rules-1-days_before": "7",
                "rules-1-percent": "50",
            },
            "Closer to the start the share due cannot go down: 7 days before charges less than "
            "a rule before it.",
        ),
    ],
)
def test_a_policy_that_makes_no_sense_comes_back_with_why(client, course, organiser, rows, message):
    login(client, organiser)
    html = post(client, f"{fees_url(course)}/policy", rows, status=400)
    assert message in html
    assert [(r.days_before, r.percent) for r in fee_rules.cancellation_rules(course)] == [
        (30, 50),
        (7, 100),
    ]


def test_an_empty_policy_removes_it(client, course, organiser):
    login(client, organiser)
    post(client, f"{fees_url(course)}/policy", {"rules-0-days_before": "", "rules-0-percent": ""})
    assert fee_rules.cancellation_rules(course) == []
    html = page(client, fees_url(course))
    assert "No cancellation policy: cancelling costs nothing." in html


# ---------------------------------------------------------------------------
# Fellowships tab


def add_funder_partner(course, name: str, role: PartnerRole) -> None:
    course.partners.append(
        CoursePartner(
            organisation=Organisation(name=name), role=role, position=len(course.partners)
        )
    )
    db.session.commit()


def test_funders_are_listed_with_what_is_left_and_totals(client, course, neighbour, organiser, sdc):
    undp = fellowships.save_fund(
        course, funder="UNDP", full_count=None, partial_count=3, budget=None, actor=organiser
    )
    ana = make_registration(course, make_user(name="Ana Souza"))
    bruno = make_registration(course, make_user(name="Bruno Souza"))
    fellowships.award(ana, sdc, FellowshipKind.FULL, actor=organiser)
    fellowships.award(bruno, undp, FellowshipKind.PARTIAL, amount=D("800"), actor=organiser)
    add_funder_partner(course, "Swiss Agency for Development and Cooperation", PartnerRole.FUNDER)
    add_funder_partner(course, "ITC-ILO", PartnerRole.ORGANISER)
    login(client, organiser)
    html = page(client, fellowships_url(course))
    assert 'aria-current="page">Fellowships</a>' in html
    assert '<td class="num" data-label="Budget left">' in html
    compact = re.sub(r' data-label="[^"]*"', "", " ".join(html.split()))
    assert (
        '<th scope="row">SDC</th> <td class="num">1 of 2</td> <td class="num">0 of 1</td> '
        '<td class="num">€3,600.50</td> <td class="num">€5,399.50 of €9,000.00</td>'
    ) in compact
    assert (
        '<th scope="row">UNDP</th> <td class="num">0 of ∞</td> <td class="num">1 of 3</td> '
        '<td class="num">€800.00</td> <td class="num">—</td>'
    ) in compact
    assert (
        '<th scope="row">Total</th> <td class="num">1</td> <td class="num">1</td> '
        '<td class="num">€4,400.50</td>'
    ) in compact
    assert '<option value="Swiss Agency for Development and Cooperation">' in html
    assert '<option value="ITC-ILO">' not in html
    # Those with a fellowship are listed with what they owe after it.
    assert "Owes after the fellowship: €0.00" in html
    assert "Owes after the fellowship: €2,800.50" in html
    assert "IOM" not in html  # the neighbour's funder


def test_a_funders_allocation_is_added_changed_and_removed(client, course, organiser):
    login(client, organiser)
    response = client.post(
        fellowships_url(course),
        data={"funder": "SDC", "full_count": "10", "partial_count": "6", "budget": ""},
    )
    assert response.headers["Location"].endswith(fellowships_url(course))
    [fund] = fellowships.funds(course)
    assert (fund.funder, fund.full_count, fund.partial_count, fund.budget) == ("SDC", 10, 6, None)
    assert "The allocation of SDC is saved." in page(client, fellowships_url(course))
    edit_url = f"{fellowships_url(course)}/funds/{fund.id}"
    html = page(client, edit_url)
    assert 'value="10"' in html and 'value="SDC"' in html
    post(
        client,
        edit_url,
        {"funder": "SDC", "full_count": "", "partial_count": "2", "budget": "12 000"},
    )
    db.session.expire_all()
    assert (fund.full_count, fund.partial_count, fund.budget) == (None, 2, D("12000.00"))
    post(client, f"{edit_url}/delete", {})
    assert fellowships.funds(course) == []
    assert "The allocation of SDC is removed." in page(client, fellowships_url(course))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"funder": ""}, "Name the funder."),
        ({"full_count": "-2"}, "Between 0 and 1000."),
        ({"budget": "-5"}, "The amount cannot be negative."),
        ({"budget": "10.999"}, "EUR amounts have at most 2 decimals."),
        ({"funder": "sdc"}, "This funder already has an allocation."),
    ],
)
def test_a_bad_allocation_comes_back_with_why(client, course, organiser, sdc, data, message):
    login(client, organiser)
    values = {"funder": "UNDP", "full_count": "1", "partial_count": "", "budget": "", **data}
    html = post(client, fellowships_url(course), values, status=400)
    assert message in html
    assert [f.funder for f in fellowships.funds(course)] == ["SDC"]


def test_a_budget_needs_fees_first(client, organiser):
    free = make_course(slug="webinar", organisers=(organiser,))
    db.session.commit()
    login(client, organiser)
    html = page(client, fellowships_url(free))
    assert "The course has no fees: set them first (Fees tab) to award fellowships." in html
    html = post(client, fellowships_url(free), {"funder": "SDC", "budget": "100"}, status=400)
    assert "Set the course's fees before a budget." in html


def test_an_allocation_in_use_cannot_go_below_or_be_removed(client, course, organiser, sdc):
    fellowships.award(
        make_registration(course, make_user(name="Ana Souza")),
        sdc,
        FellowshipKind.FULL,
        actor=organiser,
    )
    db.session.commit()
    login(client, organiser)
    edit_url = f"{fellowships_url(course)}/funds/{sdc.id}"
    html = post(
        client,
        edit_url,
        {"funder": "SDC", "full_count": "0", "partial_count": "1", "budget": "3000"},
        status=400,
    )
    assert "1 full fellowships are already awarded." in html
    html = post(
        client,
        edit_url,
        {"funder": "SDC", "full_count": "1", "partial_count": "1", "budget": "3600.49"},
        status=400,
    )
    assert "€3,600.50 is already awarded." in html
    post(client, f"{edit_url}/delete", {})
    html = page(client, fellowships_url(course))
    assert "Fellowships from this funder are awarded: withdraw them first." in html
    assert len(fellowships.funds(course)) == 1


def test_requests_are_listed_with_their_justification(client, course, organiser, sdc):
    asked = make_registration(course, make_user(name="Ana Souza"), status=S.SUBMITTED)
    requests.save_request(
        asked,
        wants_fellowship=True,
        justification="My municipality has no training budget this year.",
        billing=requests.BillingDetails(PayerKind.PARTICIPANT),
        actor=asked.user,
    )
    silent = make_registration(course, make_user(name="Ana Sousa"))
    requests.save_request(
        silent,
        wants_fellowship=False,
        justification="",
        billing=requests.BillingDetails(PayerKind.PARTICIPANT),
        actor=silent.user,
    )
    db.session.commit()
    login(client, organiser)
    html = page(client, fellowships_url(course))
    assert "My municipality has no training budget this year." in html
    assert "Ana Souza" in html
    assert "Ana Sousa" not in html


def award_url(course, registration) -> str:
    return f"{fellowships_url(course)}/{registration.id}/award"


def test_an_organiser_awards_changes_and_withdraws(client, course, organiser, colleague, sdc):
    ana = make_registration(course, make_user(name="Ana Souza"))
    db.session.commit()
    login(client, colleague)
    prefix = f"r{ana.id}-"
    response = client.post(
        award_url(course, ana),
        data={
            prefix + "fund": str(sdc.id),
            prefix + "kind": "partial",
            prefix + "amount": "1 800,25",
        },
    )
    assert response.headers["Location"].endswith(fellowships_url(course))
    award = fellowships.fellowship_of(ana)
    assert (award.kind, award.amount, award.awarded_by_id) == (
        FellowshipKind.PARTIAL,
        D("1800.25"),
        colleague.id,
    )
    html = page(client, fellowships_url(course))
    assert "Ana Souza: Partial fellowship from SDC." in html
    # Back to the desk page it came from.
    desk = f"/courses/{course.slug}/participants/{ana.id}"
    response = client.post(
        award_url(course, ana),
        data={prefix + "fund": str(sdc.id), prefix + "kind": "full", "next": desk},
    )
    assert response.headers["Location"].endswith(desk)
    db.session.expire_all()
    assert fellowships.fellowship_of(ana).kind == FellowshipKind.FULL
    response = client.post(f"{fellowships_url(course)}/{ana.id}/withdraw", data={"next": desk})
    assert response.headers["Location"].endswith(desk)
    assert fellowships.fellowship_of(ana) is None
    html = page(client, desk)
    assert "Ana Souza's fellowship is withdrawn." in html
    compact = " ".join(html.split())
    for label in ("Fellowship awarded", "Fellowship changed", "Fellowship withdrawn"):
        assert f"<td>{label}</td> <td>Olga Organista</td>" in compact
    assert "<td>SDC: partial, 1800.25 EUR</td>" in compact


@pytest.mark.parametrize(
    ("kind", "amount", "message"),
    [
        ("partial", "", "Enter an amount."),
        (
            "partial",
            "4000",
            "A partial fellowship covers less than the fees (€3,600.50): award a full one.",
        ),
        ("partial", "100.001", "EUR amounts have at most 2 decimals."),
        ("full", "", "SDC has no full fellowship left: all 2 are awarded."),
        ("sideways", "", "Choose full or partial."),
    ],
)
def test_a_refused_award_says_why(client, course, organiser, sdc, kind, amount, message):
    for name in ("Anna Souza", "Ana Sousa"):
        fellowships.award(
            make_registration(course, make_user(name=name)),
            sdc,
            FellowshipKind.FULL,
            actor=organiser,
        )
    ana = make_registration(course, make_user(name="Ana Souza"))
    db.session.commit()
    login(client, organiser)
    prefix = f"r{ana.id}-"
    client.post(
        award_url(course, ana),
        data={prefix + "fund": str(sdc.id), prefix + "kind": kind, prefix + "amount": amount},
    )
    html = page(client, fellowships_url(course))
    assert f"Ana Souza: {message}" in html
    assert fellowships.fellowship_of(ana) is None


def test_awards_stay_within_the_course(client, course, neighbour, organiser, sdc):
    ana = make_registration(course, make_user(name="Ana Souza"))
    iom = fellowships.funds(neighbour)[0]
    db.session.commit()
    login(client, organiser)
    prefix = f"r{ana.id}-"
    client.post(
        award_url(course, ana), data={prefix + "fund": str(iom.id), prefix + "kind": "full"}
    )
    assert fellowships.fellowship_of(ana) is None
    stranger = db.session.scalar(
        sa.select(Registration).where(Registration.course_id == neighbour.id).limit(1)
    )
    response = client.post(award_url(course, stranger), data={f"r{stranger.id}-fund": str(sdc.id)})
    assert response.status_code == 404
    response = client.get(f"{fellowships_url(course)}/funds/{iom.id}")
    assert response.status_code == 404


# ---------------------------------------------------------------------------
# The desk


def test_the_desk_shows_what_each_participant_owes(client, course, organiser, sdc):
    ana = make_registration(course, make_user(name="Ana Souza"))
    requests.save_request(
        ana,
        wants_fellowship=True,
        justification="No budget at my office.",
        billing=requests.BillingDetails(
            PayerKind.EMPLOYER, billing_name="City of Quito", billing_address="Av. 10 de Agosto"
        ),
        actor=ana.user,
    )
    fellowships.award(ana, sdc, FellowshipKind.PARTIAL, amount=D("1000"), actor=organiser)
    db.session.commit()
    login(client, organiser)
    html = page(client, f"/courses/{course.slug}/participants/{ana.id}")
    compact = " ".join(html.split())
    assert (
        '<dt>Owes after the fellowship</dt><dd class="money"><strong>€2,600.50</strong>' in compact
    )
    assert 'Partial fellowship · SDC · <span class="money">−€1,000.00</span>' in compact
    assert "<dt>Who pays</dt><dd>My employer: City of Quito</dd>" in compact
    assert "No budget at my office." in html
    assert "Change the fellowship" in html


def test_a_facilitator_sees_the_money_but_no_award_form(client, course, organiser, sdc):
    from app.courses.models import CourseTeamMember, TeamRole

    facilitator = make_user(name="Fatou Facilitator")
    course.team.append(CourseTeamMember(user=facilitator, role=TeamRole.FACILITATOR))
    ana = make_registration(course, make_user(name="Ana Souza"))
    db.session.commit()
    login(client, facilitator)
    html = page(client, f"/courses/{course.slug}/participants/{ana.id}")
    assert "Owes after the fellowship" in html
    assert "/award" not in html


# ---------------------------------------------------------------------------
# Participants


def test_the_course_page_shows_fees_and_policy(client, course):
    html = page(client, f"/courses/{course.slug}")
    compact = " ".join(html.split())
    assert '<th scope="row">Tuition</th><td class="money">€2,450.00</td>' in compact
    assert (
        '<th scope="row">Total per participant</th><td class="money"><strong>€3,600.50</strong>'
        in compact
    )
    assert "Until October 20, 2017, cancelling costs nothing." in html
    assert "From 7 days before the start (November 13, 2017), 100 % of the fees is due" in html
    free = make_course(slug="webinar")
    db.session.commit()
    assert "Total per participant" not in page(client, f"/courses/{free.slug}")


def test_the_course_page_in_french(client, course):
    response = client.get(f"/courses/{course.slug}", headers={"Accept-Language": "fr"})
    html = html_lib.unescape(response.get_data(as_text=True))
    assert f"3{NNBSP}600,50{NBSP}€" in html
    assert f"2{NNBSP}450,00{NBSP}€" in html


def apply_url(course) -> str:
    return f"/courses/{course.slug}/register"


def finance_data(**overrides) -> dict:
    data = form_data(funding=None)
    data.update(
        {
            "wants_fellowship": "y",
            "justification": "My municipality has no training budget.",
            "payer_kind": "employer",
            "billing_name": "Municipality of Belo Horizonte",
            "billing_address": "Av. Afonso Pena 1212\nBelo Horizonte",
            "billing_email": "",
            "billing_tax_id": "",
            "billing_reference": "PO 311",
        }
    )
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_application_asks_about_money_when_there_are_fees(client, upcoming):
    user = make_user(name="Ana Souza", email="ana@example.org")
    db.session.commit()
    login(client, user)
    html = page(client, apply_url(upcoming))
    assert "I request a fellowship" in html
    assert "Who pays the fees?" in html
    assert "How will your participation be funded?" not in html
    assert "€3,600.50" in html
    post(client, apply_url(upcoming), finance_data())
    registration = db.session.scalar(sa.select(Registration).where(Registration.user_id == user.id))
    asked = services.request_of(registration)
    assert (asked.wants_fellowship, asked.payer_kind, asked.billing_reference) == (
        True,
        PayerKind.EMPLOYER,
        "PO 311",
    )
    assert asked.billing_address == "Av. Afonso Pena 1212\nBelo Horizonte"
    # The older question is answered from who pays.
    assert registration.funding.value == "employer"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"justification": ""}, "Tell us why you need a fellowship."),
        ({"billing_name": ""}, "Name the organisation that pays."),
        ({"payer_kind": "sponsor", "billing_address": ""}, "Enter the address for the invoice."),
        ({"justification": "x" * 2001}, "Use at most 2000 characters."),
        ({"payer_kind": "boss"}, "Choose one of the options."),
    ],
)
def test_a_money_answer_missing_stores_nothing(client, upcoming, overrides, message):
    user = make_user(name="Ana Souza", email="ana@example.org")
    db.session.commit()
    login(client, user)
    response = client.post(apply_url(upcoming), data=finance_data(**overrides))
    assert response.status_code == 200
    assert message in html_lib.unescape(response.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FinanceRequest)) == 0


def test_paying_oneself_without_a_fellowship(client, upcoming):
    user = make_user(name="Ana Souza", email="ana@example.org")
    db.session.commit()
    login(client, user)
    post(
        client,
        apply_url(upcoming),
        finance_data(
            wants_fellowship=None,
            justification="",
            payer_kind="participant",
            billing_name="",
            billing_address="",
        ),
    )
    registration = db.session.scalar(sa.select(Registration))
    assert services.request_of(registration).wants_fellowship is False
    assert registration.funding.value == "self"


def test_a_free_course_asks_the_old_question_only(client, organiser):
    from tests.registration.conftest import open_course

    free = open_course(slug="free-course")
    user = make_user(name="Ana Souza", email="ana@example.org")
    db.session.commit()
    login(client, user)
    html = page(client, apply_url(free))
    assert "I request a fellowship" not in html
    assert "How will your participation be funded?" in html
    post(client, apply_url(free), form_data())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FinanceRequest)) == 0


def billing_url(registration) -> str:
    return f"/my/registrations/{registration.id}/billing"


def test_the_participant_sees_and_corrects_billing_details(client, course, organiser, sdc):
    ana = make_registration(course, make_user(name="Ana Souza"))
    fellowships.award(ana, sdc, FellowshipKind.PARTIAL, amount=D("600.50"), actor=organiser)
    db.session.commit()
    login(client, ana.user)
    html = page(client, "/my/courses")
    assert "Your fees, fellowship and billing details" in html
    compact = " ".join(html.split())
    assert '<dt>You owe</dt><dd class="money"><strong>€3,000.00</strong>' in compact
    assert "Still to pay: €3,000.00." in html  # the invoices' block beside it
    assert billing_url(ana) in html
    html = page(client, billing_url(ana))
    compact = " ".join(html.split())
    assert '<dt>You owe</dt><dd class="money"><strong>€3,000.00</strong>' in compact
    html = post(client, billing_url(ana), {"payer_kind": "sponsor", "billing_name": ""}, status=400)
    assert "Name the organisation that pays." in html
    assert "Enter the address for the invoice." in html
    post(
        client,
        billing_url(ana),
        {
            "payer_kind": "sponsor",
            "billing_name": "Open Society Foundations",
            "billing_address": "224 West 57th Street\nNew York",
            "billing_email": "grants@osf.example.org",
        },
    )
    asked = services.request_of(ana)
    assert (asked.payer_kind, asked.billing_name) == (PayerKind.SPONSOR, "Open Society Foundations")
    assert "Your billing details are saved." in page(client, "/my/courses")
    event = db.session.scalars(
        sa.select(RegistrationEvent).where(RegistrationEvent.action == "billing_updated")
    ).one()
    assert event.actor_id == ana.user_id


def test_billing_details_are_the_participants_own(client, course, organiser):
    ana = make_registration(course, make_user(name="Ana Souza"))
    bruno = make_registration(course, make_user(name="Bruno Souza"))
    free = make_registration(make_course(slug="webinar"), ana.user)
    gone = make_registration(
        turin_course(organiser, slug="gone"), make_user(name="Carla"), status=S.CANCELLED
    )
    db.session.commit()
    login(client, ana.user)
    assert client.get(billing_url(bruno)).status_code == 404
    assert client.get(billing_url(free)).status_code == 404
    assert client.post(billing_url(bruno), data={"payer_kind": "participant"}).status_code == 404
    login(client, gone.user)
    html = post(client, billing_url(gone), {"payer_kind": "participant"}, status=409)
    assert "The billing details of a closed application cannot change." in html


@pytest.mark.parametrize(
    ("days_ahead", "sentence"),
    [
        (31, "If you cancel today, nothing is due."),
        (30, "If you cancel today, 50 % of the fees is due: €1,800.25."),
        (8, "If you cancel today, 50 % of the fees is due: €1,800.25."),
        (7, "If you cancel today, 100 % of the fees is due: €3,600.50."),
    ],
)
def test_before_cancelling_the_participant_sees_what_it_costs(
    client, organiser, days_ahead, sentence
):
    today = local_date(now_utc(), "Europe/Rome")
    course = turin_course(organiser, start=today + timedelta(days=days_ahead), slug="soon")
    ana = make_registration(course, make_user(name="Ana Souza"))
    db.session.commit()
    login(client, ana.user)
    html = page(client, "/my/courses")
    assert sentence in html
    others = {
        "If you cancel today, nothing is due.",
        "If you cancel today, 50 % of the fees is due: €1,800.25.",
        "If you cancel today, 100 % of the fees is due: €3,600.50.",
    } - {sentence}
    assert not any(other in html for other in others)


def test_the_money_answers_are_checked_with_the_rest_of_the_form(client, upcoming):
    user = make_user(name="Ana Souza", email="ana@example.org")
    db.session.commit()
    login(client, user)
    response = client.post(
        apply_url(upcoming),
        data=finance_data(justification=" ", billing_address="", job_title=""),
    )
    html = html_lib.unescape(response.get_data(as_text=True))
    assert "Enter your job title." in html
    assert "Tell us why you need a fellowship." in html
    assert "Enter the address for the invoice." in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_the_desk_list_shows_what_each_owes(client, course, neighbour, organiser, sdc):
    ana = make_registration(course, make_user(name="Ana Souza"))
    make_registration(course, make_user(name="Ana Sousa"), status=S.SUBMITTED)
    fellowships.award(ana, sdc, FellowshipKind.PARTIAL, amount=D("600"), actor=organiser)
    db.session.commit()
    login(client, organiser)
    compact = " ".join(page(client, f"/courses/{course.slug}/participants").split())
    assert '<th scope="col" class="num">Owes after the fellowship</th>' in compact
    owes = '<td class="num" data-label="Owes after the fellowship">'
    assert f'{owes}€3,000.50<br><span class="meta">Partial fellowship</span></td>' in compact
    assert f"{owes}€0.00</td>" in compact  # the applicant owes nothing yet
    assert (
        "<strong>SDC</strong>: 0 full and 1 partial awarded, €600.00 · left: 2 full 0 partial "
        "€8,400.00</li>"
    ) in compact
    free = make_course(slug="webinar", organisers=(organiser,))
    make_registration(free, make_user(name="Bruno"))
    db.session.commit()
    assert "Owes after the fellowship" not in page(client, f"/courses/{free.slug}/participants")
