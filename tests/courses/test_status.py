"""Publishing, unpublishing, cancelling and restoring a course: who is told, and what calendar
subscribers see change."""

from __future__ import annotations

from datetime import date, time

import pytest

from app.accounts.models import Role
from app.courses import services
from app.courses.models import CourseStatus
from app.registration.models import RegistrationStatus as S
from tests.courses.builders import add_assignment, add_session, details_of, mail_to
from tests.factories import make_course, make_registration, make_user

START = date(2030, 11, 18)
TITLE = "Governing migration at the local level"
CANCELLED_SUBJECT = f"Cancelled: {TITLE}"


@pytest.fixture
def course():
    """A Turin course with a session that already moved twice and a follow-up assignment."""
    course = make_course(start=START)
    session = add_session(course, START, time(9), time(10, 30), "Opening")
    session.sequence = 2
    add_assignment(course, date(2030, 12, 20))
    return course


def applicants(course) -> dict[S, str]:
    """One applicant in each state, by state: their email."""
    people = {}
    for status in (S.SUBMITTED, S.CONFIRMED, S.WAITLISTED, S.REJECTED, S.CANCELLED):
        user = make_user(
            name=f"Ana Souza ({status.value})", email=f"ana.{status.value}@example.org"
        )
        make_registration(course, user, status=status)
        people[status] = user.email
    return people


def sequences(course) -> list[int]:
    return [item.sequence for item in [*course.sessions, *course.activities]]


def save(course, status):
    organiser = make_user(Role.ORGANISER)
    services.update_course(
        course, details_of(course, status=status), slug=course.slug, actor=organiser
    )


def test_cancelling_a_published_course_tells_everyone_whose_application_is_alive(course):
    people = applicants(course)
    save(course, CourseStatus.CANCELLED)
    assert course.status == CourseStatus.CANCELLED
    assert sorted(mail_to(*people.values())) == [
        (people[S.CONFIRMED], CANCELLED_SUBJECT),
        (people[S.SUBMITTED], CANCELLED_SUBJECT),
        (people[S.WAITLISTED], CANCELLED_SUBJECT),
    ]


def test_cancelling_gives_every_session_and_activity_a_new_calendar_version(course):
    save(course, CourseStatus.CANCELLED)
    assert sequences(course) == [3, 1]


def test_restoring_a_cancelled_course_gives_them_a_new_version_again_and_tells_no_one(course):
    people = applicants(course)
    course.status = CourseStatus.CANCELLED
    save(course, CourseStatus.PUBLISHED)
    assert course.status == CourseStatus.PUBLISHED
    assert sequences(course) == [3, 1]
    assert mail_to(*people.values()) == []


def test_saving_a_cancelled_course_again_changes_no_calendar(course):
    course.status = CourseStatus.CANCELLED
    save(course, CourseStatus.CANCELLED)
    assert sequences(course) == [2, 0]


def test_publishing_a_draft_changes_no_calendar_and_tells_no_one(course):
    course.status = CourseStatus.DRAFT
    people = applicants(course)
    save(course, CourseStatus.PUBLISHED)
    assert course.status == CourseStatus.PUBLISHED
    assert sequences(course) == [2, 0]
    assert mail_to(*people.values()) == []


def test_taking_a_course_back_to_draft_tells_no_one(course):
    people = applicants(course)
    save(course, CourseStatus.DRAFT)
    assert course.status == CourseStatus.DRAFT
    assert sequences(course) == [2, 0]
    assert mail_to(*people.values()) == []


def test_cancelling_a_draft_tells_no_one_but_dates_its_calendar_items(course):
    """The team's calendar shows drafts: the status of their items changes."""
    course.status = CourseStatus.DRAFT
    people = applicants(course)
    save(course, CourseStatus.CANCELLED)
    assert sequences(course) == [3, 1]
    assert mail_to(*people.values()) == []


def test_the_status_is_set_by_the_service_alone(course):
    services.set_course_status(course, CourseStatus.CANCELLED, actor=None)
    assert course.status == CourseStatus.CANCELLED
    assert sequences(course) == [3, 1]
