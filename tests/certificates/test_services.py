"""Who may have a certificate, issuing it once, and its code."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa

from app.certificates import services
from app.certificates.models import Certificate
from app.extensions import db
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
    "status",
    [RegistrationStatus.CANCELLED, RegistrationStatus.WAITLISTED, RegistrationStatus.SUBMITTED],
)
def test_only_confirmed_participants(course, status):
    registration = make_registration(course, status=status)
    attend(registration, 5)
    assert (
        "Certificates are for confirmed participants"
        in reasons(services.certificate_eligibility(registration))[0]
    )


def test_several_things_missing_are_all_said(course, participant, required_assignment):
    registration = make_registration(course, participant)
    attend(registration, 1)
    result = services.certificate_eligibility(
        registration, now=datetime.combine(date(2017, 11, 21), time(12), UTC)
    )
    assert len(result.reasons) == 3


def test_course_overview_counts_each_confirmed_participant(
    course, eligible, required_assignment, organiser
):
    late = make_registration(course, make_user(name="Bruno Keller"))
    attend(late, 2)
    make_registration(course, status=RegistrationStatus.CANCELLED)
    services.issue_certificate(eligible, actor=organiser)
    rows = services.course_certificates(course)
    assert [(r.certificate_name, bool(e), c is not None) for r, e, c in rows] == [
        ("Ana Sørensen", True, True),
        ("Bruno Keller", False, False),
    ]


# --- issuing ---------------------------------------------------------------------------------


def test_issue_is_idempotent(eligible, organiser):
    first = services.issue_certificate(eligible, actor=organiser)
    db.session.commit()
    second = services.issue_certificate(eligible)
    assert second.id == first.id and second.code == first.code
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1
    db.session.expire_all()
    assert eligible.certificate.id == first.id


def test_the_code_is_twelve_unambiguous_characters(eligible):
    certificate = services.issue_certificate(eligible)
    assert len(certificate.code) == 12
    assert set(certificate.code) <= set(services.CODE_ALPHABET)
    assert not set("01IO") & set(services.CODE_ALPHABET)
    formatted = services.format_code(certificate.code)
    assert len(formatted) == 14 and formatted[4] == formatted[9] == "-"


def test_codes_are_unique(course, organiser):
    codes = set()
    for _ in range(20):
        registration = make_registration(course)
        attend(registration, 4)
        codes.add(services.issue_certificate(registration, actor=organiser).code)
    assert len(codes) == 20


def test_a_taken_code_is_drawn_again(eligible, course, required_assignment, organiser, monkeypatch):
    other = make_registration(course, make_user())
    attend(other, 4)
    complete(other, required_assignment, organiser)
    drawn = iter(["AAAABBBBCCCC", "AAAABBBBCCCC", "DDDDEEEEFFFF"])
    monkeypatch.setattr(services, "new_code", lambda: next(drawn))
    assert services.issue_certificate(eligible).code == "AAAABBBBCCCC"
    assert services.issue_certificate(other).code == "DDDDEEEEFFFF"


def test_the_name_is_a_snapshot(eligible):
    certificate = services.issue_certificate(eligible)
    db.session.commit()
    eligible.certificate_name = "Ana Sørensen-Rossi"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).name == "Ana Sørensen"


def test_not_eligible_is_refused_with_the_reasons(course, participant):
    registration = make_registration(course, participant)
    attend(registration, 2)
    with pytest.raises(services.NotEligible) as caught:
        services.issue_certificate(registration)
    assert "Attended 2 of the 4" in str(caught.value)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0


def test_an_issued_certificate_stays_issued(eligible):
    """Attendance corrected afterwards does not take a certificate back."""
    certificate = services.issue_certificate(eligible)
    eligible.attendance.clear()
    assert services.issue_certificate(eligible).id == certificate.id


# --- codes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["{grouped}", "{plain}", "{lower}", " {grouped_lower} ", "{spaced}"],
)
def test_find_by_code_as_typed(eligible, typed):
    code = services.issue_certificate(eligible).code
    grouped = services.format_code(code)
    text = typed.format(
        grouped=grouped,
        plain=code,
        lower=code.lower(),
        grouped_lower=grouped.lower(),
        spaced=grouped.replace("-", " "),
    )
    assert services.find_certificate(text).id == eligible.certificate.id


@pytest.mark.parametrize("typed", ["", "ABCD", "ABCD-EFGH-JKL0", "ABCD-EFGH-JKLMN", "%%%%"])
def test_unknown_or_malformed_codes_find_nothing(eligible, typed):
    services.issue_certificate(eligible)
    assert services.find_certificate(typed) is None


def test_normalise_and_format_codes():
    assert services.normalise_code("abcd-efgh jklm") == "ABCDEFGHJKLM"
    assert services.format_code("ABCDEFGHJKLM") == "ABCD-EFGH-JKLM"


def test_another_course_does_not_share_required_activities(participant, organiser):
    course = make_course(start=date(2017, 11, 20), organisers=(organiser,))
    registration = make_registration(course, participant)
    attend(registration, 4)
    assert services.certificate_eligibility(registration)
