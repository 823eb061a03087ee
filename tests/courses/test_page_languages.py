"""A course page read in a language the course's texts lack: the main language's summary and
description are shown, marked as such (a note, and lang on the text for screen readers)."""

from __future__ import annotations

import re

from app.courses.models import CourseKind, CourseTranslation
from app.extensions import db
from tests.factories import make_course

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
SPANISH = {"Accept-Language": "es-ES,es;q=0.9"}
DESCRIPTION = "Five days in Turin on how towns and regions govern migration."


def _course(slug: str, **texts: tuple[str, str, str]):
    course = make_course(slug=slug)
    english = course.translations[0]
    english.description = DESCRIPTION
    for locale, (title, summary, description) in texts.items():
        course.translations.append(
            CourseTranslation(locale=locale, title=title, summary=summary, description=description)
        )
    # The sister course, fully translated, must not lend its texts.
    sister = make_course(slug=f"{slug}-sister", title="Mainstreaming migration")
    sister.translations[0].description = "Mainstreaming migration into policy planning."
    sister.translations.append(
        CourseTranslation(
            locale="fr",
            title="Intégrer la migration",
            summary="Résumé de l'autre cours.",
            description="Description de l'autre cours.",
        )
    )
    db.session.commit()
    return course


def _notes(html: str) -> list[str]:
    return re.findall(r'<p class="meta language-note">(.*?)</p>', html, re.S)


def test_a_french_reader_sees_the_english_description_marked_as_english(client):
    course = _course(
        "governing-migration-2027",
        fr=("Gestion de la migration au niveau local", "Un atelier de cinq jours.", ""),
    )

    html = client.get(f"/courses/{course.slug}", headers=FRENCH).get_data(as_text=True)

    assert '<p class="lead">Un atelier de cinq jours.</p>' in html
    assert f'<div class="description" lang="en"><p>{DESCRIPTION}</p></div>' in html
    assert _notes(html) == ["Affiché en anglais\u00a0: pas encore disponible en français."]
    assert "Description de l'autre cours." not in html


def test_a_spanish_reader_of_a_course_without_spanish_texts_gets_one_note(client):
    course = _course("governing-migration-2027")

    html = client.get(f"/courses/{course.slug}", headers=SPANISH).get_data(as_text=True)

    assert '<p class="lead" lang="en">A five-day workshop.</p>' in html
    assert f'<div class="description" lang="en"><p>{DESCRIPTION}</p></div>' in html
    assert _notes(html) == ["Se muestra en inglés: todavía no está disponible en español."]


def test_a_fully_translated_course_shows_no_note(client):
    course = _course(
        "governing-migration-2027",
        fr=(
            "Gestion de la migration au niveau local",
            "Un atelier de cinq jours.",
            "Cinq jours à Turin.",
        ),
    )

    html = client.get(f"/courses/{course.slug}", headers=FRENCH).get_data(as_text=True)

    assert '<div class="description"><p>Cinq jours à Turin.</p></div>' in html
    assert DESCRIPTION not in html
    assert _notes(html) == []


def test_an_english_reader_of_a_french_course_is_told_the_text_is_french(client):
    course = _course(
        "gestion-migration-2027",
        fr=("Gestion de la migration au niveau local", "Un atelier.", "Cinq jours à Turin."),
    )
    course.default_locale = "fr"
    course.translations[0].description = ""
    db.session.commit()

    html = client.get(f"/courses/{course.slug}").get_data(as_text=True)

    assert '<p class="lead">A five-day workshop.</p>' in html
    assert '<div class="description" lang="fr"><p>Cinq jours à Turin.</p></div>' in html
    assert _notes(html) == ["Shown in French: not yet available in English."]


def test_an_event_page_falls_back_the_same_way(client):
    course = _course("side-event-2027", fr=("Événement parallèle", "Un événement d'une heure.", ""))
    course.kind = CourseKind.SIDE_EVENT
    db.session.commit()

    html = client.get(f"/courses/{course.slug}", headers=FRENCH).get_data(as_text=True)

    assert f'<div class="description" lang="en"><p>{DESCRIPTION}</p></div>' in html
    assert _notes(html) == ["Affiché en anglais\u00a0: pas encore disponible en français."]
