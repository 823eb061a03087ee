"""The checklist's lines for work returned for revision and for the evaluation, when the
certificate asks for it (dates in Turin's time)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from app.evaluation import answering, opening, questionnaire
from app.evaluation.models import QuestionKind
from app.extensions import db
from app.followup import handins
from app.followup.models import FeedbackDecision
from app.progress import services
from app.progress.services import ANY, ATTENDANCE, EVALUATION, State
from tests.certificates.conftest import attend
from tests.factories import make_registration, make_user

ROME = ZoneInfo("Europe/Rome")


def rome(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ROME).astimezone(UTC)


def line(checklist, key: str) -> services.Requirement:
    [found] = [r for r in checklist.requirements if r.key == key]
    return found


def test_returned_work_is_to_hand_in_again_then_waits_again(
    course, participant, required_assignment, organiser
):
    registration = make_registration(course, participant)
    key = f"activity-{required_assignment.id}"
    version = handins.hand_in(
        registration,
        required_assignment,
        text="Plan, first draft",
        link="",
        actor=participant,
        now=rome(date(2017, 12, 10)),
    )
    handins.give_feedback(
        version.submission,
        version_id=version.id,
        decision=FeedbackDecision.RETURNED,
        comment="Add a budget and who does what.",
        actor=organiser,
        now=rome(date(2017, 12, 12), 0, 30),  # 23:30 UTC on the 11th: the 12th in Turin
    )
    returned = line(services.checklist(registration, now=rome(date(2017, 12, 13))), key)
    assert returned.state == State.RETURNED and not returned.is_met
    assert str(returned.detail) == (
        "Returned for revision on Tue 12 Dec: read the team's feedback and hand it in again."
    )
    handins.hand_in(
        registration,
        required_assignment,
        text="Plan with a budget",
        link="",
        actor=participant,
        now=rome(date(2017, 12, 14)),
    )
    again = line(services.checklist(registration, now=rome(date(2017, 12, 14))), key)
    assert again.state == State.WAITING
    assert str(again.detail).startswith("Handed in on Thu 14 Dec;")


@pytest.fixture
def evaluation(course, organiser):
    evaluation = questionnaire.create_evaluation(
        course, actor=organiser, now=rome(date(2017, 11, 1))
    )
    evaluation.required_for_certificate = True
    evaluation.closes_on = date(2017, 12, 8)
    db.session.commit()
    return evaluation


def answer(evaluation, registration, now):
    raw = {
        answering.field_name(q): "4" for q in evaluation.questions if q.kind == QuestionKind.RATING
    }
    answering.submit_answers(evaluation, registration, raw, now=now)


def test_the_evaluation_line_before_while_open_answered_and_closed(
    course, participant, organiser, evaluation
):
    registration = make_registration(course, participant)
    attend(registration, 5)
    other = make_registration(course, make_user(name="Ana Sørensen Lima"))
    attend(other, 5)
    db.session.commit()
    ahead = line(services.checklist(registration, now=rome(date(2017, 11, 20))), EVALUATION)
    assert ahead.state == State.TODO
    assert str(ahead.title) == "Answer the course's evaluation"
    assert str(ahead.detail) == "Opens on Fri 24 Nov, until Fri 8 Dec."

    opening.open_evaluation(evaluation, actor=None, now=rome(date(2017, 11, 24), 0))
    now = rome(date(2017, 11, 27))
    open_now = services.checklist(registration, now=now)
    assert str(line(open_now, EVALUATION).detail) == "Open until Fri 8 Dec."
    assert not open_now.is_eligible and open_now.lacks(EVALUATION)

    answer(evaluation, registration, now)
    done = services.checklist(registration, now=now)
    assert line(done, EVALUATION).state == State.DONE
    assert done.is_eligible and done.missing == []

    opening.close_evaluation(evaluation, actor=None, now=rome(date(2017, 12, 9), 0))
    missed = line(services.checklist(other, now=rome(date(2017, 12, 10))), EVALUATION)
    assert missed.state == State.MISSED
    assert str(missed.detail) == (
        "It closed on Fri 8 Dec without your answer: speak to the organisers."
    )


def test_the_matrix_has_an_evaluation_column_only_when_the_certificate_asks_for_it(
    course, participant, organiser, evaluation
):
    registration = make_registration(course, participant)
    attend(registration, 5)
    late = make_registration(course, make_user(name="Ana Souza"))
    attend(late, 5)
    opening.open_evaluation(evaluation, actor=None, now=rome(date(2017, 11, 24), 0))
    answer(evaluation, registration, rome(date(2017, 11, 25)))
    db.session.commit()
    now = rome(date(2017, 11, 30))
    matrix = services.progress_matrix(course, now=now)
    assert [key for key, _title in matrix.columns] == [ATTENDANCE, EVALUATION]
    assert matrix.eligible == 1
    owing = services.progress_matrix(course, missing=EVALUATION, now=now)
    assert [r.registration.certificate_name for r in owing.rows] == ["Ana Souza"]
    assert [
        r.registration.certificate_name
        for r in services.progress_matrix(course, missing=ANY, now=now).rows
    ] == ["Ana Souza"]
    evaluation.required_for_certificate = False
    db.session.commit()
    relaxed = services.progress_matrix(course, now=now)
    assert [key for key, _title in relaxed.columns] == [ATTENDANCE]
    assert relaxed.eligible == 2
