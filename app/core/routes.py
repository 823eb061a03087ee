"""Home page, language switcher and health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.core.i18n import supported_locales
from app.core.urls import safe_next
from app.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("health check: database does not answer")
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok"), 200


@bp.post("/language")
def set_language() -> Response:
    """The switcher: remembered in the session, and as the preference of a signed-in user."""
    locale = request.form.get("locale", "")
    if locale in supported_locales():
        session["locale"] = locale
        if current_user.is_authenticated and current_user.locale != locale:
            current_user.locale = locale
            db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("catalogue.index"))
