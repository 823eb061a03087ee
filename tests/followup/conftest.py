"""Shared set-up for the follow-up tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from tests.mail.conftest import smtp, smtp_server  # noqa: F401 - mail to a real SMTP server
from tests.neighbours import Neighbour, guard, make_busy_course
from tests.storage.conftest import uploads  # noqa: F401 - each test's own upload folder


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    """The sister course three weeks before the Turin workshop, its follow-up phase under way
    with completed and pending work, which no test may change."""
    yield from guard(make_busy_course(date(2017, 10, 30)))
