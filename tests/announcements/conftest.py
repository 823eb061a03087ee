"""The Turin course of November 2017 and its people, beside the busy neighbour course (whose
participants no announcement may reach)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Role, User
from app.courses.models import Course, CourseTeamMember, TeamRole
from app.extensions import db
from app.mail.models import OutboxMessage
from app.registration.models import Registration, RegistrationStatus
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.neighbours import Neighbour, guard, make_busy_course

S = RegistrationStatus
TURIN = "Europe/Rome"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    """Mainstreaming migration into policy planning, three weeks before, full and busy."""
    yield from guard(make_busy_course(date(2017, 10, 30)))


@dataclass
class Cast:
    course: Course
    other: Course  # another course, with its own confirmed participant
    organiser: User
    co_organiser: User
    facilitator: User
    reviewer: User
    admin: User
    ana: User  # reads French
    lucia: User  # reads Spanish
    tesfaye: User  # reads English
    waitlisted: User
    cancelled: User
    rejected: User
    outsider: User  # confirmed in the other course only
    other_organiser: User

    def registration(self, user: User, course: Course | None = None) -> Registration:
        return db.session.scalars(
            sa.select(Registration).where(
                Registration.course_id == (course or self.course).id,
                Registration.user_id == user.id,
            )
        ).one()


def make_cast(start: date = date(2017, 11, 20), slug: str = "governing-2017") -> Cast:
    """Governing migration at the local level in Turin; follow-up phase from 8 December 2017
    to 4 January 2018 unless the test changes it."""
    organiser = make_user(Role.ORGANISER, name="Olga Organiser", email="olga@example.org")
    co_organiser = make_user(Role.ORGANISER, name="Omar Organiser", email="omar@example.org")
    facilitator = make_user(name="Fatou Facilitator", email="fatou@example.org", locale="fr")
    reviewer = make_user(name="Rania Reviewer", email="rania@example.org")
    admin = make_user(Role.ADMIN, name="Ada Admin", email="ada@example.org")
    other_organiser = make_user(Role.ORGANISER, name="Otto Organiser", email="otto@example.org")
    course = make_course(
        slug=slug,
        start=start,
        venue=make_venue(TURIN),
        organisers=(organiser, co_organiser),
        facilitators=(facilitator,),
    )
    course.team.append(CourseTeamMember(user=reviewer, role=TeamRole.REVIEWER))
    course.followup_opens_on = course.end_date + timedelta(days=14)
    course.followup_closes_on = course.end_date + timedelta(days=41)
    # Names close to the neighbour's people ("Ana Sousa", "Lucía Pérez", "Tesfaye Bekele").
    ana = make_user(name="Ana Souza", email="ana.souza@example.org", locale="fr")
    lucia = make_user(name="Lucía Peres", email="lucia.peres@example.com", locale="es")
    tesfaye = make_user(name="Tesfaye Bekele", email="tesfaye@example.org")
    make_registration(course, ana, language="fr")
    make_registration(course, lucia, language="es")
    make_registration(course, tesfaye, language="en")
    waitlisted = make_user(name="Ana Souza Waiting", email="ana.waiting@example.org")
    make_registration(course, waitlisted, status=S.WAITLISTED)
    cancelled = make_user(name="Anna Souza", email="anna.souza@example.com")
    make_registration(course, cancelled, status=S.CANCELLED)
    rejected = make_user(name="Lucia Perez", email="lucia.perez@example.net")
    make_registration(course, rejected, status=S.REJECTED)
    other = make_course(
        slug=f"{slug}-other",
        title="Another course",
        start=start,
        venue=make_venue(TURIN),
        organisers=(other_organiser,),
    )
    outsider = make_user(name="Tesfaye Alemu", email="t.alemu@example.org")
    make_registration(other, outsider)
    db.session.commit()
    return Cast(
        course,
        other,
        organiser,
        co_organiser,
        facilitator,
        reviewer,
        admin,
        ana,
        lucia,
        tesfaye,
        waitlisted,
        cancelled,
        rejected,
        outsider,
        other_organiser,
    )


@pytest.fixture
def cast() -> Cast:
    return make_cast()


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))
