"""Seeding the catalogue from the bundled toolbox data."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.modules.models import Module, ModuleTranslation
from app.modules.services import (
    DATA_FILE,
    ModuleData,
    ModuleText,
    get_module,
    list_modules,
    load_catalogue,
    retire_module,
    seed_modules,
    update_module,
)
from tests.factories import make_user

CODES = ["CORE", "M1", "M2", "M3", "M4", "M5"]


def _snapshot() -> list[tuple]:
    rows = db.session.execute(
        sa.select(
            Module.code,
            Module.position,
            Module.is_core,
            Module.is_retired,
            ModuleTranslation.locale,
            ModuleTranslation.title,
            ModuleTranslation.summary,
            ModuleTranslation.objectives,
            ModuleTranslation.outline,
        )
        .join(ModuleTranslation)
        .order_by(Module.code, ModuleTranslation.locale)
    )
    return [tuple(row) for row in rows]


def test_data_file_is_inside_the_package():
    # The app must not read the shared project data at run time, only its own copy.
    assert DATA_FILE.parts[-3:] == ("modules", "data", "jmdi_modules.json")
    assert DATA_FILE.is_file()


def test_seed_creates_the_core_module_and_m1_to_m5_in_three_languages():
    assert seed_modules() == 6
    modules = list_modules()
    assert [m.code for m in modules] == CODES
    assert modules[0].is_core and not any(m.is_core for m in modules[1:])
    for module in modules:
        assert sorted(t.locale for t in module.translations) == ["en", "es", "fr"]
        for translation in module.translations:
            assert translation.title and translation.summary
            assert 4 <= len(translation.objective_list) <= 5
            assert len(translation.outline_list) == 4


def test_seed_keeps_the_source_titles():
    seed_modules()
    m1 = get_module("M1")
    assert m1 is not None
    assert m1.title("en") == "Managing the link between migration and development"
    assert m1.title("fr") == "Gérer le lien entre migration et développement"
    assert m1.text("en").outline_list[0] == "Migration and local development: key concepts"


def test_seeding_twice_changes_nothing():
    seed_modules()
    db.session.commit()
    before = _snapshot()
    assert seed_modules() == 0
    db.session.commit()
    assert _snapshot() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Module)) == 6


def test_seeding_again_keeps_an_administrators_edits():
    admin = make_user()
    seed_modules()
    m3 = get_module("M3")
    assert m3 is not None
    update_module(
        m3,
        ModuleData(
            code="M3",
            position=7,
            texts={
                "en": ModuleText(title="Migrants as local actors", outline=("a", "b", "c", "d"))
            },
        ),
        actor=admin,
    )
    retire_module(get_module("M4"), actor=admin)  # type: ignore[arg-type]
    db.session.commit()

    assert seed_modules() == 0
    db.session.commit()
    db.session.expire_all()
    m3 = get_module("M3")
    assert m3 is not None
    assert m3.position == 7
    assert [t.locale for t in m3.translations] == ["en"]  # French and Spanish stay removed
    assert m3.title("fr") == "Migrants as local actors"
    assert get_module("M4").is_retired  # type: ignore[union-attr]


def test_seed_adds_only_the_missing_modules():
    seed_modules()
    db.session.delete(get_module("M5"))
    db.session.commit()
    assert seed_modules() == 1
    assert get_module("M5") is not None


@pytest.mark.parametrize("item", load_catalogue(), ids=lambda item: item.code)
def test_every_module_has_french_and_spanish_texts(item: ModuleData):
    english = item.texts["en"]
    for locale in ("fr", "es"):
        text = item.texts[locale]
        assert text.title and text.summary, locale
        assert text.title != english.title and text.summary != english.summary, locale
        assert len(text.objectives) == len(english.objectives), locale
        assert len(text.outline) == 4, locale
        assert all(line.strip() for line in (*text.objectives, *text.outline)), locale
