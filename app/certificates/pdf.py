"""The certificate of participation as a PDF (A4 landscape), in the registration's language.

The text is set in DejaVu Sans, embedded (subset) in the file, so names in any Latin script,
and Greek or Cyrillic ones, print as entered: Sørensen, Ñúñez, Şahin, Nguyễn.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from babel import dates as babel_dates
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from app.certificates.models import Certificate
from app.certificates.services import days_attended, format_code
from app.core.timeutil import local_date
from app.core.urls import external_url
from app.courses.models import PartnerRole

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"

INK = (33, 37, 41)
MUTED = (90, 98, 107)
ACCENT = (0, 82, 147)


def _nfc(text: str) -> str:
    # One code point per letter where Unicode has one: the font has glyphs for those.
    return unicodedata.normalize("NFC", text)


class _Certificate(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="landscape", unit="mm", format="A4")
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(False)
        self.set_margins(25, 20, 25)

    def line_of(self, text: str, size: float, *, bold: bool = False, color=INK, gap=2.0) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*color)
        self.multi_cell(
            0,
            size * 0.45,
            _nfc(text),
            align=Align.C,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.ln(gap)


def render_certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as a PDF file, in its registration's language."""
    locale = certificate.registration.language
    with force_locale(locale):
        return _render(certificate, locale)


def _render(certificate: Certificate, locale: str) -> bytes:
    registration = certificate.registration
    course = registration.course
    site = current_app.config["SITE_NAME"]
    title = _("Certificate of participation")
    course_title = course.title(locale)
    code = format_code(certificate.code)
    verify_url = external_url("certificates.verify", code=code)

    pdf = _Certificate()
    pdf.set_title(f"{title}: {certificate.name}")
    pdf.set_author(site)
    pdf.set_creator(site)
    pdf.set_lang(locale)
    pdf.set_creation_date(certificate.issued_at)
    pdf.add_page()

    # A double frame.
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, pdf.w - 26, pdf.h - 26)

    organisers = [
        str(p.organisation)
        for p in course.partners
        if p.role in (PartnerRole.ORGANISER, PartnerRole.CO_ORGANISER)
    ]
    pdf.set_y(22)
    pdf.line_of(" · ".join(organisers) if organisers else site, 11, color=MUTED, gap=6)

    pdf.line_of(title, 30, bold=True, color=ACCENT, gap=6)
    pdf.line_of(_("This is to certify that"), 13, color=MUTED, gap=3)
    pdf.line_of(certificate.name, 26, bold=True, gap=3)
    pdf.line_of(_("took part in the course"), 13, color=MUTED, gap=3)
    pdf.line_of(course_title, 18, bold=True, gap=3)

    dates = _(
        "From %(start)s to %(end)s",
        start=babel_dates.format_date(course.start_date, "long", locale=locale),
        end=babel_dates.format_date(course.end_date, "long", locale=locale),
    )
    pdf.line_of(dates, 13, gap=1)
    if course.venue is not None:
        pdf.line_of(str(course.venue), 13, gap=1)
    pdf.ln(3)

    modules = [focus.title(locale) for focus in course.focuses if focus.title(locale)]
    if modules:
        pdf.line_of(_("Modules covered: %(modules)s", modules="; ".join(modules)), 10.5, gap=2)
    pdf.line_of(
        _(
            "On-site days attended: %(attended)d of %(days)d.",
            attended=days_attended(registration),
            days=course.days,
        ),
        10.5,
        gap=2,
    )

    # The footer: issue date, code and where to check it.
    issued_on = local_date(certificate.issued_at, course.timezone)
    issued = babel_dates.format_date(issued_on, "long", locale=locale)
    pdf.set_y(max(pdf.get_y() + 4, pdf.h - 45))
    pdf.line_of(_("Issued on %(date)s.", date=issued), 10, color=MUTED, gap=1)
    pdf.line_of(_("Verification code: %(code)s", code=code), 11, bold=True, gap=1)
    pdf.line_of(_("Check this certificate at %(url)s", url=verify_url), 10, color=MUTED, gap=0)
    return bytes(pdf.output())
