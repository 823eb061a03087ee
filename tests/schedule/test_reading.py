"""Reading a timetable: its days (including a session left outside the week), the order of
sessions, the days seen from another zone, and room conflicts across rooms and days."""

from datetime import UTC, date, datetime, time, timedelta

from app.extensions import db
from app.schedule.models import CourseSession
from app.schedule.services import (
    SessionData,
    find_room_overlaps,
    overlapping_sessions,
    sessions_by_day,
    update_session,
)
from tests.factories import make_course, make_venue
from tests.schedule.conftest import add_session, make_online_course

MONDAY, WEDNESDAY, THURSDAY = date(2017, 11, 20), date(2017, 11, 22), date(2017, 11, 23)


def titles(days):
    return {day: [s.title for s in sessions] for day, sessions in days}


def test_a_session_left_outside_the_week_when_the_course_moves_keeps_a_day_of_its_own():
    course = make_course()
    add_session(course, "Study visit", day=WEDNESDAY)
    course.start_date = date(2017, 11, 27)  # the course moved a week later
    db.session.flush()

    days = sessions_by_day(course)

    assert [day for day, _ in days] == [WEDNESDAY] + [
        date(2017, 11, 27) + timedelta(days=n) for n in range(5)
    ]
    assert titles(days)[WEDNESDAY] == ["Study visit"]


def test_sessions_are_listed_by_start_then_shortest_first():
    course = make_course()
    long = add_session(course, "Long plenary", start=time(9), end=time(10, 30))
    short = add_session(course, "Short welcome", start=time(9), end=time(9, 30))
    early = add_session(course, "Registration desk", start=time(8, 30), end=time(12))

    days = dict(sessions_by_day(course))

    assert days[MONDAY] == [early, short, long]


def test_sessions_moved_to_the_same_time_keep_the_order_they_were_added_in():
    # Listed the same way right after the change as on the next page load.
    course = make_course()
    added_first = add_session(course, "Case study: Quito", start=time(11), end=time(12))
    added_second = add_session(course, "Case study: Dakar", start=time(9), end=time(10))
    db.session.commit()
    db.session.expire(course, ["sessions"])
    assert course.sessions == [added_second, added_first]

    update_session(
        added_first,
        SessionData(title=added_first.title, day=MONDAY, start=time(9), end=time(10)),
        actor=None,
    )

    assert dict(sessions_by_day(course))[MONDAY] == [added_first, added_second]
    db.session.commit()
    db.session.expire(course, ["sessions"])
    assert dict(sessions_by_day(course))[MONDAY] == [added_first, added_second]


def test_an_online_timetable_is_grouped_by_the_readers_own_dates():
    course = make_online_course()
    for title, hour in (("Opening panel", 13), ("Late panel", 16)):
        db.session.add(
            CourseSession(
                course=course,
                title=title,
                starts_at=datetime(2017, 11, 20, hour, tzinfo=UTC),
                ends_at=datetime(2017, 11, 20, hour + 1, tzinfo=UTC),
            )
        )
    db.session.flush()

    in_tokyo = titles(sessions_by_day(course, "Asia/Tokyo"))
    in_utc = titles(sessions_by_day(course))

    # 16:00 UTC on the 20th is 01:00 on the 21st in Tokyo.
    assert in_tokyo == {
        date(2017, 11, 20): ["Opening panel"],
        date(2017, 11, 21): ["Late panel"],
        date(2017, 11, 22): [],
        date(2017, 11, 23): [],
        date(2017, 11, 24): [],
        date(2017, 11, 25): [],
    }
    assert in_utc[date(2017, 11, 20)] == ["Opening panel", "Late panel"]
    assert len(in_utc) == 5


def test_room_conflicts_are_listed_by_time_whatever_the_room():
    venue = make_venue(rooms=("Room A", "Room B"))
    room_a, room_b = venue.rooms
    course = make_course(venue=venue)
    add_session(course, "Welcome", start=time(9), end=time(10), room=room_a)
    afternoon = add_session(course, "Debate", start=time(14), end=time(15), room=room_a)
    late = add_session(course, "Panel", start=time(14, 30), end=time(15, 30), room=room_a)
    morning = add_session(course, "Case study", start=time(10), end=time(11), room=room_b)
    overlap = add_session(course, "Group work", start=time(10, 30), end=time(11, 30), room=room_b)

    assert find_room_overlaps(course) == [(morning, overlap), (afternoon, late)]


def test_room_conflicts_are_listed_by_the_start_of_the_earlier_session():
    # The study visit starts first, so its conflict comes first, though the session it
    # conflicts with starts after the other pair's.
    venue = make_venue(rooms=("Room A", "Room B"))
    room_a, room_b = venue.rooms
    course = make_course(venue=venue)
    visit = add_session(course, "Study visit", start=time(9), end=time(12), room=room_a)
    late = add_session(course, "Interviews", start=time(11), end=time(11, 30), room=room_a)
    panel = add_session(course, "Panel", start=time(10), end=time(11), room=room_b)
    debate = add_session(course, "Debate", start=time(10, 30), end=time(11), room=room_b)

    assert find_room_overlaps(course) == [(visit, late), (panel, debate)]


def test_a_long_session_conflicts_with_each_one_it_covers():
    room = make_venue(rooms=("Auditorium",)).rooms[0]
    course = make_course(venue=room.venue)
    long = add_session(course, "Study visit", day=THURSDAY, start=time(9), end=time(12), room=room)
    first = add_session(course, "Panel", day=THURSDAY, start=time(9, 30), end=time(10), room=room)
    second = add_session(
        course, "Debate", day=THURSDAY, start=time(10, 30), end=time(11), room=room
    )

    assert find_room_overlaps(course) == [(long, first), (long, second)]
    assert overlapping_sessions(long) == [first, second]
    assert overlapping_sessions(second) == [long]
    assert overlapping_sessions(first) == [long]
