"""The reviewer, a course-team role of its own: offered by the team editor, it opens the
course (a draft too) but none of the participant desk."""

from __future__ import annotations

from flask_babel import force_locale

from app.courses.models import CourseStatus, TeamRole
from app.courses.permissions import can_review, can_see_participants
from app.extensions import db
from tests.conftest import login
from tests.factories import make_user


def test_the_team_editor_adds_a_reviewer(client, course, organiser):
    newcomer = make_user(name="Lucía Pérez Gil", email="lucia.gil@example.org")
    db.session.commit()
    login(client, organiser)

    page = client.get(f"/courses/{course.slug}/team").get_data(as_text=True)
    response = client.post(
        f"/courses/{course.slug}/team", data={"email": newcomer.email, "role": "reviewer"}
    )

    assert '<option value="reviewer">Reviewer</option>' in page
    assert response.status_code == 302
    [member] = [m for m in course.team if m.user_id == newcomer.id]
    assert member.role == TeamRole.REVIEWER


def test_the_reviewer_role_is_named_in_the_course_s_languages():
    with force_locale("fr"):
        french = str(TeamRole.REVIEWER.label)
    with force_locale("es"):
        spanish = str(TeamRole.REVIEWER.label)
    assert (french, spanish) == ("Évaluateur", "Evaluador")


def test_a_reviewer_reviews_but_does_not_see_the_participants(course, reviewer, facilitator):
    assert can_review(reviewer, course)
    assert not can_see_participants(reviewer, course)
    # The facilitator is the other way round.
    assert can_see_participants(facilitator, course)
    assert not can_review(facilitator, course)


def test_a_reviewer_opens_the_course_while_it_is_a_draft(client, course, reviewer):
    course.status = CourseStatus.DRAFT
    outsider = make_user()
    db.session.commit()

    login(client, reviewer)
    assert client.get(f"/courses/{course.slug}").status_code == 200
    login(client, outsider)
    assert client.get(f"/courses/{course.slug}").status_code == 404


def test_my_courses_gives_a_reviewer_no_link_to_the_desk(client, course, reviewer, facilitator):
    db.session.commit()
    desk = f"/courses/{course.slug}/participants"

    login(client, reviewer)
    as_reviewer = client.get("/my/courses").get_data(as_text=True)
    login(client, facilitator)
    as_facilitator = client.get("/my/courses").get_data(as_text=True)

    assert "Governing migration at the local level" in as_reviewer
    assert desk not in as_reviewer
    assert desk in as_facilitator


def test_a_reviewer_of_one_course_is_nobody_on_another(course, reviewer, neighbour):
    assert not can_review(reviewer, neighbour.course)
