"""A person's authenticator (TOTP secret), their recovery codes, and the site's security
settings (one row)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db import UTCDateTime, now_utc
from app.extensions import db
from app.twofactor.sealing import seal, unseal


class TwoFactorCredential(db.Model):
    """The TOTP secret of one account. Unconfirmed (``confirmed_at`` None) while the person
    sets it up; two-factor log-in is on once a first code confirmed it."""

    __tablename__ = "two_factor_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    # Base32 as authenticator apps take it, sealed (app/twofactor/sealing.py): the server must
    # read it to check codes, so it cannot be hashed; it is never shown again once confirmed.
    sealed_secret: Mapped[str] = mapped_column("secret", sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The 30-second step of the last code accepted: a code is refused if its step is not later,
    # so a code seen over someone's shoulder cannot be used again within its window.
    last_used_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    user: Mapped[User] = relationship()

    @property
    def secret(self) -> str:
        """The Base32 secret (raises :class:`~app.twofactor.sealing.SealBroken` when no
        configured key opens it)."""
        return unseal(self.sealed_secret)

    @secret.setter
    def secret(self, value: str) -> None:
        self.sealed_secret = seal(value)


class RecoveryCode(db.Model):
    """A single-use code for when the authenticator is lost. Only its SHA-256 is stored."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SecuritySettings(db.Model):
    """Site-wide security choices of the administrators: a single row (id 1)."""

    __tablename__ = "security_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Administrators and organisers must log in with a second factor.
    is_staff_two_factor_required: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
