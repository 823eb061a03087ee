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
from app.storage.models import StoredFile

if TYPE_CHECKING:
    from app.accounts.models import User
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


class HandinState(enum.StrEnum):
    """Where a participant's work on an activity stands (derived, see ``Submission.state``)."""

    MISSING = "missing"  # nothing handed in (yet)
    SUBMITTED = "submitted"  # handed in, waiting for the course team's feedback
    RETURNED = "returned"  # the team asked for a revision
    COMPLETE = "complete"  # counts for the certificate

    @property
    def label(self) -> str:
        return {
            HandinState.MISSING: _l("Nothing handed in"),
            HandinState.SUBMITTED: _l("Handed in"),
            HandinState.RETURNED: _l("Returned for revision"),
            HandinState.COMPLETE: _l("Completed"),
        }[self]


class FeedbackDecision(enum.StrEnum):
    COMPLETE = "complete"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return {
            FeedbackDecision.COMPLETE: _l("Completed"),
            FeedbackDecision.RETURNED: _l("Returned for revision"),
        }[self]


class Submission(db.Model):
    """A participant's work on a follow-up activity, handed in by them, completed by the team.

    One row per (registration, activity) carries the current state: ``completed_at`` (what the
    certificate reads) and ``returned_at`` (the team asked for a revision of the current
    version). ``text``, ``link`` and ``submitted_at`` repeat the current version's, for lists;
    every version handed in is kept in ``versions``, with its files and the feedback on it.
    """

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

    # Set when the team returns the current version for revision; cleared by a new version or a
    # completion.
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    activity: Mapped[FollowupActivity] = relationship()
    registration: Mapped[Registration] = relationship()
    completed_by: Mapped[User | None] = relationship()
    versions: Mapped[list[SubmissionVersion]] = relationship(
        back_populates="submission",
        order_by="SubmissionVersion.number",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None

    @property
    def current_version(self) -> SubmissionVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def state(self) -> HandinState:
        if self.completed_at is not None:
            return HandinState.COMPLETE
        if not self.versions:
            return HandinState.MISSING
        if self.returned_at is not None:
            return HandinState.RETURNED
        return HandinState.SUBMITTED


class SubmissionVersion(db.Model):
    """One hand-in of an assignment, kept with its date, files and the feedback on it."""

    __tablename__ = "submission_version"
    __table_args__ = (sa.UniqueConstraint("submission_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]  # 1, 2, 3… per submission
    text: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    # Judged when handed in, against the due time then (in the venue's zone).
    is_late: Mapped[bool] = mapped_column(default=False)

    submission: Mapped[Submission] = relationship(back_populates="versions")
    submitted_by: Mapped[User | None] = relationship()
    files: Mapped[list[SubmissionFile]] = relationship(
        order_by="SubmissionFile.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    feedback: Mapped[list[Feedback]] = relationship(
        back_populates="version",
        order_by="Feedback.created_at, Feedback.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class SubmissionFile(db.Model):
    """A file of a version. A file kept from one version to the next is linked to both: the
    files belong to the submission as a whole and go when it goes
    (:mod:`app.followup.handins`)."""

    __tablename__ = "submission_file"
    __table_args__ = (sa.UniqueConstraint("version_id", "stored_file_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("submission_version.id", ondelete="CASCADE"), index=True
    )
    stored_file_id: Mapped[int] = mapped_column(
        sa.ForeignKey("stored_file.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)

    stored_file: Mapped[StoredFile] = relationship()


class Feedback(db.Model):
    """The course team's feedback on one version: a comment and a decision, by whom, when."""

    __tablename__ = "submission_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("submission_version.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decision: Mapped[FeedbackDecision] = mapped_column(str_enum(FeedbackDecision))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    version: Mapped[SubmissionVersion] = relationship(back_populates="feedback")
    author: Mapped[User | None] = relationship()
