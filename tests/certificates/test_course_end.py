"""When a course is over, so that certificates may be issued: the end of the last session held on
its last day, at the venue, or, without a timetable that day, the start of the next day there."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from app.certificates import services
from app.core.timeutil import local_to_utc
from app.courses.models import Course
from app.extensions import db
from app.schedule.models import CourseSession
from tests.certificates.conftest import attend
from tests.factories import make_course, make_registration, make_user, make_venue

MICROSECOND = timedelta(microseconds=1)


def add_session(course: Course, title: str, day: date, start: time, end: time) -> CourseSession:
    """A session on ``day`` at the venue; an end earlier than the start is on the next day."""
    end_day = day + timedelta(days=1) if end <= start else day
    session = CourseSession(
        title=title,
        starts_at=local_to_utc(day, start, course.timezone),
        ends_at=local_to_utc(end_day, end, course.timezone),
    )
    course.sessions.append(session)
    db.session.flush()
    return session


def has_ended(course: Course, now: datetime) -> bool:
    """Whether a participant who attended every day and owes nothing may have a certificate."""
    registration = make_registration(course, make_user(name="Ana Sørensen"))
    attend(registration, course.days)
    eligibility = services.certificate_eligibility(registration, now=now)
    assert eligibility.reasons in ([], ["The course has not ended yet."])
    return eligibility.is_eligible


def test_without_a_timetable_on_the_last_day_it_ends_at_midnight_at_the_venue(course):
    for day in course.day_dates[:4]:
        add_session(course, "Plenary", day, time(9, 0), time(17, 30))
    midnight_in_turin = datetime(2017, 11, 24, 23, 0, tzinfo=UTC)
    assert services.course_end_utc(course) == midnight_in_turin
    assert not has_ended(course, midnight_in_turin - MICROSECOND)
    assert has_ended(course, midnight_in_turin)


def test_the_end_is_a_utc_time_whatever_the_servers_zone(course):
    assert str(services.course_end_utc(course)) == "2017-11-24 23:00:00+00:00"


def test_it_ends_with_the_last_session_of_the_last_day(course):
    friday = course.end_date
    add_session(course, "Action planning", friday, time(9, 0), time(12, 30))
    add_session(course, "Evaluation and certificates", friday, time(14, 0), time(16, 0))
    four_pm_in_turin = datetime(2017, 11, 24, 15, 0, tzinfo=UTC)
    assert services.course_end_utc(course) == four_pm_in_turin
    assert not has_ended(course, four_pm_in_turin - MICROSECOND)
    assert has_ended(course, four_pm_in_turin)


def test_a_farewell_dinner_ending_exactly_at_midnight_keeps_the_course_open_until_then(course):
    friday = course.end_date
    add_session(course, "Evaluation and certificates", friday, time(14, 0), time(16, 0))
    add_session(course, "Farewell dinner", friday, time(21, 0), time(0, 0))
    midnight_in_turin = datetime(2017, 11, 24, 23, 0, tzinfo=UTC)
    assert services.course_end_utc(course) == midnight_in_turin
    assert not has_ended(course, midnight_in_turin - MICROSECOND)
    assert has_ended(course, midnight_in_turin)


def test_a_last_session_running_past_midnight_keeps_the_course_open_until_it_ends(course):
    friday = course.end_date
    add_session(course, "Evaluation and certificates", friday, time(14, 0), time(16, 0))
    add_session(course, "Farewell party", friday, time(22, 0), time(1, 0))
    one_am_in_turin = datetime(2017, 11, 25, 0, 0, tzinfo=UTC)
    assert services.course_end_utc(course) == one_am_in_turin
    assert not has_ended(course, one_am_in_turin - MICROSECOND)


def test_an_evening_session_the_day_before_ending_at_midnight_does_not_end_the_course(course):
    thursday = course.end_date - timedelta(days=1)
    add_session(course, "Study visit and dinner", thursday, time(18, 0), time(0, 0))
    friday_noon_in_turin = datetime(2017, 11, 24, 11, 0, tzinfo=UTC)
    assert services.course_end_utc(course) == datetime(2017, 11, 24, 23, 0, tzinfo=UTC)
    assert not has_ended(course, friday_noon_in_turin)


def test_sessions_belong_to_the_day_they_have_at_the_venue():
    """19:00 on Friday in Bogotá is already Saturday in UTC (and in Auckland, the test zone)."""
    course = make_course(start=date(2017, 11, 20), venue=make_venue("America/Bogota"))
    add_session(course, "Closing plenary", course.end_date, time(19, 0), time(21, 0))
    nine_pm_in_bogota = datetime(2017, 11, 25, 2, 0, tzinfo=UTC)
    assert services.course_end_utc(course) == nine_pm_in_bogota
    assert has_ended(course, nine_pm_in_bogota)


@pytest.mark.parametrize(
    ("zone", "start", "day_after_starts"),
    [
        # Clocks jump from 00:00 to 01:00 on Sunday 3 September 2023 (-04 to -03).
        ("America/Santiago", date(2023, 8, 29), datetime(2023, 9, 3, 4, 0, tzinfo=UTC)),
        # And on Sunday 26 March 2023 in Beirut (+02 to +03): the day starts the evening before.
        ("Asia/Beirut", date(2023, 3, 21), datetime(2023, 3, 25, 22, 0, tzinfo=UTC)),
    ],
)
def test_where_the_clocks_skip_the_midnight_after_it_ends_when_they_jump(
    zone, start, day_after_starts
):
    course = make_course(start=start, venue=make_venue(zone))
    assert services.course_end_utc(course) == day_after_starts
    assert not has_ended(course, day_after_starts - MICROSECOND)
    assert has_ended(course, day_after_starts)


def test_a_last_day_whose_midnight_the_clocks_skip_ends_with_its_sessions():
    course = make_course(start=date(2023, 8, 30), venue=make_venue("America/Santiago"))
    assert course.end_date == date(2023, 9, 3)
    add_session(course, "Closing plenary", course.end_date, time(9, 0), time(12, 0))
    noon_in_santiago = datetime(2023, 9, 3, 15, 0, tzinfo=UTC)
    assert services.course_end_utc(course) == noon_in_santiago
    assert has_ended(course, noon_in_santiago)
