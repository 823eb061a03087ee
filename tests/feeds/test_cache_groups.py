"""The versions of the feeds of several courses (personal, organiser, programme, host event),
and the store the bodies are kept in: bounded in process, shared through Redis."""

from __future__ import annotations

import logging
from datetime import date, time

import pytest
import redis
import sqlalchemy as sa

from app.accounts.models import Role
from app.courses import services as courses
from app.courses.models import CourseKind, CourseStatus, TeamRole
from app.extensions import db
from app.feeds import cache, services
from app.feeds.cache import FeedCache
from app.feeds.models import FeedKind
from app.programmes.services import ProgrammeData, ProgrammeText, update_programme
from app.registration.models import Registration, RegistrationStatus
from app.schedule.proposal import propose_timetable
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.programmes.factories import add_session, make_event, make_programme, make_quito_venue

from .conftest import REDIS_URL
from .test_cache import Statements, after_change, refuse_to_build


def timetabled(title: str, start: date, **fields):
    course = make_course(title=title, start=start, venue=make_venue(), **fields)
    propose_timetable(course, room=course.venue.rooms[0])
    db.session.flush()
    return course


def registrations_of(user) -> list[Registration]:
    return list(
        db.session.scalars(
            sa.select(Registration).where(Registration.user_id == user.id).order_by(Registration.id)
        )
    )


def link(user, kind: FeedKind = FeedKind.PERSONAL) -> str:
    _row, raw = services.create_feed_token(user, kind, "")
    db.session.commit()
    return f"/feeds/{raw}.ics"


# Personal feed ------------------------------------------------------------------------------------


@pytest.fixture
def participant():
    """Ana, with 16 courses: confirmed in most, waitlisted in one, cancelled in another."""
    user = make_user(name="Ana Souza")
    for n in range(16):
        course = timetabled(f"Course {n:02}", date(2027, 1, 4 + n))
        status = RegistrationStatus.CONFIRMED
        if n == 3:
            status = RegistrationStatus.WAITLISTED
        elif n == 5:
            status = RegistrationStatus.CANCELLED
        make_registration(course, user, status=status)
    db.session.commit()
    return user


def test_a_personal_poll_of_16_courses_is_answered_from_two_queries(
    client, participant, monkeypatch
):
    path = link(participant)
    first = client.get(path)
    assert first.status_code == 200
    refuse_to_build(monkeypatch)
    with Statements() as statements:
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["X-Robots-Tag"] == "noindex"
    # The link's row (with its owner), then the version.
    assert len(statements.sent) == 2, statements.sent
    with Statements() as statements:
        cached = client.get(path)
    assert cached.data == first.data
    assert len(statements.sent) == 2, statements.sent


def test_a_new_place_in_the_personal_feed_shows(client, participant):
    path = link(participant)
    before = client.get(path)
    registration = next(
        r for r in registrations_of(participant) if r.status == RegistrationStatus.WAITLISTED
    )
    registration.status = RegistrationStatus.CONFIRMED
    text = after_change(client, path, before)
    assert "STATUS:TENTATIVE" not in text


def test_a_new_registration_and_a_cancelled_one_show(client, participant):
    path = link(participant)
    before = client.get(path)
    extra = timetabled("Urban migration lab", date(2027, 3, 1))
    make_registration(extra, participant)
    assert "Urban migration lab" in after_change(client, path, before)

    added = client.get(path)
    extra_registration = next(r for r in registrations_of(participant) if r.course is extra)
    extra_registration.status = RegistrationStatus.CANCELLED
    assert "Urban migration lab" not in after_change(client, path, added)


def test_the_readers_name_and_language_show(client, participant):
    path = link(participant)
    before = client.get(path)
    participant.name = "Ana Souza Lima"
    assert "X-WR-CALNAME:Atelier – Ana Souza Lima" in after_change(client, path, before)
    renamed = client.get(path)
    participant.locale = "fr"
    assert "Les séances" in after_change(client, path, renamed)


def test_a_course_of_the_personal_feed_changing_shows(client, participant):
    path = link(participant)
    before = client.get(path)
    course = registrations_of(participant)[0].course
    course.sessions[0].title = "Opening plenary"
    assert "SUMMARY:Opening plenary" in after_change(client, path, before)


# Organiser feed -----------------------------------------------------------------------------------


def test_the_organiser_feed_follows_the_team(client):
    organiser = make_user(Role.ORGANISER, name="Lucia Rossi")
    admin = make_user(Role.ADMIN)
    first = timetabled("Local governance", date(2027, 2, 1), organisers=(organiser,))
    second = timetabled("Labour migration", date(2027, 4, 5), status=CourseStatus.DRAFT)
    db.session.commit()
    path = link(organiser, FeedKind.ORGANISER)
    before = client.get(path)
    assert client.get(path, headers={"If-None-Match": before.headers["ETag"]}).status_code == 304

    member = courses.add_team_member(second, organiser, TeamRole.FACILITATOR, actor=admin)
    assert "Labour migration" in after_change(client, path, before)

    joined = client.get(path)
    courses.remove_team_member(second, member, actor=admin)
    text = after_change(client, path, joined)
    assert "Labour migration" not in text
    assert "Local governance" in text
    del first


# Programme and host event feeds ----------------------------------------------------------------


def test_the_programme_feed_follows_its_texts_and_courses(client, monkeypatch):
    admin = make_user(Role.ADMIN)
    programme = make_programme("joint")
    turin = make_event(
        CourseKind.COURSE, title="Turin course", start=date(2030, 11, 18), programme=programme
    )
    add_session(turin, "Opening", date(2030, 11, 18), time(9), time(10))
    db.session.commit()
    url = "/programmes/joint/calendar.ics"
    before = client.get(url)
    with monkeypatch.context() as patched:
        refuse_to_build(patched)
        with Statements() as statements:
            again = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
        assert again.status_code == 304
        assert len(statements.sent) == 1, statements.sent

    update_programme(
        programme,
        ProgrammeData(slug="joint", texts={"en": ProgrammeText("Migration and development")}),
        actor=admin,
    )
    assert "X-WR-CALNAME:Migration and development" in after_change(client, url, before)

    renamed = client.get(url)
    quito = make_event(
        CourseKind.SIDE_EVENT,
        title="Toolbox",
        start=date(2030, 10, 18),
        venue=make_quito_venue(),
        programme=programme,
    )
    add_session(quito, "Presentation", date(2030, 10, 18), time(9), time(10))
    text = after_change(client, url, renamed)
    assert "SUMMARY:Presentation" in text
    assert "X-WR-TIMEZONE" not in text

    both = client.get(url)
    quito.status = CourseStatus.DRAFT
    assert "SUMMARY:Presentation" not in after_change(client, url, both)


def test_the_host_feed_follows_its_side_events(client):
    host = make_event(CourseKind.CONFERENCE, title="Habitat III", start=date(2030, 10, 17), days=4)
    add_session(host, "Opening", date(2030, 10, 17), time(10), time(12))
    db.session.commit()
    url = f"/courses/{host.slug}/calendar.ics"
    before = client.get(url)
    side = make_event(
        CourseKind.SIDE_EVENT, title="Migration toolbox", start=date(2030, 10, 18), host=host
    )
    add_session(side, "Toolbox presentation", date(2030, 10, 18), time(9), time(10))
    assert "SUMMARY:Toolbox presentation" in after_change(client, url, before)

    added = client.get(url)
    side.sessions[0].title = "Toolbox launch"
    assert "SUMMARY:Toolbox launch" in after_change(client, url, added)

    renamed = client.get(url)
    side.status = CourseStatus.DRAFT
    assert "Toolbox launch" not in after_change(client, url, renamed)

    # Another host's side event is not in this feed: its changes keep this version.
    drafted = client.get(url)
    other = make_event(CourseKind.CONFERENCE, title="World Urban Forum", start=date(2030, 2, 8))
    elsewhere = make_event(
        CourseKind.SIDE_EVENT, title="Forum side event", start=date(2030, 2, 9), host=other
    )
    add_session(elsewhere, "Side session", date(2030, 2, 9), time(9), time(10))
    db.session.commit()
    again = client.get(url, headers={"If-None-Match": drafted.headers["ETag"]})
    assert again.status_code == 304


def test_the_programme_feed_ignores_other_programmes(client):
    programme = make_programme("joint")
    make_event(
        CourseKind.COURSE, title="Turin course", start=date(2030, 11, 18), programme=programme
    )
    other = make_programme("other")
    db.session.commit()
    url = "/programmes/joint/calendar.ics"
    before = client.get(url)
    theirs = make_event(
        CourseKind.COURSE, title="Geneva course", start=date(2030, 5, 6), programme=other
    )
    add_session(theirs, "Opening", date(2030, 5, 6), time(9), time(10))
    db.session.commit()
    assert client.get(url, headers={"If-None-Match": before.headers["ETag"]}).status_code == 304


# The store ------------------------------------------------------------------------------------


def test_the_process_keeps_only_the_latest_bodies():
    store = FeedCache(entries=2)
    store.put("a", b"A")
    store.put("b", b"B")
    assert store.get("a") == b"A"  # now the latest used
    store.put("c", b"C")
    assert store.get("b") is None
    assert (store.get("a"), store.get("c")) == (b"A", b"C")
    assert len(store) == 2
    store.clear()
    assert store.get("a") is None
    assert len(store) == 0


def test_workers_share_bodies_through_redis(shared_redis):
    client, prefix = shared_redis
    one = FeedCache(redis=client, prefix=prefix)
    other = FeedCache(redis=client, prefix=prefix)
    one.put("v1", b"BEGIN:VCALENDAR")
    assert other.get("v1") == b"BEGIN:VCALENDAR"
    assert 0 < client.ttl(f"{prefix}v1") <= cache.REDIS_TTL_SECONDS
    client.delete(f"{prefix}v1")
    # Kept in this worker's memory since it read it.
    assert other.get("v1") == b"BEGIN:VCALENDAR"
    assert FeedCache(redis=client, prefix=prefix).get("v1") is None


def test_the_app_serves_another_workers_body_from_redis(app, client, shared_redis, monkeypatch):
    _client, prefix = shared_redis
    course = timetabled("Local governance", date(2027, 2, 1))
    db.session.commit()
    monkeypatch.setitem(app.config, "FEED_CACHE_REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "FEED_CACHE_PREFIX", prefix)
    app.extensions.pop("feed_cache", None)
    url = f"/courses/{course.slug}/calendar.ics"
    first = client.get(url)
    assert cache.feed_cache().redis is not None
    cache.feed_cache().clear()  # as a worker that never built it
    refuse_to_build(monkeypatch)
    again = client.get(url)
    assert again.status_code == 200
    assert again.data == first.data
    app.extensions.pop("feed_cache", None)


def test_redis_down_still_answers(caplog):
    down = redis.Redis.from_url(
        "redis://127.0.0.1:1/0", socket_connect_timeout=0.2, socket_timeout=0.2
    )
    store = FeedCache(redis=down, prefix="x:")
    with caplog.at_level(logging.WARNING, logger="app.feeds.cache"):
        store.put("k", b"body")
        assert store.get("k") == b"body"  # from the process
        assert store.get("other") is None
    assert "Redis did not take a write" in caplog.text
    assert "Redis did not answer a read" in caplog.text


def test_versions_are_one_query_each(app):
    user = make_user()
    programme = make_programme("joint")
    course = timetabled("Local governance", date(2027, 2, 1))
    slugs = course.slug, programme.slug
    db.session.commit()
    user = db.session.get(type(user), user.id)  # loaded again, outside the count
    for read in (
        lambda: cache.course_feed_version(slugs[0], ""),
        lambda: cache.programme_feed_version(slugs[1], "en"),
        lambda: cache.personal_feed_version(user),
        lambda: cache.organiser_feed_version(user),
    ):
        with Statements() as statements:
            assert read() is not None
        assert len(statements.sent) == 1


def test_the_store_follows_the_settings(app, monkeypatch):
    # None configured (as in these tests): each process keeps its own; the keys' namespace is
    # the one the README's operators would look for in a shared Redis.
    assert cache.feed_cache().redis is None
    assert cache.feed_cache().prefix == "atelier:feed:"
    app.extensions.pop("feed_cache", None)
    # REDIS_URL alone serves the feeds too, with short timeouts: a Redis that hangs must not
    # hold a feed longer than building it would.
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "FEED_CACHE_ENTRIES", 3)
    monkeypatch.setitem(app.config, "FEED_CACHE_PREFIX", "mine:")
    store = cache.feed_cache()
    assert store is cache.feed_cache()
    settings = store.redis.connection_pool.connection_kwargs
    assert (settings["host"], settings["port"]) == ("127.0.0.1", 6379)
    assert settings["socket_timeout"] == settings["socket_connect_timeout"] == 0.5
    assert (store.entries, store.prefix) == (3, "mine:")
    app.extensions.pop("feed_cache", None)
