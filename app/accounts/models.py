"""Users, their site-wide role and password-reset tokens."""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts import passwords
from app.db import UTCDateTime, now_utc, str_enum
from app.extensions import db


class Role(enum.StrEnum):
    """Site-wide role. Course teams (organiser, facilitator) are per course: CourseTeamMember."""

    ADMIN = "admin"
    ORGANISER = "organiser"
    PARTICIPANT = "participant"

    @property
    def label(self) -> str:
        return {
            Role.ADMIN: _l("Administrator"),
            Role.ORGANISER: _l("Organiser"),
            Role.PARTICIPANT: _l("Participant"),
        }[self]


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.PARTICIPANT)
    locale: Mapped[str] = mapped_column(sa.String(5), default="en")
    # IANA zone for times of online events; None: shown in UTC (and converted by the browser).
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the session fingerprint is computed from once set (see password_fingerprint): a new
    # password draws a new one; rehashing the same password keeps it.
    session_key: Mapped[str | None] = mapped_column(sa.String(64))

    reset_tokens: Mapped[list[PasswordResetToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    def set_password(self, password: str) -> None:
        """A new password (Argon2id, see :mod:`app.accounts.passwords`): sessions that name the
        old one end."""
        self.password_hash = passwords.hash_password(password)
        self.session_key = secrets.token_hex(16)

    def check_password(self, password: str) -> bool:
        return passwords.verify_password(self.password_hash, password)

    def rehash_password(self, password: str) -> bool:
        """After a successful check: store the same password at today's hashing parameters if
        the hash is older. Not a password change: no session ends, no mail, no audit event."""
        if not passwords.needs_rehash(self.password_hash):
            return False
        # Keep the fingerprint the browsers signed in elsewhere carry (it was the hash's).
        self.session_key = self.password_fingerprint
        self.password_hash = passwords.hash_password(password)
        return True

    def get_id(self) -> str:
        """What the session and the remember-me cookie keep: the id and a fingerprint of the
        password, so that a new password signs the account out of every other browser."""
        return f"{self.id}:{self.password_fingerprint}"

    @property
    def password_fingerprint(self) -> str:
        if self.session_key:
            return self.session_key
        # Accounts whose password has not changed since session_key came: the hash's HMAC,
        # keyed with the app's secret, so the cookie shows nothing about the hash itself.
        key = current_app.secret_key
        key_bytes = key if isinstance(key, bytes) else str(key).encode()
        digest = hmac.new(key_bytes, (self.password_hash or "").encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_organiser(self) -> bool:
        """May create courses (administrators may too)."""
        return self.role in (Role.ADMIN, Role.ORGANISER)


class PasswordResetToken(db.Model):
    """A single-use, expiring reset link. Only the token's SHA-256 is stored."""

    __tablename__ = "password_reset_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="reset_tokens")
