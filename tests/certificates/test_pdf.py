"""The certificate's PDF: a real PDF whose text, read back with pypdf, says what it should.

fpdf2 embeds a subset of DejaVu Sans and writes glyph ids, with a ToUnicode map; pypdf reads
the text back through that map, as a PDF reader's copy and search do.
"""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from app.certificates import services
from app.certificates.pdf import render_certificate_pdf
from app.courses.models import CourseTranslation
from app.extensions import db
from app.registration.models import Registration
from tests.certificates.conftest import attend
from tests.factories import make_registration, make_user


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages)


def certificate_for(course, name: str, *, language: str = "en", days: int = 4):
    registration: Registration = make_registration(course, make_user(name=name), language=language)
    attend(registration, days)
    return services.issue_certificate(registration)


def test_it_is_a_one_page_a4_landscape_pdf(course):
    data = render_certificate_pdf(certificate_for(course, "Ana Souza"))
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    [page] = reader.pages
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points


@pytest.mark.parametrize(
    "name", ["Mette Sørensen", "José Ñúñez", "Elif Şahin", "Nguyễn Thị Minh Khai", "Zoë Ødegård"]
)
def test_names_in_any_latin_script_print_as_entered(course, name):
    text = pdf_text(render_certificate_pdf(certificate_for(course, name)))
    assert name in text


def test_the_font_is_embedded(course):
    data = render_certificate_pdf(certificate_for(course, "Elif Şahin"))
    assert b"/FontFile2" in data
    assert b"DejaVuSans" in data


def test_it_says_what_who_when_where_and_how_to_check(course):
    certificate = certificate_for(course, "Ana Souza")
    text = pdf_text(render_certificate_pdf(certificate))
    code = services.format_code(certificate.code)
    assert "Certificate of participation" in text
    assert "Governing migration at the local level" in text
    assert "From November 20, 2017 to November 24, 2017" in text
    assert "ITC-ILO campus, Turin" in text
    assert "Managing the link between migration and local development" in text
    assert "Establishing partnerships, cooperation and dialogue" in text
    assert "On-site days attended: 4 of 5." in text
    assert f"Verification code: {code}" in text
    assert f"http://atelier.test/certificates/{code}" in text


def test_it_is_in_the_registrations_language(course):
    course.translations.append(
        CourseTranslation(locale="fr", title="Gestion de la migration au niveau local")
    )
    db.session.flush()
    text = pdf_text(render_certificate_pdf(certificate_for(course, "Amina Diallo", language="fr")))
    assert "Gestion de la migration au niveau local" in text
    assert "20 novembre 2017" in text and "24 novembre 2017" in text


def test_a_long_name_and_title_stay_on_one_page(course):
    course.translations[0].title = "A very long course title " * 8
    name = "Maria " + "de los Ángeles " * 8 + "Ñúñez"
    certificate = certificate_for(course, name)
    reader = PdfReader(io.BytesIO(render_certificate_pdf(certificate)))
    assert len(reader.pages) == 1
