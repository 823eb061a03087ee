"""The pages that show more as the data grows make the same number of SQL queries at two sizes
of the benchmarks' data set (``flask bench-data``): the catalogue, a course page, the
participant desk (as the course's organiser), a course feed and a personal feed.

The small set has 3 courses of 5 sessions (one a day, so that the timetable already shows each
day's module, as the large one does) in one series of 3 yearly editions, and 9 registrations;
the large one adds 30 courses of 30 sessions in series of 10 editions, and 900 registrations
(its participants registered to about 15 courses each instead of 1). Each set's busiest course
is measured: 6 registrations against 60.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.accounts.models import User
from app.courses.models import Course, CourseStatus
from app.demo.bulk import BulkPlan, generate_bulk, organiser_email
from app.extensions import db
from app.feeds.models import FeedKind
from app.feeds.services import create_feed_token
from app.registration.models import Registration
from tests.conftest import login
from tests.courses.test_query_counts import count_queries

SMALL = BulkPlan(courses=3, sessions_per_course=5, registrations=9, users=9, prefix="small")
LARGE = BulkPlan(courses=30, sessions_per_course=30, registrations=900, users=60, prefix="large")


def _busiest_course(plan: BulkPlan) -> Course:
    """The plan's published course with the most registrations."""
    course = db.session.scalar(
        sa.select(Course)
        .join(Registration)
        .where(Course.slug.like(f"{plan.prefix}-%"), Course.status == CourseStatus.PUBLISHED)
        .group_by(Course.id)
        .order_by(sa.func.count().desc(), Course.id)
        .limit(1)
    )
    assert course is not None
    return course


def _busiest_participant(plan: BulkPlan) -> User:
    user_id = db.session.scalar(
        sa.select(Registration.user_id)
        .join(User)
        .where(User.email.like(f"{plan.prefix}-user-%"))
        .group_by(Registration.user_id)
        .order_by(sa.func.count().desc(), Registration.user_id)
        .limit(1)
    )
    user = db.session.get(User, user_id)
    assert user is not None
    return user


def _count(client, path: str, status: int = 200) -> list[str]:
    assert client.get(path).status_code == status  # warm up (template and translation caches)
    with count_queries() as statements:
        assert client.get(path).status_code == status
    return statements


def _measure(client, plan: BulkPlan) -> dict[str, list[str]]:
    generate_bulk(plan)
    course = _busiest_course(plan)
    organiser = db.session.scalar(sa.select(User).where(User.email == organiser_email(plan.prefix)))
    _row, token = create_feed_token(_busiest_participant(plan), FeedKind.PERSONAL, "test")
    db.session.commit()
    slug, organiser_id = course.slug, organiser.id if organiser else None
    counts = {
        "catalogue": _count(client, "/"),
        "past catalogue": _count(client, "/?when=past"),
        "course page": _count(client, f"/courses/{slug}"),
        "course feed": _count(client, f"/courses/{slug}/calendar.ics"),
        "personal feed": _count(client, f"/feeds/{token}.ics"),
    }
    login(client, db.session.get(User, organiser_id))
    counts["participant desk"] = _count(client, f"/courses/{slug}/participants")
    client.post("/logout")
    return counts


def test_page_queries_do_not_grow_with_the_data(client):
    few = _measure(client, SMALL)
    small_course = _busiest_course(SMALL)
    small_size = (len(small_course.sessions), _registrations(small_course))
    many = _measure(client, LARGE)
    large_course = _busiest_course(LARGE)
    # The large course really shows more than the small one.
    assert len(large_course.sessions) == 6 * small_size[0]
    assert small_size[1] >= 3
    assert _registrations(large_course) > 5 * small_size[1]
    grown = {
        page: (len(few[page]), len(many[page])) for page in few if len(many[page]) != len(few[page])
    }
    assert not grown, {page: (counts, many[page]) for page, counts in grown.items()}


def _registrations(course: Course) -> int:
    return (
        db.session.scalar(sa.select(sa.func.count()).where(Registration.course_id == course.id))
        or 0
    )
