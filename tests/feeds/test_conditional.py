"""Calendar apps' polls answered 304 before Flask (app.feeds.conditional): the same answer as
Flask's, from one query, without a request context; everything else still reaches Flask."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import request_started
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.test import Client, EnvironBuilder

from app import create_app
from app.accounts.models import Role
from app.courses.models import CourseStatus, CourseTeamMember, TeamRole
from app.db import now_utc
from app.extensions import db
from app.feeds import conditional, services
from app.feeds.models import FeedKind
from tests.factories import make_registration, make_user
from tests.programmes.factories import make_programme

from .test_cache import Statements, feed_url


@pytest.fixture
def entered(app) -> Iterator[list[str]]:
    """The paths of the requests that reached Flask while the test ran."""
    seen: list[str] = []

    def record(_sender, **_extra) -> None:
        from flask import request

        seen.append(request.full_path.removesuffix("?"))

    request_started.connect(record, app)
    yield seen
    request_started.disconnect(record, app)


def flask_only(app) -> Client:
    """A client of the Flask app without the middleware in front of it."""
    return Client(app.wsgi_app.wsgi_app)


def without_date(headers) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name != "Date"}


# Public feeds ------------------------------------------------------------------------------


def test_a_current_copy_is_answered_without_entering_flask(app, client, course, entered):
    db.session.commit()
    first = client.get(feed_url(course))
    assert entered == [feed_url(course)]
    etag = first.headers["ETag"]

    with Statements() as statements:
        again = client.get(feed_url(course), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert entered == [feed_url(course)]  # the poll never reached Flask
    assert len(statements.sent) == 1
    # The same answer, header for header, as Flask's own 304 (security headers included).
    through_flask = flask_only(app).get(feed_url(course), headers={"If-None-Match": etag})
    assert through_flask.status_code == 304
    assert without_date(again.headers) == without_date(through_flask.headers)
    assert again.headers["Cache-Control"] == "public, max-age=900"
    assert again.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_head_and_if_modified_since_are_answered_too(client, course, entered):
    db.session.commit()
    first = client.get(feed_url(course))
    since = {"If-Modified-Since": first.headers["Last-Modified"]}
    assert client.head(feed_url(course), headers=since).status_code == 304
    assert client.get(feed_url(course), headers=since).status_code == 304
    assert len(entered) == 1


def test_a_stale_copy_goes_on_to_flask_for_the_new_feed(client, course, entered):
    db.session.commit()
    first = client.get(feed_url(course))
    course.sessions[0].title = "Local governance of migration"
    db.session.commit()
    again = client.get(feed_url(course), headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert b"Local governance of migration" in again.data
    assert len(entered) == 2


def test_each_language_keeps_its_own_version(client, course, entered):
    db.session.commit()
    english = client.get(feed_url(course, "en")).headers["ETag"]
    french = client.get(feed_url(course, "fr")).headers["ETag"]
    assert english != french
    held = {"If-None-Match": english}
    assert client.get(feed_url(course, "en"), headers=held).status_code == 304
    assert client.get(feed_url(course, "fr"), headers=held).status_code == 200
    # An unknown language is the course's own, as the view reads it.
    own = client.get(feed_url(course)).headers["ETag"]
    assert client.get(feed_url(course, "xx"), headers={"If-None-Match": own}).status_code == 304
    assert entered.count(feed_url(course, "fr")) == 2


def test_unknown_and_draft_courses_reach_flask_and_get_its_404(client, course, entered):
    course.status = CourseStatus.DRAFT
    db.session.commit()
    held = {"If-None-Match": '"0123456789abcdef0123456789abcdef01234567"'}
    for path in (feed_url(course), "/courses/no-such-course/calendar.ics"):
        answer = client.get(path, headers=held)
        assert answer.status_code == 404
        assert answer.mimetype == "text/plain"
    assert len(entered) == 2


def test_other_requests_are_left_to_flask(client, course, entered):
    db.session.commit()
    etag = client.get(feed_url(course)).headers["ETag"]
    held = {"If-None-Match": etag}
    assert client.post(feed_url(course), headers=held).status_code in (400, 405)
    assert client.get(f"/courses/{course.slug}", headers=held).status_code == 200
    assert client.get(feed_url(course) + "/", headers=held).status_code == 404
    # A path that is not UTF-8 (Latin-1 bytes, as WSGI passes them) is Flask's to refuse.
    assert client.get("/courses/caf%E9/calendar.ics", headers=held).status_code == 404
    assert len(entered) == 5


def test_a_failure_is_left_to_flask(client, course, entered, monkeypatch, caplog):
    db.session.commit()
    etag = client.get(feed_url(course)).headers["ETag"]

    def broken(*_args, **_kwargs):
        raise RuntimeError("connection lost")

    monkeypatch.setattr(conditional, "course_feed_version", broken)
    with caplog.at_level(logging.WARNING, logger="app.feeds.conditional"):
        again = client.get(feed_url(course), headers={"If-None-Match": etag})
    # Noted with its cause, and without the path (a private feed's is its secret).
    (record,) = [r for r in caplog.records if r.name == "app.feeds.conditional"]
    assert record.getMessage() == "conditional feed request left to Flask"
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError
    assert again.status_code == 304  # Flask's own answer, from its own query
    assert len(entered) == 2


def test_a_programme_poll_is_answered_in_its_language(client, course, entered):
    programme = make_programme("joint", texts={"fr": "Programme conjoint"})
    course.programme = programme
    db.session.commit()
    url = f"/programmes/{programme.slug}/calendar.ics"
    english = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": english}).status_code == 304
    assert client.get(url + "?lang=es", headers={"If-None-Match": english}).status_code == 200
    assert entered == [url, url + "?lang=es"]


# Private feeds ---------------------------------------------------------------------------


def private_url(raw: str) -> str:
    return f"/feeds/{raw}.ics"


def test_a_private_link_in_use_is_answered_without_flask(client, course, entered):
    participant = make_user(name="Amina Diallo")
    make_registration(course, participant)
    row, raw = services.create_feed_token(participant, FeedKind.PERSONAL, "Phone")
    db.session.commit()
    first = client.get(private_url(raw))  # Flask writes the first use
    db.session.refresh(row)
    used = row.last_used_at
    assert used is not None

    again = client.get(private_url(raw), headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Cache-Control"] == "private, max-age=300"
    assert again.headers["X-Robots-Tag"] == "noindex"
    assert len(entered) == 1
    db.session.refresh(row)
    assert row.last_used_at == used

    # The reader's name is in the feed: renaming them makes a new version.
    participant.name = "Amina Diallo-Sow"
    db.session.commit()
    renamed = client.get(private_url(raw), headers={"If-None-Match": first.headers["ETag"]})
    assert renamed.status_code == 200
    assert len(entered) == 2


def test_a_use_due_to_be_written_goes_on_to_flask(client, course, entered):
    participant = make_user(name="Amina Diallo")
    row, raw = services.create_feed_token(participant, FeedKind.PERSONAL, "")
    db.session.commit()
    etag = client.get(private_url(raw)).headers["ETag"]
    row.last_used_at = now_utc() - timedelta(hours=1, minutes=1)
    db.session.commit()

    again = client.get(private_url(raw), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert len(entered) == 2  # Flask answered, and wrote the use
    db.session.refresh(row)
    assert now_utc() - row.last_used_at < timedelta(minutes=1)

    row.last_used_at = now_utc() - timedelta(minutes=59)
    db.session.commit()
    assert client.get(private_url(raw), headers={"If-None-Match": etag}).status_code == 304
    assert len(entered) == 2


def test_an_organiser_link_has_its_own_version(client, course, entered):
    organiser = make_user(Role.ORGANISER, name="Lucia Rossi")
    course.team.append(CourseTeamMember(user=organiser, role=TeamRole.ORGANISER))
    _row, raw = services.create_feed_token(organiser, FeedKind.ORGANISER, "")
    _personal_row, personal_raw = services.create_feed_token(organiser, FeedKind.PERSONAL, "")
    db.session.commit()
    organiser_etag = client.get(private_url(raw)).headers["ETag"]
    personal_etag = client.get(private_url(personal_raw)).headers["ETag"]
    assert organiser_etag != personal_etag
    assert (
        client.get(private_url(raw), headers={"If-None-Match": organiser_etag}).status_code == 304
    )
    mixed = client.get(private_url(personal_raw), headers={"If-None-Match": organiser_etag})
    assert mixed.status_code == 200
    assert len(entered) == 3


def test_dead_links_reach_flask_and_get_its_404(client, course, entered):
    participant = make_user(name="Amina Diallo")
    row, raw = services.create_feed_token(participant, FeedKind.PERSONAL, "")
    db.session.commit()
    etag = client.get(private_url(raw)).headers["ETag"]
    held = {"If-None-Match": etag}

    participant.is_active = False
    db.session.commit()
    assert client.get(private_url(raw), headers=held).status_code == 404
    participant.is_active = True
    services.revoke_feed_token(row, actor=participant)
    db.session.commit()
    assert client.get(private_url(raw), headers=held).status_code == 404
    # Malformed tokens, and one a character short, never reach a query here.
    assert client.get(private_url(raw[:-1] + "!"), headers=held).status_code == 404
    assert client.get(private_url("x" * 31), headers=held).status_code == 404
    assert len(entered) == 5


def test_polls_answered_here_read_on_their_own_connection(client, course, entered):
    """Every kind of poll reads its version on the middleware's bare connection, not in an ORM
    session (which would open a transaction and ping the pool for each poll)."""
    programme = make_programme("joint")
    course.programme = programme
    member = make_user(Role.ORGANISER, name="Lucia Rossi")
    course.team.append(CourseTeamMember(user=member, role=TeamRole.ORGANISER))
    make_registration(course, member)
    _row, personal = services.create_feed_token(member, FeedKind.PERSONAL, "")
    _row, organiser = services.create_feed_token(member, FeedKind.ORGANISER, "")
    db.session.commit()
    urls = [
        feed_url(course),
        f"/programmes/{programme.slug}/calendar.ics",
        private_url(personal),
        private_url(organiser),
    ]
    etags = {url: client.get(url).headers["ETag"] for url in urls}
    begun: list[Session] = []

    def record(session, _transaction, _connection) -> None:
        begun.append(session)

    event.listen(Session, "after_begin", record)
    try:
        for url in urls:
            assert client.get(url, headers={"If-None-Match": etags[url]}).status_code == 304, url
            assert begun == [], url
    finally:
        event.remove(Session, "after_begin", record)
    assert entered == urls  # the first GETs only


def test_the_language_is_read_as_flask_reads_it(app, client, course, entered):
    db.session.commit()
    base = feed_url(course)
    french = client.get(base + "?lang=fr").headers["ETag"]
    own = client.get(base).headers["ETag"]
    polls = [
        (base + "?lang=fr", french),
        (base + "?lang=fr&lang=es", french),  # the first value, as request.args gives it
        (base + "?lang=&lang=fr", own),  # a blank first value: the course's own language
        (base + "?lang=xx", own),
    ]
    for url, etag in polls:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304, url
    assert entered == [base + "?lang=fr", base]  # the first GETs only
    for url, etag in polls:  # and Flask reads each the same
        assert flask_only(app).get(url, headers={"If-None-Match": etag}).status_code == 304, url


def test_every_poll_answered_here_carries_its_feeds_headers(app, client, course, entered):
    programme = make_programme("joint")
    course.programme = programme
    participant = make_user(name="Amina Diallo")
    make_registration(course, participant)
    _row, raw = services.create_feed_token(participant, FeedKind.PERSONAL, "")
    db.session.commit()
    feeds = [
        (feed_url(course), "public, max-age=900", False),
        (f"/programmes/{programme.slug}/calendar.ics", "public, max-age=900", False),
        (private_url(raw), "private, max-age=300", True),
    ]
    for url, cache_control, private in feeds:
        first = client.get(url)
        held = {"If-None-Match": first.headers["ETag"]}
        again = client.get(url, headers=held)
        assert again.status_code == 304, url
        assert again.headers["Cache-Control"] == cache_control, url
        assert again.headers["ETag"] == first.headers["ETag"], url
        # Public feeds may be indexed; a private link never.
        assert again.headers.get("X-Robots-Tag") == ("noindex" if private else None), url
        assert without_date(again.headers) == without_date(
            flask_only(app).get(url, headers=held).headers
        ), url
    # Each URL reached Flask for its first GET and for the comparison, never for the poll.
    assert entered == [url for url, _cache, _private in feeds for _twice in (1, 2)]


def test_a_request_without_a_path_is_left_to_flask(app, course):
    """PEP 3333 lets a server leave PATH_INFO out for the site's root."""
    db.session.commit()
    environ = EnvironBuilder(path="/", headers={"If-None-Match": '"0123"'}).get_environ()
    del environ["PATH_INFO"]
    statuses: list[str] = []
    body = b"".join(app.wsgi_app(environ, lambda status, _headers, *_: statuses.append(status)))
    assert statuses == ["200 OK"]
    assert b"Governing migration at the local level" in body


def polls_engine(
    app, url: str, tmp_path, options: dict | None = None
) -> tuple[object, object, object]:
    """The engine the middleware of an app on ``url`` reads with (asked twice), and the
    app's own."""
    other = create_app(
        {
            **app.config,
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": (
                {"pool_pre_ping": True, "pool_recycle": 280} if options is None else options
            ),
            "UPLOAD_FOLDER": str(tmp_path),
        }
    )
    middleware = other.wsgi_app
    assert isinstance(middleware, conditional.ConditionalFeeds)
    with other.app_context():
        first = middleware._engine()
        return first, middleware._engine(), db.engine


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://atelier@127.0.0.1:1/atelier", "sqlite:///{tmp}/atelier.db"],
)
def test_polls_use_an_engine_of_their_own_without_the_ping(app, url, tmp_path):
    # Made once per app, with the app's settings but no ping before each use, and a small pool.
    engine, again, apps = polls_engine(app, url.format(tmp=tmp_path), tmp_path)
    assert engine is again
    assert engine is not apps
    assert engine.url == apps.url
    assert apps.pool._pre_ping is True
    assert engine.pool._pre_ping is False
    assert engine.pool._recycle == 280
    assert engine.pool.size() == conditional.POLL_POOL_SIZE == 2
    engine.dispose()


def test_an_app_without_engine_options_gets_the_polls_engine_too(app, tmp_path):
    engine, again, apps = polls_engine(app, f"sqlite:///{tmp_path}/atelier.db", tmp_path, {})
    assert engine is again
    assert engine is not apps
    assert engine.pool._pre_ping is False
    assert engine.pool.size() == 2
    engine.dispose()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite:///:memory:"])
def test_an_in_memory_database_is_read_on_the_apps_engine(app, url, tmp_path):
    # Only the app's own connection sees the rows of an in-memory SQLite database.
    engine, again, apps = polls_engine(app, url, tmp_path)
    assert engine is apps
    assert again is apps
