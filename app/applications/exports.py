"""Reading the answers: as the desk's participant page and "My courses" show them, as columns
of the desk's CSV and XLSX exports, and as the desk's filters.

Everything here reads; answers of many registrations are loaded in a fixed number of queries.
Retired questions are read like the others: their answers are kept, shown and exported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from babel.dates import format_date
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, selectinload

from app.applications.models import Answer, ApplicationQuestion, QuestionKind, answer_option
from app.applications.services import questions_in_order
from app.courses.models import Course
from app.extensions import db
from app.registration.forms import country_name
from app.storage.models import StoredFile

ExportValue = str | int | date | None
# Joins the options of a multiple choice in one cell or line.
CHOICE_SEPARATOR = "; "


def answers_by_registration(registration_ids: Sequence[int]) -> dict[int, list[Answer]]:
    """The registrations' answers by registration id, each list in the questions' order."""
    if not registration_ids:
        return {}
    stmt = (
        sa.select(Answer)
        .join(Answer.question)
        .where(Answer.registration_id.in_(registration_ids))
        .options(
            contains_eager(Answer.question),
            selectinload(Answer.options),
            selectinload(Answer.file),
        )
        .order_by(Answer.registration_id, ApplicationQuestion.position, ApplicationQuestion.id)
    )
    found: dict[int, list[Answer]] = {}
    for answer in db.session.scalars(stmt):
        found.setdefault(answer.registration_id, []).append(answer)
    return found


def answer_value(answer: Answer, locale: str) -> ExportValue:
    """An answer as a spreadsheet cell: a whole number, a date, or text in ``locale`` (the
    options chosen, yes or no, a country's name)."""
    kind = answer.question.kind
    if kind.has_options:
        return CHOICE_SEPARATOR.join(option.label(locale) for option in answer.options)
    if kind == QuestionKind.YES_NO:
        return _("Yes") if answer.value == "yes" else _("No")
    if kind == QuestionKind.NUMBER:
        return int(answer.value)
    if kind == QuestionKind.DATE:
        return date.fromisoformat(answer.value)
    if kind == QuestionKind.COUNTRY:
        return country_name(answer.value, locale)
    if kind == QuestionKind.FILE:
        # The document's name (the file itself is downloaded from the pages and the ZIP).
        return answer.file.filename if answer.file is not None else ""
    return answer.value


def answer_text(answer: Answer, locale: str) -> str:
    """An answer as a page shows it, in ``locale``."""
    value = answer_value(answer, locale)
    if isinstance(value, date):
        return format_date(value, "long", locale=locale)
    return str(value)


@dataclass(frozen=True)
class ShownAnswer:
    question: ApplicationQuestion
    label: str
    text: str
    registration_id: int = 0
    # A file question's document, shown as a link to download it.
    file: StoredFile | None = None


def shown_answers(answers: Sequence[Answer], locale: str) -> list[ShownAnswer]:
    """Answers (of one registration, in order) with their question's label, in ``locale``."""
    return [
        ShownAnswer(
            answer.question,
            answer.question.label(locale),
            answer_text(answer, locale),
            answer.registration_id,
            answer.file,
        )
        for answer in answers
    ]


# --- exports -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerColumns:
    """One export column per question of the course, labelled in the exporter's language."""

    labels: list[str]
    questions: list[ApplicationQuestion]
    answers: dict[int, list[Answer]]
    locale: str

    def values(self, registration_id: int) -> list[ExportValue]:
        given = {a.question_id: a for a in self.answers.get(registration_id, [])}
        return [
            answer_value(given[q.id], self.locale) if q.id in given else None
            for q in self.questions
        ]


def answer_columns(course: Course, registration_ids: Sequence[int], locale: str) -> AnswerColumns:
    """The columns of the course's questions (retired ones too) and the answers of
    ``registration_ids``."""
    questions = questions_in_order(course)
    return AnswerColumns(
        labels=[q.label(locale) for q in questions],
        questions=questions,
        answers=answers_by_registration(registration_ids),
        locale=locale,
    )


# --- the desk's filters ------------------------------------------------------------------------


def filterable_questions(course: Course) -> list[ApplicationQuestion]:
    """The course's questions the desk can filter by: choices and yes-or-no questions."""
    return [q for q in questions_in_order(course) if q.kind.is_filterable]


def answered_with(question_id: int, wanted: str) -> sa.Select[tuple[int]]:
    """The registrations whose answer to the question is ``wanted``: ``yes`` or ``no``, or
    the id of an option they chose."""
    stmt = sa.select(Answer.registration_id).where(Answer.question_id == question_id)
    if wanted in ("yes", "no"):
        return stmt.where(Answer.value == wanted)
    return stmt.join(answer_option, answer_option.c.answer_id == Answer.id).where(
        answer_option.c.option_id == int(wanted)
    )
