"""Journey of a course's materials: the organiser attaches a PDF to a session (public) and a
participants-only link to a module; the confirmed participant finds them beside the session
on the timetable, on the module and in the Materials list, on a desktop and on a phone; an
anonymous visitor sees the public one only. Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.courses.models import CourseModule
from app.modules.models import Module
from app.registration.models import RegistrationStatus
from tests.e2e.a11y import check_a11y
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import (
    ORGANISER_EMAIL,
    ORGANISER_PASSWORD,
    add_course,
    add_registration,
    add_session,
    add_user,
    get_user,
    log_in,
    next_monday,
)
from tests.storage.samples import pdf

pytestmark = pytest.mark.e2e

SLUG = "materials-journey"
TALK = "Local governance of migration: the Turin case"


def _set_up(database) -> None:
    start = next_monday(6)
    with database.session() as s:
        organiser = get_user(s, ORGANISER_EMAIL)
        course = add_course(
            s, SLUG, "Cities and migration: a materials journey", start=start, organiser=organiser
        )
        m1 = s.scalars(sa.select(Module).where(Module.code == "M1")).one()
        course.focuses.append(CourseModule(position=0, module=m1))
        add_session(s, course, start, time(9, 0), time(10, 30), "Opening and introductions")
        add_session(s, course, start, time(11, 0), time(12, 30), TALK)
        add_session(s, course, start, time(14, 0), time(15, 30), "Group work on action plans")
        participant = add_user(s, "Lucía Materiales", "lucia.materials@example.org")
        add_registration(s, course, participant, RegistrationStatus.CONFIRMED)


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_materials_beside_sessions_and_modules_on_desktop_and_phone(new_page, database, tmp_path):
    _set_up(database)
    handout = tmp_path / "turin-case-study.pdf"
    handout.write_bytes(pdf("The Turin case"))

    organiser = new_page(viewport={"width": 1280, "height": 900})
    log_in(organiser, ORGANISER_EMAIL, ORGANISER_PASSWORD)
    organiser.goto(f"/courses/{SLUG}/materials/manage")
    check_a11y(organiser)
    organiser.get_by_label("Title").fill("Case study: the Turin pact")
    organiser.get_by_label("File").set_input_files(str(handout))
    organiser.get_by_label("Attached to").select_option(label=f"{next_monday(6)} 11:00 · {TALK}")
    organiser.get_by_label("Everyone, on the public course page too").check()
    organiser.get_by_role("button", name="Add the material").click()
    expect(organiser.get_by_role("status")).to_have_text("“Case study: the Turin pact” was added.")
    check_a11y(organiser)
    organiser.get_by_label("Title").fill("JMDI toolbox, module 1")
    organiser.get_by_label("Link").fill("https://example.org/toolbox/m1")
    organiser.get_by_label("Attached to").select_option(index=4)  # M1, after the three sessions
    organiser.get_by_role("button", name="Add the material").click()
    expect(organiser.get_by_role("status")).to_have_text("“JMDI toolbox, module 1” was added.")
    check_a11y(organiser)

    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((1280, 900), (375, 740)):
        page = new_page(viewport={"width": width, "height": height})
        log_in(page, "lucia.materials@example.org")
        page.goto(f"/courses/{SLUG}")
        check_a11y(page)
        row = page.locator("table.timetable tr", has_text=TALK)
        expect(row.get_by_role("link", name="Case study: the Turin pact")).to_be_visible()
        modules = page.locator("ol.module-list")
        expect(modules.get_by_role("link", name="JMDI toolbox, module 1")).to_be_visible()
        assert _overflow(page) <= 1, f"the course page is wider than {width}px"
        row.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"materials-timetable-{width}.png"), full_page=True)

        page.goto(f"/courses/{SLUG}/materials")
        check_a11y(page)
        expect(page.get_by_role("heading", level=1)).to_have_text("Materials")
        expect(page.locator("main")).to_contain_text("PDF, ")
        expect(page.locator("main")).to_contain_text("Participants only")
        assert _overflow(page) <= 1, f"the Materials list is wider than {width}px"
        page.screenshot(path=str(ARTIFACTS / f"materials-list-{width}.png"), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("link", name="Case study: the Turin pact").click()
        assert download.value.suggested_filename == "turin-case-study.pdf"

    anonymous = new_page(viewport={"width": 1280, "height": 900})
    anonymous.goto(f"/courses/{SLUG}/materials")
    check_a11y(anonymous)
    expect(anonymous.locator("main")).to_contain_text("Case study: the Turin pact")
    expect(anonymous.locator("main")).not_to_contain_text("JMDI toolbox, module 1")
