"""Rules of a course's materials: what a material must be, where it can be placed, adding,
changing, replacing, moving and deleting them (who sees them, and the lists and ZIP built from
them: app.materials.reading).

Services flush but never commit, take the acting user and the time as arguments, and raise
:class:`InvalidMaterial` with messages by field; a file is stored only once everything else
has passed, and its bytes go again if the transaction rolls back (app.storage).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from app.accounts.models import User
from app.applications.checks import DEFAULT_MAX_SIZE_MB
from app.core.forms import is_control
from app.core.timeutil import to_local
from app.courses.models import Course
from app.extensions import db
from app.materials.models import (
    DESCRIPTION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    URL_MAX_LENGTH,
    Material,
    MaterialVisibility,
)
from app.modules.models import Module
from app.schedule.models import CourseSession
from app.storage.models import StoredFile
from app.storage.services import MB, FileRefused, store_upload

# The same limit as an application document's (app.applications.checks).
MAX_BYTES = DEFAULT_MAX_SIZE_MB * MB
COURSE_PLACE = ""
SESSION_PREFIX = "session:"
MODULE_PREFIX = "module:"


class InvalidMaterial(Exception):
    """A material's fields break a rule; ``errors`` maps a field's name to its messages
    ("" for the form as a whole)."""

    def __init__(self, errors: dict[str, list[Any]]) -> None:
        self.errors = errors
        super().__init__(errors)


# --- where a material is placed ----------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    session: CourseSession | None = None
    module: Module | None = None


def place_value(material: Material) -> str:
    if material.session_id is not None:
        return f"{SESSION_PREFIX}{material.session_id}"
    if material.module_id is not None:
        return f"{MODULE_PREFIX}{material.module_id}"
    return COURSE_PLACE


def course_modules(course: Course) -> list[Module]:
    """The toolbox modules of ``course``, in its order, each once."""
    found: list[Module] = []
    for module in course.modules:
        if module not in found:
            found.append(module)
    return found


def place_choices(course: Course, locale: str, tz: str) -> list[tuple[str, str]]:
    """(value, label) of every place a material of ``course`` can go: the course as a whole,
    each session that is not a break (by day and time in ``tz``), each toolbox module."""
    choices = [(COURSE_PLACE, str(_l("The whole course")))]
    for session in sorted(course.sessions, key=lambda s: (s.starts_at, s.id)):
        if session.is_break:
            continue
        start = to_local(session.starts_at, tz)
        label = f"{start:%Y-%m-%d %H:%M} · {session.title}"
        choices.append((f"{SESSION_PREFIX}{session.id}", label))
    for module in course_modules(course):
        choices.append((f"{MODULE_PREFIX}{module.id}", f"{module.code}: {module.title(locale)}"))
    return choices


def _number(value: str, prefix: str) -> int | None:
    digits = value[len(prefix) :]
    return int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 10 else None


def resolve_place(course: Course, value: str, *, current: Material | None = None) -> Place:
    """The place named by a choice's value; a session must be one of the course's, not a
    break, and a module one of its modules (or where the material already is). Raises
    :class:`InvalidMaterial` otherwise."""
    wrong = InvalidMaterial({"place": [_l("Choose a session or module of this course.")]})
    if value == COURSE_PLACE:
        return Place()
    if value.startswith(SESSION_PREFIX):
        number = _number(value, SESSION_PREFIX)
        for session in course.sessions:
            if session.id == number and not session.is_break:
                return Place(session=session)
        raise wrong
    if value.startswith(MODULE_PREFIX):
        number = _number(value, MODULE_PREFIX)
        modules = course_modules(course)
        if current is not None and current.module is not None:
            modules.append(current.module)
        for module in modules:
            if module.id == number:
                return Place(module=module)
    raise wrong


# --- checks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialData:
    """What the form hands over; ``upload`` a new file (none when editing keeps the file)."""

    title: str
    description: str = ""
    visibility: str = MaterialVisibility.PARTICIPANTS.value
    place: str = COURSE_PLACE
    url: str = ""
    upload: FileStorage | None = None


@dataclass(frozen=True)
class CheckedMaterial:
    title: str
    description: str
    visibility: MaterialVisibility
    place: Place
    url: str
    upload: FileStorage | None


class _Errors(dict[str, list[Any]]):
    def add(self, name: str, message: Any) -> None:
        self.setdefault(name, []).append(message)


def is_web_link(url: str) -> bool:
    """An http(s) address with a host and no spaces or control characters: nothing a browser
    would run (``javascript:``, ``data:``) nor a path on this site."""
    if any(char.isspace() or is_control(char) for char in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed [ in the host
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _has_upload(upload: FileStorage | None) -> bool:
    return upload is not None and bool(upload.filename)


def _check_text(errors: _Errors, data: MaterialData) -> tuple[str, str]:
    title = " ".join(data.title.split()) if isinstance(data.title, str) else ""
    if not title:
        errors.add("title", _l("Give the material a title."))
    elif len(title) > TITLE_MAX_LENGTH:
        errors.add(
            "title", _l("Keep the title to %(max)d characters or fewer.", max=TITLE_MAX_LENGTH)
        )
    elif any(is_control(char) for char in data.title if char not in " \t"):
        errors.add("title", _l("The title contains invisible control characters."))
    description = (data.description or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(description) > DESCRIPTION_MAX_LENGTH:
        errors.add(
            "description",
            _l(
                "Keep the description to %(max)d characters or fewer.",
                max=DESCRIPTION_MAX_LENGTH,
            ),
        )
    elif any(is_control(char, multiline=True) for char in description):
        errors.add("description", _l("The description contains invisible control characters."))
    return title, description


def _check_source(errors: _Errors, data: MaterialData, material: Material | None) -> str:
    """The link (stripped) after checking that the material has a file or a link, not both."""
    url = (data.url or "").strip()
    uploading = _has_upload(data.upload)
    is_file = material.is_file if material is not None else uploading
    if material is None and uploading and url:
        errors.add("url", _l("Give either a file or a link, not both."))
    elif material is None and not uploading and not url:
        errors.add("file", _l("Choose a file or give a link."))
    elif is_file and url:
        errors.add("url", _l("This material is a file; it takes no link."))
    elif not is_file and uploading:
        errors.add("file", _l("This material is a link; add the file as a new material."))
    elif not is_file and not url:
        errors.add("url", _l("Give the link."))
    elif url and len(url) > URL_MAX_LENGTH:
        errors.add("url", _l("Keep the link to %(max)d characters or fewer.", max=URL_MAX_LENGTH))
    elif url and not is_web_link(url):
        errors.add("url", _l("The link must be a web address starting with https:// or http://."))
    return url


def check_material(
    course: Course, data: MaterialData, *, material: Material | None = None
) -> CheckedMaterial:
    """``data`` checked for a new material of ``course`` or a change of ``material``; raises
    :class:`InvalidMaterial` with every message."""
    errors = _Errors()
    title, description = _check_text(errors, data)
    try:
        visibility = MaterialVisibility(data.visibility)
    except ValueError:
        visibility = MaterialVisibility.PARTICIPANTS
        errors.add("visibility", _l("Choose who may see the material."))
    try:
        place = resolve_place(course, data.place or COURSE_PLACE, current=material)
    except InvalidMaterial as exc:
        place = Place()
        errors.update(exc.errors)
    url = _check_source(errors, data, material)
    if errors:
        raise InvalidMaterial(dict(errors))
    return CheckedMaterial(
        title=title,
        description=description,
        visibility=visibility,
        place=place,
        url=url,
        upload=data.upload if _has_upload(data.upload) else None,
    )


def _store(upload: FileStorage, actor: User) -> StoredFile:
    try:
        return store_upload(upload, actor=actor, max_bytes=MAX_BYTES)
    except FileRefused as exc:
        raise InvalidMaterial({"file": [exc.message]}) from exc


# --- changes -----------------------------------------------------------------------------------


def _place(material: Material, place: Place) -> None:
    material.session = place.session
    material.module = place.module
    material.session_id = place.session.id if place.session is not None else None
    material.module_id = place.module.id if place.module is not None else None


def add_material(course: Course, data: MaterialData, *, actor: User, now: datetime) -> Material:
    """A new material of ``course`` at the end of its place's list."""
    checked = check_material(course, data)
    stored = _store(checked.upload, actor) if checked.upload is not None else None
    last = db.session.scalar(
        sa.select(sa.func.max(Material.position)).where(Material.course_id == course.id)
    )
    material = Material(
        course=course,
        title=checked.title,
        description=checked.description,
        visibility=checked.visibility,
        url=checked.url,
        file=stored,
        position=(last if last is not None else -1) + 1,
        created_at=now,
        created_by=actor,
        updated_at=now,
        updated_by=actor,
    )
    _place(material, checked.place)
    db.session.add(material)
    db.session.flush()
    return material


def update_material(material: Material, data: MaterialData, *, actor: User, now: datetime) -> bool:
    """Change a material's title, description, visibility, place or link, or replace its
    file (the old file goes, its bytes once committed). Returns whether anything changed."""
    checked = check_material(material.course, data, material=material)
    # Stored first: a refused file leaves the material as it was.
    stored = _store(checked.upload, actor) if checked.upload is not None else None
    before = (
        material.title,
        material.description,
        material.visibility,
        material.url,
        material.session_id,
        material.module_id,
    )
    material.title = checked.title
    material.description = checked.description
    material.visibility = checked.visibility
    material.url = checked.url
    _place(material, checked.place)
    changed = before != (
        material.title,
        material.description,
        material.visibility,
        material.url,
        material.session_id,
        material.module_id,
    )
    if stored is not None:
        material.file = stored
        changed = True
    if changed:
        material.updated_at = now
        material.updated_by = actor
    db.session.flush()
    return changed


def delete_material(material: Material, *, actor: User) -> None:
    """Delete the material and its file (the bytes go once committed)."""
    db.session.delete(material)
    db.session.flush()


def _siblings(material: Material) -> list[Material]:
    """The materials in the same place as ``material`` (the same session, module or the
    course as a whole), in order."""
    stmt = sa.select(Material).where(
        Material.course_id == material.course_id,
        Material.session_id.is_(None)
        if material.session_id is None
        else Material.session_id == material.session_id,
        Material.module_id.is_(None)
        if material.module_id is None
        else Material.module_id == material.module_id,
    )
    return sorted(db.session.scalars(stmt), key=lambda m: (m.position, m.id))


def move_material(material: Material, direction: str, *, actor: User, now: datetime) -> bool:
    """Swap the material with the one before ("up") or after ("down") it in its place;
    returns whether it moved (not past either end)."""
    siblings = _siblings(material)
    index = siblings.index(material)
    other_index = index - 1 if direction == "up" else index + 1 if direction == "down" else -1
    if not 0 <= other_index < len(siblings):
        return False
    # Renumber the place first: positions may tie (materials moved here from elsewhere).
    for position, sibling in enumerate(siblings):
        sibling.position = position
    other = siblings[other_index]
    material.position, other.position = other.position, material.position
    material.updated_at = now
    material.updated_by = actor
    db.session.flush()
    return True


# --- materials go with their course ------------------------------------------------------------


def _materials_follow_their_course(session: Session, _context: Any, _instances: Any) -> None:
    """Before a flush that deletes courses: delete their materials through the session (the
    database would cascade them, leaving the stored files behind), so that each material's
    file goes with it and its bytes once committed."""
    course_ids = [o.id for o in session.deleted if isinstance(o, Course)]
    if not course_ids:
        return
    with session.no_autoflush:
        for material in session.scalars(
            sa.select(Material).where(Material.course_id.in_(course_ids))
        ):
            session.delete(material)


sa.event.listen(Session, "before_flush", _materials_follow_their_course)
