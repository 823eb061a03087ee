"""Calendar apps' conditional GETs, answered before Flask.

A subscribed calendar polls its feed (every few minutes to every few hours) with the ETag or
date of the copy it holds, and nearly every poll is answered 304. Such an answer needs the
feed's version (:mod:`app.feeds.cache`, one query) and nothing else: not the session, the rate
limiter, the locale or the URL map. :class:`ConditionalFeeds` sits in front of the Flask app
and answers those polls on a bare connection from the pool. Everything else goes on to Flask,
which answers as it always did, 304s included, from the same version: a copy that is not
current, an unknown slug or token, a link whose use is due to be written down, a failure.

The feeds have no rate limit of their own (a 304 costs less than counting it); a private
link answered here was proven by its token, and a wrong token always reaches Flask.
"""

from __future__ import annotations

import logging
import re
import weakref
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Connection, Engine
from werkzeug.http import is_resource_modified
from werkzeug.wrappers import Response

from app.db import now_utc
from app.extensions import db
from app.feeds.cache import FeedVersion, course_feed_version, programme_feed_version
from app.feeds.services import link_feed_version, peek_feed_token, touch_due

__all__ = [
    "COURSE_FEED_CACHE",
    "PRIVATE_FEED_CACHE",
    "ConditionalFeeds",
    "not_modified",
]

log = logging.getLogger(__name__)

COURSE_FEED_CACHE = "public, max-age=900"
# Connections each process keeps for the polls (more open for a moment under a burst).
POLL_POOL_SIZE = 2
PRIVATE_FEED_CACHE = "private, max-age=300"

# The feeds' rules (app/feeds/routes.py), as the paths Flask would route to them.
_COURSE = re.compile(r"/courses/([^/]+)/calendar\.ics")
_PROGRAMME = re.compile(r"/programmes/([^/]+)/calendar\.ics")
_PRIVATE = re.compile(r"/feeds/([^/]+)\.ics")

StartResponse = Callable[..., Any]


def not_modified(
    environ: dict[str, Any],
    version: FeedVersion,
    *,
    cache_control: str,
    private: bool = False,
) -> Response | None:
    """A 304 when the request's client holds ``version`` already (by If-None-Match, else by
    If-Modified-Since), else None: nothing is built to answer it."""
    if is_resource_modified(environ, etag=version.etag, last_modified=version.last_modified):
        return None
    # No Last-Modified: Werkzeug drops it from a 304 (an entity header), and the ETag is what
    # RFC 9110 (15.4.5) asks a 304 to carry.
    response = Response(status=304)
    response.set_etag(version.etag)
    response.headers["Cache-Control"] = cache_control
    if private:
        response.headers["X-Robots-Tag"] = "noindex"
    return response


class ConditionalFeeds:
    """WSGI middleware: the feeds' 304s, answered before the Flask app ``app`` is entered."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wsgi_app = app.wsgi_app
        self._own_engine: Engine | None = None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        answer = None
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD") and (
            environ.get("HTTP_IF_NONE_MATCH") or environ.get("HTTP_IF_MODIFIED_SINCE")
        ):
            answer = self._answer(environ)
        if answer is None:
            return self.wsgi_app(environ, start_response)
        return answer(environ, start_response)

    def _engine(self) -> Engine:
        """The app's database without the pool's ping before each use: a poll that finds its
        connection dead fails, goes on to Flask (whose pool pings), and the dead connection is
        dropped. The ping is a round trip, a fifth of a 304's time. In a database only one
        connection can see (SQLite in memory), the app's own engine."""
        engine = self._own_engine
        if engine is None:
            url = db.engine.url
            if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
                engine = db.engine
            else:
                options = dict(self.app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
                options.pop("pool_pre_ping", None)
                # One read at a time per request: a small pool beside the app's own.
                options.setdefault("pool_size", POLL_POOL_SIZE)
                engine = sa.create_engine(url, **options)
                # Close its connections when the app goes (apps made and dropped in one
                # process, as the tests do, would otherwise leave them to the collector).
                weakref.finalize(self, engine.dispose)
            self._own_engine = engine
        return engine

    def _answer(self, environ: dict[str, Any]) -> Response | None:
        try:
            # WSGI gives the path as Latin-1 text of its bytes; Flask routes on UTF-8.
            path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8")
        except UnicodeError:
            return None
        if not (_COURSE.fullmatch(path) or _PROGRAMME.fullmatch(path) or _PRIVATE.fullmatch(path)):
            return None
        try:
            with self.app.app_context(), _reading(self._engine()) as connection:
                answer = _not_modified_feed(environ, path, connection, self.app)
        except Exception:
            # Flask answers this request as it would without the middleware, and logs what
            # fails there; here it is only noted (without the path: a private feed's secret).
            log.warning("conditional feed request left to Flask", exc_info=True)
            return None
        if answer is not None:
            for name, value in self.app.extensions["atelier.security_headers"].items():
                answer.headers.setdefault(name, value)
            # A 304 carries the Vary its 200 would (RFC 9110, 15.4.5): Flask's does, because
            # every request there looks up the browser's session.
            answer.vary.add("Cookie")
        return answer


def _reading(engine: Engine) -> Connection:
    """A connection for one read outside any transaction. In a transaction, the pool's
    rollback on return would make psycopg forget its prepared statements, and PostgreSQL
    would plan the version query (fifteen subqueries, ~1.5 ms) at every poll; outside one, it
    is prepared after a few polls and runs in a fraction of that."""
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def _language(environ: dict[str, Any], app: Flask, default: str) -> str:
    """``?lang=`` when the site offers it, else ``default`` (as the feed views read it)."""
    values = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).get("lang")
    wanted = values[0] if values else ""
    return wanted if wanted in app.config["LANGUAGES"] else default


def _not_modified_feed(
    environ: dict[str, Any], path: str, connection: Connection, app: Flask
) -> Response | None:
    """The 304 for the feed at ``path`` when the client's copy is current, else None."""
    if match := _COURSE.fullmatch(path):
        found = course_feed_version(match[1], _language(environ, app, ""), connection)
        if found is None:
            return None
        return not_modified(environ, found[1], cache_control=COURSE_FEED_CACHE)
    if match := _PROGRAMME.fullmatch(path):
        version = programme_feed_version(match[1], _language(environ, app, "en"), connection)
        if version is None:
            return None
        return not_modified(environ, version, cache_control=COURSE_FEED_CACHE)
    match = _PRIVATE.fullmatch(path)
    assert match is not None  # the caller matched one of the three
    reader = peek_feed_token(match[1], connection)
    # A use that is due to be written goes to Flask, which writes it (once an hour at most).
    if reader is None or touch_due(reader.last_used_at, now_utc()):
        return None
    version = link_feed_version(reader.kind, reader, connection)
    return not_modified(environ, version, cache_control=PRIVATE_FEED_CACHE, private=True)
