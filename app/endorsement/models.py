"""The endorsement an application needs from the applicant's employer, when its course asks.

One row per registration: the endorser named now, the secret link sent to them (only its
SHA-256 is kept, as for password resets) and what became of it. Naming another endorser
replaces the endorser and the link on the same row (the old link stops working); the names
given before stay in the registration's history.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, now_utc, str_enum
from app.extensions import db

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.registration.models import Registration


class EndorsementStatus(enum.StrEnum):
    """What is stored. ``EXPIRED`` is never stored: an awaited link past its time reads so."""

    AWAITING = "awaiting"
    ENDORSED = "endorsed"
    DECLINED = "declined"
    WAIVED = "waived"  # an organiser confirmed without it (recorded in the history)
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return {
            EndorsementStatus.AWAITING: _l("Awaiting endorsement"),
            EndorsementStatus.ENDORSED: _l("Endorsed"),
            EndorsementStatus.DECLINED: _l("Endorsement declined"),
            EndorsementStatus.WAIVED: _l("Endorsement waived by the organisers"),
            EndorsementStatus.EXPIRED: _l("Endorsement link expired"),
        }[self]

    @property
    def is_settled(self) -> bool:
        """Enough for the application to go on to the registration rules."""
        return self in (EndorsementStatus.ENDORSED, EndorsementStatus.WAIVED)


class Endorsement(db.Model):
    __tablename__ = "endorsement"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[EndorsementStatus] = mapped_column(
        str_enum(EndorsementStatus), default=EndorsementStatus.AWAITING
    )
    endorser_name: Mapped[str] = mapped_column(sa.String(200))
    endorser_position: Mapped[str] = mapped_column(sa.String(200))
    endorser_email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The reminder carries a new link; the first one keeps working beside it until either is
    # used or both expire.
    previous_token_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Sent once each per link; these record that they were.
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expiry_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The endorser's answer.
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    # An organiser's override of a missing endorsement.
    waived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waived_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    registration: Mapped[Registration] = relationship()
    waived_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Endorsement {self.id} {self.status.value} registration={self.registration_id}>"

    def state(self, now: datetime | None = None) -> EndorsementStatus:
        """The status as shown: an awaited link past its time is expired."""
        if self.status == EndorsementStatus.AWAITING and (now or now_utc()) >= self.expires_at:
            return EndorsementStatus.EXPIRED
        return self.status
