"""Journey of a person's data: Ana Alves downloads her data from her account and asks for
erasure; the administrator carries it out; the public verification page of her certificate
then says it was issued to a person whose data was erased. Ana Álvarez, in the same course,
keeps everything."""

from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.accounts.models import Role
from app.certificates.models import Certificate
from app.registration.models import RegistrationStatus as S
from tests.e2e.a11y import check_a11y
from tests.e2e.helpers import add_course, add_registration, add_user, log_in

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "has_touch": True}
SHOTS = os.environ.get("PRIVACY_SHOTS")  # a folder: screenshots of the new pages


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_a_participant_downloads_and_is_erased(database, new_page):  # type: ignore[no-untyped-def]
    with database.session() as s:
        add_user(s, "Ada Admin", "ada.privacy@example.org", role=Role.ADMIN)
        course = add_course(
            s, "privacy-turin", "Local governance of migration", start=date(2025, 3, 3)
        )
        ana = add_user(s, "Ana Alves", "ana.alves.privacy@example.org")
        other = add_user(s, "Ana Álvarez", "ana.alvarez.privacy@example.org")
        for person, code in ((ana, "PRIVALVES1"), (other, "PRIVALVAR1")):
            registration = add_registration(s, course, person, S.CONFIRMED)
            s.add(
                Certificate(
                    registration=registration,
                    code=code,
                    name=person.name,
                    issued_on=date(2025, 3, 7),
                )
            )

    phone = new_page(**PHONE)
    log_in(phone, "ana.alves.privacy@example.org")
    phone.goto("/account")
    check_a11y(phone)
    phone.get_by_role("link", name="Download a copy of your data or ask for erasure").click()
    check_a11y(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(phone, "account-privacy-375")
    with phone.expect_download() as download:
        phone.get_by_role("button", name="Download my data").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    data = json.loads(archive.read("atelier-data.json"))
    assert data["account"]["name"] == "Ana Alves"
    assert [r["course"]["slug"] for r in data["registrations"]] == ["privacy-turin"]
    assert "Álvarez" not in archive.read("atelier-data.json").decode()

    phone.get_by_label(
        "I understand that my account and my data will be erased and cannot be restored."
    ).check()
    phone.get_by_role("button", name="Ask for erasure").click()
    expect(
        phone.get_by_text("Your request is sent. An administrator will erase your data.")
    ).to_be_visible()
    check_a11y(phone)

    desk = new_page(viewport={"width": 1280, "height": 900})
    log_in(desk, "ada.privacy@example.org")
    desk.get_by_role("link", name="Privacy", exact=True).click()
    check_a11y(desk)
    _shot(desk, "admin-privacy-1280")
    expect(desk.get_by_role("cell", name="Ana Alves")).to_be_visible()
    desk.get_by_label("Erase this person's data now. This cannot be undone.").check()
    desk.get_by_role("button", name="Erase the data").click()
    expect(desk.get_by_text("No erasure request is waiting.")).to_be_visible()
    desk.get_by_role("link", name="Privacy notice and its versions").click()
    desk.get_by_label("Text of the privacy notice").fill(
        "We keep your data while you take part.\n\nWrite to us to see or erase them."
    )
    desk.get_by_role("button", name="Publish as a new version").click()
    expect(desk.get_by_text("Version 1 of the privacy notice is published.")).to_be_visible()
    check_a11y(desk)
    _shot(desk, "admin-notice-1280")

    visitor = new_page(**PHONE)
    visitor.goto("/certificates/PRIVALVES1")
    expect(visitor.get_by_text("A person whose data was erased at their request")).to_be_visible()
    expect(visitor.get_by_text("Ana Alves")).to_have_count(0)
    check_a11y(visitor)
    _shot(visitor, "certificate-erased-375")
    visitor.goto("/certificates/PRIVALVAR1")
    expect(visitor.get_by_text("Ana Álvarez")).to_be_visible()
    check_a11y(visitor)
    visitor.goto("/privacy")
    expect(visitor.get_by_text("Write to us to see or erase them.")).to_be_visible()
    check_a11y(visitor)
    _shot(visitor, "notice-375")
