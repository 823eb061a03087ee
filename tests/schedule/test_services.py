"""The rules of one session, through the services: times, week, daylight saving, rooms, sequence."""

from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.extensions import db
from app.schedule.models import CourseSession, SessionKind, SessionStatus
from app.schedule.services import (
    InvalidSession,
    NotAllowed,
    SessionData,
    cancel_session,
    create_session,
    delete_session,
    find_room_overlaps,
    overlapping_sessions,
    restore_session,
    sessions_by_day,
    update_session,
)
from tests.factories import make_course, make_user, make_venue
from tests.neighbours import neighbour_id
from tests.schedule.conftest import add_session


def data_for(session, **changes):
    from app.schedule.services import local_times

    day, start, end = local_times(session)
    values = {
        "title": session.title,
        "kind": session.kind,
        "day": day,
        "start": start,
        "end": end,
        "room": session.room,
        "module": session.module,
        "facilitators": session.facilitators,
        "description": session.description,
    }
    values.update(changes)
    return SessionData(**values)


def stored_count():
    """Sessions stored for the courses the test made, not for the busy neighbour."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(CourseSession)
        .where(CourseSession.course_id != neighbour_id())
    )


def test_a_session_is_stored_in_utc_from_the_venue_wall_clock():
    organiser = make_user(Role.ORGANISER)
    course = make_course(organisers=(organiser,))
    data = SessionData(title="Welcome", day=date(2017, 11, 20), start=time(9), end=time(10, 30))

    session = create_session(course, data, actor=organiser)

    assert session.starts_at == datetime(2017, 11, 20, 8, 0, tzinfo=UTC)
    assert session.ends_at == datetime(2017, 11, 20, 9, 30, tzinfo=UTC)
    assert session.sequence == 0
    assert session.course is course


def test_a_session_must_end_after_it_starts():
    course = make_course()

    with pytest.raises(InvalidSession) as caught:
        add_session(course, start=time(11), end=time(10))

    assert str(caught.value.errors["end"]) == "The session must end after it starts."
    assert stored_count() == 0


def test_a_session_must_take_place_during_the_course_week():
    course = make_course()

    with pytest.raises(InvalidSession) as caught:
        add_session(course, day=date(2017, 11, 25))

    message = str(caught.value.errors["day"])
    assert message.startswith("The session must take place during the course week (")
    assert "2017" in message
    assert stored_count() == 0


def test_a_time_skipped_by_daylight_saving_is_refused():
    # Sunday 25 March 2018 in Turin: the clocks go from 02:00 straight to 03:00.
    course = make_course(start=date(2018, 3, 22))

    with pytest.raises(InvalidSession) as caught:
        add_session(course, day=date(2018, 3, 25), start=time(2, 30), end=time(4, 0))

    assert "02:30 does not exist" in str(caught.value.errors["start"])
    assert "end" not in caught.value.errors
    assert stored_count() == 0


def test_a_room_of_another_venue_is_refused():
    other_room = make_venue(rooms=("Elsewhere",)).rooms[0]
    course = make_course()

    with pytest.raises(InvalidSession) as caught:
        add_session(course, room=other_room)

    assert "room" in caught.value.errors


def test_someone_who_does_not_manage_the_course_may_not_change_it():
    course = make_course()
    participant = make_user()
    data = SessionData(title="Welcome", day=course.start_date, start=time(9), end=time(10))

    with pytest.raises(NotAllowed):
        create_session(course, data, actor=participant)
    session = add_session(course)
    with pytest.raises(NotAllowed):
        cancel_session(session, actor=participant)
    with pytest.raises(NotAllowed):
        delete_session(session, actor=participant)


def test_sessions_are_grouped_by_the_venues_local_date():
    # New York: 23:30 local on Tuesday is already Wednesday in UTC.
    course = make_course(venue=make_venue("America/New_York"))
    late = add_session(
        course, "Evening networking", day=date(2017, 11, 21), start=time(22), end=time(23, 30)
    )
    early = add_session(
        course, "Morning plenary", day=date(2017, 11, 21), start=time(9), end=time(10)
    )
    thursday = add_session(course, "Case studies", day=date(2017, 11, 23))

    days = sessions_by_day(course)

    assert late.ends_at.date() == date(2017, 11, 22)
    assert [day for day, _ in days] == course.day_dates
    assert dict(days) == {
        date(2017, 11, 20): [],
        date(2017, 11, 21): [early, late],
        date(2017, 11, 22): [],
        date(2017, 11, 23): [thursday],
        date(2017, 11, 24): [],
    }


def test_overlaps_in_one_room_are_flagged_not_refused():
    venue = make_venue(rooms=("Room A", "Room B"))
    room_a, room_b = venue.rooms
    course = make_course(venue=venue)
    first = add_session(course, "Plenary", start=time(9), end=time(10, 30), room=room_a)
    second = add_session(course, "Group work", start=time(10), end=time(11), room=room_a)
    add_session(course, "Next door", start=time(9), end=time(10, 30), room=room_b)
    add_session(course, "Straight after", start=time(11), end=time(12), room=room_a)
    add_session(course, "Nowhere", start=time(9), end=time(12))
    cancelled = add_session(course, "Cancelled", start=time(9), end=time(12), room=room_b)
    cancel_session(cancelled, actor=None)

    assert find_room_overlaps(course) == [(first, second)]
    assert overlapping_sessions(second) == [first]


def test_a_break_in_the_same_room_counts_as_an_overlap():
    venue = make_venue()
    room = venue.rooms[0]
    course = make_course(venue=venue)
    lunch = add_session(
        course, "Lunch", start=time(12, 30), end=time(14), room=room, kind=SessionKind.LUNCH
    )
    late = add_session(course, "Long session", start=time(11), end=time(13), room=room)

    assert find_room_overlaps(course) == [(late, lunch)]


@pytest.mark.parametrize(
    ("change", "bumps"),
    [
        ({"title": "Opening plenary"}, True),
        ({"start": time(9, 15)}, True),
        ({"end": time(11)}, True),
        ({"day": date(2017, 11, 21)}, True),
        ({"room": "other"}, True),
        ({"description": "Bring your action plan."}, False),
        ({}, False),
    ],
)
def test_the_calendar_sequence_goes_up_on_time_place_or_title_changes(change, bumps):
    organiser = make_user(Role.ORGANISER)
    venue = make_venue(rooms=("Room A", "Room B"))
    course = make_course(venue=venue, organisers=(organiser,))
    session = add_session(course, "Opening", room=venue.rooms[0])
    if change.get("room") == "other":
        change = {"room": venue.rooms[1]}

    changed = update_session(session, data_for(session, **change), actor=organiser)

    assert changed is bumps
    assert session.sequence == (1 if bumps else 0)
    if "description" in change:
        assert session.description == "Bring your action plan."


def test_cancelling_keeps_the_session_and_raises_the_sequence():
    course = make_course()
    session = add_session(course)

    assert cancel_session(session, actor=None) is True
    assert cancel_session(session, actor=None) is False
    assert session.status == SessionStatus.CANCELLED
    assert session.sequence == 1
    assert course.sessions == [session]

    assert restore_session(session, actor=None) is True
    assert session.status == SessionStatus.SCHEDULED
    assert session.sequence == 2


def test_deleting_removes_the_session():
    course = make_course()
    session = add_session(course)
    kept = add_session(course, "Kept", start=time(11), end=time(12))

    delete_session(session, actor=None)

    assert course.sessions == [kept]
    assert stored_count() == 1
