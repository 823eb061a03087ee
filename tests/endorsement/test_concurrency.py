"""Capacity under fire with endorsements: endorsers answering at the same instant, each in
their own worker (thread, connection, transaction), with an organiser waiving another and an
applicant applying directly meanwhile; and one link answered twice at once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask

from app.accounts.models import User
from app.endorsement import services
from app.endorsement.models import Endorsement, EndorsementStatus
from app.extensions import db
from app.registration.models import Registration, RegistrationStatus
from tests.endorsement.conftest import applicant, apply_with_endorser

CAPACITY = 2
ENDORSED = 10


def _in_own_worker(
    app: Flask, barrier: threading.Barrier, outcomes: list[str], act: Callable[[], str]
) -> None:
    with app.app_context():
        try:
            db.session.commit()
            barrier.wait(timeout=30)
            outcomes.append(act())
            db.session.commit()
        except services.InvalidLink as exc:
            db.session.rollback()
            outcomes.append(f"invalid: {exc.problem.value}")
        except Exception as exc:  # recorded and asserted on below
            db.session.rollback()
            outcomes.append(f"error: {type(exc).__name__}: {exc}")
        finally:
            db.session.remove()


def _respond(raw: str) -> Callable[[], str]:
    def act() -> str:
        return services.respond(raw, endorse=True).registration.status.value

    return act


def _waive(registration_id: int, organiser_id: int) -> Callable[[], str]:
    def act() -> str:
        registration = db.session.get(Registration, registration_id)
        organiser = db.session.get(User, organiser_id)
        services.waive(registration, actor=organiser)
        return registration.status.value

    return act


def _run(app: Flask, acts: list[Callable[[], str]]) -> list[str]:
    barrier = threading.Barrier(len(acts))
    outcomes: list[str] = []
    threads = [
        threading.Thread(target=_in_own_worker, args=(app, barrier, outcomes, act)) for act in acts
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_concurrent_endorsements_never_overbook(app, course, organiser):
    links = []
    for n in range(ENDORSED):
        _, _, raw = apply_with_endorser(
            course, applicant(f"a{n}@example.org", f"Applicant {n}"), endorser_email=f"b{n}@x.org"
        )
        links.append(raw)
    waived, _, _ = apply_with_endorser(course, applicant("w@example.org", "Waived Applicant"))
    db.session.commit()
    acts = [_respond(raw) for raw in links] + [_waive(waived.id, organiser.id)]
    outcomes = _run(app, acts)
    counts = Counter(outcomes)
    assert counts == {"confirmed": CAPACITY, "waitlisted": ENDORSED + 1 - CAPACITY}, counts
    db.session.expire_all()
    stored = Counter(
        db.session.scalars(
            sa.select(Registration.status).where(Registration.course_id == course.id)
        )
    )
    assert stored == {
        RegistrationStatus.CONFIRMED: CAPACITY,
        RegistrationStatus.WAITLISTED: ENDORSED + 1 - CAPACITY,
    }
    positions = db.session.scalars(
        sa.select(Registration.waitlist_position).where(
            Registration.course_id == course.id,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
    ).all()
    assert len(set(positions)) == len(positions)


def test_one_link_answered_twice_at_once_counts_once(app, course):
    _, endorsement, raw = apply_with_endorser(course, applicant("a@example.org", "Ana Souza"))
    db.session.commit()

    def decline() -> str:
        return services.respond(raw, endorse=False).status.value

    outcomes = _run(app, [_respond(raw), decline, _respond(raw), decline])
    assert len([o for o in outcomes if not o.startswith("invalid")]) == 1, outcomes
    assert all(o in ("confirmed", "declined", "invalid: answered") for o in outcomes), outcomes
    db.session.expire_all()
    stored = db.session.get(Endorsement, endorsement.id)
    assert stored.status in (EndorsementStatus.ENDORSED, EndorsementStatus.DECLINED)
