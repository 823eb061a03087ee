"""What the course builder's tests hand to the services: the details an organiser types, and
what they read back (mail, local times)."""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa

from app.core.timeutil import local_to_utc, to_local
from app.courses import services
from app.courses.models import Course, PartnerRole
from app.extensions import db
from app.followup.models import ActivityKind, FollowupActivity
from app.mail.models import OutboxMessage
from app.schedule.models import CourseSession, SessionKind

ROME = "Europe/Rome"
QUITO = "America/Guayaquil"


def details(venue, **overrides) -> services.CourseDetails:
    """A five-day course in Turin in November 2018, in English and French, registration from
    1 June to 19 October, organised with IOM."""
    values: dict[str, object] = dict(
        venue=venue,
        start_date=date(2018, 11, 19),
        texts={
            "en": services.CourseText("Governing migration at the local level", "Five days."),
            "fr": services.CourseText("Gestion de la migration au niveau local"),
        },
        languages=["en", "fr"],
        registration_opens_on=date(2018, 6, 1),
        registration_closes_on=date(2018, 10, 19),
        partners=[("ITC-ILO", PartnerRole.ORGANISER), ("IOM", PartnerRole.CO_ORGANISER)],
    )
    values.update(overrides)
    return services.CourseDetails(**values)  # type: ignore[arg-type]


def details_of(course: Course, **overrides) -> services.CourseDetails:
    """The details form of ``course`` as it stands, changed by ``overrides``: what an organiser
    sends when they change one field and save."""
    tz = course.timezone
    values: dict[str, object] = dict(
        venue=course.venue,
        start_date=course.start_date,
        days=course.days,
        capacity=course.capacity,
        default_locale=course.default_locale,
        languages=course.language_list,
        registration_opens_on=(
            to_local(course.registration_opens_at, tz).date()
            if course.registration_opens_at
            else None
        ),
        registration_closes_on=(
            to_local(course.registration_closes_at, tz).date()
            if course.registration_closes_at
            else None
        ),
        requires_approval=course.requires_approval,
        waitlist_offers=course.waitlist_offers,
        offer_hours=course.offer_hours,
        min_attendance_days=course.min_attendance_days,
        contact_name=course.contact_name,
        contact_email=course.contact_email,
        status=course.status,
        texts={
            t.locale: services.CourseText(t.title, t.summary, t.description)
            for t in course.translations
        },
        partners=[(p.organisation.name, p.role) for p in course.partners],
        kind=course.kind,
        is_online=course.is_online,
        online_url=course.online_url,
        registration_mode=course.registration_mode,
        host_event=course.host_event,
        programme=course.programme,
    )
    values.update(overrides)
    return services.CourseDetails(**values)  # type: ignore[arg-type]


def add_session(
    course: Course,
    day: date,
    start: time,
    end: time,
    title: str = "Session",
    *,
    kind: SessionKind = SessionKind.PLENARY,
) -> CourseSession:
    """A session at the venue's wall-clock time."""
    session = CourseSession(
        course=course,
        title=title,
        kind=kind,
        starts_at=local_to_utc(day, start, course.timezone),
        ends_at=local_to_utc(day, end, course.timezone),
    )
    db.session.add(session)
    db.session.flush()
    return session


def add_webinar(course: Course, day: date, start: time, end: time, title: str = "Coaching webinar"):
    activity = FollowupActivity(
        course=course,
        position=len(course.activities),  # after the ones there, as the form adds it
        kind=ActivityKind.WEBINAR,
        title=title,
        starts_at=local_to_utc(day, start, course.timezone),
        ends_at=local_to_utc(day, end, course.timezone),
    )
    db.session.add(activity)
    db.session.flush()
    return activity


def add_assignment(course: Course, due: date, title: str = "Action plan") -> FollowupActivity:
    activity = FollowupActivity(
        course=course,
        position=len(course.activities),  # after the ones there, as the form adds it
        kind=ActivityKind.ASSIGNMENT,
        title=title,
        due_at=local_to_utc(due, time(23, 59), course.timezone),
        is_required=True,
    )
    db.session.add(activity)
    db.session.flush()
    return activity


def wall_clock(value: datetime, tz: str = ROME) -> tuple[int, ...]:
    """(year, month, day, hour, minute) of ``value`` at the venue."""
    return to_local(value, tz).timetuple()[:5]


def mail_to(*emails: str) -> list[tuple[str, str]]:
    """(recipient, subject) of the mail queued for these addresses, in order."""
    rows = db.session.execute(
        sa.select(OutboxMessage.recipient, OutboxMessage.subject)
        .where(OutboxMessage.recipient.in_(emails))
        .order_by(OutboxMessage.id)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]
