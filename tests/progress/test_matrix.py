"""The organisers' progress matrix: every confirmed participant against each requirement, the
filter to who is missing what, the mail link, the page, and "My courses" showing the checklist."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest

from app.accounts.models import Role
from app.courses.models import Course, CourseKind, CourseTeamMember, TeamRole
from app.extensions import db
from app.followup import submissions as work
from app.followup.models import FollowupActivity
from app.progress import services
from app.progress.services import ANY, ATTENDANCE
from app.registration.models import RegistrationStatus
from tests.certificates.conftest import attend, complete
from tests.conftest import login
from tests.courses.test_query_counts import count_queries
from tests.factories import make_course, make_registration, make_user

AFTER = datetime.combine(date(2018, 1, 10), time(12), ZoneInfo("Europe/Rome")).astimezone(UTC)


@pytest.fixture
def people(course, required_assignment, organiser, eligible):
    """Ana (the eligible one), two Marias with too few days or no plan, and some not confirmed."""
    short = make_registration(
        course, make_user(name="Maria Silva", email="maria.silva@example.org")
    )
    attend(short, 3)
    complete(short, required_assignment, organiser)
    no_plan = make_registration(
        course, make_user(name="Maria Silva Santos", email="maria.santos@example.org")
    )
    attend(no_plan, 5)
    make_registration(course, make_user(name="Mario Wait"), status=RegistrationStatus.WAITLISTED)
    make_registration(course, make_user(name="Mara Gone"), status=RegistrationStatus.CANCELLED)
    db.session.commit()
    return {"ana": eligible, "short": short, "no_plan": no_plan}


def names(matrix) -> list[str]:
    return [row.registration.certificate_name for row in matrix.rows]


def test_the_matrix_lists_confirmed_participants_of_this_course_only(course, people):
    matrix = services.progress_matrix(course, now=AFTER)
    assert names(matrix) == ["Ana Sørensen", "Maria Silva", "Maria Silva Santos"]
    assert (matrix.total, matrix.eligible) == (3, 1)
    assert [key for key, _title in matrix.columns] == [
        ATTENDANCE,
        f"activity-{people['ana'].course.activities[0].id}",
    ]
    assert [row.is_eligible for row in matrix.rows] == [True, False, False]


def test_filtering_to_who_is_missing_what(course, people, required_assignment):
    plan = f"activity-{required_assignment.id}"
    assert names(services.progress_matrix(course, missing=ATTENDANCE, now=AFTER)) == ["Maria Silva"]
    assert names(services.progress_matrix(course, missing=plan, now=AFTER)) == [
        "Maria Silva Santos"
    ]
    missing_any = services.progress_matrix(course, missing=ANY, now=AFTER)
    assert names(missing_any) == ["Maria Silva", "Maria Silva Santos"]
    # The counts above the table stay those of the whole course.
    assert (missing_any.total, missing_any.eligible) == (3, 1)
    # A key that is no column (a stale link, a typed URL) filters nothing.
    assert len(services.progress_matrix(course, missing="activity-999", now=AFTER).rows) == 3


def test_the_mail_link_writes_to_the_people_listed_in_blind_copy(course, people):
    matrix = services.progress_matrix(course, missing=ANY, now=AFTER)
    link = services.mailto_link(matrix.rows, subject="Governing migration: your certificate")
    parts = urlsplit(link)
    assert parts.scheme == "mailto" and parts.path == ""
    query = parse_qs(parts.query)
    assert unquote(query["bcc"][0]).split(",") == [
        "maria.santos@example.org",
        "maria.silva@example.org",
    ]
    assert query["subject"] == ["Governing migration: your certificate"]


# --- the page --------------------------------------------------------------------------------


def test_the_organiser_sees_the_matrix_and_filters_it(client, course, people, organiser):
    login(client, organiser)
    page = client.get(f"/courses/{course.slug}/progress").get_data(as_text=True)
    assert "Qualify now: 1 of 3." in page
    for name in ("Ana Sørensen", "Maria Silva", "Maria Silva Santos"):
        assert name in page
    assert "Mario Wait" not in page and "Mara Gone" not in page
    filtered = client.get(f"/courses/{course.slug}/progress?missing={ATTENDANCE}")
    text = filtered.get_data(as_text=True)
    assert "1 participant matches" in text
    assert "Maria Silva<br>" in text and "Maria Silva Santos" not in text
    assert "maria.silva%40example.org" in text or "maria.silva@example.org" in text
    assert 'value="attendance" selected' in text


def test_facilitators_see_it_participants_and_outsiders_do_not(client, course, people):
    facilitator = make_user(name="Fatou Facilitator")
    course.team.append(CourseTeamMember(user=facilitator, role=TeamRole.FACILITATOR))
    db.session.commit()
    login(client, facilitator)
    assert client.get(f"/courses/{course.slug}/progress").status_code == 200
    login(client, people["ana"].user)
    assert client.get(f"/courses/{course.slug}/progress").status_code == 403
    other = make_user(Role.ORGANISER, name="Otto Other")
    db.session.commit()
    login(client, other)
    assert client.get(f"/courses/{course.slug}/progress").status_code == 403


def test_events_have_no_progress_page(client, organiser):
    event = make_course(slug="launch-2017", organisers=(organiser,))
    event.kind = CourseKind.LAUNCH
    db.session.commit()
    login(client, organiser)
    assert client.get("/courses/launch-2017/progress").status_code == 404


def test_the_page_s_queries_do_not_grow_with_participants(
    client, course, people, organiser, required_assignment
):
    login(client, organiser)
    url = f"/courses/{course.slug}/progress"
    course_id, activity_id = course.id, required_assignment.id
    with count_queries() as three:
        assert client.get(url).status_code == 200
    course = db.session.get(Course, course_id)
    activity = db.session.get(FollowupActivity, activity_id)
    for i in range(6):
        registration = make_registration(course, make_user(name=f"Late Joiner {i}"))
        attend(registration, 2)
        work.ensure_submission(registration, activity)
    db.session.commit()
    with count_queries() as nine:
        assert client.get(url).status_code == 200
    assert len(nine) == len(three)


def test_my_courses_shows_what_is_left_and_the_download_once_eligible(client, people):
    login(client, people["short"].user)
    page = client.get("/my/courses").get_data(as_text=True)
    assert "What the certificate needs, and what is left:" in page
    assert "Attend at least 4 of the 5 on-site days" in page
    assert "Missed" in page and "Local action plan" in page
    assert "Download my certificate (PDF)" not in page
    login(client, people["ana"].user)
    page = client.get("/my/courses").get_data(as_text=True)
    assert "Download my certificate (PDF)" in page
