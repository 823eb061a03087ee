"""Shared set-up for the registration tests: a course whose registration is open."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.courses.models import Course
from app.db import now_utc
from tests.factories import make_course


def open_course(**kwargs: object) -> Course:
    """A published course two months ahead, taking applications since yesterday."""
    now = now_utc()
    course = make_course(start=(now + timedelta(days=60)).date(), **kwargs)  # type: ignore[arg-type]
    course.registration_opens_at = now - timedelta(days=1)
    course.registration_closes_at = now + timedelta(days=30)
    return course


@pytest.fixture
def course() -> Course:
    return open_course(capacity=2)
