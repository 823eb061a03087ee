"""Walks the URL map: every course management route refuses people who may not use it.

A new route under /courses/<slug>/ is covered without anyone remembering to add it here.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage

from app.accounts.models import Role
from app.courses.models import CourseTeamMember, TeamRole
from app.db import now_utc
from app.evaluation.questionnaire import create_evaluation
from app.extensions import db
from app.followup import submissions as work
from app.followup.models import ActivityKind, SubmissionFile, SubmissionVersion
from app.followup.services import ActivityData, apply_followup_defaults, create_activity
from app.materials.services import MaterialData, add_material
from app.storage.services import store_upload
from app.visas.details import LetterDetails
from app.visas.services import request_letter
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user
from tests.storage.conftest import uploads  # noqa: F401 - the walk's upload folder
from tests.storage.samples import pdf

# Pages anyone may see (drafts aside).
PUBLIC_ENDPOINTS = {
    "courses.show",
    "registration.apply",
    # The link mailed to a visitor who applied while signing up: its token is the key.
    "registration.confirm_signup",
    "feeds.course",
    "feeds.session",
    "feeds.session_add",
    # Each visitor sees the materials they may see (app/materials/routes.py).
    "materials.index",
    "materials.download_all",
}

# Pages the whole course team opens, facilitators included: the participant desk (marked
# @team_may in app/registration/desk.py). A facilitator gets 200 on GET, 403 on the rest...
TEAM_READABLE_ENDPOINTS = {
    "desk.index",
    "desk.show",
    "desk.export_csv",
    "desk.export_xlsx",
    "desk.summary",
    "desk.special_needs",
    "desk.public_list",
    "desk.attendance",
    "desk.sign_in_sheet",
    "followup.handins_overview",
    "followup.submissions",
    "followup.submissions_zip",
    # The progress towards the certificate (app/progress/routes.py) and the evaluation's
    # results (app/evaluation/results_routes.py).
    "progress.matrix",
    "results.show",
    "results.export_csv",
    "results.compare",
    # Organisers and facilitators attach materials (app/materials/routes.py).
    "materials.manage",
    "materials.edit",
    # The check-in page and the badges (app/checkin/routes.py).
    "checkin.page",
    "checkin.badges",
}
# ...except ticking attendance, which facilitators do too (answered with a redirect).
TEAM_WRITABLE_ENDPOINTS = {
    "desk.attendance",
    "followup.give_feedback",
    "materials.manage",
    "materials.edit",
    "materials.delete",
    "materials.move",
    "checkin.by_code",
    "checkin.person",
}
# What those POSTs answer without data: the attendance redirects, the feedback form comes back
# with its messages.
TEAM_WRITE_STATUS = {
    "desk.attendance": 302,
    "followup.give_feedback": 200,
    # A new material without a title comes back with its messages; a material posted without
    # any field is saved as it was; one is deleted (before the move, which without a direction
    # is refused).
    "materials.manage": 200,
    "materials.edit": 302,
    "materials.delete": 302,
    "materials.move": 400,
    # A check-in without a code, or of someone not on the course, says so on the page.
    "checkin.by_code": 302,
    "checkin.person": 302,
}
# Facilitators take part in the discussions (app/discussions/routes.py): they open the course's
# list; the walk's activity is an assignment, which is no discussion, so the rest is not found.
FACILITATOR_DISCUSSES = "discussions."
# Files that are "not found" for anyone who may not read them: a hand-in's file, read by its
# participant and the course team (app/followup/handin_routes.py).
HIDDEN_ENDPOINTS = {"followup.handin_file", "materials.download"}
# Reviewers open none of the desk's pages: only the selection (marked @reviewers_may in
# app/selection/routes.py), GET and POST as listed here.
REVIEWER_READABLE_ENDPOINTS = {"selection.index", "selection.review"}
REVIEWER_WRITABLE_ENDPOINTS = {"selection.review"}


def management_rules(
    app: Flask, slug: str, values: dict[str, str] | None = None
) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) of every route under /courses/<slug>/. ``values`` fills
    named parts of the URL (ids of real objects); the others get placeholders."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "slug" not in rule.arguments or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        if not rule.rule.startswith("/courses/"):
            continue
        path = rule.rule.replace("<slug>", slug)
        for name, value in (values or {}).items():
            path = re.sub(rf"<(?:\w+:)?{name}>", value, path)
        path = re.sub(r"<int:\w+>", "1", path)
        # A well-formed date, so the converter matches and access control is what answers.
        path = re.sub(r"<date:\w+>", "2017-11-20", path)
        path = re.sub(r"<[^>]+>", "x", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((rule.endpoint, method, path))
    return urls


def management_urls(app: Flask, slug: str) -> list[tuple[str, str]]:
    return [(method, path) for _endpoint, method, path in management_rules(app, slug)]


@pytest.fixture
def course_and_people():
    organiser = make_user(Role.ORGANISER)
    facilitator = make_user(Role.PARTICIPANT)
    reviewer = make_user(Role.PARTICIPANT)
    course = make_course(
        slug="governing-2017", organisers=(organiser,), facilitators=(facilitator,)
    )
    course.team.append(CourseTeamMember(user=reviewer, role=TeamRole.REVIEWER))
    other_organiser = make_user(Role.ORGANISER)
    make_course(slug="other-course", organisers=(other_organiser,))
    participant = make_user(Role.PARTICIPANT)
    db.session.commit()
    return course, {
        "participant": participant,
        "facilitator": facilitator,
        "reviewer": reviewer,
        "organiser of another course": other_organiser,
    }


def test_the_walk_finds_the_management_routes(app):
    urls = management_urls(app, "governing-2017")
    paths = {path for _, path in urls}
    assert "/courses/governing-2017/edit" in paths
    assert "/courses/governing-2017/copy" in paths
    assert len(urls) >= 8


@pytest.fixture
def walk_values(course_and_people):
    """Real values for the walk's URLs, so the pages the team may open find what they show."""
    course, _ = course_and_people
    registration = make_registration(course)
    apply_followup_defaults(course)
    assignment = create_activity(
        course,
        ActivityData(kind=ActivityKind.ASSIGNMENT, title="Plan", due_date=course.followup_opens_on),
        actor=None,
    )
    # A hand-in with a file, so that the team's ZIP has something to send.
    plan = store_upload(FileStorage(io.BytesIO(pdf()), filename="plan.pdf"), actor=None)
    version = SubmissionVersion(number=1, text="Plan")
    version.files.append(SubmissionFile(stored_file=plan))
    submission = work.ensure_submission(registration, assignment)
    submission.versions.append(version)
    # An evaluation, so that its results' CSV has something to send.
    create_evaluation(course, actor=None)
    # A participants-only material: its file is "not found" outside the course team here.
    handbook = add_material(
        course,
        MaterialData(
            title="Handbook",
            upload=FileStorage(io.BytesIO(pdf()), filename="handbook.pdf"),
        ),
        actor=course.team[0].user,
        now=now_utc(),
    )
    # A visa letter request with its passport details: its pages are the organisers' only.
    letter = request_letter(
        registration,
        LetterDetails(
            passport_name="Ana Souza",
            passport_number="BR1234567",
            nationality="BR",
            birth_date=date(1985, 2, 3),
            consulate_city="Brasília",
            consulate_country="BR",
        ),
        actor=registration.user,
        now=datetime.combine(course.start_date - timedelta(days=30), time(12), tzinfo=UTC),
    )
    db.session.commit()
    return {
        "visa_request_id": str(letter.id),
        "material_id": str(handbook.id),
        # The hand-in's file by its own id (not 1: PostgreSQL's ids go on across tests).
        "file_id": str(plan.id),
        "registration_id": str(registration.id),
        "day": course.start_date.isoformat(),
        "activity_id": str(assignment.id),
    }


def expected_status(who: str, endpoint: str, method: str) -> int:
    if endpoint in HIDDEN_ENDPOINTS:
        return 200 if who == "facilitator" else 404  # the team reads a hand-in's files
    if who == "reviewer":
        if method == "GET" and endpoint in REVIEWER_READABLE_ENDPOINTS:
            return 200
        if method == "POST" and endpoint in REVIEWER_WRITABLE_ENDPOINTS:
            return 200  # nothing was scored: the review form comes back with its messages
    if who == "facilitator":
        if endpoint.startswith(FACILITATOR_DISCUSSES):
            return 200 if endpoint == "discussions.index" else 404
        if method == "GET" and endpoint in TEAM_READABLE_ENDPOINTS:
            return 200
        if method == "POST" and endpoint in TEAM_WRITABLE_ENDPOINTS:
            return TEAM_WRITE_STATUS[endpoint]
    return 403


@pytest.mark.parametrize(
    "who", ["participant", "facilitator", "reviewer", "organiser of another course"]
)
def test_people_outside_the_organisers_get_403(app, client, course_and_people, walk_values, who):
    course, people = course_and_people
    login(client, people[who])
    for endpoint, method, path in management_rules(app, course.slug, walk_values):
        response = client.open(path, method=method)
        response.close()  # a download holds its stored file open until closed
        expected = expected_status(who, endpoint, method)
        assert response.status_code == expected, (
            f"{who}: {method} {path} answered {response.status_code}, not {expected}"
        )


def test_team_marks_on_the_views_match_the_lists_above(app):
    marked = {
        endpoint: view.team_methods
        for endpoint, view in app.view_functions.items()
        if hasattr(view, "team_methods")
    }
    assert {e for e, methods in marked.items() if "GET" in methods} == TEAM_READABLE_ENDPOINTS
    assert {e for e, methods in marked.items() if "POST" in methods} == TEAM_WRITABLE_ENDPOINTS


def test_reviewer_marks_on_the_views_match_the_lists_above(app):
    marked = {
        endpoint: view.reviewer_methods
        for endpoint, view in app.view_functions.items()
        if hasattr(view, "reviewer_methods")
    }
    readable = {e for e, methods in marked.items() if "GET" in methods}
    writable = {e for e, methods in marked.items() if "POST" in methods}
    assert readable == REVIEWER_READABLE_ENDPOINTS
    assert writable == REVIEWER_WRITABLE_ENDPOINTS
    # A reviewer opens nothing of the desk.
    assert not readable & TEAM_READABLE_ENDPOINTS


def test_anonymous_visitors_are_sent_to_log_in(app, client, course_and_people):
    course, _ = course_and_people
    for endpoint, method, path in management_rules(app, course.slug):
        response = client.open(path, method=method)
        allowed = (404,) if endpoint in HIDDEN_ENDPOINTS else (302, 401, 403)
        assert response.status_code in allowed, f"{method} {path}: {response.status_code}"
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]


def test_unknown_course_is_404_not_500(app, client):
    admin = make_user(Role.ADMIN)
    db.session.commit()
    login(client, admin)
    for method, path in management_urls(app, "no-such-course"):
        assert client.open(path, method=method).status_code == 404, f"{method} {path}"


@pytest.mark.parametrize("who", ["facilitator", "reviewer", "organiser of another course"])
def test_passport_details_are_for_the_course_s_organisers_only(
    app, client, course_and_people, walk_values, who
):
    """Nothing the team without organisers opens shows a participant's passport number."""
    course, people = course_and_people
    login(client, people[who])
    for _endpoint, method, path in management_rules(app, course.slug, walk_values):
        if method != "GET":
            continue
        response = client.get(path)
        assert b"BR1234567" not in response.get_data(), f"{who}: {path}"
        response.close()
    letter_pdf = f"/my/registrations/{walk_values['registration_id']}/visa-letter"
    assert client.get(letter_pdf).status_code == 404
    assert client.get(letter_pdf + ".pdf").status_code == 404
    organiser = course.members(TeamRole.ORGANISER)[0]
    login(client, organiser)
    shown = client.get(f"/courses/{course.slug}/visa-letters/{walk_values['visa_request_id']}")
    assert "BR1234567" in shown.get_data(as_text=True)


def test_organiser_and_admin_can_open_the_edit_page(client, course_and_people):
    course, _ = course_and_people
    admin = make_user(Role.ADMIN)
    db.session.commit()
    for user in (course.members(course.team[0].role)[0], admin):
        login(client, user)
        assert client.get(f"/courses/{course.slug}/edit").status_code == 200
