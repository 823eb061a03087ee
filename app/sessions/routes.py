"""The signed-in person's list of sessions (end one, or every other) and the administrators'
button that ends all of a person's sessions."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_timedelta, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from app.accounts.auth import admin_required
from app.accounts.models import User
from app.core.urls import safe_next
from app.db import now_utc
from app.extensions import db
from app.sessions import services
from app.sessions.forms import EndSessionForm
from app.sessions.models import EndReason, UserSession
from app.sessions.web import current_session

bp = Blueprint("sessions", __name__)


def last_used(session: UserSession, now: datetime) -> str:
    """When a session was last used, roughly: "just now", "5 minutes ago", "3 days ago"."""
    # The stamp is written at most once a minute: closer than that it cannot tell.
    ago = now - session.last_seen_at
    if ago < services.TOUCH_EVERY:
        return _("just now")
    return format_timedelta(-ago, granularity="minute", add_direction=True)


@bp.get("/account/sessions")
@login_required
def index() -> str:
    user: User = current_user._get_current_object()
    here = current_session()
    now = now_utc()
    rows = [
        {
            "session": session,
            "browser": services.describe_browser(session.user_agent),
            "last_used": last_used(session, now),
            "is_here": here is not None and session.id == here.id,
        }
        for session in services.active_sessions(user, now)
    ]
    # This browser first, then the others from the most recently used.
    rows.sort(key=lambda row: not row["is_here"])
    return render_template("sessions/index.html", rows=rows)


@bp.post("/account/sessions/<int:user_session_id>/end")
@login_required
def end(user_session_id: int) -> Response:
    form = EndSessionForm()
    if not form.validate_on_submit():
        abort(400)
    user: User = current_user._get_current_object()
    here = current_session()
    if not services.end_own_session(user, user_session_id):
        abort(404)
    db.session.commit()
    if here is not None and here.id == user_session_id:
        logout_user()
        flash(_("You are logged out."), "info")
        return redirect(url_for("accounts.login"))
    flash(_("That session is ended: the browser is signed out."), "success")
    return redirect(url_for("sessions.index"))


@bp.post("/account/sessions/end-others")
@login_required
def end_others() -> Response:
    form = EndSessionForm()
    if not form.validate_on_submit():
        abort(400)
    user: User = current_user._get_current_object()
    count = services.end_sessions(user, actor=user, reason=EndReason.SELF, keep=current_session())
    db.session.commit()
    if count:
        flash(
            ngettext(
                "%(num)d other session ended: only this browser is signed in now.",
                "%(num)d other sessions ended: only this browser is signed in now.",
                count,
            ),
            "success",
        )
    else:
        flash(_("No other browser was signed in."), "info")
    return redirect(url_for("sessions.index"))


@bp.post("/admin/users/<int:user_id>/sessions/end")
@admin_required
def end_for_user(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    form = EndSessionForm()
    if not form.validate_on_submit():
        abort(400)
    admin: User = current_user._get_current_object()
    # An administrator ending their own keeps the browser they are using.
    keep = current_session() if user.id == admin.id else None
    count = services.end_sessions(user, actor=admin, reason=EndReason.ADMIN, keep=keep)
    db.session.commit()
    flash(
        ngettext(
            "%(num)d session of %(name)s ended.",
            "%(num)d sessions of %(name)s ended.",
            count,
            name=user.name,
        ),
        "success",
    )
    target = safe_next(form.next.data)
    if not target or not target.startswith(url_for("accounts.users")):
        target = url_for("accounts.users")
    return redirect(target)
