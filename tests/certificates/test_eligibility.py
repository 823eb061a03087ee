"""Who may have a certificate of participation, and what they still lack."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from flask_babel import force_locale

from app.certificates import services
from app.courses.models import CourseKind
from app.followup import submissions as work
from app.followup.models import ActivityKind
from app.followup.services import ActivityData, create_activity
from app.registration.models import Attendance, RegistrationStatus
from tests.certificates.conftest import attend, complete
from tests.factories import make_course, make_registration, make_user


def reasons(eligibility) -> list[str]:
    return [str(r) for r in eligibility.reasons]


# --- eligibility -----------------------------------------------------------------------------


def test_four_of_five_days_and_the_required_assignment_done_is_eligible(eligible):
    result = services.certificate_eligibility(eligible)
    assert result.is_eligible and bool(result)
    assert (result.days_attended, result.days_required) == (4, 4)
    assert result.reasons == [] and result.missing_activities == []


def test_an_evaluation_still_to_answer_says_where_to_answer_it(eligible):
    # The caller that loaded it for many registrations says the evaluation is missing.
    result = services.certificate_eligibility(eligible, evaluation_missing=True)
    assert not result and result.evaluation_missing
    assert reasons(result) == [
        "Evaluation not completed yet: answer the end-of-course evaluation (linked "
        "from “My courses”) while it is open."
    ]


def test_three_days_is_not_enough(course, participant, required_assignment, organiser):
    registration = make_registration(course, participant)
    attend(registration, 3)
    complete(registration, required_assignment, organiser)
    result = services.certificate_eligibility(registration)
    assert not result
    assert reasons(result) == ["Attended 3 of the 4 on-site days required (out of 5)."]


def test_a_required_activity_not_completed_is_missing(
    course, participant, required_assignment, organiser
):
    registration = make_registration(course, participant)
    attend(registration, 5)
    result = services.certificate_eligibility(registration)
    assert not result
    assert result.missing_activities == [required_assignment]
    assert reasons(result) == [
        "Required follow-up activities not completed yet: “Local action plan”."
    ]


def test_a_submission_not_yet_completed_does_not_count(course, participant, required_assignment):
    registration = make_registration(course, participant)
    attend(registration, 5)
    # Submitted while the phase was open, never completed by the organisers.
    work.submit_work(
        registration,
        required_assignment,
        text="My plan",
        link="",
        actor=participant,
        now=datetime(2017, 12, 10, 12, tzinfo=UTC),
    )
    assert services.certificate_eligibility(registration).missing_activities == [
        required_assignment
    ]


def test_optional_activities_are_not_needed(course, participant, organiser):
    create_activity(
        course,
        ActivityData(kind=ActivityKind.ASSIGNMENT, title="Optional", due_date=date(2017, 12, 20)),
        actor=organiser,
    )
    registration = make_registration(course, participant)
    attend(registration, 4)
    assert services.certificate_eligibility(registration)


def test_absent_days_and_days_outside_the_week_do_not_count(course, participant):
    registration = make_registration(course, participant)
    attend(registration, 3)
    registration.attendance.append(Attendance(day=course.day_dates[3], is_present=False))
    registration.attendance.append(Attendance(day=date(2017, 11, 25), is_present=True))
    assert services.days_attended(registration) == 3
    assert not services.certificate_eligibility(registration)


def test_the_course_may_ask_for_every_day(course, participant):
    course.min_attendance_days = 5
    registration = make_registration(course, participant)
    attend(registration, 4)
    assert reasons(services.certificate_eligibility(registration)) == [
        "Attended 4 of the 5 on-site days required (out of 5)."
    ]


def test_not_before_the_course_has_ended(course, participant):
    registration = make_registration(course, participant)
    attend(registration, 5)
    friday_noon = datetime(2017, 11, 24, 11, tzinfo=UTC)
    assert "The course has not ended yet." in reasons(
        services.certificate_eligibility(registration, now=friday_noon)
    )
    saturday = datetime(2017, 11, 24, 23, 0, tzinfo=UTC)  # midnight in Turin
    assert services.certificate_eligibility(registration, now=saturday)


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (RegistrationStatus.CANCELLED, "Cancelled"),
        (RegistrationStatus.WAITLISTED, "On the waiting list"),
        (RegistrationStatus.SUBMITTED, "Submitted"),
    ],
)
def test_only_confirmed_participants_and_the_reason_names_the_status(course, status, label):
    registration = make_registration(course, make_user(name="Ana Sorensen"), status=status)
    attend(registration, 5)
    assert reasons(services.certificate_eligibility(registration)) == [
        f"Certificates are for confirmed participants (this registration is: {label})."
    ]


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        (
            "fr",
            "Les certificats sont réservés aux participants confirmés "
            "(statut de cette inscription\u00a0: Annulé).",  # no-break space before ":"
        ),
        (
            "es",
            "Los certificados son para los participantes confirmados "
            "(estado de esta inscripción: Cancelado).",
        ),
    ],
)
def test_the_reason_is_said_in_the_readers_language(app, course, locale, said):
    registration = make_registration(course, status=RegistrationStatus.CANCELLED)
    attend(registration, 5)
    result = services.certificate_eligibility(registration)
    with app.test_request_context(), force_locale(locale):
        assert reasons(result) == [said]


def test_several_things_missing_are_all_said(course, participant, required_assignment):
    registration = make_registration(course, participant)
    attend(registration, 1)
    result = services.certificate_eligibility(
        registration, now=datetime.combine(date(2017, 11, 21), time(12), UTC)
    )
    assert reasons(result) == [
        "The course has not ended yet.",
        "Attended 1 of the 4 on-site days required (out of 5).",
        "Required follow-up activities not completed yet: “Local action plan”.",
    ]


def test_every_missing_activity_is_named_in_date_order(
    course, participant, required_assignment, organiser
):
    peer_review = create_activity(
        course,
        ActivityData(
            kind=ActivityKind.ASSIGNMENT,
            title="Peer review",
            due_date=date(2017, 12, 12),
            is_required=True,
        ),
        actor=organiser,
    )
    registration = make_registration(course, participant)
    attend(registration, 4)
    result = services.certificate_eligibility(registration)
    assert result.missing_activities == [peer_review, required_assignment]
    assert reasons(result) == [
        "Required follow-up activities not completed yet: “Peer review”, “Local action plan”."
    ]


def test_a_colleagues_completed_work_counts_only_for_them(
    course, participant, required_assignment, organiser
):
    colleague = make_registration(course, make_user(name="Ana Sorensen"))
    attend(colleague, 4)
    complete(colleague, required_assignment, organiser)
    registration = make_registration(course, participant)
    attend(registration, 4)
    assert services.certificate_eligibility(colleague)
    assert services.certificate_eligibility(registration).missing_activities == [
        required_assignment
    ]


@pytest.mark.parametrize("kind", [CourseKind.SIDE_EVENT, CourseKind.CONFERENCE])
def test_events_have_no_certificate(course, participant, kind):
    course.kind = kind
    registration = make_registration(course, participant, status=RegistrationStatus.CANCELLED)
    attend(registration, 5)
    result = services.certificate_eligibility(registration)
    assert not result
    assert reasons(result) == ["Events have no certificate of participation."]
    assert (result.days_attended, result.days_required) == (5, 4)


def test_another_course_does_not_share_required_activities(participant, organiser):
    course = make_course(start=date(2017, 11, 20), organisers=(organiser,))
    registration = make_registration(course, participant)
    attend(registration, 4)
    assert services.certificate_eligibility(registration)
