"""Journey of the online follow-up phase, from the action plan to the certificate: a participant
on a phone hands in her action plan as a PDF; the facilitator returns it with a comment; she
reads it (and the mail), hands in a new version; the facilitator completes it; both post in the
discussion; the organiser sets up an anonymous evaluation required for the certificate and opens
it; she answers it; the organiser reads the results and the progress matrix, where she now
qualifies, and she downloads her certificate. Every page passes axe; the phone pages fit 375 px.

With ``ATELIER_SHOTS=<folder>``, the results page and the progress matrix are saved there as
screenshots at 1280 and 375 px, to be looked at."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.core.timeutil import day_start_utc, local_date
from app.courses.models import CourseTeamMember, TeamRole
from app.db import now_utc
from app.followup.models import ActivityKind, FollowupActivity
from app.registration.models import Attendance
from app.registration.models import RegistrationStatus as S
from tests.e2e.a11y import check_a11y
from tests.e2e.helpers import (
    ORGANISER_EMAIL,
    ORGANISER_PASSWORD,
    add_course,
    add_registration,
    add_user,
    body,
    get_user,
    log_in,
    outbox,
)
from tests.storage.samples import pdf

pytestmark = pytest.mark.e2e

SLUG = "e2e-followup"
TITLE = "Governing migration at the local level (follow-up)"
PHONE = {"width": 375, "height": 740}
PLAN = pdf("Plan d'action local - Awa Diop")
REVISED = pdf("Plan d'action local, version 2 - Awa Diop")


def fits(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{page.url} is {overflow}px wider than the phone"


def shoot(page, name: str) -> None:
    """Save what the page looks like, at desktop and phone widths, when asked to."""
    folder = os.environ.get("ATELIER_SHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 900), (375, 740)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_from_the_action_plan_to_the_certificate(new_page, database, tmp_path):
    today = local_date(now_utc(), "Europe/Rome")
    with database.session() as s:
        organiser = get_user(s, ORGANISER_EMAIL)
        course = add_course(s, SLUG, TITLE, start=today - timedelta(days=21), organiser=organiser)
        course.followup_opens_on = today - timedelta(days=2)
        course.followup_closes_on = today + timedelta(days=30)
        facilitator = add_user(s, "Fatou Facilitator", "fatou.followup@example.org")
        course.team.append(CourseTeamMember(user=facilitator, role=TeamRole.FACILITATOR))
        awa = add_user(s, "Awa Diop", "awa.followup@example.org")
        namesake = add_user(s, "Awa Diouf", "awa.diouf.followup@example.org")
        for person in (awa, namesake):
            registration = add_registration(s, course, person, S.CONFIRMED)
            for day in course.day_dates:
                registration.attendance.append(Attendance(day=day, is_present=True))
        s.add(
            FollowupActivity(
                course=course,
                kind=ActivityKind.ASSIGNMENT,
                title="Local action plan",
                is_required=True,
                due_at=day_start_utc(today + timedelta(days=10), course.timezone),
            )
        )
        s.add(
            FollowupActivity(
                course=course, kind=ActivityKind.DISCUSSION, title="Where does your plan stand?"
            )
        )

    # Awa, on her phone, hands in her action plan as a PDF.
    phone = new_page(viewport=PHONE)
    log_in(phone, "awa.followup@example.org")
    phone.goto(f"/courses/{SLUG}/followup/mine")
    check_a11y(phone)
    fits(phone)
    plan_file = tmp_path / "plan-dakar.pdf"
    plan_file.write_bytes(PLAN)
    phone.get_by_label("Your text").fill("My plan for the Dakar municipal council.")
    phone.get_by_label("Files", exact=True).set_input_files(str(plan_file))
    phone.get_by_role("button", name="Hand in my work").click()
    check_a11y(phone)
    fits(phone)
    expect(phone.locator("main")).to_contain_text("Version 1 handed in on")

    # The facilitator returns it with a comment.
    desk = new_page()
    log_in(desk, "fatou.followup@example.org")
    desk.goto(f"/courses/{SLUG}/followup/handins")
    check_a11y(desk)
    desk.get_by_role("link", name="Local action plan").first.click()
    check_a11y(desk)
    card = desk.locator("li.followup-item", has_text="Awa Diop")
    document = card.get_by_role("link", name="plan-dakar.pdf").first
    answer = desk.request.get(document.get_attribute("href"))
    assert answer.ok and answer.body() == PLAN
    card.locator("summary", has_text="Give feedback on version 1").click()
    card.get_by_label("Return for revision").check()
    card.get_by_label("Comment").fill("Please add a budget and who does what.")
    card.get_by_role("button", name="Send the feedback").click()
    check_a11y(desk)

    with database.session() as s:
        [mail] = [m for m in outbox(s, "awa.followup@example.org") if "revision" in body(m)]
        assert "Please add a budget and who does what." in body(mail)

    # Awa reads the feedback and hands in a second version.
    phone.reload()
    check_a11y(phone)
    expect(phone.locator("main")).to_contain_text("Please add a budget and who does what.")
    revised_file = tmp_path / "plan-dakar-v2.pdf"
    revised_file.write_bytes(REVISED)
    phone.get_by_label("Your text").fill("My plan, with a budget and the team.")
    phone.get_by_label("Files", exact=True).set_input_files(str(revised_file))
    phone.get_by_role("button", name="Hand in a new version").click()
    check_a11y(phone)
    fits(phone)
    expect(phone.locator("main")).to_contain_text("Version 2 handed in on")

    # The facilitator completes it.
    desk.reload()
    check_a11y(desk)
    card = desk.locator("li.followup-item", has_text="Awa Diop")
    card.locator("summary", has_text="Give feedback on version 2").click()
    card.get_by_label("Complete", exact=True).check()
    card.get_by_label("Comment").fill("Well done.")
    card.get_by_role("button", name="Send the feedback").click()
    check_a11y(desk)

    # Both post in the discussion.
    phone.goto(f"/courses/{SLUG}/followup/mine")
    phone.get_by_role("link", name="Open the discussion").click()
    check_a11y(phone)
    phone.get_by_label("Your message").first.fill("The council adopts the plan on Monday.")
    phone.get_by_role("button", name="Publish", exact=True).click()
    expect(phone.get_by_role("status")).to_contain_text("Your message was published.")
    check_a11y(phone)
    fits(phone)
    desk.goto(f"/courses/{SLUG}/discussions")
    check_a11y(desk)
    desk.get_by_role("link", name="Where does your plan stand?", exact=True).click()
    check_a11y(desk)
    desk.locator("summary", has_text="Reply").first.click()
    desk.get_by_label("Your message").last.fill("Congratulations! Keep us posted.")
    desk.get_by_role("button", name="Publish my reply").click()
    expect(desk.get_by_role("status")).to_contain_text("Your message was published.")
    check_a11y(desk)

    # The organiser sets up the evaluation: anonymous, required for the certificate; opens it.
    office = new_page()
    log_in(office, ORGANISER_EMAIL, ORGANISER_PASSWORD)
    office.goto(f"/courses/{SLUG}/evaluation")
    check_a11y(office)
    office.get_by_role("button", name="Set up the evaluation").click()
    check_a11y(office)
    office.get_by_label("Anonymous answers").check()
    office.get_by_label("Required for the certificate").check()
    # The week ended three weeks ago: the default closing day (two weeks on) has passed.
    office.get_by_label("Closes on").fill((today + timedelta(days=14)).isoformat())
    office.get_by_role("button", name="Save the settings").click()
    check_a11y(office)
    office.get_by_role("button", name="Open now").click()
    check_a11y(office)
    expect(office.get_by_role("button", name="Close now")).to_be_visible()

    # Before answering, Awa's checklist says what is left: the evaluation.
    phone.goto("/my/courses")
    check_a11y(phone)
    fits(phone)
    expect(phone.locator("main")).to_contain_text("Answer the course's evaluation")
    expect(phone.get_by_role("link", name="Download my certificate (PDF)")).to_have_count(0)

    # Awa answers it, anonymously.
    phone.goto(f"/courses/{SLUG}/evaluation/answer")
    check_a11y(phone)
    fits(phone)
    for group in phone.locator("fieldset").all():
        radios = group.locator("input[type=radio]")
        if radios.count():
            radios.nth(radios.count() - 2).check()  # 4 of 5
    phone.get_by_role("button", name="Send my answers").click()
    check_a11y(phone)
    fits(phone)

    # The organiser reads the results and the progress matrix.
    office.goto(f"/courses/{SLUG}/results")
    check_a11y(office)
    main = office.locator("main")
    expect(main).to_contain_text("Response rate")
    expect(main.locator("svg[role=img]").first).to_be_visible()
    expect(main.locator("table").first).to_be_attached()
    shoot(office, "results")
    office.goto(f"/courses/{SLUG}/progress")
    check_a11y(office)
    expect(office.locator("main")).to_contain_text("Qualify now: 1 of 2.")
    row = office.locator("tr", has=office.get_by_role("rowheader", name="Awa Diop"))
    expect(row).to_contain_text("Qualifies")
    office.get_by_label("Show").select_option(label="Who is missing anything")
    office.get_by_role("button", name="Filter").click()
    check_a11y(office)
    expect(office.locator("tbody tr")).to_have_count(1)
    expect(office.locator("tbody")).to_contain_text("Awa Diouf")
    shoot(office, "progress")

    # Awa now qualifies and downloads her certificate.
    phone.goto("/my/courses")
    check_a11y(phone)
    certificate = phone.get_by_role("link", name="Download my certificate (PDF)")
    answer = phone.request.get(certificate.first.get_attribute("href"))
    assert answer.ok and answer.body().startswith(b"%PDF")
