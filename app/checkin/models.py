"""The check-in code of a confirmed participant: printed as a QR code on the badge, sent in
the confirmation mail and shown in "My courses", scanned or typed at the desk each morning."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, now_utc
from app.extensions import db

if TYPE_CHECKING:
    from app.registration.models import Registration


class CheckinCode(db.Model):
    """One random code per registration. It names a registration, which belongs to one course:
    the check-in page of any other course finds nobody with it."""

    __tablename__ = "checkin_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), unique=True
    )
    # Random (secrets), never derived from an id; stored as drawn, shown in groups.
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    registration: Mapped[Registration] = relationship()
