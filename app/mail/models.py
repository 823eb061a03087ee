"""The mail outbox: every outgoing message is a row, written in the transaction that caused it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, now_utc, str_enum
from app.extensions import db


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # given up: refused for good, or not delivered for GIVE_UP_AFTER


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    # The whole RFC 5322 message as it will be sent, but for the attachments listed in
    # `deferred`, which delivery builds and adds (then stores the message as it was sent).
    raw: Mapped[bytes] = mapped_column(sa.LargeBinary)
    # Attachments built at delivery (app.mail.services.LazyAttachment): [{"builder":
    # "module:function", "params": {...}}], or None.
    deferred: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    # When it was queued, or put back in the queue by `flask mail retry`.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
