"""Mail written by a course's organisers: the message, its text per language, and each
recipient with the outbox row that carries their copy (whose status is the delivery status)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, now_utc, str_enum
from app.extensions import db
from app.mail.models import OutboxMessage
from app.registration.models import RegistrationStatus

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.courses.models import Course
    from app.registration.models import Registration


class MessageStatus(enum.StrEnum):
    SCHEDULED = "scheduled"  # waiting for its time; `flask tick` queues it
    SENT = "sent"  # queued in the outbox (delivery is each copy's own status)
    CANCELLED = "cancelled"  # cancelled before its time: nothing was queued

    @property
    def label(self) -> str:
        return {
            MessageStatus.SCHEDULED: _l("Scheduled"),
            MessageStatus.SENT: _l("Sent"),
            MessageStatus.CANCELLED: _l("Cancelled"),
        }[self]


class CourseMessage(db.Model):
    __tablename__ = "course_message"
    __table_args__ = (sa.Index("ix_course_message_due", "status", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    status: Mapped[MessageStatus] = mapped_column(str_enum(MessageStatus))
    # The language of the version sent to those whose language has none.
    default_locale: Mapped[str] = mapped_column(sa.String(5))
    # Who it was written to, in the organiser's words at the time ("Confirmed · Brazil").
    audience: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # When it is to go (UTC); None: at once.
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    course: Mapped[Course] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])
    texts: Mapped[list[CourseMessageText]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="CourseMessageText.locale"
    )
    recipients: Mapped[list[CourseMessageRecipient]] = relationship(
        back_populates="message",
        cascade="all, delete-orphan",
        order_by="CourseMessageRecipient.id",
    )

    @property
    def locales(self) -> list[str]:
        return [text.locale for text in self.texts]

    def text_for(self, locale: str) -> CourseMessageText:
        """The version in ``locale``, else in the message's default language."""
        by_locale = {text.locale: text for text in self.texts}
        return by_locale.get(locale) or by_locale[self.default_locale]


class CourseMessageText(db.Model):
    """One language's version: subject and plain-text body, placeholders unfilled."""

    __tablename__ = "course_message_text"
    __table_args__ = (sa.UniqueConstraint("message_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("course_message.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(sa.String(5))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)

    message: Mapped[CourseMessage] = relationship(back_populates="texts")


class CourseMessageRecipient(db.Model):
    """One person the message is for, chosen when it was written; ``outbox`` is their copy once
    it is queued."""

    __tablename__ = "course_message_recipient"
    __table_args__ = (sa.UniqueConstraint("message_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("course_message.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    # Their registration's status when the message was written: someone who cancels or is
    # turned down before a scheduled message goes is no longer sent it (dispatch).
    status_when_written: Mapped[RegistrationStatus | None] = mapped_column(
        str_enum(RegistrationStatus)
    )
    # The language of the version they were sent (set when queued).
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    outbox_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbox_message.id", ondelete="SET NULL")
    )

    message: Mapped[CourseMessage] = relationship(back_populates="recipients")
    registration: Mapped[Registration] = relationship()
    outbox: Mapped[OutboxMessage | None] = relationship()
