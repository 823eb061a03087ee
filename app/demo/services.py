"""The demo data behind ``flask seed-demo``: the toolbox, the Turin campus, the two 2017 Turin
courses and an upcoming edition open for registration, and three demo accounts.

Everything is looked up before it is created, so running it again changes nothing (except that
a new upcoming edition is made when the previous one is no longer open for registration).
People are fictional and use example.org addresses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app.accounts.models import Role, User
from app.accounts.services import create_user, find_user_by_email
from app.core.timeutil import local_to_utc
from app.courses import editions, windows
from app.courses import services as courses
from app.courses.models import Course, CourseStatus, PartnerRole
from app.db import now_utc
from app.demo import finance as demo_finance
from app.demo.events import seed_events
from app.demo.online import seed_online_phase
from app.extensions import db
from app.finance import fees as finance
from app.followup.models import ActivityKind, Submission, SubmissionVersion
from app.followup.services import ActivityData, create_activity
from app.invoices.demo import seed_invoices
from app.modules.models import Module
from app.modules.services import seed_modules
from app.registration import services as registration_services
from app.registration.models import (
    Attendance,
    Funding,
    Gender,
    OrganisationType,
    Registration,
    RegistrationEvent,
    RegistrationStatus,
)
from app.registration.services import ApplicationData, registration_fields
from app.schedule.models import SessionKind
from app.schedule.proposal import propose_timetable
from app.venues.services import seed_turin_venue
from app.visas import services as visa_services
from app.visas.details import LetterDetails

DEMO_ACCOUNTS = [
    # email, name, role, language, password (demo only: printed by the command, shown in README)
    ("admin@example.org", "Camille Durand", Role.ADMIN, "fr", "admin-demo-2017"),
    ("organiser@example.org", "Marco Bianchi", Role.ORGANISER, "en", "organiser-demo-2017"),
    ("participant@example.org", "Ana Souza", Role.PARTICIPANT, "es", "participant-demo-2017"),
]

GOVERNING_SLUG = "governing-migration-local-level-2017"
MAINSTREAMING_SLUG = "mainstreaming-migration-policy-planning-2017"

ITC = "International Training Centre of the ILO (ITC-ILO)"
IOM = "International Organization for Migration (IOM)"
UNDP = "United Nations Development Programme (UNDP)"
ILO = "International Labour Organization (ILO)"
SDC = "Swiss Agency for Development and Cooperation (SDC)"


@dataclass
class DemoReport:
    created: list[str] = field(default_factory=list)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # email, role, password
    upcoming_slug: str = ""


def seed_demo(today: date) -> DemoReport:
    report = DemoReport()
    modules_created = seed_modules()
    if modules_created:
        report.created.append(f"{modules_created} toolbox modules")
    venue = seed_turin_venue()
    organiser = None
    for email, name, role, locale, password in DEMO_ACCOUNTS:
        user = find_user_by_email(email)
        if user is None:
            user = create_user(email, name, password, locale=locale, role=role)
            report.created.append(f"account {email}")
        report.accounts.append((email, role.value, password))
        if role == Role.ORGANISER:
            organiser = user
    assert organiser is not None

    mainstreaming = _course(MAINSTREAMING_SLUG)
    if mainstreaming is None:
        mainstreaming = _mainstreaming_course(venue, organiser)
        report.created.append(f"course {MAINSTREAMING_SLUG}")
    governing = _course(GOVERNING_SLUG)
    if governing is None:
        governing = _governing_course(venue, organiser)
        _past_participants(governing, organiser)
        seed_online_phase(governing, organiser)
        report.created.append(f"course {GOVERNING_SLUG} with its participants")
    if finance.fees_of(governing) is None:
        demo_finance.seed_fees(governing, organiser)
        demo_finance.seed_past_awards(governing, organiser)
        report.created.append(f"fees and fellowships of {GOVERNING_SLUG}")

    report.created.extend(seed_events(organiser, [mainstreaming, governing]))

    upcoming = _open_edition(governing, today)
    if upcoming is None:
        upcoming = _upcoming_edition(governing, organiser, today)
        now = local_to_utc(today, time(12, 0), upcoming.timezone)
        _first_applicants(upcoming, now=now)
        _visa_letters(upcoming, organiser, now=now)
        report.created.append(f"course {upcoming.slug} with its first applicants")
    if finance.fees_of(upcoming) is None:
        demo_finance.seed_fees(upcoming, organiser)
    demo_finance.seed_applicant_requests(upcoming, organiser)
    report.upcoming_slug = upcoming.slug
    if seed_invoices(upcoming, organiser, now=local_to_utc(today, time(12, 0), upcoming.timezone)):
        report.created.append(f"invoices and a payment on {upcoming.slug}")
    db.session.flush()
    return report


def _course(slug: str) -> Course | None:
    return db.session.scalar(sa.select(Course).where(Course.slug == slug))


def _modules(*codes: str) -> list[Module]:
    found = {m.code: m for m in db.session.scalars(sa.select(Module).where(Module.code.in_(codes)))}
    return [found[code] for code in codes]


def _details(
    venue, start: date, texts: dict[str, courses.CourseText], **extra
) -> courses.CourseDetails:  # type: ignore[no-untyped-def]
    return courses.CourseDetails(
        venue=venue,
        start_date=start,
        texts=texts,
        status=CourseStatus.PUBLISHED,
        contact_name="Migration and development team",
        contact_email="migration-courses@example.org",
        **extra,
    )


def _mainstreaming_course(venue, organiser: User) -> Course:  # type: ignore[no-untyped-def]
    course = courses.create_course(
        _details(
            venue,
            date(2017, 10, 30),
            {
                "en": courses.CourseText(
                    "Mainstreaming migration into policy planning",
                    "How governments build migration into development plans and sector "
                    "policies: tools, institutional coordination and peer learning.",
                    "A one-week course of the IOM–UNDP joint global programme on mainstreaming "
                    "migration into national development strategies.\n\n"
                    "Officials of planning ministries and sector institutions work through the "
                    "mainstreaming cycle with case studies from the programme's partner "
                    "countries, group work and debates.",
                ),
                "fr": courses.CourseText(
                    "Intégrer la migration dans la planification des politiques",
                    "Comment les gouvernements intègrent la migration dans leurs plans de "
                    "développement et leurs politiques sectorielles.",
                ),
                "es": courses.CourseText(
                    "Integrar la migración en la planificación de políticas",
                    "Cómo los gobiernos integran la migración en sus planes de desarrollo y "
                    "políticas sectoriales.",
                ),
            },
            capacity=40,
            registration_opens_on=date(2017, 6, 1),
            registration_closes_on=date(2017, 10, 2),
            partners=[
                (ITC, PartnerRole.ORGANISER),
                (IOM, PartnerRole.CO_ORGANISER),
                (ILO, PartnerRole.CO_ORGANISER),
                (UNDP, PartnerRole.CO_ORGANISER),
                (SDC, PartnerRole.FUNDER),
            ],
        ),
        slug=MAINSTREAMING_SLUG,
        actor=organiser,
    )
    # This course gave its days themes of their own rather than toolbox modules.
    courses.set_focuses(
        course,
        [
            courses.Focus(module=_modules("CORE")[0]),
            courses.Focus(theme="Mainstreaming migration: the approach and the cycle"),
            courses.Focus(theme="Policy coherence and institutional coordination"),
            courses.Focus(theme="Migration in sector policies: employment, health, education"),
            courses.Focus(theme="Monitoring, evaluation and the 2030 Agenda"),
        ],
        actor=organiser,
    )
    propose_timetable(course, room=_main_room(venue))
    return course


def _governing_course(venue, organiser: User) -> Course:  # type: ignore[no-untyped-def]
    course = courses.create_course(
        _details(
            venue,
            date(2017, 11, 20),
            {
                "en": courses.CourseText(
                    "Governing migration at the local level",
                    "Five days on how towns and regions can manage migration for local "
                    "development, built on the JMDI toolbox, with an online follow-up phase.",
                    "Local and regional authorities are on the front line of migration. This "
                    "workshop, organised with IOM, takes one module of the JMDI toolbox on "
                    "migration and local development as the focus of each day.\n\n"
                    "Policymakers, civil society and academia share the room: lectures, case "
                    "studies, group work, debates, role play and a study visit to local "
                    "institutions in Turin. Two weeks after the on-site week, an online "
                    "follow-up phase helps participants turn their action plans into practice.",
                ),
                "fr": courses.CourseText(
                    "Gestion de la migration au niveau local",
                    "Cinq jours pour apprendre comment les villes et les régions peuvent gérer "
                    "la migration au service du développement local, à partir de la boîte à "
                    "outils de l'ICMD, suivis d'une phase de suivi en ligne.",
                ),
                "es": courses.CourseText(
                    "Gobernanza de la migración a nivel local",
                    "Cinco días sobre cómo las ciudades y regiones pueden gestionar la migración "
                    "para el desarrollo local, basados en la caja de herramientas de la ICMD, "
                    "con una fase de seguimiento en línea.",
                ),
            },
            languages=["en", "fr"],
            registration_opens_on=date(2017, 6, 15),
            registration_closes_on=date(2017, 10, 27),
            partners=[(ITC, PartnerRole.ORGANISER), (IOM, PartnerRole.CO_ORGANISER)],
        ),
        slug=GOVERNING_SLUG,
        actor=organiser,
    )
    courses.set_focuses(
        course,
        [courses.Focus(module=m) for m in _modules("M1", "M2", "M3", "M4", "M5")],
        actor=organiser,
    )
    propose_timetable(course, room=_main_room(venue))
    _add_study_visit(course)
    _add_followup_plan(course, organiser)
    return course


def _main_room(venue):  # type: ignore[no-untyped-def]
    return max(venue.rooms, key=lambda r: r.seats or 0) if venue.rooms else None


def _add_study_visit(course: Course) -> None:
    """Wednesday afternoon becomes a study visit, as the Turin courses usually have one."""
    wednesday = course.start_date + timedelta(days=2)
    tz = course.timezone
    afternoon_start = local_to_utc(wednesday, time(14, 0), tz)
    afternoon = [
        s
        for s in course.sessions
        if s.starts_at >= afternoon_start and s.starts_at.date() == afternoon_start.date()
    ]
    if not afternoon:
        return
    visit, *rest = sorted(afternoon, key=lambda s: s.starts_at)
    visit.title = "Study visit: the city's migrant information centre"
    visit.kind = SessionKind.STUDY_VISIT
    visit.room = None
    visit.description = (
        "Meet the staff of a municipal one-stop shop for newcomers. Transport from the campus."
    )
    visit.ends_at = max(s.ends_at for s in afternoon)
    for session in rest:
        course.sessions.remove(session)


def _add_followup_plan(course: Course, organiser: User) -> None:
    opens = course.followup_opens_on
    assert opens is not None
    plan = [
        ActivityData(
            kind=ActivityKind.DISCUSSION,
            title="Introduce your local action plan",
            description="Share the action plan you drafted in Turin and comment on two others.",
            day=opens,
        ),
        ActivityData(
            kind=ActivityKind.WEBINAR,
            title="Live session: financing local migration initiatives",
            description="With questions from participants.",
            day=opens + timedelta(days=6),
            start_time=time(14, 0),
            end_time=time(15, 30),
            link="https://meet.example.org/governing-migration",
        ),
        ActivityData(
            kind=ActivityKind.ASSIGNMENT,
            title="Assignment: final action plan",
            description="Submit the revised action plan for your town or region.",
            due_date=opens + timedelta(days=20),
        ),
    ]
    for data in plan:
        create_activity(course, data, actor=organiser)


def _open_edition(course: Course, today: date) -> Course | None:
    """A later edition of ``course`` that is published and open for registration today."""
    now = local_to_utc(today, time(12, 0), course.timezone)
    later = db.session.scalars(
        sa.select(Course).where(Course.edition_of_id == course.id, Course.start_date > today)
    )
    for edition in later:
        if windows.registration_window(edition, now) == windows.RegistrationWindow.OPEN:
            return edition
    return None


def _upcoming_edition(course: Course, organiser: User, today: date) -> Course:
    """The next edition: a Monday about three months ahead, registration open from two weeks
    ago until three weeks before the start."""
    start = today + timedelta(weeks=12)
    start -= timedelta(days=start.weekday())
    edition = editions.copy_as_new_edition(course, start, slug=None, actor=organiser)
    tz = course.timezone
    edition.status = CourseStatus.PUBLISHED
    edition.registration_opens_at = local_to_utc(today - timedelta(days=14), time(0, 0), tz)
    edition.registration_closes_at = local_to_utc(start - timedelta(days=21), time(23, 59), tz)
    return edition


# Fictional participants: (name on the certificate, email, country, organisation, type, gender,
# language). Accents on purpose: certificates must print them.
PEOPLE = [
    (
        "Ana Souza",
        "participant@example.org",
        "BR",
        "Municipality of Belo Horizonte",
        "local_government",
        "woman",
        "es",
    ),
    (
        "Tesfaye Bekele",
        "tesfaye@example.org",
        "ET",
        "Ministry of Labour and Social Affairs",
        "national_government",
        "man",
        "en",
    ),
    (
        "Jonas Sørensen",
        "jonas@example.org",
        "DE",
        "City of Stuttgart, integration office",
        "local_government",
        "man",
        "en",
    ),
    (
        "Wanjiru Kamau",
        "wanjiru@example.org",
        "KE",
        "Kenya Diaspora Alliance",
        "civil_society",
        "woman",
        "en",
    ),
    (
        "Yasmine El Idrissi",
        "yasmine@example.org",
        "MA",
        "Région de l'Oriental",
        "local_government",
        "woman",
        "fr",
    ),
    ("Lucía Ñúñez", "lucia@example.org", "EC", "Universidad de Cuenca", "academia", "woman", "es"),
    (
        "Ion Rusu",
        "ion@example.org",
        "MD",
        "Bureau for Diaspora Relations",
        "national_government",
        "man",
        "en",
    ),
    (
        "Marija Jovanović",
        "marija@example.org",
        "RS",
        "City of Niš",
        "local_government",
        "woman",
        "en",
    ),
    (
        "Mehmet Şahin",
        "mehmet@example.org",
        "TN",
        "Office des Tunisiens à l'Étranger",
        "national_government",
        "man",
        "fr",
    ),
    (
        "Aigul Toktogulova",
        "aigul@example.org",
        "KG",
        "Bishkek City Hall",
        "local_government",
        "woman",
        "en",
    ),
    (
        "Andre Campbell",
        "andre@example.org",
        "JM",
        "Planning Institute of Jamaica",
        "national_government",
        "man",
        "en",
    ),
    (
        "Farhana Rahman",
        "farhana@example.org",
        "BD",
        "Welfare Association of Returnees",
        "civil_society",
        "woman",
        "en",
    ),
]
PARTICIPANT_PASSWORD = "participant-demo-2017"


def _person(index: int) -> tuple[User, ApplicationData]:
    name, email, country, organisation, kind, gender, language = PEOPLE[index]
    user = find_user_by_email(email) or create_user(
        email, name, PARTICIPANT_PASSWORD, locale=language
    )
    data = ApplicationData(
        certificate_name=name,
        email=email,
        country=country,
        nationality=country,
        organisation=organisation,
        organisation_type=OrganisationType(kind),
        job_title="Migration and development officer",
        language=language,
        funding=Funding.SPONSORED if index % 3 else Funding.EMPLOYER,
        consent_data=True,
        consent_listing=index % 4 != 3,
        gender=Gender(gender),
        diet="Vegetarian" if index % 5 == 1 else "",
        motivation="My institution is preparing a local strategy on migration and development.",
    )
    return user, data


def _past_participants(course: Course, organiser: User) -> None:
    """The 2017 week as it happened: everyone confirmed, attendance ticked, the final action
    plan handed in and marked complete by the organisers (so certificates can be issued)."""
    assignment = next((a for a in course.activities if a.kind == ActivityKind.ASSIGNMENT), None)
    if assignment is not None:
        assignment.is_required = True
    for index in range(len(PEOPLE)):
        user, data = _person(index)
        applied = local_to_utc(
            date(2017, 9, 4) + timedelta(days=3 * index), time(10), course.timezone
        )
        registration = Registration(
            course=course,
            user=user,
            status=RegistrationStatus.CONFIRMED,
            created_at=applied,
            decided_at=applied + timedelta(days=5),
            **registration_fields(data),
        )
        registration.events.append(
            RegistrationEvent(
                actor_id=organiser.id,
                action="confirmed",
                to_status=RegistrationStatus.CONFIRMED,
                created_at=applied + timedelta(days=5),
            )
        )
        db.session.add(registration)
        # One participant missed two days: no certificate for them.
        days = course.day_dates if index != 6 else course.day_dates[:3]
        for day in days:
            registration.attendance.append(
                Attendance(day=day, is_present=True, recorded_by_id=organiser.id)
            )
        if assignment is not None and index != 9:
            db.session.add(
                Submission(
                    activity=assignment,
                    registration=registration,
                    link="https://docs.example.org/action-plan",
                    submitted_at=assignment.due_at or now_utc(),
                    completed_at=assignment.due_at or now_utc(),
                    completed_by_id=organiser.id,
                    # The hand-in itself: its first (and only) version.
                    versions=[
                        SubmissionVersion(
                            number=1,
                            link="https://docs.example.org/action-plan",
                            submitted_at=assignment.due_at or now_utc(),
                            submitted_by=registration.user,
                        )
                    ],
                )
            )
    db.session.flush()


def _first_applicants(course: Course, *, now: datetime) -> None:
    """A few applications to the open edition, through the real rules (mail goes to the outbox)."""
    for index in (0, 3, 5, 8):
        user, data = _person(index)
        if registration_services.find_registration(course, user) is None:
            registration_services.apply(course, user, data, now=now)


# Invitation letters asked for by two confirmed participants of the open edition: Ana's issued
# (the participant demo account downloads it), Wanjiru's waiting for the organisers.
DEMO_VISA_LETTERS = (
    ("participant@example.org", "ANA SOUZA", "FZ4827156", date(1986, 4, 12), "Brasília", "BR"),
    ("wanjiru@example.org", "WANJIRU KAMAU", "AK0193847", date(1990, 9, 3), "Nairobi", "KE"),
)


def _visa_letters(course: Course, organiser: User, *, now: datetime) -> None:
    for index, (email, name, number, born, city, country) in enumerate(DEMO_VISA_LETTERS):
        user = find_user_by_email(email)
        registration = registration_services.find_registration(course, user) if user else None
        if registration is None or registration.status != RegistrationStatus.CONFIRMED:
            continue
        letter = visa_services.request_letter(
            registration,
            LetterDetails(
                passport_name=name,
                passport_number=number,
                nationality=registration.nationality or country,
                birth_date=born,
                passport_expires_on=date(now.year + 6, 1, 31),
                consulate_city=city,
                consulate_country=country,
                language=visa_services.default_language(registration),
            ),
            actor=user,
            now=now,
        )
        if index == 0:
            visa_services.issue(letter, actor=organiser, now=now)
