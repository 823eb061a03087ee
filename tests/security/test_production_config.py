"""Production configuration: no start without a real secret key or with debug on.

Production is switched on by ``ATELIER_ENV=production``, ``PRODUCTION=1`` or ``PRODUCTION`` in
``instance/config.py``; then the key must be given (never generated into ``instance/``), be
at least 32 characters, no well-known default and no guessable pattern (at least 128 bits
as estimated by app/core/keystrength.py), and cookies go over HTTPS only.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app import config as app_config
from app import create_app
from app.accounts.models import User
from app.core.keystrength import alphabet_size, estimated_bits
from app.extensions import db as _db

GOOD_KEY = "9f2c1e7a4b6d8f0a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d"


@pytest.fixture
def build(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Flask]]:
    """create_app from a clean environment, on the test database; never generates a key."""
    for name in ("ATELIER_ENV", "PRODUCTION", "SECRET_KEY", "FLASK_DEBUG", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)

    def no_generated_key(*args: Any) -> str:
        raise AssertionError("a secret key was generated")

    monkeypatch.setattr(app_config, "_secret_key", no_generated_key)
    built: list[Flask] = []

    def make(**config: Any) -> Flask:
        new = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "RATELIMIT_ENABLED": False,
                **config,
            }
        )
        built.append(new)
        return new

    yield make
    for new in built:
        with new.app_context():
            _db.engine.dispose()


def test_production_starts_with_a_good_key(build):
    app = build(PRODUCTION=True, SECRET_KEY=GOOD_KEY)
    assert app.config["SECRET_KEY"] == GOOD_KEY
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert not app.debug


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"ATELIER_ENV": "production"}, True),
        ({"ATELIER_ENV": "Production"}, True),
        ({"PRODUCTION": "1"}, True),
        ({"PRODUCTION": "true"}, True),
        ({"ATELIER_ENV": "production", "PRODUCTION": "0"}, True),
        ({"ATELIER_ENV": "development"}, False),
        ({"PRODUCTION": "0"}, False),
        ({}, False),
    ],
)
def test_the_environment_switches_production_on(build, monkeypatch, env, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    app = build()
    assert app.config["PRODUCTION"] is expected
    assert app.config["SESSION_COOKIE_SECURE"] is expected


def test_development_keeps_insecure_cookies_and_generates_a_key(build, monkeypatch):
    monkeypatch.setattr(app_config, "_secret_key", lambda instance_path: "generated-for-dev")
    app = build(SECRET_KEY=None)
    assert app.config["PRODUCTION"] is False
    assert app.config["SECRET_KEY"] == "generated-for-dev"
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["REMEMBER_COOKIE_SECURE"] is False


@pytest.mark.parametrize("missing", [None, ""])
def test_production_refuses_a_missing_key_and_does_not_generate_one(build, missing):
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        build(PRODUCTION=True, SECRET_KEY=missing)


def test_production_from_the_environment_refuses_a_missing_key(build, monkeypatch):
    monkeypatch.setenv("ATELIER_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        build(SECRET_KEY=None)


@pytest.mark.parametrize(
    "key", ["dev", "change-me", "CHANGE-ME", "changeme", "secret", "test-secret-key"]
)
def test_production_refuses_a_known_default_key(build, key):
    with pytest.raises(RuntimeError, match="known default"):
        build(PRODUCTION=True, SECRET_KEY=key)


@pytest.mark.parametrize("key", ["x" * 31, "a-short-but-not-default-key", b"k" * 16])
def test_production_refuses_a_short_key(build, key):
    with pytest.raises(RuntimeError, match="too short"):
        build(PRODUCTION=True, SECRET_KEY=key)


def test_the_message_says_how_to_fix_it(build):
    with pytest.raises(RuntimeError) as failure:
        build(PRODUCTION=True, SECRET_KEY="dev")
    message = str(failure.value)
    assert "instance/config.py" in message
    assert "token_hex" in message


def test_production_refuses_debug_from_config(build):
    with pytest.raises(RuntimeError, match="debug mode is on"):
        build(PRODUCTION=True, SECRET_KEY=GOOD_KEY, DEBUG=True)


def test_production_refuses_flask_debug_from_the_environment(build, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.setenv("ATELIER_ENV", "production")
    with pytest.raises(RuntimeError, match="debug mode is on"):
        build(SECRET_KEY=GOOD_KEY)


def test_debug_is_allowed_outside_production(build):
    assert build(SECRET_KEY="dev", DEBUG=True).debug


def test_a_key_from_instance_config_is_accepted(app, monkeypatch, tmp_path):
    """instance/config.py is one of the two places a production key may come from."""
    import flask

    for name in ("ATELIER_ENV", "PRODUCTION", "SECRET_KEY", "FLASK_DEBUG", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(tmp_path))
    (tmp_path / "config.py").write_text(f"PRODUCTION = True\nSECRET_KEY = {GOOD_KEY!r}\n")

    built = create_app({"RATELIMIT_ENABLED": False})

    assert built.config["PRODUCTION"] is True
    assert built.config["SECRET_KEY"] == GOOD_KEY
    assert not (tmp_path / "secret_key").exists()
    with built.app_context():
        _db.engine.dispose()


def test_production_never_reads_a_generated_key_file(app, monkeypatch, tmp_path):
    """A key generated into instance/ on a development run is not taken up in production."""
    import flask

    for name in ("ATELIER_ENV", "PRODUCTION", "SECRET_KEY", "FLASK_DEBUG", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(tmp_path))
    (tmp_path / "secret_key").write_text(GOOD_KEY)
    monkeypatch.setenv("PRODUCTION", "1")

    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app({"RATELIMIT_ENABLED": False})


# --- The key's strength (issue 15) ---------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "a" * 64,
        "changemechangemechangemechangeme",
        "changeme" * 12,
        "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ",
        "0123456789" * 4,
        "ab" * 40,
    ],
)
def test_production_refuses_a_guessable_key_of_any_length(build, key):
    with pytest.raises(RuntimeError, match="too easy to guess") as failure:
        build(PRODUCTION=True, SECRET_KEY=key)
    assert "python -c 'import secrets; print(secrets.token_hex(32))'" in str(failure.value)


@pytest.mark.parametrize("make_key", [lambda: secrets.token_hex(32), lambda: secrets.token_hex(16)])
def test_production_takes_generated_keys(build, make_key):
    """What the message tells operators to run, and the shortest key it still accepts."""
    for _ in range(20):
        key = make_key()
        assert build(PRODUCTION=True, SECRET_KEY=key).config["SECRET_KEY"] == key


def test_production_takes_a_urlsafe_key_and_a_long_passphrase(build):
    for key in (secrets.token_urlsafe(32), "correct horse battery staple, jolly fine day"):
        assert build(PRODUCTION=True, SECRET_KEY=key).config["SECRET_KEY"] == key


@pytest.mark.parametrize(
    ("text", "bits"),
    [
        ("", 0.0),
        ("a", 0.0),
        # The alphabet: what a brute-force search of these classes would need.
        (GOOD_KEY, 48 * 4),
        ("Kq7#" + "zR2!mW9@pL4$xT6%nB8&vC3*", 28 * math.log2(95)),
        ("ÉtéÀ1" + "x8Qz3Rm7Kw2Pn6Lv5Tb9Hc4Y", 29 * math.log2(162)),
        # Compressibility: a repeated word, a single character.
        ("a" * 64, 48.0),
        ("changeme" * 8, 104.0),
        # Steps: a run of letters and digits shrinks once its steps are taken.
        ("abcdefghijklmnopqrstuvwxyz0123456789", 64.0),
    ],
)
def test_estimated_bits(text, bits):
    assert estimated_bits(text) == pytest.approx(bits)


def test_hex_counts_as_sixteen_symbols():
    assert alphabet_size("deadbeef0123") == 16
    assert alphabet_size("DEADBEEF0123") == 16
    assert alphabet_size("DeadBeef0123") == 62
    assert alphabet_size("0123") == 10
    assert alphabet_size("ghij") == 26
    assert alphabet_size("") == 0
    assert estimated_bits(GOOD_KEY) == 48 * 4


# --- seed-demo ---------------------------------------------------------------------------


def test_seed_demo_refuses_to_run_in_production(build, db):
    production = build(PRODUCTION=True, SECRET_KEY=GOOD_KEY)
    # `flask seed-demo` runs in the loaded app's context (the test app's is pushed here).
    with production.app_context():
        result = production.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 1
        assert "refuses to run in production" in result.output
        assert _db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
