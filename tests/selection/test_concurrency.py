"""Capacity holds when organisers confirm from the selection list at the same instant: two
bulk confirmations, each of more applications than there are seats, each in its own browser
(request, connection and transaction), against the real database (SQLite or PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter

import sqlalchemy as sa
from flask import Flask

from app.accounts.models import Role
from app.courses.models import CourseTeamMember, TeamRole
from app.extensions import db
from app.mail.models import OutboxMessage
from app.registration.models import Registration, RegistrationEvent, RegistrationStatus
from tests.conftest import session_key
from tests.factories import make_registration, make_user

S = RegistrationStatus


def _decide_in_own_client(
    app: Flask, slug: str, user_id: str, ids: list[int], barrier: threading.Barrier, out: list
) -> None:
    client = app.test_client()
    try:
        with client.session_transaction() as sess:
            sess["_user_id"] = user_id
            sess["_fresh"] = True
        barrier.wait(timeout=30)
        response = client.post(
            f"/courses/{slug}/selection/decide",
            data={"decision": "confirm", "registration_ids": ids, "message": "Welcome!"},
        )
        out.append(response.status_code)
    except Exception as exc:  # recorded and asserted on below
        out.append(f"error: {type(exc).__name__}: {exc}")


def _fire(app: Flask, slug: str, batches: list[tuple[str, list[int]]]) -> list:
    barrier = threading.Barrier(len(batches))
    out: list = []
    threads = [
        threading.Thread(target=_decide_in_own_client, args=(app, slug, uid, ids, barrier, out))
        for uid, ids in batches
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return out


def _statuses(course_id: int) -> Counter:
    db.session.expire_all()
    return Counter(
        db.session.scalars(
            sa.select(Registration.status).where(Registration.course_id == course_id)
        )
    )


def test_two_bulk_confirmations_at_once_never_overbook(app, course, organiser):
    """Three seats; two organisers each confirm four other applications at the same moment."""
    second = make_user(Role.ORGANISER, name="Giulia Bianchi")
    course.team.append(CourseTeamMember(user=second, role=TeamRole.ORGANISER))
    pending = [make_registration(course, status=S.SUBMITTED) for _ in range(8)]
    db.session.commit()
    ids = [r.id for r in pending]

    outcomes = _fire(
        app, course.slug, [(session_key(organiser), ids[:4]), (session_key(second), ids[4:])]
    )

    assert outcomes == [302, 302], outcomes
    assert _statuses(course.id) == {S.CONFIRMED: 3, S.SUBMITTED: 5}
    confirmations = db.session.scalar(
        sa.select(sa.func.count()).where(
            OutboxMessage.recipient.in_([r.email for r in pending]),
            OutboxMessage.subject.like("Your place is confirmed%"),
        )
    )
    assert confirmations == 3


def test_the_same_applications_confirmed_twice_at_once_are_confirmed_once(app, course, organiser):
    second = make_user(Role.ORGANISER, name="Giulia Bianchi")
    course.team.append(CourseTeamMember(user=second, role=TeamRole.ORGANISER))
    pending = [make_registration(course, status=S.SUBMITTED) for _ in range(5)]
    db.session.commit()
    ids = [r.id for r in pending]

    outcomes = _fire(app, course.slug, [(session_key(organiser), ids), (session_key(second), ids)])

    assert outcomes == [302, 302], outcomes
    assert _statuses(course.id) == {S.CONFIRMED: 3, S.SUBMITTED: 2}
    confirmed_events = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RegistrationEvent)
        .join(RegistrationEvent.registration)
        .where(Registration.course_id == course.id, RegistrationEvent.action == "confirmed")
    )
    assert confirmed_events == 3
