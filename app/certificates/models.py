"""Certificates of participation: issued once, verifiable by anyone who has the code."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, now_utc
from app.extensions import db

if TYPE_CHECKING:
    from app.registration.models import Registration


class Certificate(db.Model):
    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), unique=True
    )
    # Short, random, unguessable; printed on the certificate and used by /certificates/<code>.
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    # The name as it stood when the certificate was issued.
    name: Mapped[str] = mapped_column(sa.String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    registration: Mapped[Registration] = relationship(back_populates="certificate")
