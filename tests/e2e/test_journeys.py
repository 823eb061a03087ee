"""Journeys through the real pages in Chromium: what a visitor and an organiser do."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Role, User
from app.courses.models import Course, CourseStatus, CourseTranslation
from app.db import now_utc
from app.extensions import db
from app.modules.services import seed_modules
from app.schedule.services import propose_timetable
from app.venues.services import seed_turin_venue
from tests.factories import PASSWORD, make_course, make_user

pytestmark = pytest.mark.e2e


def next_monday(weeks_ahead: int) -> date:
    day = now_utc().date() + timedelta(weeks=weeks_ahead)
    return day - timedelta(days=day.weekday())


def published_course() -> Course:
    seed_modules()
    venue = seed_turin_venue()
    from app.modules.models import Module

    modules = db.session.scalars(
        sa.select(Module)
        .where(Module.code.in_(["M1", "M2", "M3", "M4", "M5"]))
        .order_by(Module.position)
    ).all()
    course = make_course(
        slug="governing-migration-next",
        start=next_monday(10),
        venue=venue,
        modules=tuple(modules),
        status=CourseStatus.PUBLISHED,
    )
    course.translations.append(
        CourseTranslation(locale="fr", title="Gestion de la migration au niveau local")
    )
    propose_timetable(course)
    db.session.commit()
    return course


def test_visitor_finds_a_course_reads_it_in_french_and_signs_up(page):
    course = published_course()

    page.goto("/")
    page.get_by_role("link", name="Governing migration at the local level").click()
    assert page.locator("h1").inner_text() == "Governing migration at the local level"
    start = course.start_date
    days = page.get_by_role("heading", level=3).all_inner_texts()
    assert days[0] == f"Monday, {start:%B} {start.day}, {start.year}"
    assert len(days) == 5
    assert (
        page.locator("table.timetable")
        .first.locator("td.time")
        .first.inner_text()
        .startswith("9:00")
    )

    # The language switcher works without JavaScript: a select and a button.
    page.select_option("#language-select", "fr")
    page.locator(".language-switcher button").click()
    assert page.locator("h1").inner_text() == "Gestion de la migration au niveau local"
    assert page.locator("html").get_attribute("lang") == "fr"

    page.goto("/signup")
    page.fill("input[name=name]", "Aminata Diallo")
    page.fill("input[name=email]", "aminata@example.org")
    page.fill("input[name=password]", "a long enough password")
    page.fill("input[name=confirm]", "a long enough password")
    page.locator("form.stacked button[type=submit], form.stacked input[type=submit]").first.click()
    assert "Aminata Diallo" in page.locator(".main-nav").inner_text()
    user = db.session.scalar(sa.select(User).where(User.email == "aminata@example.org"))
    assert user is not None and user.locale == "fr"


def test_pages_fit_a_phone_screen(browser, live_server):
    published_course()
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 740})
    page = context.new_page()
    for path in ("/", "/courses/governing-migration-next", "/modules/", "/login"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than the phone"
    context.close()


def test_organiser_builds_a_course_and_its_timetable(page):
    seed_modules()
    seed_turin_venue()
    make_user(Role.ORGANISER, email="organiser@example.org", name="Marco Bianchi")
    db.session.commit()

    page.goto("/login")
    page.fill("input[name=email]", "organiser@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stacked button[type=submit], form.stacked input[type=submit]").first.click()
    assert "Marco Bianchi" in page.locator(".main-nav").inner_text()

    start = next_monday(20)
    page.goto("/courses/new")
    page.fill("input[name='text_en-title']", "Governing migration at the local level")
    page.fill("textarea[name='text_en-summary']", "Five days for local governments.")
    page.fill("input[name=start_date]", start.isoformat())
    page.fill(
        "input[name=registration_opens_on]", (now_utc().date() - timedelta(days=7)).isoformat()
    )
    page.fill("input[name=registration_closes_on]", (start - timedelta(weeks=3)).isoformat())
    page.select_option("select[name=status]", "published")
    page.get_by_role("button", name="Save").click()

    # Next: the modules, one per day.
    assert page.locator("h1").inner_text() == "Modules of the course"
    for i, code in enumerate(["M1", "M2", "M3", "M4", "M5"]):
        option = page.locator(f"select[name='focuses-{i}-module_id'] option", has_text=f"{code}:")
        page.select_option(
            f"select[name='focuses-{i}-module_id']", value=option.get_attribute("value")
        )
    page.get_by_role("button", name="Save the modules").click()

    page.goto(page.url.replace("/modules", "/timetable"))
    page.get_by_role("button", name="Propose a timetable").click()
    course = db.session.scalar(sa.select(Course))
    db.session.refresh(course)
    assert (
        len([s for s in course.sessions if not s.kind.is_break]) == 5 * 4 + 2
    )  # opening, evaluation

    page.goto(f"/courses/{course.slug}")
    headings = page.get_by_role("heading", level=3).all_inner_texts()
    assert (
        len(headings) == 5 and headings[0].startswith("Monday") and headings[4].startswith("Friday")
    )
    assert "Opening and introductions" in page.content()
    assert "Registration open" in page.content()


def test_participant_applies_and_follows_the_application(page):
    course = published_course()
    course.registration_opens_at = now_utc() - timedelta(days=1)
    course.registration_closes_at = now_utc() + timedelta(days=20)
    make_user(email="ana@example.org", name="Ana Souza")
    db.session.commit()

    page.goto("/login")
    page.fill("input[name=email]", "ana@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stacked button[type=submit], form.stacked input[type=submit]").first.click()

    page.goto(f"/courses/{course.slug}")
    page.get_by_role("link", name="Apply").click()
    assert page.locator("input[name=certificate_name]").input_value() == "Ana Souza"
    page.fill("input[name=certificate_name]", "Ana Souza Ñúñez")
    page.select_option("select[name=country]", "BR")
    page.select_option("select[name=nationality]", "BR")
    page.fill("input[name=organisation]", "Municipality of Belo Horizonte")
    page.select_option("select[name=organisation_type]", "local_government")
    page.fill("input[name=job_title]", "Migration officer")
    page.select_option("select[name=funding]", "employer")
    page.fill("textarea[name=motivation]", "Our city receives many newcomers.")
    page.check("input[name=consent_data]")
    page.get_by_role("button", name="Apply").click()

    assert page.locator("h1").inner_text() == "My courses"
    assert "Confirmed" in page.content()
    assert "Ana Souza Ñúñez" in page.content()
    # Applying again shows the existing application instead of a second one.
    page.goto(f"/courses/{course.slug}/register")
    assert page.locator("h1").inner_text() == "My courses"
