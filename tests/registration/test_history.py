"""What a registration keeps of its own story: the history the desk shows (who did what, from
which state to which, with the note), when the organisers decided, and the mail each step
sends."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email import policy as email_policy

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.db import now_utc
from app.extensions import db
from app.mail.models import OutboxMessage
from app.registration import services
from app.registration.models import RegistrationStatus as S
from tests.factories import application_data, make_registration, make_user
from tests.registration.conftest import open_course


def apply(course, user=None, **overrides):
    user = user or make_user()
    overrides.setdefault("email", user.email)
    return services.apply(course, user, application_data(**overrides))


def last_mail(address: str) -> tuple[str, str]:
    """Subject and plain-text body of the latest message to ``address``."""
    raw = db.session.scalars(
        sa.select(OutboxMessage.raw)
        .where(OutboxMessage.recipient == address)
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert raw is not None, f"no mail to {address}"
    message = message_from_bytes(raw, policy=email_policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    return message["Subject"], " ".join(text.split())


def trail(registration) -> list[tuple]:
    return [(e.action, e.from_status, e.to_status, e.actor_id) for e in registration.events]


@pytest.fixture
def organiser():
    return make_user(Role.ORGANISER, name="Giulia Rossi")


@pytest.fixture
def approval_course():
    course = open_course(capacity=2, title="Governing migration at the local level")
    course.requires_approval = True
    return course


def test_an_application_starts_its_history_as_the_applicants_own(approval_course):
    user = make_user(name="Ana Souza")

    registration = apply(approval_course, user)

    assert registration.status == S.SUBMITTED
    assert trail(registration) == [("submitted", None, S.SUBMITTED, user.id)]
    assert registration.decided_at is None
    assert last_mail(registration.email)[0] == (
        "Application received: Governing migration at the local level"
    )


def test_a_confirmation_records_who_decided_when_and_from_which_state(approval_course, organiser):
    registration = apply(approval_course)
    before = now_utc()

    services.confirm(registration, actor=organiser)

    assert trail(registration)[-1] == ("confirmed", S.SUBMITTED, S.CONFIRMED, organiser.id)
    assert registration.events[-1].note == ""
    assert before <= registration.decided_at <= now_utc()
    assert last_mail(registration.email)[0] == (
        "Your place is confirmed: Governing migration at the local level"
    )


def test_confirming_someone_from_the_waiting_list_tells_them_a_seat_came_free(
    approval_course, organiser
):
    registration = apply(approval_course)
    services.put_on_waitlist(registration, actor=organiser)

    services.confirm(registration, actor=organiser)

    assert trail(registration)[-1] == ("confirmed", S.WAITLISTED, S.CONFIRMED, organiser.id)
    assert last_mail(registration.email)[0] == (
        "A seat is free: your place is confirmed for Governing migration at the local level"
    )


def test_putting_an_application_on_the_waiting_list_tells_its_place(approval_course, organiser):
    make_registration(approval_course, status=S.WAITLISTED)
    registration = apply(approval_course)

    services.put_on_waitlist(registration, actor=organiser)

    assert trail(registration)[-1] == ("waitlisted", S.SUBMITTED, S.WAITLISTED, organiser.id)
    assert registration.decided_at is not None
    subject, text = last_mail(registration.email)
    assert subject == "You are on the waiting list: Governing migration at the local level"
    assert "on the waiting list, in position 2." in text


def test_an_application_to_a_full_course_is_waitlisted_by_the_system():
    course = open_course(capacity=1)
    apply(course)

    registration = apply(course)

    assert trail(registration)[-1] == ("waitlisted", S.SUBMITTED, S.WAITLISTED, None)
    assert registration.decided_at is not None
    assert "in position 1." in last_mail(registration.email)[1]


def test_an_open_course_confirms_on_the_spot_on_behalf_of_nobody():
    course = open_course(capacity=1)

    registration = apply(course)

    assert trail(registration)[-1] == ("confirmed", S.SUBMITTED, S.CONFIRMED, None)
    assert registration.decided_at is not None


def test_a_rejection_keeps_its_note_and_its_decision_time(approval_course, organiser):
    registration = apply(approval_course)

    services.reject(registration, actor=organiser, note="Profile does not match the course")

    rejected = registration.events[-1]
    assert (rejected.action, rejected.from_status, rejected.to_status, rejected.actor_id) == (
        "rejected",
        S.SUBMITTED,
        S.REJECTED,
        organiser.id,
    )
    assert rejected.note == "Profile does not match the course"
    assert registration.decided_at is not None
    assert last_mail(registration.email)[0].endswith("Governing migration at the local level")


def test_a_rejection_without_a_note_stores_an_empty_note(approval_course, organiser):
    registration = apply(approval_course)

    services.reject(registration, actor=organiser)

    assert registration.events[-1].note == ""


def test_a_note_is_cut_to_the_500_characters_the_history_keeps(approval_course, organiser):
    registration = apply(approval_course)

    services.reject(registration, actor=organiser, note="x" * 600)

    assert registration.events[-1].note == "x" * 500


def test_cancelling_is_no_decision_of_the_organisers(approval_course, organiser):
    registration = apply(approval_course)
    services.confirm(registration, actor=organiser)
    decided = registration.decided_at

    services.cancel(registration, actor=registration.user, now=decided + timedelta(days=3))

    assert registration.decided_at == decided
    assert trail(registration)[-1] == (
        "cancelled",
        S.CONFIRMED,
        S.CANCELLED,
        registration.user_id,
    )


def test_the_participants_own_cancellation_is_confirmed_in_their_words(approval_course):
    registration = apply(approval_course)

    services.cancel(registration, actor=registration.user)

    subject, text = last_mail(registration.email)
    assert subject == "Registration cancelled: Governing migration at the local level"
    assert "As you asked, your registration" in text


def test_a_cancellation_by_the_course_team_says_so(approval_course, organiser):
    registration = apply(approval_course)

    services.cancel(registration, actor=organiser)

    text = last_mail(registration.email)[1]
    assert "The course team has cancelled your registration" in text
    assert "As you asked" not in text


def test_special_needs_changes_are_recorded_with_who_made_them(approval_course, organiser):
    registration = apply(approval_course)
    services.confirm(registration, actor=organiser)

    services.update_special_needs(
        registration, diet="  Vegetarian ", accessibility="Step-free room", actor=organiser
    )

    assert (registration.diet, registration.accessibility) == ("Vegetarian", "Step-free room")
    assert trail(registration)[-1] == ("needs_updated", S.CONFIRMED, S.CONFIRMED, organiser.id)


def test_the_application_keeps_both_country_of_residence_and_nationality():
    course = open_course(capacity=2)

    registration = apply(course, country="CH", nationality="ET")

    assert (registration.country, registration.nationality) == ("CH", "ET")


def test_offers_and_moves_are_written_to_the_history_in_order():
    course = open_course(capacity=1)
    course.waitlist_offers = True
    seated = apply(course)
    waiting = apply(course)

    services.cancel(seated, actor=seated.user)
    services.accept_offer(waiting, actor=waiting.user)

    assert [e.action for e in waiting.events] == [
        "submitted",
        "waitlisted",
        "offered",
        "offer_accepted",
    ]
    assert trail(waiting)[-1] == ("offer_accepted", S.WAITLISTED, S.CONFIRMED, waiting.user_id)


# --- what the next form remembers -----------------------------------------------------------


def test_the_next_form_suggests_the_organisation_of_the_latest_application(neighbour):
    user = make_user(name="Ana Souza")
    older = make_registration(open_course(), user, organisation="City of Belo Horizonte")
    newer = make_registration(open_course(), user, organisation="Ministry of Labour")
    # Applied later, though its row came first (as after an import).
    older.created_at, newer.created_at = now_utc(), now_utc() - timedelta(days=90)

    assert services.latest_organisation(user) == "City of Belo Horizonte"


def test_of_two_applications_made_at_the_same_instant_the_last_one_counts():
    user = make_user()
    moment = now_utc()
    first = make_registration(open_course(), user, organisation="City of Quito")
    second = make_registration(open_course(), user, organisation="Province of Pichincha")
    first.created_at = second.created_at = moment

    assert services.latest_organisation(user) == "Province of Pichincha"


def test_a_first_application_suggests_no_organisation(neighbour):
    assert services.latest_organisation(make_user()) == ""
