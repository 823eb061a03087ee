"""Two organisers issuing at the same moment: each letter is issued once, with one reference,
and the year's numbers run on without a repeat (meant for PostgreSQL; SQLite serialises the
two transactions)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from app.accounts.models import Role, User
from app.courses.models import Course
from app.extensions import db
from app.mail.models import OutboxMessage
from app.visas import services
from app.visas.models import VisaLetterRequest
from tests.factories import make_registration, make_user
from tests.visas.conftest import BEFORE, details, requests


@pytest.fixture
def pending(course):
    names = ["Tesfaye Bekele", "Tesfaye Bekele Alemu", "Ana Souza", "Ana Sousa", "Lucía Pérez"]
    letters = []
    for name in names:
        registration = make_registration(course, make_user(name=name))
        letters.append(
            services.request_letter(registration, details(), actor=registration.user, now=BEFORE)
        )
    db.session.commit()
    return letters


def run_together(app, work: list[Callable[[], object]]) -> list[object]:
    results: list[object] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(work))

    def run(job: Callable[[], object]) -> None:
        with app.app_context():
            try:
                barrier.wait()
                results.append(job())
                db.session.commit()
            except BaseException as error:
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "deadlocked"
    return results + errors


def issue_all_job(course_id: int, organiser_id: int) -> Callable[[], object]:
    def job() -> object:
        course = db.session.get(Course, course_id)
        organiser = db.session.get(User, organiser_id)
        services.course_requests(course)  # both read the pending list before either writes
        return sorted(r.reference for r in services.issue_all(course, actor=organiser, now=BEFORE))

    return job


def test_two_organisers_issue_all_at_once_and_each_letter_is_issued_once(
    app, course, organiser, pending
):
    second = make_user(Role.ORGANISER, name="Oscar Organiser")
    db.session.commit()
    results = run_together(
        app, [issue_all_job(course.id, organiser.id), issue_all_job(course.id, second.id)]
    )
    assert all(isinstance(r, list) for r in results), results
    issued = sorted(results, key=len)
    db.session.expire_all()
    letters = requests()
    assert all(letter.is_issued for letter in letters)
    references = sorted(letter.reference for letter in letters)
    # One click issued all five, the other none; no letter has two numbers.
    assert [len(r) for r in issued] == [0, 5]
    assert issued[1] == references
    year = BEFORE.year
    # The neighbour's letter is number 1 of the year; ours follow without a gap or repeat.
    assert references == [f"VISA-{year}-{n:04d}" for n in range(2, 7)]
    mails = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    assert mails == 5


def test_one_letter_and_issue_all_at_once_neither_repeat_nor_deadlock(
    app, course, organiser, pending
):
    target = pending[0].id  # the first issue_all claims: the order that could deadlock

    def issue_one() -> object:
        letter = db.session.get(VisaLetterRequest, target)
        try:
            services.issue(letter, actor=db.session.get(User, organiser.id), now=BEFORE)
        except services.NotAllowed as refused:
            return str(refused.message)
        return [letter.reference]

    results = run_together(app, [issue_one, issue_all_job(course.id, organiser.id)])
    assert not [r for r in results if isinstance(r, BaseException)], results
    db.session.expire_all()
    letters = requests()
    assert all(letter.is_issued for letter in letters)
    references = [letter.reference for letter in letters]
    assert len(set(references)) == 5
    year = BEFORE.year
    assert sorted(references) == [f"VISA-{year}-{n:04d}" for n in range(2, 7)]
