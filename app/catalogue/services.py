"""The public catalogue: upcoming (or past) courses and events, filtered by module, language,
month, programme, host event, kind and place, a page at a time.

Filters come from the query string and unknown values are ignored: a catalogue address
shared or bookmarked never fails. Listing picks the ids on bare columns first and loads only
the courses of the page shown (with what a card prints), so a page costs the same whatever the
size of the catalogue.
"""

from __future__ import annotations

import calendar
import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, selectinload

from app.core.i18n import LANGUAGE_NAMES
from app.courses.models import Course, CourseKind, CourseModule, CourseStatus, Programme
from app.courses.services import MAX_COURSE_DAYS
from app.extensions import db
from app.modules.models import Module

__all__ = [
    "CATALOGUE_PER_PAGE",
    "CatalogueChoices",
    "CatalogueFilters",
    "CataloguePage",
    "Place",
    "catalogue",
    "catalogue_choices",
    "catalogue_filters",
    "catalogue_page",
    "course_months",
    "is_month",
]


class Place(enum.StrEnum):
    """Where a course or event happens, as the catalogue filters it."""

    ONLINE = "online"
    ON_SITE = "on_site"

    @property
    def label(self) -> str:
        return {Place.ONLINE: _l("Online"), Place.ON_SITE: _l("On site")}[self]


@dataclass
class CatalogueFilters:
    """What the visitor narrowed the catalogue to. Build it from a request with
    :func:`catalogue_filters`, which drops values the filters do not offer."""

    language: str | None = None
    module: str | None = None  # module code
    month: str | None = None  # YYYY-MM
    past: bool = False
    kind: CourseKind | None = None
    programme: str | None = None  # programme slug
    host_event: str | None = None  # slug of a host event (a conference)
    place: Place | None = None

    @property
    def narrowed(self) -> bool:
        """Whether anything other than upcoming or past is chosen."""
        return any(
            (
                self.language,
                self.module,
                self.month,
                self.kind,
                self.programme,
                self.host_event,
                self.place,
            )
        )


@dataclass
class CatalogueChoices:
    """The options of the catalogue's filters."""

    languages: dict[str, str]
    modules: list[Module]
    programmes: list[Programme]
    host_events: list[Course]
    months: list[str]
    kinds: list[CourseKind] = field(default_factory=lambda: list(CourseKind))
    places: list[Place] = field(default_factory=lambda: list(Place))


def catalogue_choices(locale: str) -> CatalogueChoices:
    """The filter options: modules, the programmes and host events that have something public,
    and the months in which public courses start. A fixed number of queries."""
    public = Course.status != CourseStatus.DRAFT
    modules = db.session.scalars(sa.select(Module).order_by(Module.position, Module.code)).all()
    programmes = db.session.scalars(sa.select(Programme).where(Programme.courses.any(public))).all()
    host_events = db.session.scalars(
        sa.select(Course)
        .where(Course.kind == CourseKind.CONFERENCE, public)
        .order_by(Course.start_date.desc(), Course.id)
    ).all()
    return CatalogueChoices(
        languages=dict(LANGUAGE_NAMES),
        modules=list(modules),
        programmes=sorted(programmes, key=lambda p: (p.title(locale).casefold(), p.id)),
        host_events=list(host_events),
        months=course_months(),
    )


def catalogue_filters(args: Mapping[str, str], choices: CatalogueChoices) -> CatalogueFilters:
    """The filters of a catalogue request; a value the filters do not offer (a mistyped or
    outdated link) is ignored, as if not given."""

    def offered(name: str, values: Iterable[str]) -> str | None:
        value = args.get(name)
        return value if value in set(values) else None

    kind = offered("kind", (k.value for k in choices.kinds))
    place = offered("place", (p.value for p in choices.places))
    month = args.get("month")
    return CatalogueFilters(
        language=offered("language", choices.languages),
        module=offered("module", (m.code for m in choices.modules)),
        month=month if is_month(month) else None,
        past=args.get("when") == "past",
        kind=CourseKind(kind) if kind else None,
        programme=offered("programme", (p.slug for p in choices.programmes)),
        host_event=offered("host", (c.slug for c in choices.host_events)),
        place=Place(place) if place else None,
    )


CATALOGUE_PER_PAGE = 30


@dataclass(frozen=True)
class CataloguePage:
    """One page of the catalogue: its courses and where it stands among the pages."""

    courses: list[Course]
    page: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def catalogue(
    filters: CatalogueFilters, today: date, *, limit: int | None = None, offset: int = 0
) -> list[Course]:
    """Published and cancelled courses and events; upcoming (not yet ended) first by start
    date, cancelled ones last, or the past ones, most recent first; ``limit`` of them from
    ``offset`` if given. A host event filter keeps the host event and its side events. What
    the cards show is loaded in a fixed number of queries, whatever the number of courses."""
    ids = _catalogue_ids(filters, today)
    return _load_cards(ids[offset : None if limit is None else offset + limit])


def catalogue_page(
    filters: CatalogueFilters, today: date, page: int, per_page: int = CATALOGUE_PER_PAGE
) -> CataloguePage:
    """Page ``page`` (from 1) of :func:`catalogue`; a page past the last shows the last."""
    ids = _catalogue_ids(filters, today)
    pages = max(1, -(-len(ids) // per_page))
    page = min(max(page, 1), pages)
    start = (page - 1) * per_page
    return CataloguePage(
        courses=_load_cards(ids[start : start + per_page]),
        page=page,
        pages=pages,
        total=len(ids),
    )


def _catalogue_ids(filters: CatalogueFilters, today: date) -> list[int]:
    """The ids of the catalogue's courses in its order, chosen on bare columns: years of
    courses cost a list of numbers, and only a page of them is loaded whole."""
    stmt = sa.select(Course.id, Course.start_date, Course.days, Course.status).where(
        Course.status.in_([CourseStatus.PUBLISHED, CourseStatus.CANCELLED])
    )
    # The end date is derived (start + days - 1): what is coming is narrowed in SQL to the
    # courses that can still be running (the longest allowed, started MAX_COURSE_DAYS - 1 days
    # ago, ends today), which leaves out the years of past ones; Python finishes both lists.
    if not filters.past:
        stmt = stmt.where(Course.start_date >= today - timedelta(days=MAX_COURSE_DAYS - 1))
    if filters.module:
        stmt = stmt.where(
            Course.focuses.any(CourseModule.module.has(Module.code == filters.module))
        )
    if filters.language:
        # languages is a comma-separated list such as "en,fr"
        stmt = stmt.where(("," + Course.languages + ",").contains(f",{filters.language},"))
    if filters.month:
        year, month = (int(part) for part in filters.month.split("-"))
        first = date(year, month, 1)
        last = date(year, month, calendar.monthrange(year, month)[1])
        stmt = stmt.where(Course.start_date.between(first, last))
    if filters.kind:
        stmt = stmt.where(Course.kind == filters.kind)
    if filters.programme:
        stmt = stmt.where(Course.programme.has(Programme.slug == filters.programme))
    if filters.host_event:
        host = aliased(Course)
        host_id = sa.select(host.id).where(host.slug == filters.host_event).scalar_subquery()
        stmt = stmt.where(sa.or_(Course.id == host_id, Course.host_event_id == host_id))
    if filters.place == Place.ONLINE:
        stmt = stmt.where(Course.is_online.is_(True))
    elif filters.place == Place.ON_SITE:
        stmt = stmt.where(Course.is_online.is_(False))
    rows = db.session.execute(stmt).all()
    if filters.past:
        ended = [r for r in rows if r.start_date + timedelta(days=r.days - 1) < today]
        ended.sort(key=lambda r: (r.start_date, -r.id), reverse=True)
        return [r.id for r in ended]
    ahead = [r for r in rows if r.start_date + timedelta(days=r.days - 1) >= today]
    ahead.sort(key=lambda r: (r.status == CourseStatus.CANCELLED, r.start_date, r.id))
    return [r.id for r in ahead]


def _load_cards(ids: list[int]) -> list[Course]:
    """The courses of ``ids``, in that order, with what their cards show."""
    if not ids:
        return []
    found = db.session.scalars(
        sa.select(Course)
        .where(Course.id.in_(ids))
        .options(
            selectinload(Course.venue),
            selectinload(Course.host_event),
            selectinload(Course.programme),
        )
    )
    by_id = {course.id: course for course in found}
    return [by_id[i] for i in ids]


def course_months() -> list[str]:
    """The YYYY-MM of every public course's start, for the month filter."""
    dates = db.session.scalars(
        sa.select(Course.start_date).where(Course.status != CourseStatus.DRAFT).distinct()
    )
    return sorted({d.strftime("%Y-%m") for d in dates})


def is_month(value: str | None) -> bool:
    """A YYYY-MM value as the month filter sends it (None: no month sent). Year 0 is none."""
    if value is None or not re.fullmatch(r"[0-9]{4}-[0-9]{2}", value):
        return False
    return int(value[:4]) >= 1 and 1 <= int(value[5:]) <= 12
