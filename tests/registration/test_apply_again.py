"""Applying again after cancelling: placed under the rules of that moment, history kept."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from app.accounts.models import Role
from app.db import now_utc
from app.extensions import db
from app.mail.models import OutboxMessage
from app.registration import services
from app.registration.models import Registration
from app.registration.models import RegistrationStatus as S
from tests.conftest import login
from tests.factories import application_data, make_user
from tests.registration.conftest import open_course
from tests.registration.test_apply_routes import form_data


def apply(course, user, **overrides):
    overrides.setdefault("email", user.email)
    return services.apply(course, user, application_data(**overrides))


def subjects(address: str) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage.subject)
            .where(OutboxMessage.recipient == address)
            .order_by(OutboxMessage.id)
        )
    )


def history(registration: Registration) -> list[tuple[str, S | None, S | None]]:
    db.session.refresh(registration)
    return [(e.action, e.from_status, e.to_status) for e in registration.events]


# ---------------------------------------------------------------------------
# Services


def test_a_withdrawn_participant_applies_again_and_waits_behind_those_already_waiting(course):
    ana = make_user(name="Ana Souza", email="ana@example.org")
    ana_reg = apply(course, ana)
    apply(course, make_user())  # the second seat
    bruno = make_user(name="Bruno Díaz", email="bruno@example.org")
    bruno_reg = apply(course, bruno)
    assert bruno_reg.status == S.WAITLISTED

    services.cancel(ana_reg, actor=ana)  # Bruno takes her seat
    assert bruno_reg.status == S.CONFIRMED
    again = apply(course, ana, organisation="Ville de Lyon")

    assert again.id == ana_reg.id  # one registration per person and course
    assert again.status == S.WAITLISTED and services.waitlist_position(again) == 1
    assert again.organisation == "Ville de Lyon"
    assert services.seats_left(course) == 0
    assert history(again) == [
        ("submitted", None, S.SUBMITTED),
        ("confirmed", S.SUBMITTED, S.CONFIRMED),
        ("cancelled", S.CONFIRMED, S.CANCELLED),
        ("reapplied", S.CANCELLED, S.SUBMITTED),
        ("waitlisted", S.SUBMITTED, S.WAITLISTED),
    ]
    assert subjects("ana@example.org")[-1].startswith("You are on the waiting list")


def test_applying_again_takes_a_seat_that_is_free_now(course):
    ana = make_user(email="ana@example.org")
    registration = apply(course, ana)
    services.cancel(registration, actor=ana)
    applied_first = registration.created_at

    again = apply(course, ana)

    assert again.status == S.CONFIRMED
    assert again.created_at >= applied_first
    assert services.seats_left(course) == 1
    assert subjects("ana@example.org")[-1].startswith("Your place is confirmed")


def test_an_expired_offer_may_be_followed_by_a_new_application():
    course = open_course(capacity=1)
    course.waitlist_offers = True
    ana = make_user()
    first = apply(course, make_user())
    registration = apply(course, ana)
    services.cancel(first, actor=first.user)
    assert registration.has_offer
    services.expire_offer(registration, now=registration.offer_expires_at)
    assert registration.status == S.CANCELLED

    again = apply(course, ana)

    # Nobody else waited: the seat her offer held is free, and hers now.
    assert again.status == S.CONFIRMED and again.offer_expires_at is None


def test_a_registration_cancelled_by_the_organisers_cannot_be_sent_again(course):
    organiser = make_user(Role.ORGANISER)
    ana = make_user()
    registration = apply(course, ana)
    services.cancel(registration, actor=organiser)

    try:
        apply(course, ana)
    except services.AlreadyRegistered as exc:
        assert exc.existing.id == registration.id
    else:
        raise AssertionError("an organiser's cancellation was undone by the participant")
    assert registration.status == S.CANCELLED


def test_a_rejected_or_live_application_is_not_sent_again():
    course = open_course(capacity=2)
    course.requires_approval = True
    rejected = apply(course, make_user())
    services.reject(rejected, actor=make_user(Role.ORGANISER))
    live = apply(course, make_user())
    for registration in (rejected, live):
        try:
            apply(course, registration.user)
        except services.AlreadyRegistered:
            pass
        else:
            raise AssertionError(registration.status)


def test_applying_again_follows_the_closing_date(course):
    ana = make_user()
    registration = apply(course, ana)
    services.cancel(registration, actor=ana)
    course.registration_closes_at = now_utc() - timedelta(minutes=1)

    try:
        apply(course, ana)
    except services.RegistrationClosed:
        pass
    else:
        raise AssertionError("applied after the closing date")
    assert registration.status == S.CANCELLED


# ---------------------------------------------------------------------------
# Through HTTP


def _value(html: str, name: str) -> str | None:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    return found.group(1) if found else None


def test_my_courses_offers_to_apply_again_and_the_form_comes_back_prefilled(client, course):
    ana = make_user(name="Ana Souza", email="ana@example.org")
    registration = apply(
        course, ana, organisation="Municipality of Belo Horizonte", job_title="Migration officer"
    )
    services.cancel(registration, actor=ana)
    db.session.commit()
    login(client, ana)

    page = client.get("/my/courses").get_data(as_text=True)
    assert f'href="/courses/{course.slug}/register">Apply again' in page

    form = client.get(f"/courses/{course.slug}/register")
    html = form.get_data(as_text=True)
    assert form.status_code == 200
    assert _value(html, "organisation") == "Municipality of Belo Horizonte"
    assert _value(html, "job_title") == "Migration officer"

    response = client.post(
        f"/courses/{course.slug}/register", data=form_data(motivation="Back after all.")
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == S.CONFIRMED


def test_after_an_organisers_cancellation_the_form_is_not_offered(client, course):
    ana = make_user(email="ana@example.org")
    registration = apply(course, ana)
    services.cancel(registration, actor=make_user(Role.ORGANISER))
    db.session.commit()
    login(client, ana)

    assert "Apply again" not in client.get("/my/courses").get_data(as_text=True)
    response = client.get(f"/courses/{course.slug}/register")
    assert response.status_code == 302
    assert "write to the course team" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
