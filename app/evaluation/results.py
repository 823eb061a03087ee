"""The results of a course's evaluation and session ratings, their CSV export, and the same
course compared across its editions. For organisers and facilitators (the routes check).

What the results show, and what they never show:

- the response rate: completions over the course's confirmed participants;
- per rating question, the distribution and mean (charts and a table from
  :mod:`app.evaluation.charts`); per open question, the answers sorted by their text (an
  order that says nothing of who wrote them or when);
- module questions one per module and session ratings one per session, but only from
  ``MIN_BREAKDOWN`` responses (a session: ratings) up: below it, a module's or a session's
  handful of answers would point at people, so they are pooled into one distribution for all
  modules, or all such sessions, and the page says so;
- the CSV: one line per response, questions as columns, every cell safe from spreadsheet
  formulas; for an anonymous evaluation no name at all and lines in the responses' random key
  order; for a named one the participant's name first, lines by name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.core import spreadsheets
from app.courses.editions import other_editions
from app.courses.models import Course, CourseModule
from app.courses.permissions import can_see_participants
from app.evaluation import ratings
from app.evaluation.charts import Distribution, distribution_of
from app.evaluation.models import (
    MIN_BREAKDOWN,
    Evaluation,
    EvaluationAnswer,
    EvaluationCompletion,
    EvaluationQuestion,
    EvaluationResponse,
    QuestionArea,
    QuestionKind,
)
from app.evaluation.services import evaluation_for
from app.extensions import db
from app.registration.models import Registration, RegistrationStatus


@dataclass(frozen=True)
class QuestionResult:
    question: EvaluationQuestion
    label: str
    distribution: Distribution | None = None  # rating questions
    texts: list[str] = field(default_factory=list)  # open questions

    @property
    def is_rating(self) -> bool:
        return self.distribution is not None


@dataclass(frozen=True)
class SessionGroup:
    """Session ratings as shown: one session with enough ratings, or the pool of those with
    fewer (``session`` None)."""

    title: str
    distribution: Distribution
    comments: list[str]
    session: Any = None


@dataclass(frozen=True)
class CourseResults:
    course: Course
    evaluation: Evaluation | None
    confirmed: int
    completed: int
    responses: int
    questions: list[QuestionResult]  # all but the module questions, in order
    modules: list[QuestionResult]  # one per module question (from MIN_BREAKDOWN responses)
    modules_pooled: Distribution | None  # all module questions together (below it)
    sessions: list[SessionGroup]
    sessions_pooled: SessionGroup | None
    ratings_enabled: bool

    @property
    def rate(self) -> float | None:
        """Completions over confirmed participants (None without any participant)."""
        return self.completed / self.confirmed if self.confirmed else None

    @property
    def is_broken_down(self) -> bool:
        return self.responses >= MIN_BREAKDOWN


def confirmed_count(course: Course) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                Registration.course_id == course.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
        or 0
    )


def _completed_count(evaluation: Evaluation) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(EvaluationCompletion.evaluation_id == evaluation.id)
        )
        or 0
    )


def _response_count(evaluation: Evaluation) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(EvaluationResponse.evaluation_id == evaluation.id)
        )
        or 0
    )


def _questions(evaluation: Evaluation) -> list[EvaluationQuestion]:
    """The questions in order with their texts and modules (a fixed number of queries)."""
    stmt = (
        sa.select(EvaluationQuestion)
        .where(EvaluationQuestion.evaluation_id == evaluation.id)
        .options(
            selectinload(EvaluationQuestion.texts),
            selectinload(EvaluationQuestion.course_module).selectinload(CourseModule.module),
        )
        .order_by(EvaluationQuestion.position, EvaluationQuestion.id)
    )
    return list(db.session.scalars(stmt))


def _answers(evaluation: Evaluation) -> dict[int, list[EvaluationAnswer]]:
    """Every answer by question, in one query; within a question by the random key."""
    stmt = (
        sa.select(EvaluationAnswer)
        .join(EvaluationResponse, EvaluationAnswer.response_id == EvaluationResponse.id)
        .where(EvaluationResponse.evaluation_id == evaluation.id)
        .order_by(EvaluationAnswer.id)
    )
    found: dict[int, list[EvaluationAnswer]] = defaultdict(list)
    for answer in db.session.scalars(stmt):
        found[answer.question_id].append(answer)
    return found


def _result(
    question: EvaluationQuestion, answers: list[EvaluationAnswer], responses: int, locale: str
) -> QuestionResult:
    label = question.label(locale)
    if question.kind == QuestionKind.RATING:
        ratings_given = [a.rating for a in answers if a.rating is not None]
        # A response without this question's answer left it unanswered.
        unanswered = [None] * (responses - len(ratings_given))
        return QuestionResult(question, label, distribution_of([*ratings_given, *unanswered]))
    texts = sorted((a.text for a in answers if a.text.strip()), key=lambda t: (t.casefold(), t))
    return QuestionResult(question, label, texts=texts)


def pooled(distributions: Sequence[Distribution]) -> Distribution:
    """Several distributions of the same scale as one."""
    if not distributions:
        return Distribution((0,) * 5)
    points = len(distributions[0].counts)
    counts = tuple(sum(d.counts[i] for d in distributions) for i in range(points))
    return Distribution(counts, sum(d.no_answer for d in distributions))


def _session_groups(course: Course) -> tuple[list[SessionGroup], SessionGroup | None]:
    shown: list[SessionGroup] = []
    few: list[ratings.SessionSummary] = []
    for summary in ratings.session_summaries(course):
        if summary.responses >= MIN_BREAKDOWN:
            shown.append(
                SessionGroup(
                    summary.session.title, summary.distribution, summary.comments, summary.session
                )
            )
        elif summary.responses:
            few.append(summary)
    if not few:
        return shown, None
    comments = sorted((c for s in few for c in s.comments), key=lambda t: (t.casefold(), t))
    return shown, SessionGroup("", pooled([s.distribution for s in few]), comments)


def course_results(course: Course, locale: str) -> CourseResults:
    """Everything the results page shows, in a number of queries that does not grow with the
    responses, the questions or the sessions."""
    evaluation = evaluation_for(course)
    questions: list[QuestionResult] = []
    modules: list[QuestionResult] = []
    modules_pooled = None
    completed = responses = 0
    if evaluation is not None:
        completed = _completed_count(evaluation)
        responses = _response_count(evaluation)
        answers = _answers(evaluation)
        module_results = []
        for question in _questions(evaluation):
            result = _result(question, answers.get(question.id, []), responses, locale)
            if question.area == QuestionArea.MODULE and result.is_rating:
                module_results.append(result)
            else:
                questions.append(result)
        if responses >= MIN_BREAKDOWN:
            modules = module_results
        elif module_results:
            modules_pooled = pooled(
                [r.distribution for r in module_results if r.distribution is not None]
            )
    sessions, sessions_pooled = _session_groups(course)
    return CourseResults(
        course=course,
        evaluation=evaluation,
        confirmed=confirmed_count(course),
        completed=completed,
        responses=responses,
        questions=questions,
        modules=modules,
        modules_pooled=modules_pooled,
        sessions=sessions,
        sessions_pooled=sessions_pooled,
        ratings_enabled=ratings.is_enabled(course),
    )


# --- the CSV ------------------------------------------------------------------------------------


def _respondent_names(evaluation: Evaluation) -> dict[str, str]:
    """The name of who gave each response of a named evaluation, by response key."""
    stmt = (
        sa.select(EvaluationCompletion.response_id, Registration.certificate_name)
        .join(EvaluationCompletion.registration)
        .where(EvaluationCompletion.evaluation_id == evaluation.id)
    )
    return {response_id: name for response_id, name in db.session.execute(stmt)}


def export_rows(evaluation: Evaluation, locale: str) -> tuple[list[str], list[list[str]]]:
    """The header and one line per response. Anonymous: no name, lines by the random key of
    the response; named: the participant's name first (empty if their registration is gone),
    lines by name."""
    questions = _questions(evaluation)
    stmt = (
        sa.select(EvaluationResponse)
        .where(EvaluationResponse.evaluation_id == evaluation.id)
        .options(selectinload(EvaluationResponse.answers))
        .order_by(EvaluationResponse.id)
    )
    responses = list(db.session.scalars(stmt))
    header = [q.label(locale) for q in questions]
    names = None if evaluation.is_anonymous else _respondent_names(evaluation)
    if names is not None:
        header.insert(0, _("Name"))
        responses.sort(key=lambda r: (names.get(r.id, "").casefold(), r.id))
    lines = []
    for response in responses:
        by_question = {a.question_id: a for a in response.answers}
        line = [] if names is None else [names.get(response.id, "")]
        for question in questions:
            answer = by_question.get(question.id)
            if answer is None:
                line.append("")
            else:
                # A rating answer holds its rating, an open answer its text.
                line.append(answer.text if answer.rating is None else str(answer.rating))
        lines.append(line)
    return header, lines


def to_csv(header: list[str], lines: list[list[str]]) -> bytes:
    """UTF-8 with a byte-order mark (Excel), CRLF line ends, every cell quoted and safe from
    formulas (app/core/spreadsheets.py)."""
    return spreadsheets.to_csv(header, lines)


# --- editions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edition:
    course: Course
    label: str
    responses: int
    confirmed: int
    completed: int
    # Rating questions by key: the distribution (module questions only from MIN_BREAKDOWN).
    by_key: dict[str, Distribution]


@dataclass(frozen=True)
class ComparedQuestion:
    key: str
    label: str
    # One per edition, in the editions' order: None where that edition has no such question
    # (or holds it back below MIN_BREAKDOWN).
    distributions: list[Distribution | None]


@dataclass(frozen=True)
class Comparison:
    editions: list[Edition]
    questions: list[ComparedQuestion]
    hidden: int  # editions the viewer may not see the results of

    def panels(self, question: ComparedQuestion) -> list[tuple[str, Distribution]]:
        """The small multiples of a question: (edition label, distribution) where it has one."""
        found = question.distributions
        return [
            (edition.label, found[i])
            for i, edition in enumerate(self.editions)
            if found[i] is not None
        ]


def _label_editions(courses: list[Course]) -> list[str]:
    years = [c.start_date.year for c in courses]
    return [
        str(c.start_date.year) if years.count(c.start_date.year) == 1 else c.start_date.isoformat()
        for c in courses
    ]


def compare_editions(
    course: Course,
    viewer: Any,
    locale: str,
    *,
    may_see: Callable[[Any, Course], bool] | None = None,
) -> Comparison:
    """The course and its other editions, oldest first, each with its rating questions by
    key; rows in the order of this course's questions, then those only other editions ask.
    Editions whose results the viewer may not see are left out and counted."""
    may_see = may_see or can_see_participants
    family = sorted([course, *other_editions(course)], key=lambda c: (c.start_date, c.id))
    visible = [c for c in family if c.id == course.id or may_see(viewer, c)]
    labels = _label_editions(visible)
    editions: list[Edition] = []
    titles: dict[str, str] = {}
    own_keys: list[str] = []
    other_keys: list[str] = []
    for edition_course, label in zip(visible, labels, strict=True):
        evaluation = evaluation_for(edition_course)
        by_key: dict[str, Distribution] = {}
        responses = completed = 0
        if evaluation is not None:
            responses = _response_count(evaluation)
            completed = _completed_count(evaluation)
            answers = _answers(evaluation)
            for question in _questions(evaluation):
                if question.kind != QuestionKind.RATING:
                    continue
                if question.area == QuestionArea.MODULE and responses < MIN_BREAKDOWN:
                    continue
                result = _result(question, answers.get(question.id, []), responses, locale)
                assert result.distribution is not None
                by_key[question.key] = result.distribution
                if edition_course.id == course.id:
                    titles[question.key] = result.label
                    own_keys.append(question.key)
                else:
                    titles.setdefault(question.key, result.label)
                    other_keys.append(question.key)
        editions.append(
            Edition(
                course=edition_course,
                label=label,
                responses=responses,
                confirmed=confirmed_count(edition_course),
                completed=completed,
                by_key=by_key,
            )
        )
    keys = list(dict.fromkeys([*own_keys, *other_keys]))
    questions = [
        ComparedQuestion(key, titles[key], [e.by_key.get(key) for e in editions]) for key in keys
    ]
    return Comparison(editions, questions, hidden=len(family) - len(visible))
