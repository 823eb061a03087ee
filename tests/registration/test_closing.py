"""When applications open and close, to the instant, in the venue's time; and what applicants
are told when they cannot apply or cancel."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask_babel import force_locale

from app.accounts.models import Role
from app.core.timeutil import local_to_utc
from app.courses.models import CourseKind, CourseStatus
from app.registration import services
from app.registration.models import RegistrationStatus as S
from app.registration.services import RegistrationClosedReason as R
from tests.factories import application_data, make_course, make_registration, make_user, make_venue

TICK = timedelta(microseconds=1)


@pytest.fixture
def quito_course():
    """A published course in Quito (UTC-5) starting on Monday 16 October 2017, taking
    applications from 1 August 09:00 to 30 September 18:00, venue time."""
    course = make_course(start=date(2017, 10, 16), venue=make_venue("America/Guayaquil"))
    course.registration_opens_at = local_to_utc(date(2017, 8, 1), time(9), "America/Guayaquil")
    course.registration_closes_at = local_to_utc(date(2017, 9, 30), time(18), "America/Guayaquil")
    return course


def test_the_course_starts_at_midnight_at_the_venue(quito_course):
    assert services.course_start_utc(quito_course) == datetime(2017, 10, 16, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "reason"),
    [
        (datetime(2017, 8, 1, 14, tzinfo=UTC) - TICK, R.NOT_OPEN_YET),
        (datetime(2017, 8, 1, 14, tzinfo=UTC), None),
        (datetime(2017, 9, 30, 23, tzinfo=UTC) - TICK, None),
        (datetime(2017, 9, 30, 23, tzinfo=UTC), R.DEADLINE_PASSED),
    ],
    ids=["just-before-opening", "at-opening", "just-before-closing", "at-closing"],
)
def test_applications_are_taken_from_the_opening_instant_until_just_before_closing(
    quito_course, moment, reason
):
    assert services.closed_reason(quito_course, moment) == reason


@pytest.mark.parametrize(
    ("moment", "reason"),
    [
        (datetime(2017, 10, 16, 5, tzinfo=UTC) - TICK, None),
        (datetime(2017, 10, 16, 5, tzinfo=UTC), R.STARTED),
    ],
    ids=["one-microsecond-before-midnight", "midnight-at-the-venue"],
)
def test_without_a_closing_date_applications_end_at_midnight_before_the_first_day(
    quito_course, moment, reason
):
    quito_course.registration_closes_at = None
    assert services.closed_reason(quito_course, moment) == reason


def test_a_course_without_an_opening_date_is_not_open_yet(quito_course):
    quito_course.registration_opens_at = None
    assert services.closed_reason(quito_course, datetime(2017, 9, 1, tzinfo=UTC)) == (
        R.NOT_OPEN_YET
    )


def test_an_application_is_judged_at_the_moment_it_is_made(quito_course):
    user = make_user()
    moment = datetime(2017, 9, 30, 22, 59, tzinfo=UTC)  # 17:59 in Quito on the last day

    registration = services.apply(
        quito_course, user, application_data(email=user.email), now=moment
    )

    assert registration.status == S.CONFIRMED
    with pytest.raises(services.RegistrationClosed) as caught:
        services.apply(
            quito_course,
            make_user(),
            application_data(email="late@example.org"),
            now=moment + timedelta(minutes=1),
        )
    assert caught.value.reason == R.DEADLINE_PASSED


def test_a_participant_may_cancel_until_midnight_before_the_first_day_and_not_at_it(
    quito_course,
):
    early, late = make_registration(quito_course), make_registration(quito_course)
    start = services.course_start_utc(quito_course)

    services.cancel(early, actor=early.user, now=start - TICK)
    with pytest.raises(services.NotAllowed) as caught:
        services.cancel(late, actor=late.user, now=start)

    assert early.status == S.CANCELLED and late.status == S.CONFIRMED
    assert str(caught.value.message) == (
        "The course has started: ask the organisers to cancel your registration."
    )


def test_organisers_may_cancel_after_the_start(quito_course):
    registration = make_registration(quito_course)
    organiser = make_user(Role.ORGANISER)

    services.cancel(
        registration, actor=organiser, now=services.course_start_utc(quito_course) + TICK
    )

    assert registration.status == S.CANCELLED


def test_applying_without_consent_says_what_is_missing(quito_course):
    user = make_user()
    with pytest.raises(services.RegistrationError) as caught:
        services.apply(
            quito_course,
            user,
            application_data(email=user.email, consent_data=False),
            now=datetime(2017, 9, 1, tzinfo=UTC),
        )
    assert str(caught.value.message) == (
        "Your consent to the processing of your data is needed to apply."
    )
    assert str(caught.value) == str(caught.value.message)


def test_a_second_application_points_to_the_first(quito_course):
    user = make_user()
    first = make_registration(quito_course, user)

    with pytest.raises(services.AlreadyRegistered) as caught:
        services.apply(
            quito_course,
            user,
            application_data(email=user.email),
            now=datetime(2017, 9, 1, tzinfo=UTC),
        )

    assert caught.value.existing == first
    assert str(caught.value.message) == "You have already applied to this course."


# --- what the page says -------------------------------------------------------------------


COURSE_WORDS = {
    R.NOT_PUBLISHED: "This course is not open to the public.",
    R.CANCELLED: "This course has been cancelled: registration is closed.",
    R.NO_REGISTRATION: "Open to all: no registration needed.",
    R.NOT_OPEN_YET: "Registration for this course is not open yet.",
    R.DEADLINE_PASSED: "The closing date for applications has passed.",
    R.STARTED: "The course has already started.",
}
EVENT_WORDS = {
    R.NOT_PUBLISHED: "This event is not open to the public.",
    R.CANCELLED: "This event has been cancelled: registration is closed.",
    R.NO_REGISTRATION: "Open to all: no registration needed.",
    R.NOT_OPEN_YET: "Registration for this event is not open yet.",
    R.DEADLINE_PASSED: "The closing date for registration has passed.",
    R.STARTED: "The event has already started.",
}


@pytest.mark.parametrize("reason", list(R))
def test_a_course_explains_why_it_takes_no_application(quito_course, reason):
    assert str(reason.message_for(quito_course)) == COURSE_WORDS[reason]


@pytest.mark.parametrize("reason", list(R))
def test_an_event_explains_it_in_the_words_of_an_event(quito_course, reason):
    quito_course.kind = CourseKind.SIDE_EVENT
    assert str(reason.message_for(quito_course)) == EVENT_WORDS[reason]


def test_the_refusal_carries_the_reason_in_words(quito_course):
    quito_course.status = CourseStatus.CANCELLED
    user = make_user()

    with pytest.raises(services.RegistrationClosed) as caught:
        services.apply(quito_course, user, application_data(email=user.email))

    assert str(caught.value.message) == COURSE_WORDS[R.CANCELLED]
    assert str(caught.value) == COURSE_WORDS[R.CANCELLED]


def test_the_reasons_are_translated(app, quito_course):
    quito_course.kind = CourseKind.SIDE_EVENT
    with app.test_request_context(), force_locale("fr"):
        event_started = str(R.STARTED.message_for(quito_course))
    with app.test_request_context(), force_locale("es"):
        deadline = str(R.DEADLINE_PASSED.message)
    assert event_started not in (EVENT_WORDS[R.STARTED], "")
    assert deadline not in (COURSE_WORDS[R.DEADLINE_PASSED], "")


def test_a_course_starting_where_the_clocks_skip_midnight_starts_when_they_jump():
    """Santiago de Chile moves to summer time at 00:00 on Sunday 6 September 2026: that day
    begins at 01:00 (04:00 UTC). Registration is judged, not crashed."""
    course = make_course(start=date(2026, 9, 6), venue=make_venue("America/Santiago"))
    course.registration_opens_at = datetime(2026, 6, 1, tzinfo=UTC)
    jump = datetime(2026, 9, 6, 4, tzinfo=UTC)

    assert services.course_start_utc(course) == jump
    assert services.closed_reason(course, jump - TICK) is None
    assert services.closed_reason(course, jump) == R.STARTED
