"""Shared set-up for the course builder's tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from tests.neighbours import Neighbour, guard, make_busy_course


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    """The sister course, busy with participants, a timetable and follow-up work, which no
    test may change."""
    yield from guard(make_busy_course(date(2017, 10, 30)))
