"""How fast the public course page answers: part of ``make bench``.

A published five-day course with 30 on-site sessions (6 a day, each with its "Add to
calendar" menu), measured three ways: (a) the "Add to calendar" links of all its sessions,
built from loaded rows, (b) a full GET of the course page through the Flask test client
(queries, links, template) by an anonymous visitor, (c) queueing a confirmation mail, which
the registration request does (its programme attachment is built at delivery, not here).
Set ``TEST_DATABASE_URL`` to measure on PostgreSQL.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from app.core.timeutil import local_to_utc
from app.courses.models import Course
from app.extensions import db
from app.feeds.links import session_links
from app.registration.notifications import notify
from app.schedule.models import CourseSession, SessionKind
from tests.factories import make_course, make_module, make_registration, make_user

START = date(2017, 11, 20)
SLOTS = [(time(9), time(10)), (time(10, 15), time(11, 15)), (time(11, 30), time(12, 30))]
SLOTS += [(time(14), time(15)), (time(15, 15), time(16, 15)), (time(16, 30), time(17, 30))]
KINDS = [SessionKind.PLENARY, SessionKind.CASE_STUDY, SessionKind.GROUP_WORK, SessionKind.PANEL]


@pytest.fixture
def course() -> Course:
    modules = tuple(make_module(f"M{i}", title=f"Module {i}") for i in range(1, 6))
    course = make_course(slug="bench-course", start=START, modules=modules)
    room = course.venue.rooms[0]
    for day_index in range(5):
        day = START + timedelta(days=day_index)
        for slot_index, (start, end) in enumerate(SLOTS):
            db.session.add(
                CourseSession(
                    course=course,
                    title=f"Day {day_index + 1}, session {slot_index + 1}: local practice",
                    kind=KINDS[slot_index % len(KINDS)],
                    starts_at=local_to_utc(day, start, course.timezone),
                    ends_at=local_to_utc(day, end, course.timezone),
                    room=room,
                    module=modules[day_index],
                    facilitators="Ana Souza, Ben Okafor",
                    description="Cases from three cities, then work in small groups.",
                )
            )
    db.session.commit()
    assert len(course.sessions) == 30
    return course


def test_a_session_links(benchmark, app, course):
    with app.test_request_context("/"):
        links = benchmark(session_links, course.sessions, locale="en")
    assert len(links) == 30


def test_b_get_course_page(benchmark, client, course):
    response = benchmark(client.get, f"/courses/{course.slug}")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("Add to calendar") >= 30


def test_c_queue_confirmation_mail(benchmark, course):
    registration = make_registration(course, make_user())
    db.session.commit()
    benchmark(notify, registration, "confirmed")
    db.session.rollback()
