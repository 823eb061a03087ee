"""The catalogue and the course page make the same number of queries however much they show."""

from contextlib import contextmanager
from datetime import date

import sqlalchemy as sa

from app.catalogue.services import CatalogueFilters, catalogue_page
from app.courses.models import CourseKind, CourseStatus
from app.extensions import db
from app.modules.services import seed_modules
from app.schedule.proposal import propose_timetable
from app.venues.services import seed_turin_venue
from tests.factories import make_course, make_module
from tests.programmes.factories import make_event, make_programme, make_quito_venue


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


def _cards(courses) -> list[str]:
    """What a catalogue card shows of each course (courses/_card.html), in a line."""
    lines = []
    for course in courses:
        parts = [course.title("en"), course.text("en").summary]
        if course.venue is not None:
            parts.append(course.venue.city)
        if course.host_event is not None and course.host_event.status != CourseStatus.DRAFT:
            parts.append(f"Part of {course.host_event.title('en')}")
        if course.programme is not None:
            parts.append(f"Programme: {course.programme.title('en')}")
        lines.append(" · ".join(parts))
    return lines


def test_a_catalogue_page_and_its_cards_cost_as_many_queries_for_many_courses_as_for_one(
    neighbour,
):
    def add_side_event(n: int) -> None:
        # Each in a conference of its own, held years ago, and a programme of its own.
        host = make_event(CourseKind.CONFERENCE, title=f"Conference {n}", start=date(2016, 10, 17))
        make_event(
            CourseKind.SIDE_EVENT,
            title=f"Side event {n}",
            start=date(2030, 10, 18),
            venue=make_quito_venue(),
            host=host,
            programme=make_programme(f"programme-{n}", title=f"Programme {n}"),
        )

    filters, today = CatalogueFilters(kind=CourseKind.SIDE_EVENT), date(2030, 6, 1)
    add_side_event(0)
    db.session.commit()
    with count_queries() as one:
        _cards(catalogue_page(filters, today, 1).courses)
    for n in range(1, 6):
        add_side_event(n)
    db.session.commit()
    with count_queries() as six:
        cards = _cards(catalogue_page(filters, today, 1).courses)
    assert cards[5] == (
        "Side event 5 · A five-day workshop. · Quito · "
        "Part of Conference 5 · Programme: Programme 5"
    )
    assert len(six) == len(one), six
