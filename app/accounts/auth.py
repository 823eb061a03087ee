"""Flask-Login wiring and the access decorators every area uses."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_required

from app.core.urls import MAX_ID
from app.extensions import db

F = TypeVar("F", bound=Callable[..., Any])


def init_login(manager: LoginManager) -> None:
    from app.accounts.models import User

    manager.login_view = "accounts.login"
    manager.login_message = _l("Please log in to see this page.")
    manager.login_message_category = "info"

    @manager.user_loader
    def load_user(session_id: str) -> User | None:
        """The user a session or remember-me cookie names (see :meth:`User.get_id`), unless the
        account was deactivated or its password changed since."""
        user_id, _, fingerprint = session_id.partition(":")
        if not (user_id.isascii() and user_id.isdigit() and 0 < int(user_id) <= MAX_ID):
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.is_active:
            return None
        expected = user.password_fingerprint
        return (
            user if fingerprint.isascii() and hmac.compare_digest(fingerprint, expected) else None
        )


def admin_required(view: F) -> F:
    """Administrators only: anyone else signed in gets 403."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def organiser_required(view: F) -> F:
    """Organisers and administrators: those who may create courses."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_organiser:
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
