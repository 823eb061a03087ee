"""An organiser's own words on a decision: the optional message of confirm, put_on_waitlist and
reject goes into the applicant's mail, below the decision, and into the history's note."""

from __future__ import annotations

import pytest

from app.accounts.models import Role
from app.registration import services
from app.registration.models import RegistrationStatus as S
from tests.factories import make_registration, make_user
from tests.registration.conftest import open_course
from tests.registration.test_history import last_mail

MESSAGE = "Please bring a two-page note on your city's migrant services."
INTRO = "A word from the course team:"


@pytest.fixture
def organiser():
    return make_user(Role.ORGANISER, name="Giulia Rossi")


@pytest.fixture
def submitted():
    course = open_course(capacity=2)
    course.requires_approval = True
    return make_registration(course, make_user(name="Ana Souza"), status=S.SUBMITTED)


def test_a_confirmation_carries_the_message_below_the_decision(submitted, organiser):
    services.confirm(submitted, actor=organiser, message=MESSAGE)
    _subject, text = last_mail(submitted.email)
    assert f"We look forward to welcoming you. {INTRO} {MESSAGE}" in text
    assert submitted.events[-1].note == MESSAGE


def test_a_seat_given_from_the_waiting_list_carries_the_message(submitted, organiser):
    submitted.status, submitted.waitlist_position = S.WAITLISTED, 1
    services.confirm(submitted, actor=organiser, message=MESSAGE)
    _subject, text = last_mail(submitted.email)
    assert "You were next on the waiting list" in text
    assert f"{INTRO} {MESSAGE}" in text
    assert submitted.events[-1].note == MESSAGE


def test_the_waiting_list_mail_carries_the_message(submitted, organiser):
    services.put_on_waitlist(submitted, actor=organiser, message=MESSAGE)
    _subject, text = last_mail(submitted.email)
    assert f"in position 1. {INTRO} {MESSAGE}" in text
    assert submitted.events[-1].note == MESSAGE


def test_a_rejection_carries_the_message_and_keeps_it_in_the_history(submitted, organiser):
    services.reject(submitted, actor=organiser, message=MESSAGE)
    _subject, text = last_mail(submitted.email)
    assert f"future courses. {INTRO} {MESSAGE} If you have questions" in text
    assert submitted.events[-1].note == MESSAGE


def test_a_rejection_s_own_note_stays_out_of_the_mail(submitted, organiser):
    services.reject(submitted, actor=organiser, note="Works for a ministry, not a city")
    _subject, text = last_mail(submitted.email)
    assert INTRO not in text
    assert "ministry" not in text


def test_an_event_s_rejection_introduces_the_message_as_the_organisers(submitted, organiser):
    from app.courses.models import CourseKind

    submitted.course.kind = CourseKind.SIDE_EVENT
    services.reject(submitted, actor=organiser, message=MESSAGE)
    _subject, text = last_mail(submitted.email)
    assert f"at this event. A word from the organisers: {MESSAGE}" in text


@pytest.mark.parametrize("decide", [services.confirm, services.put_on_waitlist, services.reject])
def test_without_a_message_the_mail_has_no_word_and_the_note_is_empty(submitted, organiser, decide):
    decide(submitted, actor=organiser)
    _subject, text = last_mail(submitted.email)
    assert "A word from" not in text
    assert submitted.events[-1].note == ""


def test_a_step_that_is_no_decision_keeps_no_note(submitted, organiser):
    """A cancellation (or a promotion, an offer…) has no message of its own: nothing of a
    decision's words leaks into it."""
    services.confirm(submitted, actor=organiser, message=MESSAGE)
    services.cancel(submitted, actor=organiser)
    assert [(e.action, e.note) for e in submitted.events[-2:]] == [
        ("confirmed", MESSAGE),
        ("cancelled", ""),
    ]
