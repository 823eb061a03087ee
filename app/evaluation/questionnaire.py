"""The evaluation's questions: making them from the standard template in the course's languages
(overall, relevance, one per module on its objectives, facilitation, organisation, what to
change), adding the questions of modules added later, and the organisers' edits (add, change,
move, remove) while the evaluation has not opened.

Services flush but never commit, and take the acting user as a keyword argument.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app.courses.models import Course
from app.db import now_utc
from app.evaluation.models import (
    Evaluation,
    EvaluationQuestion,
    EvaluationQuestionText,
    QuestionArea,
    QuestionKind,
)
from app.evaluation.services import (
    HELP_MAX_LENGTH,
    LABEL_MAX_LENGTH,
    InvalidEvaluation,
    actor_id,
    check_editable,
    evaluation_for,
    questions_in_order,
)
from app.extensions import db

logger = logging.getLogger(__name__)

Direction = Literal["up", "down"]


# --- the standard template -------------------------------------------------------------------


def _template_label(area: QuestionArea, module: str = "") -> str:
    """The template's question for ``area`` in the current language."""
    if area == QuestionArea.MODULE:
        return str(
            _l(
                "How well did the module “%(module)s” achieve its objectives?",
                module=module,
            )
        )
    return str(
        {
            QuestionArea.OVERALL: _l("Overall, how satisfied are you with the course?"),
            QuestionArea.RELEVANCE: _l("How relevant is the course to your job?"),
            QuestionArea.FACILITATION: _l("How would you rate the quality of the facilitation?"),
            QuestionArea.ORGANISATION: _l(
                "How would you rate the organisation and logistics (venue, travel, materials)?"
            ),
            QuestionArea.CHANGE: _l("What would you change to make the course better?"),
        }[area]
    )


def course_locales(course: Course) -> list[str]:
    """The languages the evaluation is written in: the course's main language first, then its
    other languages of instruction that the site speaks."""
    supported = list(current_app.config["LANGUAGES"])
    found: list[str] = []
    for code in (course.default_locale, *course.language_list):
        if code in supported and code not in found:
            found.append(code)
    return found or [supported[0]]


def _texts(course: Course, make: Any) -> list[EvaluationQuestionText]:
    texts = []
    for locale in course_locales(course):
        with force_locale(locale):
            texts.append(
                EvaluationQuestionText(locale=locale, label=make(locale)[:LABEL_MAX_LENGTH])
            )
    return texts


def template_questions(course: Course) -> list[EvaluationQuestion]:
    """The standard questions for ``course`` (not yet added to a session): overall
    satisfaction, relevance to the job, one per module (or theme) on its objectives, the
    facilitation, the organisation and logistics (ratings, required), and what to change (an
    open answer, optional)."""
    plan: list[tuple[QuestionArea, QuestionKind, bool, Any]] = [
        (QuestionArea.OVERALL, QuestionKind.RATING, True, None),
        (QuestionArea.RELEVANCE, QuestionKind.RATING, True, None),
    ]
    plan += [(QuestionArea.MODULE, QuestionKind.RATING, True, focus) for focus in course.focuses]
    plan += [
        (QuestionArea.FACILITATION, QuestionKind.RATING, True, None),
        (QuestionArea.ORGANISATION, QuestionKind.RATING, True, None),
        (QuestionArea.CHANGE, QuestionKind.TEXT, False, None),
    ]
    questions = []
    for position, (area, kind, required, focus) in enumerate(plan):
        if focus is None:
            texts = _texts(course, lambda _locale, area=area: _template_label(area))
        else:
            texts = _texts(
                course,
                lambda locale, area=area, focus=focus: _template_label(area, focus.title(locale)),
            )
        questions.append(
            EvaluationQuestion(
                position=position,
                kind=kind,
                area=area,
                course_module=focus,
                is_required=required,
                texts=texts,
            )
        )
    return questions


def create_evaluation(course: Course, *, actor: Any, now: datetime | None = None) -> Evaluation:
    """The course's evaluation, made from the standard template if it has none yet."""
    if course.kind.is_event:
        raise InvalidEvaluation.single(_l("Events have no end-of-course evaluation."))
    found = evaluation_for(course)
    if found is not None:
        return found
    evaluation = Evaluation(
        course=course,
        created_at=now or now_utc(),
        created_by_id=actor_id(actor),
        questions=template_questions(course),
    )
    db.session.add(evaluation)
    db.session.flush()
    logger.info("evaluation %s made for %s by %s", evaluation.id, course.slug, actor_id(actor))
    return evaluation


def missing_module_questions(evaluation: Evaluation) -> list[Any]:
    """The course's modules (focuses) the evaluation asks nothing about: added to the course
    after the evaluation was made."""
    asked = {q.course_module_id for q in evaluation.questions if q.area == QuestionArea.MODULE}
    return [focus for focus in evaluation.course.focuses if focus.id not in asked]


def add_module_questions(evaluation: Evaluation, *, actor: Any) -> list[EvaluationQuestion]:
    """Ask about the modules added since the evaluation was made, each after the last module
    question (or, with none left, after the relevance question)."""
    check_editable(evaluation)
    missing = missing_module_questions(evaluation)
    if not missing:
        return []
    ordered = questions_in_order(evaluation)
    anchors = [
        i
        for i, q in enumerate(ordered)
        if q.area in (QuestionArea.MODULE, QuestionArea.OVERALL, QuestionArea.RELEVANCE)
    ]
    insert_at = anchors[-1] + 1 if anchors else 0
    course = evaluation.course
    added = [
        EvaluationQuestion(
            kind=QuestionKind.RATING,
            area=QuestionArea.MODULE,
            course_module=focus,
            is_required=True,
            texts=_texts(
                course,
                lambda locale, focus=focus: _template_label(
                    QuestionArea.MODULE, focus.title(locale)
                ),
            ),
        )
        for focus in missing
    ]
    ordered[insert_at:insert_at] = added
    for question in added:
        evaluation.questions.append(question)
    _renumber(ordered)
    db.session.flush()
    logger.info(
        "evaluation %s: %d module questions added by %s",
        evaluation.id,
        len(added),
        actor_id(actor),
    )
    return added


# --- editing questions -----------------------------------------------------------------------


@dataclass
class QuestionData:
    """A question as the editor's form hands it over: texts per language (``label`` empty for
    a language the organisers leave to the main language)."""

    kind: QuestionKind
    is_required: bool
    labels: dict[str, str]
    help_texts: dict[str, str]


def _check_question(evaluation: Evaluation, data: QuestionData) -> dict[str, tuple[str, str]]:
    """The texts to keep, per language; raises :class:`InvalidEvaluation`."""
    course = evaluation.course
    locales = course_locales(course)
    main = locales[0]
    errors: dict[str | None, list[Any]] = {}
    texts: dict[str, tuple[str, str]] = {}
    for locale in locales:
        label = (data.labels.get(locale) or "").strip()
        help_text = (data.help_texts.get(locale) or "").strip()
        if len(label) > LABEL_MAX_LENGTH:
            errors.setdefault(f"label_{locale}", []).append(
                _l("At most %(max)d characters.", max=LABEL_MAX_LENGTH)
            )
        if len(help_text) > HELP_MAX_LENGTH:
            errors.setdefault(f"help_{locale}", []).append(
                _l("At most %(max)d characters.", max=HELP_MAX_LENGTH)
            )
        if not label and help_text:
            errors.setdefault(f"label_{locale}", []).append(
                _l("Write the question in this language too, or remove its explanation.")
            )
        if label:
            texts[locale] = (label, help_text)
    if main not in texts:
        errors.setdefault(f"label_{main}", []).append(
            _l("Write the question in the course's main language.")
        )
    if data.kind not in (QuestionKind.RATING, QuestionKind.TEXT):
        errors.setdefault("kind", []).append(_l("Choose a rating or an open answer."))
    if errors:
        raise InvalidEvaluation(errors)
    return texts


def _apply_texts(question: EvaluationQuestion, texts: dict[str, tuple[str, str]]) -> None:
    by_locale = {t.locale: t for t in question.texts}
    for locale, existing in by_locale.items():
        if locale not in texts:
            question.texts.remove(existing)
    for locale, (label, help_text) in texts.items():
        if locale in by_locale:
            by_locale[locale].label = label
            by_locale[locale].help_text = help_text
        else:
            question.texts.append(
                EvaluationQuestionText(locale=locale, label=label, help_text=help_text)
            )


def add_question(
    evaluation: Evaluation, data: QuestionData, *, actor: Any, now: datetime | None = None
) -> EvaluationQuestion:
    """An own question, at the end."""
    check_editable(evaluation)
    texts = _check_question(evaluation, data)
    question = EvaluationQuestion(
        kind=data.kind,
        area=QuestionArea.CUSTOM,
        is_required=data.is_required,
        position=len(evaluation.questions),
        created_at=now or now_utc(),
    )
    _apply_texts(question, texts)
    evaluation.questions.append(question)
    _renumber(questions_in_order(evaluation))
    db.session.flush()
    logger.info(
        "evaluation %s: question %s added by %s", evaluation.id, question.id, actor_id(actor)
    )
    return question


def update_question(question: EvaluationQuestion, data: QuestionData, *, actor: Any) -> None:
    """Change a question's texts, kind or whether it must be answered."""
    evaluation = question.evaluation
    check_editable(evaluation)
    texts = _check_question(evaluation, data)
    question.kind = data.kind
    question.is_required = data.is_required
    _apply_texts(question, texts)
    db.session.flush()
    logger.info("evaluation question %s changed by %s", question.id, actor_id(actor))


def remove_question(question: EvaluationQuestion, *, actor: Any) -> None:
    evaluation = question.evaluation
    check_editable(evaluation)
    evaluation.questions.remove(question)
    db.session.delete(question)
    _renumber(questions_in_order(evaluation))
    db.session.flush()
    logger.info("evaluation question %s removed by %s", question.id, actor_id(actor))


def can_move(question: EvaluationQuestion, direction: Direction) -> bool:
    ordered = questions_in_order(question.evaluation)
    index = ordered.index(question)
    return index > 0 if direction == "up" else index < len(ordered) - 1


def move_question(question: EvaluationQuestion, direction: Direction, *, actor: Any) -> None:
    """Swap the question with the one before ("up") or after ("down") it."""
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', not {direction!r}")
    evaluation = question.evaluation
    check_editable(evaluation)
    if not can_move(question, direction):
        raise InvalidEvaluation.single(_l("This question is already at that end."))
    ordered = questions_in_order(evaluation)
    i = ordered.index(question)
    j = i - 1 if direction == "up" else i + 1
    ordered[i], ordered[j] = ordered[j], ordered[i]
    _renumber(ordered)
    db.session.flush()
    logger.info("evaluation question %s moved %s by %s", question.id, direction, actor_id(actor))


def _renumber(ordered: list[EvaluationQuestion]) -> None:
    for position, question in enumerate(ordered):
        question.position = position
