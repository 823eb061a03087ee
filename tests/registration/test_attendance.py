"""Attendance on the on-site days: the services, the grid page and the sign-in sheets."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.extensions import db
from app.registration.attendance import (
    NotACourseDay,
    NotAParticipant,
    attendance_grid,
    days_attended,
    set_attendance,
    set_attendance_grid,
)
from app.registration.models import Attendance
from app.registration.models import RegistrationStatus as S
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user

MONDAY, TUESDAY, WEDNESDAY = date(2017, 11, 20), date(2017, 11, 21), date(2017, 11, 22)


@pytest.fixture
def facilitator():
    return make_user(name="Fatou Facilitator")


@pytest.fixture
def course(facilitator):
    return make_course(slug="governing-2017", facilitators=(facilitator,))


def person(course, name, status=S.CONFIRMED, **overrides):
    user = make_user(name=name, email=f"{'.'.join(name.lower().split())}@example.org")
    return make_registration(course, user, status=status, **overrides)


@pytest.fixture
def ana(course):
    return person(course, "Ana Souza", country="BR")


@pytest.fixture
def kip(course):
    return person(course, "Kiprono Mutai", country="KE", organisation="University of Nairobi")


def rows(registration):
    return {
        a.day: a
        for a in db.session.scalars(
            sa.select(Attendance).where(Attendance.registration_id == registration.id)
        )
    }


# ---------------------------------------------------------------------------
# Services


def test_set_attendance_records_present_and_absent_with_who_and_when(course, facilitator, ana, kip):
    assert set_attendance(course, MONDAY, {ana.id}, actor=facilitator) == 2
    db.session.commit()
    db.session.expire_all()
    monday_ana, monday_kip = rows(ana)[MONDAY], rows(kip)[MONDAY]
    assert (monday_ana.is_present, monday_kip.is_present) == (True, False)
    assert monday_ana.recorded_by_id == facilitator.id
    assert monday_ana.recorded_at is not None
    assert days_attended(ana) == 1
    assert days_attended(kip) == 0


def test_saving_again_changes_only_what_changed(course, facilitator, ana, kip):
    set_attendance(course, MONDAY, {ana.id}, actor=facilitator)
    organiser = make_user(Role.ORGANISER)
    assert set_attendance(course, MONDAY, {ana.id, kip.id}, actor=organiser) == 1
    db.session.commit()
    db.session.expire_all()
    assert rows(kip)[MONDAY].is_present is True
    assert rows(kip)[MONDAY].recorded_by_id == organiser.id
    assert rows(ana)[MONDAY].recorded_by_id == facilitator.id  # unchanged, not rewritten
    assert len(rows(ana)) == 1  # one row per registration and day


def test_a_day_outside_the_course_is_refused(course, facilitator, ana):
    with pytest.raises(NotACourseDay):
        set_attendance(course, date(2017, 11, 25), {ana.id}, actor=facilitator)
    assert rows(ana) == {}


def test_a_registration_of_another_course_is_refused(course, facilitator, ana):
    other = make_course(slug="other-course")
    stranger = person(other, "Elsewhere Person")
    with pytest.raises(NotAParticipant):
        set_attendance(course, MONDAY, {ana.id, stranger.id}, actor=facilitator)
    assert rows(ana) == {} and rows(stranger) == {}


def test_a_registration_that_is_not_confirmed_is_refused(course, facilitator, ana):
    waiting = person(course, "Waiting Person", S.WAITLISTED)
    with pytest.raises(NotAParticipant):
        set_attendance(course, MONDAY, {waiting.id}, actor=facilitator)
    assert rows(waiting) == {}


def test_the_grid_shows_recorded_and_unrecorded_days(course, facilitator, ana, kip):
    person(course, "Waiting Person", S.WAITLISTED)
    set_attendance(course, MONDAY, {ana.id, kip.id}, actor=facilitator)
    set_attendance(course, TUESDAY, {kip.id}, actor=facilitator)
    db.session.commit()
    grid = attendance_grid(course)
    assert grid.days == course.day_dates
    assert [row.registration.certificate_name for row in grid.rows] == [
        "Ana Souza",
        "Kiprono Mutai",
    ]
    ana_row, kip_row = grid.rows
    assert ana_row.marks[MONDAY] is True
    assert ana_row.marks[TUESDAY] is False
    assert ana_row.marks[WEDNESDAY] is None
    assert (ana_row.days_present, kip_row.days_present) == (1, 2)
    assert grid.present_on(MONDAY) == 2 and grid.present_on(TUESDAY) == 1
    assert grid.is_recorded(TUESDAY) and not grid.is_recorded(WEDNESDAY)


def test_days_attended_ignores_days_no_longer_in_the_course(course, facilitator, ana):
    set_attendance(course, MONDAY, {ana.id}, actor=facilitator)
    set_attendance(course, TUESDAY, {ana.id}, actor=facilitator)
    course.start_date = TUESDAY  # the course moved a day later
    db.session.flush()
    db.session.expire(ana)
    assert days_attended(ana) == 1


def test_the_grid_leaves_days_nobody_ticked_unrecorded(course, facilitator, ana, kip):
    saved = set_attendance_grid(course, {MONDAY: {ana.id}}, actor=facilitator)
    assert saved == [MONDAY]
    assert set(rows(ana)) == {MONDAY} and set(rows(kip)) == {MONDAY}
    # Unticking everyone on a recorded day records them absent.
    assert set_attendance_grid(course, {}, actor=facilitator) == [MONDAY]
    assert rows(ana)[MONDAY].is_present is False


# ---------------------------------------------------------------------------
# Pages


def test_the_team_ticks_attendance_and_sees_it_again(client, facilitator, ana, kip):
    db.session.commit()
    login(client, facilitator)
    response = client.post(
        "/courses/governing-2017/attendance",
        data={"marks": [f"2017-11-20:{ana.id}", f"2017-11-20:{kip.id}", f"2017-11-21:{kip.id}"]},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert days_attended(ana) == 1 and days_attended(kip) == 2
    assert rows(ana)[TUESDAY].is_present is False
    html = client.get("/courses/governing-2017/attendance").get_data(as_text=True)
    assert "Attendance saved." in html
    assert f'value="2017-11-21:{kip.id}" id="mark-2017-11-21-{kip.id}" checked' in html
    assert f'value="2017-11-21:{ana.id}" id="mark-2017-11-21-{ana.id}" >' in html
    assert "Ana Souza present on Tuesday, November 21, 2017" in html  # the checkbox's label


def test_the_page_refuses_a_mark_it_did_not_offer(client, course, facilitator, ana):
    other = make_course(slug="other-course")
    stranger = person(other, "Elsewhere Person")
    db.session.commit()
    login(client, facilitator)
    for mark in (f"2017-11-25:{ana.id}", f"2017-11-20:{stranger.id}", "garbage"):
        response = client.post("/courses/governing-2017/attendance", data={"marks": [mark]})
        assert response.status_code == 200  # the form again, with its error
        assert "not a valid choice" in response.get_data(as_text=True)
    assert rows(ana) == {} and rows(stranger) == {}


def test_attendance_is_refused_outside_the_team(client, course, ana):
    participant = ana.user
    db.session.commit()
    login(client, participant)
    assert client.get("/courses/governing-2017/attendance").status_code == 403
    response = client.post(
        "/courses/governing-2017/attendance", data={"marks": [f"2017-11-20:{ana.id}"]}
    )
    assert response.status_code == 403
    assert rows(ana) == {}


def test_the_sign_in_sheet_lists_the_confirmed_participants(client, course, facilitator, ana, kip):
    person(course, "Waiting Person", S.WAITLISTED)
    db.session.commit()
    login(client, facilitator)
    response = client.get("/courses/governing-2017/attendance/2017-11-21/sheet")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Ana Souza" in html and "Kiprono Mutai" in html
    assert "University of Nairobi" in html and "Kenya" in html
    assert "Waiting Person" not in html
    assert "Tuesday, November 21, 2017" in html
    assert "Signature" in html
    # The print styles are a static file (the Content-Security-Policy allows no inline styles).
    assert "/static/css/desk.css" in html
    styles = client.get("/static/css/desk.css")
    assert "size: A4" in styles.text
    styles.close()


def test_the_sign_in_sheet_speaks_the_viewers_language(client, course, facilitator, ana):
    facilitator.locale = "fr"
    db.session.commit()
    login(client, facilitator)
    html = client.get("/courses/governing-2017/attendance/2017-11-21/sheet").get_data(as_text=True)
    assert "mardi 21 novembre 2017" in html
    assert "Brésil" in html


def test_a_sign_in_sheet_for_a_day_outside_the_course_is_404(client, facilitator, course):
    db.session.commit()
    login(client, facilitator)
    assert client.get("/courses/governing-2017/attendance/2017-11-25/sheet").status_code == 404
    assert client.get("/courses/governing-2017/attendance/2017-13-45/sheet").status_code == 404
