"""Error pages: HTML for people, JSON for clients that ask for it; never a half-written change."""

from __future__ import annotations

import contextlib
import math
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import format_decimal, format_timedelta
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.db import end_request_transaction
from app.extensions import db, limiter, login_manager

# How long a client is asked to wait when the database does not answer (it is restarting,
# failing over or briefly out of connections).
DATABASE_RETRY_AFTER = 5


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _render(  # type: ignore[no-untyped-def]
    code: int, title: str, message: str, headers: dict[str, str] | None = None
):
    if _wants_json():
        return jsonify(error=title, message=message), code, headers or {}
    page = render_template("core/error.html", code=code, title=title, message=message)
    return page, code, headers or {}


def _seconds_until_reset() -> int:
    """How long until the breached limit lets this client in again (at least a second)."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, current.reset_at - int(time.time()))


def _too_large_message() -> str:
    """What a 413 says: the limit of the page the body was sent to (an upload page takes more
    than a plain form, app/core/security.py), in MB with one decimal at most."""
    limit = request.max_content_length
    if not limit:
        return ""
    megabytes = format_decimal(math.floor(limit * 10 / (1024 * 1024)) / 10)
    if limit >= current_app.config.get("MAX_UPLOAD_LENGTH", 0):
        return _(
            "What you sent is larger than this site accepts (%(limit)s MB at most in one "
            "form), so nothing was saved. Go back and choose smaller files, or send them "
            "one at a time.",
            limit=megabytes,
        )
    return _(
        "What you sent is larger than this form accepts (%(limit)s MB at most), so nothing "
        "was saved. Go back and shorten the text, or send it in several parts.",
        limit=megabytes,
    )


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        return _render(
            400,
            _("The form has expired"),
            _(
                "The form could not be accepted because its security token is missing or out "
                "of date. Go back, reload the page and try again."
            ),
        )

    @app.errorhandler(RateLimitExceeded)
    def too_many_requests(error: RateLimitExceeded):  # type: ignore[no-untyped-def]
        db.session.rollback()
        wait = _seconds_until_reset()
        return _render(
            429,
            _("Too many attempts"),
            _(
                "This form has been sent too many times from your connection in a short "
                "while. Please wait %(wait)s and try again.",
                wait=format_timedelta(timedelta(seconds=wait), threshold=1),
            ),
            {"Retry-After": str(wait)},
        )

    @app.teardown_appcontext
    def end_session(error: BaseException | None) -> None:
        """End the transaction before Flask-SQLAlchemy removes the session. When the database
        went away after the response was ready (a restart), ending it fails; the pool has
        already dropped the dead connection, so log it and let the response stand instead of
        turning it into a 500. (Runs first: teardowns run in reverse order of registration.)"""
        try:
            end_request_transaction(db.session(), failed=error is not None)
        except sa.exc.SQLAlchemyError as exc:
            current_app.logger.warning("database connection lost at the end of a request: %s", exc)

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.DisconnectionError)
    def database_unavailable(error: sa.exc.SQLAlchemyError):  # type: ignore[no-untyped-def]
        """The database did not answer (restart, failover, lost connection, lock timeout).
        The transaction is rolled back; a dead connection has already been dropped by the
        pool, so the next request connects afresh. This one is answered 503 without touching
        the database again."""
        current_app.logger.error("database unavailable, answered 503: %s", error)
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            db.session.rollback()
        # The page must not load the signed-in user (or anything else) from the database.
        g._login_user = login_manager.anonymous_user()
        title = _("Try again in a moment")
        message = _(
            "The service is briefly unavailable and your request could not be completed. "
            "Please try again in a moment."
        )
        headers = {"Retry-After": str(DATABASE_RETRY_AFTER)}
        try:
            return _render(503, title, message, headers)
        except Exception:
            current_app.logger.exception("the 503 page could not be rendered")
            return f"{title}\n\n{message}\n", 503, {**headers, "Content-Type": "text/plain"}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        db.session.rollback()
        titles = {
            400: _("Bad request"),
            403: _("Access denied"),
            404: _("Page not found"),
            405: _("Method not allowed"),
            413: _("Request too large"),
        }
        messages = {
            403: _("You do not have permission to see or change this."),
            404: _("There is nothing at this address. It may have moved or been removed."),
            413: _too_large_message(),
        }
        code = error.code or 500
        return _render(
            code,
            titles.get(code, error.name),
            messages.get(code) or error.description or "",
        )

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        return _render(
            500,
            _("Something went wrong"),
            _("An unexpected error happened on our side. Nothing was saved. Please try again."),
        )
