"""A session's day and times: the days of the course week at the venue, both ends of it, the
venue's midnight, the hours daylight saving skips or repeats, and online activities, whose
days are UTC days typed in the organiser's own zone."""

from datetime import UTC, date, datetime, time

import pytest
from flask_babel import force_locale

from app.courses.models import CourseKind
from app.schedule.services import (
    InvalidSession,
    SessionData,
    course_days,
    create_session,
    local_times,
    session_time_errors,
    sessions_by_day,
    update_session,
)
from tests.factories import make_course
from tests.schedule.conftest import add_session, make_online_course, zoned_user

COURSE_WEEK = "The session must take place during the course week (Nov 20\u2009–\u200924, 2017)."
EVENT_DAYS = "In UTC this session falls outside the event's days (Nov 20\u2009–\u200924, 2017)."
SPRING_GAP = (
    "{} does not exist on that day at the venue: the clocks go forward an hour "
    "(daylight saving time). Choose a later time."
)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def messages(errors):
    return {field: str(message) for field, message in errors.items()}


# The course week at the venue -----------------------------------------------------------


@pytest.mark.parametrize("day", [date(2017, 11, 20), date(2017, 11, 24)])
def test_the_first_and_the_last_day_of_the_week_take_sessions(day):
    course = make_course()  # Monday 20 to Friday 24 November 2017, Turin

    session = add_session(course, day=day, start=time(9), end=time(10))

    assert local_times(session) == (day, time(9), time(10))


@pytest.mark.parametrize("day", [date(2017, 11, 19), date(2017, 11, 25)])
def test_the_day_before_and_the_day_after_the_week_are_refused(day):
    course = make_course()

    errors = session_time_errors(course, day, time(9), time(10))

    assert messages(errors) == {"day": COURSE_WEEK}


def test_the_week_in_the_message_is_written_when_shown_in_the_readers_language():
    course = make_course()
    errors = session_time_errors(course, date(2017, 11, 27), time(9), time(10))

    with force_locale("fr"):
        assert str(errors["day"]) == (
            "La séance doit avoir lieu pendant la semaine du cours (20–24 nov. 2017)."
        )
    with force_locale("es"):
        assert str(errors["day"]) == (
            "La sesión debe celebrarse durante la semana del curso (20–24 de noviembre de 2017)."
        )


def test_an_events_sessions_must_fall_on_its_day():
    event = make_course()
    event.kind = CourseKind.SIDE_EVENT
    event.days = 1

    errors = session_time_errors(event, date(2017, 11, 21), time(9), time(10))

    assert messages(errors) == {
        "day": "The session must take place on the event's days (November 20, 2017)."
    }


def test_a_day_outside_the_week_is_not_read_as_a_time_at_the_venue():
    # 25 March 2018 is far from the November week, and 02:30 is skipped in Turin that day:
    # only the day is wrong; the order of the times is still checked.
    course = make_course()

    errors = session_time_errors(course, date(2018, 3, 25), time(2, 30), time(2, 15))

    assert messages(errors) == {
        "day": COURSE_WEEK,
        "end": "The session must end after it starts.",
    }


def test_a_session_at_midnight_at_the_venue_belongs_to_that_day():
    # Midnight on Monday in Turin is still Sunday in UTC (and already midday in Auckland).
    course = make_course()

    first = add_session(course, "Night train", start=time(0, 0), end=time(1, 0))
    last = add_session(
        course, "Farewell dinner", day=date(2017, 11, 24), start=time(23), end=time(23, 59, 59)
    )

    assert (first.starts_at, first.ends_at) == (utc(2017, 11, 19, 23), utc(2017, 11, 20, 0))
    assert (last.starts_at, last.ends_at) == (utc(2017, 11, 24, 22), utc(2017, 11, 24, 22, 59, 59))
    days = dict(sessions_by_day(course))
    assert days[date(2017, 11, 20)] == [first]
    assert days[date(2017, 11, 24)] == [last]
    assert date(2017, 11, 19) not in days
    assert local_times(first) == (date(2017, 11, 20), time(0, 0), time(1, 0))


def test_a_session_may_not_end_when_it_starts():
    course = make_course()

    errors = session_time_errors(course, date(2017, 11, 20), time(9), time(9))

    assert messages(errors) == {"end": "The session must end after it starts."}


def test_a_session_may_end_one_second_after_it_starts():
    course = make_course()

    assert session_time_errors(course, date(2017, 11, 20), time(9), time(9, 0, 1)) == {}


# Daylight saving at the venue ------------------------------------------------------------

# Thursday 22 to Monday 26 March 2018 in Turin: on Sunday the 25th the clocks go from 02:00
# straight to 03:00.
SPRING = date(2018, 3, 22)
SPRING_SUNDAY = date(2018, 3, 25)


@pytest.mark.parametrize(
    ("start", "end", "starts_at"),
    [
        (time(1, 0), time(1, 59), utc(2018, 3, 25, 0, 0)),
        (time(3, 0), time(4, 0), utc(2018, 3, 25, 1, 0)),
    ],
)
def test_the_times_either_side_of_the_skipped_hour_are_kept(start, end, starts_at):
    course = make_course(start=SPRING)

    session = add_session(course, day=SPRING_SUNDAY, start=start, end=end)

    assert session.starts_at == starts_at
    assert local_times(session) == (SPRING_SUNDAY, start, end)


@pytest.mark.parametrize("start", [time(2, 0), time(2, 59)])
def test_a_start_in_the_skipped_hour_is_refused(start):
    course = make_course(start=SPRING)

    errors = session_time_errors(course, SPRING_SUNDAY, start, time(4))

    assert messages(errors) == {"start": SPRING_GAP.format(start.strftime("%H:%M"))}


def test_an_end_in_the_skipped_hour_is_refused_on_its_own_field():
    course = make_course(start=SPRING)

    with pytest.raises(InvalidSession) as caught:
        add_session(course, day=SPRING_SUNDAY, start=time(1), end=time(2, 30))

    assert messages(caught.value.errors) == {"end": SPRING_GAP.format("02:30")}
    assert str(caught.value) == SPRING_GAP.format("02:30")


def test_both_times_in_the_skipped_hour_are_both_refused():
    course = make_course(start=SPRING)

    errors = session_time_errors(course, SPRING_SUNDAY, time(2, 15), time(2, 45))

    assert messages(errors) == {
        "start": SPRING_GAP.format("02:15"),
        "end": SPRING_GAP.format("02:45"),
    }


def test_a_skipped_start_and_an_end_before_it_are_both_said():
    course = make_course(start=SPRING)

    errors = session_time_errors(course, SPRING_SUNDAY, time(2, 30), time(1, 0))

    assert messages(errors) == {
        "start": SPRING_GAP.format("02:30"),
        "end": "The session must end after it starts.",
    }


def test_an_end_in_the_skipped_hour_is_named_as_such_even_before_the_start():
    course = make_course(start=SPRING)

    errors = session_time_errors(course, SPRING_SUNDAY, time(3, 30), time(2, 30))

    assert messages(errors) == {"end": SPRING_GAP.format("02:30")}


def test_the_skipped_hour_message_is_translated():
    course = make_course(start=SPRING)
    errors = session_time_errors(course, SPRING_SUNDAY, time(2, 30), time(4))

    with force_locale("fr"):
        assert str(errors["start"]) == (
            "02:30 n'existe pas ce jour-là dans ce lieu\u00a0: on avance l'heure d'une heure "
            "(passage à l'heure d'été). Choisissez une heure plus tardive."
        )


def test_the_same_wall_clock_is_another_utc_hour_after_summer_time_ends():
    # Thursday 26 to Monday 30 October 2017: Turin leaves summer time on Sunday the 29th, and
    # 02:30 happens twice that night; a session takes the first.
    course = make_course(start=date(2017, 10, 26))

    thursday = add_session(course, day=date(2017, 10, 26), start=time(9), end=time(10))
    night = add_session(course, day=date(2017, 10, 29), start=time(2, 30), end=time(3, 30))
    monday = add_session(course, day=date(2017, 10, 30), start=time(9), end=time(10))

    assert thursday.starts_at == utc(2017, 10, 26, 7)
    assert (night.starts_at, night.ends_at) == (utc(2017, 10, 29, 0, 30), utc(2017, 10, 29, 2, 30))
    assert monday.starts_at == utc(2017, 10, 30, 8)
    assert local_times(monday) == (date(2017, 10, 30), time(9), time(10))


# Online activities: UTC days, typed in the organiser's zone --------------------------------


@pytest.mark.parametrize(
    ("zone", "first", "last"),
    [
        (None, date(2017, 11, 20), date(2017, 11, 24)),
        ("UTC", date(2017, 11, 20), date(2017, 11, 24)),
        # 00:00 UTC on the 20th is 09:00 in Tokyo; 24:00 UTC on the 24th, 09:00 on the 25th.
        ("Asia/Tokyo", date(2017, 11, 20), date(2017, 11, 25)),
        # …and 19:00 the day before in New York, on the 19th and on the 24th.
        ("America/New_York", date(2017, 11, 19), date(2017, 11, 24)),
        # London is on UTC in November, under another name: the same five days.
        ("Europe/London", date(2017, 11, 20), date(2017, 11, 24)),
    ],
)
def test_the_days_of_an_online_activity_are_the_local_dates_its_utc_days_overlap(zone, first, last):
    course = make_online_course()

    days = course_days(course, zone)

    assert days[0] == first
    assert days[-1] == last
    assert len(days) == (last - first).days + 1


def test_an_organiser_in_tokyo_types_times_in_tokyo():
    course = make_online_course()
    aiko = zoned_user("Asia/Tokyo")
    data = SessionData(title="Panel", day=date(2017, 11, 20), start=time(22), end=time(23, 30))

    session = create_session(course, data, actor=aiko)

    assert (session.starts_at, session.ends_at) == (
        utc(2017, 11, 20, 13),
        utc(2017, 11, 20, 14, 30),
    )
    assert local_times(session, "Asia/Tokyo") == (date(2017, 11, 20), time(22), time(23, 30))
    assert local_times(session) == (date(2017, 11, 20), time(13), time(14, 30))


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        # 08:00 in Tokyo on the 20th is still the 19th in UTC, before the activity…
        (date(2017, 11, 20), time(8, 0), time(9, 30)),
        # …and 09:30 on the 25th is after it.
        (date(2017, 11, 25), time(8, 0), time(9, 30)),
    ],
)
def test_an_organiser_in_tokyo_cannot_add_a_session_outside_the_utc_days(day, start, end):
    course = make_online_course()
    data = SessionData(title="Panel", day=day, start=start, end=end)

    with pytest.raises(InvalidSession) as caught:
        create_session(course, data, actor=zoned_user("Asia/Tokyo"))

    assert messages(caught.value.errors) == {"day": EVENT_DAYS}
    assert course.sessions == []


def test_an_organiser_in_tokyo_may_add_a_session_on_the_morning_after_the_last_utc_day():
    # 08:00-09:00 on the 25th in Tokyo is 23:00-24:00 UTC on the 24th, the last day.
    course = make_online_course()
    data = SessionData(title="Closing", day=date(2017, 11, 25), start=time(8), end=time(9))

    session = create_session(course, data, actor=zoned_user("Asia/Tokyo"))

    assert (session.starts_at, session.ends_at) == (utc(2017, 11, 24, 23), utc(2017, 11, 25, 0))


def test_an_organiser_in_tokyo_moves_an_online_session_in_tokyo_time():
    course = make_online_course()
    aiko = zoned_user("Asia/Tokyo")
    data = SessionData(title="Panel", day=date(2017, 11, 21), start=time(22), end=time(23))
    session = create_session(course, data, actor=aiko)
    data.start, data.end = time(21), time(22, 30)

    assert update_session(session, data, actor=aiko) is True

    assert (session.starts_at, session.ends_at) == (
        utc(2017, 11, 21, 12),
        utc(2017, 11, 21, 13, 30),
    )
    assert session.sequence == 1


def test_an_organiser_without_a_zone_types_utc():
    course = make_online_course()
    admin = zoned_user(None)
    data = SessionData(title="Panel", day=date(2017, 11, 20), start=time(0), end=time(1))

    session = create_session(course, data, actor=admin)

    assert session.starts_at == utc(2017, 11, 20, 0)


@pytest.mark.parametrize(
    ("zone", "day", "start", "end"),
    [
        # Exactly midnight UTC at the start of the first day…
        ("Asia/Tokyo", date(2017, 11, 20), time(9, 0), time(10, 0)),
        ("America/New_York", date(2017, 11, 19), time(19, 0), time(20, 0)),
        # …and exactly midnight UTC at the end of the last.
        ("Asia/Tokyo", date(2017, 11, 25), time(8, 0), time(9, 0)),
        ("America/New_York", date(2017, 11, 24), time(18, 0), time(19, 0)),
    ],
)
def test_an_online_session_may_touch_both_ends_of_its_utc_days(zone, day, start, end):
    course = make_online_course()

    assert session_time_errors(course, day, start, end, zone) == {}


@pytest.mark.parametrize(
    ("zone", "day", "start", "end"),
    [
        # A minute before midnight UTC on the 19th, or a minute after it on the 24th.
        ("Asia/Tokyo", date(2017, 11, 20), time(8, 59), time(10, 0)),
        ("America/New_York", date(2017, 11, 19), time(18, 59), time(20, 0)),
        ("Asia/Tokyo", date(2017, 11, 25), time(8, 0), time(9, 1)),
        ("America/New_York", date(2017, 11, 24), time(18, 0), time(19, 1)),
    ],
)
def test_an_online_session_outside_its_utc_days_is_refused(zone, day, start, end):
    course = make_online_course()

    errors = session_time_errors(course, day, start, end, zone)

    assert messages(errors) == {"day": EVENT_DAYS}


def test_an_online_time_skipped_in_the_organisers_zone_is_refused():
    # New York moves its clocks forward at 02:00 on Sunday 11 March 2018.
    course = make_online_course(start=date(2018, 3, 8))

    errors = session_time_errors(
        course, date(2018, 3, 11), time(2, 30), time(4), "America/New_York"
    )

    assert messages(errors) == {"start": SPRING_GAP.format("02:30")}
