"""The question builder's rules: each course's own application questions.

Organisers build a course's questions (:func:`create_question`, :func:`update_question`,
:func:`move_question`, :func:`retire_question`, :func:`delete_question`). A question that has
answers keeps its kind and is never deleted with them: it is retired (hidden from new
applicants, its answers kept); an option that has been chosen is retired too, never removed
(:mod:`app.applications.options`). The answers' rules are in :mod:`app.applications.answering`.

Services flush, never commit, and take the acting user as an argument.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from app.accounts.models import User
from app.applications.checks import (
    DEFAULT_MAX_SIZE_MB,
    HELP_MAX,
    LABEL_MAX,
    MAX_SIZE_MB_LIMIT,
    NUMBER_LIMIT,
    Errors,
    InvalidQuestion,
    QuestionHasAnswers,
    check_text,
    one_line_break,
    set_texts,
)
from app.applications.models import (
    Answer,
    ApplicationQuestion,
    OptionText,
    QuestionKind,
    QuestionOption,
    QuestionText,
)
from app.applications.options import OptionData, apply_options, check_options
from app.core.i18n import LANGUAGE_NAMES
from app.courses.models import Course
from app.db import now_utc
from app.extensions import db

Direction = Literal["up", "down"]


# --- what the builder hands over --------------------------------------------------------------


@dataclass(frozen=True)
class TextData:
    """A question's texts in one language."""

    label: str
    help_text: str = ""


@dataclass(frozen=True)
class QuestionData:
    kind: QuestionKind
    texts: Mapping[str, TextData]
    is_required: bool = False
    min_value: int | None = None
    max_value: int | None = None
    max_size_mb: int | None = None
    options: Sequence[OptionData] = field(default_factory=tuple)


# --- reading ----------------------------------------------------------------------------------


def questions_in_order(course: Course) -> list[ApplicationQuestion]:
    """All the course's questions, retired ones included, in the organisers' order."""
    return list(
        db.session.scalars(
            sa.select(ApplicationQuestion)
            .where(ApplicationQuestion.course_id == course.id)
            .order_by(ApplicationQuestion.position, ApplicationQuestion.id)
        )
    )


def asked_questions(course: Course) -> list[ApplicationQuestion]:
    """The questions an applicant answers now, in order: the ones not retired."""
    return [question for question in questions_in_order(course) if not question.is_retired]


def courses_asking(course_ids: Sequence[int]) -> set[int]:
    """Which of the courses ask applicants questions of their own now (in one query)."""
    stmt = sa.select(ApplicationQuestion.course_id).where(
        ApplicationQuestion.course_id.in_(course_ids),
        ApplicationQuestion.is_retired.is_(False),
    )
    return set(db.session.scalars(stmt.distinct()))


def answer_counts(course: Course) -> dict[int, int]:
    """How many registrations answered each of the course's questions, by question id
    (questions without answers are absent)."""
    rows = db.session.execute(
        sa.select(Answer.question_id, sa.func.count())
        .join(ApplicationQuestion)
        .where(ApplicationQuestion.course_id == course.id)
        .group_by(Answer.question_id)
    )
    return {question_id: count for question_id, count in rows}


def answer_count(question: ApplicationQuestion) -> int:
    return (
        db.session.scalar(sa.select(sa.func.count()).where(Answer.question_id == question.id)) or 0
    )


# --- building ---------------------------------------------------------------------------------


def _clean_texts(data: QuestionData) -> dict[str, TextData]:
    return {
        locale: TextData(text.label.strip(), one_line_break(text.help_text).strip())
        for locale, text in data.texts.items()
        if locale in LANGUAGE_NAMES
    }


def check_question(
    course: Course, data: QuestionData, question: ApplicationQuestion | None = None
) -> None:
    """Raise :class:`InvalidQuestion` unless the question can be saved: a label in the
    course's main language, texts of sensible length, a kind kept while it has answers, a
    number range that is one, and for a choice question at least two options offered (with a
    label in the main language, none twice, none chosen by an applicant removed)."""
    errors = Errors()
    main = course.default_locale
    texts = _clean_texts(data)
    if main not in texts or not texts[main].label:
        errors.add(
            f"text_{main}.label",
            _l(
                "Give the question in the course's main language (%(language)s).",
                language=LANGUAGE_NAMES.get(main, main),
            ),
        )
    for locale, text in texts.items():
        check_text(errors, f"text_{locale}.label", text.label, LABEL_MAX)
        check_text(errors, f"text_{locale}.help_text", text.help_text, HELP_MAX, multiline=True)
        if text.help_text and not text.label:
            errors.add(
                f"text_{locale}.label",
                _l("Give the question in this language too, or leave its help text empty."),
            )
    if question is not None and data.kind != question.kind:
        answered = answer_count(question)
        if answered:
            errors.add(
                "kind",
                lazy_ngettext(
                    "%(num)d applicant has answered this question, so its kind cannot change. "
                    "Retire it and add a new question instead.",
                    "%(num)d applicants have answered this question, so its kind cannot "
                    "change. Retire it and add a new question instead.",
                    answered,
                ),
            )
    if data.kind == QuestionKind.NUMBER:
        _check_range(errors, data)
    size = data.max_size_mb
    if data.kind == QuestionKind.FILE and size is not None and not 1 <= size <= MAX_SIZE_MB_LIMIT:
        errors.add(
            "max_size_mb",
            _l("Choose a size from 1 to %(max)d MB.", max=MAX_SIZE_MB_LIMIT),
        )
    if data.kind.has_options:
        check_options(errors, course.default_locale, data.options, question)
    if errors.found:
        raise InvalidQuestion(errors.found)


def _check_range(errors: Errors, data: QuestionData) -> None:
    for name, value in (("min_value", data.min_value), ("max_value", data.max_value)):
        if value is not None and abs(value) > NUMBER_LIMIT:
            errors.add(name, _l("Choose a number between minus and plus one billion."))
    low, high = data.min_value, data.max_value
    if low is not None and high is not None and high < low:
        errors.add("max_value", _l("The largest answer cannot be smaller than the smallest."))


def _apply_texts(question: ApplicationQuestion, data: QuestionData) -> None:
    wanted = {locale: text for locale, text in _clean_texts(data).items() if text.label}

    def update(row: QuestionText, text: TextData) -> None:
        row.label, row.help_text = text.label, text.help_text

    set_texts(
        question.texts,
        wanted,
        lambda locale, text: QuestionText(
            locale=locale, label=text.label, help_text=text.help_text
        ),
        update,
    )


def _apply(question: ApplicationQuestion, data: QuestionData) -> None:
    question.kind = data.kind
    question.is_required = data.is_required
    is_number = data.kind == QuestionKind.NUMBER
    question.min_value = data.min_value if is_number else None
    question.max_value = data.max_value if is_number else None
    question.max_size_mb = (
        (data.max_size_mb or DEFAULT_MAX_SIZE_MB) if data.kind == QuestionKind.FILE else None
    )
    _apply_texts(question, data)
    apply_options(question, data.kind, data.options)


def create_question(course: Course, data: QuestionData, *, actor: User) -> ApplicationQuestion:
    """Add a question at the end of the course's list."""
    check_question(course, data)
    last = db.session.scalar(
        sa.select(sa.func.max(ApplicationQuestion.position)).where(
            ApplicationQuestion.course_id == course.id
        )
    )
    now = now_utc()
    question = ApplicationQuestion(
        course=course,
        position=0 if last is None else last + 1,
        created_at=now,
        updated_at=now,
    )
    _apply(question, data)
    db.session.add(question)
    db.session.flush()
    return question


def update_question(
    question: ApplicationQuestion, data: QuestionData, *, actor: User
) -> ApplicationQuestion:
    """Change a question (see :func:`check_question` for what may change)."""
    check_question(question.course, data, question)
    _apply(question, data)
    question.updated_at = now_utc()
    db.session.flush()
    return question


def _renumber(questions: list[ApplicationQuestion]) -> None:
    for position, question in enumerate(questions):
        question.position = position


def delete_question(question: ApplicationQuestion, *, actor: User) -> None:
    """Delete a question nobody has answered; one with answers is refused (retire it)."""
    answered = answer_count(question)
    if answered:
        raise QuestionHasAnswers.single(
            lazy_ngettext(
                "%(num)d applicant has answered this question, so it cannot be deleted with "
                "the answer. Retire it instead: new applicants no longer see it, and the "
                "answer stays on the desk and in the exports.",
                "%(num)d applicants have answered this question, so it cannot be deleted with "
                "their answers. Retire it instead: new applicants no longer see it, and the "
                "answers stay on the desk and in the exports.",
                answered,
            )
        )
    course = question.course
    db.session.delete(question)
    db.session.flush()
    _renumber(questions_in_order(course))
    db.session.flush()


def retire_question(question: ApplicationQuestion, *, actor: User) -> None:
    """Hide the question from new applicants; its answers are kept, shown and exported."""
    question.is_retired = True
    question.updated_at = now_utc()
    db.session.flush()


def restore_question(question: ApplicationQuestion, *, actor: User) -> None:
    """Ask a retired question again."""
    question.is_retired = False
    question.updated_at = now_utc()
    db.session.flush()


def move_question(question: ApplicationQuestion, direction: Direction, *, actor: User) -> None:
    """Swap the question with the one before ("up") or after ("down") it; at either end of
    the list nothing moves. Positions are then renumbered from 0."""
    ordered = questions_in_order(question.course)
    index = ordered.index(question)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    _renumber(ordered)
    db.session.flush()


def copy_questions(source: Course, target: Course) -> None:
    """Give ``target`` (a new edition) the questions of ``source`` that applicants are asked,
    with their texts and offered options, in the same order; retired ones and the answers
    stay behind."""
    kept = [question for question in questions_in_order(source) if not question.is_retired]
    for position, question in enumerate(kept):
        db.session.add(
            ApplicationQuestion(
                course=target,
                kind=question.kind,
                position=position,
                is_required=question.is_required,
                min_value=question.min_value,
                max_value=question.max_value,
                max_size_mb=question.max_size_mb,
                texts=[
                    QuestionText(locale=t.locale, label=t.label, help_text=t.help_text)
                    for t in question.texts
                ],
                options=[
                    QuestionOption(
                        position=n,
                        texts=[OptionText(locale=t.locale, label=t.label) for t in option.texts],
                    )
                    for n, option in enumerate(question.offered_options)
                ],
            )
        )
    db.session.flush()
