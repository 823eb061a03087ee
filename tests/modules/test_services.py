"""The catalogue's rules, called without a request."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.modules.services import (
    EnglishTextMissing,
    ModuleCodeTaken,
    ModuleData,
    ModuleText,
    create_module,
    list_modules,
    restore_module,
    retire_module,
    selectable_modules,
    update_module,
)
from tests.factories import make_course, make_module, make_user


def _data(code: str = "M6", **texts: ModuleText) -> ModuleData:
    return ModuleData(code=code, position=6, texts=texts or {"en": ModuleText(title="Return")})


def test_create_module_stores_lines_and_upper_cases_the_code():
    module = create_module(
        _data(
            "m6",
            en=ModuleText(
                title="Return migration",
                objectives=(" Explain return ", "", "Plan support"),
                outline=("One", "Two", "Three", "Four"),
            ),
            fr=ModuleText(title="Migration de retour"),
        ),
        actor=make_user(),
    )
    assert module.code == "M6"
    assert module.text("en").objectives == "Explain return\nPlan support"
    assert module.text("en").outline_list == ["One", "Two", "Three", "Four"]
    assert module.title("fr") == "Migration de retour"
    assert module.title("es") == "Return migration"  # no Spanish texts: English instead


def test_create_module_refuses_a_taken_code():
    make_module("M6")
    with pytest.raises(ModuleCodeTaken):
        create_module(_data("m6"), actor=None)


def test_create_module_needs_an_english_title():
    with pytest.raises(EnglishTextMissing):
        create_module(_data(fr=ModuleText(title="Seulement en français")), actor=None)


def test_update_module_drops_a_language_left_out_and_adds_a_new_one():
    module = create_module(
        _data(en=ModuleText(title="Return"), fr=ModuleText(title="Retour")), actor=None
    )
    update_module(
        module,
        _data(en=ModuleText(title="Return migration"), es=ModuleText(title="Retorno")),
        actor=None,
    )
    db.session.commit()
    db.session.expire_all()
    assert sorted(t.locale for t in module.translations) == ["en", "es"]
    assert module.title("en") == "Return migration"


def test_update_module_may_keep_its_own_code_but_not_take_another():
    module = make_module("M6")
    make_module("M7")
    update_module(module, _data("M6"), actor=None)
    with pytest.raises(ModuleCodeTaken):
        update_module(module, _data("M7"), actor=None)


def test_list_modules_puts_the_core_module_first_then_by_position():
    make_module("M2").position = 2
    make_module("M1").position = 1
    core = make_module("CORE")
    core.position, core.is_core = 99, True
    db.session.flush()
    assert [m.code for m in list_modules()] == ["CORE", "M1", "M2"]


def test_retired_modules_are_listed_only_on_request_and_never_selectable():
    kept, retired = make_module("M1"), make_module("M2")
    retire_module(retired, actor=None)
    assert list_modules() == [kept]
    assert list_modules(include_retired=True) == [kept, retired]
    assert selectable_modules() == [kept]
    restore_module(retired, actor=None)
    assert selectable_modules() == [kept, retired]


def test_retiring_keeps_the_module_on_courses_that_use_it():
    module = make_module("M3")
    course = make_course(modules=(module,))
    retire_module(module, actor=None)
    db.session.commit()
    db.session.expire_all()
    assert course.modules == [module]
    assert module not in selectable_modules()
