"""Course addresses: made from the title and year, readable, unique."""

from __future__ import annotations

from datetime import date

import pytest

from app.accounts.models import Role
from app.courses import editions, services
from app.courses.models import Course
from tests.courses.test_services import details
from tests.factories import make_course, make_user, make_venue


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Gestión de la migración: ¿qué hacer?", "gestion-de-la-migracion-que-hacer"),
        ("¿Qué hacer? – Habitat III, 2016!", "que-hacer-habitat-iii-2016"),
        ("Coﬁnancing   LOCAL  Plans", "cofinancing-local-plans"),  # the "ﬁ" ligature
        (
            "Gouvernance des migrations à l'échelle locale",
            "gouvernance-des-migrations-a-l-echelle-locale",
        ),
        ("(Re)building trust: cities & migrants", "re-building-trust-cities-migrants"),
        ("移民与发展", "course"),  # nothing left in ASCII
        ("¿¡ !?", "course"),
    ],
)
def test_an_address_is_made_of_the_titles_plain_letters_and_digits(title, slug):
    assert services.slugify(title) == slug


def test_a_long_title_is_cut_to_eighty_characters_without_a_trailing_hyphen():
    title = "Mainstreaming migration into local development planning and policy coherence in cities"
    slug = services.slugify(title)
    assert slug == "mainstreaming-migration-into-local-development-planning-and-policy-coherence-in"
    assert len(slug) == 79


def test_an_address_in_use_gets_the_next_free_number():
    for slug in ("governing-migration-2018", "governing-migration-2018-2"):
        make_course(slug=slug)
    assert services.unique_slug("Governing migration 2018") == "governing-migration-2018-3"
    make_course(slug="governing-migration-2018-3")
    assert services.unique_slug("Governing migration 2018") == "governing-migration-2018-4"


def test_a_free_address_is_used_as_it_is():
    make_course(slug="governing-migration-2017")
    assert services.unique_slug("Governing migration 2018") == "governing-migration-2018"


def test_an_address_is_taken_by_another_course_only():
    course = make_course(slug="governing-2018")
    assert services.slug_taken("governing-2018")
    assert not services.slug_taken("governing-2019")
    assert not services.slug_taken("governing-2018", excluding=course)  # its own address
    assert services.slug_taken("governing-2018", excluding=Course())  # a course being made
    other = make_course(slug="governing-2019")
    assert services.slug_taken("governing-2018", excluding=other)


def test_a_title_ending_with_its_year_does_not_get_the_year_twice():
    organiser = make_user(Role.ORGANISER)
    venue = make_venue()
    made = [
        services.create_course(
            details(venue, texts={"en": services.CourseText(title)}, languages=["en"]),
            slug=None,
            actor=organiser,
        ).slug
        for title in (
            "Summer school on urban migration 2018",
            "Summer school on urban migration",
            "2018 Forum of mayors",
            "Habitat 20182 follow-up",  # another number, not the year
        )
    ]
    assert made == [
        "summer-school-on-urban-migration-2018",
        "summer-school-on-urban-migration-2018-2",
        "2018-forum-of-mayors",
        "habitat-20182-follow-up-2018",
    ]


def test_a_new_edition_takes_the_new_year_in_its_titles_and_address():
    organiser = make_user(Role.ORGANISER)
    course = make_course(
        slug="summer-school-2017",
        start=date(2017, 7, 3),
        organisers=(organiser,),
        title="Summer school on urban migration 2017",
    )
    course.languages = "en,fr"
    services.set_course_texts(
        course,
        {
            "en": services.CourseText("Summer school on urban migration 2017"),
            "fr": services.CourseText("École d'été 2017 sur la migration urbaine"),
        },
    )
    make_course(slug="summer-school-on-urban-migration-2018", title="Another 2018 school")

    new = editions.copy_as_new_edition(course, date(2018, 7, 2), slug=None, actor=organiser)

    assert new.title("en") == "Summer school on urban migration 2018"
    assert new.title("fr") == "École d'été 2018 sur la migration urbaine"
    assert new.slug == "summer-school-on-urban-migration-2018-2"
    assert course.title("en") == "Summer school on urban migration 2017"  # left as it was
