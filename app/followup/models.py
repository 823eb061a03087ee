"""The online follow-up phase's activities: webinars, assignments and discussion topics."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, now_utc, str_enum
from app.extensions import db

if TYPE_CHECKING:
    from app.courses.models import Course
    from app.registration.models import Registration


class ActivityKind(enum.StrEnum):
    WEBINAR = "webinar"
    ASSIGNMENT = "assignment"
    DISCUSSION = "discussion"

    @property
    def label(self) -> str:
        return {
            ActivityKind.WEBINAR: _l("Webinar"),
            ActivityKind.ASSIGNMENT: _l("Assignment"),
            ActivityKind.DISCUSSION: _l("Discussion"),
        }[self]


class FollowupActivity(db.Model):
    __tablename__ = "followup_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(sa.String(36), unique=True, default=lambda: str(uuid.uuid4()))
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ActivityKind] = mapped_column(str_enum(ActivityKind))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Webinars: start and end. Discussions: optional opening time.
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Assignments: when the work is due.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    # Participants must complete it to get their certificate (assignments, usually).
    is_required: Mapped[bool] = mapped_column(default=False)
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    course: Mapped[Course] = relationship(back_populates="activities")

    @property
    def sort_key(self) -> datetime | None:
        return self.starts_at or self.due_at


class Submission(db.Model):
    """A participant's work on a follow-up activity, submitted by them, completed by organisers."""

    __tablename__ = "submission"
    __table_args__ = (sa.UniqueConstraint("activity_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("followup_activity.id", ondelete="CASCADE")
    )
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    activity: Mapped[FollowupActivity] = relationship()
    registration: Mapped[Registration] = relationship()

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None
