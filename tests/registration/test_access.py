"""Walks the URL map: no route that names a registration lets anyone but its owner (or the
course's team, where that is meant) see or change it. New routes are covered automatically."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from app.accounts.models import Role
from app.courses.models import CourseTeamMember, TeamRole
from app.extensions import db
from tests.conftest import login
from tests.factories import make_registration, make_user
from tests.registration.conftest import open_course


def registration_urls(
    app: Flask, slug: str, registration_id: int, day: str
) -> list[tuple[str, str]]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "registration_id" not in rule.arguments:
            continue
        path = rule.rule.replace("<slug>", slug).replace(
            "<int:registration_id>", str(registration_id)
        )
        path = re.sub(r"<date:\w+>", day, path)
        path = re.sub(r"<int:\w+>", "1", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, path))
    return urls


@pytest.fixture
def setting():
    owner = make_user()
    course = open_course(slug="governing-2030", capacity=10)
    registration = make_registration(course, owner)
    other_course = open_course(slug="other-2030")
    stranger_organiser = make_user(Role.ORGANISER)
    other_course.team.append(CourseTeamMember(user=stranger_organiser, role=TeamRole.ORGANISER))
    other_participant = make_user()
    make_registration(course, other_participant)
    db.session.commit()
    return (
        course,
        registration,
        {
            "another participant": other_participant,
            "an organiser of another course": stranger_organiser,
        },
    )


def test_the_walk_finds_the_routes(app, setting):
    course, registration, _ = setting
    paths = {
        p
        for _, p in registration_urls(
            app, course.slug, registration.id, course.start_date.isoformat()
        )
    }
    assert f"/my/registrations/{registration.id}/cancel" in paths
    assert f"/my/registrations/{registration.id}/certificate.pdf" in paths
    assert len(paths) >= 6


@pytest.mark.parametrize("who", ["another participant", "an organiser of another course"])
def test_nobody_else_reaches_a_registration(app, client, setting, who):
    course, registration, people = setting
    login(client, people[who])
    for method, path in registration_urls(
        app, course.slug, registration.id, course.start_date.isoformat()
    ):
        response = client.open(path, method=method)
        assert response.status_code in (403, 404), (
            f"{who}: {method} {path} -> {response.status_code}"
        )
    db.session.refresh(registration)
    assert registration.status.value == "confirmed"


def test_anonymous_visitors_are_sent_to_log_in(app, client, setting):
    course, registration, _ = setting
    for method, path in registration_urls(
        app, course.slug, registration.id, course.start_date.isoformat()
    ):
        response = client.open(path, method=method)
        assert response.status_code in (302, 401, 403, 404), (
            f"{method} {path} -> {response.status_code}"
        )
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]
