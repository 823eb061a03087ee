"""``flask bench-data``: a large, realistic data set for the benchmarks, inserted in bulk.

Courses come in series, one edition a year (each a copy of the year before), spread over past
years and the next one; each has its texts, five toolbox modules as focuses, partners, an
organiser and an on-site timetable. Registrations are spread over the non-draft courses and
over fictional participants (example.org addresses), with the states a real desk holds:
confirmed up to the capacity, then waitlisted (upcoming) or cancelled and rejected (past).

Rows go in with SQLAlchemy Core ``insert()``, executemany in batches: the ORM's unit of work
would take minutes for a hundred thousand rows. Every slug and address made here starts with
the prefix (``bench-``), and a second run with the same prefix refuses.
"""

from __future__ import annotations

import math
import random
import time as timer
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, cast

import click
import sqlalchemy as sa

from app.accounts.models import Role, User
from app.core.timeutil import local_date, local_to_utc
from app.courses.models import (
    Course,
    CourseKind,
    CourseModule,
    CoursePartner,
    CourseStatus,
    CourseTeamMember,
    CourseTranslation,
    PartnerRole,
    RegistrationMode,
    TeamRole,
)
from app.courses.services import get_or_create_organisation
from app.db import now_utc
from app.extensions import db
from app.modules.models import Module
from app.modules.services import seed_modules
from app.registration.models import (
    Funding,
    Gender,
    OrganisationType,
    Registration,
    RegistrationEvent,
)
from app.registration.models import RegistrationStatus as S
from app.schedule.models import CourseSession, SessionKind, SessionStatus
from app.venues.models import Venue
from app.venues.services import seed_turin_venue

BATCH = 5000
# One edition a year: a series reaches back this many years (the newest edition is next year's).
EDITIONS_PER_SERIES = 10
# The participants' password (bench accounts only): log in as bench-user-000001@example.org.
BENCH_PASSWORD = "bench-password-2017"

TOPICS = [
    ("Governing migration at the local level", "Gestion de la migration au niveau local"),
    ("Mainstreaming migration into policy planning", "Intégrer la migration dans les politiques"),
    ("Labour migration and development", "Migration de main-d'œuvre et développement"),
    ("Diaspora engagement for local development", "Mobiliser la diaspora"),
    ("Migration data for local plans", "Données migratoires pour les plans locaux"),
    ("Social protection for migrant workers", "Protection sociale des travailleurs migrants"),
    ("Fair recruitment in practice", "Le recrutement équitable en pratique"),
    ("Skills recognition and mobility", "Reconnaissance des compétences et mobilité"),
    ("Return and reintegration", "Retour et réintégration"),
    ("Cities of welcome: integration services", "Villes d'accueil : services d'intégration"),
    ("Remittances and financial inclusion", "Transferts de fonds et inclusion financière"),
    ("Climate, disasters and displacement", "Climat, catastrophes et déplacements"),
]
SESSION_KINDS = [
    SessionKind.PLENARY,
    SessionKind.CASE_STUDY,
    SessionKind.GROUP_WORK,
    SessionKind.PANEL,
    SessionKind.DEBATE,
    SessionKind.ROLE_PLAY,
]
FIRST_NAMES = [
    "Ana", "Tesfaye", "Jonas", "Wanjiru", "Yasmine", "Lucía", "Ion", "Marija", "Mehmet",
    "Aigul", "Andre", "Farhana", "Chen", "Fatou", "Olena", "Rahul", "Sofía", "Kwame",
]  # fmt: skip
LAST_NAMES = [
    "Souza", "Bekele", "Sørensen", "Kamau", "El Idrissi", "Ñúñez", "Rusu", "Jovanović",
    "Şahin", "Toktogulova", "Campbell", "Rahman", "Wei", "Diop", "Kovalenko", "Gupta",
]  # fmt: skip
COUNTRIES = ["BR", "ET", "DE", "KE", "MA", "EC", "MD", "RS", "TN", "KG", "JM", "BD", "SN", "IN"]
ORGANISATIONS = [
    ("Municipality of Belo Horizonte", OrganisationType.LOCAL_GOVERNMENT),
    ("Ministry of Labour and Social Affairs", OrganisationType.NATIONAL_GOVERNMENT),
    ("Kenya Diaspora Alliance", OrganisationType.CIVIL_SOCIETY),
    ("Universidad de Cuenca", OrganisationType.ACADEMIA),
    ("Bureau for Diaspora Relations", OrganisationType.NATIONAL_GOVERNMENT),
    ("City of Niš", OrganisationType.LOCAL_GOVERNMENT),
    ("Welfare Association of Returnees", OrganisationType.CIVIL_SOCIETY),
    ("Regional Employment Office", OrganisationType.LOCAL_GOVERNMENT),
]
PARTNERS = [
    ("International Training Centre of the ILO (ITC-ILO)", PartnerRole.ORGANISER),
    ("International Organization for Migration (IOM)", PartnerRole.CO_ORGANISER),
    ("United Nations Development Programme (UNDP)", PartnerRole.CO_ORGANISER),
    ("Swiss Agency for Development and Cooperation (SDC)", PartnerRole.FUNDER),
]


class AlreadyGenerated(Exception):
    """The data set with this prefix is there already."""


@dataclass(frozen=True)
class BulkPlan:
    courses: int = 2000
    sessions_per_course: int = 30
    registrations: int = 100_000
    users: int | None = None  # default: one participant for every five registrations
    prefix: str = "bench"
    seed: int = 2017

    @property
    def user_count(self) -> int:
        if self.users is not None:
            return self.users
        return max(self.registrations // 5, 1) if self.registrations else 0


@dataclass
class BulkReport:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    organiser_email: str = ""


def organiser_email(prefix: str) -> str:
    return f"{prefix}-organiser@example.org"


def user_email(prefix: str, n: int) -> str:
    return f"{prefix}-user-{n:06d}@example.org"


def person_name(n: int) -> str:
    """The name of participant number ``n``."""
    first = FIRST_NAMES[n % len(FIRST_NAMES)]
    return f"{first} {LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)]}"


def course_slug(prefix: str, n: int, topic: str) -> str:
    words = "-".join(topic.lower().replace(",", "").replace(":", "").split()[:4])
    return f"{prefix}-{n:05d}-{words}"


def _batches(rows: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _table(model: type[Any]) -> sa.Table:
    return cast(sa.Table, model.__table__)


def _insert(model: type[Any], rows: Iterable[dict[str, Any]]) -> int:
    """executemany ``rows`` into the model's table in batches; the number of rows."""
    total = 0
    for batch in _batches(rows):
        db.session.execute(sa.insert(_table(model)), batch)
        total += len(batch)
    return total


def _ids(model: type[Any], key: str, like: str) -> dict[str, int]:
    """Row ids by ``key`` (a unique text column) for the rows whose key is ``like`` that."""
    table = _table(model)
    rows = db.session.execute(sa.select(table.c[key], table.c.id).where(table.c[key].like(like)))
    return {k: i for k, i in rows}


def generate_bulk(plan: BulkPlan, *, now: datetime | None = None) -> BulkReport:
    """Insert the data set of ``plan``. Flushes through Core; the caller commits.

    Raises :class:`AlreadyGenerated` when the prefix's organiser exists."""
    now = now or now_utc()
    rng = random.Random(plan.seed)
    report = BulkReport(organiser_email=organiser_email(plan.prefix))
    started = timer.perf_counter()

    def lap(name: str, count: int) -> None:
        nonlocal started
        report.counts[name] = count
        report.seconds[name] = timer.perf_counter() - started
        started = timer.perf_counter()

    if db.session.scalar(sa.select(User.id).where(User.email == report.organiser_email)):
        raise AlreadyGenerated(plan.prefix)

    seed_modules()
    venues = list(db.session.scalars(sa.select(Venue).order_by(Venue.id)))
    if not venues:
        venues = [seed_turin_venue()]
    modules = list(
        db.session.scalars(
            sa.select(Module).where(Module.is_retired.is_(False)).order_by(Module.position)
        )
    )
    organisations = [(get_or_create_organisation(name), role) for name, role in PARTNERS]
    organiser = User(email=report.organiser_email, name="Bench Organiser", role=Role.ORGANISER)
    # One hash (the app's method) shared by every participant: hashing each would take minutes.
    organiser.set_password(BENCH_PASSWORD)
    password_hash = organiser.password_hash or ""
    db.session.add(organiser)
    db.session.flush()

    lap("users", _insert(User, _user_rows(plan, rng, password_hash, now)))
    # Participant number (as in the address) by user id.
    users = {
        user_id: int(email.split("@")[0].rsplit("-", 1)[1])
        for email, user_id in _ids(User, "email", f"{plan.prefix}-user-%").items()
    }

    courses = list(_course_rows(plan, rng, venues, now))
    _insert(Course, (_columns(c) for c in courses))
    ids = _ids(Course, "slug", f"{plan.prefix}-%")
    for course in courses:
        course["id"] = ids[course["slug"]]
    # Each edition was copied from the year before (the next row of its series).
    series = math.ceil(plan.courses / EDITIONS_PER_SERIES) if plan.courses else 1
    editions = [
        {"b_id": course["id"], "b_of": courses[n + series]["id"]}
        for n, course in enumerate(courses)
        if n + series < len(courses)
    ]
    if editions:
        table = _table(Course)
        db.session.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("b_id"))
            .values(edition_of_id=sa.bindparam("b_of")),
            editions,
        )
    lap("courses", len(courses))

    lap("course texts", _insert(CourseTranslation, _translation_rows(courses)))
    lap("focuses", _insert(CourseModule, _focus_rows(courses, modules)))
    lap("partners", _insert(CoursePartner, _partner_rows(courses, organisations)))
    team = (
        {"course_id": c["id"], "user_id": organiser.id, "role": TeamRole.ORGANISER} for c in courses
    )
    lap("team members", _insert(CourseTeamMember, team))
    rooms = {v.id: [r.id for r in v.rooms] for v in venues}
    timezones = {v.id: v.timezone for v in venues}
    sessions = _session_rows(plan, rng, courses, modules, rooms, timezones)
    lap("sessions", _insert(CourseSession, sessions))

    registrations = list(_registration_rows(plan, rng, courses, users, now))
    lap("registrations", _insert(Registration, registrations))
    lap("registration events", _insert(RegistrationEvent, _event_rows(registrations)))
    return report


def _user_rows(
    plan: BulkPlan, rng: random.Random, password_hash: str, now: datetime
) -> Iterator[dict[str, Any]]:
    for n in range(1, plan.user_count + 1):
        yield {
            "email": user_email(plan.prefix, n),
            "name": person_name(n),
            "password_hash": password_hash,
            "role": Role.PARTICIPANT,
            "locale": ("en", "en", "fr", "es")[n % 4],
            "is_active": True,
            # Before the oldest course of the set opened for registration.
            "created_at": now - timedelta(days=3650 + rng.randint(0, 365)),
        }


def _course_rows(
    plan: BulkPlan, rng: random.Random, venues: list[Venue], now: datetime
) -> Iterator[dict[str, Any]]:
    """Row n is edition n // series of series n % series; edition 0 is next year's."""
    series = math.ceil(plan.courses / EDITIONS_PER_SERIES) if plan.courses else 1
    next_year = local_date(now, "UTC").year + 1
    for n in range(plan.courses):
        serie, edition = n % series, n // series
        venue = venues[serie % len(venues)]
        week = 3 + (serie * 7) % 46
        start = date.fromisocalendar(next_year - edition, week, 1)
        tz = venue.timezone
        status = CourseStatus.PUBLISHED
        if n % 23 == 11:
            status = CourseStatus.DRAFT
        elif n % 29 == 13:
            status = CourseStatus.CANCELLED
        languages = ("en", "en,fr", "en,es", "en,fr,es")[serie % 4]
        yield {
            "uid": str(uuid.uuid4()),
            "slug": course_slug(plan.prefix, n, TOPICS[serie % len(TOPICS)][0]),
            "kind": CourseKind.COURSE,
            "is_online": False,
            "online_url": "",
            "registration_mode": RegistrationMode.FULL,
            "host_event_id": None,
            "programme_id": None,
            "default_locale": "en",
            "languages": languages,
            "venue_id": venue.id,
            "start_date": start,
            "days": 5,
            "capacity": rng.choice((25, 30, 30, 40, 60)),
            "registration_opens_at": local_to_utc(start - timedelta(days=240), time(0), tz),
            "registration_closes_at": local_to_utc(start - timedelta(days=14), time(23, 59), tz),
            "contact_name": "Migration and development team",
            "contact_email": "migration-courses@example.org",
            "status": status,
            "requires_approval": serie % 3 == 0,
            "waitlist_offers": serie % 5 == 0,
            "offer_hours": 72,
            "min_attendance_days": None,
            "followup_opens_on": start + timedelta(days=14),
            "followup_closes_on": start + timedelta(days=56),
            "created_at": local_to_utc(start - timedelta(days=300), time(9), tz),
            "updated_at": local_to_utc(start - timedelta(days=250), time(9), tz),
            # Kept for the rows that follow (not columns of the course table).
            "_serie": serie,
            "_tz": tz,
        }


def _columns(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if not k.startswith("_")}


def _translation_rows(courses: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for course in courses:
        en, fr = TOPICS[course["_serie"] % len(TOPICS)]
        start = course["start_date"]
        yield {
            "course_id": course["id"],
            "locale": "en",
            "title": en,
            "summary": f"Five days in {start:%B %Y} on {en.lower()}, with case studies, group "
            "work and an online follow-up phase.",
            "description": "Policymakers, civil society and academia share the room: lectures, "
            "case studies, group work, debates and a study visit.\n\nTwo weeks after the "
            "on-site week, an online phase helps participants put their action plans to work.",
        }
        if "fr" in course["languages"]:
            yield {
                "course_id": course["id"],
                "locale": "fr",
                "title": fr,
                "summary": "Cinq jours d'études de cas, de travaux de groupe et de débats.",
                "description": "",
            }


def _focus_rows(courses: list[dict[str, Any]], modules: list[Module]) -> Iterator[dict[str, Any]]:
    for course in courses:
        for position in range(min(5, len(modules))):
            module = modules[(course["_serie"] + position) % len(modules)]
            yield {
                "course_id": course["id"],
                "position": position,
                "module_id": module.id,
                "theme": None,
            }


def _partner_rows(
    courses: list[dict[str, Any]], organisations: list[tuple[Any, PartnerRole]]
) -> Iterator[dict[str, Any]]:
    for course in courses:
        chosen = [organisations[0], organisations[1 + course["_serie"] % (len(organisations) - 1)]]
        for position, (organisation, role) in enumerate(chosen):
            yield {
                "course_id": course["id"],
                "organisation_id": organisation.id,
                "role": role,
                "position": position,
            }


def _session_rows(
    plan: BulkPlan,
    rng: random.Random,
    courses: list[dict[str, Any]],
    modules: list[Module],
    rooms: dict[int, list[int]],
    timezones: dict[int, str],
) -> Iterator[dict[str, Any]]:
    per_day = math.ceil(plan.sessions_per_course / 5) if plan.sessions_per_course else 0
    # Slots from 9:00, an hour each with a quarter of an hour between, squeezed to fit the day.
    step = min(75, (14 * 60) // per_day) if per_day else 75
    length = max(step - 15, 15)
    for course in courses:
        tz = timezones[course["venue_id"]]
        room_ids = rooms[course["venue_id"]] or [None]
        for n in range(plan.sessions_per_course):
            day_index, slot = divmod(n, per_day)
            day = course["start_date"] + timedelta(days=day_index)
            minutes = 9 * 60 + slot * step
            starts = local_to_utc(day, time(minutes // 60, minutes % 60), tz)
            module = modules[(course["_serie"] + day_index) % len(modules)] if modules else None
            kind = SESSION_KINDS[(n + course["_serie"]) % len(SESSION_KINDS)]
            cancelled = rng.random() < 0.01
            yield {
                "uid": str(uuid.uuid4()),
                "course_id": course["id"],
                "title": f"Day {day_index + 1}, session {slot + 1}: {kind.value.replace('_', ' ')}",
                "kind": kind,
                "status": SessionStatus.CANCELLED if cancelled else SessionStatus.SCHEDULED,
                "starts_at": starts,
                "ends_at": starts + timedelta(minutes=length),
                "room_id": room_ids[n % len(room_ids)],
                "module_id": module.id if module else None,
                "facilitators": "Ana Souza, Ben Okafor",
                "description": "Cases from three cities, then work in small groups.",
                "sequence": 0,
                "created_at": course["created_at"],
                "updated_at": course["updated_at"],
            }


def _registration_rows(
    plan: BulkPlan,
    rng: random.Random,
    courses: list[dict[str, Any]],
    users: dict[int, int],
    now: datetime,
) -> Iterator[dict[str, Any]]:
    """Registrations of participants (``users``: user id → participant number)."""
    open_courses = [c for c in courses if c["status"] != CourseStatus.DRAFT]
    user_ids = sorted(users)
    if not open_courses or not user_ids or not plan.registrations:
        return
    weights = [rng.uniform(0.3, 1.7) for _ in open_courses]
    picks = rng.choices(range(len(open_courses)), weights=weights, k=plan.registrations)
    per_course = [0] * len(open_courses)
    for pick in picks:
        per_course[pick] += 1
    for course, count in zip(open_courses, per_course, strict=True):
        count = min(count, len(user_ids))
        start = local_to_utc(course["start_date"], time(9), course["_tz"])
        is_past = start < now
        applied_from = course["registration_opens_at"]
        applied_to = min(course["registration_closes_at"], now)
        span = max((applied_to - applied_from).total_seconds(), 3600.0)
        chosen = rng.sample(user_ids, count)
        applied = sorted(applied_from + timedelta(seconds=rng.uniform(0, span)) for _ in chosen)
        waitlist = 0
        for n, (user_id, created) in enumerate(zip(chosen, applied, strict=True)):
            status, position = S.CONFIRMED, None
            if course["status"] == CourseStatus.CANCELLED:
                status = S.CANCELLED
            elif n >= course["capacity"]:
                if is_past:
                    status = S.REJECTED if n % 2 else S.CANCELLED
                else:
                    waitlist += 1
                    status, position = S.WAITLISTED, waitlist
            elif course["requires_approval"] and not is_past and n % 3 == 0:
                status = S.SUBMITTED
            elif n % 17 == 5:
                status = S.CANCELLED
            organisation, kind = ORGANISATIONS[(user_id + course["_serie"]) % len(ORGANISATIONS)]
            country = COUNTRIES[user_id % len(COUNTRIES)]
            number = users[user_id]
            yield {
                "course_id": course["id"],
                "user_id": user_id,
                "status": status,
                "certificate_name": person_name(number),
                "email": user_email(plan.prefix, number),
                "organisation": organisation,
                "country": country,
                "nationality": country,
                "organisation_type": kind,
                "job_title": "Migration and development officer",
                "gender": (Gender.WOMAN, Gender.MAN, Gender.OTHER)[number % 3],
                "language": ("en", "en", "fr", "es")[number % 4],
                "diet": "Vegetarian" if number % 7 == 1 else "",
                "accessibility": "Step-free access" if number % 31 == 3 else "",
                "motivation": "My institution is preparing a local strategy on migration.",
                "funding": (Funding.SELF, Funding.EMPLOYER, Funding.SPONSORED)[number % 3],
                "consent_data": True,
                "consent_listing": number % 4 != 3,
                "waitlist_position": position,
                "offer_expires_at": None,
                "created_at": created,
                "updated_at": created + timedelta(days=3),
                "decided_at": None if status == S.SUBMITTED else created + timedelta(days=3),
            }


def _event_rows(registrations: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The audit trail of each registration: the application, then its decision."""
    ids = {
        (course_id, user_id): i
        for i, course_id, user_id in db.session.execute(
            sa.select(Registration.id, Registration.course_id, Registration.user_id).where(
                Registration.course_id.in_({r["course_id"] for r in registrations})
            )
        )
    }
    actions = {
        S.CONFIRMED: "confirmed",
        S.WAITLISTED: "waitlisted",
        S.REJECTED: "rejected",
        S.CANCELLED: "cancelled",
    }
    for row in registrations:
        registration_id = ids[(row["course_id"], row["user_id"])]
        yield {
            "registration_id": registration_id,
            "actor_id": row["user_id"],
            "action": "submitted",
            "from_status": None,
            "to_status": S.SUBMITTED,
            "note": "",
            "created_at": row["created_at"],
        }
        if row["status"] != S.SUBMITTED:
            yield {
                "registration_id": registration_id,
                "actor_id": None,
                "action": actions[row["status"]],
                "from_status": S.SUBMITTED,
                "to_status": row["status"],
                "note": "",
                "created_at": row["decided_at"],
            }


@click.command("bench-data")
@click.option("--courses", default=2000, show_default=True, help="Courses to add.")
@click.option("--sessions-per-course", default=30, show_default=True)
@click.option("--registrations", default=100_000, show_default=True)
@click.option("--users", type=int, default=None, help="Participants [registrations / 5].")
@click.option("--prefix", default="bench", show_default=True, help="Of slugs and addresses.")
@click.option("--seed", default=2017, show_default=True, help="Of the random choices.")
def bench_data_command(
    courses: int,
    sessions_per_course: int,
    registrations: int,
    users: int | None,
    prefix: str,
    seed: int,
) -> None:
    """Add a large data set for benchmarks (once per prefix; run seed-demo first)."""
    plan = BulkPlan(courses, sessions_per_course, registrations, users, prefix, seed)
    started = timer.perf_counter()
    try:
        report = generate_bulk(plan)
    except AlreadyGenerated:
        db.session.rollback()
        raise click.ClickException(
            f"The {prefix!r} data set is there already ({organiser_email(prefix)} exists); "
            "use another --prefix or a fresh database."
        ) from None
    db.session.commit()
    for name, count in report.counts.items():
        click.echo(f"  {name:<20} {count:>8}  {report.seconds[name]:6.1f} s")
    click.echo(f"Done in {timer.perf_counter() - started:.1f} s.")
    click.echo(f"Organiser of every course: {report.organiser_email} password: {BENCH_PASSWORD}")
    click.echo(f"Participants: {user_email(prefix, 1)}… password: {BENCH_PASSWORD}")
