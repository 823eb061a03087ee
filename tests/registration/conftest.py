"""Shared set-up for the registration tests: a course (or event) whose registration is open."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from app.accounts.models import User
from app.courses.models import Course, CourseKind, RegistrationMode
from app.db import now_utc
from app.registration.models import Registration, RegistrationStatus
from tests.factories import make_course, make_registration
from tests.neighbours import Neighbour, guard, make_busy_course


def open_course(**kwargs: object) -> Course:
    """A published course two months ahead, taking applications since yesterday."""
    now = now_utc()
    course = make_course(start=(now + timedelta(days=60)).date(), **kwargs)  # type: ignore[arg-type]
    course.registration_opens_at = now - timedelta(days=1)
    course.registration_closes_at = now + timedelta(days=30)
    return course


def open_event(
    *,
    capacity: int | None = None,
    mode: RegistrationMode = RegistrationMode.RSVP,
    kind: CourseKind = CourseKind.SIDE_EVENT,
    title: str = "Launch of the migration toolbox",
    **kwargs: object,
) -> Course:
    """A one-day published event two months ahead, taking simple RSVPs (no limit unless
    ``capacity`` is given) since yesterday."""
    event = open_course(capacity=capacity, title=title, **kwargs)
    event.kind = kind
    event.registration_mode = mode
    event.days = 1
    return event


def make_rsvp(
    course: Course,
    user: User | None = None,
    *,
    status: RegistrationStatus = RegistrationStatus.CONFIRMED,
    **overrides: object,
) -> Registration:
    """A registration as the RSVP form leaves it: the full application's fields empty."""
    values: dict[str, object] = {
        "country": None,
        "nationality": None,
        "organisation_type": None,
        "job_title": "",
        "funding": None,
        "organisation": "City of Quito",
        "consent_listing": False,
    }
    values.update(overrides)
    return make_registration(course, user, status=status, **values)


@pytest.fixture
def course() -> Course:
    return open_course(capacity=2)


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    """A busy course opening for applications at the same time, which no test may change."""
    yield from guard(make_busy_course((now_utc() + timedelta(days=50)).date()))
