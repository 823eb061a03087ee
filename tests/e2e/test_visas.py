"""Journey of an invitation letter: Lucía, confirmed for a course in Turin, asks for one on her
phone (a passport number mistyped is refused beside the field), her organiser issues it on a
desktop, she downloads the PDF, and a consulate checks it at its public page, which shows no
passport detail."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from app.accounts.models import Role
from app.registration.models import RegistrationStatus as S
from tests.e2e.a11y import check_a11y
from tests.e2e.helpers import add_course, add_registration, add_user, body, log_in, outbox

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "has_touch": True}


def test_a_participant_asks_for_a_letter_and_the_organiser_issues_it(database, new_page):
    with database.session() as s:
        organiser = add_user(s, "Olu Organiser", "olu.visas@example.org", role=Role.ORGANISER)
        course = add_course(s, "visas-turin", "Local governance of migration", organiser=organiser)
        lucia = add_user(s, "Lucía Pérez", "lucia.visas@example.org", locale="fr")
        add_registration(s, course, lucia, S.CONFIRMED)
        # Another confirmed participant, who asks for nothing.
        add_registration(
            s, course, add_user(s, "Lucia Peres", "lucia.peres.visas@example.org"), S.CONFIRMED
        )

    phone = new_page(**PHONE)
    log_in(phone, "lucia.visas@example.org")
    phone.goto("/my/courses")
    check_a11y(phone)
    phone.get_by_role("link", name=re.compile("Demander une lettre d’invitation")).click()
    check_a11y(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.get_by_label("Nom tel que dans votre passeport").fill("PÉREZ GARCÍA LUCÍA")
    phone.get_by_label("Numéro de passeport").fill("PA/1234")
    phone.get_by_label("Date de naissance").fill("1988-06-30")
    phone.get_by_label("Ville du consulat").fill("Quito")
    phone.get_by_label("Pays du consulat").select_option("EC")
    phone.get_by_role("button", name="Demander la lettre").click()
    expect(phone.locator("#passport_number-errors")).to_contain_text(
        "Un numéro de passeport compte de 5 à 20 lettres et chiffres"
    )
    check_a11y(phone)
    phone.get_by_label("Numéro de passeport").fill("pa 1234 567")
    phone.get_by_role("button", name="Demander la lettre").click()
    expect(phone.get_by_text("Votre demande est envoyée aux organisateurs.")).to_be_visible()
    expect(phone.get_by_text("PA1234567")).to_be_visible()
    check_a11y(phone)

    desk = new_page()
    log_in(desk, "olu.visas@example.org")
    desk.goto("/courses/visas-turin/visa-letters")
    check_a11y(desk)
    expect(desk.get_by_role("link", name="Requested (1)")).to_be_visible()
    desk.get_by_role("link", name="Lucía Pérez").click()
    expect(desk.get_by_text("PA1234567")).to_be_visible()
    check_a11y(desk)
    desk.get_by_role("button", name="Issue the letter").click()
    expect(desk.get_by_text(re.compile(r"The letter VISA-\d{4}-\d{4} is issued"))).to_be_visible()
    reference = re.search(r"VISA-\d{4}-\d{4}", desk.content()).group(0)
    verify_link = desk.locator("a[href*='/letters/']")
    verify_path = verify_link.get_attribute("href")

    with database.session() as s:
        [mail] = outbox(s, "lucia.visas@example.org")
    assert reference in body(mail) and "Bonjour Lucía Pérez" in body(mail)

    phone.goto("/my/courses")
    check_a11y(phone)
    expect(phone.get_by_text(reference)).to_be_visible()
    with phone.expect_download() as download:
        phone.evaluate(
            "url => { const a = document.createElement('a'); a.href = url; a.download = ''; "
            "document.body.appendChild(a); a.click(); }",
            phone.get_by_role("link", name=re.compile("Télécharger ma lettre")).get_attribute(
                "href"
            ),
        )
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = " ".join(pdf.pages[0].extract_text().split())
    assert "PÉREZ GARCÍA LUCÍA" in text and "PA1234567" in text and reference in text

    consulate = new_page()
    consulate.goto(verify_path)
    check_a11y(consulate)
    expect(consulate.get_by_role("heading", level=1)).to_have_text("Valid invitation letter")
    expect(consulate.get_by_text("PÉREZ GARCÍA LUCÍA")).to_be_visible()
    assert "PA1234567" not in consulate.content()
