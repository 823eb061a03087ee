"""The follow-up management pages, through HTTP."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.accounts.models import Role
from app.courses.models import Course
from app.extensions import db
from app.followup.models import ActivityKind, FollowupActivity
from app.followup.services import ActivityData, apply_followup_defaults, create_activity
from tests.conftest import login
from tests.factories import make_course, make_user, make_venue

SLUG = "governing-2017"


@pytest.fixture
def organiser():
    return make_user(Role.ORGANISER)


@pytest.fixture
def course(organiser):
    course = make_course(
        slug=SLUG,
        start=date(2017, 11, 20),
        venue=make_venue("Europe/Rome"),
        organisers=(organiser,),
    )
    db.session.commit()
    return course


@pytest.fixture
def manager(client: FlaskClient, organiser, course) -> FlaskClient:
    return login(client, organiser)


def stored() -> list[FollowupActivity]:
    """The activities of the course under test (the busy neighbour has its own)."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(FollowupActivity)
            .join(Course)
            .where(Course.slug == SLUG)
            .order_by(FollowupActivity.id)
        )
    )


def add_webinar(course, organiser, title="Action plans: first review", day=date(2017, 12, 12)):
    apply_followup_defaults(course)
    activity = create_activity(
        course,
        ActivityData(
            kind=ActivityKind.WEBINAR, title=title, day=day, start_time=time(15), end_time=time(16)
        ),
        actor=organiser,
    )
    db.session.commit()
    return activity


# --- the phase's dates -------------------------------------------------------------------------


def test_manage_page_prefills_the_default_dates(manager, course):
    response = manager.get(f"/courses/{SLUG}/followup")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="2017-12-08"' in html
    assert 'value="2018-01-04"' in html
    assert "Not scheduled" in html
    assert "opens two weeks after the last on-site day and lasts four weeks" in html
    assert 'aria-current="page"' in html  # the management tabs, on this tab
    assert html.count("<h1") == 1


def test_saving_the_phase_dates(manager, course):
    response = manager.post(
        f"/courses/{SLUG}/followup", data={"opens_on": "2017-12-04", "closes_on": "2018-01-12"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/courses/{SLUG}/followup")
    db.session.expire_all()
    assert (course.followup_opens_on, course.followup_closes_on) == (
        date(2017, 12, 4),
        date(2018, 1, 12),
    )


def test_phase_dates_before_the_end_of_the_week_are_refused(manager, course):
    response = manager.post(
        f"/courses/{SLUG}/followup", data={"opens_on": "2017-11-23", "closes_on": "2017-11-22"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "must open after the last on-site day (November 24, 2017)" in html
    assert "must close after it opens" in html
    db.session.expire_all()
    assert course.followup_opens_on is None


def test_reset_to_the_default_dates(manager, course):
    course.followup_opens_on, course.followup_closes_on = date(2017, 12, 1), date(2017, 12, 29)
    db.session.commit()
    assert "Reset to the default dates" in manager.get(f"/courses/{SLUG}/followup").text
    response = manager.post(f"/courses/{SLUG}/followup/reset")
    assert response.status_code == 302
    db.session.expire_all()
    assert (course.followup_opens_on, course.followup_closes_on) == (
        date(2017, 12, 8),
        date(2018, 1, 4),
    )


# --- activities ------------------------------------------------------------------------------


def test_new_webinar_form_shows_the_webinar_fields(manager, course):
    html = manager.get(f"/courses/{SLUG}/followup/activities/new?kind=webinar").text
    assert 'name="day"' in html and 'name="start_time"' in html and 'name="end_time"' in html
    assert 'name="due_date"' not in html
    assert "Europe/Rome" in html


def test_new_assignment_form_shows_the_due_fields(manager, course):
    html = manager.get(f"/courses/{SLUG}/followup/activities/new?kind=assignment").text
    assert 'name="due_date"' in html and 'name="due_time"' in html
    assert 'name="start_time"' not in html


def test_unknown_kind_is_not_found(manager, course):
    assert manager.get(f"/courses/{SLUG}/followup/activities/new?kind=party").status_code == 404


def test_add_a_webinar_in_venue_time(manager, course):
    response = manager.post(
        f"/courses/{SLUG}/followup/activities/new?kind=webinar",
        data={
            "kind": "webinar",
            "title": "Action plans: first review",
            "day": "2017-12-12",
            "start_time": "15:00",
            "end_time": "16:30",
            "link": "https://meet.example.org/turin",
        },
    )
    assert response.status_code == 302
    [activity] = stored()
    assert activity.starts_at == datetime(2017, 12, 12, 14, 0, tzinfo=UTC)
    assert activity.ends_at == datetime(2017, 12, 12, 15, 30, tzinfo=UTC)
    assert activity.link == "https://meet.example.org/turin"
    page = manager.get(f"/courses/{SLUG}/followup").text
    assert "Action plans: first review" in page
    # The time at the venue, with the zone's name or offset at that moment (CET, CEST).
    assert "December 12, 2017, 3:00\u202fPM\u20134:30\u202fPM CET" in page


def test_add_an_assignment_with_a_due_date_only(manager, course):
    response = manager.post(
        f"/courses/{SLUG}/followup/activities/new?kind=assignment",
        data={"kind": "assignment", "title": "Action plan", "due_date": "2017-12-20"},
    )
    assert response.status_code == 302
    [activity] = stored()
    assert activity.due_at == datetime(2017, 12, 20, 22, 59, tzinfo=UTC)


def test_add_an_undated_discussion(manager, course):
    response = manager.post(
        f"/courses/{SLUG}/followup/activities/new?kind=discussion",
        data={"kind": "discussion", "title": "Sharing local practices"},
    )
    assert response.status_code == 302
    [activity] = stored()
    assert activity.starts_at is None


def test_a_webinar_outside_the_phase_is_refused_beside_the_date(manager, course):
    response = manager.post(
        f"/courses/{SLUG}/followup/activities/new?kind=webinar",
        data={
            "kind": "webinar",
            "title": "Too late",
            "day": "2018-02-01",
            "start_time": "15:00",
            "end_time": "16:00",
        },
    )
    assert response.status_code == 200
    html = response.text
    message = (
        "The webinar must take place during the follow-up phase "
        "(Dec 8, 2017\u2009\u2013\u2009Jan 4, 2018)."
    )
    beside_the_date = re.search(r'id="day-errors">\s*<li>(.*?)</li>', html)
    assert beside_the_date is not None
    assert beside_the_date.group(1) == message
    assert stored() == []


def test_missing_webinar_fields_are_reported_beside_each(manager, course):
    response = manager.post(
        f"/courses/{SLUG}/followup/activities/new?kind=webinar",
        data={"kind": "webinar", "title": ""},
    )
    assert response.status_code == 200
    html = response.text
    for field in ("title", "day", "start_time", "end_time"):
        assert f'id="{field}-errors"' in html
    assert stored() == []


def test_a_time_skipped_by_the_clock_change_is_a_form_error(manager, organiser):
    make_course(slug="spring-2018", start=date(2018, 2, 26), organisers=(organiser,))
    db.session.commit()
    response = manager.post(
        "/courses/spring-2018/followup/activities/new?kind=webinar",
        data={
            "kind": "webinar",
            "title": "Night owls",
            "day": "2018-03-25",
            "start_time": "02:30",
            "end_time": "03:30",
        },
    )
    assert response.status_code == 200
    assert 'id="start_time-errors"' in response.text
    assert "does not exist at the venue" in response.text
    assert stored() == []


def test_a_bad_link_is_refused(manager, course):
    response = manager.post(
        f"/courses/{SLUG}/followup/activities/new?kind=discussion",
        data={"kind": "discussion", "title": "Forum", "link": "javascript:alert(1)"},
    )
    assert response.status_code == 200
    assert 'id="link-errors"' in response.text
    assert stored() == []


def test_edit_form_is_prefilled_in_venue_time(manager, course, organiser):
    activity = add_webinar(course, organiser)
    html = manager.get(f"/courses/{SLUG}/followup/activities/{activity.id}/edit").text
    assert 'value="2017-12-12"' in html
    assert 'value="15:00"' in html


def test_edit_a_webinar_raises_its_sequence(manager, course, organiser):
    activity = add_webinar(course, organiser)
    response = manager.post(
        f"/courses/{SLUG}/followup/activities/{activity.id}/edit",
        data={
            "kind": "webinar",
            "title": "Action plans: first review",
            "day": "2017-12-12",
            "start_time": "16:00",
            "end_time": "17:00",
        },
    )
    assert response.status_code == 302
    [changed] = stored()
    assert changed.starts_at == datetime(2017, 12, 12, 15, 0, tzinfo=UTC)
    assert changed.sequence == 1


def test_changing_the_kind_shows_the_new_kinds_fields(manager, course, organiser):
    activity = add_webinar(course, organiser)
    response = manager.post(
        f"/courses/{SLUG}/followup/activities/{activity.id}/edit",
        data={"kind": "assignment", "title": "Action plan"},
    )
    assert response.status_code == 200
    assert 'id="due_date-errors"' in response.text
    assert stored()[0].kind == ActivityKind.WEBINAR


def test_delete_an_activity(manager, course, organiser):
    activity = add_webinar(course, organiser)
    response = manager.post(f"/courses/{SLUG}/followup/activities/{activity.id}/delete")
    assert response.status_code == 302
    assert stored() == []


def test_move_an_activity(manager, course, organiser):
    apply_followup_defaults(course)
    a = create_activity(
        course, ActivityData(kind=ActivityKind.DISCUSSION, title="A"), actor=organiser
    )
    b = create_activity(
        course, ActivityData(kind=ActivityKind.DISCUSSION, title="B"), actor=organiser
    )
    db.session.commit()
    page = manager.get(f"/courses/{SLUG}/followup").text
    assert page.count('name="direction"') == 2  # A down, B up
    response = manager.post(
        f"/courses/{SLUG}/followup/activities/{b.id}/move", data={"direction": "up"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (
        db.session.get(FollowupActivity, b.id).position,
        db.session.get(FollowupActivity, a.id).position,
    ) == (0, 1)


def test_a_move_that_cannot_happen_is_explained(manager, course, organiser):
    activity = add_webinar(course, organiser)
    response = manager.post(
        f"/courses/{SLUG}/followup/activities/{activity.id}/move",
        data={"direction": "up"},
        follow_redirects=True,
    )
    assert "cannot move that way" in response.text


def test_a_bad_direction_is_a_bad_request(manager, course, organiser):
    activity = add_webinar(course, organiser)
    response = manager.post(
        f"/courses/{SLUG}/followup/activities/{activity.id}/move", data={"direction": "sideways"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", "edit"), ("POST", "edit"), ("POST", "delete"), ("POST", "move")],
)
def test_an_activity_of_another_course_is_not_found(manager, course, organiser, method, suffix):
    other = make_course(slug="other-course", organisers=(organiser,))
    activity = add_webinar(other, organiser)
    response = manager.open(
        f"/courses/{SLUG}/followup/activities/{activity.id}/{suffix}",
        method=method,
        data={"direction": "up"},
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert (activity.title, activity.sequence) == ("Action plans: first review", 0)


def test_administrator_may_manage(client, course):
    login(client, make_user(Role.ADMIN))
    assert client.get(f"/courses/{SLUG}/followup").status_code == 200


# --- who may not -----------------------------------------------------------------------------

# Every management route of the area, with the method that uses it.
ROUTES = [
    ("GET", "followup.manage", "/courses/{slug}/followup"),
    ("POST", "followup.manage", "/courses/{slug}/followup"),
    ("POST", "followup.reset_phase", "/courses/{slug}/followup/reset"),
    ("GET", "followup.new_activity", "/courses/{slug}/followup/activities/new?kind=webinar"),
    ("POST", "followup.new_activity", "/courses/{slug}/followup/activities/new?kind=webinar"),
    ("GET", "followup.edit_activity", "/courses/{slug}/followup/activities/{id}/edit"),
    ("POST", "followup.edit_activity", "/courses/{slug}/followup/activities/{id}/edit"),
    ("POST", "followup.delete_activity", "/courses/{slug}/followup/activities/{id}/delete"),
    ("POST", "followup.move_activity", "/courses/{slug}/followup/activities/{id}/move"),
    (
        "POST",
        "followup.set_completion",
        "/courses/{slug}/followup/activities/{id}/submissions/1",
    ),
    ("GET", "followup.my_work", "/courses/{slug}/followup/mine"),
    ("POST", "followup.submit_work", "/courses/{slug}/followup/mine/{id}/submit"),
]
# The course team's pages on the participants' work: facilitators too.
TEAM_ROUTES = [
    ("GET", "followup.handins_overview", "/courses/{slug}/followup/handins"),
    ("GET", "followup.submissions", "/courses/{slug}/followup/activities/{id}/submissions"),
    ("GET", "followup.submissions_zip", "/courses/{slug}/followup/activities/{id}/submissions.zip"),
    (
        "POST",
        "followup.give_feedback",
        "/courses/{slug}/followup/activities/{id}/submissions/1/feedback",
    ),
]
# Not found for anyone who may not read it (tests/followup/test_handins.py).
FILE_ROUTES = [
    (
        "GET",
        "followup.handin_file",
        "/courses/{slug}/followup/activities/{id}/work/1/files/1",
    ),
]


def test_every_route_of_the_area_is_in_the_guard_list(app: Flask):
    in_map = {
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("followup.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    listed = ROUTES + TEAM_ROUTES + FILE_ROUTES
    assert in_map == {(method, endpoint) for method, endpoint, _ in listed}


@pytest.fixture
def outsider_course(organiser):
    """The course, an activity, and people who may see it but not manage it."""
    facilitator = make_user(Role.ORGANISER)
    course = make_course(
        slug=SLUG, start=date(2017, 11, 20), organisers=(organiser,), facilitators=(facilitator,)
    )
    activity = add_webinar(course, organiser)
    other_organiser = make_user(Role.ORGANISER)
    make_course(slug="other-course", organisers=(other_organiser,))
    people = {
        "participant": make_user(Role.PARTICIPANT),
        "facilitator": facilitator,
        "organiser of another course": other_organiser,
    }
    db.session.commit()
    return course, activity, people


POST_DATA = {
    "opens_on": "2017-12-01",
    "closes_on": "2017-12-29",
    "kind": "discussion",
    "title": "Changed",
    "direction": "down",
}


@pytest.mark.parametrize("who", ["participant", "facilitator", "organiser of another course"])
@pytest.mark.parametrize(("method", "endpoint", "url"), ROUTES)
def test_others_are_refused(client, outsider_course, who, method, endpoint, url):
    course, activity, people = outsider_course
    login(client, people[who])
    response = client.open(url.format(slug=SLUG, id=activity.id), method=method, data=POST_DATA)
    assert response.status_code == 403
    [unchanged] = stored()
    assert (unchanged.title, unchanged.sequence) == ("Action plans: first review", 0)
    db.session.expire_all()
    assert course.followup_opens_on == date(2017, 12, 8)


@pytest.mark.parametrize("who", ["participant", "organiser of another course"])
@pytest.mark.parametrize(("method", "endpoint", "url"), TEAM_ROUTES)
def test_others_are_refused_the_team_pages(client, outsider_course, who, method, endpoint, url):
    _course, activity, people = outsider_course
    login(client, people[who])
    response = client.open(url.format(slug=SLUG, id=activity.id), method=method, data=POST_DATA)
    assert response.status_code == 403


@pytest.mark.parametrize(("method", "endpoint", "url"), ROUTES + TEAM_ROUTES)
def test_anonymous_is_sent_to_log_in(client, outsider_course, method, endpoint, url):
    _course, activity, _people = outsider_course
    response = client.open(url.format(slug=SLUG, id=activity.id), method=method, data=POST_DATA)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(("method", "endpoint", "url"), ROUTES + TEAM_ROUTES + FILE_ROUTES)
def test_unknown_course_is_not_found(manager, course, method, endpoint, url):
    response = manager.open(url.format(slug="no-such-course", id=1), method=method, data=POST_DATA)
    assert response.status_code == 404
