"""Capacity under fire: many people apply (or RSVP to an event) in the same instant, each in
their own worker (thread, connection and transaction), against the real database (SQLite or
PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter

import sqlalchemy as sa
from flask import Flask

from app.accounts.models import Role, User
from app.courses.models import Course
from app.extensions import db
from app.mail.models import OutboxMessage
from app.registration import services
from app.registration.models import Registration, RegistrationStatus
from tests.accounts.identity_helpers import LINK, body, confirmation_path, mails
from tests.conftest import session_key
from tests.factories import application_data, make_user
from tests.registration.conftest import open_course, open_event

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
        except services.AlreadyRegistered as exc:
            db.session.rollback()
            outcomes.append(f"AlreadyRegistered: {exc.existing.id}")
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
    [kept] = db.session.scalars(
        sa.select(Registration).where(Registration.course_id == course.id)
    ).all()
    # The others are shown the application that was kept, whichever way they lost the race.
    assert sorted(outcomes) == [f"AlreadyRegistered: {kept.id}"] * 5 + ["confirmed"], outcomes


# ---------------------------------------------------------------------------
# Organisers deciding at the same instant


def _confirm_in_own_worker(
    app: Flask, registration_id: int, organiser_id: int, barrier: threading.Barrier, outcomes
) -> None:
    with app.app_context():
        try:
            registration = db.session.get(Registration, registration_id)
            organiser = db.session.get(User, organiser_id)
            registration.course  # noqa: B018 (loaded before the race, as a page would)
            db.session.commit()
            barrier.wait(timeout=30)
            services.confirm(registration, actor=organiser)
            db.session.commit()
            outcomes.append("confirmed")
        except services.CourseFull:
            db.session.rollback()
            outcomes.append("full")
        except Exception as exc:  # recorded and asserted on below
            db.session.rollback()
            outcomes.append(f"error: {type(exc).__name__}: {exc}")
        finally:
            db.session.remove()


def test_organisers_confirming_at_the_same_instant_never_overbook(app):
    """Twelve applications waiting for approval, five seats, and each application confirmed
    by an organiser in their own browser at the same moment."""
    course = open_course(capacity=CAPACITY)
    course.requires_approval = True
    organisers = [make_user(Role.ORGANISER) for _ in range(3)]
    pending = [
        services.apply(course, user, application_data(email=user.email))
        for user in (make_user() for _ in range(12))
    ]
    db.session.commit()
    assert {r.status for r in pending} == {RegistrationStatus.SUBMITTED}

    barrier = threading.Barrier(len(pending))
    outcomes: list[str] = []
    threads = [
        threading.Thread(
            target=_confirm_in_own_worker,
            args=(app, r.id, organisers[n % 3].id, barrier, outcomes),
        )
        for n, r in enumerate(pending)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert Counter(outcomes) == {"confirmed": CAPACITY, "full": 12 - CAPACITY}, outcomes
    assert _stored_statuses(course.id) == {
        RegistrationStatus.CONFIRMED: CAPACITY,
        RegistrationStatus.SUBMITTED: 12 - CAPACITY,
    }


# ---------------------------------------------------------------------------
# RSVPs to an event, through the form: half the guests signed in, half creating their account

RSVP_CAPACITY = 3
GUESTS = 12


def _rsvp_in_own_client(
    app: Flask, slug: str, n: int, user_id: str | None, barrier: threading.Barrier, outcomes: list
) -> None:
    """One guest's browser: its own test client (so its own request, app context, session
    and connection), posting the RSVP at the same instant as the others."""
    client = app.test_client()
    try:
        data = {
            "certificate_name": f"Guest {n}",
            "email": f"guest{n}@example.org",
            "organisation": "City of Quito",
            "language": "en",
            "consent_data": "y",
        }
        if user_id is None:
            data.update(password="a long passphrase", confirm="a long passphrase")
        else:
            with client.session_transaction() as sess:
                sess["_user_id"] = user_id  # a session key: tests.conftest.session_key
                sess["_fresh"] = True
        barrier.wait(timeout=30)
        response = client.post(f"/courses/{slug}/register", data=data)
        outcomes.append(response.status_code)
    except Exception as exc:  # recorded and asserted on below
        outcomes.append(f"error: {type(exc).__name__}: {exc}")


def _confirm_in_own_client(
    app: Flask, path: str, barrier: threading.Barrier, outcomes: list
) -> None:
    """A visitor's browser pressing the button behind their sign-up link, at the same instant
    as the others."""
    client = app.test_client()
    try:
        barrier.wait(timeout=30)
        outcomes.append(client.post(path).status_code)
    except Exception as exc:  # recorded and asserted on below
        outcomes.append(f"error: {type(exc).__name__}: {exc}")


def _fire_rsvps(app: Flask, slug: str, user_ids: list[str | None]) -> list:
    """Every guest posts at once; then the visitors, whose RSVPs wait for their address to be
    confirmed, all press the button behind their mailed link at once."""
    barrier = threading.Barrier(len(user_ids))
    outcomes: list = []
    threads = [
        threading.Thread(target=_rsvp_in_own_client, args=(app, slug, n, uid, barrier, outcomes))
        for n, uid in enumerate(user_ids)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    links = [confirmation_path(m) for m in mails() if LINK.search(body(m))]
    assert len(links) == user_ids.count(None)
    barrier = threading.Barrier(len(links))
    threads = [
        threading.Thread(target=_confirm_in_own_client, args=(app, path, barrier, outcomes))
        for path in links
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def _stored_statuses(course_id: int) -> Counter:
    db.session.expire_all()
    return Counter(
        db.session.scalars(
            sa.select(Registration.status).where(Registration.course_id == course_id)
        )
    )


def test_concurrent_rsvps_fill_an_event_with_a_capacity_and_the_rest_wait(app):
    event = open_event(capacity=RSVP_CAPACITY)
    # Even guests are signed in; odd ones create their account with the RSVP.
    user_ids = [
        session_key(make_user(email=f"guest{n}@example.org")) if n % 2 == 0 else None
        for n in range(GUESTS)
    ]
    db.session.commit()
    last_user_id = db.session.scalar(sa.select(sa.func.max(User.id)))

    outcomes = _fire_rsvps(app, event.slug, user_ids)

    assert outcomes == [302] * (GUESTS + GUESTS // 2), outcomes
    stored = _stored_statuses(event.id)
    assert stored == {
        RegistrationStatus.CONFIRMED: RSVP_CAPACITY,
        RegistrationStatus.WAITLISTED: GUESTS - RSVP_CAPACITY,
    }, stored
    positions = db.session.scalars(
        sa.select(Registration.waitlist_position).where(
            Registration.course_id == event.id,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
    ).all()
    assert len(set(positions)) == GUESTS - RSVP_CAPACITY
    # One message each, matching what happened.
    subjects = Counter(
        subject.split(":")[0]
        for subject in db.session.scalars(sa.select(OutboxMessage.subject))
        if not subject.startswith("Confirm your email address")
    )
    assert subjects == {
        "Your place is confirmed": RSVP_CAPACITY,
        "You are on the waiting list": GUESTS - RSVP_CAPACITY,
    }, subjects
    # The odd guests' accounts were made with their RSVPs, beside the neighbour's people.
    new_accounts = sa.select(sa.func.count()).select_from(User).where(User.id > last_user_id)
    assert db.session.scalar(new_accounts) == GUESTS // 2


def test_concurrent_rsvps_to_an_event_without_a_capacity_are_all_confirmed(app):
    event = open_event(capacity=None)
    user_ids = [
        session_key(make_user(email=f"guest{n}@example.org")) if n % 2 == 0 else None
        for n in range(GUESTS)
    ]
    db.session.commit()

    outcomes = _fire_rsvps(app, event.slug, user_ids)

    assert outcomes == [302] * (GUESTS + GUESTS // 2), outcomes
    assert _stored_statuses(event.id) == {RegistrationStatus.CONFIRMED: GUESTS}
