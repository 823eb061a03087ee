"""Programme rules: creating and changing programmes, and what a programme page lists."""

from __future__ import annotations

from datetime import date

import pytest

from app.accounts.models import Role
from app.courses.models import CourseKind, CourseStatus, Organisation, Programme
from app.extensions import db
from app.programmes import services
from app.programmes.services import ProgrammeData, ProgrammeError, ProgrammeText
from tests.factories import make_user

from .factories import make_event, make_programme

TODAY = date(2030, 6, 1)


def data(**overrides: object) -> ProgrammeData:
    values: dict[str, object] = {
        "slug": "joint-programme",
        "texts": {
            "en": ProgrammeText("Joint programme", "Mainstreaming migration."),
            "fr": ProgrammeText("Programme conjoint", "Intégrer la migration."),
            "es": ProgrammeText("", ""),
        },
        "funder": "Swiss Agency for Development and Cooperation (SDC)",
        "countries": ["TN", "BD", "EC"],
        "url": "https://example.org/programme",
    }
    values.update(overrides)
    return ProgrammeData(**values)  # type: ignore[arg-type]


@pytest.fixture
def admin():
    return make_user(Role.ADMIN)


def test_create_stores_texts_funder_countries_and_link(admin):
    programme = services.create_programme(data(), actor=admin)

    assert programme.slug == "joint-programme"
    assert {t.locale: t.title for t in programme.translations} == {
        "en": "Joint programme",
        "fr": "Programme conjoint",
    }
    assert programme.funder is not None
    assert programme.funder.name == "Swiss Agency for Development and Cooperation (SDC)"
    assert programme.countries == "BD,EC,TN"
    assert programme.url == "https://example.org/programme"


def test_the_funder_is_an_existing_organisation_when_the_name_matches(admin):
    sdc = Organisation(name="Swiss Agency for Development and Cooperation (SDC)")
    db.session.add(sdc)
    db.session.flush()
    programme = services.create_programme(
        data(funder="  swiss agency for development and cooperation (SDC) "), actor=admin
    )
    assert programme.funder is sdc


def test_update_replaces_texts_and_may_drop_the_funder(admin):
    programme = services.create_programme(data(), actor=admin)
    before = programme.updated_at
    services.update_programme(
        programme,
        data(
            slug="joint-programme-phase-2",
            texts={"en": ProgrammeText("Phase two"), "fr": ProgrammeText("")},
            funder="",
            countries=[],
            url="",
        ),
        actor=admin,
    )
    assert programme.slug == "joint-programme-phase-2"
    assert [(t.locale, t.title) for t in programme.translations] == [("en", "Phase two")]
    assert programme.funder is None
    assert programme.countries == ""
    assert programme.updated_at >= before


@pytest.mark.parametrize(
    "overrides",
    [
        {"texts": {"fr": ProgrammeText("Programme conjoint")}},
        {"texts": {"en": ProgrammeText("   ")}},
        {"slug": "Not a slug"},
        {"slug": "new"},
        {"countries": ["XX"]},
        {"countries": ["EU"]},
        {"url": "javascript:alert(1)"},
    ],
)
def test_bad_data_is_refused(admin, overrides):
    with pytest.raises(ProgrammeError):
        services.create_programme(data(**overrides), actor=admin)


def test_a_slug_in_use_is_refused_but_a_programme_keeps_its_own(admin):
    first = services.create_programme(data(), actor=admin)
    with pytest.raises(ProgrammeError):
        services.create_programme(data(), actor=admin)
    services.update_programme(first, data(url=""), actor=admin)
    assert first.url == ""


def test_programme_courses_are_exactly_its_public_items_upcoming_then_past():
    programme = make_programme()
    other = make_programme("other-programme", title="Another programme")
    old_course = make_event(
        CourseKind.COURSE, title="2017 course", start=date(2017, 11, 20), programme=programme
    )
    older_course = make_event(
        CourseKind.COURSE, title="Earlier course", start=date(2017, 10, 30), programme=programme
    )
    launch = make_event(
        CourseKind.LAUNCH, title="Launch", start=date(2030, 9, 1), programme=programme
    )
    webinar = make_event(
        CourseKind.WEBINAR,
        title="Webinar",
        start=date(2030, 7, 1),
        online=True,
        programme=programme,
        status=CourseStatus.CANCELLED,
    )
    # Still running on TODAY: upcoming until its last day.
    running = make_event(
        CourseKind.COURSE, title="Running", start=date(2030, 5, 28), days=5, programme=programme
    )
    make_event(
        CourseKind.PANEL,
        title="Draft",
        start=date(2030, 8, 1),
        programme=programme,
        status=CourseStatus.DRAFT,
    )
    make_event(CourseKind.PANEL, title="Elsewhere", start=date(2030, 8, 1), programme=other)
    make_event(CourseKind.PANEL, title="Nowhere", start=date(2030, 8, 1))

    upcoming, past = services.programme_courses(programme, today=TODAY)

    assert upcoming == [running, webinar, launch]
    assert past == [old_course, older_course]


def test_partner_countries_in_the_visitors_language():
    programme = make_programme(countries="BD,EC,MA,TN")
    assert services.partner_countries(programme, "en") == [
        "Bangladesh",
        "Ecuador",
        "Morocco",
        "Tunisia",
    ]
    assert services.partner_countries(programme, "fr") == [
        "Bangladesh",
        "Équateur",
        "Maroc",
        "Tunisie",
    ]
    assert "Marruecos" in services.partner_countries(programme, "es")


def test_list_programmes_by_title_in_the_language():
    make_programme("b", title="Zeta programme", texts={"fr": "Alpha programme"})
    make_programme("a", title="Beta programme")
    assert [p.slug for p in services.list_programmes("en")] == ["a", "b"]
    assert [p.slug for p in services.list_programmes("fr")] == ["b", "a"]


def test_deleting_a_programme_keeps_its_courses(admin):
    programme = make_programme()
    course = make_event(
        CourseKind.COURSE, title="Course", start=date(2030, 1, 7), programme=programme
    )
    services.delete_programme(programme, actor=admin)
    db.session.expire_all()
    assert db.session.get(Programme, programme.id) is None
    assert course.programme_id is None
