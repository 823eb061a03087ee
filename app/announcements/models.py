"""An announcement on a course ("Room change on Wednesday"), with who wrote, edited, withdrew
and mailed it, and when."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, now_utc
from app.extensions import db

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.courses.models import Course


class Announcement(db.Model):
    __tablename__ = "announcement"
    __table_args__ = (sa.Index("ix_announcement_course_created", "course_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    # Optional: a one-line announcement needs no title.
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    # Plain text as typed, in the organiser's language; shown escaped, links made clickable.
    body: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # The last change, and by whom (another organiser may correct a colleague's).
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    edited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # Withdrawn announcements are kept for the record, shown to the organisers only.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    # Set when it was also mailed to the confirmed participants: when, and to how many.
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mailed_count: Mapped[int] = mapped_column(default=0)

    course: Mapped[Course] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    edited_by: Mapped[User | None] = relationship(foreign_keys=[edited_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])

    def __repr__(self) -> str:
        return f"<Announcement {self.id} course={self.course_id}>"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None
