"""A course's end-of-course evaluation: its questions, who completed it, and the answers.

One :class:`Evaluation` per course (never for events), made from the standard template
(:func:`app.evaluation.questionnaire.create_evaluation`) and edited by the organisers until it
opens.

Texts follow the courses' way: one :class:`EvaluationQuestionText` row per language, picked with
:func:`app.core.i18n.pick_translation`, the course's main language standing in for a missing
one. The template writes a row for each of the course's languages from the translation
catalogues; organisers edit each language's text.

Who answered and what they answered live apart:

- :class:`EvaluationCompletion` records that a registration completed the evaluation, and when (for
  reminders, the certificate and the organisers' list). Its ``response_id`` points at the
  answers **only when the evaluation is not anonymous**; for an anonymous one it stays NULL.
- :class:`EvaluationResponse` (one submitted form) and :class:`EvaluationAnswer` (one answer in
  it) carry no user, registration, timestamp or language: nothing that says who answered or
  when.

Why random UUIDs as primary keys: an autoincrement id would number responses in the order
they arrived, the same order as the completions' ``completed_at``, so the third response would
be the third person to complete. Random ``uuid4`` keys carry no order. On SQLite the tables are
``WITHOUT ROWID`` (the hidden ``rowid`` would otherwise count inserts); rows are stored in key
order, i.e. shuffled. On PostgreSQL the heap's physical order is only visible to someone with
database access, not through the application, which never orders answers by anything but the
question (and the random key). Responses have no date either: even a day, set beside the
completions' times, names the only person who answered on a quiet day.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.i18n import pick_translation
from app.db import UTCDateTime, now_utc, str_enum
from app.extensions import db

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.courses.models import Course, CourseModule
    from app.registration.models import Registration

# Below this many responses, results are shown as a whole only, never broken down further
# (per language, per group...): a breakdown of a handful would point at people. The results
# pages apply it.
MIN_BREAKDOWN = 5

RATING_MIN = 1
RATING_MAX = 5


def _new_uuid() -> str:
    return str(uuid.uuid4())


class QuestionKind(enum.StrEnum):
    RATING = "rating"  # a rating from 1 to 5, each point labelled
    TEXT = "text"  # an open answer

    @property
    def label(self) -> str:
        return {
            QuestionKind.RATING: _l("Rating from 1 to 5"),
            QuestionKind.TEXT: _l("Open answer"),
        }[self]


class QuestionArea(enum.StrEnum):
    """What a question is about: the key that lines questions up across editions."""

    OVERALL = "overall"
    RELEVANCE = "relevance"
    MODULE = "module"
    FACILITATION = "facilitation"
    ORGANISATION = "organisation"
    CHANGE = "change"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return {
            QuestionArea.OVERALL: _l("Overall satisfaction"),
            QuestionArea.RELEVANCE: _l("Relevance to the job"),
            QuestionArea.MODULE: _l("Module objectives"),
            QuestionArea.FACILITATION: _l("Facilitation"),
            QuestionArea.ORGANISATION: _l("Organisation and logistics"),
            QuestionArea.CHANGE: _l("What to change"),
            QuestionArea.CUSTOM: _l("Own question"),
        }[self]


# The labels of the five points of a rating, lowest first.
RATING_LABELS = {
    1: _l("Very poor"),
    2: _l("Poor"),
    3: _l("Fair"),
    4: _l("Good"),
    5: _l("Excellent"),
}


class Evaluation(db.Model):
    """The end-of-course evaluation of one course, and its settings."""

    __tablename__ = "evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), unique=True
    )
    # Chosen before it opens, locked afterwards.
    is_anonymous: Mapped[bool] = mapped_column(default=True)
    required_for_certificate: Mapped[bool] = mapped_column(default=False)
    # Opens on the last on-site day at this wall-clock time at the venue (None: at the start
    # of that day) and closes at the end of ``closes_on`` (None: the 14th day after the last).
    opens_at_time: Mapped[time | None] = mapped_column(sa.Time)
    closes_on: Mapped[date | None]
    # The one reminder goes this many days before it closes.
    reminder_days_before_close: Mapped[int] = mapped_column(default=3)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None when the tick opened it.
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    course: Mapped[Course] = relationship()
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    questions: Mapped[list[EvaluationQuestion]] = relationship(
        back_populates="evaluation",
        cascade="all, delete-orphan",
        order_by="EvaluationQuestion.position",
        lazy="selectin",
    )

    def __repr__(self) -> str:
        return f"<Evaluation {self.id} course={self.course_id}>"

    @property
    def has_opened(self) -> bool:
        """Opened at some point: the questions and anonymity are locked from then on."""
        return self.opened_at is not None

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None and self.closed_at is None

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class EvaluationQuestion(db.Model):
    """One question of an evaluation."""

    __tablename__ = "evaluation_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind))
    area: Mapped[QuestionArea] = mapped_column(str_enum(QuestionArea))
    # Module questions: the course's focus it asks about (NULL once that focus is removed).
    course_module_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("course_module.id", ondelete="SET NULL"), index=True
    )
    is_required: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    evaluation: Mapped[Evaluation] = relationship(back_populates="questions")
    course_module: Mapped[CourseModule | None] = relationship()
    texts: Mapped[list[EvaluationQuestionText]] = relationship(
        back_populates="question", cascade="all, delete-orphan", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<evaluation.Question {self.id} {self.area.value} {self.kind.value}>"

    def text(self, locale: str) -> EvaluationQuestionText:
        found = pick_translation(self.texts, locale, self.evaluation.course.default_locale)
        assert found is not None, f"evaluation question {self.id} has no texts"
        return found

    def label(self, locale: str) -> str:
        return self.text(locale).label

    @property
    def key(self) -> str:
        """The same question in another edition has the same key: the area, and for a module
        question the toolbox module (or the theme); an own question, its position."""
        if self.area == QuestionArea.MODULE:
            focus = self.course_module
            if focus is None:
                return f"module:question-{self.id}"
            if focus.module_id is not None:
                return f"module:{focus.module_id}"
            return f"module:theme:{(focus.theme or '').strip().casefold()}"
        if self.area == QuestionArea.CUSTOM:
            return f"custom:{self.position}"
        return self.area.value


class EvaluationQuestionText(db.Model):
    __tablename__ = "evaluation_question_text"
    __table_args__ = (sa.UniqueConstraint("question_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation_question.id", ondelete="CASCADE")
    )
    locale: Mapped[str] = mapped_column(sa.String(5))
    label: Mapped[str] = mapped_column(sa.String(300))
    help_text: Mapped[str] = mapped_column(sa.String(1000), default="")

    question: Mapped[EvaluationQuestion] = relationship(back_populates="texts")


class EvaluationCompletion(db.Model):
    """A registration completed the evaluation (once). Links to the answers only when the
    evaluation is not anonymous."""

    __tablename__ = "evaluation_completion"
    __table_args__ = (sa.UniqueConstraint("evaluation_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # NULL for an anonymous evaluation, always.
    response_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("evaluation_response.id", ondelete="SET NULL"), unique=True
    )

    evaluation: Mapped[Evaluation] = relationship()
    registration: Mapped[Registration] = relationship()
    response: Mapped[EvaluationResponse | None] = relationship()


class EvaluationResponse(db.Model):
    """One submitted evaluation form: nothing but the evaluation it belongs to (see the module
    docstring for why the key is random and there is no date)."""

    __tablename__ = "evaluation_response"
    __table_args__ = {"sqlite_with_rowid": False}

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=_new_uuid)
    evaluation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )

    answers: Mapped[list[EvaluationAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class EvaluationAnswer(db.Model):
    """One answer in a response: a rating (1 to 5) or a text. Unanswered optional questions
    have no row."""

    __tablename__ = "evaluation_answer"
    __table_args__ = (
        sa.UniqueConstraint("response_id", "question_id"),
        sa.CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=_new_uuid)
    response_id: Mapped[str] = mapped_column(
        sa.ForeignKey("evaluation_response.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation_question.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int | None]
    text: Mapped[str] = mapped_column(sa.Text, default="")

    response: Mapped[EvaluationResponse] = relationship(back_populates="answers")
    question: Mapped[EvaluationQuestion] = relationship()
