"""The catalogue and the course page make the same number of queries however much they show."""

from contextlib import contextmanager
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.modules.services import seed_modules
from app.schedule.services import propose_timetable
from app.venues.services import seed_turin_venue
from tests.factories import make_course, make_module


@contextmanager
def count_queries():
    statements: list[str] = []
    # Requests share the test's session: start from an empty one, as a real request does.
    db.session.remove()

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def test_catalogue_queries_do_not_grow_with_courses(client):
    m1 = make_module("M1")
    make_course(start=date(2030, 1, 7), modules=(m1,))
    db.session.commit()
    client.get("/")  # warm up
    with count_queries() as few:
        assert client.get("/").status_code == 200
    for week in range(1, 8):
        make_course(start=date(2030, 1, 7 + week), modules=(m1, make_module()))
    db.session.commit()
    with count_queries() as many:
        assert client.get("/").status_code == 200
    assert len(many) == len(few), many


def test_course_page_queries_do_not_grow_with_the_timetable(client):
    seed_modules()
    venue = seed_turin_venue()
    short = make_course(slug="short", venue=venue, start=date(2030, 1, 7))
    short.days = 1
    propose_timetable(short)
    full = make_course(slug="full", venue=venue, start=date(2030, 2, 4))
    propose_timetable(full)
    db.session.commit()
    assert len(full.sessions) > 4 * len(short.sessions)
    with count_queries() as one_day:
        assert client.get("/courses/short").status_code == 200
    with count_queries() as five_days:
        assert client.get("/courses/full").status_code == 200
    assert len(five_days) == len(one_day)
