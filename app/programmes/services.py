"""Programme rules: creating and changing a programme, its texts, funder and partner
countries; what its page lists.

Services flush, never commit, and take the acting user as an argument. Courses join a
programme through the course form (``Course.programme``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.courses.models import Course, CourseStatus, Programme, ProgrammeTranslation
from app.courses.services import get_or_create_organisation
from app.db import now_utc
from app.extensions import db
from app.registration.forms import country_names

__all__ = [
    "LOCALES",
    "MAX_SLUG_LENGTH",
    "RESERVED_SLUGS",
    "SLUG_PATTERN",
    "URL_PATTERN",
    "ProgrammeData",
    "ProgrammeError",
    "ProgrammeText",
    "check_programme",
    "create_programme",
    "delete_programme",
    "find_programme",
    "list_programmes",
    "partner_countries",
    "programme_courses",
    "set_programme_texts",
    "slug_taken",
    "update_programme",
]

# The languages a programme's texts are written in; English is required (the fallback).
LOCALES = ("en", "fr", "es")
MAX_SLUG_LENGTH = 120
SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Addresses under /programmes/ that a slug would hide.
RESERVED_SLUGS = frozenset({"new"})
# The programme's website: http(s) only, so that the page never links a script.
URL_PATTERN = re.compile(r"https?://\S+")
MAX_URL_LENGTH = 300
# Programme.countries is a String(500): "BD,EC,…" (three characters a country).
MAX_COUNTRIES_LENGTH = 500


class ProgrammeError(Exception):
    """A rule of programmes was broken; the message is for the user."""

    def __init__(self, message: object) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


# ---------------------------------------------------------------------------
# Input shapes (what forms hand to the services)


@dataclass
class ProgrammeText:
    title: str
    summary: str = ""


@dataclass
class ProgrammeData:
    slug: str
    texts: dict[str, ProgrammeText]
    funder: str = ""  # an organisation's name; empty for none
    countries: list[str] = field(default_factory=list)  # ISO 3166-1 alpha-2 codes
    url: str = ""


# ---------------------------------------------------------------------------
# Reading


def find_programme(slug: str) -> Programme | None:
    return db.session.scalar(
        sa.select(Programme).options(selectinload(Programme.funder)).where(Programme.slug == slug)
    )


def list_programmes(locale: str) -> list[Programme]:
    """Every programme, by its title in ``locale``."""
    programmes = db.session.scalars(
        sa.select(Programme).options(selectinload(Programme.funder))
    ).all()
    return sorted(programmes, key=lambda p: (p.title(locale).casefold(), p.id))


def programme_courses(
    programme: Programme, *, today: date | None = None
) -> tuple[list[Course], list[Course]]:
    """The programme's published and cancelled courses and events: those not yet ended (by
    start date), and the past ones (most recent first). Loaded for their cards."""
    today = today or now_utc().date()
    courses = db.session.scalars(
        sa.select(Course)
        .options(
            selectinload(Course.venue),
            selectinload(Course.host_event),
            selectinload(Course.programme),
        )
        .where(
            Course.programme_id == programme.id,
            Course.status.in_([CourseStatus.PUBLISHED, CourseStatus.CANCELLED]),
        )
    ).all()
    upcoming = sorted(
        (c for c in courses if c.end_date >= today), key=lambda c: (c.start_date, c.id)
    )
    past = sorted(
        (c for c in courses if c.end_date < today),
        key=lambda c: (c.start_date, -c.id),
        reverse=True,
    )
    return upcoming, past


def partner_countries(programme: Programme, locale: str) -> list[str]:
    """The names of the programme's partner countries in ``locale``, sorted as that language
    sorts them (a code babel does not know is shown as it is)."""
    names = country_names(locale)
    codes = set(programme.country_list)
    known = [name for code, name in names.items() if code in codes]
    return known + sorted(code for code in codes if code not in names)


def slug_taken(slug: str, *, excluding: Programme | None = None) -> bool:
    stmt = sa.select(Programme.id).where(Programme.slug == slug)
    if excluding is not None and excluding.id is not None:
        stmt = stmt.where(Programme.id != excluding.id)
    return db.session.scalar(stmt) is not None


# ---------------------------------------------------------------------------
# Creating and changing


def check_programme(data: ProgrammeData, *, programme: Programme | None = None) -> None:
    """Raise :class:`ProgrammeError` unless ``data`` may be saved (the form checks the same
    first; this guards other callers and races)."""
    if not SLUG_PATTERN.fullmatch(data.slug) or len(data.slug) > MAX_SLUG_LENGTH:
        raise ProgrammeError(_l("Use lower-case letters, digits and single hyphens only."))
    if data.slug in RESERVED_SLUGS:
        raise ProgrammeError(_l("This address is reserved. Choose another one."))
    if slug_taken(data.slug, excluding=programme):
        raise ProgrammeError(_l("Another programme already uses this address."))
    english = data.texts.get("en")
    if english is None or not english.title.strip():
        raise ProgrammeError(_l("Give the programme a title in English."))
    unknown = [code for code in data.countries if code not in country_names("en")]
    if unknown:
        raise ProgrammeError(_l("Unknown country code: %(codes)s.", codes=", ".join(unknown)))
    if len(_countries_value(data.countries)) > MAX_COUNTRIES_LENGTH:
        raise ProgrammeError(_l("Too many partner countries."))
    url = data.url.strip()
    if url and (not URL_PATTERN.fullmatch(url) or len(url) > MAX_URL_LENGTH):
        raise ProgrammeError(_l("Give a full web address starting with https:// or http://."))


def create_programme(data: ProgrammeData, *, actor: User) -> Programme:
    check_programme(data)
    programme = Programme(slug=data.slug)
    _apply(programme, data)
    db.session.add(programme)
    db.session.flush()
    return programme


def update_programme(programme: Programme, data: ProgrammeData, *, actor: User) -> Programme:
    check_programme(data, programme=programme)
    programme.slug = data.slug
    _apply(programme, data)
    # The texts live in their own rows: a change of title alone must still date the feed.
    programme.updated_at = now_utc()
    db.session.flush()
    return programme


def _countries_value(codes: list[str]) -> str:
    return ",".join(sorted(dict.fromkeys(code.upper() for code in codes)))


def _apply(programme: Programme, data: ProgrammeData) -> None:
    funder = " ".join(data.funder.split())
    programme.funder = get_or_create_organisation(funder) if funder else None
    programme.countries = _countries_value(data.countries)
    programme.url = data.url.strip()
    set_programme_texts(programme, data.texts)


def set_programme_texts(programme: Programme, texts: dict[str, ProgrammeText]) -> None:
    """One translation row per language given with a title; the others are dropped."""
    existing = {t.locale: t for t in programme.translations}
    for locale, text in texts.items():
        if not text.title.strip():
            continue
        row = existing.pop(locale, None)
        if row is None:
            row = ProgrammeTranslation(locale=locale)
            programme.translations.append(row)
        row.title = text.title.strip()
        row.summary = text.summary.strip()
    for row in existing.values():
        programme.translations.remove(row)


def delete_programme(programme: Programme, *, actor: User) -> None:
    """Delete a programme; its courses and events stay, in no programme."""
    for course in list(programme.courses):
        course.programme = None
    db.session.delete(programme)
    db.session.flush()
