"""Reading a course's materials: who sees which, the materials one may see, how the pages group
them (by day and session, by module, the course as a whole) and what their ZIP holds.

Who sees what: a public material, anyone who may see the course page (anonymous visitors of a
published course too); a participants-only one, the confirmed participants of that course and
its team of organisers and facilitators (and administrators). Reviewers are on the team for
the selection only, and waitlisted, cancelled or rejected applicants are not participants:
they see the public materials. Materials stay once the course is over: no date rule applies.
Who changes them: the course's organisers and facilitators, and administrators.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import LazyString, format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.core.timeutil import local_date, to_local
from app.courses.models import Course
from app.courses.permissions import can_see_participants, is_confirmed_participant
from app.extensions import db
from app.materials.models import (
    Material,
    MaterialVisibility,
)
from app.materials.services import course_modules
from app.modules.models import Module
from app.schedule.models import CourseSession
from app.storage.models import StoredFile
from app.storage.services import KINDS_BY_TYPE, MB, split_extension

# --- who ---------------------------------------------------------------------------------------


def can_edit_materials(user: Any, course: Course) -> bool:
    """The course's organisers and facilitators, and administrators."""
    return can_see_participants(user, course)


def sees_all_materials(user: Any, course: Course) -> bool:
    """Whether ``user`` sees the participants-only materials of ``course`` too: its team
    (not reviewers) and its confirmed participants."""
    return can_see_participants(user, course) or is_confirmed_participant(user, course)


def may_see(material: Material, user: Any) -> bool:
    return material.is_public or sees_all_materials(user, material.course)


# --- reading -----------------------------------------------------------------------------------


def _materials_query(course: Course) -> sa.Select[tuple[Material]]:
    return (
        sa.select(Material)
        .where(Material.course_id == course.id)
        .options(
            selectinload(Material.file),
            selectinload(Material.session),
            selectinload(Material.module),
        )
        .order_by(Material.position, Material.id)
    )


def visible_materials(course: Course, user: Any) -> list[Material]:
    """The materials of ``course`` that ``user`` may see, in order; a fixed number of queries
    however many there are."""
    stmt = _materials_query(course)
    if not sees_all_materials(user, course):
        stmt = stmt.where(Material.visibility == MaterialVisibility.PUBLIC)
    return list(db.session.scalars(stmt))


def all_materials(course: Course) -> list[Material]:
    """Every material of ``course``, for its team's page."""
    return list(db.session.scalars(_materials_query(course)))


def course_material(course: Course, material_id: int) -> Material | None:
    """The material ``material_id`` if it is one of ``course``'s."""
    material = db.session.get(Material, material_id)
    if material is None or material.course_id != course.id:
        return None
    return material


def readable_file(course: Course, material_id: int, *, actor: Any) -> StoredFile | None:
    """The file of material ``material_id`` of ``course`` if ``actor`` may see it; ``None``
    when there is none, it is a link, or they may not (the caller answers all alike)."""
    material = course_material(course, material_id)
    if material is None or material.file is None or not may_see(material, actor):
        return None
    return material.file


# --- what a material is ------------------------------------------------------------------------


def kind_label(material: Material) -> Any:
    """ "PDF", "Word (DOCX)"… for a file; "Link" for a link."""
    if material.file is None:
        return _l("Link")
    kind = KINDS_BY_TYPE.get(material.file.content_type)
    return kind.label if kind is not None else material.file.content_type


def size_label(size: int) -> LazyString:
    """A file's size for people: kilobytes (rounded up, at least 1) under 1 MB, else
    megabytes with one decimal, written in the reader's language."""
    if size < MB:
        return _l("%(size)s KB", size=LazyString(format_decimal, max(1, -(-size // 1024))))
    return _l("%(size)s MB", size=LazyString(format_decimal, round(size / MB, 1)))


# --- grouped for pages -------------------------------------------------------------------------


@dataclass
class SessionMaterials:
    session: CourseSession
    materials: list[Material]


@dataclass
class DayMaterials:
    day: date
    sessions: list[SessionMaterials]


@dataclass
class ModuleMaterials:
    module: Module
    materials: list[Material]


@dataclass
class MaterialList:
    """A viewer's materials of a course: by day and session, by module, and for the course
    as a whole; ``by_session`` and ``by_module`` for the timetable and the modules list."""

    days: list[DayMaterials] = field(default_factory=list)
    modules: list[ModuleMaterials] = field(default_factory=list)
    general: list[Material] = field(default_factory=list)
    by_session: dict[int, list[Material]] = field(default_factory=dict)
    by_module: dict[int, list[Material]] = field(default_factory=dict)
    count: int = 0
    file_count: int = 0


def group_materials(course: Course, materials: Sequence[Material], tz: str) -> MaterialList:
    """``materials`` of ``course`` grouped: sessions by their local day in ``tz`` and start,
    modules in the course's order (a module the course no longer has, after), the rest."""
    grouped = MaterialList(count=len(materials))
    modules: dict[int, Module] = {}
    for material in materials:
        if material.file is not None:
            grouped.file_count += 1
        if material.session is not None:
            grouped.by_session.setdefault(material.session.id, []).append(material)
        elif material.module is not None:
            grouped.by_module.setdefault(material.module.id, []).append(material)
            modules[material.module.id] = material.module
        else:
            grouped.general.append(material)
    sessions = sorted(
        {m.session.id: m.session for m in materials if m.session is not None}.values(),
        key=lambda s: (s.starts_at, s.id),
    )
    days: dict[date, DayMaterials] = {}
    for session in sessions:
        day = local_date(session.starts_at, tz)
        days.setdefault(day, DayMaterials(day, [])).sessions.append(
            SessionMaterials(session, grouped.by_session[session.id])
        )
    grouped.days = list(days.values())
    order = {module.id: index for index, module in enumerate(course_modules(course))}
    grouped.modules = [
        ModuleMaterials(module, grouped.by_module[module.id])
        for module in sorted(modules.values(), key=lambda m: (order.get(m.id, len(order)), m.code))
    ]
    return grouped


def material_list(course: Course, user: Any, tz: str) -> MaterialList:
    """What ``user`` may see of ``course``'s materials, grouped (:func:`group_materials`)."""
    return group_materials(course, visible_materials(course, user), tz)


# --- ZIP ---------------------------------------------------------------------------------------


def _part(text: str) -> str:
    """A title as one part of a path in the ZIP: a slash would make a folder of it."""
    return text.replace("/", "-").replace("\\", "-").strip()


def _entry(folder: str, material: Material) -> tuple[str, StoredFile]:
    stored = material.file
    assert stored is not None
    _stem, extension = split_extension(stored.filename)
    name = _part(material.title) + (f".{extension}" if extension else "")
    return f"{folder}/{name}", stored


def zip_entries(grouped: MaterialList, tz: str, locale: str) -> list[tuple[str, StoredFile]]:
    """The files of ``grouped`` with their names in the ZIP: ``2017-11-20/09:30 Opening
    session/Welcome pack.pdf`` by day and session, ``M1 Title/…`` by module, ``Course/…`` for
    the rest; the title is the material's, the extension its file's. Links have no file and
    are not in it. Names are made safe and told apart as the ZIP is built
    (:func:`app.storage.serving.zip_stored_files`)."""
    entries: list[tuple[str, StoredFile]] = []
    for day in grouped.days:
        for group in day.sessions:
            start = to_local(group.session.starts_at, tz)
            folder = f"{day.day.isoformat()}/{start:%H.%M} {_part(group.session.title)}"
            entries += [_entry(folder, m) for m in group.materials if m.file is not None]
    for module_group in grouped.modules:
        module = module_group.module
        folder = f"{module.code} {_part(module.title(locale))}"
        entries += [_entry(folder, m) for m in module_group.materials if m.file is not None]
    folder = str(_l("Course"))
    entries += [_entry(folder, m) for m in grouped.general if m.file is not None]
    return entries
