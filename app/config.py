"""Configuration: safe defaults here, then ``instance/config.py``, then the environment.

Tests pass a dict to :func:`app.create_app`, which wins over everything.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

DEFAULTS: dict[str, Any] = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_DEFAULT_TIMEZONE": "UTC",
    "LANGUAGES": ["en", "fr", "es"],
    "SITE_NAME": "Atelier",
    # Absolute address used for links in mail and feeds when there is no request to ask.
    "SITE_URL": "http://127.0.0.1:5000",
    "DEFAULT_VENUE_TIMEZONE": "Europe/Rome",
    "PASSWORD_RESET_MAX_AGE_MINUTES": 60,
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_TIMEOUT": 20,
    "MAIL_DEFAULT_SENDER": "Atelier <no-reply@atelier.example.org>",
    # Where copies of outgoing mail are written as .eml files (development); None turns it off.
    "MAIL_EML_DIR": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
}

# Environment variables read on start, with the type each is parsed as.
ENVIRONMENT: dict[str, type] = {
    "SECRET_KEY": str,
    "SITE_URL": str,
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_USE_TLS": bool,
    "MAIL_USE_SSL": bool,
    "MAIL_DEFAULT_SENDER": str,
    "MAIL_EML_DIR": str,
    "SESSION_COOKIE_SECURE": bool,
}


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgres://`` URLs as hosting platforms hand out."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _parse(kind: type, raw: str) -> Any:
    if kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    return kind(raw)


def _secret_key(instance_path: Path) -> str:
    """Read the generated key kept in ``instance/``, creating it on first run."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def load_config(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)

    app.config.from_mapping(DEFAULTS)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance_path / 'atelier.db'}"
    app.config["MAIL_EML_DIR"] = str(instance_path / "mail")
    app.config.from_pyfile("config.py", silent=True)

    for name, kind in ENVIRONMENT.items():
        if name in os.environ:
            app.config[name] = _parse(kind, os.environ[name])
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]

    if overrides:
        app.config.from_mapping(overrides)

    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance_path)
