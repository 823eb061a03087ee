"""The catalogue and a programme page make the same number of queries however many courses,
events, host events and programmes they show."""

from __future__ import annotations

from datetime import date, timedelta

from app.courses.models import CourseKind
from app.extensions import db
from tests.courses.test_query_counts import count_queries
from tests.programmes.factories import make_event, make_programme, make_quito_venue

START = date(2030, 10, 1)


def add_group(n: int) -> None:
    """A programme with a course, and a host event with an on-site and an online side event
    (in another programme)."""
    day = START + timedelta(days=7 * n)
    programme = make_programme(f"programme-{n}", title=f"Programme {n}")
    other = make_programme(f"other-{n}", title=f"Other {n}", texts={"fr": f"Autre {n}"})
    make_event(CourseKind.COURSE, title=f"Course {n}", start=day, days=5, programme=programme)
    host = make_event(
        CourseKind.CONFERENCE,
        slug=f"host-{n}",
        title=f"Conference {n}",
        start=day,
        days=3,
        venue=make_quito_venue(),
        languages="en,es",
    )
    side = make_event(
        CourseKind.SIDE_EVENT, title=f"Side {n}", start=day, host=host, programme=other
    )
    side.capacity = None
    make_event(CourseKind.WEBINAR, title=f"Webinar {n}", start=day, online=True, host=host)


def test_catalogue_queries_do_not_grow_with_events_and_programmes(client):
    add_group(0)
    db.session.commit()
    client.get("/")  # warm up
    with count_queries() as few:
        assert client.get("/").status_code == 200
    for n in range(1, 6):
        add_group(n)
    db.session.commit()
    with count_queries() as many:
        page = client.get("/")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('class="course-card') == 6 * 4
    assert len(many) == len(few), many


def test_filtered_catalogue_queries_do_not_grow(client):
    add_group(0)
    db.session.commit()
    query = "/?host=host-0&place=on_site&programme=other-0&kind=side_event&language=en"
    with count_queries() as few:
        page = client.get(query)
    assert page.get_data(as_text=True).count('class="course-card') == 1
    for n in range(1, 6):
        add_group(n)
    db.session.commit()
    with count_queries() as many:
        assert client.get(query).status_code == 200
    assert len(many) == len(few), many


def test_programme_page_queries_do_not_grow_with_its_items(client):
    programme = make_programme("joint")
    host = make_event(CourseKind.CONFERENCE, title="Host", start=START, venue=make_quito_venue())
    for n in range(1, 8):
        day = START + timedelta(days=n)
        make_event(CourseKind.COURSE, title=f"Course {n}", start=day, programme=programme)
        make_event(
            CourseKind.SIDE_EVENT, title=f"Side {n}", start=day, host=host, programme=programme
        )
        make_event(
            CourseKind.WEBINAR,
            title=f"Past {n}",
            start=date(2017, 1, n),
            online=True,
            programme=programme,
        )
        db.session.commit()
        if n == 1:  # one of each kind of item
            with count_queries() as few:
                assert client.get("/programmes/joint").status_code == 200
    with count_queries() as many:
        assert client.get("/programmes/joint").status_code == 200
    assert len(many) == len(few), many


def test_programme_list_queries_do_not_grow(client):
    make_programme("p0")
    db.session.commit()
    with count_queries() as few:
        assert client.get("/programmes/").status_code == 200
    for n in range(1, 8):
        make_programme(f"p{n}", texts={"fr": f"Programme {n}"})
    db.session.commit()
    with count_queries() as many:
        assert client.get("/programmes/").status_code == 200
    assert len(many) == len(few), many
