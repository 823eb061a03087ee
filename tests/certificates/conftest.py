"""A finished course (on site 20-24 Nov 2017, phase to 4 Jan 2018) with a required assignment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from app.accounts.models import Role
from app.extensions import db
from app.followup import submissions as work
from app.followup.models import ActivityKind, FollowupActivity
from app.followup.services import ActivityData, apply_followup_defaults, create_activity
from app.registration.models import Attendance, Registration
from tests.factories import make_course, make_module, make_registration, make_user, make_venue
from tests.neighbours import Neighbour, guard, make_busy_course

SLUG = "governing-2017"


def attend(registration: Registration, days: int) -> None:
    """Mark the participant present on the first ``days`` on-site days."""
    for day in registration.course.day_dates[:days]:
        registration.attendance.append(Attendance(day=day, is_present=True))
    db.session.flush()


def complete(registration: Registration, activity: FollowupActivity, organiser) -> None:
    work.mark_complete(work.ensure_submission(registration, activity), actor=organiser)


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
        modules=(
            make_module("M1", title="Managing the link between migration and local development"),
            make_module("M2", title="Establishing partnerships, cooperation and dialogue"),
        ),
    )
    apply_followup_defaults(course)
    db.session.commit()
    return course


@pytest.fixture
def required_assignment(course, organiser):
    activity = create_activity(
        course,
        ActivityData(
            kind=ActivityKind.ASSIGNMENT,
            title="Local action plan",
            due_date=date(2017, 12, 20),
            is_required=True,
        ),
        actor=organiser,
    )
    db.session.commit()
    return activity


@pytest.fixture
def participant():
    return make_user(name="Ana Sørensen")


@pytest.fixture
def eligible(course, participant, required_assignment, organiser) -> Registration:
    """Present 4 of 5 days, the required assignment completed."""
    registration = make_registration(course, participant)
    attend(registration, 4)
    complete(registration, required_assignment, organiser)
    db.session.commit()
    return registration


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    """The sister course three weeks earlier, busy, which no test may change."""
    yield from guard(make_busy_course(date(2017, 10, 30)))
