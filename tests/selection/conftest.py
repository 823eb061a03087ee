"""Shared set-up for the selection: the Turin workshop taking applications, its team (an
organiser, two reviewers, a facilitator), and the busy neighbour course that no test may
change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from app.accounts.models import Role, User
from app.courses.models import Course, CourseTeamMember, TeamRole
from app.db import now_utc
from app.extensions import db
from tests.factories import make_user
from tests.neighbours import Neighbour, guard, make_busy_course
from tests.registration.conftest import open_course


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    """A busy course taking applications at the same time, which no test may change."""
    yield from guard(make_busy_course((now_utc() + timedelta(days=50)).date()))


@pytest.fixture
def organiser() -> User:
    return make_user(Role.ORGANISER, name="Olga Rossi", email="olga.rossi@example.org")


@pytest.fixture
def reviewer() -> User:
    return make_user(name="Rania Haddad", email="rania.haddad@example.org")


@pytest.fixture
def second_reviewer() -> User:
    return make_user(name="Kwame Mensah", email="kwame.mensah@example.org")


@pytest.fixture
def facilitator() -> User:
    return make_user(name="Fatou Diallo", email="fatou.diallo@example.org")


@pytest.fixture
def course(organiser: User, reviewer: User, second_reviewer: User, facilitator: User) -> Course:
    """Governing migration at the local level, in Turin, taking applications for three seats
    that organisers approve one by one."""
    course = open_course(capacity=3, organisers=(organiser,), facilitators=(facilitator,))
    course.slug = "governing-migration-2031"
    course.requires_approval = True
    course.team.extend(
        CourseTeamMember(user=user, role=TeamRole.REVIEWER) for user in (reviewer, second_reviewer)
    )
    db.session.flush()
    return course
