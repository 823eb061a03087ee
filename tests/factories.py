"""Small builders for test data. Each flushes, so ids exist; tests commit when they need to."""

from __future__ import annotations

import itertools
from datetime import date

from app.accounts.models import Role, User
from app.courses.models import (
    Course,
    CourseModule,
    CourseStatus,
    CourseTeamMember,
    CourseTranslation,
    TeamRole,
)
from app.extensions import db
from app.modules.models import Module, ModuleTranslation
from app.registration.models import (
    Funding,
    OrganisationType,
    Registration,
    RegistrationStatus,
)
from app.registration.services import ApplicationData, registration_fields
from app.venues.models import Room, Venue

_counter = itertools.count(1)
PASSWORD = "correct horse battery"


def make_user(
    role: Role = Role.PARTICIPANT,
    *,
    email: str | None = None,
    name: str | None = None,
    locale: str = "en",
    password: str = PASSWORD,
) -> User:
    n = next(_counter)
    user = User(
        email=email or f"user{n}@example.org",
        name=name or f"Test User {n}",
        role=role,
        locale=locale,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_venue(
    timezone: str = "Europe/Rome", *, rooms: tuple[str, ...] = ("Room A", "Room B")
) -> Venue:
    venue = Venue(
        name="ITC-ILO campus",
        address="Viale Maestri del Lavoro 10, 10127 Turin",
        city="Turin",
        country="IT",
        timezone=timezone,
        rooms=[Room(name=name, seats=40) for name in rooms],
    )
    db.session.add(venue)
    db.session.flush()
    return venue


def make_module(code: str | None = None, *, title: str | None = None, outline: str = "") -> Module:
    n = next(_counter)
    code = code or f"T{n}"
    module = Module(
        code=code,
        position=n,
        translations=[
            ModuleTranslation(
                locale="en", title=title or f"Module {code}", summary="Summary", outline=outline
            )
        ],
    )
    db.session.add(module)
    db.session.flush()
    return module


def make_course(
    *,
    slug: str | None = None,
    title: str = "Governing migration at the local level",
    start: date = date(2017, 11, 20),
    venue: Venue | None = None,
    status: CourseStatus = CourseStatus.PUBLISHED,
    organisers: tuple[User, ...] = (),
    facilitators: tuple[User, ...] = (),
    modules: tuple[Module, ...] = (),
    capacity: int = 30,
) -> Course:
    n = next(_counter)
    course = Course(
        slug=slug or f"course-{n}",
        start_date=start,
        venue=venue or make_venue(),
        status=status,
        capacity=capacity,
        translations=[CourseTranslation(locale="en", title=title, summary="A five-day workshop.")],
        focuses=[CourseModule(position=i, module=m) for i, m in enumerate(modules)],
        team=[CourseTeamMember(user=u, role=TeamRole.ORGANISER) for u in organisers]
        + [CourseTeamMember(user=u, role=TeamRole.FACILITATOR) for u in facilitators],
    )
    db.session.add(course)
    db.session.flush()
    return course


def application_data(**overrides: object) -> ApplicationData:
    """A complete, valid application as the form would hand it to the services."""
    values: dict[str, object] = {
        "certificate_name": "Ana Souza",
        "email": "ana@example.org",
        "country": "BR",
        "nationality": "BR",
        "organisation": "Municipality of Belo Horizonte",
        "organisation_type": OrganisationType.LOCAL_GOVERNMENT,
        "job_title": "Migration officer",
        "language": "en",
        "funding": Funding.EMPLOYER,
        "consent_data": True,
        "consent_listing": True,
    }
    values.update(overrides)
    return ApplicationData(**values)  # type: ignore[arg-type]


def make_registration(
    course: Course,
    user: User | None = None,
    *,
    status: RegistrationStatus = RegistrationStatus.CONFIRMED,
    **overrides: object,
) -> Registration:
    """A registration in a given state, written directly (no rules, no mail)."""
    user = user or make_user()
    data = application_data(email=user.email, certificate_name=user.name, **overrides)
    registration = Registration(
        course=course, user=user, status=status, **registration_fields(data)
    )
    if status == RegistrationStatus.WAITLISTED:
        registration.waitlist_position = next(_counter)
    db.session.add(registration)
    db.session.flush()
    return registration
