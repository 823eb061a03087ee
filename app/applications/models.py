"""A course's own application questions, their options, and the applicants' answers.

Texts follow the courses' way: one row per language (``QuestionText``, ``OptionText``),
picked with :func:`app.core.i18n.pick_translation`, the course's main language standing in for
a missing one. A question or option that has answers is never deleted: it is *retired*,
hidden from new applicants, its answers kept and still shown and exported.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.i18n import pick_translation
from app.db import UTCDateTime, now_utc, str_enum
from app.extensions import db

if TYPE_CHECKING:
    from app.courses.models import Course
    from app.registration.models import Registration
    from app.storage.models import StoredFile


class QuestionKind(enum.StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    YES_NO = "yes_no"
    NUMBER = "number"
    DATE = "date"
    COUNTRY = "country"
    FILE = "file"

    @property
    def label(self) -> str:
        return {
            QuestionKind.SHORT_TEXT: _l("Short text"),
            QuestionKind.LONG_TEXT: _l("Long text"),
            QuestionKind.SINGLE_CHOICE: _l("Single choice"),
            QuestionKind.MULTIPLE_CHOICE: _l("Multiple choice"),
            QuestionKind.YES_NO: _l("Yes or no"),
            QuestionKind.NUMBER: _l("Number"),
            QuestionKind.DATE: _l("Date"),
            QuestionKind.COUNTRY: _l("Country"),
            QuestionKind.FILE: _l("File upload"),
        }[self]

    @property
    def has_options(self) -> bool:
        return self in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)

    @property
    def is_filterable(self) -> bool:
        """Answers the desk can filter by: a chosen option, or yes or no."""
        return self.has_options or self == QuestionKind.YES_NO


class ApplicationQuestion(db.Model):
    """One question of a course's application form (or of an event's RSVP)."""

    __tablename__ = "application_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind))
    position: Mapped[int] = mapped_column(default=0)
    is_required: Mapped[bool] = mapped_column(default=False)
    # Hidden from new applicants; its answers are kept, shown and exported.
    is_retired: Mapped[bool] = mapped_column(default=False)
    # Numbers: the smallest and largest answers taken (both included), if any.
    min_value: Mapped[int | None]
    max_value: Mapped[int | None]
    # Files: the largest upload taken, in megabytes.
    max_size_mb: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    course: Mapped[Course] = relationship()
    texts: Mapped[list[QuestionText]] = relationship(
        back_populates="question", cascade="all, delete-orphan", lazy="selectin"
    )
    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question",
        cascade="all, delete-orphan",
        order_by="QuestionOption.position",
        lazy="selectin",
    )

    def __repr__(self) -> str:
        return f"<ApplicationQuestion {self.id} {self.kind.value} course={self.course_id}>"

    def text(self, locale: str) -> QuestionText:
        found = pick_translation(self.texts, locale, self.course.default_locale)
        assert found is not None, f"question {self.id} has no texts"
        return found

    def label(self, locale: str) -> str:
        return self.text(locale).label

    @property
    def offered_options(self) -> list[QuestionOption]:
        return [option for option in self.options if not option.is_retired]


class QuestionText(db.Model):
    __tablename__ = "application_question_text"
    __table_args__ = (sa.UniqueConstraint("question_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application_question.id", ondelete="CASCADE")
    )
    locale: Mapped[str] = mapped_column(sa.String(5))
    label: Mapped[str] = mapped_column(sa.String(300))
    help_text: Mapped[str] = mapped_column(sa.String(1000), default="")

    question: Mapped[ApplicationQuestion] = relationship(back_populates="texts")


class QuestionOption(db.Model):
    """One option of a choice question."""

    __tablename__ = "application_option"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application_question.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    is_retired: Mapped[bool] = mapped_column(default=False)

    question: Mapped[ApplicationQuestion] = relationship(back_populates="options")
    texts: Mapped[list[OptionText]] = relationship(
        back_populates="option", cascade="all, delete-orphan", lazy="selectin"
    )

    def label(self, locale: str) -> str:
        found = pick_translation(self.texts, locale, self.question.course.default_locale)
        assert found is not None, f"option {self.id} has no texts"
        return found.label


class OptionText(db.Model):
    __tablename__ = "application_option_text"
    __table_args__ = (sa.UniqueConstraint("option_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application_option.id", ondelete="CASCADE")
    )
    locale: Mapped[str] = mapped_column(sa.String(5))
    label: Mapped[str] = mapped_column(sa.String(200))

    option: Mapped[QuestionOption] = relationship(back_populates="texts")


# The options an answer chose (one for a single choice, any number for a multiple choice).
answer_option = sa.Table(
    "application_answer_option",
    db.metadata,
    sa.Column(
        "answer_id",
        sa.ForeignKey("application_answer.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "option_id",
        sa.ForeignKey("application_option.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Answer(db.Model):
    """A registration's answer to one question.

    ``value`` holds the answer as text: the text typed, ``yes`` or ``no``, a whole number, an
    ISO date or a country code; a choice's answer is its ``options`` (``value`` empty), a file
    question's its ``file`` (``value`` empty). The file belongs to the answer: deleting or
    replacing it through the session deletes the stored file, whose bytes go once that is
    committed (:mod:`app.storage.services`). Unanswered optional questions have no row.
    """

    __tablename__ = "application_answer"
    __table_args__ = (sa.UniqueConstraint("registration_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application_question.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str] = mapped_column(sa.Text, default="")
    file_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("stored_file.id", ondelete="SET NULL"), unique=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    registration: Mapped[Registration] = relationship()
    question: Mapped[ApplicationQuestion] = relationship()
    file: Mapped[StoredFile | None] = relationship(cascade="all, delete-orphan", single_parent=True)
    options: Mapped[list[QuestionOption]] = relationship(
        secondary=answer_option, order_by="QuestionOption.position"
    )
