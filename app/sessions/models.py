"""Signed-in sessions kept on the server: one row per log-in, checked on every request.

The browser holds only random secrets (the session key in Flask's signed session cookie, and
for "keep me logged in" a selector and validator in a cookie of its own); the row holds their
SHA-256. Ending the row (log-out, "sign out everywhere", a new password, a deactivated
account, an administrator) signs the browser out on every app server at once, since they all
read the same database.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit.models import IP_MAX_LENGTH
from app.db import UTCDateTime, now_utc, str_enum
from app.extensions import db

if TYPE_CHECKING:
    from app.accounts.models import User

USER_AGENT_MAX_LENGTH = 255


class EndReason(enum.StrEnum):
    """Why a session ended (its audit event says who ended it)."""

    LOGGED_OUT = "logged_out"
    SELF = "self"  # ended from the account's list of sessions
    ADMIN = "admin"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    DEACTIVATED = "deactivated"
    # An old remember-me validator came back after it had been replaced: someone copied it.
    REMEMBER_REUSED = "remember_reused"


class UserSession(db.Model):
    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the random key in the session cookie (replaced when remember-me resumes).
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # Written at most about once a minute (SESSION_TOUCH_SECONDS), not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # Absolute end: SESSION_ABSOLUTE_HOURS after log-in, or REMEMBER_ME_DAYS if remembered.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    is_remembered: Mapped[bool] = mapped_column(default=False)
    # "Keep me logged in": the cookie names the row by selector and proves it by a validator,
    # stored hashed and replaced on every use.
    remember_selector: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    remember_hash: Mapped[str | None] = mapped_column(sa.String(64))
    # The validator replaced last and when: taken for a few seconds from sibling tabs.
    previous_remember_hash: Mapped[str | None] = mapped_column(sa.String(64))
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(sa.String(USER_AGENT_MAX_LENGTH), default="")
    ip: Mapped[str | None] = mapped_column(sa.String(IP_MAX_LENGTH))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[EndReason | None] = mapped_column(str_enum(EndReason))

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id} ended={self.end_reason}>"
