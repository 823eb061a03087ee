"""The selection list costs the same number of queries however many applications, reviews and
criteria it shows, for an organiser and for a reviewer."""

from __future__ import annotations

import pytest

from app.accounts.models import User
from app.courses.models import Course
from app.extensions import db
from app.registration.models import RegistrationStatus
from app.selection.services import create_criterion
from tests.conftest import login
from tests.courses.test_query_counts import count_queries
from tests.factories import make_registration, make_user
from tests.selection.conftest import criterion_data, review


def add_applications(course_id: int, reviewer_ids: list[int], count: int, confirmed: int) -> None:
    """``count`` applications, each scored by every reviewer, and ``confirmed`` participants
    from several countries (the balance figures). The counting empties the session, so the
    course and the reviewers are read again by id."""
    course = db.session.get(Course, course_id)
    reviewers = [db.session.get(User, user_id) for user_id in reviewer_ids]
    for n in range(count):
        registration = make_registration(
            course, make_user(name=f"Applicant {n}"), status=RegistrationStatus.SUBMITTED
        )
        for k, reviewer in enumerate(reviewers):
            review(registration, reviewer, 1 + (n + k) % 5, 5 - n % 5, 3)
    for n in range(confirmed):
        make_registration(
            course, status=RegistrationStatus.CONFIRMED, country=("BR", "ET", "KE", "DE")[n % 4]
        )
    db.session.commit()


def queries(client, path: str) -> int:
    assert client.get(path).status_code == 200  # warm up (template and translation caches)
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


@pytest.mark.parametrize("who", ["organiser", "reviewer"])
def test_the_list_s_queries_do_not_grow_with_the_applications(
    client, course, organiser, reviewer, second_reviewer, criteria, who
):
    course_id, reviewer_ids = course.id, [reviewer.id, second_reviewer.id]
    path = f"/courses/{course.slug}/selection"
    add_applications(course_id, reviewer_ids, 2, confirmed=1)
    login(client, organiser if who == "organiser" else reviewer)

    few = queries(client, path)
    add_applications(course_id, reviewer_ids, 30, confirmed=12)
    many = queries(client, path)

    assert many == few


def test_the_list_s_queries_do_not_grow_with_the_criteria(
    client, course, organiser, reviewer, criteria
):
    course_id, organiser_id = course.id, organiser.id
    path = f"/courses/{course.slug}/selection"
    add_applications(course_id, [reviewer.id], 3, confirmed=0)
    login(client, organiser)

    few = queries(client, path)
    course, organiser = db.session.get(Course, course_id), db.session.get(User, organiser_id)
    for label in ("Languages", "Experience", "Gender balance", "Follow-up plan"):
        create_criterion(course, criterion_data(label), actor=organiser)
    db.session.commit()

    assert queries(client, path) == few
