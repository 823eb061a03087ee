"""Completing the evaluation as a condition of the certificate."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.certificates.services import certificate_eligibility, course_certificates
from app.evaluation import answering, opening, questionnaire, services
from app.extensions import db
from app.registration.models import Attendance, Registration
from tests.courses.test_query_counts import count_queries
from tests.evaluation.conftest import rating_answers
from tests.factories import make_registration, make_user

AFTER = datetime(2017, 11, 30, 12, 0, tzinfo=UTC)
REASON = (
    "Evaluation not completed yet: answer the end-of-course evaluation (linked from “My "
    "courses”) while it is open."
)


def _present(registration) -> None:
    registration.attendance.extend(
        Attendance(day=day, is_present=True) for day in registration.course.day_dates
    )


def _reasons(eligibility) -> list[str]:
    return [str(reason) for reason in eligibility.reasons]


def test_required_evaluation_holds_the_certificate_back_until_answered(workshop):
    ana = make_registration(workshop.course)
    _present(ana)
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None)
    opening.open_evaluation(evaluation, actor=None, now=services.opens_at(evaluation))
    # Not a condition: eligible without answering.
    assert certificate_eligibility(ana, now=AFTER).is_eligible
    assert not services.blocks_certificate(ana)

    evaluation.required_for_certificate = True
    assert services.is_required_for_certificate(workshop.course)
    eligibility = certificate_eligibility(ana, now=AFTER)
    assert _reasons(eligibility) == [REASON]
    assert eligibility.evaluation_missing
    answering.submit_answers(evaluation, ana, rating_answers(evaluation), now=AFTER)
    eligibility = certificate_eligibility(ana, now=AFTER)
    assert eligibility.is_eligible and not eligibility.evaluation_missing


def test_no_evaluation_no_condition(workshop):
    ana = make_registration(workshop.course)
    _present(ana)
    assert not services.is_required_for_certificate(workshop.course)
    assert certificate_eligibility(ana, now=AFTER).is_eligible


def test_the_overview_asks_once_for_everyone(workshop, neighbour):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None)
    evaluation.required_for_certificate = True
    evaluation.closes_on = date(2099, 1, 1)
    neighbour_ids = [r.id for r in neighbour.registrations[:2]]
    opening.open_evaluation(evaluation, actor=None, now=services.opens_at(evaluation))
    people = [make_registration(workshop.course, make_user(name=f"P{i}")) for i in range(4)]
    for person in people:
        _present(person)
    for person in people[:2]:
        answering.submit_answers(evaluation, person, rating_answers(evaluation), now=AFTER)
    db.session.commit()
    course_id = workshop.course.id

    def overview():
        course = db.session.get(type(workshop.course), course_id)
        return course_certificates(course, now=AFTER)

    with count_queries() as statements:
        rows = overview()
    assert [e.evaluation_missing for _r, e, _c in rows] == [False, False, True, True]
    assert [e.is_eligible for _r, e, _c in rows] == [True, True, False, False]
    evaluation_queries = [s for s in statements if "evaluation" in s]
    assert len(evaluation_queries) == 2
    # The neighbour's participant answered its evaluation; its other one did not.
    first, second = (db.session.get(Registration, i) for i in neighbour_ids)
    assert not services.blocks_certificate(first)
    assert services.blocks_certificate(second)
