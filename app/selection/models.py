"""A course's selection criteria, and the reviews that score its applications by them.

As pretalx scores talks: each criterion is scored 1–5 in every review, one review per reviewer
and application. A criterion that has scores is never deleted with them: it is *retired*, no
longer asked or counted in the means, its scores kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.i18n import pick_translation
from app.db import UTCDateTime, now_utc
from app.extensions import db

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.courses.models import Course
    from app.registration.models import Registration

LOWEST_SCORE = 1
HIGHEST_SCORE = 5


class SelectionCriterion(db.Model):
    """One thing the committee scores, e.g. "Relevance of the job"."""

    __tablename__ = "selection_criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    # No longer asked nor counted in the means; its scores are kept and shown.
    is_retired: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    course: Mapped[Course] = relationship()
    texts: Mapped[list[CriterionText]] = relationship(
        back_populates="criterion", cascade="all, delete-orphan", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<SelectionCriterion {self.id} course={self.course_id}>"

    def text(self, locale: str) -> CriterionText:
        found = pick_translation(self.texts, locale, self.course.default_locale)
        assert found is not None, f"criterion {self.id} has no texts"
        return found

    def label(self, locale: str) -> str:
        return self.text(locale).label


class CriterionText(db.Model):
    __tablename__ = "selection_criterion_text"
    __table_args__ = (sa.UniqueConstraint("criterion_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("selection_criterion.id", ondelete="CASCADE")
    )
    locale: Mapped[str] = mapped_column(sa.String(5))
    label: Mapped[str] = mapped_column(sa.String(200))
    help_text: Mapped[str] = mapped_column(sa.String(1000), default="")

    criterion: Mapped[SelectionCriterion] = relationship(back_populates="texts")


class Review(db.Model):
    """One reviewer's scores of one application, with a comment."""

    __tablename__ = "selection_review"
    __table_args__ = (sa.UniqueConstraint("registration_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # Set by the services on every change, scores included (they are other rows).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    registration: Mapped[Registration] = relationship()
    reviewer: Mapped[User] = relationship()
    scores: Mapped[list[ReviewScore]] = relationship(
        back_populates="review", cascade="all, delete-orphan", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<Review {self.id} registration={self.registration_id} by={self.reviewer_id}>"

    def score_for(self, criterion_id: int) -> ReviewScore | None:
        return next((s for s in self.scores if s.criterion_id == criterion_id), None)


class ReviewScore(db.Model):
    """A review's score on one criterion, 1 (weak) to 5 (excellent), with an optional note."""

    __tablename__ = "selection_review_score"
    __table_args__ = (
        sa.UniqueConstraint("review_id", "criterion_id"),
        sa.CheckConstraint(
            f"score >= {LOWEST_SCORE} AND score <= {HIGHEST_SCORE}", name="score_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("selection_review.id", ondelete="CASCADE"))
    # No ON DELETE rule: deleting a criterion with scores fails (the services retire it
    # instead), while a course deleted with both is checked only at the statement's end.
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("selection_criterion.id"), index=True)
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.String(1000), default="")

    review: Mapped[Review] = relationship(back_populates="scores")
    criterion: Mapped[SelectionCriterion] = relationship()
