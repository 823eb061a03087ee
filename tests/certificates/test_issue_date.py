"""The date a certificate carries: the last on-site day (Friday 24 November 2017 in Turin), or
the venue's local day on which the participant met the last condition, if later; never the day
it was first downloaded."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from app.certificates import services
from app.certificates.models import Certificate
from app.certificates.pdf import render_certificate_pdf
from app.evaluation import answering, opening, questionnaire
from app.evaluation import services as evaluation_services
from app.extensions import db
from app.followup import submissions as work
from app.followup.models import ActivityKind
from app.followup.services import ActivityData, apply_followup_defaults, create_activity
from tests.certificates.conftest import attend
from tests.certificates.test_pdf import pdf_text
from tests.conftest import login
from tests.evaluation.conftest import rating_answers
from tests.factories import make_course, make_registration, make_user, make_venue

LAST_DAY = date(2017, 11, 24)
# Downloaded for the first time more than nine years later.
DOWNLOADED = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def done(registration, activity, organiser, at: datetime) -> None:
    work.mark_complete(work.ensure_submission(registration, activity), actor=organiser, now=at)
    db.session.flush()


def stored_date(certificate: Certificate) -> date:
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Certificate, certificate.id).issued_on


@pytest.fixture
def ana(course, required_assignment, organiser):
    registration = make_registration(course, make_user(name="Ana Sørensen"))
    attend(registration, 4)
    return registration


def test_eligible_at_the_end_it_is_dated_the_last_on_site_day(ana, required_assignment, organiser):
    # The hand-in was marked complete on the Thursday of the on-site week.
    done(ana, required_assignment, organiser, datetime(2017, 11, 23, 15, 0, tzinfo=UTC))
    certificate = services.issue_certificate(ana, now=DOWNLOADED)
    assert stored_date(certificate) == LAST_DAY
    assert certificate.issued_at == DOWNLOADED  # when the row was made, kept for the record


def test_a_hand_in_completed_two_weeks_later_dates_it_that_day(ana, required_assignment, organiser):
    done(ana, required_assignment, organiser, datetime(2017, 12, 8, 10, 0, tzinfo=UTC))
    assert stored_date(services.issue_certificate(ana, now=DOWNLOADED)) == date(2017, 12, 8)


@pytest.mark.parametrize(
    ("completed", "dated"),
    [
        # 23:59 in Turin (CET, UTC+1) is still the 8th there...
        (datetime(2017, 12, 8, 22, 59, tzinfo=UTC), date(2017, 12, 8)),
        # ...23:30 UTC is already 00:30 on the 9th at the venue.
        (datetime(2017, 12, 8, 23, 30, tzinfo=UTC), date(2017, 12, 9)),
    ],
)
def test_the_day_is_the_venues(ana, required_assignment, organiser, completed, dated):
    done(ana, required_assignment, organiser, completed)
    assert stored_date(services.issue_certificate(ana, now=DOWNLOADED)) == dated


def test_in_a_zone_west_of_utc_an_early_utc_moment_is_still_the_day_before(organiser):
    course = make_course(start=date(2018, 3, 5), venue=make_venue("America/Bogota"))
    apply_followup_defaults(course)
    activity = create_activity(
        course,
        ActivityData(
            kind=ActivityKind.ASSIGNMENT,
            title="Action plan",
            due_date=date(2018, 4, 10),
            is_required=True,
        ),
        actor=organiser,
    )
    registration = make_registration(course, make_user(name="José Ñúñez"))
    attend(registration, 5)
    # 03:00 UTC on the 20th is 22:00 on the 19th in Bogotá (UTC−5).
    done(registration, activity, organiser, datetime(2018, 3, 20, 3, 0, tzinfo=UTC))
    certificate = services.issue_certificate(registration, now=DOWNLOADED)
    assert stored_date(certificate) == date(2018, 3, 19)


def test_the_latest_of_several_required_activities_counts(
    course, ana, required_assignment, organiser
):
    peer_review = create_activity(
        course,
        ActivityData(
            kind=ActivityKind.ASSIGNMENT,
            title="Peer review",
            due_date=date(2017, 12, 20),
            is_required=True,
        ),
        actor=organiser,
    )
    done(ana, peer_review, organiser, datetime(2017, 12, 14, 9, 0, tzinfo=UTC))
    done(ana, required_assignment, organiser, datetime(2017, 12, 5, 9, 0, tzinfo=UTC))
    assert stored_date(services.issue_certificate(ana, now=DOWNLOADED)) == date(2017, 12, 14)


def test_an_optional_activity_completed_later_does_not_move_it(
    course, ana, required_assignment, organiser
):
    optional = create_activity(
        course,
        ActivityData(
            kind=ActivityKind.ASSIGNMENT,
            title="Optional essay",
            due_date=date(2017, 12, 20),
            is_required=False,
        ),
        actor=organiser,
    )
    done(ana, required_assignment, organiser, datetime(2017, 11, 30, 9, 0, tzinfo=UTC))
    done(ana, optional, organiser, datetime(2018, 1, 15, 9, 0, tzinfo=UTC))
    assert stored_date(services.issue_certificate(ana, now=DOWNLOADED)) == date(2017, 11, 30)


def test_only_the_participants_own_completions_count(course, ana, required_assignment, organiser):
    late_colleague = make_registration(course, make_user(name="Ana Sorensen"))
    attend(late_colleague, 4)
    done(ana, required_assignment, organiser, datetime(2017, 11, 27, 9, 0, tzinfo=UTC))
    done(late_colleague, required_assignment, organiser, datetime(2018, 2, 1, 9, 0, tzinfo=UTC))
    assert stored_date(services.issue_certificate(ana, now=DOWNLOADED)) == date(2017, 11, 27)
    assert stored_date(services.issue_certificate(late_colleague, now=DOWNLOADED)) == date(
        2018, 2, 1
    )


def test_without_follow_up_conditions_it_is_the_last_day():
    course = make_course(start=date(2017, 11, 20), venue=make_venue("Europe/Rome"))
    registration = make_registration(course)
    attend(registration, 5)
    assert services.issue_date(registration) == LAST_DAY


def test_attendance_ticked_late_does_not_move_it(ana, required_assignment, organiser):
    """Presence is a fact of the on-site days, whenever the grid was filled in."""
    done(ana, required_assignment, organiser, datetime(2017, 11, 24, 12, 0, tzinfo=UTC))
    for row in ana.attendance:
        row.recorded_at = datetime(2017, 12, 20, 9, 0, tzinfo=UTC)
    assert stored_date(services.issue_certificate(ana, now=DOWNLOADED)) == LAST_DAY


def _evaluation(course, *, required: bool):
    evaluation = questionnaire.create_evaluation(course, actor=None)
    opening.open_evaluation(evaluation, actor=None, now=evaluation_services.opens_at(evaluation))
    evaluation.required_for_certificate = required
    return evaluation


def test_a_required_evaluation_answered_last_dates_it(ana, required_assignment, organiser, course):
    evaluation = _evaluation(course, required=True)
    done(ana, required_assignment, organiser, datetime(2017, 11, 28, 9, 0, tzinfo=UTC))
    answered = datetime(2017, 12, 3, 23, 15, tzinfo=UTC)  # 00:15 on the 4th in Turin
    answering.submit_answers(evaluation, ana, rating_answers(evaluation), now=answered)
    assert stored_date(services.issue_certificate(ana, now=DOWNLOADED)) == date(2017, 12, 4)


def test_an_evaluation_that_is_no_condition_does_not_date_it(
    ana, required_assignment, organiser, course
):
    evaluation = _evaluation(course, required=False)
    done(ana, required_assignment, organiser, datetime(2017, 11, 28, 9, 0, tzinfo=UTC))
    answered = datetime(2017, 12, 10, 9, 0, tzinfo=UTC)
    answering.submit_answers(evaluation, ana, rating_answers(evaluation), now=answered)
    assert stored_date(services.issue_certificate(ana, now=DOWNLOADED)) == date(2017, 11, 28)


def test_the_pdf_and_the_verification_page_show_that_date(
    client, ana, required_assignment, organiser
):
    done(ana, required_assignment, organiser, datetime(2017, 12, 8, 23, 30, tzinfo=UTC))
    login(client, ana.user)
    response = client.get(f"/my/registrations/{ana.id}/certificate.pdf")
    assert response.status_code == 200
    assert "Issued on December 9, 2017." in pdf_text(response.data)
    certificate = db.session.scalar(sa.select(Certificate))
    page = client.get(f"/certificates/{certificate.code}").get_data(as_text=True)
    assert "December 9, 2017" in page
    assert "Issued on December 9, 2017." in pdf_text(render_certificate_pdf(certificate))


def test_a_certificate_issued_long_ago_keeps_its_date_when_downloaded_again(
    client, ana, required_assignment, organiser
):
    done(ana, required_assignment, organiser, datetime(2017, 11, 24, 16, 0, tzinfo=UTC))
    certificate = services.issue_certificate(ana, now=datetime(2017, 11, 27, 9, 0, tzinfo=UTC))
    db.session.commit()
    login(client, ana.user)
    text = pdf_text(client.get(f"/my/registrations/{ana.id}/certificate.pdf").data)
    assert "Issued on November 24, 2017." in text
    assert services.format_code(certificate.code) in text


def test_the_overview_knows_who_answered_a_required_evaluation(
    course, ana, required_assignment, organiser
):
    """Eligibility as the course overview computes it for everyone at once: the evaluation is
    a condition; Ana answered, her namesake did not."""
    namesake = make_registration(course, make_user(name="Ana Sorensen"))
    attend(namesake, 5)
    for registration in (ana, namesake):
        done(registration, required_assignment, organiser, datetime(2017, 11, 28, tzinfo=UTC))
    evaluation = _evaluation(course, required=True)
    answering.submit_answers(
        evaluation, ana, rating_answers(evaluation), now=datetime(2017, 11, 29, tzinfo=UTC)
    )
    rows = {r.id: e for r, e, _c in services.course_certificates(course, now=DOWNLOADED)}
    assert rows[ana.id].is_eligible and not rows[ana.id].evaluation_missing
    assert rows[namesake.id].evaluation_missing and not rows[namesake.id].is_eligible
    assert [c.name for c in services.issue_all(course, actor=organiser, now=DOWNLOADED)] == [
        "Ana Sørensen"
    ]


def test_only_the_participants_own_evaluation_answer_dates_it(
    course, ana, required_assignment, organiser
):
    namesake = make_registration(course, make_user(name="Ana Sorensen"))
    attend(namesake, 5)
    evaluation = _evaluation(course, required=True)
    for registration, day in ((namesake, 2), (ana, 6)):
        done(registration, required_assignment, organiser, datetime(2017, 11, 28, tzinfo=UTC))
        answering.submit_answers(
            evaluation,
            registration,
            rating_answers(evaluation),
            now=datetime(2017, 12, day, 9, 0, tzinfo=UTC),
        )
    assert services.issue_date(ana) == date(2017, 12, 6)
    assert services.issue_date(namesake) == date(2017, 12, 2)
