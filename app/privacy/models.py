"""The privacy notice's versions, the consents people gave, erasure requests, and each course's
own retention periods.

A notice is never edited: publishing a text makes a new version (1, 2, 3…), so an acceptance
names the exact text that was shown. An erasure request stays after it is carried out: it is
the record that the person's data was erased (their account keeps only its id)."""

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
    from app.courses.models import Course

NOTICE_MAX_LENGTH = 50_000
CONSENT_TEXT_MAX = 500
RETENTION_DAYS_MAX = 3650


class ConsentContext(enum.StrEnum):
    SIGNUP = "signup"
    APPLICATION = "application"

    @property
    def label(self) -> str:
        return {
            ConsentContext.SIGNUP: _l("Sign-up"),
            ConsentContext.APPLICATION: _l("Application"),
        }[self]


class PrivacyNotice(db.Model):
    """One published version of the privacy notice (plain paragraphs, shown escaped)."""

    __tablename__ = "privacy_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    body: Mapped[str] = mapped_column(sa.Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    published_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    published_by: Mapped[User | None] = relationship()


class ConsentRecord(db.Model):
    """A person accepted a consent text, with the notice version in force then (None while
    no notice was published)."""

    __tablename__ = "privacy_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    context: Mapped[ConsentContext] = mapped_column(str_enum(ConsentContext))
    # The course applied to (an application's consent), else None.
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("course.id", ondelete="SET NULL"))
    notice_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("privacy_notice.id", ondelete="RESTRICT")
    )
    # The words of the box ticked, in English (the source text every translation renders).
    text: Mapped[str] = mapped_column(sa.String(CONSENT_TEXT_MAX))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    notice: Mapped[PrivacyNotice | None] = relationship()
    course: Mapped[Course | None] = relationship()


class ErasureRequest(db.Model):
    """A person asked for their personal data to be erased; an administrator carries it out."""

    __tablename__ = "erasure_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    carried_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    carried_out_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    carried_out_by: Mapped[User | None] = relationship(foreign_keys=[carried_out_by_id])

    @property
    def is_pending(self) -> bool:
        return self.carried_out_at is None


class CourseRetention(db.Model):
    """A course's own retention periods (None: the site's default), and when each deletion
    was applied."""

    __tablename__ = "course_retention"

    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), primary_key=True
    )
    document_days: Mapped[int | None]
    special_needs_days: Mapped[int | None]
    documents_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    special_needs_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    course: Mapped[Course] = relationship()
