"""Answering the evaluation, and reading the answers back.

Who may answer: a confirmed participant of the course, once, while the evaluation is open.
Submitting writes, in the caller's one transaction, the :class:`EvaluationCompletion` (who and
when) and the :class:`EvaluationResponse` with its :class:`EvaluationAnswer` rows (what), the
completion pointing at the response only when the evaluation is not anonymous. The completion
goes in first, through an INSERT that a second, simultaneous submission cannot also make: the
loser gets :class:`AlreadyAnswered` and writes nothing.

For the results pages: :func:`answers_for` (every answer of an evaluation with its question, in
question order, never in the order they came) and :func:`response_count`; for a non-anonymous
evaluation, :func:`respondent_of` names the registration behind a response.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from app.db import now_utc
from app.evaluation.models import (
    RATING_MAX,
    RATING_MIN,
    Evaluation,
    EvaluationAnswer,
    EvaluationCompletion,
    EvaluationQuestion,
    EvaluationResponse,
    QuestionKind,
)
from app.evaluation.services import EvaluationError, questions_in_order
from app.extensions import db
from app.registration.models import Registration, RegistrationStatus

logger = logging.getLogger(__name__)

TEXT_MAX_LENGTH = 5000
_RATING_VALUES = {str(value) for value in range(RATING_MIN, RATING_MAX + 1)}


class NotAllowed(EvaluationError):
    """This registration may not answer (not a confirmed participant, not open...)."""


class AlreadyAnswered(EvaluationError):
    """The registration has already completed the evaluation."""


class InvalidAnswers(EvaluationError):
    """Some answers are missing or out of range; ``errors`` is keyed ``q<question id>``."""


def field_name(question: EvaluationQuestion) -> str:
    return f"q{question.id}"


def find_completion(
    evaluation: Evaluation, registration: Registration
) -> EvaluationCompletion | None:
    return db.session.scalar(
        sa.select(EvaluationCompletion).where(
            EvaluationCompletion.evaluation_id == evaluation.id,
            EvaluationCompletion.registration_id == registration.id,
        )
    )


def refusal(evaluation: Evaluation, registration: Registration) -> Any | None:
    """Why ``registration`` may not answer now (a lazy message), or ``None`` if it may."""
    if registration.course_id != evaluation.course_id:
        return _l("This evaluation belongs to another course.")
    if registration.status != RegistrationStatus.CONFIRMED:
        return _l("Only confirmed participants answer the course evaluation.")
    if not evaluation.has_opened:
        return _l("The evaluation is not open yet.")
    if evaluation.is_closed:
        return _l("The evaluation has closed.")
    return None


def check_answers(evaluation: Evaluation, raw: dict[str, Any]) -> dict[int, int | str]:
    """The answers to keep (question id → rating or text) from the form's values, keyed by
    :func:`field_name`; raises :class:`InvalidAnswers` naming each question at fault."""
    errors: dict[str | None, list[Any]] = {}
    kept: dict[int, int | str] = {}
    for question in questions_in_order(evaluation):
        name = field_name(question)
        value = raw.get(name)
        text = "" if value is None else str(value).strip()
        if not text:
            if question.is_required:
                errors[name] = [
                    _l("Choose a rating.")
                    if question.kind == QuestionKind.RATING
                    else _l("Please answer this question.")
                ]
            continue
        if question.kind == QuestionKind.RATING:
            # Compared as text: a form may post anything, a 5000-digit number included.
            if text not in _RATING_VALUES:
                errors[name] = [
                    _l("Choose a rating from %(low)d to %(high)d.", low=RATING_MIN, high=RATING_MAX)
                ]
                continue
            kept[question.id] = int(text)
        else:
            if len(text) > TEXT_MAX_LENGTH:
                errors[name] = [_l("At most %(max)d characters.", max=TEXT_MAX_LENGTH)]
                continue
            kept[question.id] = text
    if errors:
        raise InvalidAnswers(errors)
    return kept


def submit_answers(
    evaluation: Evaluation,
    registration: Registration,
    raw: dict[str, Any],
    *,
    now: datetime | None = None,
) -> EvaluationCompletion:
    """Record that ``registration`` completed the evaluation and store its answers."""
    reason = refusal(evaluation, registration)
    if reason is not None:
        raise NotAllowed.single(reason)
    if find_completion(evaluation, registration) is not None:
        raise AlreadyAnswered.single(_l("You have already answered this evaluation. Thank you!"))
    answers = check_answers(evaluation, raw)
    now = now or now_utc()
    if not _insert_completion(evaluation, registration, now):
        # Another request completed it between our look and our insert.
        raise AlreadyAnswered.single(_l("You have already answered this evaluation. Thank you!"))
    completion = find_completion(evaluation, registration)
    assert completion is not None
    response = EvaluationResponse(evaluation_id=evaluation.id)
    for question_id, value in answers.items():
        if isinstance(value, int):
            response.answers.append(EvaluationAnswer(question_id=question_id, rating=value))
        else:
            response.answers.append(EvaluationAnswer(question_id=question_id, text=value))
    db.session.add(response)
    db.session.flush()
    if not evaluation.is_anonymous:
        completion.response_id = response.id
        db.session.flush()
    # The log names the person, never the response: it would undo the anonymity.
    logger.info("evaluation %s completed by registration %s", evaluation.id, registration.id)
    return completion


def _insert_completion(evaluation: Evaluation, registration: Registration, now: datetime) -> bool:
    """INSERT the completion unless one exists (the database decides between two simultaneous
    submissions); whether this one did."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = db.session.execute(
        insert(EvaluationCompletion)
        .values(evaluation_id=evaluation.id, registration_id=registration.id, completed_at=now)
        .on_conflict_do_nothing()
        # RETURNING says whether a row went in on every driver (rowcount is not dependable).
        .returning(EvaluationCompletion.id)
    )
    return result.scalar() is not None


# --- reading the answers back ----------------------------------------------------------------


def response_count(evaluation: Evaluation) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(EvaluationResponse.evaluation_id == evaluation.id)
        )
        or 0
    )


def answers_for(evaluation: Evaluation) -> list[EvaluationAnswer]:
    """Every answer of the evaluation, ordered by question position then by the random key
    (never by arrival), each with its ``question`` and ``response_id`` loaded."""
    stmt = (
        sa.select(EvaluationAnswer)
        .join(EvaluationResponse, EvaluationAnswer.response_id == EvaluationResponse.id)
        .join(EvaluationQuestion, EvaluationAnswer.question_id == EvaluationQuestion.id)
        .where(EvaluationResponse.evaluation_id == evaluation.id)
        .order_by(EvaluationQuestion.position, EvaluationQuestion.id, EvaluationAnswer.id)
        .options(selectinload(EvaluationAnswer.question))
    )
    return list(db.session.scalars(stmt))


def respondent_of(evaluation: Evaluation, response_id: str) -> Registration | None:
    """The registration that gave a response, for an evaluation that is not anonymous (always
    ``None`` for an anonymous one: nothing links them)."""
    if evaluation.is_anonymous:
        return None
    return db.session.scalar(
        sa.select(Registration)
        .join(EvaluationCompletion, EvaluationCompletion.registration_id == Registration.id)
        .where(
            EvaluationCompletion.evaluation_id == evaluation.id,
            EvaluationCompletion.response_id == response_id,
        )
    )


def completions(evaluation: Evaluation) -> list[EvaluationCompletion]:
    """Who completed it, with when, by completion time (the organisers' list)."""
    stmt = (
        sa.select(EvaluationCompletion)
        .where(EvaluationCompletion.evaluation_id == evaluation.id)
        .options(selectinload(EvaluationCompletion.registration))
        .order_by(EvaluationCompletion.completed_at, EvaluationCompletion.id)
    )
    return list(db.session.scalars(stmt))
