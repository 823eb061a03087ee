"""Badges and table tents as one PDF, for the course team to print before the week.

Three layouts:
- ``sheet``: A4 portrait, 8 badges of 95 × 65 mm a page (2 × 4, edge to edge) with cut marks
  in the margins, for a guillotine or scissors;
- ``single``: one badge of 100 × 70 mm a page, the size badge printers take;
- ``tent``: a table tent a page, A4 landscape folded along the middle, the name large on both
  halves, the upper one upside down so it reads from the other side of the table.

Each badge has the course's title, the name, the organisation, the country and the QR code of
the check-in code with the code printed under it (to type when a camera will not read it).
Names are set in DejaVu Sans, as certificates are, so any Latin script prints as entered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import Align

from app.certificates.pdf import ACCENT, FONT, FONTS, INK, MUTED, _nfc
from app.checkin.forms import BadgeLayout
from app.checkin.qr import qr_matrix
from app.checkin.services import format_code
from app.courses.models import Course
from app.registration.exports import country_name
from app.registration.models import Registration

SHEET_BADGE = (95.0, 65.0)  # mm
SHEET_COLUMNS, SHEET_ROWS = 2, 4
SINGLE_BADGE = (100.0, 70.0)
CUT_MARK = 5.0  # mm of line outside the badges


@dataclass(frozen=True)
class Person:
    name: str
    organisation: str
    country: str
    code: str | None


def people(registrations: Iterable[Registration], codes: dict[int, str]) -> list[Person]:
    return [
        Person(
            name=_nfc(r.certificate_name),
            organisation=_nfc(r.organisation),
            country=country_name(r.country),
            code=codes.get(r.id),
        )
        for r in registrations
    ]


class _Badges(FPDF):
    def __init__(self, *, orientation: str, format: str | tuple[float, float]) -> None:
        super().__init__(orientation=orientation, unit="mm", format=format)
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)

    def fitted_size(self, text: str, width: float, largest: float, smallest: float) -> float:
        """The largest font size (in steps of half a point) at which ``text`` fits ``width`` on
        one line, at least ``smallest``."""
        size = largest
        room = width - 2 * self.c_margin  # a cell keeps a margin on each side
        while size > smallest:
            self.set_font_size(size)
            if self.get_string_width(text) <= room:
                return size
            size -= 0.5
        return smallest

    def text_block(
        self,
        text: str,
        x: float,
        y: float,
        width: float,
        size: float,
        *,
        bold: bool = False,
        color: tuple[int, int, int] = INK,
        lines: int = 2,
        align: Align = Align.L,
    ) -> float:
        """``text`` in at most ``lines`` lines from (x, y), the last one cut with an ellipsis
        if it goes on; the y below it."""
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*color)
        height = size * 0.42
        found = self.multi_cell(width, height, text, dry_run=True, output="LINES")
        shown = found[:lines]
        if len(found) > lines:
            shown[-1] = _clip(self, shown[-1].rstrip() + " " + found[lines], width)
        for n, line in enumerate(shown):
            self.set_xy(x, y + n * height)
            self.cell(width, height, line, align=align)
        return y + len(shown) * height

    def qr(self, code: str, x: float, y: float, size: float) -> None:
        """The QR code of ``code`` as dark squares, ``size`` mm wide, from (x, y)."""
        matrix = qr_matrix(code)
        module = size / len(matrix)
        self.set_fill_color(0, 0, 0)
        for row, line in enumerate(matrix):
            for column, dark in enumerate(line):
                if dark:
                    self.rect(x + column * module, y + row * module, module, module, style="F")


def _badge(
    pdf: _Badges, person: Person, title: str, x: float, y: float, w: float, h: float
) -> None:
    pad = 5.0
    # The course's title on a band across the top.
    band = h * 0.17
    pdf.set_fill_color(*ACCENT)
    pdf.rect(x, y, w, band, style="F")
    pdf.set_font(FONT, "B", 8)
    size = pdf.fitted_size(title, w - 2 * pad, 9, 6)
    pdf.set_text_color(255, 255, 255)
    pdf.set_font(FONT, "B", size)
    pdf.set_xy(x + pad, y)
    pdf.cell(w - 2 * pad, band, _clip(pdf, title, w - 2 * pad), align=Align.C)

    qr_size = h * 0.4
    qr_x, qr_y = x + w - pad - qr_size, y + h - pad - qr_size - 3
    text_w = w - 2 * pad
    pdf.set_font(FONT, "B", 20)
    name_size = pdf.fitted_size(person.name, text_w, 20, 12)
    below = pdf.text_block(person.name, x + pad, y + band + 4, text_w, name_size, bold=True)

    side_w = qr_x - x - pad - 3
    below = pdf.text_block(
        person.organisation, x + pad, max(below + 2, y + band + 16), side_w, 9.5, lines=3
    )
    if person.country:
        pdf.text_block(person.country, x + pad, below + 1.5, side_w, 9.5, color=MUTED, lines=1)

    if person.code:
        pdf.qr(person.code, qr_x, qr_y, qr_size)
        pdf.set_font(FONT, "", 7)
        pdf.set_text_color(*MUTED)
        pdf.set_xy(qr_x - 4, qr_y + qr_size + 0.5)
        pdf.cell(qr_size + 8, 3, format_code(person.code), align=Align.C)


def _clip(pdf: _Badges, text: str, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` at the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _cut_marks(pdf: _Badges, left: float, top: float, w: float, h: float) -> None:
    """Short lines in the margins where the sheet is to be cut, outside the badges."""
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.2)
    right, bottom = left + SHEET_COLUMNS * w, top + SHEET_ROWS * h
    gap = 1.5
    for column in range(SHEET_COLUMNS + 1):
        cx = left + column * w
        pdf.line(cx, top - gap - CUT_MARK, cx, top - gap)
        pdf.line(cx, bottom + gap, cx, bottom + gap + CUT_MARK)
    for row in range(SHEET_ROWS + 1):
        cy = top + row * h
        pdf.line(left - gap - CUT_MARK, cy, left - gap, cy)
        pdf.line(right + gap, cy, right + gap + CUT_MARK, cy)


def _sheets(pdf: _Badges, persons: Sequence[Person], title: str) -> None:
    w, h = SHEET_BADGE
    left = (pdf.w - SHEET_COLUMNS * w) / 2
    top = (pdf.h - SHEET_ROWS * h) / 2
    per_page = SHEET_COLUMNS * SHEET_ROWS
    for start in range(0, len(persons), per_page):
        pdf.add_page()
        _cut_marks(pdf, left, top, w, h)
        # A faint outline too, for scissors where there is no guillotine.
        pdf.set_draw_color(215, 215, 215)
        pdf.set_line_width(0.1)
        for n, person in enumerate(persons[start : start + per_page]):
            x = left + (n % SHEET_COLUMNS) * w
            y = top + (n // SHEET_COLUMNS) * h
            pdf.rect(x, y, w, h)
            _badge(pdf, person, title, x, y, w, h)


def _singles(pdf: _Badges, persons: Sequence[Person], title: str) -> None:
    w, h = SINGLE_BADGE
    for person in persons:
        pdf.add_page()
        _badge(pdf, person, title, 0, 0, w, h)


def _tent_half(pdf: _Badges, person: Person, title: str, top: float, half: float) -> None:
    margin = 15.0
    width = pdf.w - 2 * margin
    pdf.set_font(FONT, "B", 60)
    size = pdf.fitted_size(person.name, width, 60, 28)
    y = top + half * 0.22
    below = pdf.text_block(person.name, margin, y, width, size, bold=True, align=Align.C, lines=2)
    details = " · ".join(part for part in (person.organisation, person.country) if part)
    if details:
        below = pdf.text_block(
            details, margin, below + 4, width, 16, color=MUTED, align=Align.C, lines=2
        )
    pdf.text_block(title, margin, top + half - 14, width, 10, color=ACCENT, align=Align.C, lines=1)


def _tents(pdf: _Badges, persons: Sequence[Person], title: str) -> None:
    half = pdf.h / 2
    for person in persons:
        pdf.add_page()
        # The fold, dashed, and the upper half turned round to face the other side.
        pdf.set_draw_color(190, 190, 190)
        pdf.set_line_width(0.2)
        pdf.set_dash_pattern(dash=2, gap=2)
        pdf.line(0, half, pdf.w, half)
        pdf.set_dash_pattern()
        with pdf.rotation(180, x=pdf.w / 2, y=half / 2):
            _tent_half(pdf, person, title, 0, half)
        _tent_half(pdf, person, title, half, half)


def render_badges(
    course: Course,
    registrations: Sequence[Registration],
    codes: dict[int, str],
    layout: BadgeLayout,
) -> bytes:
    """One PDF with a badge (or a table tent) for each registration, in the given order."""
    title = _nfc(course.title(course.default_locale))
    persons = people(registrations, codes)
    if layout == BadgeLayout.SINGLE:
        pdf = _Badges(orientation="landscape", format=(SINGLE_BADGE[1], SINGLE_BADGE[0]))
        draw = _singles
    elif layout == BadgeLayout.TENT:
        pdf = _Badges(orientation="landscape", format="A4")
        draw = _tents
    else:
        pdf = _Badges(orientation="portrait", format="A4")
        draw = _sheets
    site = current_app.config["SITE_NAME"]
    pdf.set_title(f"{title}: {_('Badges')}")
    pdf.set_author(site)
    pdf.set_creator(site)
    if persons:
        draw(pdf, persons, title)
    else:
        pdf.add_page()
    return bytes(pdf.output())
