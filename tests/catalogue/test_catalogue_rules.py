"""The public catalogue's rules: what is coming and what was held, to the day; the month
filter at the edges of months and years; pages; the filters read from a link."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from app.catalogue import services
from app.catalogue.services import CatalogueFilters, Place
from app.courses.models import Course, CourseKind, CourseStatus
from app.db import now_utc
from app.extensions import db
from tests.factories import make_course, make_module
from tests.neighbours import Neighbour, guard, make_busy_course
from tests.programmes.factories import make_event, make_programme


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    """The busy sister course, as in tests/courses: no test may change it."""
    yield from guard(make_busy_course(date(2017, 10, 30)))


TODAY = date(2030, 6, 12)
UPCOMING, PAST = CatalogueFilters(), CatalogueFilters(past=True)


def course(title: str, start: date, days: int = 5, **kwargs):
    made = make_course(title=title, start=start, **kwargs)
    made.days = days
    db.session.flush()
    return made


def titles(filters: CatalogueFilters, today: date = TODAY, **kwargs) -> list[str]:
    return [c.title("en") for c in services.catalogue(filters, today, **kwargs)]


def test_a_course_ending_today_is_still_coming_and_one_that_ended_yesterday_was_held(neighbour):
    course("Ends today", date(2030, 6, 8))
    course("Ended yesterday", date(2030, 6, 7))
    course("One day, today", TODAY, days=1)
    course("One day, yesterday", TODAY - timedelta(days=1), days=1)
    course("Starts tomorrow", TODAY + timedelta(days=1))

    assert titles(UPCOMING) == ["Ends today", "One day, today", "Starts tomorrow"]
    assert titles(PAST) == [
        "One day, yesterday",
        "Ended yesterday",
        neighbour.course.title("en"),
    ]


def test_the_longest_course_is_coming_until_its_last_day():
    course("Thirty-one days, last day today", TODAY - timedelta(days=30), days=31)
    course("Thirty-one days, ended yesterday", TODAY - timedelta(days=31), days=31)
    assert titles(UPCOMING) == ["Thirty-one days, last day today"]
    assert titles(PAST)[0] == "Thirty-one days, ended yesterday"


def test_cancelled_courses_come_last_while_coming_and_by_date_once_held():
    course("Cancelled soon", date(2030, 6, 20), status=CourseStatus.CANCELLED)
    course("Later", date(2030, 9, 2))
    course("Soon", date(2030, 6, 24))
    course("Cancelled last year", date(2029, 6, 4), status=CourseStatus.CANCELLED)
    course("Held last year", date(2029, 3, 4))
    course("Draft", date(2030, 7, 1), status=CourseStatus.DRAFT)
    course("Old draft", date(2029, 7, 1), status=CourseStatus.DRAFT)

    assert titles(UPCOMING) == ["Soon", "Later", "Cancelled soon"]
    assert titles(PAST)[:2] == ["Cancelled last year", "Held last year"]
    assert "Old draft" not in titles(PAST)


def test_a_slice_of_the_catalogue_starts_where_asked():
    for n in range(5):
        course(f"Week {n}", date(2030, 7, 1) + timedelta(weeks=n))
    assert titles(UPCOMING, limit=2) == ["Week 0", "Week 1"]
    assert titles(UPCOMING, limit=2, offset=2) == ["Week 2", "Week 3"]
    assert titles(UPCOMING, offset=3) == ["Week 3", "Week 4"]


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        ("2030-12", ["1 December", "31 December"]),
        ("2031-01", ["1 January"]),
        ("2030-11", ["30 November"]),
        ("2030-02", ["28 February"]),
        ("2030-03", ["1 March"]),
    ],
)
def test_the_month_filter_keeps_the_courses_starting_that_month_from_first_to_last_day(
    month, expected
):
    for title, start in [
        ("30 November", date(2030, 11, 30)),
        ("1 December", date(2030, 12, 1)),
        ("31 December", date(2030, 12, 31)),
        ("1 January", date(2031, 1, 1)),
        ("28 February", date(2030, 2, 28)),
        ("1 March", date(2030, 3, 1)),
    ]:
        course(title, start, days=1)
    today = date(2030, 1, 1)
    assert titles(CatalogueFilters(month=month), today) == expected


def test_a_month_is_a_four_digit_year_from_1_and_a_month_from_01_to_12():
    assert [services.is_month(v) for v in ("2030-01", "2030-12", "0001-06", "9999-12")] == [
        True
    ] * 4
    assert not any(
        services.is_month(v)
        for v in ("2030-00", "2030-13", "0000-05", "2030-1", "30-01", "2030/01", "x", "", None)
    )


# The catalogue page -------------------------------------------------------------------------------


def page(client, query: str) -> str:
    response = client.get(f"/?{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_month_at_the_end_of_the_calendar_is_an_empty_month_not_an_error(client):
    make_course(title="Coming course", start=now_utc().date() + timedelta(days=40))
    db.session.commit()
    assert "Coming course" not in page(client, "month=9999-12")


def test_a_month_of_year_zero_is_ignored_not_an_error(client):
    make_course(title="Coming course", start=now_utc().date() + timedelta(days=40))
    db.session.commit()
    assert "Coming course" in page(client, "month=0000-05")


# Filters read from a link ---------------------------------------------------------------------


def test_the_filters_of_a_link_are_read_from_their_own_keys(neighbour):
    programme_course = make_course(title="Programme course", start=date(2030, 9, 2))
    programme_course.programme = make_programme("jmdi")
    make_event(CourseKind.CONFERENCE, slug="habitat-iii", title="Habitat III", start=TODAY)
    make_module("M7")
    choices = services.catalogue_choices("en")

    filters = services.catalogue_filters(
        {
            "language": "fr",
            "module": "M7",
            "month": "2030-09",
            "when": "past",
            "kind": "side_event",
            "programme": "jmdi",
            "host": "habitat-iii",
            "place": "online",
        },
        choices,
    )

    assert filters == CatalogueFilters(
        language="fr",
        module="M7",
        month="2030-09",
        past=True,
        kind=CourseKind.SIDE_EVENT,
        programme="jmdi",
        host_event="habitat-iii",
        place=Place.ONLINE,
    )
    assert filters.narrowed


def test_a_link_without_filters_asks_for_what_is_coming(neighbour):
    filters = services.catalogue_filters({}, services.catalogue_choices("en"))
    assert filters == CatalogueFilters()
    assert not filters.narrowed


@pytest.mark.parametrize(
    "args",
    [
        {"language": "xx"},
        {"module": "M99"},
        {"month": "2030-13"},
        {"when": "later"},
        {"kind": "lecture"},
        {"kind": ""},
        {"programme": "no-such-programme"},
        {"host": "turin"},  # a course, not a conference
        {"place": "moon"},
    ],
)
def test_values_the_filters_do_not_offer_are_read_as_not_given(neighbour, args):
    make_course(slug="turin", start=date(2030, 9, 2))
    filters = services.catalogue_filters(args, services.catalogue_choices("en"))
    assert filters == CatalogueFilters()


def test_each_place_is_read_as_offered(neighbour):
    choices = services.catalogue_choices("en")
    assert services.catalogue_filters({"place": "on_site"}, choices).place == Place.ON_SITE
    assert services.catalogue_filters({"kind": "course"}, choices).kind == CourseKind.COURSE


def test_only_the_courses_of_the_page_shown_are_loaded_whole(neighbour):
    """Years of courses cost a list of numbers: the others are not loaded."""
    for n in range(services.CATALOGUE_PER_PAGE + 5):
        course(f"Course {n:02d}", date(2030, 7, 1) + timedelta(days=n))
    db.session.commit()
    db.session.expunge_all()

    shown = services.catalogue_page(UPCOMING, TODAY, 2)

    assert [c.title("en") for c in shown.courses] == [f"Course {n:02d}" for n in range(30, 35)]
    loaded = [obj for obj in db.session.identity_map.values() if isinstance(obj, Course)]
    assert sorted(c.id for c in loaded) == sorted(c.id for c in shown.courses)
