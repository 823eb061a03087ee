"""Each part of a feed's version matters on its own: a change that moves only the count, only
the largest id or only the latest stamp of the rows a feed is built from still gives a new
version (a service may delete or copy rows without dating anything else), and the store is
made once per app and says why Redis failed."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime, time

import pytest
import redis

from app.courses.models import Course, CourseStatus, CourseTranslation
from app.extensions import db
from app.feeds import cache
from app.feeds.cache import FeedCache
from app.schedule.models import CourseSession
from tests.factories import make_course, make_venue
from tests.programmes.factories import add_session, make_programme

EARLY = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
MIDDLE = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
LATE = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def course_key(course: Course) -> str:
    found = cache.course_feed_version(course.slug, "")
    assert found is not None
    return found[1].key


def programme_key(slug: str = "joint") -> str:
    version = cache.programme_feed_version(slug, "en")
    assert version is not None
    return version.key


def stamp(row, when: datetime) -> None:
    """Give ``row`` the stamp ``when`` (set by hand, onupdate leaves it as it is)."""
    row.updated_at = when
    db.session.flush()


@pytest.fixture
def week():
    """A published course with three sessions; the second holds the latest stamp, the third
    the largest id. Beside it, a busy course of another team."""
    course = make_course(slug="governing-2027", start=date(2027, 11, 22))
    first, second, third = (
        add_session(course, title, date(2027, 11, 22), start, end)
        for title, start, end in (
            ("Opening", time(9), time(10)),
            ("Migration and local development", time(10), time(12)),
            ("Lunch talk", time(13), time(14)),
        )
    )
    for row, when in ((first, EARLY), (second, LATE), (third, MIDDLE)):
        stamp(row, when)
    other = make_course(slug="mainstreaming-2027", start=date(2027, 11, 22))
    add_session(other, "Welcome", date(2027, 11, 22), time(9), time(10))
    db.session.commit()
    return course, (first, second, third)


def test_a_session_deleted_without_dating_anything_gives_a_new_version(week):
    course, (first, _second, _third) = week
    before = course_key(course)
    # The oldest session, neither the latest stamp nor the largest id: only the count moves.
    db.session.delete(first)
    db.session.commit()
    assert course_key(course) != before


def test_a_session_replaced_by_a_copy_with_an_older_stamp_gives_a_new_version(week):
    course, (_first, _second, third) = week
    before = course_key(course)
    # Same count, same latest stamp (the second session's): only the largest id moves.
    copy = CourseSession(
        course=course,
        title=third.title,
        kind=third.kind,
        starts_at=third.starts_at,
        ends_at=third.ends_at,
        updated_at=MIDDLE,
    )
    db.session.delete(third)
    db.session.add(copy)
    db.session.commit()
    assert copy.updated_at == MIDDLE
    assert course_key(course) != before


def draft(course_id: int, slug: str, programme, when: datetime) -> Course:
    """A draft course of ``programme`` with the given id and stamp (drafts count in the
    version: one taken back to draft leaves the feed)."""
    course = Course(
        id=course_id,
        slug=slug,
        start_date=date(2030, 5, 6),
        venue=make_venue(),
        status=CourseStatus.DRAFT,
        capacity=30,
        programme=programme,
        translations=[CourseTranslation(locale="en", title=slug, summary="")],
    )
    db.session.add(course)
    db.session.flush()
    stamp(course, when)
    return course


@pytest.fixture
def programme():
    """A programme with a course holding the latest stamp, and another programme's course."""
    joint = make_programme("joint")
    holder = make_course(slug="turin-2030", start=date(2030, 11, 18))
    holder.programme = joint
    db.session.flush()
    stamp(holder, LATE)
    make_course(slug="geneva-2030", start=date(2030, 5, 6)).programme = make_programme("other")
    db.session.commit()
    return joint


def test_a_courses_own_change_gives_its_programme_a_new_version(programme):
    quiet = draft(910_001, "quiet-draft", programme, EARLY)
    db.session.commit()
    before = programme_key()
    quiet.capacity = 25  # dated now: its row alone changes, no session nor text
    db.session.commit()
    assert quiet.updated_at > LATE
    assert programme_key() != before


def test_two_courses_leaving_as_one_joins_give_a_new_version(programme):
    # 910 001 + 910 002 = 1 820 003: the ids add up to the same, the latest stamp stays the
    # holder's; only the number of courses moves.
    leaving = [draft(910_001, "a", programme, EARLY), draft(910_002, "b", programme, EARLY)]
    joining = draft(1_820_003, "c", None, EARLY)
    db.session.commit()
    before = programme_key()
    for course in leaving:
        course.programme = None
    joining.programme = programme
    joining.updated_at = EARLY
    db.session.commit()
    assert joining.updated_at == EARLY
    assert programme_key() != before


def test_one_course_swapped_for_another_gives_a_new_version(programme):
    # Same number of courses, same latest stamp: only the ids differ.
    leaving = draft(910_001, "a", programme, EARLY)
    joining = draft(910_005, "e", None, EARLY)
    db.session.commit()
    before = programme_key()
    leaving.programme = None
    joining.programme = programme
    joining.updated_at = EARLY
    db.session.commit()
    assert programme_key() != before


def test_the_version_follows_the_mail_sender(app, week, monkeypatch):
    course, _sessions = week
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "courses@itcilo.example.org")
    one = course_key(course)
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "training@itcilo.example.org")
    assert course_key(course) != one
    # No sender and an empty one print the same feed.
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", None)
    unset = course_key(course)
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "")
    assert course_key(course) == unset


# The store ------------------------------------------------------------------------------------


def test_the_store_and_its_redis_client_are_made_once_per_app(app, monkeypatch):
    made: list[FeedCache] = []
    real = cache._make_cache

    def counted(flask_app):
        made.append(real(flask_app))
        return made[-1]

    monkeypatch.setattr(cache, "_make_cache", counted)
    app.extensions.pop("feed_cache", None)
    first = cache.feed_cache()
    assert cache.feed_cache() is first
    assert cache.feed_cache() is first
    assert made == [first]
    app.extensions.pop("feed_cache", None)


def test_a_store_without_a_prefix_writes_under_atelier_feed(shared_redis):
    client, _prefix = shared_redis
    key = f"test-{uuid.uuid4().hex}"
    try:
        FeedCache(redis=client).put(key, b"BEGIN:VCALENDAR")
        assert client.get(f"atelier:feed:{key}") == b"BEGIN:VCALENDAR"
    finally:
        client.delete(f"atelier:feed:{key}")


def test_redis_failures_are_logged_with_their_cause(caplog):
    down = redis.Redis.from_url(
        "redis://127.0.0.1:1/0", socket_connect_timeout=0.2, socket_timeout=0.2
    )
    store = FeedCache(redis=down, prefix="x:")
    with caplog.at_level(logging.WARNING, logger="app.feeds.cache"):
        store.put("k", b"body")
        store.get("other")
    records = [r for r in caplog.records if r.name == "app.feeds.cache"]
    assert [r.getMessage() for r in records] == [
        "feed cache: Redis did not take a write",
        "feed cache: Redis did not answer a read",
    ]
    # The traceback says what failed (refused connection, timeout, authentication...).
    assert all(r.exc_info and issubclass(r.exc_info[0], redis.RedisError) for r in records)
