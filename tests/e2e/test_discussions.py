"""Journey of a discussion in the follow-up phase: a French participant on a phone starts a
topic from "my work"; the facilitator replies from the desktop, sees who has taken part and
hides a post; the participant reads the reply and the hidden post's note. Every page passes
axe and fits 375 px."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.core.timeutil import local_date
from app.courses.models import CourseTeamMember, TeamRole
from app.db import now_utc
from app.followup.models import ActivityKind, FollowupActivity
from app.registration.models import RegistrationStatus as S
from tests.e2e.a11y import check_a11y
from tests.e2e.helpers import add_course, add_registration, add_user, log_in

pytestmark = pytest.mark.e2e

SLUG = "e2e-discussions"
PHONE = {"width": 375, "height": 740}


def fits(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{page.url} is {overflow}px wider than the phone"


def test_a_participant_and_the_facilitator_talk_in_the_discussion(new_page, database):
    today = local_date(now_utc(), "Europe/Rome")
    with database.session() as s:
        course = add_course(
            s, SLUG, "Local integration strategies", start=today - timedelta(days=20)
        )
        course.followup_opens_on = today - timedelta(days=2)
        course.followup_closes_on = today + timedelta(days=20)
        facilitator = add_user(s, "Fatima Facilitatrice", "fatima.e2e@example.org")
        course.team.append(CourseTeamMember(user=facilitator, role=TeamRole.FACILITATOR))
        amara = add_user(s, "Amara Diallo", "amara.e2e@example.org", locale="fr")
        add_registration(s, course, amara, S.CONFIRMED)
        talk = FollowupActivity(
            course=course, kind=ActivityKind.DISCUSSION, title="Where does your plan stand?"
        )
        s.add(talk)

    # Amara, on her phone.
    phone = new_page(viewport=PHONE)  # her account reads French once she is logged in
    log_in(phone, "amara.e2e@example.org")
    phone.goto(f"/courses/{SLUG}/followup/mine")
    check_a11y(phone)
    phone.get_by_role("link", name="Ouvrir la discussion").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Where does your plan stand?")
    check_a11y(phone)
    fits(phone)
    phone.get_by_label("Votre message").fill(
        "Le conseil a adopté le plan <b>hier</b> : https://example.org/plan-dakar-2030."
    )
    phone.get_by_role("button", name="Publier").click()
    expect(phone.get_by_role("status")).to_contain_text("Votre message a été publié.")
    check_a11y(phone)
    fits(phone)
    post = phone.locator(".discussion-post").first
    expect(post).to_contain_text("Le conseil a adopté le plan <b>hier</b>")
    expect(post.get_by_role("link", name="https://example.org/plan-dakar-2030")).to_have_attribute(
        "href", "https://example.org/plan-dakar-2030"
    )

    # The facilitator replies, sees who has taken part, and hides a stray post.
    desk = new_page()
    log_in(desk, "fatima.e2e@example.org")
    desk.goto(f"/courses/{SLUG}/discussions")
    check_a11y(desk)
    desk.get_by_role("link", name="Where does your plan stand?", exact=True).click()
    check_a11y(desk)
    desk.locator("summary", has_text="Reply").first.click()
    check_a11y(desk)
    desk.get_by_label("Your message").last.fill("Congratulations! Who funds it?")
    desk.get_by_role("button", name="Publish my reply").click()
    expect(desk.get_by_role("status")).to_contain_text("Your message was published.")
    check_a11y(desk)
    desk.get_by_role("link", name="Who has taken part", exact=True).click()
    check_a11y(desk)
    expect(desk.locator("table")).to_contain_text("Amara Diallo")
    desk.go_back()
    check_a11y(desk)
    desk.get_by_label("Your message").first.fill("Buy cheap watches")
    desk.get_by_role("button", name="Publish", exact=True).click()
    check_a11y(desk)
    stray = desk.locator(".discussion-post", has_text="Buy cheap watches")
    stray.get_by_role("button", name="Hide").click()
    expect(desk.get_by_role("status")).to_contain_text("The message is hidden")
    check_a11y(desk)

    # Amara reads the reply; the hidden post is a note.
    phone.reload()
    check_a11y(phone)
    fits(phone)
    expect(phone.locator(".discussion-replies")).to_contain_text("Congratulations! Who funds it?")
    expect(phone.get_by_text("Ce message a été masqué par les organisateurs.")).to_be_visible()
    expect(phone.locator("body")).not_to_contain_text("watches")
