"""Capacity under fire: many people apply in the same instant, each in their own worker
(thread, connection and transaction), against the real database (SQLite or PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter

import sqlalchemy as sa
from flask import Flask

from app.accounts.models import User
from app.courses.models import Course
from app.extensions import db
from app.registration import services
from app.registration.models import Registration, RegistrationStatus
from tests.factories import application_data, make_user
from tests.registration.conftest import open_course

CAPACITY = 5
APPLICANTS = 24


def _apply_in_own_worker(
    app: Flask, course_id: int, user_id: int, barrier: threading.Barrier, outcomes: list
) -> None:
    with app.app_context():
        try:
            course = db.session.get(Course, course_id)
            user = db.session.get(User, user_id)
            # Give the pooled connection back while waiting, so the pool cannot run dry.
            db.session.commit()
            barrier.wait(timeout=30)
            registration = services.apply(course, user, application_data(email=user.email))
            db.session.commit()
            outcomes.append(registration.status.value)
        except Exception as exc:  # recorded and asserted on below
            db.session.rollback()
            outcomes.append(f"error: {type(exc).__name__}: {exc}")
        finally:
            db.session.remove()


def test_concurrent_applications_never_overbook(app):
    course = open_course(capacity=CAPACITY)
    users = [make_user() for _ in range(APPLICANTS)]
    db.session.commit()
    course_id, user_ids = course.id, [u.id for u in users]

    barrier = threading.Barrier(APPLICANTS)
    outcomes: list[str] = []
    threads = [
        threading.Thread(target=_apply_in_own_worker, args=(app, course_id, uid, barrier, outcomes))
        for uid in user_ids
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    counts = Counter(outcomes)
    assert counts == {"confirmed": CAPACITY, "waitlisted": APPLICANTS - CAPACITY}, counts
    db.session.expire_all()
    stored = Counter(
        db.session.scalars(
            sa.select(Registration.status).where(Registration.course_id == course_id)
        )
    )
    assert stored[RegistrationStatus.CONFIRMED] == CAPACITY
    # The waiting list is a proper queue: distinct positions 1..N.
    positions = sorted(
        db.session.scalars(
            sa.select(Registration.waitlist_position).where(
                Registration.course_id == course_id,
                Registration.status == RegistrationStatus.WAITLISTED,
            )
        )
    )
    assert len(set(positions)) == APPLICANTS - CAPACITY


def test_concurrent_double_submission_by_one_person_keeps_one(app):
    course = open_course(capacity=CAPACITY)
    user = make_user()
    db.session.commit()
    barrier = threading.Barrier(6)
    outcomes: list[str] = []
    threads = [
        threading.Thread(
            target=_apply_in_own_worker, args=(app, course.id, user.id, barrier, outcomes)
        )
        for _ in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert Counter(outcomes)["confirmed"] == 1
    assert all(o == "confirmed" or "AlreadyRegistered" in o for o in outcomes), outcomes
    count = db.session.scalar(sa.select(sa.func.count()).where(Registration.course_id == course.id))
    assert count == 1
