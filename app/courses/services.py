"""Course rules: building a course, its texts, focuses, partners and team; editions; the
registration state shown in the catalogue and on the course page (the catalogue itself is
:mod:`app.catalogue`).

Services flush, never commit, and take the acting user as an argument.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import aliased, selectinload

from app.accounts.models import User
from app.applications.services import copy_questions
from app.core.timeutil import day_start_utc, local_to_utc, shift_days_keeping_wall_time
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
from app.courses.permissions import can_manage_course
from app.db import now_utc
from app.extensions import db
from app.followup.models import FollowupActivity
from app.followup.services import apply_followup_defaults
from app.modules.models import Module
from app.registration import services as registration_services
from app.schedule.models import CourseSession
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


def host_event_error(
    course: Course | None, kind: CourseKind, host: Course | None, *, actor: User
) -> LazyString | None:
    """Why ``host`` cannot be the host event of ``course`` (None: a new one) of ``kind``, set by
    ``actor``, or None when it can. A host is a conference that is no side event itself; only
    events have one; only the host's organisers (and administrators) may add an event to it,
    so no one can hang an event on another team's conference."""
    if host is None:
        if course is not None and course.side_events and kind != CourseKind.CONFERENCE:
            return _l("This event hosts side events: keep it a conference.")
        return None
    if not kind.is_event:
        return _l("Only events can be part of a host event.")
    if course is not None and host.id == course.id:
        return _l("An event cannot be its own host event.")
    if host.kind != CourseKind.CONFERENCE or host.host_event_id is not None:
        return _l(
            "“%(title)s” is itself a side event: choose the conference that hosts it.",
            title=host.title(host.default_locale),
        )
    if course is not None and course.side_events:
        return _l("This event hosts side events, so it cannot be part of another event.")
    already = course is not None and course.host_event_id == host.id
    if not already and not can_manage_course(actor, host):
        return _l(
            "Only the organisers of “%(title)s” can add an event to it.",
            title=host.title(host.default_locale),
        )
    return None


def host_event_choices(course: Course | None, actor: User) -> list[Course]:
    """The conferences ``actor`` may make an event part of (not itself, not side events):
    those they organise (any, for an administrator), and the event's present host; latest
    first. Another team's conferences, drafts above all, are not listed."""
    stmt = sa.select(Course).where(
        Course.kind == CourseKind.CONFERENCE, Course.host_event_id.is_(None)
    )
    if course is not None and course.id is not None:
        stmt = stmt.where(Course.id != course.id)
    if not actor.is_admin:
        organised = Course.team.any(
            sa.and_(
                CourseTeamMember.user_id == actor.id,
                CourseTeamMember.role == TeamRole.ORGANISER,
            )
        )
        present = course.host_event_id if course is not None else None
        stmt = stmt.where(sa.or_(organised, Course.id == present) if present else organised)
    return list(db.session.scalars(stmt.order_by(Course.start_date.desc(), Course.id)))


def may_add_to_programme(actor: User, programme: Programme) -> bool:
    """Programmes have no team of their own: their team is the organisers of the courses
    already in them, and administrators (who create programmes and add the first course)."""
    return actor.is_admin or any(can_manage_course(actor, c) for c in programme.courses)


def programme_error(
    course: Course | None, programme: Programme | None, *, actor: User
) -> LazyString | None:
    """Why ``actor`` cannot put ``course`` (None: a new one) in ``programme``, or None."""
    if programme is None or (course is not None and course.programme_id == programme.id):
        return None
    if not may_add_to_programme(actor, programme):
        return _l(
            "Only the organisers of the courses of “%(title)s”, or an administrator, can add "
            "a course to it.",
            title=programme.title(programme_locale(programme)),
        )
    return None


def programme_locale(programme: Programme) -> str:
    """The language of a programme's title in a message: English, or its first texts."""
    locales = [t.locale for t in programme.translations]
    return "en" if "en" in locales or not locales else locales[0]


def programme_choices(course: Course | None, actor: User) -> list[Programme]:
    """The programmes ``actor`` may put a course in, and the course's present one."""
    programmes = db.session.scalars(sa.select(Programme).order_by(Programme.id)).all()
    present = course.programme_id if course is not None else None
    return [p for p in programmes if p.id == present or may_add_to_programme(actor, p)]


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


# ---------------------------------------------------------------------------
# Editions


def copy_as_new_edition(
    course: Course, start_date: date, *, slug: str | None, actor: User
) -> Course:
    """A draft copy of ``course`` starting on ``start_date``: texts, focuses, partners, team,
    timetable and follow-up plan, all moved by the same number of days (wall-clock times kept),
    and the selection criteria. Registration dates move too. The new edition gets new calendar
    identities, and the application questions asked now (not their answers)."""
    shift = (start_date - course.start_date).days
    tz = course.timezone
    years = (course.start_date.year, start_date.year)
    title = edition_title(course.title(course.default_locale), *years)
    new = Course(
        slug=slug or unique_slug(title_with_year(title, start_date.year)),
        kind=course.kind,
        is_online=course.is_online,
        online_url=course.online_url,
        registration_mode=course.registration_mode,
        host_event=course.host_event,
        programme=course.programme,
        default_locale=course.default_locale,
        languages=course.languages,
        venue=course.venue,
        start_date=start_date,
        days=course.days,
        capacity=course.capacity,
        requires_approval=course.requires_approval,
        requires_endorsement=course.requires_endorsement,
        waitlist_offers=course.waitlist_offers,
        offer_hours=course.offer_hours,
        min_attendance_days=course.min_attendance_days,
        contact_name=course.contact_name,
        contact_email=course.contact_email,
        status=CourseStatus.DRAFT,
        edition_of=course,
        registration_opens_at=_shift(course.registration_opens_at, shift, tz),
        registration_closes_at=_shift(course.registration_closes_at, shift, tz),
        followup_opens_on=course.followup_opens_on + timedelta(days=shift)
        if course.followup_opens_on
        else None,
        followup_closes_on=course.followup_closes_on + timedelta(days=shift)
        if course.followup_closes_on
        else None,
        translations=[
            CourseTranslation(
                locale=t.locale,
                title=edition_title(t.title, *years),
                summary=t.summary,
                description=t.description,
            )
            for t in course.translations
        ],
        focuses=[
            CourseModule(position=f.position, module=f.module, theme=f.theme)
            for f in course.focuses
        ],
        partners=[
            CoursePartner(organisation=p.organisation, role=p.role, position=p.position)
            for p in course.partners
        ],
        team=[CourseTeamMember(user=m.user, role=m.role) for m in course.team],
    )
    db.session.add(new)
    if not any(m.user_id == actor.id for m in course.team):
        new.team.append(CourseTeamMember(user=actor, role=TeamRole.ORGANISER))
    for s in course.sessions:
        new.sessions.append(
            CourseSession(
                title=s.title,
                kind=s.kind,
                status=s.status,
                starts_at=shift_days_keeping_wall_time(s.starts_at, shift, tz),
                ends_at=shift_days_keeping_wall_time(s.ends_at, shift, tz),
                room=s.room,
                module=s.module,
                facilitators=s.facilitators,
                description=s.description,
            )
        )
    for a in course.activities:
        new.activities.append(
            FollowupActivity(
                kind=a.kind,
                is_required=a.is_required,
                position=a.position,
                title=a.title,
                description=a.description,
                starts_at=_shift(a.starts_at, shift, tz),
                ends_at=_shift(a.ends_at, shift, tz),
                due_at=_shift(a.due_at, shift, tz),
                link=a.link,
            )
        )
    copy_questions(course, new)
    # Imported here: the selection builds on courses.
    from app.selection.services import copy_criteria

    copy_criteria(course, new)
    from app.certificates.design import copy_design

    copy_design(course, new, actor=actor)
    db.session.flush()
    from app.finance.services import copy_finance

    copy_finance(course, new, actor=actor)
    return new


def _shift(value: datetime | None, days: int, tz: str) -> datetime | None:
    return shift_days_keeping_wall_time(value, days, tz) if value is not None else None


# ---------------------------------------------------------------------------
# Registration state, as the catalogue and the course page show it


class RegistrationWindow(enum.StrEnum):
    NOT_OPEN_YET = "not_open_yet"
    OPEN = "open"
    FULL = "full"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            RegistrationWindow.NOT_OPEN_YET: _l("Registration not yet open"),
            RegistrationWindow.OPEN: _l("Registration open"),
            RegistrationWindow.FULL: _l("Full"),
            RegistrationWindow.CLOSED: _l("Registration closed"),
            RegistrationWindow.CANCELLED: _l("Cancelled"),
        }[self]


def seats_left(course: Course) -> int | None:
    """Free seats, or None when the course sets no limit."""
    return registration_services.seats_left(course)


class _NotCounted(enum.Enum):
    """The default of ``registration_window(free_seats=...)``: the seats were not counted by the
    caller (None there means "no limit")."""

    NOT_COUNTED = "not_counted"


NOT_COUNTED = _NotCounted.NOT_COUNTED


def registration_windows(
    courses: list[Course], now: datetime | None = None
) -> dict[int, RegistrationWindow]:
    """The registration window of each course, counting seats for all of them in one query."""
    held = registration_services.seats_held_by_course([c.id for c in courses])
    return {
        c.id: registration_window(
            c,
            now,
            free_seats=None if c.capacity is None else max(c.capacity - held.get(c.id, 0), 0),
        )
        for c in courses
    }


def registration_window(
    course: Course,
    now: datetime | None = None,
    *,
    free_seats: int | _NotCounted | None = NOT_COUNTED,
) -> RegistrationWindow:
    """Whether the course takes applications now. Pass ``free_seats`` when known (lists count
    them for all their courses in one query): a number, or None for a course without a limit,
    which is never full. Nor is an event that takes no registration."""
    now = now or now_utc()
    if course.status == CourseStatus.CANCELLED:
        return RegistrationWindow.CANCELLED
    start = registration_services.course_start_utc(course)
    closes = course.registration_closes_at or start
    if now >= closes or now >= start:
        return RegistrationWindow.CLOSED
    if course.registration_opens_at is None or now < course.registration_opens_at:
        return RegistrationWindow.NOT_OPEN_YET
    if course.registration_mode == RegistrationMode.NONE:
        return RegistrationWindow.OPEN
    if free_seats is NOT_COUNTED:
        free_seats = seats_left(course)
    if free_seats == 0:
        return RegistrationWindow.FULL
    return RegistrationWindow.OPEN


def default_venue() -> Venue | None:
    """The venue a new course starts with: the first one created (the centre's own campus)."""
    return db.session.scalar(sa.select(Venue).order_by(Venue.id))


def other_editions(course: Course) -> list[Course]:
    """Public editions of the same course (copied from it, or it from them, at any remove), by
    date. One query however many editions there are: a recursive CTE follows the copies both
    ways (UNION drops rows seen before, so even a cycle of copies ends)."""
    family = (
        sa.select(Course.id, Course.edition_of_id)
        .where(Course.id == course.id)
        .cte("family", recursive=True)
    )
    linked = aliased(Course)
    family = family.union(
        sa.select(linked.id, linked.edition_of_id).join(
            family,
            sa.or_(linked.edition_of_id == family.c.id, linked.id == family.c.edition_of_id),
        )
    )
    stmt = (
        sa.select(Course)
        .where(
            Course.id.in_(sa.select(family.c.id)),
            Course.id != course.id,
            Course.status != CourseStatus.DRAFT,
        )
        .order_by(Course.start_date, Course.id)
    )
    return list(db.session.scalars(stmt))


def published_side_events(course: Course) -> list[Course]:
    """The published events a conference hosts, by date, with their venues and sessions (one
    query each, however many there are)."""
    stmt = (
        sa.select(Course)
        .where(Course.host_event_id == course.id, Course.status == CourseStatus.PUBLISHED)
        .options(selectinload(Course.venue), selectinload(Course.sessions))
        .order_by(Course.start_date, Course.id)
    )
    return list(db.session.scalars(stmt))


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
