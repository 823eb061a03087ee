"""How fast the calendar feeds answer: ``make bench``.

A published five-day course with 30 on-site sessions (6 a day) and 4 follow-up activities,
measured through the Flask test client: (a) building the course feed's bytes from loaded
rows, (b) a full GET of a version nobody built yet (the cache is emptied before each round:
the version query, the loads, building), (c) a full GET served from the cache (the version
query only), (d) a conditional GET answered 304 from the version alone; then a participant's
personal feed of 16 such courses behind a secret link, (e) built, (f) cached, (g) 304.
Set ``TEST_DATABASE_URL`` to measure on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from app.core.timeutil import local_to_utc
from app.courses.models import Course
from app.extensions import db
from app.feeds import services
from app.feeds.cache import feed_cache
from app.feeds.calendars import course_calendar
from app.feeds.models import FeedKind
from app.followup.models import ActivityKind, FollowupActivity
from app.schedule.models import CourseSession, SessionKind
from tests.factories import make_course, make_module, make_registration, make_user

START = date(2017, 11, 20)
SLOTS = [(time(9), time(10)), (time(10, 15), time(11, 15)), (time(11, 30), time(12, 30))]
SLOTS += [(time(14), time(15)), (time(15, 15), time(16, 15)), (time(16, 30), time(17, 30))]
KINDS = [SessionKind.PLENARY, SessionKind.CASE_STUDY, SessionKind.GROUP_WORK, SessionKind.PANEL]


def _course(slug: str = "bench-course", first_day: date = START) -> Course:
    modules = tuple(make_module(title=f"Module {i}") for i in range(1, 6))
    course = make_course(slug=slug, start=first_day, modules=modules)
    room = course.venue.rooms[0]
    for day_index in range(5):
        day = first_day + timedelta(days=day_index)
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
    online = datetime.combine(first_day + timedelta(days=14), time(14), tzinfo=UTC)
    for position, (kind, title, fields) in enumerate(
        [
            (ActivityKind.WEBINAR, "Live Q&A", {"starts_at": online}),
            (ActivityKind.WEBINAR, "Peer review", {"starts_at": online + timedelta(days=7)}),
            (ActivityKind.ASSIGNMENT, "Action plan", {"due_at": online + timedelta(days=14)}),
            (ActivityKind.DISCUSSION, "Lessons learnt", {"starts_at": online}),
        ]
    ):
        db.session.add(
            FollowupActivity(
                course=course,
                kind=kind,
                title=title,
                position=position,
                link="https://meet.example.org/atelier",
                **fields,
            )
        )
    db.session.commit()
    assert len(course.sessions) == 30
    return course


@pytest.fixture
def course() -> Course:
    return _course()


@pytest.fixture
def feed_path(course: Course) -> str:
    return f"/courses/{course.slug}/calendar.ics"


def test_a_build_course_calendar_bytes(benchmark, course):
    body = benchmark(course_calendar, course, locale="en")
    assert body.count(b"BEGIN:VEVENT") == 34


def _rounds(benchmark, request, setup=None):
    """At least 20 rounds, ``setup`` (not timed) before each."""
    return benchmark.pedantic(request, setup=setup, rounds=20, warmup_rounds=1)


def test_b_get_course_feed_built(benchmark, client, feed_path):
    response = _rounds(benchmark, lambda: client.get(feed_path), setup=feed_cache().clear)
    assert response.status_code == 200


def test_c_get_course_feed_cached(benchmark, client, feed_path):
    client.get(feed_path)
    response = _rounds(benchmark, lambda: client.get(feed_path))
    assert response.status_code == 200


def test_d_conditional_get_304(benchmark, client, feed_path):
    etag = client.get(feed_path).headers["ETag"]
    response = _rounds(benchmark, lambda: client.get(feed_path, headers={"If-None-Match": etag}))
    assert response.status_code == 304


@pytest.fixture
def personal_path(course: Course) -> str:
    """A participant in the course and in 15 others like it."""
    user = make_user()
    make_registration(course, user)
    for n in range(15):
        make_registration(_course(f"bench-course-{n}", START + timedelta(weeks=n + 1)), user)
    _row, raw = services.create_feed_token(user, FeedKind.PERSONAL, "bench")
    db.session.commit()
    return f"/feeds/{raw}.ics"


def test_e_get_personal_feed_built(benchmark, client, personal_path):
    response = _rounds(benchmark, lambda: client.get(personal_path), setup=feed_cache().clear)
    assert response.status_code == 200
    assert response.data.count(b"BEGIN:VEVENT") == 16 * 34


def test_f_get_personal_feed_cached(benchmark, client, personal_path):
    client.get(personal_path)
    response = _rounds(benchmark, lambda: client.get(personal_path))
    assert response.status_code == 200


def test_g_personal_feed_304(benchmark, client, personal_path):
    etag = client.get(personal_path).headers["ETag"]
    response = _rounds(
        benchmark, lambda: client.get(personal_path, headers={"If-None-Match": etag})
    )
    assert response.status_code == 304
