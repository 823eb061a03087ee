"""Shared set-up for the materials: the Turin workshop (Europe/Rome) with its timetable and
two toolbox modules, everyone who may look at it (its team, a confirmed participant, a
waitlisted and a cancelled one, a participant of the busy neighbour course, a reviewer), and
the neighbour with a material of its own that no test may change."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.accounts.models import Role, User
from app.courses.models import Course, CourseTeamMember, TeamRole
from app.extensions import db
from app.materials import services
from app.materials.models import Material
from app.modules.models import Module
from app.registration.models import Registration, RegistrationStatus
from app.schedule.models import CourseSession
from app.schedule.proposal import propose_timetable
from tests.factories import make_course, make_module, make_registration, make_user, make_venue
from tests.neighbours import Neighbour, guard, make_busy_course

# The storage tests' upload folder per test (autouse), its listing and a browser's upload.
from tests.storage.conftest import files_in, upload, uploads  # noqa: F401
from tests.storage.samples import pdf

NOW = datetime(2017, 11, 21, 10, 0, tzinfo=UTC)
NEIGHBOUR_MATERIAL = "Neighbour's reading list"


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    """The sister course three weeks before, with a participants-only file of its own."""
    busy = make_busy_course(date(2017, 10, 30))
    organiser = make_user(Role.ORGANISER, name="Nina Neighbour-Organiser")
    busy.course.team.append(CourseTeamMember(user=organiser, role=TeamRole.ORGANISER))
    services.add_material(
        busy.course,
        services.MaterialData(
            title=NEIGHBOUR_MATERIAL, upload=upload(pdf("Neighbour"), "reading.pdf")
        ),
        actor=organiser,
        now=NOW,
    )
    db.session.commit()
    yield from guard(busy)
    left = db.session.scalars(
        sa.select(Material.title).where(Material.course_id == busy.course_id)
    ).all()
    assert left == [NEIGHBOUR_MATERIAL], "the neighbour's materials changed"


@dataclass
class Turin:
    course: Course
    organiser: User
    facilitator: User
    reviewer: User
    admin: User
    confirmed: User
    waitlisted: User
    cancelled: User
    rejected: User
    other_course: User  # confirmed on the neighbour course
    outsider: User  # signed in, nothing to do with either course
    m1: Module
    m2: Module
    sessions: list[CourseSession]

    def session(self, title: str) -> CourseSession:
        return next(s for s in self.sessions if s.title == title)

    @property
    def talks(self) -> list[CourseSession]:
        return [s for s in self.sessions if not s.is_break]

    def people(self) -> dict[str, User | None]:
        return {
            "anonymous": None,
            "confirmed": self.confirmed,
            "waitlisted": self.waitlisted,
            "cancelled": self.cancelled,
            "rejected": self.rejected,
            "other course": self.other_course,
            "outsider": self.outsider,
            "reviewer": self.reviewer,
            "facilitator": self.facilitator,
            "organiser": self.organiser,
            "admin": self.admin,
        }


@pytest.fixture
def turin(neighbour: Neighbour) -> Turin:
    organiser = make_user(Role.ORGANISER, name="Olga Organiser")
    facilitator = make_user(Role.PARTICIPANT, name="Fatou Facilitator")
    reviewer = make_user(Role.PARTICIPANT, name="Rania Reviewer")
    admin = make_user(Role.ADMIN, name="Ada Admin")
    m1 = make_module("M1", title="Linking migration and local development")
    m2 = make_module("M2", title="Coordination at the local level")
    course = make_course(
        slug="governing-2017",
        title="Governing migration at the local level",
        start=date(2017, 11, 20),
        venue=make_venue("Europe/Rome"),
        organisers=(organiser,),
        facilitators=(facilitator,),
        modules=(m1, m2),
    )
    course.team.append(CourseTeamMember(user=reviewer, role=TeamRole.REVIEWER))
    sessions = propose_timetable(course, room=course.venue.rooms[0])
    people = {}
    for name, status in (
        ("Ana Souza", RegistrationStatus.CONFIRMED),
        ("Ana Sousa Waiting", RegistrationStatus.WAITLISTED),
        ("Ana Souza Cancelled", RegistrationStatus.CANCELLED),
        ("Ana Souza Rejected", RegistrationStatus.REJECTED),
    ):
        user = make_user(name=name)
        make_registration(course, user, status=status)
        people[status] = user
    other_course = db.session.scalars(
        sa.select(User)
        .join(Registration, Registration.user_id == User.id)
        .where(
            Registration.course_id == neighbour.course_id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    ).first()
    assert other_course is not None
    outsider = make_user(name="Otto Outsider")
    db.session.commit()
    return Turin(
        course=course,
        organiser=organiser,
        facilitator=facilitator,
        reviewer=reviewer,
        admin=admin,
        confirmed=people[RegistrationStatus.CONFIRMED],
        waitlisted=people[RegistrationStatus.WAITLISTED],
        cancelled=people[RegistrationStatus.CANCELLED],
        rejected=people[RegistrationStatus.REJECTED],
        other_course=other_course,
        outsider=outsider,
        m1=m1,
        m2=m2,
        sessions=sessions,
    )


def stored_paths(folder: Path) -> list[Path]:
    return files_in(folder) if folder.exists() else []
