"""Users, their site-wide role, password-reset tokens and email confirmations."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
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
    # When the owner proved the address is theirs (a sign-up or change link). Accounts made by
    # an administrator or the demo data count as verified from their creation.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=now_utc)

    reset_tokens: Mapped[list[PasswordResetToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    def set_password(self, password: str) -> None:
        """A new password (Argon2id, see :mod:`app.accounts.passwords`). Ending the other
        sessions is the caller's (app.sessions.services.end_sessions)."""
        self.password_hash = passwords.hash_password(password)

    def check_password(self, password: str) -> bool:
        return passwords.verify_password(self.password_hash, password)

    def rehash_password(self, password: str) -> bool:
        """After a successful check: store the same password at today's hashing parameters if
        the hash is older. Not a password change: no session ends, no mail, no audit event."""
        if not passwords.needs_rehash(self.password_hash):
            return False
        self.password_hash = passwords.hash_password(password)
        return True

    def get_id(self) -> str:
        """Flask-Login's name for the account; what a browser's cookie holds is its session's
        key instead (app.sessions.web), checked against the server on every request."""
        return str(self.id)

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


class ConfirmationPurpose(enum.StrEnum):
    SIGNUP = "signup"
    EMAIL_CHANGE = "email_change"


class EmailConfirmation(db.Model):
    """A link mailed to an address that nobody has proved yet: a sign-up (no account exists
    until it is opened) or an account's new address. Single use and expiring; only the token's
    SHA-256 is stored.

    A sign-up keeps what the account needs (name, password hash, language) and, for a sign-up
    made while applying, the course and the application's answers, submitted once the address
    is confirmed."""

    __tablename__ = "email_confirmation"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[ConfirmationPurpose] = mapped_column(str_enum(ConfirmationPurpose))
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # An email change: the account; a sign-up: None.
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(5), default="en")
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    # The application form's fields as (name, value) pairs; no password, no token.
    application: Mapped[list[list[str]] | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()
