"""Secret links to personal and organiser feeds, and what each feed is built from.

A link is ``/feeds/<token>.ics``. The token is 32 random bytes (43 URL-safe characters, far
inside Google's 256-character URL limit); only its SHA-256 is stored, so a copy of the
database gives no working link and the raw token is shown once, when it is made. Revoking
deletes the row: the link stops working at the next poll. A link cannot be recovered, only
replaced by a new one.

Services flush but never commit; they take the actor as an argument. The loaders here fetch
everything a feed shows in a fixed number of queries, whatever the number of courses.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from app.accounts.models import User
from app.courses.models import Course, CourseStatus, CourseTeamMember, Programme
from app.extensions import db
from app.feeds import calendars
from app.feeds.models import FeedKind, FeedToken
from app.registration.models import Registration

__all__ = [
    "FeedError",
    "KindNotAllowed",
    "NotYourLink",
    "allowed_kinds",
    "create_feed_token",
    "feed_last_modified",
    "feed_name",
    "find_feed_token",
    "host_feed_last_modified",
    "personal_registrations",
    "private_feed",
    "programme_feed_last_modified",
    "public_course",
    "public_programme_courses",
    "public_side_events",
    "revoke_feed_token",
    "team_courses",
    "touch",
    "user_feed_token",
    "user_feed_tokens",
]

TOKEN_BYTES = 32
# token_urlsafe(32) is 43 characters; nothing longer (or of other characters) is ours, and
# it is refused before any hashing or query.
_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,64}")
MAX_LABEL_LENGTH = 100
# A feed polled every few minutes writes its last use at most this often.
TOUCH_INTERVAL = timedelta(hours=1)


# Domain errors ---------------------------------------------------------------------------


class FeedError(Exception):
    """A rule of feed links was broken. ``message`` is ready to show."""

    def __init__(self, message: object) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class KindNotAllowed(FeedError):
    """An organiser feed for someone who runs no course."""

    def __init__(self) -> None:
        super().__init__(_l("This kind of calendar is only for people who run courses."))


class NotYourLink(FeedError):
    """Someone other than its owner tried to revoke a link."""

    def __init__(self) -> None:
        super().__init__(_l("This calendar link is not yours."))


# Tokens ----------------------------------------------------------------------------------


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


def is_on_a_team(user: User) -> bool:
    """Whether ``user`` organises or facilitates any course."""
    found = db.session.scalar(
        sa.select(CourseTeamMember.id).where(CourseTeamMember.user_id == user.id).limit(1)
    )
    return found is not None


def allowed_kinds(user: User) -> list[FeedKind]:
    """The feeds ``user`` may make links to: their own courses always; the courses they run
    when they are on a course team or may create courses."""
    kinds = [FeedKind.PERSONAL]
    if user.is_organiser or is_on_a_team(user):
        kinds.append(FeedKind.ORGANISER)
    return kinds


def create_feed_token(user: User, kind: FeedKind, label: str) -> tuple[FeedToken, str]:
    """A new secret link for ``user``: the row, and the raw token to show them once.

    Raises :class:`KindNotAllowed` for an organiser feed of someone who runs nothing."""
    if kind not in allowed_kinds(user):
        raise KindNotAllowed()
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    row = FeedToken(
        user=user,
        kind=kind,
        token_hash=_hash(raw),
        label=" ".join(label.split())[:MAX_LABEL_LENGTH],
    )
    db.session.add(row)
    db.session.flush()
    return row, raw


def revoke_feed_token(token_row: FeedToken, *, actor: User) -> None:
    """Delete a link; calendars subscribed to it get 404 from their next poll.

    Only its owner may; raises :class:`NotYourLink` otherwise."""
    if actor.id != token_row.user_id:
        raise NotYourLink()
    db.session.delete(token_row)
    db.session.flush()


def find_feed_token(raw: str) -> FeedToken | None:
    """The live link behind a raw token, or None (unknown, revoked, malformed, or its owner
    deactivated). Looked up by hash and confirmed in constant time."""
    if not isinstance(raw, str) or not _TOKEN_PATTERN.fullmatch(raw):
        return None
    wanted = _hash(raw)
    row = db.session.scalar(
        sa.select(FeedToken)
        .options(joinedload(FeedToken.user))
        .where(FeedToken.token_hash == wanted)
    )
    if row is None or not hmac.compare_digest(row.token_hash, wanted):
        return None
    if not row.user.is_active:
        return None
    return row


def touch(token_row: FeedToken, now: datetime) -> bool:
    """Record that the link was used at ``now``, at most once per :data:`TOUCH_INTERVAL`
    (calendar apps poll often; most polls then write nothing). Returns whether it wrote."""
    last = token_row.last_used_at
    if last is not None and now - last < TOUCH_INTERVAL:
        return False
    token_row.last_used_at = now
    db.session.flush()
    return True


def user_feed_tokens(user: User) -> list[FeedToken]:
    """The user's links, newest first."""
    return list(
        db.session.scalars(
            sa.select(FeedToken)
            .where(FeedToken.user_id == user.id)
            .order_by(FeedToken.created_at.desc(), FeedToken.id.desc())
        )
    )


def user_feed_token(user: User, token_id: int) -> FeedToken | None:
    """One of the user's links by id; None for another user's (the caller answers 404)."""
    row = db.session.get(FeedToken, token_id)
    if row is None or row.user_id != user.id:
        return None
    return row


# What the feeds show ---------------------------------------------------------------------


def _course_loads() -> list[LoaderOption]:
    """Everything a course's events need: venue, sessions (rooms and modules are joined by
    the model), activities; texts are loaded by the models."""
    return [
        joinedload(Course.venue),
        selectinload(Course.sessions),
        selectinload(Course.activities),
    ]


def public_course(slug: str) -> Course | None:
    """A course whose feed anyone may read: published or cancelled (a draft's feed would
    have no subscribers to tell), loaded for its calendar."""
    return db.session.scalar(
        sa.select(Course)
        .options(*_course_loads())
        .where(Course.slug == slug, Course.status != CourseStatus.DRAFT)
    )


def public_side_events(host: Course) -> list[Course]:
    """The published and cancelled side events of a host event, loaded for its calendar
    (cancelled ones stay, so subscribers see their sessions cancelled)."""
    return list(
        db.session.scalars(
            sa.select(Course)
            .options(*_course_loads())
            .where(Course.host_event_id == host.id, Course.status != CourseStatus.DRAFT)
            .order_by(Course.start_date, Course.id)
        )
    )


def public_programme_courses(programme: Programme) -> list[Course]:
    """The published and cancelled courses and events of a programme, loaded for its
    calendar."""
    return list(
        db.session.scalars(
            sa.select(Course)
            .options(*_course_loads())
            .where(Course.programme_id == programme.id, Course.status != CourseStatus.DRAFT)
            .order_by(Course.start_date, Course.id)
        )
    )


def _drafts_changed_at(criterion: sa.ColumnElement[bool]) -> datetime | None:
    """The last change of the draft courses matching ``criterion``: one taken back to draft
    leaves a group's feed, and the feed's Last-Modified must then move too."""
    return db.session.scalar(
        sa.select(sa.func.max(Course.updated_at)).where(
            criterion, Course.status == CourseStatus.DRAFT
        )
    )


def _latest(*stamps: datetime | None) -> datetime | None:
    known = [stamp for stamp in stamps if stamp is not None]
    return max(known) if known else None


def host_feed_last_modified(host: Course, side_events: Iterable[Course]) -> datetime | None:
    """The Last-Modified of a host event's feed: the host, its public side events, and any
    side event taken back to draft. (A side event moved to another host leaves no trace
    here: :func:`app.courses.services.update_course` dates the old host.)"""
    return _latest(
        feed_last_modified([host, *side_events]),
        _drafts_changed_at(Course.host_event_id == host.id),
    )


def programme_feed_last_modified(
    programme: Programme, courses: Iterable[Course]
) -> datetime | None:
    """The Last-Modified of a programme's feed: the programme (its name), its public courses
    and events, and any taken back to draft. (One moved to another programme leaves no trace
    here: :func:`app.courses.services.update_course` dates the old programme.)"""
    return _latest(
        programme.updated_at,
        feed_last_modified(courses),
        _drafts_changed_at(Course.programme_id == programme.id),
    )


def personal_registrations(user: User) -> list[Registration]:
    """All of the user's registrations, whatever their status (cancelled ones count for the
    feed's Last-Modified), with their courses loaded for the calendar."""
    return list(
        db.session.scalars(
            sa.select(Registration)
            .options(selectinload(Registration.course).options(*_course_loads()))
            .where(Registration.user_id == user.id)
            .order_by(Registration.id)
        )
    )


def team_courses(user: User) -> list[Course]:
    """The courses ``user`` organises or facilitates, drafts included."""
    return list(
        db.session.scalars(
            sa.select(Course)
            .options(*_course_loads())
            .join(CourseTeamMember)
            .where(CourseTeamMember.user_id == user.id)
            .order_by(Course.start_date, Course.id)
        )
    )


def feed_last_modified(
    courses: Iterable[Course], registrations: Iterable[Registration] = ()
) -> datetime | None:
    """The latest change of what a feed shows: the courses, their sessions and activities,
    and for a personal feed the registrations. A deleted session leaves no trace here: the
    schedule touches its course when it deletes one."""
    stamps: list[datetime] = []
    for course in courses:
        stamps.append(course.updated_at)
        stamps.extend(session.updated_at for session in course.sessions)
        stamps.extend(activity.updated_at for activity in course.activities)
    stamps.extend(registration.updated_at for registration in registrations)
    known = [stamp for stamp in stamps if stamp is not None]
    return max(known) if known else None


def feed_name(token_row: FeedToken) -> str:
    """The name calendar apps give the feed of a link."""
    if token_row.kind == FeedKind.ORGANISER:
        return calendars.organiser_calendar_name(token_row.user)
    return calendars.personal_calendar_name(token_row.user)


def private_feed(token_row: FeedToken) -> tuple[bytes, datetime | None]:
    """The body of a link's feed and its Last-Modified."""
    user = token_row.user
    if token_row.kind == FeedKind.ORGANISER:
        courses = team_courses(user)
        return calendars.organiser_calendar(user, courses=courses), feed_last_modified(courses)
    registrations = personal_registrations(user)
    body = calendars.personal_calendar(user, registrations=registrations)
    courses = _unique(registration.course for registration in registrations)
    return body, feed_last_modified(courses, registrations)


def _unique(courses: Iterable[Course]) -> Sequence[Course]:
    return list({course.id: course for course in courses}.values())
