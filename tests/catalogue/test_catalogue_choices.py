"""The options of the catalogue's filters: only what has something public behind it, in the
order a visitor looks for it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from app.catalogue import services
from app.catalogue.services import Place
from app.courses.models import CourseKind, CourseStatus
from app.courses.services import default_venue
from app.extensions import db
from tests.factories import make_course, make_module, make_venue
from tests.neighbours import Neighbour, guard, make_busy_course
from tests.programmes.factories import make_event, make_programme


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    """The busy sister course, as in tests/courses: no test may change it."""
    yield from guard(make_busy_course(date(2017, 10, 30)))


def test_the_languages_offered_are_those_of_the_site():
    choices = services.catalogue_choices("en")
    assert choices.languages == {"en": "English", "fr": "Français", "es": "Español"}
    assert choices.kinds == list(CourseKind) and choices.places == [Place.ONLINE, Place.ON_SITE]


def test_modules_are_offered_in_the_toolboxs_order_then_by_code():
    m2, m1 = make_module("M2"), make_module("M1")
    m9, m4 = make_module("M9"), make_module("M4")
    m2.position, m1.position = 1, 2
    m9.position = m4.position = 3  # the same place in the toolbox: by code
    db.session.flush()
    assert services.catalogue_choices("en").modules == [m2, m1, m4, m9]


def test_programmes_with_something_public_are_offered_by_title_in_the_visitors_language():
    zeta = make_programme("zeta", title="Zeta cities", texts={"fr": "Villes de demain"})
    alpha = make_programme("alpha", title="Alpha migration", texts={"fr": "Wallonie migrations"})
    lower = make_programme("lower", title="local governance", texts={"fr": "gouvernance locale"})
    drafts_only = make_programme("drafts", title="Beta drafts")
    make_programme("empty", title="Empty programme")
    for programme in (zeta, alpha, lower):
        make_course(start=date(2030, 5, 6)).programme = programme
    cancelled = make_course(start=date(2030, 5, 6), status=CourseStatus.CANCELLED)
    cancelled.programme = make_programme("called-off", title="Called off")
    make_course(start=date(2030, 5, 6), status=CourseStatus.DRAFT).programme = drafts_only
    db.session.flush()

    assert [p.slug for p in services.catalogue_choices("en").programmes] == [
        "alpha",
        "called-off",
        "lower",
        "zeta",
    ]
    assert [p.slug for p in services.catalogue_choices("fr").programmes] == [
        "called-off",
        "lower",
        "zeta",
        "alpha",
    ]


def test_host_events_offered_are_the_public_conferences_latest_first():
    older = make_event(
        CourseKind.CONFERENCE, slug="habitat-iii", title="Habitat III", start=date(2016, 10, 17)
    )
    newer = make_event(CourseKind.CONFERENCE, slug="wuf-9", title="WUF 9", start=date(2018, 2, 7))
    make_event(
        CourseKind.CONFERENCE,
        slug="draft",
        title="Draft",
        start=date(2019, 1, 7),
        status=CourseStatus.DRAFT,
    )
    make_event(CourseKind.PANEL, slug="panel", title="Panel", start=date(2020, 1, 7))
    assert services.catalogue_choices("en").host_events == [newer, older]


def test_the_months_offered_are_those_in_which_public_courses_start(neighbour):
    make_course(start=date(2030, 11, 18))
    make_course(start=date(2030, 11, 25))
    make_course(start=date(2029, 1, 7), status=CourseStatus.CANCELLED)
    make_course(start=date(2030, 2, 4), status=CourseStatus.DRAFT)
    # The busy neighbour started on 30 October 2017.
    assert services.catalogue_choices("en").months == ["2017-10", "2029-01", "2030-11"]
    assert services.course_months() == ["2017-10", "2029-01", "2030-11"]


def test_a_new_course_starts_at_the_first_venue_created(neighbour):
    make_venue("America/Guayaquil")
    assert default_venue() is neighbour.course.venue
