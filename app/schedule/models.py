"""Sessions of a course's on-site timetable."""

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
    from app.modules.models import Module
    from app.venues.models import Room


class SessionKind(enum.StrEnum):
    OPENING = "opening"
    PLENARY = "plenary"
    CASE_STUDY = "case_study"
    GROUP_WORK = "group_work"
    PANEL = "panel"
    DEBATE = "debate"
    ROLE_PLAY = "role_play"
    STUDY_VISIT = "study_visit"
    NETWORKING = "networking"
    EVALUATION = "evaluation"
    CLOSING = "closing"
    BREAK = "break"
    LUNCH = "lunch"

    @property
    def label(self) -> str:
        return {
            SessionKind.OPENING: _l("Opening"),
            SessionKind.PLENARY: _l("Plenary"),
            SessionKind.CASE_STUDY: _l("Case study"),
            SessionKind.GROUP_WORK: _l("Group work"),
            SessionKind.PANEL: _l("Panel"),
            SessionKind.DEBATE: _l("Debate"),
            SessionKind.ROLE_PLAY: _l("Role play"),
            SessionKind.STUDY_VISIT: _l("Study visit"),
            SessionKind.NETWORKING: _l("Networking"),
            SessionKind.EVALUATION: _l("Evaluation"),
            SessionKind.CLOSING: _l("Closing"),
            SessionKind.BREAK: _l("Break"),
            SessionKind.LUNCH: _l("Lunch"),
        }[self]

    @property
    def is_break(self) -> bool:
        return self in (SessionKind.BREAK, SessionKind.LUNCH)


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            SessionStatus.SCHEDULED: _l("Scheduled"),
            SessionStatus.CANCELLED: _l("Cancelled"),
        }[self]


class CourseSession(db.Model):
    """One slot of the timetable. Times are stored in UTC and shown in the venue's zone."""

    __tablename__ = "course_session"
    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable for the life of the session, whatever happens to row ids: calendar UIDs use it.
    uid: Mapped[str] = mapped_column(sa.String(36), unique=True, default=lambda: str(uuid.uuid4()))
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[SessionKind] = mapped_column(str_enum(SessionKind), default=SessionKind.PLENARY)
    status: Mapped[SessionStatus] = mapped_column(
        str_enum(SessionStatus), default=SessionStatus.SCHEDULED
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("room.id", ondelete="SET NULL"))
    module_id: Mapped[int | None] = mapped_column(sa.ForeignKey("module.id", ondelete="SET NULL"))
    # Names as they should be printed; facilitators need not have an account.
    facilitators: Mapped[str] = mapped_column(sa.String(500), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Raised on every change of time, place, title or status (iCalendar SEQUENCE).
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    course: Mapped[Course] = relationship(back_populates="sessions")
    room: Mapped[Room | None] = relationship(lazy="joined")
    module: Mapped[Module | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<CourseSession {self.id} {self.title!r} {self.starts_at:%Y-%m-%d %H:%M}Z>"

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def is_break(self) -> bool:
        return self.kind.is_break
