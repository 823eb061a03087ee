"""An upcoming on-site course in Turin with its team and participants, beside a busy neighbour
course that holds visa letter requests of its own (which no test may touch)."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.core.timeutil import local_to_utc
from app.courses.models import Course, CourseTeamMember, TeamRole
from app.extensions import db
from app.mail.models import OutboxMessage
from app.registration.models import Registration
from app.visas import details as rules
from app.visas import services
from app.visas.models import VisaLetterRequest
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.mail.conftest import smtp, smtp_server  # noqa: F401 - mail to a real SMTP server
from tests.neighbours import Neighbour, guard, make_busy_course

SLUG = "governing-next"


def next_monday(after: date) -> date:
    return after + timedelta(days=(7 - after.weekday()) % 7 or 7)


# The course starts on a Monday about three months ahead (the routes use the real clock).
START = next_monday(datetime.now(UTC).date() + timedelta(days=90))
# A moment well before the course, for the services.
BEFORE = local_to_utc(START - timedelta(days=40), time(10, 0), "Europe/Rome")


def details(**overrides: object) -> rules.LetterDetails:
    values: dict[str, object] = {
        "passport_name": "Tesfaye Bekele Alemu",
        "passport_number": "ep 1234567",
        "nationality": "ET",
        "birth_date": date(1984, 5, 17),
        "passport_expires_on": date(2031, 1, 31),
        "consulate_city": "Addis Ababa",
        "consulate_country": "ET",
        "language": "en",
    }
    values.update(overrides)
    return rules.LetterDetails(**values)  # type: ignore[arg-type]


def form_data(**overrides: str) -> dict[str, str]:
    values = {
        "passport_name": "Tesfaye Bekele Alemu",
        "passport_number": "EP1234567",
        "nationality": "ET",
        "birth_date": "1984-05-17",
        "passport_expires_on": "2031-01-31",
        "consulate_city": "Addis Ababa",
        "consulate_country": "ET",
        "language": "en",
    }
    values.update(overrides)
    return values


def requests(slug: str = SLUG) -> list[VisaLetterRequest]:
    """The requests of the course (not the neighbour's), oldest first."""
    return list(
        db.session.scalars(
            sa.select(VisaLetterRequest)
            .join(VisaLetterRequest.registration)
            .join(Registration.course)
            .where(Course.slug == slug)
            .order_by(VisaLetterRequest.id)
        )
    )


def mail_text(message: OutboxMessage) -> str:
    """The plain-text body of a queued message, decoded."""
    parsed = email.message_from_bytes(message.raw, policy=email.policy.default)
    return parsed.get_body(preferencelist=("plain",)).get_content()


def mail_to(address: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.recipient == address)
            .order_by(OutboxMessage.id)
        )
    )


CENTRE = {
    "CENTRE_NAME": "Atelier Training Centre",
    "CENTRE_ADDRESS": "1 Example Street\n00000 Example City",
    "CENTRE_EMAIL": "courses@example.org",
    "CENTRE_PHONE": "",
    "CENTRE_WEBSITE": "https://www.example.org",
}


@pytest.fixture(autouse=True)
def centre(app) -> Iterator[dict[str, str]]:
    """The centre's details on the letterhead (the defaults are neutral placeholders)."""
    saved = {key: app.config[key] for key in CENTRE}
    app.config.update(CENTRE)
    yield CENTRE
    app.config.update(saved)


@pytest.fixture
def organiser():
    return make_user(Role.ORGANISER, name="Olga Organiser")


@pytest.fixture
def facilitator():
    return make_user(name="Fatou Facilitator")


@pytest.fixture
def reviewer():
    return make_user(name="Rania Reviewer")


@pytest.fixture
def course(organiser, facilitator, reviewer):
    course = make_course(
        slug=SLUG,
        start=START,
        venue=make_venue("Europe/Rome"),
        organisers=(organiser,),
        facilitators=(facilitator,),
    )
    course.team.append(CourseTeamMember(user=reviewer, role=TeamRole.REVIEWER))
    db.session.commit()
    return course


@pytest.fixture
def tesfaye(course):
    """Confirmed; his application is in English."""
    user = make_user(name="Tesfaye Bekele", email="tesfaye@example.org")
    registration = make_registration(course, user, nationality="ET", country="ET")
    db.session.commit()
    return registration


@pytest.fixture
def lucia(course):
    """Confirmed; her application is in French."""
    user = make_user(name="Lucía Pérez", email="lucia@example.org", locale="fr")
    registration = make_registration(course, user, nationality="CO", country="CO", language="fr")
    db.session.commit()
    return registration


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    """The busy course a week before ours, with a pending and an issued request."""
    neighbour = make_busy_course(START - timedelta(days=7))
    first, second = neighbour.registrations[:2]
    organiser = make_user(Role.ORGANISER, name="Nina Neighbour-Organiser")
    services.request_letter(
        first, details(passport_number="NB000001"), actor=first.user, now=BEFORE
    )
    issued = services.request_letter(
        second, details(passport_number="NB000002"), actor=second.user, now=BEFORE
    )
    services.issue(issued, actor=organiser, now=BEFORE)
    db.session.query(OutboxMessage).delete()
    yield from guard(neighbour)


def neighbour_requests(neighbour: Neighbour) -> list[tuple]:
    ids = [r.id for r in neighbour.registrations]
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(
                VisaLetterRequest.id,
                VisaLetterRequest.status,
                VisaLetterRequest.reference,
                VisaLetterRequest.passport_number,
                VisaLetterRequest.decided_at,
            )
            .where(VisaLetterRequest.registration_id.in_(ids))
            .order_by(VisaLetterRequest.id)
        )
    ]
