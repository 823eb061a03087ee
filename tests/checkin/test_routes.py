"""The check-in page as the team uses it, on a course that runs today at the venue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.checkin import services
from app.core.timeutil import local_date
from app.extensions import db
from app.registration.attendance import set_attendance
from app.registration.models import Attendance
from app.registration.models import RegistrationStatus as S
from tests.checkin.conftest import person
from tests.conftest import login
from tests.factories import make_course, make_user, make_venue


def today_in(tz: str):
    return local_date(datetime.now(UTC), tz)


@pytest.fixture
def course(organiser, facilitator):
    """A course in Turin whose second day is today there."""
    return make_course(
        slug="governing-now",
        start=today_in("Europe/Rome") - timedelta(days=1),
        venue=make_venue("Europe/Rome"),
        organisers=(organiser,),
        facilitators=(facilitator,),
    )


@pytest.fixture
def neighbour():
    course = make_course(
        slug="mainstreaming-now",
        title="Mainstreaming migration",
        start=today_in("Europe/Rome") - timedelta(days=1),
    )
    person(course, "Ana Sousa", email="ana.other@example.org")
    return course


def as_user(client, user):
    db.session.commit()
    return login(client, user)


def present_rows(registration):
    return db.session.scalars(
        sa.select(Attendance).where(Attendance.registration_id == registration.id)
    ).all()


def test_the_team_opens_the_check_in_page(client, course, facilitator):
    page = as_user(client, facilitator).get("/courses/governing-now/check-in")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Check-in</h1>" in html
    assert "Checking in marks the participant present today" in html
    assert 'name="code"' in html
    assert "vendor/jsqr/jsQR.js" in html
    # The page's own scanner may use the camera; the site's other pages may not.
    assert "camera=(self)" in page.headers["Permissions-Policy"]
    other = client.get("/courses/governing-now/attendance")
    assert "camera=()" in other.headers["Permissions-Policy"]


def test_a_typed_code_checks_in_then_says_already(client, course, facilitator, ana, kip):
    code = services.format_code(services.code_for(ana))
    as_user(client, facilitator)
    answer = client.post("/courses/governing-now/check-in", data={"code": code.lower()})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/courses/governing-now/check-in")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Checked in: Ana Souza" in page
    [row] = present_rows(ana)
    assert row.is_present and row.recorded_by_id == facilitator.id
    assert row.day == today_in("Europe/Rome")
    assert present_rows(kip) == []

    again = client.post(
        "/courses/governing-now/check-in", data={"code": code}, follow_redirects=True
    )
    local = row.recorded_at.astimezone(ZoneInfo("Europe/Rome"))
    assert f"Already checked in at {local:%H:%M}: Ana Souza" in again.get_data(as_text=True)
    assert len(present_rows(ana)) == 1

    grid = client.get("/courses/governing-now/attendance").get_data(as_text=True)
    mark = f"{row.day.isoformat()}:{ana.id}"
    assert f'value="{mark}" id="mark-{mark.replace(":", "-")}" checked' in grid


def test_another_course_s_code_is_not_a_participant(client, course, neighbour, facilitator, ana):
    other = neighbour_registration(neighbour)
    code = services.code_for(other)
    as_user(client, facilitator)
    page = client.post(
        "/courses/governing-now/check-in", data={"code": code}, follow_redirects=True
    )
    assert "Not a participant of this course." in page.get_data(as_text=True)
    assert present_rows(other) == []


def neighbour_registration(neighbour):
    from app.registration.models import Registration

    return db.session.scalars(
        sa.select(Registration).where(Registration.course_id == neighbour.id)
    ).one()


@pytest.mark.parametrize("typed", ["", "   ", "X" * 41])
def test_an_empty_or_overlong_code_is_refused(client, course, facilitator, ana, typed):
    as_user(client, facilitator)
    page = client.post(
        "/courses/governing-now/check-in", data={"code": typed}, follow_redirects=True
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Type or scan a check-in code." in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


def test_search_then_check_in_by_name_without_javascript(client, course, facilitator, ana, anabela):
    as_user(client, facilitator)
    page = client.get("/courses/governing-now/check-in?q=nunez").get_data(as_text=True)
    assert "Anabela Núñez" in page
    assert "Ana Souza" not in page
    action = f"/courses/governing-now/check-in/{anabela.id}"
    assert f'action="{action}"' in page
    answer = client.post(action, data={"q": "nunez"})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/courses/governing-now/check-in?q=nunez")
    back = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Checked in: Anabela Núñez" in back
    # Listed now as checked in, without a button.
    assert "Checked in at" in back
    assert f'action="{action}"' not in back
    assert [r.is_present for r in present_rows(anabela)] == [True]
    assert present_rows(ana) == []


def test_a_search_that_finds_nobody_says_so(client, course, neighbour, facilitator, ana):
    as_user(client, facilitator)
    page = client.get("/courses/governing-now/check-in?q=sousa").get_data(as_text=True)
    assert "No confirmed participant of this course matches “sousa”." in page
    page = client.get("/courses/governing-now/check-in?q=" + "a" * 101)
    assert page.status_code == 200
    assert "Field cannot be longer than 100 characters." in page.get_data(as_text=True)


def test_the_name_button_refuses_another_course_s_participant(
    client, course, neighbour, facilitator
):
    other = neighbour_registration(neighbour)
    as_user(client, facilitator)
    assert client.post(f"/courses/governing-now/check-in/{other.id}").status_code == 404
    assert present_rows(other) == []
    assert client.post("/courses/governing-now/check-in/999999").status_code == 404


def test_the_name_button_of_someone_cancelled_since(client, course, facilitator, ana):
    ana.status = S.CANCELLED
    as_user(client, facilitator)
    page = client.post(f"/courses/governing-now/check-in/{ana.id}", follow_redirects=True)
    assert "Not a participant of this course." in page.get_data(as_text=True)
    assert present_rows(ana) == []


def test_an_absent_mark_today_becomes_present(client, course, organiser, facilitator, ana, kip):
    today = today_in("Europe/Rome")
    set_attendance(course, today, {kip.id}, actor=organiser)
    set_attendance(course, today - timedelta(days=1), {kip.id}, actor=organiser)
    as_user(client, facilitator)
    page = client.post(f"/courses/governing-now/check-in/{ana.id}", follow_redirects=True)
    assert "Checked in: Ana Souza" in page.get_data(as_text=True)
    marks = {a.day: a.is_present for a in present_rows(ana)}
    assert marks == {today: True, today - timedelta(days=1): False}


def test_on_a_day_without_the_course(client, organiser, ana):
    later = make_course(
        slug="governing-later",
        start=today_in("Europe/Rome") + timedelta(days=14),
        venue=make_venue("Europe/Rome"),
        organisers=(organiser,),
    )
    registration = person(later, "Bruno Costa")
    as_user(client, organiser)
    page = client.get("/courses/governing-later/check-in").get_data(as_text=True)
    assert "is not one of the course's on-site days: nobody can be checked in." in page
    answer = client.post(
        "/courses/governing-later/check-in",
        data={"code": services.code_for(registration)},
        follow_redirects=True,
    )
    assert "is not one of the course's on-site days" in answer.get_data(as_text=True)
    assert present_rows(registration) == []
    # The search still lists people, without a button.
    page = client.get("/courses/governing-later/check-in?q=bruno").get_data(as_text=True)
    assert "Bruno Costa" in page
    assert f"/check-in/{registration.id}" not in page


@pytest.mark.parametrize(
    ("who", "status"),
    [("participant", 403), ("reviewer", 403), ("other_organiser", 403), ("admin", 200)],
)
def test_who_may_open_it(client, course, ana, who, status):
    from app.courses.models import CourseTeamMember, TeamRole

    if who == "participant":
        user = ana.user
    elif who == "admin":
        user = make_user(Role.ADMIN, name="Ada Admin")
    elif who == "reviewer":
        user = make_user(name="Rita Reviewer")
        course.team.append(CourseTeamMember(user=user, role=TeamRole.REVIEWER))
    else:
        user = make_user(Role.ORGANISER, name="Otto Other")
    as_user(client, user)
    assert client.get("/courses/governing-now/check-in").status_code == status
    code = services.code_for(ana)
    db.session.commit()
    assert client.post("/courses/governing-now/check-in", data={"code": code}).status_code in (
        302 if status == 200 else 403,
    )
    expected = 1 if status == 200 else 0
    assert len(present_rows(ana)) == expected


def test_anonymous_visitors_are_sent_to_log_in(client, course):
    db.session.commit()
    answer = client.get("/courses/governing-now/check-in")
    assert answer.status_code == 302
    assert "/login" in answer.headers["Location"]


def test_the_attendance_page_leads_to_check_in_and_badges(client, course, facilitator, ana):
    as_user(client, facilitator)
    html = client.get("/courses/governing-now/attendance").get_data(as_text=True)
    assert 'href="/courses/governing-now/check-in"' in html
    assert 'action="/courses/governing-now/badges.pdf"' in html
    assert ">Check-in</a>" in html  # the tab


def test_my_courses_shows_the_qr_code_of_a_confirmed_place(client, course, ana):
    waiting = person(course, "Wanjiru Kamau", status=S.WAITLISTED)
    as_user(client, ana.user)
    html = client.get("/my/courses").get_data(as_text=True)
    code = services.format_code(services.code_for(ana))
    assert f'<span class="code">{code}</span>' in html
    assert f'alt="QR code of your check-in code {code}"' in html
    assert "data:image/svg+xml" in html
    # Drawn once: the page shows the same code next time.
    assert code in client.get("/my/courses").get_data(as_text=True)
    as_user(client, waiting.user)
    html = client.get("/my/courses").get_data(as_text=True)
    assert "Your check-in code" not in html
    assert services.codes_for([waiting]) == {}


def test_my_courses_shows_no_code_for_an_online_course(client, ana):
    online = make_course(slug="webinar-now", start=today_in("UTC"))
    online.venue = None
    online.is_online = True
    online.online_url = "https://meet.example.org/governing"
    registration = person(online, "Lena Online")
    as_user(client, registration.user)
    html = client.get("/my/courses").get_data(as_text=True)
    assert "Your check-in code" not in html
