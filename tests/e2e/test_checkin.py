"""Journey of a facilitator at the desk on the second morning of a course in Turin, on a
375 px phone: one participant checked in by the code shown in her "My courses", another found
by name; the first one's code typed again says she is already in; the grid shows both."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from app.core.timeutil import local_date
from app.courses.models import CourseTeamMember, TeamRole
from app.db import now_utc
from app.registration.models import RegistrationStatus as S
from tests.e2e.a11y import check_a11y
from tests.e2e.helpers import add_course, add_registration, add_user, log_in

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "has_touch": True}


def test_facilitator_checks_in_by_code_and_by_name_on_a_phone(database, new_page):
    # Today, at the venue, is the course's second day (and tomorrow its third: a journey that
    # runs across midnight in Turin still meets a course day).
    today = local_date(now_utc(), "Europe/Rome")
    with database.session() as s:
        facilitator = add_user(s, "Femi Facilitator", "femi.checkin@example.org")
        course = add_course(
            s, "checkin-turin", "Local governance of migration", start=today - timedelta(days=1)
        )
        course.team.append(CourseTeamMember(user=facilitator, role=TeamRole.FACILITATOR))
        amara = add_user(s, "Amara Okafor", "amara.checkin@example.org")
        amara_id = add_registration(s, course, amara, S.CONFIRMED).id
        amaru = add_user(s, "Amaru Quispe", "amaru.checkin@example.org")
        amaru_id = add_registration(s, course, amaru, S.CONFIRMED).id
        # A namesake on the waiting list, whom the search must not offer.
        waiting = add_user(s, "Amara Okafor-Bello", "amara.waiting@example.org")
        add_registration(s, course, waiting, S.WAITLISTED, waitlist_position=1)
        # Another course the same week with its own Amaru.
        other = add_course(
            s, "checkin-other", "Labour migration statistics", start=today - timedelta(days=1)
        )
        add_registration(
            s, other, add_user(s, "Amaru Mamani", "amaru.other@example.org"), S.CONFIRMED
        )

    # Amara opens "My courses" on her phone: her check-in code and its QR code.
    participant = new_page(**PHONE)
    log_in(participant, "amara.checkin@example.org")
    participant.goto("/my/courses")
    check_a11y(participant)
    card = participant.locator(".checkin-qr")
    expect(
        card.get_by_role("img", name=re.compile("QR code of your check-in code"))
    ).to_be_visible()
    code = card.locator(".code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code), code

    # The facilitator, on her phone, finds the check-in page from her courses.
    page = new_page(**PHONE)
    log_in(page, "femi.checkin@example.org")
    page.goto("/my/courses")
    check_a11y(page)
    page.get_by_role("link", name="Check-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check-in")
    check_a11y(page)
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # By the code, as typed from the phone Amara shows (small letters, a space).
    page.get_by_label("Check-in code").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Check in", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Checked in: Amara Okafor")
    check_a11y(page)

    # By name: the search works as a plain form.
    page.get_by_label("Name, organisation or email").fill("amaru")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/courses/checkin-turin/check-in\?q=amaru"))
    check_a11y(page)
    matches = page.locator(".checkin-matches li")
    expect(matches).to_have_count(1)
    expect(matches).to_contain_text("Amaru Quispe")
    page.get_by_role("button", name=re.compile(r"^Check in\W+Amaru Quispe$")).click()
    expect(page.get_by_role("status")).to_have_text("Checked in: Amaru Quispe")
    expect(page.locator(".checkin-matches li")).to_contain_text("Checked in at")
    check_a11y(page)

    # Amara's code a second time: already in, at the time of the first check-in (venue time).
    page.get_by_label("Check-in code").fill(code)
    page.get_by_role("button", name="Check in", exact=True).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Already checked in at")
    expect(alert).to_contain_text("Amara Okafor")
    # The time of the first check-in, at the venue: a minute or two ago in Turin.
    hour, minute = re.search(r"at (\d\d):(\d\d)", alert.inner_text()).groups()
    in_turin = now_utc().astimezone(ZoneInfo("Europe/Rome"))
    minutes = (in_turin.hour * 60 + in_turin.minute) - (int(hour) * 60 + int(minute))
    assert 0 <= minutes % (24 * 60) <= 3, (hour, minute, in_turin)
    check_a11y(page)

    # A participant of the other course is nobody here.
    page.get_by_label("Name, organisation or email").fill("Mamani")
    page.get_by_role("button", name="Search").click()
    expect(
        page.get_by_text("No confirmed participant of this course matches “Mamani”.")
    ).to_be_visible()
    check_a11y(page)

    # The attendance grid shows both present today, nobody else.
    page.get_by_role("link", name="See the attendance grid").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Attendance")
    check_a11y(page)
    for registration_id in (amara_id, amaru_id):
        expect(page.locator(f'input[value="{today}:{registration_id}"]')).to_be_checked()
        # The other days are as they were: nobody recorded.
        for other_day in (today - timedelta(days=1), today + timedelta(days=1)):
            expect(
                page.locator(f'input[value="{other_day}:{registration_id}"]')
            ).not_to_be_checked()
    expect(page.locator("tfoot")).to_contain_text("2")
