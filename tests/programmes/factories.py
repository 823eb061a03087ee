"""Builders for programmes and events (events are Course rows of another kind), used by the
programme, catalogue and feed tests. Each flushes."""

from __future__ import annotations

from datetime import date, datetime, time

from app.core.timeutil import local_to_utc
from app.courses.models import (
    Course,
    CourseKind,
    CourseStatus,
    Programme,
    ProgrammeTranslation,
    RegistrationMode,
)
from app.extensions import db
from app.schedule.models import CourseSession, SessionKind
from app.venues.models import Room, Venue
from tests.factories import make_course

QUITO = "America/Guayaquil"
ROME = "Europe/Rome"


def make_programme(
    slug: str = "joint-programme",
    *,
    title: str = "Joint Global Programme on Mainstreaming Migration",
    summary: str = "IOM and UNDP help governments build migration into development planning.",
    texts: dict[str, str] | None = None,
    countries: str = "",
) -> Programme:
    """A programme with an English text, plus ``texts`` ({locale: title}) in other languages."""
    translations = [ProgrammeTranslation(locale="en", title=title, summary=summary)]
    for locale, other in (texts or {}).items():
        translations.append(ProgrammeTranslation(locale=locale, title=other, summary=""))
    programme = Programme(slug=slug, countries=countries, translations=translations)
    db.session.add(programme)
    db.session.flush()
    return programme


def make_quito_venue() -> Venue:
    venue = Venue(
        name="Casa de la Cultura Ecuatoriana",
        address="Av. 6 de Diciembre N16-224",
        city="Quito",
        country="EC",
        timezone=QUITO,
        rooms=[Room(name="Side event room 12", seats=80)],
    )
    db.session.add(venue)
    db.session.flush()
    return venue


def make_event(
    kind: CourseKind,
    *,
    title: str,
    start: date,
    slug: str | None = None,
    venue: Venue | None = None,
    online: bool = False,
    host: Course | None = None,
    programme: Programme | None = None,
    status: CourseStatus = CourseStatus.PUBLISHED,
    days: int = 1,
    languages: str = "en",
) -> Course:
    """An event (or a course, with ``CourseKind.COURSE``): on site at ``venue`` (a new Turin
    venue by default), or online with no venue."""
    event = make_course(slug=slug, title=title, start=start, venue=venue, status=status)
    event.kind = kind
    event.days = days
    event.languages = languages
    event.host_event = host
    event.programme = programme
    if online:
        event.is_online = True
        event.venue = None
    db.session.flush()
    return event


def add_session(
    course: Course,
    title: str,
    day: date,
    start: time,
    end: time,
    *,
    kind: SessionKind = SessionKind.PLENARY,
) -> CourseSession:
    """A session at the course's wall-clock time (UTC for a course without a venue)."""
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


def at(day: date, hour: int, zone: str) -> datetime:
    return local_to_utc(day, time(hour, 0), zone)


def no_registration(course: Course) -> Course:
    course.registration_mode = RegistrationMode.NONE
    db.session.flush()
    return course
