"""The proposed week speaks the course's language: titles from the toolbox modules' outlines in
French or Spanish, breaks, opening and closing too; where a module has no outline in that
language, its outline in the site's default language (English) rather than none."""

from __future__ import annotations

import pytest

from app.courses.models import Course, CourseModule, CourseTranslation
from app.extensions import db
from app.modules.models import Module, ModuleTranslation
from app.modules.services import seed_modules
from app.schedule.models import SessionKind
from app.schedule.proposal import module_outline, propose_timetable
from app.schedule.services import sessions_by_day
from tests.factories import make_course


def toolbox(*codes: str) -> tuple[Module, ...]:
    """The JMDI toolbox modules as shipped (texts in English, French and Spanish)."""
    seed_modules()
    by_code = {m.code: m for m in db.session.scalars(db.select(Module))}
    return tuple(by_code[code] for code in codes)


def course_in(locale: str, title: str, *modules: Module) -> Course:
    course = make_course(modules=modules)
    course.default_locale = locale
    course.languages = locale
    course.translations.append(CourseTranslation(locale=locale, title=title))
    db.session.flush()
    return course


def day(course: Course, index: int) -> list[tuple[str, SessionKind]]:
    return [(s.title, s.kind) for s in sessions_by_day(course)[index][1]]


def test_a_french_course_takes_the_french_outlines_and_names_its_breaks_in_french():
    m1, m2 = toolbox("M1", "M2")
    english = make_course(title="Governing migration at the local level", modules=(m1, m2))
    french = course_in("fr", "Gestion de la migration au niveau local", m1, m2)
    french.days = 2

    propose_timetable(english)
    propose_timetable(french)

    assert day(french, 0) == [
        ("Ouverture et présentations", SessionKind.OPENING),
        ("Migration et développement local : notions clés", SessionKind.PLENARY),
        ("Pause café", SessionKind.BREAK),
        (
            "Études de cas : le cycle migratoire dans les plans locaux",
            SessionKind.CASE_STUDY,
        ),
        ("Déjeuner", SessionKind.LUNCH),
        (
            "Travail de groupe : cartographier les données migratoires pour les politiques locales",
            SessionKind.GROUP_WORK,
        ),
        ("Pause café", SessionKind.BREAK),
        ("Débat et synthèse", SessionKind.DEBATE),
    ]
    tuesday = day(french, 1)
    assert tuesday[-2:] == [
        ("Évaluation du cours", SessionKind.EVALUATION),
        ("Clôture et remise des certificats", SessionKind.CLOSING),
    ]
    assert ("Jeu de rôle : construire un partenariat local", SessionKind.ROLE_PLAY) in tuesday
    # The English course proposed beside it keeps its English week.
    assert day(english, 0)[0] == ("Opening and introductions", SessionKind.OPENING)
    assert ("Coffee break", SessionKind.BREAK) in day(english, 0)


def test_a_spanish_course_takes_the_spanish_outlines_and_tells_their_kinds():
    (m4,) = toolbox("M4")
    course = course_in("es", "Gobernanza de la migración a nivel local", m4)
    course.days = 1

    propose_timetable(course)

    assert day(course, 0) == [
        ("Apertura y presentaciones", SessionKind.OPENING),
        ("Migración, mercados laborales y desarrollo económico local", SessionKind.PLENARY),
        ("Pausa café", SessionKind.BREAK),
        ("Estudios de caso: remesas e inversión de la diáspora", SessionKind.CASE_STUDY),
        ("Almuerzo", SessionKind.LUNCH),
        (
            "Trabajo en grupo: reconocimiento de competencias y emprendimiento de los migrantes",
            SessionKind.GROUP_WORK,
        ),
        ("Pausa café", SessionKind.BREAK),
        ("Evaluación del curso", SessionKind.EVALUATION),
        ("Clausura y entrega de certificados", SessionKind.CLOSING),
    ]


def test_a_module_without_a_spanish_outline_falls_back_to_its_english_one():
    """A module translated in part (its Spanish title, no outline yet) keeps its English
    outline; generic titles, breaks and the day's focus are still in Spanish."""
    (m3,) = toolbox("M3")
    spanish = next(t for t in m3.translations if t.locale == "es")
    spanish.outline = ""
    newer = Module(
        code="M6",
        position=6,
        translations=[
            ModuleTranslation(
                locale="en",
                title="Migration and urban planning",
                outline="Cities that grow with migration\nCase studies: housing and services",
            ),
            ModuleTranslation(
                locale="fr", title="Migration et urbanisme", outline="Des villes qui grandissent"
            ),
        ],
    )
    db.session.add(newer)
    course = course_in("es", "Gobernanza de la migración a nivel local", m3, newer)
    course.days = 2
    db.session.flush()

    propose_timetable(course)

    monday = [title for title, kind in day(course, 0) if not kind.is_break]
    assert monday[1:] == [
        "Migrants as actors of local development",
        "Case studies: local services for migrants and their families",
        "Group work: supporting migrant and diaspora associations",
        "Panel and wrap-up: migrants' participation in local life",
    ]
    tuesday = day(course, 1)
    assert tuesday[:5] == [
        ("Cities that grow with migration", SessionKind.PLENARY),
        ("Pausa café", SessionKind.BREAK),
        ("Case studies: housing and services", SessionKind.CASE_STUDY),
        ("Almuerzo", SessionKind.LUNCH),
        ("Trabajo en grupo", SessionKind.GROUP_WORK),
    ]


@pytest.mark.parametrize(
    ("locale", "first"),
    [
        ("fr", "Les migrants, acteurs du développement local"),
        ("es", "Los migrantes como actores del desarrollo local"),
        ("en", "Migrants as actors of local development"),
        ("ar", "Migrants as actors of local development"),
    ],
)
def test_the_outline_of_a_module_is_read_in_the_language_asked_for(locale, first):
    (m3,) = toolbox("M3")

    assert module_outline(m3, locale)[0] == first


def test_a_module_with_no_outline_at_all_gets_generic_sessions():
    module = Module(
        code="M7", translations=[ModuleTranslation(locale="en", title="Return migration")]
    )
    db.session.add(module)
    course = course_in("fr", "Migration de retour", module)
    course.days = 2
    course.focuses.append(CourseModule(position=1, theme="Plan d'action"))
    db.session.flush()

    propose_timetable(course)

    titles = [title for title, kind in day(course, 0) if not kind.is_break]
    assert titles[1:] == [
        "Introduction\u00a0: Return migration",
        "Études de cas",
        "Travail de groupe",
        "Discussion en plénière et synthèse",
    ]


def test_without_an_outline_in_the_course_s_language_the_site_s_main_language_comes_first(
    app, monkeypatch
):
    """On a site whose main language is French, a Spanish course's module without a Spanish
    outline takes the French one, though English sorts first among the others."""
    (m3,) = toolbox("M3")
    next(t for t in m3.translations if t.locale == "es").outline = ""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "fr")

    assert module_outline(m3, "es")[0] == "Les migrants, acteurs du développement local"
