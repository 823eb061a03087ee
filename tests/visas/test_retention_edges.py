"""The edges of erasing passport details: a one-day course at the furthest time zone east
(UTC+14), erased at the first second of its day, and a course that is the only one with letters
beside a busy course without any."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from app.extensions import db
from app.visas import services
from app.visas.retention import erase_due
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.neighbours import Neighbour, guard, make_busy_course
from tests.visas.conftest import details

ASKED = datetime(2031, 1, 10, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    """Busy, but nobody there asked for a letter (the folder's neighbour has letters)."""
    yield from guard(make_busy_course(date(2031, 5, 5)))


def one_day_letter(timezone: str, day: date, name: str):
    course = make_course(start=day, venue=make_venue(timezone))
    course.days = 1
    registration = make_registration(course, make_user(name=name))
    letter = services.request_letter(
        registration,
        details(passport_expires_on=date(2032, 1, 31)),
        actor=registration.user,
        now=ASKED,
    )
    db.session.commit()
    return letter


def test_a_one_day_course_at_utc_plus_14_is_erased_at_its_first_second():
    letter = one_day_letter("Pacific/Kiritimati", date(2031, 3, 7), "Tesfaye Bekele")
    # 90 whole days after Friday 7 March: from 6 June, 00:00 in Kiritimati = 5 June 10:00 UTC.
    due = datetime(2031, 6, 5, 10, 0, tzinfo=UTC)

    assert erase_due(due - SECOND) == 0
    assert erase_due(due) == 1
    db.session.expire_all()
    assert (letter.passport_number, letter.passport_erased_at) == ("", due)
