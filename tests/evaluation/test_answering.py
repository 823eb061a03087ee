"""Answering the evaluation: who, once, while open; and anonymity that holds in the tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.evaluation import answering, opening, questionnaire, services
from app.evaluation.models import (
    Evaluation,
    EvaluationAnswer,
    EvaluationCompletion,
    EvaluationResponse,
    QuestionKind,
)
from app.extensions import db
from app.registration.models import RegistrationStatus
from tests.evaluation.conftest import rating_answers
from tests.factories import make_course, make_registration, make_user

# Friday 24 November 2017, 10:00 in Turin: the last on-site day.
FRIDAY = datetime(2017, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def evaluation(workshop) -> Evaluation:
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None, now=FRIDAY)
    opening.open_evaluation(evaluation, actor=workshop.organiser, now=FRIDAY)
    return evaluation


def _confirmed(workshop, name: str = "Ana Souza", language: str = "en"):
    return make_registration(
        workshop.course, make_user(name=name, locale=language), language=language
    )


def test_a_confirmed_participant_answers_once(workshop, evaluation):
    ana = _confirmed(workshop)
    answers = rating_answers(evaluation, 5, "More time for the study visit.")
    completion = answering.submit_answers(evaluation, ana, answers, now=FRIDAY)

    assert (completion.registration_id, completion.completed_at) == (ana.id, FRIDAY)
    assert completion.response_id is None  # anonymous by default
    assert services.has_completed(ana)
    assert services.completed_registration_ids(workshop.course) == {ana.id}
    stored = answering.answers_for(evaluation)
    assert len(stored) == 8
    assert [a.rating for a in stored[:7]] == [5] * 7
    assert stored[7].text == "More time for the study visit."
    assert stored[7].rating is None
    assert answering.response_count(evaluation) == 1

    with pytest.raises(answering.AlreadyAnswered):
        answering.submit_answers(evaluation, ana, answers, now=FRIDAY + timedelta(hours=1))
    assert answering.response_count(evaluation) == 1
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(EvaluationAnswer)) == 8 + 4
    )  # the neighbour's four ratings


def test_a_second_submission_racing_the_first_writes_nothing(workshop, evaluation, monkeypatch):
    ana = _confirmed(workshop)
    answering.submit_answers(evaluation, ana, rating_answers(evaluation), now=FRIDAY)
    # The second request looked before the first had written its completion.
    monkeypatch.setattr(answering, "find_completion", lambda *_args: None)
    with pytest.raises(answering.AlreadyAnswered):
        answering.submit_answers(evaluation, ana, rating_answers(evaluation, 1), now=FRIDAY)
    assert answering.response_count(evaluation) == 1
    assert {a.rating for a in answering.answers_for(evaluation)} == {4}


def test_only_confirmed_participants_of_this_course_while_it_is_open(
    workshop, evaluation, neighbour
):
    answers = rating_answers(evaluation)
    for status in (
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.CANCELLED,
        RegistrationStatus.SUBMITTED,
        RegistrationStatus.REJECTED,
    ):
        registration = make_registration(workshop.course, status=status)
        with pytest.raises(answering.NotAllowed, match="Only confirmed participants"):
            answering.submit_answers(evaluation, registration, answers, now=FRIDAY)
    with pytest.raises(answering.NotAllowed, match="another course"):
        answering.submit_answers(evaluation, neighbour.registrations[1], answers, now=FRIDAY)

    ana = _confirmed(workshop)
    opening.close_evaluation(evaluation, actor=None, now=FRIDAY + timedelta(days=1))
    with pytest.raises(answering.NotAllowed, match="has closed"):
        answering.submit_answers(evaluation, ana, answers, now=FRIDAY + timedelta(days=1))
    other = make_course(slug="not-yet")
    unopened = questionnaire.create_evaluation(other, actor=None, now=FRIDAY)
    bruno = make_registration(other)
    with pytest.raises(answering.NotAllowed, match="not open yet"):
        answering.submit_answers(unopened, bruno, rating_answers(unopened), now=FRIDAY)
    assert answering.response_count(evaluation) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvaluationCompletion)) == 1


def test_required_questions_and_ratings_in_range(workshop, evaluation):
    ana = _confirmed(workshop)
    questions = services.questions_in_order(evaluation)
    answers = rating_answers(evaluation)
    answers[f"q{questions[0].id}"] = ""
    answers[f"q{questions[1].id}"] = "6"
    answers[f"q{questions[2].id}"] = "0"
    answers[f"q{questions[3].id}"] = "three"
    answers[f"q{questions[4].id}"] = " 3 "
    answers[f"q{questions[5].id}"] = "9" * 5000
    answers[f"q{questions[6].id}"] = "٣"  # an Arabic-Indic three
    answers[f"q{questions[7].id}"] = "x" * 5001
    with pytest.raises(answering.InvalidAnswers) as caught:
        answering.submit_answers(evaluation, ana, answers, now=FRIDAY)
    assert {k: [str(m) for m in v] for k, v in caught.value.errors.items()} == {
        f"q{questions[0].id}": ["Choose a rating."],
        f"q{questions[1].id}": ["Choose a rating from 1 to 5."],
        f"q{questions[2].id}": ["Choose a rating from 1 to 5."],
        f"q{questions[3].id}": ["Choose a rating from 1 to 5."],
        f"q{questions[5].id}": ["Choose a rating from 1 to 5."],
        f"q{questions[6].id}": ["Choose a rating from 1 to 5."],
        f"q{questions[7].id}": ["At most 5000 characters."],
    }
    assert not services.has_completed(ana)
    assert answering.response_count(evaluation) == 0


def test_answers_at_the_limits_are_taken_and_optional_ones_may_be_left(workshop, evaluation):
    questions = services.questions_in_order(evaluation)
    ana = _confirmed(workshop)
    answers = rating_answers(evaluation, 1)
    answers[f"q{questions[1].id}"] = "5"
    answers[f"q{questions[7].id}"] = "x" * 5000
    answering.submit_answers(evaluation, ana, answers, now=FRIDAY)
    bruno = _confirmed(workshop, "Bruno")
    answering.submit_answers(evaluation, bruno, rating_answers(evaluation, 3), now=FRIDAY)
    by_question: dict[int, list] = {}
    for answer in answering.answers_for(evaluation):
        by_question.setdefault(answer.question_id, []).append(answer.rating or answer.text)
    assert sorted(by_question[questions[0].id]) == [1, 3]
    assert sorted(by_question[questions[1].id]) == [3, 5]
    # Bruno left the open question: no row for him.
    assert by_question[questions[7].id] == ["x" * 5000]


def test_a_required_open_question_must_be_answered(workshop, evaluation):
    evaluation.opened_at = None
    change = services.questions_in_order(evaluation)[-1]
    questionnaire.update_question(
        change,
        questionnaire.QuestionData(
            kind=QuestionKind.TEXT,
            is_required=True,
            labels={"en": "What would you change?"},
            help_texts={},
        ),
        actor=None,
    )
    evaluation.opened_at = FRIDAY
    ana = _confirmed(workshop)
    answers = rating_answers(evaluation)
    answers[f"q{change.id}"] = "   "
    with pytest.raises(answering.InvalidAnswers) as caught:
        answering.submit_answers(evaluation, ana, answers, now=FRIDAY)
    assert [str(m) for m in caught.value.errors[f"q{change.id}"]] == [
        "Please answer this question."
    ]


# --- anonymity -------------------------------------------------------------------------------


def test_the_answer_tables_hold_nothing_that_names_or_dates_the_respondent(app):
    inspector = sa.inspect(db.engine)
    columns = {
        table: {c["name"] for c in inspector.get_columns(table)}
        for table in ("evaluation_response", "evaluation_answer")
    }
    assert columns == {
        "evaluation_response": {"id", "evaluation_id"},
        "evaluation_answer": {"id", "response_id", "question_id", "rating", "text"},
    }
    # Keys are text (random UUIDs), not counters.
    for table in ("evaluation_response", "evaluation_answer"):
        (key,) = inspector.get_pk_constraint(table)["constrained_columns"]
        kind = next(c["type"] for c in inspector.get_columns(table) if c["name"] == key)
        assert isinstance(kind, sa.String)
    foreign = {
        fk["referred_table"]
        for table in ("evaluation_response", "evaluation_answer")
        for fk in inspector.get_foreign_keys(table)
    }
    assert foreign == {"evaluation", "evaluation_response", "evaluation_question"}
    if db.engine.dialect.name == "sqlite":
        # No hidden rowid counting the inserts either.
        with db.engine.connect() as conn:
            for table in ("evaluation_response", "evaluation_answer"):
                with pytest.raises(sa.exc.OperationalError):
                    conn.execute(sa.text(f"SELECT rowid FROM {table}"))


def test_anonymous_answers_cannot_be_joined_back_to_who_gave_them(workshop, evaluation):
    people = [_confirmed(workshop, name) for name in ("Ana", "Bruno", "Chiara", "Dawit", "Eva")]
    for rating, person in enumerate(people, start=1):
        answering.submit_answers(
            evaluation,
            person,
            rating_answers(evaluation, rating),
            now=FRIDAY + timedelta(minutes=rating),
        )
    completions = db.session.execute(
        sa.select(EvaluationCompletion.registration_id, EvaluationCompletion.response_id)
        .where(EvaluationCompletion.evaluation_id == evaluation.id)
        .order_by(EvaluationCompletion.id)
    ).all()
    assert [c.registration_id for c in completions] == [p.id for p in people]
    assert all(c.response_id is None for c in completions)
    assert all(answering.respondent_of(evaluation, r.id) is None for r in _responses(evaluation))
    # Neither the key order nor the storage order follows the order they came in: with five
    # responses, the chance that both happen to match it is 1 in 14 400.
    ratings_by_key = _first_ratings(evaluation, order_by=EvaluationResponse.id)
    ratings_as_stored = _first_ratings(evaluation, order_by=None)
    assert sorted(ratings_by_key) == [1, 2, 3, 4, 5]
    assert not (ratings_by_key == [1, 2, 3, 4, 5] and ratings_as_stored == [1, 2, 3, 4, 5])


def _responses(evaluation: Evaluation) -> list[EvaluationResponse]:
    return list(
        db.session.scalars(
            sa.select(EvaluationResponse).where(EvaluationResponse.evaluation_id == evaluation.id)
        )
    )


def _first_ratings(evaluation: Evaluation, order_by) -> list[int]:
    first = services.questions_in_order(evaluation)[0]
    stmt = (
        sa.select(EvaluationAnswer.rating)
        .join(EvaluationResponse)
        .where(EvaluationAnswer.question_id == first.id)
    )
    if order_by is not None:
        stmt = stmt.order_by(order_by)
    return list(db.session.scalars(stmt))


def test_a_named_evaluation_keeps_the_link(workshop):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None, now=FRIDAY)
    evaluation.is_anonymous = False
    opening.open_evaluation(evaluation, actor=None, now=FRIDAY)
    ana, bruno = _confirmed(workshop, "Ana"), _confirmed(workshop, "Bruno")
    first = answering.submit_answers(evaluation, ana, rating_answers(evaluation, 2), now=FRIDAY)
    second = answering.submit_answers(evaluation, bruno, rating_answers(evaluation, 5), now=FRIDAY)
    assert first.response_id is not None and second.response_id is not None
    assert answering.respondent_of(evaluation, first.response_id) == ana
    assert answering.respondent_of(evaluation, second.response_id) == bruno
    assert {a.rating for a in first.response.answers} == {2}
    assert [c.registration for c in answering.completions(evaluation)] == [ana, bruno]


def test_my_courses_states(workshop, evaluation, neighbour):
    ana, bruno = _confirmed(workshop, "Ana"), _confirmed(workshop, "Bruno")
    waiting = make_registration(workshop.course, status=RegistrationStatus.WAITLISTED)
    answering.submit_answers(evaluation, ana, rating_answers(evaluation), now=FRIDAY)
    registrations = [ana, bruno, waiting, *neighbour.registrations[:2]]
    states = services.participant_states(registrations)
    # The neighbour's first participant answered its own course's evaluation.
    assert states == {
        ana.id: "answered",
        bruno.id: "open",
        neighbour.registrations[0].id: "answered",
        neighbour.registrations[1].id: "open",
    }
    opening.close_evaluation(evaluation, actor=None, now=FRIDAY)
    assert services.participant_states([ana, bruno]) == {ana.id: "answered", bruno.id: "closed"}
    assert services.participant_states([waiting]) == {}
    assert services.participant_states([]) == {}


def test_answers_come_by_question_position_and_completions_by_time(workshop):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None, now=FRIDAY)
    evaluation.is_anonymous = False
    # The last question (the open one) moved first: positions no longer follow ids.
    change = services.questions_in_order(evaluation)[-1]
    for _step in range(7):
        questionnaire.move_question(change, "up", actor=None)
    opening.open_evaluation(evaluation, actor=None, now=FRIDAY)
    ana, bruno = _confirmed(workshop, "Ana"), _confirmed(workshop, "Bruno")
    # Bruno's answers are written second but carry the earlier time.
    answering.submit_answers(evaluation, ana, rating_answers(evaluation, 2, "A"), now=FRIDAY)
    answering.submit_answers(
        evaluation, bruno, rating_answers(evaluation, 5, "B"), now=FRIDAY - timedelta(hours=1)
    )
    stored = answering.answers_for(evaluation)
    assert [a.question_id for a in stored][:2] == [change.id, change.id]
    assert sorted(a.text for a in stored[:2]) == ["A", "B"]
    ordered = services.questions_in_order(evaluation)
    assert [a.question_id for a in stored] == [q.id for q in ordered for _ in range(2)]
    # Within a question, by the random key.
    assert [a.id for a in stored[:2]] == sorted(a.id for a in stored[:2])
    assert [c.registration for c in answering.completions(evaluation)] == [bruno, ana]
