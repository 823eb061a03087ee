"""The rules of the module catalogue: seeding it from the toolbox data, and administrators' edits.

Services flush, never commit: the route (or command) that calls them commits once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.courses.models import Course, CourseModule, CourseStatus
from app.db import now_utc
from app.extensions import db
from app.modules.models import Module, ModuleTranslation

if TYPE_CHECKING:
    from app.accounts.models import User

log = logging.getLogger(__name__)

# The bundled copy of the toolbox data; the app never reads anything outside its package.
DATA_FILE = Path(__file__).resolve().parent / "data" / "jmdi_modules.json"

# The languages a module's texts are written and edited in; English is the fallback.
LOCALES: tuple[str, ...] = ("en", "fr", "es")


class ModuleError(Exception):
    """A change to the catalogue that the rules refuse."""


class ModuleCodeTaken(ModuleError):
    def __init__(self, code: str) -> None:
        super().__init__(f"module code {code!r} is already used")
        self.code = code


class EnglishTextMissing(ModuleError):
    """Every module needs at least an English title: it is the fallback for every language."""


@dataclass(frozen=True)
class ModuleText:
    """A module's texts in one language."""

    title: str
    summary: str = ""
    objectives: tuple[str, ...] = ()
    outline: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModuleData:
    """What a module is made of. A language missing from ``texts`` has no translation row."""

    code: str
    position: int = 0
    is_core: bool = False
    texts: Mapping[str, ModuleText] = field(default_factory=dict)


def normalise_code(code: str) -> str:
    return code.strip().upper()


def _lines(items: Sequence[str]) -> str:
    return "\n".join(item.strip() for item in items if item.strip())


def _fill(translation: ModuleTranslation, text: ModuleText) -> None:
    translation.title = text.title.strip()
    translation.summary = text.summary.strip()
    translation.objectives = _lines(text.objectives)
    translation.outline = _lines(text.outline)


def _build(data: ModuleData) -> Module:
    translations = []
    for locale, text in data.texts.items():
        translation = ModuleTranslation(locale=locale)
        _fill(translation, text)
        translations.append(translation)
    return Module(
        code=normalise_code(data.code),
        position=data.position,
        is_core=data.is_core,
        translations=translations,
    )


def _check(data: ModuleData, *, module: Module | None = None) -> None:
    en = data.texts.get("en")
    if en is None or not en.title.strip():
        raise EnglishTextMissing("a module needs an English title")
    if code_taken(data.code, module=module):
        raise ModuleCodeTaken(normalise_code(data.code))


# Reading


def code_taken(code: str, *, module: Module | None = None) -> bool:
    """Whether another module (not ``module`` itself) already has this code."""
    stmt = sa.select(Module.id).where(Module.code == normalise_code(code))
    if module is not None and module.id is not None:
        stmt = stmt.where(Module.id != module.id)
    return db.session.scalar(stmt.limit(1)) is not None


def get_module(code: str) -> Module | None:
    return db.session.scalar(sa.select(Module).where(Module.code == code))


def list_modules(include_retired: bool = False) -> list[Module]:
    """The catalogue in order: the core module first, then by position."""
    stmt = sa.select(Module).order_by(Module.is_core.desc(), Module.position, Module.code)
    if not include_retired:
        stmt = stmt.where(Module.is_retired.is_(False))
    return list(db.session.scalars(stmt))


def selectable_modules() -> list[Module]:
    """Modules that may be chosen for a course now: retired ones stay on old courses only."""
    return list_modules(include_retired=False)


def next_position() -> int:
    """A position after every existing module, for a new one."""
    highest = db.session.scalar(sa.select(sa.func.max(Module.position)))
    return 0 if highest is None else highest + 1


def published_courses_using(module: Module) -> list[Course]:
    """Published courses that have this module among their focuses, latest first."""
    uses = sa.select(CourseModule.course_id).where(CourseModule.module_id == module.id)
    stmt = (
        sa.select(Course)
        .where(Course.status == CourseStatus.PUBLISHED, Course.id.in_(uses))
        .options(selectinload(Course.venue))
        .order_by(Course.start_date.desc(), Course.id)
    )
    return list(db.session.scalars(stmt))


# Changing


def create_module(data: ModuleData, *, actor: User | None) -> Module:
    """Add a module to the catalogue. Raises ModuleCodeTaken or EnglishTextMissing."""
    _check(data)
    module = _build(data)
    db.session.add(module)
    db.session.flush()
    log.info("module %s created by %s", module.code, getattr(actor, "id", None))
    return module


def update_module(module: Module, data: ModuleData, *, actor: User | None) -> Module:
    """Replace a module's code, position, core flag and its texts in the editable languages.

    A language left out of ``data.texts`` loses its translation row; translations in other
    languages than :data:`LOCALES` (none today) are left alone.
    """
    _check(data, module=module)
    module.code = normalise_code(data.code)
    module.position = data.position
    module.is_core = data.is_core
    existing = {t.locale: t for t in module.translations}
    for locale in LOCALES:
        text = data.texts.get(locale)
        translation = existing.get(locale)
        if text is None:
            if translation is not None:
                module.translations.remove(translation)  # delete-orphan removes the row
        elif translation is None:
            translation = ModuleTranslation(locale=locale)
            _fill(translation, text)
            module.translations.append(translation)
        else:
            _fill(translation, text)
    # The module row may not change when only its texts do; the edit still counts as one.
    module.updated_at = now_utc()
    db.session.flush()
    log.info("module %s updated by %s", module.code, getattr(actor, "id", None))
    return module


def retire_module(module: Module, *, actor: User | None) -> Module:
    """Stop offering a module for new courses. It is a flag: courses that use it keep it."""
    module.is_retired = True
    db.session.flush()
    log.info("module %s retired by %s", module.code, getattr(actor, "id", None))
    return module


def restore_module(module: Module, *, actor: User | None) -> Module:
    """Offer a retired module again."""
    module.is_retired = False
    db.session.flush()
    log.info("module %s restored by %s", module.code, getattr(actor, "id", None))
    return module


# Seeding


def load_catalogue(path: Path = DATA_FILE) -> list[ModuleData]:
    """The toolbox modules as shipped in ``data/jmdi_modules.json``."""
    with path.open(encoding="utf-8") as fh:
        raw: list[dict[str, Any]] = json.load(fh)
    catalogue = []
    for item in raw:
        texts = {
            locale: ModuleText(
                title=item["title"][locale],
                summary=item.get("summary", {}).get(locale, ""),
                objectives=tuple(item.get("objectives", {}).get(locale, ())),
                outline=tuple(item.get("outline", {}).get(locale, ())),
            )
            for locale in item["title"]
        }
        catalogue.append(
            ModuleData(
                code=item["code"],
                position=item["order"],
                is_core=item.get("is_core", False),
                texts=texts,
            )
        )
    return catalogue


def seed_modules() -> int:
    """Create the toolbox modules (CORE, M1-M5) that are missing; return how many were created.

    Modules are matched by code. A module whose code already exists is left exactly as it is,
    texts, position and retired flag included, so running this again (at every deploy, say)
    never undoes an administrator's edits. The other side of that rule: texts added to the
    data file later reach only modules created after that, and a seeded module whose code an
    administrator changed comes back under its original code. Flushes, does not commit.
    """
    existing = set(db.session.scalars(sa.select(Module.code)))
    created = 0
    for data in load_catalogue():
        if normalise_code(data.code) in existing:
            continue
        db.session.add(_build(data))
        created += 1
    db.session.flush()
    return created
