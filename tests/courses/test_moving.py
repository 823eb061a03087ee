"""Moving a course's first day moves its programme: sessions and follow-up keep their
wall-clock times at the venue, across daylight-saving changes, and calendars see new
versions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from app.accounts.models import Role
from app.courses import services
from app.courses.models import CourseKind
from app.extensions import db
from tests.courses.builders import (
    QUITO,
    add_assignment,
    add_session,
    add_webinar,
    details_of,
    wall_clock,
)
from tests.factories import make_course, make_user, make_venue
from tests.programmes.factories import make_event

LONG_AGO = datetime(2018, 1, 1, tzinfo=UTC)


def move(course, start: date, **overrides):
    services.update_course(
        course,
        details_of(
            course,
            start_date=start,
            registration_opens_on=None,
            registration_closes_on=None,
            **overrides,
        ),
        slug=course.slug,
        actor=make_user(Role.ORGANISER),
    )
    db.session.flush()


@pytest.fixture
def autumn_course():
    """A Turin course in the last week of summer time, 22–26 October 2018, with a morning
    session that already moved once, a follow-up webinar that changed twice and an
    assignment."""
    course = make_course(start=date(2018, 10, 22))
    course.followup_opens_on, course.followup_closes_on = date(2018, 11, 9), date(2018, 12, 6)
    opening = add_session(course, date(2018, 10, 22), time(9), time(10, 30), "Opening")
    opening.sequence = 1
    add_session(course, date(2018, 10, 26), time(16), time(17), "Closing")
    webinar = add_webinar(course, date(2018, 11, 15), time(15), time(16, 30))
    webinar.sequence = 2  # its link changed twice
    add_assignment(course, date(2018, 12, 6))
    for item in [course, *course.sessions, *course.activities]:
        item.updated_at = LONG_AGO
    db.session.flush()
    return course


def test_moving_the_first_day_moves_every_session_keeping_its_wall_clock_time(autumn_course):
    # A week later Turin is on winter time: 09:00 is now 08:00 UTC instead of 07:00.
    move(autumn_course, date(2018, 10, 29))
    opening, closing = autumn_course.sessions
    assert (wall_clock(opening.starts_at), wall_clock(opening.ends_at)) == (
        (2018, 10, 29, 9, 0),
        (2018, 10, 29, 10, 30),
    )
    assert opening.starts_at == datetime(2018, 10, 29, 8, 0, tzinfo=UTC)
    assert (wall_clock(closing.starts_at), wall_clock(closing.ends_at)) == (
        (2018, 11, 2, 16, 0),
        (2018, 11, 2, 17, 0),
    )


def test_moved_sessions_get_a_new_calendar_version_and_date(autumn_course):
    move(autumn_course, date(2018, 10, 29))
    assert [s.sequence for s in autumn_course.sessions] == [2, 1]
    assert all(s.updated_at > LONG_AGO for s in autumn_course.sessions)
    assert autumn_course.updated_at > LONG_AGO


def test_moving_the_first_day_moves_the_follow_up_phase_by_as_many_days(autumn_course):
    move(autumn_course, date(2018, 10, 29))
    assert (autumn_course.followup_opens_on, autumn_course.followup_closes_on) == (
        date(2018, 11, 16),
        date(2018, 12, 13),
    )


def test_moving_the_first_day_moves_follow_up_activities_keeping_their_times(autumn_course):
    move(autumn_course, date(2018, 10, 29))
    webinar, assignment = autumn_course.activities
    assert (wall_clock(webinar.starts_at), wall_clock(webinar.ends_at)) == (
        (2018, 11, 22, 15, 0),
        (2018, 11, 22, 16, 30),
    )
    assert webinar.due_at is None
    assert wall_clock(assignment.due_at) == (2018, 12, 13, 23, 59)
    assert (assignment.starts_at, assignment.ends_at) == (None, None)
    assert [a.sequence for a in autumn_course.activities] == [3, 1]
    assert all(a.updated_at > LONG_AGO for a in autumn_course.activities)


def test_moving_the_first_day_back_into_winter_time_keeps_the_wall_clock_too():
    # 1 April 2019 is summer time in Turin; 25 March, a week earlier, still winter time.
    course = make_course(start=date(2019, 4, 1))
    course.followup_opens_on, course.followup_closes_on = date(2019, 4, 19), date(2019, 5, 16)
    session = add_session(course, date(2019, 4, 3), time(9), time(12, 30))
    webinar = add_webinar(course, date(2019, 4, 25), time(15), time(16))

    move(course, date(2019, 3, 25))

    assert session.starts_at == datetime(2019, 3, 27, 8, 0, tzinfo=UTC)
    assert wall_clock(session.ends_at) == (2019, 3, 27, 12, 30)
    assert wall_clock(webinar.starts_at) == (2019, 4, 18, 15, 0)
    assert (course.followup_opens_on, course.followup_closes_on) == (
        date(2019, 4, 12),
        date(2019, 5, 9),
    )


def test_a_programme_moved_with_a_new_venue_keeps_the_old_venues_wall_clock(autumn_course):
    """The sessions were planned at the old venue's times; moving the dates keeps them."""
    move(autumn_course, date(2018, 10, 29), venue=make_venue(QUITO))
    assert autumn_course.timezone == QUITO
    assert wall_clock(autumn_course.sessions[0].starts_at) == (2018, 10, 29, 9, 0)


def test_saving_without_moving_the_first_day_leaves_the_programme_alone(autumn_course):
    before = [(s.starts_at, s.ends_at, s.sequence) for s in autumn_course.sessions]
    move(autumn_course, date(2018, 10, 22), contact_name="Course secretariat")
    assert [(s.starts_at, s.ends_at, s.sequence) for s in autumn_course.sessions] == before
    assert [a.sequence for a in autumn_course.activities] == [2, 0]
    assert autumn_course.followup_opens_on == date(2018, 11, 9)


def test_moving_an_event_without_follow_up_moves_its_sessions_only():
    event = make_event(CourseKind.WEBINAR, title="Data webinar", start=date(2018, 10, 25))
    event.is_online, event.online_url, event.venue = True, "https://meet.example.org/d", None
    session = add_session(event, date(2018, 10, 25), time(13), time(14))
    move(event, date(2018, 11, 1))
    assert session.starts_at == datetime(2018, 11, 1, 13, 0, tzinfo=UTC)
    assert (event.followup_opens_on, event.followup_closes_on) == (None, None)


def test_the_address_is_changed_with_the_details():
    course = make_course(slug="governing-2018", start=date(2018, 10, 22))
    services.update_course(
        course, details_of(course), slug="governing-migration-2018", actor=make_user()
    )
    assert course.slug == "governing-migration-2018"
