"""Who pays for what, as the letter says it: the course's fees and the fellowship from
app.finance's balance(), the rest by whoever the application names; in English and French,
read back from the PDF."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from app.extensions import db
from app.finance import fees as fee_rules
from app.finance import fellowships
from app.finance.models import FellowshipKind
from app.registration.models import Funding
from app.visas import services
from app.visas.costs import cost_paragraph
from app.visas.pdf import render_letter_pdf
from tests.visas.conftest import BEFORE, details

CENTRE = "Atelier Training Centre"


@pytest.fixture
def fees(course, organiser):
    fee_rules.set_fees(
        course,
        currency="EUR",
        tuition=Decimal("2450.00"),
        subsistence=Decimal("1150.50"),
        actor=organiser,
    )
    fund = fellowships.save_fund(
        course, funder="SDC", full_count=2, partial_count=2, budget=None, actor=organiser
    )
    db.session.commit()
    return fund


def spaced(text: str) -> str:
    """Babel writes amounts with narrow and no-break spaces: plain spaces, to compare."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def paragraph(registration, locale: str = "en") -> str:
    with force_locale(locale):
        return spaced(cost_paragraph(registration, CENTRE))


def test_a_free_course_says_so_and_who_pays_the_journey(tesfaye):
    tesfaye.funding = Funding.SELF
    assert paragraph(tesfaye) == (
        "The course charges no tuition fee and no subsistence cost. Travel, accommodation, "
        "living expenses and the visa fee are paid by the participant."
    )


def test_fees_without_a_fellowship_are_paid_by_the_employer(tesfaye, fees):
    assert tesfaye.funding == Funding.EMPLOYER
    assert paragraph(tesfaye) == (
        "The course's tuition fee is €2,450.00 and its subsistence cost (accommodation and "
        "meals) €1,150.50, €3,600.50 in all. It is paid by the participant's employer, "
        "Municipality of Belo Horizonte. Travel to the venue and the visa fee are paid by the "
        "participant's employer, Municipality of Belo Horizonte."
    )


def test_a_partial_fellowship_and_what_is_left(tesfaye, fees, organiser):
    tesfaye.funding = Funding.SPONSORED
    fellowships.award(
        tesfaye, fees, FellowshipKind.PARTIAL, amount=Decimal("1150.50"), actor=organiser
    )
    text = paragraph(tesfaye)
    assert (
        "A fellowship from SDC covers €1,150.50 of it; the remaining €2,450.00 is paid by the "
        "participant's sponsor." in text
    )
    assert text.endswith(
        "Travel to the venue and the visa fee are paid by the participant's sponsor."
    )
    assert paragraph(tesfaye, "fr") == (
        "Les frais de formation du cours s’élèvent à 2 450,00 € et ses frais de séjour "
        "(hébergement et repas) à 1 150,50 €, soit 3 600,50 € au total. Une bourse de SDC "
        "couvre 1 150,50 € de ce montant ; le solde de 2 450,00 € est payé par le sponsor du "
        "participant. Le voyage jusqu’au lieu du cours et les frais de visa sont payés par le "
        "sponsor du participant."
    )


def test_a_full_fellowship_leaves_nothing_to_pay(tesfaye, fees, organiser):
    tesfaye.funding = Funding.SELF
    fellowships.award(tesfaye, fees, FellowshipKind.FULL, actor=organiser)
    assert (
        "A fellowship from SDC covers all of it: the participant owes Atelier Training Centre "
        "nothing for the course." in paragraph(tesfaye)
    )


def test_tuition_only(course, tesfaye, organiser):
    fee_rules.set_fees(
        course, currency="CHF", tuition=Decimal("900"), subsistence=Decimal("0"), actor=organiser
    )
    assert paragraph(tesfaye).startswith("The course's tuition fee is CHF900.00. It is paid by")


def test_subsistence_only(course, tesfaye, organiser):
    fee_rules.set_fees(
        course, currency="EUR", tuition=Decimal("0"), subsistence=Decimal("700"), actor=organiser
    )
    assert paragraph(tesfaye).startswith(
        "The course's subsistence cost (accommodation and meals) is €700.00. It is paid by"
    )


def test_the_letter_prints_the_fellowship(tesfaye, lucia, fees, organiser):
    fellowships.award(
        lucia, fees, FellowshipKind.PARTIAL, amount=Decimal("1000.00"), actor=organiser
    )
    letter = services.request_letter(lucia, details(language="fr"), actor=lucia.user, now=BEFORE)
    services.issue(letter, actor=organiser, now=BEFORE)
    db.session.commit()
    reader = PdfReader(io.BytesIO(render_letter_pdf(letter)))
    flat = " ".join(spaced(" ".join(page.extract_text() for page in reader.pages)).split())
    assert "Une bourse de SDC couvre 1 000,00 € de ce montant ; le solde de 2 600,50 €" in flat


def test_an_employer_without_a_name_is_the_participant_s_employer(tesfaye):
    tesfaye.organisation = ""
    assert paragraph(tesfaye).endswith("are paid by the participant's employer.")
    tesfaye.funding = None
    assert paragraph(tesfaye).endswith("are paid by the participant.")
