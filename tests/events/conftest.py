"""Helpers for the event tests: Habitat III in Quito as the host, an online webinar, and the
course form as an organiser fills it for an event."""

from __future__ import annotations

from datetime import date, datetime, time

from app.core.timeutil import local_to_utc
from app.courses.models import Course, CourseKind, CourseStatus, RegistrationMode
from app.extensions import db
from app.schedule.models import CourseSession, SessionKind
from app.venues.models import Venue
from tests.factories import make_course, make_venue

QUITO = "America/Guayaquil"
HABITAT_START = date(2016, 10, 17)  # Habitat III, Quito, 17 to 20 October 2016


def quito_venue() -> Venue:
    venue = make_venue(QUITO, rooms=("Sala 1", "Sala 2"))
    venue.name = "Casa de la Cultura Ecuatoriana"
    venue.address = "Av. 6 de Diciembre"
    venue.city = "Quito"
    db.session.flush()
    return venue


def make_event(
    *,
    kind: CourseKind = CourseKind.SIDE_EVENT,
    title: str = "Migration toolbox for urban governance",
    start: date = date(2016, 10, 18),
    days: int = 1,
    venue: Venue | None = None,
    online_url: str | None = None,
    host: Course | None = None,
    mode: RegistrationMode = RegistrationMode.RSVP,
    status: CourseStatus = CourseStatus.PUBLISHED,
    **kwargs: object,
) -> Course:
    """A published event: on site at ``venue`` (a new Quito venue by default), or online when
    ``online_url`` is given."""
    event = make_course(
        title=title,
        start=start,
        venue=venue or quito_venue(),
        status=status,
        **kwargs,  # type: ignore[arg-type]
    )
    event.kind = kind
    event.days = days
    event.capacity = None
    event.registration_mode = mode
    event.host_event = host
    if online_url is not None:
        event.venue = None
        event.is_online = True
        event.online_url = online_url
    db.session.flush()
    return event


def add_session(
    event: Course, title: str, day: date, start: time, end: time, *, tz: str | None = None
) -> CourseSession:
    """A session at ``start``–``end`` on ``day`` in ``tz`` (default: the event's zone)."""
    tz = tz or event.timezone
    session = CourseSession(
        course=event,
        title=title,
        kind=SessionKind.PANEL,
        starts_at=local_to_utc(day, start, tz),
        ends_at=local_to_utc(day, end, tz),
    )
    db.session.add(session)
    db.session.flush()
    return session


def event_form(venue: Venue | None, **overrides: object) -> dict[str, object]:
    """The course form as an organiser fills it for a one-day side event at ``venue``."""
    data: dict[str, object] = {
        "kind": "side_event",
        "default_locale": "en",
        "text_en-title": "Migration toolbox for urban governance",
        "text_en-summary": "Presentation of a toolbox for cities, at Habitat III.",
        "languages": ["en", "es"],
        "venue_id": str(venue.id) if venue else "0",
        "start_date": "2016-10-18",
        "days": "1",
        "capacity": "",
        "registration_mode": "rsvp",
        "contact_name": "Events team",
        "contact_email": "events@example.org",
        "status": "published",
        "offer_hours": "72",
        "host_event_id": "0",
        "programme_id": "0",
        "partners-0-organisation": "ITC-ILO",
        "partners-0-role": "organiser",
        "partners-1-organisation": "United Cities and Local Governments",
        "partners-1-role": "co_organiser",
        "partners-2-organisation": "",
        "partners-2-role": "funder",
    }
    data.update(overrides)
    return data


def utc(*args: int) -> datetime:
    from datetime import UTC

    return datetime(*args, tzinfo=UTC)
