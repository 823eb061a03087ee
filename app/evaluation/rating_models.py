"""Quick ratings of the timetable's sessions (1–5 and an optional comment), kept apart from
who gave them.

Three tables:

- ``session_rating_switch``: whether a course asks for session ratings (organisers switch it on
  or off; who did it last, and when).
- ``session_rating_done``: that a participant (their registration) rated a session, and on which
  day in the venue's calendar. This is what "My courses" shows and what refuses a second
  rating; it says nothing of the rating itself.
- ``session_rating``: the rating itself, with no link to a person or registration and no time at
  all (the session's own date is all it needs). Its key is a random UUID, not a counter, so
  the order of the ratings' keys cannot be lined up with the order of the completions, and
  on SQLite the table has no hidden ``rowid`` (``WITHOUT ROWID``) to count inserts. Results
  list ratings by their content (score, then comment), never by key, so that neither the
  database nor a page reveals who gave which rating. A database administrator reading the
  storage's physical row order is beyond what the application can hide.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, now_utc
from app.extensions import db

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.courses.models import Course
    from app.registration.models import Registration
    from app.schedule.models import CourseSession

COMMENT_LIMIT = 2000


class SessionRatingSwitch(db.Model):
    """A course that asks its participants to rate its sessions (off without a row)."""

    __tablename__ = "session_rating_switch"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), unique=True
    )
    is_enabled: Mapped[bool] = mapped_column(default=False)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    course: Mapped[Course] = relationship()
    changed_by: Mapped[User | None] = relationship()


class SessionRatingDone(db.Model):
    """That this registration rated this session (once), on that day at the venue."""

    __tablename__ = "session_rating_done"
    __table_args__ = (sa.UniqueConstraint("session_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course_session.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    done_on: Mapped[date]

    session: Mapped[CourseSession] = relationship()
    registration: Mapped[Registration] = relationship()


def _random_key() -> str:
    return uuid.uuid4().hex


class SessionRating(db.Model):
    """One anonymous rating of a session: no person, no registration, no time."""

    __tablename__ = "session_rating"
    # Without SQLite's hidden rowid, which would count inserts (as the evaluation's answers).
    __table_args__ = (
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="score_on_scale"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=_random_key)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course_session.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    session: Mapped[CourseSession] = relationship()
