"""Shared set-up for the evaluation tests: the Turin workshop with its modules in three
languages, beside a busy sister course whose own evaluation is open and half answered."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.courses.models import Course, CourseModule
from app.evaluation import questionnaire
from app.evaluation.models import (
    Evaluation,
    EvaluationAnswer,
    EvaluationCompletion,
    EvaluationQuestion,
    EvaluationResponse,
)
from app.extensions import db
from app.modules.models import ModuleTranslation
from tests.factories import make_course, make_module, make_user
from tests.neighbours import Neighbour, guard, make_busy_course

# The neighbour's evaluation opened the Friday of its week, a week before the tests' course.
NEIGHBOUR_OPENED = datetime(2017, 11, 17, 8, 0, tzinfo=UTC)


def _evaluation_snapshot(course_id: int) -> dict[str, object]:
    evaluation = db.session.scalar(sa.select(Evaluation).where(Evaluation.course_id == course_id))
    assert evaluation is not None
    question_ids = sa.select(EvaluationQuestion.id).where(
        EvaluationQuestion.evaluation_id == evaluation.id
    )
    return {
        "evaluation": (
            evaluation.opened_at,
            evaluation.closed_at,
            evaluation.reminder_sent_at,
            evaluation.is_anonymous,
            evaluation.required_for_certificate,
        ),
        "questions": sorted(
            db.session.execute(
                sa.select(
                    EvaluationQuestion.id,
                    EvaluationQuestion.position,
                    EvaluationQuestion.kind,
                    EvaluationQuestion.is_required,
                ).where(EvaluationQuestion.evaluation_id == evaluation.id)
            ).all()
        ),
        "completions": sorted(
            db.session.execute(
                sa.select(
                    EvaluationCompletion.registration_id, EvaluationCompletion.completed_at
                ).where(EvaluationCompletion.evaluation_id == evaluation.id)
            ).all()
        ),
        "answers": sorted(
            db.session.execute(
                sa.select(
                    EvaluationAnswer.id, EvaluationAnswer.rating, EvaluationAnswer.text
                ).where(EvaluationAnswer.question_id.in_(question_ids))
            ).all()
        ),
        "responses": db.session.scalar(
            sa.select(sa.func.count()).where(EvaluationResponse.evaluation_id == evaluation.id)
        ),
    }


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    """The sister course (Turin, the week before), its evaluation open since its last day,
    answered by its first confirmed participant; no test may change any of it."""
    busy = make_busy_course(date(2017, 11, 13))
    evaluation = questionnaire.create_evaluation(busy.course, actor=None, now=NEIGHBOUR_OPENED)
    evaluation.opened_at = NEIGHBOUR_OPENED
    evaluation.required_for_certificate = True
    # Reminded already and open far beyond any clock a test passes in: a tick at the tests'
    # moments has nothing to do there.
    evaluation.closes_on = date(2100, 1, 1)
    evaluation.reminder_sent_at = NEIGHBOUR_OPENED + timedelta(days=3)
    response = EvaluationResponse(evaluation_id=evaluation.id)
    db.session.add(response)
    db.session.flush()
    for question in evaluation.questions:
        if question.kind.value == "rating":
            db.session.add(
                EvaluationAnswer(response_id=response.id, question_id=question.id, rating=4)
            )
    db.session.add(
        EvaluationCompletion(
            evaluation_id=evaluation.id,
            registration_id=busy.registrations[0].id,
            completed_at=NEIGHBOUR_OPENED,
        )
    )
    db.session.flush()
    course_id = busy.course.id
    db.session.commit()
    before = _evaluation_snapshot(course_id)
    yield from guard(busy)
    assert _evaluation_snapshot(course_id) == before, "the other course's evaluation changed"


@dataclass
class Workshop:
    course: Course
    organiser: object
    facilitator: object


@pytest.fixture
def workshop() -> Workshop:
    """*Governing migration at the local level*, Turin, Monday 20 to Friday 24 November 2017,
    taught in English and French (its main language English), with two toolbox modules (the
    first titled in French too) and a theme."""
    organiser = make_user(name="Olga Organiser")
    facilitator = make_user(name="Fatou Facilitator")
    first = make_module("M1", title="Migration and local governance")
    first.translations.append(
        ModuleTranslation(locale="fr", title="Migration et gouvernance locale", summary="Résumé")
    )
    second = make_module("M2", title="Inclusive service delivery")
    course = make_course(
        title="Governing migration at the local level",
        start=date(2017, 11, 20),
        organisers=(organiser,),
        facilitators=(facilitator,),
        modules=(first, second),
    )
    course.languages = "en,fr"
    course.focuses.append(CourseModule(position=2, theme="Working with diasporas"))
    db.session.flush()
    return Workshop(course=course, organiser=organiser, facilitator=facilitator)


def rating_answers(evaluation: Evaluation, rating: int = 4, text: str = "") -> dict[str, object]:
    """A full set of answers as the form posts them: every rating, and the open question."""
    answers: dict[str, object] = {}
    for question in evaluation.questions:
        if question.kind.value == "rating":
            answers[f"q{question.id}"] = str(rating)
        elif text:
            answers[f"q{question.id}"] = text
    return answers
