"""Browsers for the session tests: each a test client with its own User-Agent, logging in
through the form as a person would."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.audit.models import AuditAction, AuditEvent
from app.db import now_utc
from app.extensions import db
from app.sessions.models import UserSession
from tests.factories import PASSWORD

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
REMEMBER = "remember_token"


def browser(app: Flask, user_agent: str = FIREFOX_WINDOWS) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def log_in(
    app: Flask, email: str, *, remember: bool = False, user_agent: str = FIREFOX_WINDOWS
) -> FlaskClient:
    client = browser(app, user_agent)
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.text
    return client


def signed_in(client: FlaskClient) -> bool:
    """Whether the browser gets its account page (else it is sent to log in)."""
    response = client.get("/account")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login")
        return False
    assert response.status_code == 200
    return True


def restart(client: FlaskClient) -> None:
    """The browser closed and opened again: the session cookie is gone, remember-me stays."""
    client.delete_cookie("session")


def copy_cookies(source: FlaskClient, target: FlaskClient, *names: str) -> None:
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, name
        target.set_cookie(name, cookie.value)


def sessions_of(user_id: int) -> list[UserSession]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(UserSession).where(UserSession.user_id == user_id).order_by(UserSession.id)
        )
    )


def only_session(user_id: int) -> UserSession:
    (session,) = sessions_of(user_id)
    return session


def age(session: UserSession, *, idle: timedelta | None = None, left: timedelta | None = None):
    """Move a session in time: last used ``idle`` ago, ``left`` before its absolute end."""
    now = now_utc()
    if idle is not None:
        session.last_seen_at = now - idle
    if left is not None:
        session.expires_at = now + left
    db.session.commit()


def events(action: AuditAction) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def close_to_now(moment: datetime | None, seconds: int = 10) -> bool:
    return moment is not None and abs(now_utc() - moment) < timedelta(seconds=seconds)
