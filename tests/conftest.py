"""Fixtures: one app and one real database per test run, emptied after every test.

The schema is built by running the migrations (never ``create_all``), so every run also proves
that they apply from empty. Set ``TEST_DATABASE_URL`` to run on PostgreSQL.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade

from app import create_app
from app.accounts.models import User
from app.extensions import db as _db
from app.sessions.services import start_session
from app.sessions.web import STATE

# Atelier shows the venue's time and stores UTC; the machine's own zone must never show through.
# A machine in UTC cannot tell, so the suite runs in a zone far from UTC and from every venue
# (Auckland: 13 hours ahead in November, on summer time while Europe is on winter time).
os.environ["TZ"] = "Pacific/Auckland"
time.tzset()


# PostgreSQL cannot store NUL at all (the forms refuse it, app/core/forms.py); tests that put one
# in a row to prove the feeds drop it from older data run where such a row can exist.
ON_POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
NUL_STORABLE = pytest.mark.skipif(ON_POSTGRESQL, reason="PostgreSQL cannot store NUL")


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _reset_schema(app: Flask) -> None:
    engine = _db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    else:
        _db.drop_all()
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


class Client(FlaskClient):
    """Requests in a test share the test's app context (and so ``g``); Flask-Login and
    Flask-Babel cache the user and the language on ``g``, so forget them before each request,
    as a real request would."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            for cached in ("_login_user", "_flask_babel", STATE):
                g.pop(cached, None)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
            "SECRET_KEY": "test-secret-key",
            "WTF_CSRF_ENABLED": False,
            "MAIL_EML_DIR": None,
            "MAIL_SERVER": None,
            "SITE_URL": "http://atelier.test",
            "PASSWORD_ARGON2": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
            "RATELIMIT_ENABLED": False,
            # Uploaded documents go to the run's own folder, never into instance/.
            "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
        }
    )
    app.test_client_class = Client
    with app.app_context():
        _reset_schema(app)
        upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def csrf_app(app: Flask) -> Iterator[Flask]:
    """A second app on the same database with CSRF protection on, as in production; the same
    secret key, so sessions made for one are read by the other."""
    protected = create_app({**app.config, "WTF_CSRF_ENABLED": True})
    yield protected
    with protected.app_context():
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def db(app: Flask) -> Iterator[object]:
    """An app context per test; afterwards every table is emptied."""
    with app.app_context():
        yield _db
        _db.session.remove()
        # Feed bodies are kept by version; ids and stamps repeat once the tables are emptied.
        app.extensions.pop("feed_cache", None)
        with _db.engine.begin() as conn:
            for table in reversed(_db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def session_key(user: User) -> str:
    """Start a server-side session for ``user`` (committed) and return the key a browser's
    session cookie carries for it (as Flask-Login's ``_user_id``)."""
    started = start_session(user, remember=False, user_agent="pytest", ip="127.0.0.1")
    _db.session.commit()
    return started.key


def login(client: FlaskClient, user: User, key: str | None = None) -> FlaskClient:
    """Sign ``user`` in on ``client`` without going through the form (with ``key``: into
    that session, started by :func:`session_key`)."""
    with client.session_transaction() as sess:
        sess["_user_id"] = key or session_key(user)
        sess["_fresh"] = True
    return client


@pytest.fixture
def eml_dir(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """Turn on the .eml copies of outgoing mail for one test."""
    app.config["MAIL_EML_DIR"] = str(tmp_path / "mail")
    yield tmp_path / "mail"
    app.config["MAIL_EML_DIR"] = None
