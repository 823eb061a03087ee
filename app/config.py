"""Configuration: safe defaults here, then ``instance/config.py``, then the environment.

Tests pass a dict to :func:`app.create_app`, which wins over everything.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from app.core.keystrength import estimated_bits

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
    # How long a link that confirms an email address (a sign-up, a new address) stays open.
    "EMAIL_CONFIRMATION_MAX_AGE_MINUTES": 24 * 60,
    # Argon2id parameters of new password hashes (app/accounts/passwords.py); None: OWASP's
    # (19 MiB, 2 passes, 1 lane). Only the tests set cheaper ones.
    "PASSWORD_ARGON2": None,
    # How long the second step of a log-in (the authenticator's code) waits after the password.
    "TWO_FACTOR_PENDING_MINUTES": 5,
    # How long an endorser's link stays open (never past the course's closing date).
    "ENDORSEMENT_LINK_DAYS": 14,
    # How long the author of a discussion post may still edit it.
    "DISCUSSION_EDIT_MINUTES": 30,
    # The daily digest of new discussion posts goes out from this hour, each person's time.
    "DISCUSSION_DIGEST_HOUR": 7,
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
    # Production (ATELIER_ENV=production or PRODUCTION=1): a real secret key is required, debug
    # is refused, cookies go over HTTPS only and browsers are told to keep to HTTPS (HSTS).
    "PRODUCTION": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    # Signed-in sessions (app/sessions) are kept in the database and checked on every request.
    # Idle timeout: a session unused this long is refused (shorter for administrators and
    # organisers, whose sessions can do more); absolute lifetime from log-in however busy.
    "SESSION_IDLE_MINUTES_STAFF": 120,
    "SESSION_IDLE_MINUTES_PARTICIPANT": 240,
    "SESSION_ABSOLUTE_HOURS": 12,
    # "Keep me logged in": the remember cookie lasts this many days from log-in (at most 30).
    "REMEMBER_ME_DAYS": 30,
    "SESSION_REMEMBER_COOKIE_NAME": "remember_token",
    # Flask-Login's own remember cookie is off: it is looked for under a name nothing sets, so
    # an old Flask-Login cookie is ignored and app/sessions' own cookie is never read as one.
    "REMEMBER_COOKIE_NAME": "flask_login_remember_unused",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SECURE": False,
    "WTF_CSRF_TIME_LIMIT": None,
    # Rate limits on log-in, password reset and registration (Flask-Limiter). Counters are kept
    # in memory unless RATELIMIT_STORAGE_URI (or REDIS_URL) names a shared store: with several
    # worker processes, use Redis so that they count together.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": None,
    "RATELIMIT_KEY_PREFIX": "atelier",
    "REDIS_URL": None,
    # Built calendar feeds are kept by version (app/feeds/cache.py): the latest
    # FEED_CACHE_ENTRIES in each process, and in Redis at FEED_CACHE_REDIS_URL (else
    # REDIS_URL) when set, shared by every worker.
    "FEED_CACHE_REDIS_URL": None,
    "FEED_CACHE_ENTRIES": 256,
    # How many reverse proxies stand in front of the app: their X-Forwarded-For, -Proto and
    # -Host headers are then believed (the rate limits count by the client's real address).
    "TRUSTED_PROXIES": 0,
    # Stored files (app/storage): the backend and, for "local", its folder (instance/uploads
    # unless set). Several app servers share one folder on a mounted volume.
    "STORAGE_BACKEND": "local",
    "UPLOAD_FOLDER": None,
    # The largest request body accepted; anything larger is answered 413 before it is read.
    # MAX_CONTENT_LENGTH for every form, MAX_UPLOAD_LENGTH for the pages that take files
    # (marked @accepts_uploads in app/core/security.py): room for a few documents of the
    # default 10 MB each in one form.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "MAX_UPLOAD_LENGTH": 60 * 1024 * 1024,
    # The most all the documents of one application may weigh together (each file question
    # has its own limit too, 10 MB unless the organisers set another).
    "APPLICATION_DOCUMENTS_MAX_BYTES": 25 * 1024 * 1024,
    # The centre that runs the courses, printed on its documents (invoices, visa letters).
    # Neutral placeholders: set the real ones in instance/config.py. CENTRE_ADDRESS is several
    # lines (one per line of the postal address).
    "CENTRE_NAME": "Training Centre",
    "CENTRE_ADDRESS": "",
    "CENTRE_EMAIL": "",
    "CENTRE_PHONE": "",
    "CENTRE_WEBSITE": "",
    # Invoices only: the centre's tax (VAT) number, its bank details (several lines: bank, IBAN,
    # BIC), the prefix of its invoice numbers (INV-2027-0001; pro-formas INV-PF-…, credit notes
    # INV-CN-…; a new prefix starts new series) and the days an invoice gives to pay.
    "CENTRE_TAX_ID": "",
    "CENTRE_BANK_DETAILS": "",
    "INVOICE_PREFIX": "INV",
    "INVOICE_DUE_DAYS": 30,
    # Days after a course's last day (at the venue) after which `flask tick` erases the passport
    # details of its visa letter requests; the issued letters stay verifiable.
    "VISA_DATA_RETENTION_DAYS": 90,
    # Days after a course's last day (at the venue) after which `flask tick` deletes the files
    # sent with its applications, and the diet and accessibility needs of its participants.
    # A course's organisers may set their own (app.privacy.retention).
    "DOCUMENT_RETENTION_DAYS": 365,
    "SPECIAL_NEEDS_RETENTION_DAYS": 30,
    # Exports of one's own data per person (each builds a ZIP of all their files).
    "PERSONAL_DATA_EXPORT_LIMIT": "3/hour;10/day",
}

# Secret keys that tutorials and templates hand out: never good enough in production.
KNOWN_DEFAULT_KEYS = frozenset(
    {"dev", "development", "secret", "secret-key", "change-me", "changeme", "test-secret-key"}
)
MIN_SECRET_KEY_LENGTH = 32
MAX_REMEMBER_ME_DAYS = 30
# The least estimated strength of a production key (app/core/keystrength.py): what
# secrets.token_hex(16) gives; token_hex(32), as the message suggests, gives 256.
MIN_SECRET_KEY_BITS = 128

# Environment variables read on start, with the type each is parsed as.
ENVIRONMENT: dict[str, type] = {
    "SECRET_KEY": str,
    # Former keys, comma-separated, while a new SECRET_KEY takes over: sessions signed and
    # two-factor secrets sealed under them still open (app/twofactor/sealing.py).
    "SECRET_KEY_FALLBACKS": list,
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
    "PRODUCTION": bool,
    "RATELIMIT_ENABLED": bool,
    "RATELIMIT_STORAGE_URI": str,
    "REDIS_URL": str,
    "FEED_CACHE_REDIS_URL": str,
    "FEED_CACHE_ENTRIES": int,
    "TRUSTED_PROXIES": int,
    "ENDORSEMENT_LINK_DAYS": int,
    "TWO_FACTOR_PENDING_MINUTES": int,
    "DISCUSSION_EDIT_MINUTES": int,
    "DISCUSSION_DIGEST_HOUR": int,
    "UPLOAD_FOLDER": str,
    "MAX_CONTENT_LENGTH": int,
    "MAX_UPLOAD_LENGTH": int,
    "APPLICATION_DOCUMENTS_MAX_BYTES": int,
    "CENTRE_NAME": str,
    "CENTRE_ADDRESS": str,
    "CENTRE_EMAIL": str,
    "CENTRE_PHONE": str,
    "CENTRE_WEBSITE": str,
    "VISA_DATA_RETENTION_DAYS": int,
    "DOCUMENT_RETENTION_DAYS": int,
    "SPECIAL_NEEDS_RETENTION_DAYS": int,
    "PERSONAL_DATA_EXPORT_LIMIT": str,
    "SESSION_IDLE_MINUTES_STAFF": int,
    "SESSION_IDLE_MINUTES_PARTICIPANT": int,
    "SESSION_ABSOLUTE_HOURS": int,
    "REMEMBER_ME_DAYS": int,
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
    if kind is list:
        return [part.strip() for part in raw.split(",") if part.strip()]
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
    app.config["UPLOAD_FOLDER"] = str(instance_path / "uploads")
    app.config.from_pyfile("config.py", silent=True)

    for name, kind in ENVIRONMENT.items():
        if name in os.environ:
            app.config[name] = _parse(kind, os.environ[name])
    if os.environ.get("ATELIER_ENV", "").strip().lower() == "production":
        app.config["PRODUCTION"] = True
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]

    if overrides:
        app.config.from_mapping(overrides)

    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"

    # Never longer than 30 days, whatever a setting says (OWASP ASVS 3.3.2).
    app.config["REMEMBER_ME_DAYS"] = max(
        1, min(int(app.config["REMEMBER_ME_DAYS"]), MAX_REMEMBER_ME_DAYS)
    )

    if app.config["PRODUCTION"]:
        _check_production(app)
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    elif not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance_path)


def _check_production(app: Flask) -> None:
    """Refuse to start in production with a guessable secret key or with the debugger on.

    The key must come from the environment or ``instance/config.py``: a key generated into
    ``instance/`` on first run is for development only (it would change with every fresh
    container and is easily copied along with the instance folder).
    """
    key = app.config.get("SECRET_KEY")
    fix = (
        "Set SECRET_KEY in the environment or in instance/config.py to a random value of at "
        f"least {MIN_SECRET_KEY_LENGTH} characters and {MIN_SECRET_KEY_BITS} bits, for example "
        "the output of "
        "`python -c 'import secrets; print(secrets.token_hex(32))'`."
    )
    if not key:
        raise RuntimeError(f"Production configuration: SECRET_KEY is not set. {fix}")
    text = key.decode() if isinstance(key, bytes) else str(key)
    if text.strip().lower() in KNOWN_DEFAULT_KEYS:
        raise RuntimeError(f"Production configuration: SECRET_KEY is a known default. {fix}")
    if len(text) < MIN_SECRET_KEY_LENGTH:
        raise RuntimeError(f"Production configuration: SECRET_KEY is too short. {fix}")
    if estimated_bits(text) < MIN_SECRET_KEY_BITS:
        raise RuntimeError(
            "Production configuration: SECRET_KEY is too easy to guess (a word, a repeated "
            f"pattern or a run of characters rather than a random value). {fix}"
        )
    if app.debug:
        raise RuntimeError(
            "Production configuration: debug mode is on, which lets anyone who reaches an error "
            "page run code on the server. Unset FLASK_DEBUG and DEBUG."
        )
