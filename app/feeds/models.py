"""Secret links to personal and organiser calendar feeds, and pending change notices."""

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


class FeedKind(enum.StrEnum):
    PERSONAL = "personal"  # the courses the user takes part in
    ORGANISER = "organiser"  # the courses the user runs or facilitates

    @property
    def label(self) -> str:
        return {
            FeedKind.PERSONAL: _l("My courses"),
            FeedKind.ORGANISER: _l("Courses I run"),
        }[self]


class FeedToken(db.Model):
    """One secret feed link (a user may hold one per device or calendar app).

    Only the SHA-256 of the token is stored: a copy of the database gives no working link.
    Revoking deletes the row, so the link stops working at once.
    """

    __tablename__ = "feed_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[FeedKind] = mapped_column(str_enum(FeedKind))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    label: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class ScheduleChange(db.Model):
    """A change to a published session that participants have not been told about yet.

    Changes are gathered for a short while and sent as one notice per participant.
    """

    __tablename__ = "schedule_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    # Kept as text so a notice can still say what happened to a session deleted since.
    session_uid: Mapped[str] = mapped_column(sa.String(36))
    session_title: Mapped[str] = mapped_column(sa.String(300))
    # What changed, in words-independent form: e.g. {"starts_at": [old, new], "room": [old, new]}.
    changes: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    course: Mapped[Course] = relationship()
