"""The registration state machine, called without HTTP."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.courses.models import CourseStatus
from app.db import now_utc
from app.extensions import db
from app.mail.models import OutboxMessage
from app.mail.services import outgoing_bytes
from app.registration import services
from app.registration.models import RegistrationStatus as S
from tests.factories import application_data, make_registration, make_user
from tests.registration.conftest import open_course


def apply(course, user=None, **overrides):
    user = user or make_user()
    overrides.setdefault("email", user.email)
    return services.apply(course, user, application_data(**overrides))


def mails_to(address: str) -> list[str]:
    rows = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.recipient == address)
        .order_by(OutboxMessage.id)
    )
    return [row.subject for row in rows]


def test_first_come_first_served_then_waiting_list_in_order(course):
    first, second, third, fourth = (apply(course) for _ in range(4))
    assert [r.status for r in (first, second, third, fourth)] == [
        S.CONFIRMED,
        S.CONFIRMED,
        S.WAITLISTED,
        S.WAITLISTED,
    ]
    assert services.waitlist_position(third) == 1
    assert services.waitlist_position(fourth) == 2
    assert services.seats_left(course) == 0


def test_confirmation_mail_carries_the_programme(course):
    registration = apply(course, email="ana@example.org")
    [row] = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == registration.email)
    ).all()
    message = message_from_bytes(outgoing_bytes(row))
    calendars = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert len(calendars) == 1
    assert b"BEGIN:VCALENDAR" in calendars[0].get_payload(decode=True)


def test_mail_goes_out_in_the_participants_language(course):
    registration = apply(course, language="fr")
    [row] = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == registration.email)
    ).all()
    assert message_from_bytes(row.raw)["Content-Language"] == "fr"


def test_approval_courses_wait_for_an_organiser(course):
    course.requires_approval = True
    organiser = make_user(Role.ORGANISER)
    registration = apply(course)
    assert registration.status == S.SUBMITTED
    services.confirm(registration, actor=organiser)
    assert registration.status == S.CONFIRMED
    assert [e.action for e in registration.events] == ["submitted", "confirmed"]
    assert registration.events[-1].actor_id == organiser.id


def test_confirm_refuses_when_full(course):
    course.requires_approval = True
    organiser = make_user(Role.ORGANISER)
    make_registration(course)
    make_registration(course)
    pending = apply(course)
    # Full at the time of applying: the application goes to the waiting list.
    assert pending.status == S.WAITLISTED
    with pytest.raises(services.CourseFull):
        services.confirm(pending, actor=organiser)
    assert pending.status == S.WAITLISTED


def test_reject_and_waitlist_from_submitted(course):
    course.requires_approval = True
    organiser = make_user(Role.ORGANISER)
    a, b = apply(course), apply(course)
    services.reject(a, actor=organiser, note="Profile does not match")
    services.put_on_waitlist(b, actor=organiser)
    assert (a.status, b.status) == (S.REJECTED, S.WAITLISTED)
    with pytest.raises(services.NotAllowed):
        services.cancel(a, actor=a.user)


def test_cancelling_a_seat_promotes_the_first_waiting_at_once(course):
    confirmed = apply(course)
    apply(course)
    first_waiting, second_waiting = apply(course), apply(course)

    services.cancel(confirmed, actor=confirmed.user)

    assert confirmed.status == S.CANCELLED
    assert first_waiting.status == S.CONFIRMED
    assert second_waiting.status == S.WAITLISTED
    assert services.waitlist_position(second_waiting) == 1
    assert first_waiting.events[-1].action == "promoted"
    assert len(mails_to(first_waiting.email)) == 2  # waiting list, then promotion


def test_offers_hold_the_seat_until_accepted(course):
    course.waitlist_offers = True
    course.offer_hours = 72
    confirmed = apply(course)
    apply(course)
    waiting = apply(course)

    services.cancel(confirmed, actor=confirmed.user)
    assert waiting.status == S.WAITLISTED and waiting.has_offer
    assert services.seats_left(course) == 0  # held for the offer
    assert waiting.offer_expires_at - now_utc() == pytest.approx(
        timedelta(hours=72), abs=timedelta(minutes=1)
    )

    # Someone else applying now does not get the held seat.
    assert apply(course).status == S.WAITLISTED

    services.accept_offer(waiting, actor=waiting.user)
    assert waiting.status == S.CONFIRMED


def test_an_expired_offer_passes_to_the_next_person(course):
    course.waitlist_offers = True
    confirmed = apply(course)
    apply(course)
    first, second = apply(course), apply(course)
    services.cancel(confirmed, actor=confirmed.user)
    assert first.has_offer and not second.has_offer

    later = now_utc() + timedelta(hours=73)
    assert services.expire_offers(later) == 1
    assert first.status == S.CANCELLED
    assert first.events[-1].action == "offer_expired"
    assert second.has_offer
    assert second.offer_expires_at > later

    with pytest.raises(services.NotAllowed):
        services.accept_offer(first, actor=first.user, now=later)


def test_accepting_after_the_deadline_fails_and_passes_the_offer_on(course):
    course.waitlist_offers = True
    confirmed = apply(course)
    apply(course)
    first, second = apply(course), apply(course)
    services.cancel(confirmed, actor=confirmed.user)
    with pytest.raises(services.OfferExpired):
        services.accept_offer(first, actor=first.user, now=now_utc() + timedelta(days=4))
    assert first.status == S.CANCELLED and second.has_offer


def test_declining_an_offer_passes_it_on(course):
    course.waitlist_offers = True
    confirmed = apply(course)
    apply(course)
    first, second = apply(course), apply(course)
    services.cancel(confirmed, actor=confirmed.user)
    services.decline_offer(first, actor=first.user)
    assert first.status == S.CANCELLED and second.has_offer


def test_one_registration_per_person(course):
    user = make_user()
    first = apply(course, user)
    with pytest.raises(services.AlreadyRegistered) as caught:
        apply(course, user)
    assert caught.value.existing == first


def test_the_database_refuses_a_second_registration_even_without_the_check(course):
    user = make_user()
    make_registration(course, user)
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        make_registration(course, user)
    db.session.rollback()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda c: setattr(c, "status", CourseStatus.CANCELLED),
            services.RegistrationClosedReason.CANCELLED,
        ),
        (
            lambda c: setattr(c, "status", CourseStatus.DRAFT),
            services.RegistrationClosedReason.NOT_PUBLISHED,
        ),
        (
            lambda c: setattr(c, "registration_opens_at", now_utc() + timedelta(days=1)),
            services.RegistrationClosedReason.NOT_OPEN_YET,
        ),
        (
            lambda c: setattr(c, "registration_closes_at", now_utc() - timedelta(minutes=1)),
            services.RegistrationClosedReason.DEADLINE_PASSED,
        ),
        (
            lambda c: setattr(c, "start_date", (now_utc() - timedelta(days=1)).date()),
            services.RegistrationClosedReason.STARTED,
        ),
    ],
)
def test_closed_registration_says_why(course, change, reason):
    change(course)
    with pytest.raises(services.RegistrationClosed) as caught:
        apply(course)
    assert caught.value.reason == reason


def test_consent_is_required(course):
    with pytest.raises(services.RegistrationError):
        apply(course, consent_data=False)


def test_participants_cannot_cancel_once_the_course_has_started():
    course = open_course(capacity=5)
    registration = make_registration(course)
    after_start = services.course_start_utc(course) + timedelta(hours=1)
    with pytest.raises(services.NotAllowed):
        services.cancel(registration, actor=registration.user, now=after_start)
    organiser = make_user(Role.ORGANISER)
    services.cancel(registration, actor=organiser, now=after_start)
    assert registration.status == S.CANCELLED


def test_moving_on_the_waiting_list(course):
    organiser = make_user(Role.ORGANISER)
    apply(course), apply(course)
    a, b, c = apply(course), apply(course), apply(course)
    services.move_on_waitlist(c, "up", actor=organiser)
    assert [r.id for r in services.waitlist(course)] == [a.id, c.id, b.id]
    services.move_on_waitlist(a, "up", actor=organiser)  # already first: nothing happens
    assert services.waitlist_position(a) == 1
    services.move_on_waitlist(a, "down", actor=organiser)
    assert [r.id for r in services.waitlist(course)] == [c.id, a.id, b.id]


def test_cancelling_a_published_course_tells_everyone_who_applied(course):
    from app.courses.services import set_course_status

    confirmed, _second, waiting = apply(course), apply(course), apply(course)
    rejected = make_registration(course, status=S.REJECTED)
    before = {r.email: len(mails_to(r.email)) for r in (confirmed, waiting, rejected)}

    set_course_status(course, CourseStatus.CANCELLED, actor=make_user(Role.ORGANISER))

    assert len(mails_to(confirmed.email)) == before[confirmed.email] + 1
    assert len(mails_to(waiting.email)) == before[waiting.email] + 1
    assert len(mails_to(rejected.email)) == before[rejected.email]
    assert mails_to(confirmed.email)[-1].startswith("Cancelled: ")
    # Registrations are kept: restoring the course needs no new applications.
    assert confirmed.status == S.CONFIRMED


def test_applying_does_not_date_the_course(course):
    """Taking a seat locks the course row but changes nothing in it, so its feeds keep their
    Last-Modified (SQLite takes the lock with an UPDATE that must not touch updated_at)."""
    db.session.commit()
    stamp = course.updated_at
    apply(course)
    db.session.commit()
    db.session.expire(course)
    assert course.updated_at == stamp
