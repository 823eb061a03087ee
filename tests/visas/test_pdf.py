"""The letter's PDF: the centre's letterhead from the settings, the course's certificate design
(logo, signature, signatory), names in any script, read back with pypdf."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader
from werkzeug.datastructures import FileStorage

from app.certificates import design as design_rules
from app.extensions import db
from app.visas import services
from app.visas.pdf import render_letter_pdf
from tests.visas.conftest import BEFORE, details


def png(colour: tuple[int, int, int], size: tuple[int, int]) -> FileStorage:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    buffer.seek(0)
    return FileStorage(buffer, filename="image.png")


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def issued(tesfaye, organiser):
    letter = services.request_letter(
        tesfaye,
        details(passport_name="Tesfaye Bekele Alemu Ğürsel Nguyễn"),
        actor=tesfaye.user,
        now=BEFORE,
    )
    services.issue(letter, actor=organiser, now=BEFORE)
    db.session.commit()
    return letter


def test_the_letterhead_comes_from_the_settings(app, issued):
    saved = {k: app.config[k] for k in ("CENTRE_NAME", "CENTRE_ADDRESS", "CENTRE_PHONE")}
    app.config.update(
        CENTRE_NAME="International Training Centre",
        CENTRE_ADDRESS="Viale Maestri del Lavoro 10\n\n10127 Turin, Italy",
        CENTRE_PHONE="+39 011 000 0000",
    )
    try:
        text = text_of(render_letter_pdf(issued))
    finally:
        app.config.update(saved)
    assert text.startswith(
        "International Training Centre Viale Maestri del Lavoro 10 10127 Turin, Italy "
        "courses@example.org +39 011 000 0000 https://www.example.org"
    )
    assert "International Training Centre is pleased to confirm" in text


def test_names_in_any_script_print_as_given(issued):
    assert "Tesfaye Bekele Alemu Ğürsel Nguyễn" in text_of(render_letter_pdf(issued))


def test_the_certificate_design_signs_the_letter(course, organiser, issued):
    design_rules.update_design(
        course,
        design_rules.DesignChange(
            signatory_name="Giulia Rossi",
            signatory_title="Director of training",
            logo=png((0, 82, 147), (300, 100)),
            signature=png((20, 20, 20), (200, 60)),
        ),
        actor=organiser,
    )
    db.session.commit()
    data = render_letter_pdf(issued)
    text = text_of(data)
    assert "Yours faithfully, Giulia Rossi Director of training Atelier Training Centre" in text
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages[0].images) == 2  # the logo and the signature
    assert reader.metadata.title == f"Invitation letter {issued.reference}"


def test_without_a_design_the_centre_signs(issued):
    data = render_letter_pdf(issued)
    assert "Yours faithfully, Atelier Training Centre Verification code" in text_of(data)
    assert len(PdfReader(io.BytesIO(data)).pages[0].images) == 0
