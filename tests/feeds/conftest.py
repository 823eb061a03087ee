"""Helpers for the calendar tests: a course week across a daylight-saving change, activities,
and readers of the raw bytes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime, time

import pytest
import redis

from app.core.timeutil import local_to_utc
from app.courses.models import Course
from app.extensions import db
from app.feeds.cache import forget_statements
from app.followup.models import ActivityKind, FollowupActivity
from app.schedule.models import CourseSession, SessionKind
from app.schedule.proposal import propose_timetable
from tests.factories import make_course, make_module
from tests.neighbours import Neighbour, guard, make_busy_course

ROME = "Europe/Rome"
# Thursday 26 October 2017 to Monday 30: Italy leaves summer time on Sunday the 29th.
DST_WEEK_START = date(2017, 10, 26)


@pytest.fixture
def course() -> Course:
    """A published five-day course in Turin across the change, with a proposed timetable."""
    course = make_course(
        start=DST_WEEK_START, modules=(make_module("T1", title="Policy coherence"),)
    )
    course.days = 5
    propose_timetable(course, room=course.venue.rooms[0])
    db.session.flush()
    return course


def add_session(course: Course, title: str, day: date, start: time, end: time, **fields: object):
    session = CourseSession(
        course=course,
        title=title,
        kind=fields.pop("kind", SessionKind.PLENARY),
        starts_at=local_to_utc(day, start, course.timezone),
        ends_at=local_to_utc(day, end, course.timezone),
        **fields,
    )
    db.session.add(session)
    db.session.flush()
    return session


def add_activity(course: Course, kind: ActivityKind, title: str, **fields: object):
    activity = FollowupActivity(course=course, kind=kind, title=title, **fields)
    db.session.add(activity)
    db.session.flush()
    return activity


def utc(*args: int) -> datetime:
    from datetime import UTC

    return datetime(*args, tzinfo=UTC)


def physical_lines(raw: bytes) -> list[bytes]:
    """The lines as sent; the text must end with CRLF."""
    assert raw.endswith(b"\r\n")
    return raw[:-2].split(b"\r\n")


def unfolded(raw: bytes) -> list[str]:
    """The content lines after unfolding (RFC 5545 §3.1)."""
    return raw.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


def blocks(raw: bytes, name: str) -> list[list[str]]:
    """The unfolded lines of each component called ``name`` (VEVENT, VTIMEZONE…)."""
    found: list[list[str]] = []
    current: list[str] | None = None
    for line in unfolded(raw):
        if line == f"BEGIN:{name}":
            current = []
        elif line == f"END:{name}":
            assert current is not None
            found.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return found


def event_block(raw: bytes, uid_part: str) -> list[str]:
    [block] = [b for b in blocks(raw, "VEVENT") if any(uid_part in line for line in b)]
    return block


@pytest.fixture(autouse=True)
def fresh_feed_statements() -> None:
    """Version statements built by this test's code (a mutation run forks from a process that
    built them already)."""
    forget_statements()


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    """The sister course three weeks earlier, busy, which no test may change."""
    yield from guard(make_busy_course(date(2017, 10, 30)))


REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def shared_redis():
    """The local Redis with a prefix of the test's own; skipped when none answers."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"atelier-test:{uuid.uuid4().hex}:"
    yield client, prefix
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
