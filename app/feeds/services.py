"""Secret links to personal and organiser feeds, and what each feed is built from.

A link is ``/feeds/<token>.ics``. The token is 32 random bytes (43 URL-safe characters, far
inside Google's 256-character URL limit); only its SHA-256 is stored, so a copy of the
database gives no working link and the raw token is shown once, when it is made. Revoking
deletes the row: the link stops working at the next poll. A link cannot be recovered, only
replaced by a new one.

Services flush but never commit; they take the actor as an argument. What the feeds are
built from is loaded by :mod:`app.feeds.loaders`, their versions read by :mod:`app.feeds.cache`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.engine import Connection
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.courses.models import CourseTeamMember
from app.extensions import db
from app.feeds import calendars
from app.feeds.cache import FeedVersion, organiser_feed_version, personal_feed_version
from app.feeds.loaders import (
    personal_registrations,
    public_course,
    public_programme_courses,
    public_side_events,
    team_courses,
)
from app.feeds.models import FeedKind, FeedToken

__all__ = [
    "FeedError",
    "KindNotAllowed",
    "LinkReader",
    "NotYourLink",
    "allowed_kinds",
    "create_feed_token",
    "feed_name",
    "find_feed_token",
    "link_feed_version",
    "peek_feed_token",
    "personal_registrations",
    "private_feed",
    "private_feed_version",
    "public_course",
    "public_programme_courses",
    "public_side_events",
    "revoke_feed_token",
    "team_courses",
    "touch",
    "touch_due",
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
    if not touch_due(token_row.last_used_at, now):
        return False
    token_row.last_used_at = now
    db.session.flush()
    return True


def touch_due(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether a use at ``now`` is to be written (see :func:`touch`)."""
    return last_used_at is None or now - last_used_at >= TOUCH_INTERVAL


@dataclass(frozen=True)
class LinkReader:
    """A live link's kind, its owner (what the feed prints of them) and its last use, read on
    a bare connection: what a conditional GET needs, without the ORM (app.feeds.conditional)."""

    kind: FeedKind
    id: int
    name: str
    locale: str
    last_used_at: datetime | None


@functools.cache
def _peek_statement() -> sa.Select[Any]:
    return (
        sa.select(
            FeedToken.kind,
            FeedToken.token_hash,
            FeedToken.last_used_at,
            User.id,
            User.name,
            User.locale,
        )
        .join(User, User.id == FeedToken.user_id)
        .where(FeedToken.token_hash == sa.bindparam("token_hash"), User.is_active)
    )


def peek_feed_token(raw: str, connection: Connection) -> LinkReader | None:
    """The live link behind a raw token, as :func:`find_feed_token` finds it, on
    ``connection``."""
    if not _TOKEN_PATTERN.fullmatch(raw):
        return None
    wanted = _hash(raw)
    row = connection.execute(_peek_statement(), {"token_hash": wanted}).first()
    if row is None or not hmac.compare_digest(row.token_hash, wanted):
        return None
    return LinkReader(
        kind=row.kind, id=row.id, name=row.name, locale=row.locale, last_used_at=row.last_used_at
    )


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


def feed_name(token_row: FeedToken) -> str:
    """The name calendar apps give the feed of a link."""
    if token_row.kind == FeedKind.ORGANISER:
        return calendars.organiser_calendar_name(token_row.user)
    return calendars.personal_calendar_name(token_row.user)


def private_feed_version(token_row: FeedToken) -> FeedVersion:
    """The version of a link's feed, read in one query (its ETag and cache key)."""
    return link_feed_version(token_row.kind, token_row.user)


def link_feed_version(
    kind: FeedKind, reader: Any, connection: Connection | None = None
) -> FeedVersion:
    """The version of the ``kind`` of feed of ``reader`` (a user or a :class:`LinkReader`)."""
    if kind == FeedKind.ORGANISER:
        return organiser_feed_version(reader, connection)
    return personal_feed_version(reader, connection)


def private_feed(token_row: FeedToken) -> bytes:
    """The body of a link's feed, built from the database."""
    user = token_row.user
    if token_row.kind == FeedKind.ORGANISER:
        return calendars.organiser_calendar(user, courses=team_courses(user))
    return calendars.personal_calendar(user, registrations=personal_registrations(user))
