"""The badges' PDF: every confirmed participant (or the ones asked for), in three layouts,
names in any Latin script, the QR code and its code on each badge."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from app.checkin import services
from app.checkin.badges import render_badges
from app.checkin.forms import BadgeLayout
from app.extensions import db
from app.registration import exports
from app.registration.models import RegistrationStatus as S
from tests.checkin.conftest import person
from tests.conftest import login

NAMES = [
    "Ana Souza",
    "Thu Nguyễn",
    "Ayşe Şahin",
    "Søren Kierkegaard-Ødegård",
    "Łucja Wąsowska",
    "Anabela Núñez",
    "Kiprono Mutai",
    "Ðorđe Đukić",
    "Zoë Ó Briain",
]


@pytest.fixture
def nine(course):
    return [
        person(course, name, country=country, organisation=f"Organisation of {name}")
        for name, country in zip(
            NAMES, ["BR", "VN", "TR", "DK", "PL", "ES", "KE", "RS", "IE"], strict=True
        )
    ]


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize(
    ("layout", "pages", "size"),
    [
        (BadgeLayout.SHEET, 2, (210, 297)),
        (BadgeLayout.SINGLE, 9, (100, 70)),
        (BadgeLayout.TENT, 9, (297, 210)),
    ],
)
def test_layouts(course, nine, layout, pages, size):
    codes = services.codes_for(nine)
    content = render_badges(course, nine, codes, layout)
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == pages
    box = reader.pages[0].mediabox
    mm = 72 / 25.4
    assert (round(float(box.width) / mm), round(float(box.height) / mm)) == size
    text = "\n".join(page.extract_text() for page in reader.pages)
    for registration in nine:
        assert registration.certificate_name in text
    if layout != BadgeLayout.TENT:
        for code in codes.values():
            assert services.format_code(code) in text
        assert "Brazil" in text and "Viet Nam" in text.replace("Vietnam", "Viet Nam")


def test_a_long_name_and_organisation_still_fit(course):
    long = person(
        course,
        "Maria da Conceição Albuquerque de Vasconcelos e Sá Figueiredo",
        organisation=(
            "Ministério do Desenvolvimento e Assistência Social, Família e Combate à Fome do Brasil"
        ),
    )
    content = render_badges(course, [long], services.codes_for([long]), BadgeLayout.SINGLE)
    pages, text = pdf_text(content)
    assert pages == 1
    assert "Maria da Conceição" in text
    assert "…" in text or "Fome do Brasil" in text


def test_the_team_downloads_all_confirmed_or_those_asked(client, course, facilitator, nine):
    waiting = person(course, "Wanjiru Kamau", status=S.WAITLISTED)
    db.session.commit()
    login(client, facilitator)
    answer = client.get("/courses/governing-2017/badges.pdf?layout=single")
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    assert "governing-2017-badges.pdf" in answer.headers["Content-Disposition"]
    assert answer.headers["Cache-Control"] == "private, no-store"
    pages, text = pdf_text(answer.data)
    assert pages == 9
    assert waiting.certificate_name not in text
    # The codes printed are the ones stored (and shown in My courses).
    for registration in nine:
        assert services.format_code(services.code_for(registration)) in text
    ids = f"registration_id={nine[1].id}&registration_id={nine[4].id}&registration_id={waiting.id}"
    pages, text = pdf_text(
        client.get(f"/courses/governing-2017/badges.pdf?layout=single&{ids}").data
    )
    assert pages == 2
    assert "Thu Nguyễn" in text and "Łucja Wąsowska" in text and "Ana Souza" not in text


def test_default_layout_is_the_sheet(client, course, organiser, nine):
    db.session.commit()
    login(client, organiser)
    pages, _text = pdf_text(client.get("/courses/governing-2017/badges.pdf").data)
    assert pages == 2


@pytest.mark.parametrize("layout", ["poster", "", "SHEET"])
def test_an_unknown_layout_is_refused(client, course, organiser, nine, layout):
    db.session.commit()
    login(client, organiser)
    assert client.get(f"/courses/governing-2017/badges.pdf?layout={layout}").status_code == 400


def test_no_confirmed_participant_gives_one_blank_page(course):
    content = render_badges(course, [], {}, BadgeLayout.SHEET)
    assert pdf_text(content)[0] == 1


def test_the_participants_page_links_the_filtered_badges(client, course, organiser, nine):
    person(course, "Wanjiru Kamau", status=S.WAITLISTED, country="KE")
    db.session.commit()
    login(client, organiser)
    html = client.get("/courses/governing-2017/participants").get_data(as_text=True)
    assert 'href="/courses/governing-2017/badges.pdf"' in html
    html = client.get("/courses/governing-2017/participants?country=KE").get_data(as_text=True)
    kip = next(r for r in nine if r.certificate_name == "Kiprono Mutai")
    assert f'href="/courses/governing-2017/badges.pdf?registration_id={kip.id}"' in html
    assert exports.country_name("KE") == "Kenya"
