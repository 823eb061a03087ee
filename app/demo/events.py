"""Demo events: the Habitat III conference in Quito (October 2016) with its side events and a
special session, an online webinar, and the joint programme that groups the 2017 Turin courses.

Each item is looked up by its slug first, so running the demo again changes nothing.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import sqlalchemy as sa

from app.accounts.models import User
from app.core.timeutil import local_to_utc
from app.courses.models import (
    Course,
    CourseKind,
    CoursePartner,
    CourseStatus,
    CourseTeamMember,
    CourseTranslation,
    PartnerRole,
    Programme,
    ProgrammeTranslation,
    RegistrationMode,
    TeamRole,
)
from app.courses.services import get_or_create_organisation
from app.extensions import db
from app.schedule.models import CourseSession, SessionKind
from app.venues.models import Room, Venue

QUITO_TZ = "America/Guayaquil"
HABITAT_SLUG = "habitat-iii-quito-2016"
WEBINAR_SLUG = "webinar-migration-data-local-plans-2017"
PROGRAMME_SLUG = "joint-programme-mainstreaming-migration"
PROGRAMME_COUNTRIES = ["BD", "EC", "JM", "KG", "MD", "MA", "RS", "TN"]

UCLG = "United Cities and Local Governments (UCLG)"
JMDI = "UN Joint Migration and Development Initiative (JMDI)"


def seed_events(organiser: User, turin_courses: list[Course]) -> list[str]:
    """Create what is missing; return the slugs created."""
    created: list[str] = []
    if _find(Programme, PROGRAMME_SLUG) is None:
        _programme(turin_courses)
        created.append(PROGRAMME_SLUG)
    if _find(Course, HABITAT_SLUG) is None:
        created.extend(_habitat_iii(organiser))
    if _find(Course, WEBINAR_SLUG) is None:
        _webinar(organiser)
        created.append(WEBINAR_SLUG)
    db.session.flush()
    return created


def _find(model: type, slug: str) -> object | None:
    return db.session.scalar(sa.select(model).where(model.slug == slug))


def _programme(turin_courses: list[Course]) -> Programme:
    programme = Programme(
        slug=PROGRAMME_SLUG,
        funder=get_or_create_organisation("Swiss Agency for Development and Cooperation (SDC)"),
        countries=",".join(PROGRAMME_COUNTRIES),
        translations=[
            ProgrammeTranslation(
                locale="en",
                title="Joint Global Programme on Mainstreaming Migration into National "
                "Development Strategies",
                summary="IOM and UNDP help governments build migration into development "
                "planning, with eight partner countries; the second phase includes the 2017 "
                "Turin courses.",
            ),
            ProgrammeTranslation(
                locale="fr",
                title="Programme mondial conjoint sur l'intégration de la migration dans les "
                "stratégies nationales de développement",
                summary="L'OIM et le PNUD aident les gouvernements à intégrer la migration dans "
                "la planification du développement, avec huit pays partenaires.",
            ),
            ProgrammeTranslation(
                locale="es",
                title="Programa Global Conjunto sobre la Integración de la Migración en las "
                "Estrategias Nacionales de Desarrollo",
                summary="La OIM y el PNUD ayudan a los gobiernos a integrar la migración en la "
                "planificación del desarrollo, con ocho países asociados.",
            ),
        ],
    )
    db.session.add(programme)
    for course in turin_courses:
        course.programme = programme
    return programme


def _quito_venue() -> Venue:
    venue = db.session.scalar(
        sa.select(Venue).where(
            Venue.city == "Quito", Venue.name == "Casa de la Cultura Ecuatoriana"
        )
    )
    if venue is None:
        venue = Venue(
            name="Casa de la Cultura Ecuatoriana",
            address="Av. 6 de Diciembre N16-224 y Av. Patria",
            city="Quito",
            country="EC",
            timezone=QUITO_TZ,
            rooms=[
                Room(name="Side event room 12", seats=80),
                Room(name="Side event room 18", seats=120),
            ],
        )
        db.session.add(venue)
        db.session.flush()
    return venue


def _event(
    slug: str,
    kind: CourseKind,
    start: date,
    texts: dict[str, tuple[str, str]],
    *,
    organiser: User,
    venue: Venue | None,
    registration_mode: RegistrationMode,
    capacity: int | None,
    partners: list[tuple[str, PartnerRole]],
    days: int = 1,
) -> Course:
    event = Course(
        slug=slug,
        kind=kind,
        start_date=start,
        days=days,
        venue=venue,
        capacity=capacity,
        registration_mode=registration_mode,
        status=CourseStatus.PUBLISHED,
        languages="en,es",
        contact_name="Migration and development team",
        contact_email="migration-events@example.org",
        translations=[
            CourseTranslation(locale=locale, title=title, summary=summary)
            for locale, (title, summary) in texts.items()
        ],
        partners=[
            CoursePartner(organisation=get_or_create_organisation(name), role=role, position=i)
            for i, (name, role) in enumerate(partners)
        ],
        team=[CourseTeamMember(user=organiser, role=TeamRole.ORGANISER)],
    )
    db.session.add(event)
    return event


def _session(event: Course, day: date, start: time, end: time, title: str, **extra: object) -> None:
    tz = event.timezone
    event.sessions.append(
        CourseSession(
            title=title,
            starts_at=local_to_utc(day, start, tz),
            ends_at=local_to_utc(day, end, tz),
            **extra,
        )
    )


def _habitat_iii(organiser: User) -> list[str]:
    venue = _quito_venue()
    room_12, room_18 = sorted(venue.rooms, key=lambda r: r.name)
    conference = _event(
        HABITAT_SLUG,
        CourseKind.CONFERENCE,
        date(2016, 10, 17),
        {
            "en": (
                "Habitat III, the UN Conference on Housing and Sustainable Urban Development",
                "Quito, 17–20 October 2016: the conference that adopted the New Urban Agenda. "
                "Our side events and special session on migration took place there.",
            ),
            "es": (
                "Hábitat III, Conferencia de las Naciones Unidas sobre la Vivienda y el "
                "Desarrollo Urbano Sostenible",
                "Quito, 17–20 de octubre de 2016: la conferencia que adoptó la Nueva Agenda "
                "Urbana.",
            ),
        },
        organiser=organiser,
        venue=venue,
        registration_mode=RegistrationMode.NONE,
        capacity=None,
        partners=[],
        days=4,
    )
    toolbox = _event(
        "habitat-iii-side-event-migration-toolbox",
        CourseKind.SIDE_EVENT,
        date(2016, 10, 18),
        {
            "en": (
                "Migration and local development: a toolbox for urban governance",
                "Presentation of the JMDI toolbox on migration and local development for "
                "mayors, planners and networks of local governments.",
            ),
            "es": (
                "Migración y desarrollo local: una caja de herramientas para la gobernanza urbana",
                "Presentación de la caja de herramientas de la ICMD sobre migración y "
                "desarrollo local.",
            ),
        },
        organiser=organiser,
        venue=venue,
        registration_mode=RegistrationMode.RSVP,
        capacity=80,
        partners=[(JMDI, PartnerRole.ORGANISER), (UCLG, PartnerRole.CO_ORGANISER)],
    )
    welcome = _event(
        "habitat-iii-side-event-cities-of-welcome",
        CourseKind.SIDE_EVENT,
        date(2016, 10, 19),
        {
            "en": (
                "Cities of welcome: local responses to migrants and refugees",
                "Mayors and civil society compare how their cities receive newcomers.",
            ),
            "es": (
                "Ciudades de acogida: respuestas locales a migrantes y refugiados",
                "Alcaldes y sociedad civil comparan cómo sus ciudades reciben a los recién "
                "llegados.",
            ),
        },
        organiser=organiser,
        venue=venue,
        registration_mode=RegistrationMode.NONE,
        capacity=None,
        partners=[(UCLG, PartnerRole.ORGANISER), (JMDI, PartnerRole.CO_ORGANISER)],
    )
    special = _event(
        "habitat-iii-special-session-migration-refugees",
        CourseKind.SPECIAL_SESSION,
        date(2016, 10, 19),
        {
            "en": (
                "Special session on migration and refugees in urban settings",
                "A special session of the conference on how cities include migrants and "
                "refugees in the New Urban Agenda.",
            ),
            "es": (
                "Sesión especial sobre migración y refugiados en entornos urbanos",
                "Una sesión especial de la conferencia sobre la inclusión de migrantes y "
                "refugiados en la Nueva Agenda Urbana.",
            ),
        },
        organiser=organiser,
        venue=venue,
        registration_mode=RegistrationMode.NONE,
        capacity=None,
        partners=[(JMDI, PartnerRole.CO_ORGANISER)],
    )
    for event in (toolbox, welcome, special):
        event.host_event = conference
    db.session.flush()
    _session(
        toolbox,
        date(2016, 10, 18),
        time(11, 0),
        time(12, 30),
        "Presentation and discussion",
        kind=SessionKind.PANEL,
        room=room_12,
    )
    _session(
        welcome,
        date(2016, 10, 19),
        time(14, 0),
        time(15, 30),
        "Panel of mayors",
        kind=SessionKind.PANEL,
        room=room_18,
    )
    _session(
        special,
        date(2016, 10, 19),
        time(9, 0),
        time(10, 30),
        "Special session on migration and refugees",
        kind=SessionKind.PLENARY,
        room=room_18,
    )
    return [conference.slug, toolbox.slug, welcome.slug, special.slug]


def _webinar(organiser: User) -> Course:
    webinar = _event(
        WEBINAR_SLUG,
        CourseKind.WEBINAR,
        date(2017, 12, 14),
        {
            "en": (
                "Webinar: using migration data in local development plans",
                "A live online session of the follow-up kind, open to alumni of the Turin "
                "courses and their colleagues.",
            ),
            "fr": (
                "Webinaire : utiliser les données migratoires dans les plans de développement "
                "local",
                "Une séance en ligne en direct, ouverte aux anciens participants des cours de "
                "Turin et à leurs collègues.",
            ),
        },
        organiser=organiser,
        venue=None,
        registration_mode=RegistrationMode.RSVP,
        capacity=100,
        partners=[(JMDI, PartnerRole.ORGANISER)],
    )
    webinar.is_online = True
    webinar.online_url = "https://meet.example.org/jmdi-webinar"
    db.session.flush()
    start = local_to_utc(date(2017, 12, 14), time(14, 0), "UTC")
    webinar.sessions.append(
        CourseSession(
            title="Migration data for local plans",
            kind=SessionKind.PLENARY,
            starts_at=start,
            ends_at=start + timedelta(minutes=90),
        )
    )
    return webinar
