"""Whether a course takes applications at a given instant, as its page and the catalogue's
cards show it: to the minute at the venue, and with the seats of that course alone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.core.timeutil import local_to_utc
from app.courses import windows
from app.courses.models import Course, CourseStatus, RegistrationMode
from app.courses.windows import RegistrationWindow as W
from app.extensions import db
from app.registration.models import RegistrationStatus as S
from tests.courses.builders import ROME
from tests.courses.test_query_counts import count_queries
from tests.factories import make_course, make_registration

START = date(2030, 3, 4)  # a Monday in Turin, winter time (UTC+1)
OPENS = datetime(2030, 1, 6, 23, 0, tzinfo=UTC)  # 7 January, 00:00 in Turin
CLOSES = datetime(2030, 2, 15, 22, 59, tzinfo=UTC)  # 15 February, 23:59 in Turin
FIRST_DAY = datetime(2030, 3, 3, 23, 0, tzinfo=UTC)  # 4 March, 00:00 in Turin
MINUTE = timedelta(minutes=1)
DURING = datetime(2030, 2, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def course():
    course = make_course(start=START, capacity=2)
    course.registration_opens_at, course.registration_closes_at = OPENS, CLOSES
    return course


def window(course, now, **kwargs):
    return windows.registration_window(course, now, **kwargs)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (OPENS - MINUTE, W.NOT_OPEN_YET),
        (OPENS, W.OPEN),
        (CLOSES - MINUTE, W.OPEN),
        (CLOSES, W.CLOSED),
        (FIRST_DAY, W.CLOSED),
    ],
)
def test_registration_opens_and_closes_to_the_minute(course, now, expected):
    assert window(course, now) == expected


def test_without_a_closing_day_registration_closes_when_the_first_day_starts_at_the_venue(
    course,
):
    course.registration_closes_at = None
    assert window(course, FIRST_DAY - MINUTE) == W.OPEN
    assert window(course, FIRST_DAY) == W.CLOSED


def test_registration_closing_on_the_first_day_still_closes_when_it_starts(course):
    course.registration_closes_at = local_to_utc(START, time(23, 59), ROME)
    assert window(course, FIRST_DAY - MINUTE) == W.OPEN
    assert window(course, FIRST_DAY) == W.CLOSED


def test_a_course_without_an_opening_day_is_not_open_yet(course):
    course.registration_opens_at = None
    assert window(course, DURING) == W.NOT_OPEN_YET


def test_a_cancelled_course_says_so_even_while_registration_would_be_open(course):
    course.status = CourseStatus.CANCELLED
    assert window(course, DURING) == W.CANCELLED
    assert window(course, OPENS - MINUTE) == W.CANCELLED


def test_a_course_whose_seats_are_taken_is_full(course):
    make_registration(course, status=S.CONFIRMED)
    assert window(course, DURING) == W.OPEN
    make_registration(course, status=S.CONFIRMED)
    assert window(course, DURING) == W.FULL
    assert window(course, CLOSES) == W.CLOSED  # once closed, closed


def test_a_seat_held_by_an_offer_counts_as_taken(course):
    make_registration(course, status=S.CONFIRMED)
    offer = make_registration(course, status=S.WAITLISTED)
    offer.offer_expires_at = DURING + timedelta(days=3)
    make_registration(course, status=S.CANCELLED)
    assert window(course, DURING) == W.FULL


def test_seats_counted_by_the_caller_are_taken_as_given(course):
    assert window(course, DURING, free_seats=0) == W.FULL
    assert window(course, DURING, free_seats=1) == W.OPEN
    assert window(course, DURING, free_seats=None) == W.OPEN  # no limit


def test_an_event_without_registration_is_open_however_many_came(course):
    course.registration_mode = RegistrationMode.NONE
    for _ in range(2):
        make_registration(course, status=S.CONFIRMED)
    assert window(course, DURING) == W.OPEN


def test_without_an_instant_the_window_is_the_one_of_now():
    today = datetime.now(UTC)
    course = make_course(start=today.date() + timedelta(days=40))
    course.registration_opens_at = today - timedelta(days=1)
    assert windows.registration_window(course) == W.OPEN
    course.registration_opens_at = today + timedelta(hours=1)
    assert windows.registration_window(course) == W.NOT_OPEN_YET


def test_lists_count_the_seats_of_each_course_on_its_own(neighbour):
    """The busy neighbour is full (three confirmed and an offer for four seats); in September
    2017 its registration was open, and so was that of next year's courses."""
    september = datetime(2017, 9, 15, 12, 0, tzinfo=UTC)
    opened = datetime(2017, 9, 1, tzinfo=UTC)

    def next_year(capacity, *taken):
        course = make_course(start=date(2018, 3, 5), capacity=capacity)
        course.registration_opens_at = opened
        for status in taken:
            make_registration(course, status=status)
        return course

    one_left = next_year(2, S.CONFIRMED, S.WAITLISTED, S.SUBMITTED)
    overbooked = next_year(1, S.CONFIRMED, S.CONFIRMED)
    empty = next_year(1)
    unlimited = next_year(None, S.CONFIRMED)

    assert windows.registration_windows(
        [neighbour.course, one_left, overbooked, empty, unlimited], september
    ) == {
        neighbour.course.id: W.FULL,
        one_left.id: W.OPEN,
        overbooked.id: W.FULL,
        empty.id: W.OPEN,
        unlimited.id: W.OPEN,
    }


def test_a_list_without_courses_has_no_windows():
    assert windows.registration_windows([]) == {}


def test_a_list_counts_the_seats_of_all_its_courses_in_one_query():
    """The catalogue shows many cards: their windows cost the same whatever their number."""
    during = datetime(2030, 2, 1, 12, 0, tzinfo=UTC)

    def open_courses(count):
        courses = []
        for _ in range(count):
            course = make_course(start=START, capacity=2)
            course.registration_opens_at = OPENS
            make_registration(course, status=S.CONFIRMED)
            courses.append(course)
        db.session.commit()
        return [c.id for c in courses]

    one, six = open_courses(1), open_courses(6)
    cards = sa.select(Course).options(selectinload(Course.venue))  # as the catalogue loads them
    with count_queries() as for_one:
        courses = db.session.scalars(cards.where(Course.id.in_(one))).all()
        windows.registration_windows(courses, during)
    with count_queries() as for_six:
        courses = db.session.scalars(cards.where(Course.id.in_(six))).all()
        states = windows.registration_windows(courses, during)
    assert set(states.values()) == {W.OPEN}
    assert len(for_six) == len(for_one), for_six
