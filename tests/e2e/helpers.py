"""What the journeys share: data written straight into the running app's database (through the
tests' own session, see ``Database`` in conftest.py), the outbox read back, and logging in.

Every journey makes its own people and courses, with names of its own, so that the journeys
do not depend on each other or on their order.
"""

from __future__ import annotations

import email
import email.policy
import re
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import expect
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from app import _import_models
from app.accounts.models import Role, User
from app.core.timeutil import local_to_utc
from app.courses.models import (
    Course,
    CourseKind,
    CourseStatus,
    CourseTeamMember,
    CourseTranslation,
    RegistrationMode,
    TeamRole,
)
from app.db import now_utc
from app.demo.services import DEMO_ACCOUNTS
from app.mail.models import OutboxMessage
from app.registration.models import Registration, RegistrationStatus
from app.registration.services import registration_fields
from app.schedule.models import CourseSession, SessionKind
from app.venues.models import Venue
from tests.e2e.a11y import check_a11y
from tests.factories import application_data

# All the models, so that the mappers resolve their relationships without an app.
_import_models()

PASSWORD = "a long enough password"
ORGANISER_EMAIL, _, _, _, ORGANISER_PASSWORD = DEMO_ACCOUNTS[1]


# Data ---------------------------------------------------------------------------------------


def next_monday(weeks_ahead: int) -> date:
    day = now_utc().date() + timedelta(weeks=weeks_ahead)
    return day - timedelta(days=day.weekday())


def venue_in(s: Session, city: str) -> Venue:
    """A venue of the demo data: Turin (Europe/Rome) or Quito (America/Guayaquil)."""
    return s.scalars(sa.select(Venue).where(Venue.city == city).order_by(Venue.id)).first()


def get_user(s: Session, email_address: str) -> User:
    return s.scalars(sa.select(User).where(User.email == email_address)).one()


def add_user(
    s: Session, name: str, email_address: str, *, locale: str = "en", role: Role = Role.PARTICIPANT
) -> User:
    """An account that logs in with ``PASSWORD`` (a cheap hash: the tests log in often)."""
    user = User(
        email=email_address,
        name=name,
        locale=locale,
        role=role,
        password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
    )
    s.add(user)
    s.flush()
    return user


def add_course(
    s: Session,
    slug: str,
    title: str,
    *,
    kind: CourseKind = CourseKind.COURSE,
    city: str | None = "Turin",
    online_url: str = "",
    start: date | None = None,
    days: int = 5,
    capacity: int | None = 20,
    requires_approval: bool = False,
    mode: RegistrationMode = RegistrationMode.FULL,
    organiser: User | None = None,
    languages: str = "en",
) -> Course:
    """A published course (or event) open for registration from yesterday until a week
    before it starts, at a demo venue (or online, with ``online_url``), with ``organiser`` on
    its team."""
    now = now_utc()
    start = start or next_monday(8)
    course = Course(
        slug=slug,
        kind=kind,
        start_date=start,
        days=days,
        venue=venue_in(s, city) if city and not online_url else None,
        is_online=bool(online_url),
        online_url=online_url,
        capacity=capacity,
        requires_approval=requires_approval,
        registration_mode=mode,
        status=CourseStatus.PUBLISHED,
        languages=languages,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=datetime.combine(start - timedelta(days=7), time(), now.tzinfo),
        contact_name="Migration and development team",
        contact_email="migration-courses@example.org",
        translations=[
            CourseTranslation(locale="en", title=title, summary=f"{title}: a test journey.")
        ],
        team=[CourseTeamMember(user=organiser, role=TeamRole.ORGANISER)] if organiser else [],
    )
    s.add(course)
    s.flush()
    return course


def add_session(
    s: Session, course: Course, day: date, start: time, end: time, title: str
) -> CourseSession:
    """A session at the venue's wall-clock ``start``–``end`` on ``day``."""
    session = CourseSession(
        course=course,
        title=title,
        kind=SessionKind.PANEL,
        starts_at=local_to_utc(day, start, course.timezone),
        ends_at=local_to_utc(day, end, course.timezone),
    )
    s.add(session)
    s.flush()
    return session


def add_registration(
    s: Session,
    course: Course,
    user: User,
    status: RegistrationStatus,
    *,
    waitlist_position: int | None = None,
    applied: datetime | None = None,
) -> Registration:
    """A registration written directly, as the rules would have left it (no mail)."""
    data = application_data(email=user.email, certificate_name=user.name, language=user.locale)
    registration = Registration(
        course=course,
        user=user,
        status=status,
        waitlist_position=waitlist_position,
        created_at=applied or now_utc(),
        **registration_fields(data),
    )
    s.add(registration)
    s.flush()
    return registration


def registration_status(s: Session, course_slug: str, email_address: str) -> RegistrationStatus:
    return s.scalars(
        sa.select(Registration.status)
        .join(Registration.course)
        .where(Course.slug == course_slug, Registration.email == email_address)
    ).one()


def outbox(s: Session, recipient: str) -> list[EmailMessage]:
    """The messages queued for ``recipient``, oldest first, parsed."""
    rows = s.scalars(
        sa.select(OutboxMessage.raw)
        .where(OutboxMessage.recipient == recipient)
        .order_by(OutboxMessage.id)
    ).all()
    return [email.message_from_bytes(raw, policy=email.policy.default) for raw in rows]  # type: ignore[misc]


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def confirmation_path(message: EmailMessage) -> str:
    """The path of the confirmation link in a sign-up or new-address mail."""
    match = re.search(r"https?://[^/\s]+(/\S*/confirm/[A-Za-z0-9_-]+)", body(message))
    assert match is not None, body(message)
    return match.group(1)


# Pages --------------------------------------------------------------------------------------


def log_in(page: Any, email_address: str, password: str = PASSWORD) -> None:
    """Log in through the form (the page is checked), ending on the page the site goes to."""
    page.goto("/login")
    check_a11y(page)
    page.get_by_label("Email address").fill(email_address)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    check_a11y(page)
