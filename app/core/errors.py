"""Error pages: HTML for people, JSON for clients that ask for it; never a half-written change."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _render(code: int, title: str, message: str):  # type: ignore[no-untyped-def]
    if _wants_json():
        return jsonify(error=title, message=message), code
    return render_template("core/error.html", code=code, title=title, message=message), code


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
        }
        code = error.code or 500
        return _render(
            code,
            titles.get(code, error.name),
            messages.get(code, error.description or ""),
        )

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        return _render(
            500,
            _("Something went wrong"),
            _("An unexpected error happened on our side. Nothing was saved. Please try again."),
        )
