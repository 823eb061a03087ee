"""Seats, the waiting list and offers: who gets a freed seat, and when nobody does.

Every test runs beside the busy neighbour course (tests/neighbours.py), full and with people
waiting: a seat freed here must never go to them, and their seats never count here.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email import policy as email_policy

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.courses.models import CourseStatus
from app.db import now_utc
from app.extensions import db
from app.mail.models import OutboxMessage
from app.registration import services
from app.registration.models import RegistrationStatus as S
from tests.factories import application_data, make_course, make_registration, make_user
from tests.registration.conftest import open_course


def apply(course, user=None, **overrides):
    user = user or make_user()
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


def last_mail(address: str) -> tuple[str, str]:
    """Subject and plain-text body (spaces collapsed) of the latest message to ``address``."""
    raw = db.session.scalars(
        sa.select(OutboxMessage.raw)
        .where(OutboxMessage.recipient == address)
        .order_by(OutboxMessage.id.desc())
    ).first()
    message = message_from_bytes(raw, policy=email_policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    return message["Subject"], " ".join(text.split())


@pytest.fixture
def organiser():
    return make_user(Role.ORGANISER)


@pytest.fixture
def full_course():
    """Two seats, both taken, and two people waiting (in the order they applied)."""
    course = open_course(capacity=2, title="Governing migration at the local level")
    seated = [apply(course), apply(course)]
    waiting = [apply(course), apply(course)]
    assert [r.status for r in waiting] == [S.WAITLISTED, S.WAITLISTED]
    return course, seated, waiting


# --- counting seats ------------------------------------------------------------------------


def test_an_empty_course_beside_a_full_one_confirms_the_first_applicant(neighbour):
    assert services.seats_left(neighbour.course) == 0
    course = open_course(capacity=1)

    assert apply(course).status == S.CONFIRMED


def test_seats_held_counts_each_course_on_its_own(neighbour):
    course = open_course(capacity=5)
    apply(course)
    make_registration(course, status=S.SUBMITTED)
    make_registration(course, status=S.CANCELLED)
    empty = open_course(capacity=5)

    held = services.seats_held_by_course([course.id, neighbour.course.id, empty.id])

    # The neighbour: three confirmed and a seat kept for an open offer.
    assert held == {course.id: 1, neighbour.course.id: 4}
    assert services.seats_held_by_course([course.id, empty.id]) == {course.id: 1}
    assert services.seats_held_by_course([]) == {}


def test_a_waiting_applicant_without_an_offer_holds_no_seat():
    course = open_course(capacity=3)
    apply(course)
    make_registration(course, status=S.WAITLISTED)

    assert services.seats_left(course) == 2


# --- freed seats ----------------------------------------------------------------------------


def test_a_freed_seat_goes_to_the_first_in_line_and_the_rest_move_up(full_course):
    _course, (first_seated, _), (first_waiting, second_waiting) = full_course

    services.cancel(first_seated, actor=first_seated.user)

    assert first_waiting.status == S.CONFIRMED
    assert subjects(first_waiting.email)[-1] == (
        "A seat is free: your place is confirmed for Governing migration at the local level"
    )
    assert services.waitlist_position(second_waiting) == 1


def test_raising_the_capacity_by_two_confirms_the_next_two_at_once(full_course):
    course, _seated, (first_waiting, second_waiting) = full_course
    third_waiting = apply(course)
    course.capacity = 4

    services.fill_free_seats(course)

    assert [r.status for r in (first_waiting, second_waiting, third_waiting)] == [
        S.CONFIRMED,
        S.CONFIRMED,
        S.WAITLISTED,
    ]
    assert services.waitlist_position(third_waiting) == 1


def test_removing_the_seat_limit_confirms_everyone_waiting(full_course):
    course, _seated, waiting = full_course
    course.capacity = None

    services.fill_free_seats(course)

    assert [r.status for r in waiting] == [S.CONFIRMED, S.CONFIRMED]
    assert services.waitlist(course) == []


def test_after_the_capacity_is_lowered_a_cancellation_frees_no_seat_until_under_the_limit(
    full_course,
):
    course, seated, waiting = full_course
    third = make_registration(course, status=S.CONFIRMED)
    course.capacity = 2  # three people hold seats: one too many

    services.cancel(third, actor=third.user)

    assert [r.status for r in waiting] == [S.WAITLISTED, S.WAITLISTED]
    services.cancel(seated[0], actor=seated[0].user)
    assert [r.status for r in waiting] == [S.CONFIRMED, S.WAITLISTED]


@pytest.mark.parametrize(
    "status", [CourseStatus.DRAFT, CourseStatus.CANCELLED], ids=["draft", "cancelled"]
)
def test_no_seat_is_given_out_on_a_course_that_is_not_published(full_course, status, organiser):
    course, (seated, _), waiting = full_course
    course.status = status

    services.cancel(seated, actor=organiser)

    assert [r.status for r in waiting] == [S.WAITLISTED, S.WAITLISTED]


def test_no_seat_is_given_out_once_the_course_has_started(full_course, organiser):
    course, (seated, _), waiting = full_course
    start = services.course_start_utc(course)

    services.cancel(seated, actor=organiser, now=start)

    assert [r.status for r in waiting] == [S.WAITLISTED, S.WAITLISTED]


def test_a_seat_freed_just_before_the_course_starts_still_goes_to_the_waiting_list(
    full_course, organiser
):
    course, (seated, _), (first_waiting, _) = full_course
    just_before = services.course_start_utc(course) - timedelta(microseconds=1)

    services.cancel(seated, actor=organiser, now=just_before)

    assert first_waiting.status == S.CONFIRMED


def test_a_seat_freed_in_the_past_is_judged_at_that_moment(organiser):
    """A 2017 course: an organiser recording in November 2017 a cancellation made in time."""
    course = make_course(start=date(2017, 11, 20), capacity=1)
    seated = make_registration(course, status=S.CONFIRMED)
    waiting = make_registration(course, status=S.WAITLISTED)

    services.cancel(seated, actor=organiser, now=datetime(2017, 11, 10, 9, tzinfo=UTC))

    assert waiting.status == S.CONFIRMED


# --- offers ---------------------------------------------------------------------------------


@pytest.fixture
def offering_course(full_course):
    course, seated, waiting = full_course
    course.waitlist_offers = True
    course.offer_hours = 48
    return course, seated, waiting


def test_an_offer_holds_the_seat_for_the_courses_offer_time(offering_course):
    _course, (seated, _), (first_waiting, second_waiting) = offering_course
    moment = now_utc()

    services.cancel(seated, actor=seated.user, now=moment)

    assert first_waiting.status == S.WAITLISTED
    assert first_waiting.offer_expires_at == moment + timedelta(hours=48)
    offered = first_waiting.events[-1]
    assert (offered.action, offered.from_status, offered.to_status) == (
        "offered",
        S.WAITLISTED,
        S.WAITLISTED,
    )
    assert offered.actor_id is None
    assert offered.note == ""
    # The deadline is in the subject: "A seat is held for you until Dec 4, 2026: …"
    assert re.fullmatch(
        r"A seat is held for you until \w+ \d{1,2}, \d{4}: Governing migration at the local level",
        subjects(first_waiting.email)[-1],
    )
    assert not second_waiting.has_offer


def test_a_second_freed_seat_goes_past_the_open_offer_to_the_next_in_line(offering_course):
    _course, (first_seated, second_seated), (first_waiting, second_waiting) = offering_course

    services.cancel(first_seated, actor=first_seated.user)
    services.cancel(second_seated, actor=second_seated.user)

    assert first_waiting.has_offer and second_waiting.has_offer


def test_the_offer_holder_can_be_confirmed_for_the_seat_kept_for_them(offering_course, organiser):
    course, (seated, _), (first_waiting, _) = offering_course
    services.cancel(seated, actor=seated.user)
    assert services.seats_left(course) == 0

    services.confirm(first_waiting, actor=organiser)

    assert first_waiting.status == S.CONFIRMED
    assert first_waiting.offer_expires_at is None


def test_an_offer_holder_is_not_confirmed_beyond_a_lowered_capacity(offering_course, organiser):
    course, (seated, _), (first_waiting, _) = offering_course
    services.cancel(seated, actor=seated.user)
    make_registration(course, status=S.CONFIRMED)
    # One confirmed too many now; the offer holder's seat is not theirs to take.
    with pytest.raises(services.CourseFull):
        services.confirm(first_waiting, actor=organiser)
    assert first_waiting.has_offer


def test_rejecting_an_offer_holder_passes_the_seat_to_the_next_in_line(offering_course, organiser):
    _course, (seated, _), (first_waiting, second_waiting) = offering_course
    services.cancel(seated, actor=seated.user)

    services.reject(first_waiting, actor=organiser, note="Not eligible: works for a ministry")

    assert first_waiting.status == S.REJECTED
    assert second_waiting.has_offer


def test_an_offer_accepted_one_microsecond_before_it_expires_is_taken(offering_course):
    _course, (seated, _), (first_waiting, _) = offering_course
    services.cancel(seated, actor=seated.user)
    deadline = first_waiting.offer_expires_at

    services.accept_offer(
        first_waiting, actor=first_waiting.user, now=deadline - timedelta(microseconds=1)
    )

    assert first_waiting.status == S.CONFIRMED
    accepted = first_waiting.events[-1]
    assert (accepted.action, accepted.actor_id) == ("offer_accepted", first_waiting.user_id)


def test_an_offer_accepted_at_the_very_instant_it_expires_is_gone(offering_course):
    _course, (seated, _), (first_waiting, second_waiting) = offering_course
    services.cancel(seated, actor=seated.user)
    deadline = first_waiting.offer_expires_at

    with pytest.raises(services.OfferExpired):
        services.accept_offer(first_waiting, actor=first_waiting.user, now=deadline)

    assert first_waiting.status == S.CANCELLED
    # The next offer runs from the moment the first one ran out.
    assert second_waiting.offer_expires_at == deadline + timedelta(hours=48)


def test_the_sweep_expires_an_offer_at_its_exact_deadline_and_not_before(offering_course):
    _course, (seated, _), (first_waiting, second_waiting) = offering_course
    services.cancel(seated, actor=seated.user)
    deadline = first_waiting.offer_expires_at

    assert services.expire_offers(deadline - timedelta(microseconds=1)) == 0
    assert first_waiting.has_offer
    assert services.expire_offers(deadline) == 1
    assert first_waiting.status == S.CANCELLED
    assert first_waiting.events[-1].action == "offer_expired"
    assert second_waiting.offer_expires_at == deadline + timedelta(hours=48)
    assert subjects(first_waiting.email)[-1] == (
        "The seat offered to you has gone: Governing migration at the local level"
    )


def test_declining_an_offer_is_recorded_as_the_participants_and_passes_the_seat_on(
    offering_course,
):
    _course, (seated, _), (first_waiting, second_waiting) = offering_course
    moment = now_utc()
    services.cancel(seated, actor=seated.user, now=moment)
    later = moment + timedelta(hours=5)

    services.decline_offer(first_waiting, actor=first_waiting.user, now=later)

    declined = first_waiting.events[-1]
    assert (declined.action, declined.actor_id) == ("offer_declined", first_waiting.user_id)
    assert (declined.from_status, declined.to_status) == (S.WAITLISTED, S.CANCELLED)
    assert second_waiting.offer_expires_at == later + timedelta(hours=48)
    subject, text = last_mail(first_waiting.email)
    assert subject == "Registration cancelled: Governing migration at the local level"
    assert "As you asked, your registration" in text


# --- the order of the waiting list ------------------------------------------------------------


def test_people_sharing_a_position_are_ranked_by_who_applied_first():
    """Positions written by an older version or an import may repeat: the earlier
    application goes first (whoever has the older account), and the ranks shown are still
    1, 2, 3."""
    course = open_course(capacity=1)
    apply(course)
    older_account, newer_account, third_account = make_user(), make_user(), make_user()
    earlier = make_registration(course, newer_account, status=S.WAITLISTED)
    later = make_registration(course, older_account, status=S.WAITLISTED)
    last = make_registration(course, third_account, status=S.WAITLISTED)
    earlier.waitlist_position = later.waitlist_position = 7
    last.waitlist_position = 8

    assert services.waitlist(course) == [earlier, later, last]
    assert [services.waitlist_position(r) for r in (earlier, later, last)] == [1, 2, 3]


def test_ranks_follow_the_list_after_a_later_applicant_is_moved_up(full_course, organiser):
    course, _seated, (first, second) = full_course
    third = apply(course)

    services.move_on_waitlist(third, "up", actor=organiser)

    assert [services.waitlist_position(r) for r in (first, third, second)] == [1, 2, 3]


def test_moving_the_last_person_down_changes_nothing(full_course, organiser):
    course, _seated, (first, second) = full_course
    history = len(second.events)

    services.move_on_waitlist(second, "down", actor=organiser)

    assert services.waitlist(course) == [first, second]
    assert len(second.events) == history


def test_a_move_is_recorded_with_who_moved_whom(full_course, organiser):
    course, _seated, (first, second) = full_course

    services.move_on_waitlist(second, "up", actor=organiser)

    moved = second.events[-1]
    assert (moved.action, moved.actor_id) == ("moved_up", organiser.id)
    assert (moved.from_status, moved.to_status) == (S.WAITLISTED, S.WAITLISTED)
    assert services.waitlist(course) == [second, first]
