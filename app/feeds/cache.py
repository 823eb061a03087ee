"""Feed versions, read in one query, and the built bodies kept under them.

A feed's *version* names everything its bytes depend on: the ``updated_at``, number and
largest id of the rows it is built from (courses, their sessions and activities, the
registrations or team places that pick the courses, the programme), plus what is not in those
rows: the language, the site's name, address and mail sender, the reader's name and language,
and :data:`FEED_FORMAT`. Rows that a feed prints but that have no stamp of their own (texts,
venues, rooms, modules) date their courses when they change (:mod:`app.feeds.stamps`).

One query reads a version; its digest is the feed's ETag and the key of its body, kept in this
process (a small LRU) and, when ``FEED_CACHE_REDIS_URL`` (else ``REDIS_URL``) is set, in Redis,
shared by every worker. Nothing is ever invalidated by hand: a change gives a new version, a
new key, and the old body ages out. So a conditional GET is answered from the version alone,
and a full one is built once per version for all workers.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from app.courses.models import Course, CourseStatus, CourseTeamMember, Programme
from app.extensions import db
from app.followup.models import FollowupActivity
from app.registration.models import Registration
from app.schedule.models import CourseSession

__all__ = [
    "FEED_FORMAT",
    "FeedCache",
    "FeedVersion",
    "cached_body",
    "course_feed_version",
    "feed_cache",
    "forget_statements",
    "organiser_feed_version",
    "personal_feed_version",
    "programme_feed_version",
]

log = logging.getLogger(__name__)

# Raise when app.feeds.calendars writes other bytes for the same rows: every cached body and
# every ETag held by a client becomes stale at once.
FEED_FORMAT = "3"
DEFAULT_ENTRIES = 256
# Kept in Redis a day past its last write; a live version is written again when it expires.
REDIS_TTL_SECONDS = 24 * 3600
REDIS_TIMEOUT_SECONDS = 0.5


@dataclass(frozen=True)
class FeedVersion:
    """What one feed's bytes depend on, as a digest, and the latest change it saw."""

    key: str
    last_modified: datetime | None

    @property
    def etag(self) -> str:
        """The strong ETag (unquoted) of the feed at this version."""
        return self.key


def _version(kind: str, values: Sequence[Any], extras: Sequence[Any]) -> FeedVersion:
    config = current_app.config
    site = (config["SITE_URL"], config["SITE_NAME"], config.get("MAIL_DEFAULT_SENDER") or "")
    text = repr((FEED_FORMAT, kind, tuple(values), tuple(extras), site))
    stamps = [value for value in values if isinstance(value, datetime)]
    return FeedVersion(
        key=hashlib.sha256(text.encode("utf-8")).hexdigest()[:40],
        last_modified=max(stamps) if stamps else None,
    )


# The version queries ------------------------------------------------------------------------


def _first(
    statement: sa.Select[Any], params: dict[str, Any], connection: Connection | None
) -> sa.Row[Any] | None:
    """The statement's first row, on ``connection`` when given (the conditional GETs answered
    before Flask, :mod:`app.feeds.conditional`), else in the request's session."""
    if connection is not None:
        return connection.execute(statement, params).first()
    return db.session.execute(statement, params).first()


def _courses_columns(
    every: Callable[[Any], sa.ColumnElement[bool]],
    shown: Callable[[Any], sa.ColumnElement[bool]],
    outer: Any = None,
) -> list[Any]:
    """Scalar subqueries over a group of courses: ``every`` picks the courses whose own row
    counts (drafts too: one taken back to draft leaves the feed), ``shown`` those whose
    sessions and activities are in the feed. Each is given a fresh alias of Course, so both
    may refer to ``outer``, the enclosing query's row (named: SQLAlchemy correlates only one
    level down by itself, and the list of shown courses is two levels down)."""
    course = aliased(Course)
    member = aliased(Course)
    shown_ids = sa.select(member.id).where(shown(member))
    if outer is not None:
        shown_ids = shown_ids.correlate(outer)
    return [
        sa.select(sa.func.count(course.id)).where(every(course)).scalar_subquery(),
        sa.select(sa.func.max(course.updated_at)).where(every(course)).scalar_subquery(),
        sa.select(sa.func.sum(course.id)).where(every(course)).scalar_subquery(),
        *_items_columns(lambda course_id: course_id.in_(shown_ids)),
    ]


def _items_columns(where: Callable[[Any], sa.ColumnElement[bool]]) -> list[Any]:
    """Count, largest id and latest change of the sessions and of the activities whose
    ``course_id`` matches ``where`` (an index on course_id serves each)."""
    columns: list[Any] = []
    for model in (CourseSession, FollowupActivity):
        columns += [
            sa.select(sa.func.count(model.id)).where(where(model.course_id)).scalar_subquery(),
            sa.select(sa.func.max(model.id)).where(where(model.course_id)).scalar_subquery(),
            sa.select(sa.func.max(model.updated_at))
            .where(where(model.course_id))
            .scalar_subquery(),
        ]
    return columns


# Each statement is built once (with bound parameters): building one costs several times
# what running it does.


@functools.cache
def _course_statement() -> sa.Select[Any]:
    outer = aliased(Course)

    def side(course: Any) -> sa.ColumnElement[bool]:
        return course.host_event_id == outer.id

    def shown_side(course: Any) -> sa.ColumnElement[bool]:
        return sa.and_(course.host_event_id == outer.id, course.status != CourseStatus.DRAFT)

    return sa.select(
        outer.id,
        outer.uid,
        outer.updated_at,
        *_items_columns(lambda course_id: course_id == outer.id),
        *_courses_columns(side, shown_side, outer),
    ).where(outer.slug == sa.bindparam("slug"), outer.status != CourseStatus.DRAFT)


def course_feed_version(
    slug: str, locale: str, connection: Connection | None = None
) -> tuple[int, FeedVersion] | None:
    """The id and version of a public course's feed, or None when there is none (unknown, or
    a draft). Its side events count too: a host event's feed holds them (no other course has
    any)."""
    row = _first(_course_statement(), {"slug": slug}, connection)
    if row is None:
        return None
    return row[0], _version("course", row, (slug, locale))


@functools.cache
def _programme_statement() -> sa.Select[Any]:
    outer = aliased(Programme)

    def every(course: Any) -> sa.ColumnElement[bool]:
        return course.programme_id == outer.id

    def shown(course: Any) -> sa.ColumnElement[bool]:
        return sa.and_(course.programme_id == outer.id, course.status != CourseStatus.DRAFT)

    return sa.select(
        outer.id, outer.uid, outer.updated_at, *_courses_columns(every, shown, outer)
    ).where(outer.slug == sa.bindparam("slug"))


def programme_feed_version(
    slug: str, locale: str, connection: Connection | None = None
) -> FeedVersion | None:
    """The version of a programme's feed, or None for an unknown programme."""
    row = _first(_programme_statement(), {"slug": slug}, connection)
    if row is None:
        return None
    return _version("programme", row, (slug, locale))


def forget_statements() -> None:
    """Build the version statements again at their next use (tests that change what they are
    built from call it; nothing else needs to)."""
    for built in (
        _course_statement,
        _programme_statement,
        _personal_statement,
        _organiser_statement,
    ):
        built.cache_clear()


def _reader(user: Any) -> tuple[Any, ...]:
    """What a private feed prints of its reader: the name and the language."""
    return (user.id, user.name, user.locale)


@functools.cache
def _personal_statement() -> sa.Select[Any]:
    mine = Registration.user_id == sa.bindparam("user_id")
    course_ids = sa.select(Registration.course_id).where(mine)
    registrations = [
        sa.select(sa.func.count(Registration.id)).where(mine).scalar_subquery(),
        sa.select(sa.func.max(Registration.id)).where(mine).scalar_subquery(),
        sa.select(sa.func.max(Registration.updated_at)).where(mine).scalar_subquery(),
    ]

    def every(course: Any) -> sa.ColumnElement[bool]:
        return course.id.in_(course_ids)

    def shown(course: Any) -> sa.ColumnElement[bool]:
        return sa.and_(course.id.in_(course_ids), course.status != CourseStatus.DRAFT)

    return sa.select(*registrations, *_courses_columns(every, shown))


def personal_feed_version(user: Any, connection: Connection | None = None) -> FeedVersion:
    """The version of ``user``'s personal feed: their registrations and those courses.
    ``user`` is anything with the account's ``id``, ``name`` and ``locale``."""
    row = _first(_personal_statement(), {"user_id": user.id}, connection)
    assert row is not None  # aggregates without GROUP BY: always one row
    return _version("personal", row, _reader(user))


@functools.cache
def _organiser_statement() -> sa.Select[Any]:
    mine = CourseTeamMember.user_id == sa.bindparam("user_id")
    course_ids = sa.select(CourseTeamMember.course_id).where(mine)
    places = [
        sa.select(sa.func.count(CourseTeamMember.id)).where(mine).scalar_subquery(),
        sa.select(sa.func.max(CourseTeamMember.id)).where(mine).scalar_subquery(),
    ]

    def every(course: Any) -> sa.ColumnElement[bool]:
        return course.id.in_(course_ids)

    return sa.select(*places, *_courses_columns(every, every))


def organiser_feed_version(user: Any, connection: Connection | None = None) -> FeedVersion:
    """The version of ``user``'s organiser feed: their team places and those courses (``user``
    as for :func:`personal_feed_version`)."""
    row = _first(_organiser_statement(), {"user_id": user.id}, connection)
    assert row is not None  # aggregates without GROUP BY: always one row
    return _version("organiser", row, _reader(user))


# The bodies -----------------------------------------------------------------------------------


class FeedCache:
    """Bodies by version key: the latest ``entries`` in this process, all of them in Redis
    when a client is given. Redis failing is logged and otherwise ignored: the feed is then
    built here, as without it."""

    def __init__(
        self, entries: int = DEFAULT_ENTRIES, redis: Any = None, prefix: str = "atelier:feed:"
    ) -> None:
        self.entries = entries
        self.redis = redis
        self.prefix = prefix
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
                return body
        if self.redis is None:
            return None
        try:
            body = self.redis.get(self.prefix + key)
        except Exception:
            log.warning("feed cache: Redis did not answer a read", exc_info=True)
            return None
        if body is not None:
            self._remember(key, body)
        return body

    def put(self, key: str, body: bytes) -> None:
        self._remember(key, body)
        if self.redis is None:
            return
        try:
            self.redis.set(self.prefix + key, body, ex=REDIS_TTL_SECONDS)
        except Exception:
            log.warning("feed cache: Redis did not take a write", exc_info=True)

    def _remember(self, key: str, body: bytes) -> None:
        with self._lock:
            self._bodies[key] = body
            self._bodies.move_to_end(key)
            while len(self._bodies) > self.entries:
                self._bodies.popitem(last=False)

    def clear(self) -> None:
        """Forget the bodies held in this process (Redis keeps its own)."""
        with self._lock:
            self._bodies.clear()

    def __len__(self) -> int:
        return len(self._bodies)


def _make_cache(app: Flask) -> FeedCache:
    url = app.config.get("FEED_CACHE_REDIS_URL") or app.config.get("REDIS_URL")
    client = None
    if url:
        import redis

        client = redis.Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
    return FeedCache(
        entries=int(app.config.get("FEED_CACHE_ENTRIES") or DEFAULT_ENTRIES),
        redis=client,
        prefix=app.config.get("FEED_CACHE_PREFIX") or "atelier:feed:",
    )


def feed_cache() -> FeedCache:
    """The current app's cache, made on first use from its settings."""
    extensions = current_app.extensions
    found = extensions.get("feed_cache")
    if found is None:
        found = extensions.setdefault("feed_cache", _make_cache(current_app))
    return found


def cached_body(version: FeedVersion, build: Callable[[], bytes]) -> bytes:
    """The body of the feed at ``version``: from the cache, else built and kept."""
    cache = feed_cache()
    body = cache.get(version.key)
    if body is None:
        body = build()
        cache.put(version.key, body)
    return body
