"""Reading the participant desk's data: the filtered list, its CSV and XLSX exports, the
summary of confirmed participants, and the lists printed or shown to them.

Everything here reads; nothing changes a registration. Queries load what the pages show in a
fixed number of statements, however many registrations a course has.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.applications.exports import answer_columns, answered_with
from app.core import spreadsheets
from app.core.i18n import LANGUAGE_NAMES
from app.core.spreadsheets import safe_cell
from app.core.text import fold
from app.core.timeutil import to_local
from app.courses.models import Course
from app.endorsement.exports import endorsement_columns
from app.endorsement.models import EndorsementStatus
from app.endorsement.services import registrations_in_state
from app.extensions import db
from app.registration import services
from app.registration.models import (
    Funding,
    Gender,
    OrganisationType,
    Registration,
    RegistrationStatus,
)

S = RegistrationStatus


# ---------------------------------------------------------------------------
# Names


def country_name(code: str | None) -> str:
    """An ISO 3166 country code as the country's name in the current language."""
    if not code:
        return ""
    territories = get_locale().territories  # type: ignore[union-attr]
    return str(territories.get(code.upper(), code))


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


# ---------------------------------------------------------------------------
# The desk's list


@dataclass(frozen=True)
class DeskFilters:
    """What the organiser narrowed the list to; empty values mean "all"."""

    status: RegistrationStatus | None = None
    country: str | None = None
    organisation_type: OrganisationType | None = None
    search: str = ""
    # Answers to the course's questions: (question id, "yes", "no" or an option's id).
    answers: tuple[tuple[int, str], ...] = ()
    endorsement: EndorsementStatus | None = None

    @property
    def is_active(self) -> bool:
        return bool(
            self.status
            or self.country
            or self.organisation_type
            or self.search
            or self.answers
            or self.endorsement
        )


def desk_registrations(course: Course, filters: DeskFilters | None = None) -> list[Registration]:
    """The course's registrations matching ``filters``, in the order they applied.

    The list shows only the registration's own columns, so no relationship is loaded."""
    filters = filters or DeskFilters()
    stmt = sa.select(Registration).where(Registration.course_id == course.id)
    if filters.status is not None:
        stmt = stmt.where(Registration.status == filters.status)
    if filters.country:
        stmt = stmt.where(Registration.country == filters.country)
    if filters.organisation_type is not None:
        stmt = stmt.where(Registration.organisation_type == filters.organisation_type)
    if filters.endorsement is not None:
        stmt = stmt.where(Registration.id.in_(registrations_in_state(filters.endorsement)))
    for question_id, wanted in filters.answers:
        stmt = stmt.where(Registration.id.in_(answered_with(question_id, wanted)))
    search = fold(filters.search)
    if search:
        # Both sides folded (case, accents, ø, ş…), so "sahin" finds Şahin on either database.
        stmt = stmt.where(Registration.search_text.contains(search, autoescape=True))
    stmt = stmt.order_by(Registration.created_at, Registration.id)
    return list(db.session.scalars(stmt))


def status_counts(course: Course) -> dict[RegistrationStatus, int]:
    """How many registrations the course has in each state (every state present, maybe 0)."""
    rows = db.session.execute(
        sa.select(Registration.status, sa.func.count())
        .where(Registration.course_id == course.id)
        .group_by(Registration.status)
    ).all()
    counts = dict.fromkeys(RegistrationStatus, 0)
    for status, count in rows:
        counts[RegistrationStatus(status)] = count
    return counts


def pending_counts(course_ids: Sequence[int]) -> dict[int, int]:
    """Course id → applications waiting for an organiser's decision, for "Manage courses":
    one query for all the courses (a course with none is left out)."""
    if not course_ids:
        return {}
    rows = db.session.execute(
        sa.select(Registration.course_id, sa.func.count())
        .where(
            Registration.course_id.in_(course_ids),
            Registration.status == RegistrationStatus.SUBMITTED,
        )
        .group_by(Registration.course_id)
    ).all()
    return {course_id: count for course_id, count in rows}


def waitlist_positions(course: Course) -> dict[int, int]:
    """Registration id → place on the waiting list (1 for the first), in one query."""
    return {r.id: n for n, r in enumerate(services.waitlist(course), start=1)}


def course_countries(course: Course) -> list[tuple[str, str]]:
    """(code, localised name) of the countries the course's applicants live in, by name (an
    RSVP asks for none)."""
    codes = db.session.scalars(
        sa.select(Registration.country)
        .where(Registration.course_id == course.id, Registration.country.is_not(None))
        .distinct()
    ).all()
    return sorted(((code, country_name(code)) for code in codes), key=lambda item: item[1])


# ---------------------------------------------------------------------------
# CSV and XLSX


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def _label(value: OrganisationType | Gender | Funding | None) -> str:
    """An optional choice's label; empty when not given (an RSVP asks fewer questions)."""
    return str(value.label) if value is not None else ""


@dataclass(frozen=True)
class Column:
    label: Any  # a lazy string, translated when the file is written
    value: Callable[[Registration, ExportContext], str | int | datetime | None]


@dataclass
class ExportContext:
    course: Course
    positions: dict[int, int] = field(default_factory=dict)

    def local(self, value: datetime | None) -> datetime | None:
        """A stored UTC time as the venue's wall-clock time, without a zone (as sheets want)."""
        if value is None:
            return None
        return to_local(value, self.course.timezone).replace(tzinfo=None)


COLUMNS: list[Column] = [
    Column(_l("Name"), lambda r, c: r.certificate_name),
    Column(_l("Email"), lambda r, c: r.email),
    Column(_l("Country of residence"), lambda r, c: country_name(r.country)),
    Column(_l("Nationality"), lambda r, c: country_name(r.nationality)),
    Column(_l("Organisation"), lambda r, c: r.organisation),
    Column(_l("Type of organisation"), lambda r, c: _label(r.organisation_type)),
    Column(_l("Job title"), lambda r, c: r.job_title),
    Column(_l("Gender"), lambda r, c: _label(r.gender)),
    Column(_l("Language for mail"), lambda r, c: language_name(r.language)),
    Column(_l("Dietary needs"), lambda r, c: r.diet),
    Column(_l("Accessibility needs"), lambda r, c: r.accessibility),
    Column(_l("Motivation"), lambda r, c: r.motivation),
    Column(_l("Funding"), lambda r, c: _label(r.funding)),
    Column(_l("Consents to data processing"), lambda r, c: _yes_no(r.consent_data)),
    Column(_l("On the participant list"), lambda r, c: _yes_no(r.consent_listing)),
    Column(_l("Status"), lambda r, c: str(r.status.label)),
    Column(_l("Place on the waiting list"), lambda r, c: c.positions.get(r.id)),
    Column(_l("Offer open until"), lambda r, c: c.local(r.offer_expires_at)),
    Column(_l("Applied on"), lambda r, c: c.local(r.created_at)),
    Column(_l("Decided on"), lambda r, c: c.local(r.decided_at)),
]


Cell = str | int | date | datetime | None


def export_table(
    course: Course, registrations: list[Registration]
) -> tuple[list[str], list[list[Cell]]]:
    """The column headers in the current language (the registration's own columns, then one
    per question of the course), and one row of values per registration."""
    context = ExportContext(course, waitlist_positions(course))
    answers = answer_columns(course, [r.id for r in registrations], str(get_locale()))
    endorsements = endorsement_columns(course, [r.id for r in registrations], context.local)
    header = [str(column.label) for column in COLUMNS] + endorsements.labels + answers.labels
    rows = [
        [column.value(r, context) for column in COLUMNS]
        + endorsements.values(r.id)
        + answers.values(r.id)
        for r in registrations
    ]
    return header, rows


def to_csv(course: Course, registrations: list[Registration]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel reads accents right; CRLF line ends; every cell
    quoted and safe from formulas (app/core/spreadsheets.py)."""
    header, rows = export_table(course, registrations)
    return spreadsheets.to_csv(header, rows)


def to_xlsx(course: Course, registrations: list[Registration]) -> bytes:
    """One sheet with a bold, frozen header row. Text cells are stored as text (never as
    formulas) and quoted like the CSV's, so both files read the same."""
    header, rows = export_table(course, registrations)
    return table_to_xlsx(header, rows, _("Participants"))


def table_to_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], title: str) -> bytes:
    """Any export table as one sheet: a bold, frozen header row; text stored as text (never as
    a formula) and quoted like the CSV's; amounts with two decimals; dates as dates."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    bold = Font(bold=True)
    # The headers name the course's questions too, as organisers typed them: text, like the
    # cells below.
    for column_index, label in enumerate(header, start=1):
        cell = sheet.cell(row=1, column=column_index)
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", safe_cell(label))
        cell.data_type = "s"
        cell.font = bold
    for row_index, row in enumerate(rows, start=2):
        for column_index, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_index, column=column_index)
            if isinstance(value, str):
                # Control characters other than tab and line ends are not allowed in XLSX.
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", safe_cell(value))
                cell.data_type = "s"
            elif isinstance(value, Decimal):
                cell.value = value
                cell.number_format = "0.00"
            else:
                cell.value = value
                if isinstance(value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# Summary of the confirmed participants


@dataclass(frozen=True)
class Share:
    key: str
    label: str
    count: int
    fraction: float  # of all confirmed participants, 0 to 1


@dataclass(frozen=True)
class ParticipantSummary:
    total: int
    by_country: list[Share]
    by_organisation_type: list[Share]
    by_gender: list[Share]


def _confirmed_counts(course: Course, column: Any) -> list[tuple[Any, int]]:
    stmt = (
        sa.select(column, sa.func.count())
        .where(Registration.course_id == course.id, Registration.status == S.CONFIRMED)
        .group_by(column)
    )
    return [(key, count) for key, count in db.session.execute(stmt).all()]


def _shares(rows: list[tuple[str, str, int]], total: int) -> list[Share]:
    shares = [
        Share(key=key, label=label, count=count, fraction=count / total if total else 0.0)
        for key, label, count in rows
    ]
    return sorted(shares, key=lambda s: (-s.count, s.label))


def _shares_with_not_given(
    rows: list[tuple[Any, int]], label: Callable[[Any], str], total: int
) -> list[Share]:
    """Shares of the values given, largest first, then those who gave none as "not given"."""
    shares = _shares([(str(key), label(key), n) for key, n in rows if key is not None], total)
    not_given = sum(n for key, n in rows if key is None)
    if not_given:
        shares.append(
            Share(key="", label=_("Not given"), count=not_given, fraction=not_given / total)
        )
    return shares


def participant_summary(course: Course) -> ParticipantSummary:
    """Confirmed participants by country, organisation type and gender, with shares.
    Gender is optional on the full application, and an event's RSVP asks none of the three:
    those who gave none are counted as "not given", last."""
    by_country = _confirmed_counts(course, Registration.country)
    total = sum(count for _key, count in by_country)
    return ParticipantSummary(
        total=total,
        by_country=_shares_with_not_given(by_country, country_name, total),
        by_organisation_type=_shares_with_not_given(
            _confirmed_counts(course, Registration.organisation_type),
            lambda t: str(OrganisationType(t).label),
            total,
        ),
        by_gender=_shares_with_not_given(
            _confirmed_counts(course, Registration.gender),
            lambda g: str(Gender(g).label),
            total,
        ),
    )


# ---------------------------------------------------------------------------
# Lists of confirmed participants


def _confirmed(course: Course) -> sa.Select[tuple[Registration]]:
    return (
        sa.select(Registration)
        .where(Registration.course_id == course.id, Registration.status == S.CONFIRMED)
        .order_by(Registration.certificate_name, Registration.id)
    )


def special_needs(course: Course) -> list[Registration]:
    """Confirmed participants with a dietary or an accessibility need, by name."""
    stmt = _confirmed(course).where(
        sa.or_(Registration.diet != "", Registration.accessibility != "")
    )
    return list(db.session.scalars(stmt))


def public_listing(course: Course) -> list[Registration]:
    """Confirmed participants who agreed to appear on the list the others see, by name."""
    return list(
        db.session.scalars(_confirmed(course).where(Registration.consent_listing.is_(True)))
    )


def confirmed_registrations(course: Course) -> list[Registration]:
    return list(db.session.scalars(_confirmed(course)))
