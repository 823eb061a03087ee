"""Only the course's organisers and administrators reach the timetable's management routes."""

from datetime import time

import pytest

from app.accounts.models import Role
from app.extensions import db
from tests.conftest import login
from tests.factories import make_course, make_user
from tests.schedule.conftest import add_session

# Every management route of the area, as (method, URL pattern).
ROUTES = [
    ("GET", "/courses/{slug}/timetable"),
    ("POST", "/courses/{slug}/timetable/propose"),
    ("GET", "/courses/{slug}/sessions/new"),
    ("POST", "/courses/{slug}/sessions/new"),
    ("GET", "/courses/{slug}/sessions/{session_id}/edit"),
    ("POST", "/courses/{slug}/sessions/{session_id}/edit"),
    ("POST", "/courses/{slug}/sessions/{session_id}/delete"),
    ("POST", "/courses/{slug}/sessions/{session_id}/cancel"),
    ("POST", "/courses/{slug}/sessions/{session_id}/restore"),
]


@pytest.fixture
def setup():
    facilitator = make_user()
    organiser = make_user(Role.ORGANISER)
    course = make_course(
        slug="governing-migration", organisers=(organiser,), facilitators=(facilitator,)
    )
    session = add_session(course, "Opening", start=time(9), end=time(10))
    other_organiser = make_user(Role.ORGANISER)
    make_course(slug="another-course", organisers=(other_organiser,))
    users = {
        "participant": make_user(),
        "facilitator": facilitator,
        "organiser of another course": other_organiser,
        "organiser": organiser,
        "admin": make_user(Role.ADMIN),
    }
    db.session.commit()
    return course, session, users


def call(client, method, pattern, slug, session_id):
    url = pattern.format(slug=slug, session_id=session_id)
    return client.open(url, method=method, data={})


def test_every_route_of_the_area_is_checked(app):
    rules = {
        (method, rule.rule.replace("<slug>", "{slug}").replace("<int:session_id>", "{session_id}"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("schedule.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert rules == set(ROUTES)


@pytest.mark.parametrize(("method", "pattern"), ROUTES)
@pytest.mark.parametrize("who", ["participant", "facilitator", "organiser of another course"])
def test_people_who_do_not_manage_the_course_get_403(client, setup, who, method, pattern):
    course, session, users = setup
    login(client, users[who])

    response = call(client, method, pattern, course.slug, session.id)

    assert response.status_code == 403


@pytest.mark.parametrize(("method", "pattern"), ROUTES)
def test_anonymous_visitors_are_sent_to_log_in(client, setup, method, pattern):
    course, session, _ = setup

    response = call(client, method, pattern, course.slug, session.id)

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(("method", "pattern"), ROUTES)
def test_an_unknown_course_is_404(client, setup, method, pattern):
    _, session, users = setup
    login(client, users["admin"])

    response = call(client, method, pattern, "no-such-course", session.id)

    assert response.status_code == 404


@pytest.mark.parametrize(("method", "pattern"), [r for r in ROUTES if "{session_id}" in r[1]])
def test_a_session_of_another_course_is_404(client, setup, method, pattern):
    _, session, users = setup
    login(client, users["admin"])

    response = call(client, method, pattern, "another-course", session.id)

    assert response.status_code == 404


@pytest.mark.parametrize("who", ["organiser", "admin"])
@pytest.mark.parametrize(
    "pattern",
    [
        "/courses/{slug}/timetable",
        "/courses/{slug}/sessions/new",
        "/courses/{slug}/sessions/{session_id}/edit",
    ],
)
def test_organisers_of_the_course_and_administrators_get_in(client, setup, who, pattern):
    course, session, users = setup
    login(client, users[who])

    response = call(client, "GET", pattern, course.slug, session.id)

    assert response.status_code == 200
