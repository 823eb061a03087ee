"""Shared set-up for the endorsement tests: a course that requires endorsement, open for
applications, beside the busy neighbour course that no test may change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Role, User
from app.courses.models import Course
from app.endorsement import services
from app.endorsement.models import Endorsement
from app.extensions import db
from app.mail.models import OutboxMessage
from app.registration.models import Registration
from app.registration.services import apply
from tests.factories import application_data, make_user
from tests.neighbours import Neighbour, guard, make_busy_course
from tests.registration.conftest import open_course


def endorsed_course(*, capacity: int = 2, **kwargs: object) -> Course:
    course = open_course(capacity=capacity, **kwargs)
    course.requires_endorsement = True
    db.session.flush()
    return course


@pytest.fixture
def organiser() -> User:
    return make_user(Role.ORGANISER, email="org@example.org", name="Olga Organiser")


@pytest.fixture
def course(organiser: User) -> Course:
    course = endorsed_course(organisers=(organiser,))
    course.registration_closes_at = None
    return course


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    yield from guard(make_busy_course((datetime.now(UTC) + timedelta(days=50)).date()))


def applicant(email: str, name: str, *, locale: str = "en") -> User:
    return make_user(email=email, name=name, locale=locale)


def apply_with_endorser(
    course: Course,
    user: User,
    *,
    endorser: str = "Marta Rossi",
    endorser_email: str = "marta.rossi@comune.torino.it",
    now: datetime | None = None,
    language: str = "en",
) -> tuple[Registration, Endorsement, str]:
    registration = apply(
        course,
        user,
        application_data(email=user.email, certificate_name=user.name, language=language),
    )
    endorsement, raw = services.request_endorsement(
        registration,
        services.EndorserData(endorser, "Head of the migration office", endorser_email),
        actor=user,
        now=now,
    )
    return registration, endorsement, raw


def mails_to(address: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.recipient == address)
            .order_by(OutboxMessage.id)
        )
    )


def subjects_to(address: str) -> list[str]:
    return [row.subject for row in mails_to(address)]


def body(row: OutboxMessage) -> str:
    import email
    from email import policy

    message = email.message_from_bytes(row.raw, policy=policy.default)
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def link_token(row: OutboxMessage) -> str:
    text = body(row)
    marker = "/endorse/"
    start = text.index(marker) + len(marker)
    return text[start:].split()[0]
