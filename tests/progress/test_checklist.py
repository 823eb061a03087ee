"""A participant's checklist towards the certificate: each requirement, where it stands and what
is left, with dates in the venue's time; and that it agrees with the certificate's rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.certificates.services import certificate_eligibility, course_end_utc
from app.courses.models import CourseKind
from app.followup import submissions as work
from app.followup.models import ActivityKind
from app.followup.services import ActivityData, create_activity
from app.progress import services
from app.progress.services import ATTENDANCE, State
from app.registration.models import RegistrationStatus
from tests.certificates.conftest import attend, complete
from tests.factories import make_course, make_registration, make_user

ROME = ZoneInfo("Europe/Rome")


def rome(day: date, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), ROME).astimezone(UTC)


def by_key(checklist) -> dict[str, services.Requirement]:
    return {r.key: r for r in checklist.requirements}


def text(value) -> str:
    return str(value)


# --- on-site days ----------------------------------------------------------------------------


def test_before_the_week_every_day_is_left_and_the_course_end_is_ahead(
    course, participant, required_assignment
):
    registration = make_registration(course, participant)
    checklist = services.checklist(registration, now=rome(date(2017, 11, 15)))
    days = by_key(checklist)[ATTENDANCE]
    assert days.state == State.TODO and not days.is_met
    assert text(days.title) == "Attend at least 4 of the 5 on-site days"
    assert text(days.detail) == (
        "Attended 0 so far; 4 more needed. Days left: Mon 20 Nov, Tue 21 Nov, Wed 22 Nov, "
        "Thu 23 Nov, Fri 24 Nov."
    )
    assert not checklist.course_ended and checklist.ends_on == date(2017, 11, 24)
    assert not checklist.is_eligible
    assert [r.key for r in checklist.requirements] == [
        ATTENDANCE,
        f"activity-{required_assignment.id}",
    ]


def test_days_left_are_counted_from_today_at_the_venue(course, participant):
    registration = make_registration(course, participant)
    attend(registration, 2)  # Monday and Tuesday
    # 23:30 on Wednesday in Turin is Wednesday still (22:30 UTC): Wednesday counts as left.
    late_wednesday = services.checklist(registration, now=rome(date(2017, 11, 22), 23, 30))
    assert text(by_key(late_wednesday)[ATTENDANCE].detail).endswith(
        "2 more needed. Days left: Wed 22 Nov, Thu 23 Nov, Fri 24 Nov."
    )
    # Half an hour later it is Thursday in Turin, although still Wednesday in UTC.
    thursday = services.checklist(registration, now=rome(date(2017, 11, 23), 0, 0))
    assert text(by_key(thursday)[ATTENDANCE].detail).endswith("Days left: Thu 23 Nov, Fri 24 Nov.")
    assert by_key(thursday)[ATTENDANCE].state == State.TODO


def test_too_few_days_left_to_reach_the_minimum_is_missed(course, participant):
    registration = make_registration(course, participant)
    attend(registration, 1)  # only Monday
    # On Wednesday, three days are left: 1 + 3 reaches 4.
    wednesday = services.checklist(registration, now=rome(date(2017, 11, 22), 9))
    assert by_key(wednesday)[ATTENDANCE].state == State.TODO
    # On Thursday only two are: it can no longer be met.
    thursday = services.checklist(registration, now=rome(date(2017, 11, 23), 9))
    missed = by_key(thursday)[ATTENDANCE]
    assert missed.state == State.MISSED
    assert text(missed.detail) == ("Attended 1 of the 4 days required: speak to the organisers.")


def test_enough_days_is_done(eligible):
    checklist = services.checklist(eligible, now=rome(date(2017, 11, 24), 9))
    days = by_key(checklist)[ATTENDANCE]
    assert days.state == State.DONE and days.is_met
    assert text(days.detail) == "Attended 4 of 5 days."


# --- follow-up activities --------------------------------------------------------------------


def test_an_assignment_is_to_hand_in_until_its_due_minute_then_late(
    course, participant, required_assignment
):
    registration = make_registration(course, participant)
    key = f"activity-{required_assignment.id}"
    due = required_assignment.due_at
    assert due == rome(date(2017, 12, 20), 23, 59)
    before = by_key(services.checklist(registration, now=due))[key]
    assert before.state == State.TODO
    assert text(before.detail) == "To hand in by Wed 20 Dec."
    after = by_key(services.checklist(registration, now=due + timedelta(seconds=1)))[key]
    assert after.state == State.LATE and not after.is_met
    assert text(after.detail) == "Was due on Wed 20 Dec: hand it in as soon as you can."
    assert after.activity == required_assignment


def test_handed_in_work_waits_for_feedback_then_is_done_when_completed(
    course, participant, required_assignment, organiser
):
    registration = make_registration(course, participant)
    key = f"activity-{required_assignment.id}"
    handed_in = rome(date(2017, 12, 10), 23, 30)  # 22:30 UTC: still the 10th in Turin
    work.submit_work(
        registration,
        required_assignment,
        text="My plan",
        link="",
        actor=participant,
        now=handed_in,
    )
    waiting = by_key(services.checklist(registration, now=handed_in))[key]
    assert waiting.state == State.WAITING
    assert text(waiting.detail) == (
        "Handed in on Sun 10 Dec; the team will mark it complete or ask for changes."
    )
    work.mark_complete(
        work.find_submission(registration, required_assignment),
        actor=organiser,
        now=rome(date(2017, 12, 12), 0, 10),
    )
    done = by_key(services.checklist(registration, now=rome(date(2017, 12, 13))))[key]
    assert done.state == State.DONE
    assert text(done.detail) == "Completed on Tue 12 Dec."


def test_a_webinar_is_marked_complete_by_the_team(course, participant, organiser):
    webinar = create_activity(
        course,
        ActivityData(
            kind=ActivityKind.WEBINAR,
            title="Webinar on partnerships",
            day=date(2017, 12, 11),
            start_time=time(15),
            end_time=time(16),
            is_required=True,
        ),
        actor=organiser,
    )
    registration = make_registration(course, participant)
    key = f"activity-{webinar.id}"
    ahead = by_key(services.checklist(registration, now=webinar.starts_at - timedelta(seconds=1)))
    assert ahead[key].state == State.TODO
    assert text(ahead[key].detail) == "Take part on Mon 11 Dec; the team marks it complete."
    started = by_key(services.checklist(registration, now=webinar.starts_at))
    assert text(started[key].detail) == "The team marks it complete once you have taken part."
    complete(registration, webinar, organiser)
    assert by_key(services.checklist(registration))[key].state == State.DONE


def test_activities_not_required_are_not_on_the_checklist(course, participant, organiser):
    create_activity(
        course,
        ActivityData(
            kind=ActivityKind.ASSIGNMENT,
            title="Optional reading notes",
            due_date=date(2017, 12, 15),
        ),
        actor=organiser,
    )
    checklist = services.checklist(make_registration(course, participant))
    assert [r.key for r in checklist.requirements] == [ATTENDANCE]


# --- the certificate's answer ----------------------------------------------------------------


def test_everything_met_qualifies_only_once_the_course_is_over(eligible):
    # Without a timetable that day, the course is over when Saturday begins in Turin.
    last_session_end = course_end_utc(eligible.course)
    assert last_session_end == rome(date(2017, 11, 25), 0)
    during = services.checklist(eligible, now=last_session_end - timedelta(seconds=1))
    assert all(r.is_met for r in during.requirements)
    assert not during.is_eligible and not during.course_ended
    after = services.checklist(eligible, now=last_session_end)
    assert after.is_eligible and after.course_ended and after.missing == []


@pytest.mark.parametrize("days", [3, 4])
def test_the_checklist_agrees_with_the_certificate(
    course, participant, required_assignment, organiser, days
):
    registration = make_registration(course, participant)
    attend(registration, days)
    complete(registration, required_assignment, organiser)
    now = rome(date(2018, 1, 10))
    checklist = services.checklist(registration, now=now)
    eligibility = certificate_eligibility(registration, now=now)
    assert checklist.is_eligible == eligibility.is_eligible == (days == 4)
    assert [text(r) for r in checklist.reasons] == [text(r) for r in eligibility.reasons]
    assert checklist.lacks(ATTENDANCE) == (days == 3)
    assert checklist.lacks(services.ANY) == (days == 3)
    assert not checklist.lacks(f"activity-{required_assignment.id}")


@pytest.mark.parametrize(
    "status",
    [RegistrationStatus.WAITLISTED, RegistrationStatus.CANCELLED, RegistrationStatus.SUBMITTED],
)
def test_only_confirmed_participants_have_a_checklist(course, participant, status):
    assert services.checklist(make_registration(course, participant, status=status)) is None


def test_events_have_no_checklist():
    event = make_course(slug="side-event", start=date(2017, 12, 5))
    event.kind = CourseKind.SIDE_EVENT
    assert services.checklist(make_registration(event, make_user())) is None
