"""Flask-Login wiring and the access decorators every area uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_required

from app.sessions import web as sessions_web

F = TypeVar("F", bound=Callable[..., Any])


def init_login(manager: LoginManager) -> None:
    manager.login_view = "accounts.login"
    manager.login_message = _l("Please log in to see this page.")
    manager.login_message_category = "info"

    # Every request is checked against its session row (app/sessions): a log-out, a new
    # password or an administrator ends the row, and with it every copy of the cookies.
    manager.user_loader(sessions_web.load_from_key)
    manager.request_loader(sessions_web.load_from_remember_cookie)


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
