"""The state between a right password and the second factor, kept in the signed session.

Only the account's id, the "keep me logged in" choice, where to go next and a deadline: the
person is not signed in (Flask-Login knows nothing of them) until the code is right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, session

from app.accounts.models import User
from app.db import now_utc
from app.extensions import db

SESSION_KEY = "two_factor_pending"


@dataclass(frozen=True)
class Pending:
    user: User
    remember: bool
    next_url: str | None


def start_pending(
    user: User, *, remember: bool, next_url: str | None, now: datetime | None = None
) -> None:
    minutes = current_app.config["TWO_FACTOR_PENDING_MINUTES"]
    expires = (now or now_utc()) + timedelta(minutes=minutes)
    session[SESSION_KEY] = {
        "user_id": user.id,
        "remember": bool(remember),
        "next": next_url,
        "expires": expires.timestamp(),
    }


def pending(now: datetime | None = None) -> Pending | None:
    """The log-in waiting for its code, or None (none, expired, or the account since closed)."""
    state = session.get(SESSION_KEY)
    if not isinstance(state, dict):
        return None
    try:
        expires = float(state["expires"])
        user_id = int(state["user_id"])
    except (KeyError, TypeError, ValueError):
        clear()
        return None
    if (now or now_utc()).timestamp() >= expires:
        clear()
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        clear()
        return None
    next_url = state.get("next")
    return Pending(
        user, bool(state.get("remember")), next_url if isinstance(next_url, str) else None
    )


def clear() -> None:
    session.pop(SESSION_KEY, None)
