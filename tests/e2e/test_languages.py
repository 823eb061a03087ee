"""A participant switches the interface to French, then to Spanish: the pages, their dates and
the next email follow."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.dates import format_date
from babel.support import Translations
from playwright.sync_api import expect

from app.courses.models import Course
from app.demo.services import GOVERNING_SLUG, PARTICIPANT_PASSWORD
from tests.e2e.a11y import check_a11y
from tests.e2e.helpers import body, log_in, outbox

pytestmark = pytest.mark.e2e

TRANSLATIONS = Path(__file__).resolve().parents[2] / "app" / "translations"
TITLES = {
    "en": "Governing migration at the local level",
    "fr": "Gestion de la migration au niveau local",
    "es": "Gobernanza de la migración a nivel local",
}


def _in(locale: str, message: str) -> str:
    return Translations.load(str(TRANSLATIONS), [locale]).gettext(message)


def _switch_to(page, language: str) -> None:
    """The switcher in the header: a list and a button, no script."""
    page.locator("#language-select").select_option(label=language)
    page.locator(".language-switcher button").click()
    page.wait_for_load_state()


def test_the_interface_dates_and_mail_follow_the_chosen_language(page, database):
    with database.session() as s:
        start = s.scalars(
            sa.select(Course.start_date)
            .where(Course.edition_of_id.is_not(None))
            .where(Course.slug != GOVERNING_SLUG)
            .order_by(Course.start_date.desc())
        ).first()
    first_day = {locale: format_date(start, "full", locale=locale) for locale in TITLES}

    log_in(page, "tesfaye@example.org", PARTICIPANT_PASSWORD)
    page.locator(".course-list").first.get_by_role("link", name=TITLES["en"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLES["en"])
    check_a11y(page)
    days = page.locator(".timetable-days h3")
    expect(days.first).to_have_text(first_day["en"])

    for locale, language in (("fr", "Français"), ("es", "Español")):
        _switch_to(page, language)
        expect(page.locator("html")).to_have_attribute("lang", locale)
        expect(page.get_by_role("heading", level=1)).to_have_text(TITLES[locale])
        expect(days.first).to_have_text(first_day[locale])
        expect(page.locator(".main-nav")).to_contain_text(_in(locale, "My courses"))
        check_a11y(page)

    # The choice is the account's: a new page keeps Spanish, and so does the application.
    page.get_by_role("link", name=_in("es", "Apply"), exact=True).click()
    expect(page.locator("form.stacked")).to_be_visible()
    check_a11y(page)
    expect(page.locator("select[name=language]")).to_have_value("es")
    page.select_option("select[name=country]", "ET")
    page.select_option("select[name=nationality]", "ET")
    page.fill("input[name=organisation]", "Ministry of Labour and Social Affairs")
    page.select_option("select[name=organisation_type]", "national_government")
    page.fill("input[name=job_title]", "Migration officer")
    page.fill("textarea[name=motivation]", "We are writing a national strategy.")
    # The course has fees: who pays them (a sponsor, invoiced at its address).
    page.check("input[name=payer_kind][value=sponsor]")
    page.fill("input[name=billing_name]", "Organización Internacional para las Migraciones")
    page.fill("textarea[name=billing_address]", "Bole Road\nAddis Abeba")
    page.check("input[name=consent_data]")
    page.locator("form.stacked [type=submit]").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(_in("es", "My courses"))
    check_a11y(page)
    card = page.locator(".course-card", has_text=TITLES["es"])
    expect(card.locator(".badge").first).to_have_text(_in("es", "Confirmed"))

    with database.session() as s:
        message = outbox(s, "tesfaye@example.org")[-1]
    subject = _in("es", "Your place is confirmed: %(course)s") % {"course": TITLES["es"]}
    assert message["Subject"] == subject
    text = body(message)
    assert _in("es", "Hello %(name)s,") % {"name": "Tesfaye Bekele"} in text
    dates_label = _in("es", "Dates: %(dates)s") % {"dates": ""}  # "Fechas: "
    dates = next(line for line in text.splitlines() if line.startswith(dates_label))
    assert format_date(start, "MMMM", locale="es") in dates  # "febrero"
