"""The request side of sessions: Flask-Login's loaders, the remember-me cookie, and the one
commit a request makes when its session was stamped, resumed or ended as stolen.

Flask-Login keeps only the session key in Flask's signed cookie (as ``_user_id``); its own
remember cookie is off (see REMEMBER_COOKIE_NAME in app/config.py) and ours is written here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g, request
from flask import session as cookie_session
from flask_login import current_user, login_user
from werkzeug.wrappers import Request, Response

from app.accounts.models import User
from app.audit.services import client_ip
from app.db import now_utc
from app.extensions import db
from app.sessions import services
from app.sessions.models import EndReason, UserSession

# Flask-Login reads the session key from here; the name is Flask-Login's.
KEY_FIELD = "_user_id"
STATE = "_atelier_session"


@dataclass
class _State:
    session: UserSession | None = None
    dirty: bool = False  # the loader wrote to the row: commit before the view runs
    cookie: str | None = None  # a new remember cookie to set; "" to delete it


def _state() -> _State:
    state = g.get(STATE)
    if state is None:
        state = _State()
        setattr(g, STATE, state)
    return state


def current_session() -> UserSession | None:
    """The session this request is signed in with, if any."""
    current_user._get_current_object()  # make sure the loaders have run
    return _state().session


def _remember_cookie_name() -> str:
    return current_app.config["SESSION_REMEMBER_COOKIE_NAME"]


# --- Flask-Login's loaders ---------------------------------------------------------------------


def load_from_key(key: str) -> User | None:
    """user_loader: the user whose open session the session cookie names."""
    session = services.find_by_key(key)
    now = now_utc()
    if session is None or services.problem(session, now) is not None:
        # Refused, and forgotten so later requests do not ask again; a remembered session may
        # still be resumed by its remember cookie.
        cookie_session.pop(KEY_FIELD, None)
        return None
    state = _state()
    state.session = session
    if services.touch_due(session, now):
        services.touch(session, now)
        state.dirty = True
    return session.user


def load_from_remember_cookie(req: Request) -> User | None:
    """request_loader: a remembered session resumed after the browser restarted or went idle;
    a new session key and remember cookie are issued (the old validator is refused from now)."""
    cookie = req.cookies.get(_remember_cookie_name())
    if not cookie:
        return None
    state = _state()
    started = services.resume(cookie, now_utc())
    state.dirty = True
    if started is None:
        state.cookie = ""
        return None
    state.session = started.session
    if started.key is not None:
        cookie_session[KEY_FIELD] = started.key
        cookie_session["_fresh"] = False
        state.cookie = started.remember_cookie
    return started.session.user


# --- Log-in and log-out ------------------------------------------------------------------------


def sign_in(user: User, *, remember: bool = False) -> UserSession:
    """Sign ``user`` in on this browser: Flask-Login's login_user (its own remember cookie
    off), then a session row (audited as LOGGED_IN). Every way in calls this; the caller
    commits."""
    login_user(user, remember=False)
    return begin(user, remember=remember)


def begin(user: User, *, remember: bool) -> UserSession:
    """Start a session for ``user`` on this browser (after Flask-Login's login_user); the
    caller commits."""
    started = services.start_session(
        user, remember=remember, user_agent=request.user_agent.string, ip=client_ip()
    )
    cookie_session[KEY_FIELD] = started.key
    state = _state()
    state.session = started.session
    if started.remember_cookie:
        state.cookie = started.remember_cookie
    elif _remember_cookie_name() in request.cookies:
        state.cookie = ""
    return started.session


def end_current(actor: User, reason: EndReason = EndReason.LOGGED_OUT) -> None:
    """End this browser's session on the server and drop its remember cookie; the caller
    commits, then calls Flask-Login's logout_user."""
    session = current_session()
    if session is not None:
        services.end_session(session, actor=actor, reason=reason)
    if _remember_cookie_name() in request.cookies:
        _state().cookie = ""


# --- Hooks -------------------------------------------------------------------------------------


def _load_session() -> None:
    # Load the user before the view, so that a stamp, a resumed session or a stolen one ended
    # is committed on its own, never together with the view's half-made changes.
    g.pop(STATE, None)
    if request.endpoint == "static":
        return
    current_user._get_current_object()
    state = _state()
    if state.dirty:
        state.dirty = False
        db.session.commit()


def _write_cookie(response: Response) -> Response:
    state = g.get(STATE)
    if state is None or state.cookie is None:
        return response
    config = current_app.config
    name = _remember_cookie_name()
    if state.cookie == "":
        response.delete_cookie(
            name,
            secure=config["REMEMBER_COOKIE_SECURE"],
            httponly=True,
            samesite=config["REMEMBER_COOKIE_SAMESITE"],
        )
    elif state.session is not None:
        response.set_cookie(
            name,
            state.cookie,
            expires=state.session.expires_at,
            secure=config["REMEMBER_COOKIE_SECURE"],
            httponly=config["REMEMBER_COOKIE_HTTPONLY"],
            samesite=config["REMEMBER_COOKIE_SAMESITE"],
        )
    state.cookie = None
    return response


def register(app: Flask) -> None:
    # First of the before-request hooks: nothing may read the user before this has run.
    app.before_request_funcs.setdefault(None, []).insert(0, _load_session)
    app.after_request(_write_cookie)
