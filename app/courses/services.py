"""Course rules: building a course, its texts, focuses, partners and team, and moving it to
other dates. Beside it: :mod:`app.courses.groups` (host events and programmes a course may
join), :mod:`app.courses.editions` (copies and families of editions),
:mod:`app.courses.windows` (whether a course takes applications now) and :mod:`app.catalogue`.

Services flush, never commit, and take the acting user as an argument.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.core.timeutil import day_start_utc, local_to_utc, shift_days_keeping_wall_time
from app.courses.groups import host_event_error, programme_error
from app.courses.models import (
    Course,
    CourseKind,
    CourseModule,
    CoursePartner,
    CourseStatus,
    CourseTeamMember,
    CourseTranslation,
    Organisation,
    PartnerRole,
    Programme,
    RegistrationMode,
    TeamRole,
)
from app.db import now_utc
from app.extensions import db
from app.followup.services import apply_followup_defaults
from app.modules.models import Module
from app.registration import services as registration_services
from app.venues.models import Venue

MAX_SLUG_LENGTH = 80
MAX_COURSE_DAYS = 31


class CourseError(Exception):
    """A rule of the course builder was broken; the message is for the user."""


# ---------------------------------------------------------------------------
# Input shapes (what forms hand to the services)


@dataclass
class CourseText:
    title: str
    summary: str = ""
    description: str = ""


@dataclass
class CourseDetails:
    venue: Venue | None
    start_date: date
    days: int = 5
    capacity: int | None = 30
    default_locale: str = "en"
    languages: list[str] = field(default_factory=lambda: ["en"])
    registration_opens_on: date | None = None
    registration_closes_on: date | None = None
    requires_approval: bool = False
    requires_endorsement: bool = False
    waitlist_offers: bool = False
    offer_hours: int = 72
    min_attendance_days: int | None = None
    contact_name: str = ""
    contact_email: str = ""
    status: CourseStatus = CourseStatus.DRAFT
    texts: dict[str, CourseText] = field(default_factory=dict)
    partners: list[tuple[str, PartnerRole]] = field(default_factory=list)
    kind: CourseKind = CourseKind.COURSE
    # Online: no venue (a venue given is ignored); times in UTC, shown in each viewer's zone.
    is_online: bool = False
    online_url: str = ""
    registration_mode: RegistrationMode = RegistrationMode.FULL
    host_event: Course | None = None  # a conference; events only
    programme: Programme | None = None


@dataclass
class Focus:
    """One entry of the course's ordered focuses: a module or a theme of its own."""

    module: Module | None = None
    theme: str | None = None


# ---------------------------------------------------------------------------
# Slugs


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_SLUG_LENGTH].rstrip("-") or "course"


def title_with_year(title: str, year: int) -> str:
    """The text a new course's address is made of: the title and its year, unless the title
    names the year already ("Summer school 2027" gives summer-school-2027, not …-2027-2027)."""
    if re.search(rf"(?<![0-9]){year}(?![0-9])", title):
        return title
    return f"{title}-{year}"


def edition_title(title: str, old_year: int, new_year: int) -> str:
    """A new edition's title: the original's year, where it names it, becomes the new one."""
    return re.sub(rf"(?<![0-9]){old_year}(?![0-9])", str(new_year), title)


def slug_taken(slug: str, *, excluding: Course | None = None) -> bool:
    stmt = sa.select(Course.id).where(Course.slug == slug)
    if excluding is not None and excluding.id is not None:
        stmt = stmt.where(Course.id != excluding.id)
    return db.session.scalar(stmt) is not None


def unique_slug(base: str) -> str:
    base = slugify(base)
    slug, n = base, 2
    while slug_taken(slug):
        slug = f"{base}-{n}"
        n += 1
    return slug


# ---------------------------------------------------------------------------
# Creating and changing a course


def _registration_bounds(details: CourseDetails) -> tuple[datetime | None, datetime | None]:
    """Registration opens at the start of its day and closes at the end of its day, at the venue
    (in UTC online)."""
    tz = details.venue.timezone if details.venue and not details.is_online else "UTC"
    opens = (
        day_start_utc(details.registration_opens_on, tz) if details.registration_opens_on else None
    )
    closes = (
        local_to_utc(details.registration_closes_on, time(23, 59), tz)
        if details.registration_closes_on
        else None
    )
    return opens, closes


def check_details(details: CourseDetails) -> None:
    if not any(t.title.strip() for t in details.texts.values()):
        raise CourseError(_l("Give the course a title."))
    main = details.texts.get(details.default_locale)
    if main is None or not main.title.strip():
        raise CourseError(_l("Give the title in the course's main language."))
    if not 1 <= details.days <= MAX_COURSE_DAYS:
        raise CourseError(_l("A course lasts from 1 to %(max)d days.", max=MAX_COURSE_DAYS))
    if details.capacity is not None and details.capacity < 0:
        raise CourseError(_l("The capacity cannot be negative."))
    opens, closes = details.registration_opens_on, details.registration_closes_on
    if opens and closes and closes < opens:
        raise CourseError(_l("Registration must close after it opens."))
    if closes and closes > details.start_date:
        raise CourseError(_l("Registration must close before the course starts."))
    if details.is_online and not is_web_link(details.online_url):
        raise CourseError(_l("Give the link that participants join the online event with."))


def is_web_link(url: str) -> bool:
    """An absolute http or https address with a host."""
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def create_course(details: CourseDetails, *, slug: str | None, actor: User) -> Course:
    """A new course or event; the actor joins its team as organiser. A course gets the usual
    follow-up phase; events get none."""
    check_details(details)
    error = host_event_error(
        None, details.kind, details.host_event, actor=actor
    ) or programme_error(None, details.programme, actor=actor)
    if error:
        raise CourseError(error)
    main_title = details.texts[details.default_locale].title
    course = Course(
        slug=slug or unique_slug(title_with_year(main_title, details.start_date.year)),
        status=details.status,
    )
    _apply_details(course, details)
    course.team.append(CourseTeamMember(user=actor, role=TeamRole.ORGANISER))
    db.session.add(course)
    if not course.kind.is_event:
        apply_followup_defaults(course)
    db.session.flush()
    return course


def update_course(course: Course, details: CourseDetails, *, slug: str, actor: User) -> Course:
    """Change a course's details. Moving the first day moves the whole programme with it."""
    check_details(details)
    error = host_event_error(
        course, details.kind, details.host_event, actor=actor
    ) or programme_error(course, details.programme, actor=actor)
    if error:
        raise CourseError(error)
    shift = (details.start_date - course.start_date).days
    old_tz = course.timezone
    old_capacity = course.capacity
    old_dates = (course.start_date, course.end_date)
    course.slug = slug
    _apply_details(course, details)
    if shift:
        _shift_programme(course, shift, old_tz)
    set_course_status(course, details.status, actor=actor)
    if old_dates != (course.start_date, course.end_date):
        # Confirmed participants learn the new dates by mail (the route asked first).
        db.session.flush()
        registration_services.tell_course_moved(course, *old_dates)
    if (course.capacity is None and old_capacity is not None) or (
        course.capacity is not None and old_capacity is not None and course.capacity > old_capacity
    ):
        # New seats go to the waiting list at once, in order.
        registration_services.fill_free_seats(course)
    db.session.flush()
    return course


def _apply_details(course: Course, details: CourseDetails) -> None:
    course.kind = details.kind
    course.is_online = details.is_online
    course.online_url = details.online_url.strip() if details.is_online else ""
    course.venue = None if details.is_online else details.venue
    course.registration_mode = details.registration_mode
    course.start_date = details.start_date
    course.days = details.days
    course.capacity = details.capacity
    course.requires_approval = details.requires_approval
    course.requires_endorsement = details.requires_endorsement
    course.waitlist_offers = details.waitlist_offers
    course.offer_hours = details.offer_hours
    course.min_attendance_days = details.min_attendance_days
    course.default_locale = details.default_locale
    course.languages = ",".join(details.languages) or details.default_locale
    course.registration_opens_at, course.registration_closes_at = _registration_bounds(details)
    course.contact_name = details.contact_name.strip()
    course.contact_email = details.contact_email.strip().lower()
    set_course_texts(course, details.texts)
    set_partners(course, details.partners)
    # Last: these put a new course in the session through the other side's list (a query
    # before it is complete would flush it half-made). Only events have a host event:
    # host_event_error refused any other (create_course and update_course ask it first).
    # A course leaving a host event or programme leaves no row of its own in that group's
    # feed, so the group itself is dated: its subscribers' next poll is not answered 304.
    if course.host_event is not None and course.host_event is not details.host_event:
        course.host_event.updated_at = now_utc()
    if course.programme is not None and course.programme is not details.programme:
        course.programme.updated_at = now_utc()
    course.host_event = details.host_event
    course.programme = details.programme


def set_course_status(course: Course, status: CourseStatus, *, actor: User | None) -> None:
    """Publish, unpublish, cancel or restore a course. Cancelling a published course tells
    everyone who applied (their registrations stay, so restoring it needs no new applications)."""
    if (course.status == CourseStatus.CANCELLED) != (status == CourseStatus.CANCELLED):
        # Every calendar event of the course changes status: subscribers must see a new version.
        for item in [*course.sessions, *course.activities]:
            item.sequence += 1
    was_published = course.status == CourseStatus.PUBLISHED
    course.status = status
    if was_published and status == CourseStatus.CANCELLED:
        registration_services.tell_course_cancelled(course)


def set_course_texts(course: Course, texts: dict[str, CourseText]) -> None:
    """Keep one translation row per language given; a language left without a title is dropped."""
    existing = {t.locale: t for t in course.translations}
    for locale, text in texts.items():
        if not text.title.strip():
            continue
        row = existing.pop(locale, None)
        if row is None:
            row = CourseTranslation(locale=locale)
            course.translations.append(row)
        row.title = text.title.strip()
        row.summary = text.summary.strip()
        row.description = text.description.strip()
    for locale, row in existing.items():
        if locale not in texts or not texts[locale].title.strip():
            course.translations.remove(row)


def get_or_create_organisation(name: str) -> Organisation:
    name = " ".join(name.split())
    org = db.session.scalar(
        sa.select(Organisation).where(sa.func.lower(Organisation.name) == name.lower())
    )
    if org is None:
        org = Organisation(name=name)
        db.session.add(org)
        db.session.flush()
    return org


def set_partners(course: Course, partners: list[tuple[str, PartnerRole]]) -> None:
    """Make the course's partners exactly these (name, role) pairs, in this order."""
    wanted: list[tuple[Organisation, PartnerRole]] = []
    for name, role in partners:
        if name.strip():
            pair = (get_or_create_organisation(name), role)
            if pair not in wanted:
                wanted.append(pair)
    current = {(p.organisation, p.role): p for p in course.partners}
    for key, partner in current.items():
        if key not in wanted:
            course.partners.remove(partner)
    for position, (org, role) in enumerate(wanted):
        partner = current.get((org, role))
        if partner is None:
            partner = CoursePartner(organisation=org, role=role)
            course.partners.append(partner)
        partner.position = position
    course.partners.sort(key=lambda p: p.position)


def set_focuses(course: Course, focuses: list[Focus], *, actor: User) -> None:
    """Replace the course's ordered focuses (modules or themes)."""
    course.focuses.clear()
    db.session.flush()
    for position, item in enumerate(focuses):
        theme = (item.theme or "").strip() or None
        if item.module is None and theme is None:
            continue
        course.focuses.append(CourseModule(position=position, module=item.module, theme=theme))
    db.session.flush()


def _shift_programme(course: Course, days: int, tz: str) -> None:
    """Move sessions, follow-up dates and activities by whole days, keeping wall-clock times."""
    for session in course.sessions:
        session.starts_at = shift_days_keeping_wall_time(session.starts_at, days, tz)
        session.ends_at = shift_days_keeping_wall_time(session.ends_at, days, tz)
        session.sequence += 1
    if course.followup_opens_on:
        course.followup_opens_on += timedelta(days=days)
    if course.followup_closes_on:
        course.followup_closes_on += timedelta(days=days)
    for activity in course.activities:
        for attr in ("starts_at", "ends_at", "due_at"):
            value = getattr(activity, attr)
            if value is not None:
                setattr(activity, attr, shift_days_keeping_wall_time(value, days, tz))
        activity.sequence += 1


# ---------------------------------------------------------------------------
# Team


class TeamError(CourseError):
    pass


def add_team_member(course: Course, user: User, role: TeamRole, *, actor: User) -> CourseTeamMember:
    for member in course.team:
        if member.user_id == user.id:
            member.role = role
            db.session.flush()
            return member
    member = CourseTeamMember(user=user, role=role)
    course.team.append(member)
    db.session.flush()
    return member


def remove_team_member(course: Course, member: CourseTeamMember, *, actor: User) -> None:
    organisers = [m for m in course.team if m.role == TeamRole.ORGANISER]
    if member.role == TeamRole.ORGANISER and len(organisers) == 1:
        raise TeamError(_l("A course keeps at least one organiser."))
    course.team.remove(member)
    db.session.flush()


def default_venue() -> Venue | None:
    """The venue a new course starts with: the first one created (the centre's own campus)."""
    return db.session.scalar(sa.select(Venue).order_by(Venue.id))


def move_focus(focuses: list[Focus], move: str) -> list[Focus]:
    """Apply a "up:3" or "down:0" button press to the ordered focuses."""
    direction, _, index_text = move.partition(":")
    # ASCII digits only: int() refuses "²" (a digit to isdigit()) and 5,000 nines.
    if not (index_text.isascii() and index_text.isdigit()) or len(index_text) > 4:
        return focuses
    i = int(index_text)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= i < len(focuses) and 0 <= j < len(focuses):
        focuses = list(focuses)
        focuses[i], focuses[j] = focuses[j], focuses[i]
    return focuses
