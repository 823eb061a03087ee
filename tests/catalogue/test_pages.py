"""The catalogue in pages: years of courses stay readable, and the filters follow the pages."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

from app.catalogue import services
from app.catalogue.services import CATALOGUE_PER_PAGE, CatalogueFilters
from app.courses.models import CourseKind
from tests.programmes.factories import make_event

TODAY = date(2030, 6, 1)


def make_courses(count: int, *, first: date, kind: CourseKind = CourseKind.COURSE) -> list:
    return [
        make_event(
            kind,
            slug=f"{kind.value}-{n:03d}",
            title=f"{kind.value} {n:03d}",
            start=first + timedelta(days=n),
        )
        for n in range(count)
    ]


def titles(html: str) -> list[str]:
    return re.findall(r"(?:course|webinar|side_event) \d{3}", unescape(html))


def test_pages_split_the_list_in_order_without_losing_or_repeating_a_course(db):
    courses = make_courses(CATALOGUE_PER_PAGE * 2 + 5, first=date(2030, 7, 1))
    db.session.commit()

    pages = [services.catalogue_page(CatalogueFilters(), TODAY, n) for n in (1, 2, 3)]
    assert [len(p.courses) for p in pages] == [CATALOGUE_PER_PAGE, CATALOGUE_PER_PAGE, 5]
    assert {p.pages for p in pages} == {3}
    assert {p.total for p in pages} == {len(courses)}
    shown = [c for p in pages for c in p.courses]
    assert shown == courses  # by start date, each once
    assert (pages[0].has_prev, pages[0].has_next) == (False, True)
    assert (pages[2].has_prev, pages[2].has_next) == (True, False)


def test_a_page_out_of_range_shows_the_nearest_page(db):
    make_courses(CATALOGUE_PER_PAGE + 1, first=date(2030, 7, 1))
    db.session.commit()
    assert services.catalogue_page(CatalogueFilters(), TODAY, 99).page == 2
    assert services.catalogue_page(CatalogueFilters(), TODAY, -3).page == 1
    empty = services.catalogue_page(CatalogueFilters(kind=CourseKind.PANEL), TODAY, 1)
    assert (empty.courses, empty.page, empty.pages, empty.total) == ([], 1, 1, 0)


def test_past_courses_page_newest_first(db):
    past = make_courses(CATALOGUE_PER_PAGE + 3, first=date(2017, 1, 1))
    db.session.commit()
    second = services.catalogue_page(CatalogueFilters(past=True), TODAY, 2)
    assert second.courses == list(reversed(past))[CATALOGUE_PER_PAGE:]


def test_the_page_links_keep_the_filters(client, db):
    make_courses(CATALOGUE_PER_PAGE + 2, first=date(2030, 7, 1), kind=CourseKind.WEBINAR)
    make_courses(3, first=date(2030, 7, 1))
    db.session.commit()

    first = client.get("/?kind=webinar")
    assert first.status_code == 200
    assert len(titles(first.text)) == CATALOGUE_PER_PAGE
    assert "Page 1 of 2" in first.text
    next_link = re.search(r'<a href="([^"]+)" rel="next">', first.text).group(1)
    assert "kind=webinar" in unescape(next_link) and "page=2" in next_link

    second = client.get(unescape(next_link))
    assert titles(second.text) == ["webinar 030", "webinar 031"]
    assert 'rel="next"' not in second.text
    assert "Page 2 of 2" in second.text


def test_one_page_needs_no_page_links(client, db):
    make_courses(3, first=date(2030, 7, 1))
    db.session.commit()
    page = client.get("/?page=7")
    assert page.status_code == 200
    assert len(titles(page.text)) == 3
    assert 'rel="next"' not in page.text and "Page 1 of" not in page.text


def test_a_nonsense_page_number_is_the_nearest_page(client, db):
    make_courses(CATALOGUE_PER_PAGE + 1, first=date(2030, 7, 1))
    db.session.commit()
    for value, first_shown in (
        ("abc", "course 000"),
        ("", "course 000"),
        ("-1", "course 000"),
        ("99999999999999999999", f"course {CATALOGUE_PER_PAGE:03d}"),
    ):
        response = client.get(f"/?page={value}")
        assert response.status_code == 200
        assert titles(response.text)[0] == first_shown, value
