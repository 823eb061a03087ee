"""Changing a course's number of seats: new seats go to the waiting list at once, in order;
otherwise the waiting list is left as the organiser keeps it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.courses import services
from app.courses.models import CourseKind, RegistrationMode
from app.db import now_utc
from app.extensions import db
from app.registration.models import Registration
from app.registration.models import RegistrationStatus as S
from tests.courses.builders import details_of, mail_to
from tests.factories import make_course, make_registration, make_user

TITLE = "Governing migration at the local level"
PROMOTED = f"A seat is free: your place is confirmed for {TITLE}"


@pytest.fixture
def course():
    """A published course two months ahead: two seats, both taken."""
    course = make_course(start=now_utc().date() + timedelta(days=60), capacity=2)
    for name in ("Tesfaye Bekele", "Lucía Pérez"):
        make_registration(course, make_user(name=name))
    return course


def waiting(course, *names: str) -> list:
    return [make_registration(course, make_user(name=name), status=S.WAITLISTED) for name in names]


def save(course, capacity):
    services.update_course(
        course,
        details_of(course, capacity=capacity),
        slug=course.slug,
        actor=make_user(Role.ORGANISER),
    )
    db.session.flush()


def test_new_seats_go_to_the_first_on_the_waiting_list_in_order(course):
    ana, anna, lima = waiting(course, "Ana Souza", "Anna Sousa", "Ana Souza Lima")
    save(course, 4)
    assert [r.status for r in (ana, anna, lima)] == [S.CONFIRMED, S.CONFIRMED, S.WAITLISTED]
    assert mail_to(ana.email, anna.email, lima.email) == [
        (ana.email, PROMOTED),
        (anna.email, PROMOTED),
    ]


def test_removing_the_limit_gives_everyone_waiting_a_seat(course):
    ana, anna = waiting(course, "Ana Souza", "Anna Sousa")
    save(course, None)
    assert course.capacity is None
    assert [r.status for r in (ana, anna)] == [S.CONFIRMED, S.CONFIRMED]


def test_fewer_seats_leave_everyone_where_they_are(course):
    [ana] = waiting(course, "Ana Souza")
    save(course, 1)
    assert course.capacity == 1
    assert ana.status == S.WAITLISTED
    assert statuses(course) == [S.CONFIRMED, S.CONFIRMED, S.WAITLISTED]
    assert mail_to(ana.email) == []


def test_saving_the_same_seats_leaves_someone_the_organiser_put_on_the_waiting_list(course):
    """A seat is free, but the organiser chose to keep Ana waiting: saving the details with
    as many seats as before is no reason to give it to her."""
    course.capacity = 3
    [ana] = waiting(course, "Ana Souza")
    save(course, 3)
    assert ana.status == S.WAITLISTED
    assert mail_to(ana.email) == []


def unlimited_event():
    event = make_course(start=now_utc().date() + timedelta(days=30))
    event.kind, event.days = CourseKind.PANEL, 1
    event.registration_mode, event.capacity = RegistrationMode.RSVP, None
    make_registration(event, make_user(name="Tesfaye Bekele"))
    db.session.flush()
    return event


def test_setting_a_limit_on_an_event_without_one_moves_no_one():
    event = unlimited_event()
    [ana] = waiting(event, "Ana Souza")
    save(event, 10)
    assert event.capacity == 10
    assert ana.status == S.WAITLISTED


def test_saving_an_event_without_a_limit_leaves_the_waiting_list_alone():
    event = unlimited_event()
    [ana] = waiting(event, "Ana Souza")
    save(event, None)
    assert ana.status == S.WAITLISTED


def statuses(course) -> list[S]:
    return list(
        db.session.scalars(
            sa.select(Registration.status)
            .where(Registration.course_id == course.id)
            .order_by(Registration.id)
        )
    )
