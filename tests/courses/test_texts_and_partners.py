"""A course's texts in each language and its partner organisations, as the details form
changes them."""

from __future__ import annotations

import sqlalchemy as sa

from app.courses import services
from app.courses.models import Organisation, PartnerRole
from app.courses.services import CourseText
from app.extensions import db
from tests.factories import make_course

ORGANISER, CO_ORGANISER, FUNDER = (
    PartnerRole.ORGANISER,
    PartnerRole.CO_ORGANISER,
    PartnerRole.FUNDER,
)


def texts(course) -> dict[str, tuple[str, str, str]]:
    return {t.locale: (t.title, t.summary, t.description) for t in course.translations}


def test_texts_are_kept_trimmed_one_row_per_language():
    course = make_course(title="Governing migration")
    english = course.translations[0]
    services.set_course_texts(
        course,
        {
            "en": CourseText(
                " Governing migration at the local level ", " Five days. ", "\nFor cities.\n"
            ),
            "fr": CourseText("Gestion de la migration au niveau local", "Cinq jours."),
        },
    )
    db.session.flush()
    assert texts(course) == {
        "en": ("Governing migration at the local level", "Five days.", "For cities."),
        "fr": ("Gestion de la migration au niveau local", "Cinq jours.", ""),
    }
    assert course.translations[0] is english  # changed in place, not replaced


def test_a_language_whose_title_is_emptied_is_dropped():
    course = make_course(title="Governing migration")
    services.set_course_texts(
        course, {"en": CourseText("Governing migration"), "fr": CourseText("Gestion")}
    )
    services.set_course_texts(
        course,
        {"fr": CourseText("   ", "Résumé sans titre"), "en": CourseText("Governing migration")},
    )
    db.session.flush()
    assert texts(course) == {"en": ("Governing migration", "", "")}


def test_a_language_no_longer_given_is_dropped():
    course = make_course(title="Governing migration")
    services.set_course_texts(
        course, {"en": CourseText("Governing migration"), "es": CourseText("Gestión")}
    )
    services.set_course_texts(course, {"en": CourseText("Governing migration")})
    db.session.flush()
    assert set(texts(course)) == {"en"}


def test_an_empty_language_listed_first_does_not_stop_the_others():
    course = make_course(title="Governing migration")
    services.set_course_texts(
        course,
        {
            "es": CourseText(""),
            "en": CourseText("Governing migration at the local level"),
            "fr": CourseText("Gestion de la migration"),
        },
    )
    db.session.flush()
    assert texts(course) == {
        "en": ("Governing migration at the local level", "", ""),
        "fr": ("Gestion de la migration", "", ""),
    }


# Partners --------------------------------------------------------------------------------------


def partners(course) -> list[tuple[str, PartnerRole, int]]:
    return [(p.organisation.name, p.role, p.position) for p in course.partners]


def organisations() -> list[str]:
    return list(db.session.scalars(sa.select(Organisation.name).order_by(Organisation.id)))


def test_partners_are_kept_in_the_order_given():
    course = make_course()
    services.set_partners(course, [("ITC-ILO", ORGANISER), ("IOM", CO_ORGANISER), ("SDC", FUNDER)])
    assert partners(course) == [
        ("ITC-ILO", ORGANISER, 0),
        ("IOM", CO_ORGANISER, 1),
        ("SDC", FUNDER, 2),
    ]


def test_an_organisation_is_found_again_whatever_its_case_and_spacing():
    course, other = make_course(), make_course()
    services.set_partners(course, [("United Cities and Local Governments", CO_ORGANISER)])
    services.set_partners(other, [("  united   cities and LOCAL governments ", FUNDER)])
    assert organisations() == ["United Cities and Local Governments"]
    assert other.partners[0].organisation is course.partners[0].organisation


def test_a_new_organisation_is_named_with_single_spaces():
    course = make_course()
    services.set_partners(course, [("  Municipality of   Belo Horizonte ", FUNDER)])
    assert organisations() == ["Municipality of Belo Horizonte"]
    assert course.partners[0].organisation.id is not None


def test_empty_partner_lines_are_ignored_and_repeated_ones_kept_once():
    course = make_course()
    services.set_partners(
        course,
        [("IOM", CO_ORGANISER), ("  ", FUNDER), ("iom", CO_ORGANISER), ("IOM", FUNDER)],
    )
    assert partners(course) == [("IOM", CO_ORGANISER, 0), ("IOM", FUNDER, 1)]


def test_reordering_partners_keeps_their_rows_and_drops_those_left_out():
    course = make_course()
    services.set_partners(course, [("ITC-ILO", ORGANISER), ("IOM", CO_ORGANISER), ("UNDP", FUNDER)])
    db.session.flush()
    itc, iom, _undp = course.partners

    services.set_partners(course, [("IOM", CO_ORGANISER), ("SDC", FUNDER), ("ITC-ILO", ORGANISER)])

    assert partners(course) == [
        ("IOM", CO_ORGANISER, 0),
        ("SDC", FUNDER, 1),
        ("ITC-ILO", ORGANISER, 2),
    ]
    assert (course.partners[0], course.partners[2]) == (iom, itc)
    db.session.flush()
    db.session.expire(course)
    assert partners(course) == [
        ("IOM", CO_ORGANISER, 0),
        ("SDC", FUNDER, 1),
        ("ITC-ILO", ORGANISER, 2),
    ]


def test_changing_a_partners_role_replaces_the_partnership():
    course = make_course()
    services.set_partners(course, [("IOM", CO_ORGANISER)])
    services.set_partners(course, [("IOM", FUNDER)])
    assert partners(course) == [("IOM", FUNDER, 0)]
    assert organisations() == ["IOM"]
