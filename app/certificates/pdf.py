"""The certificate of participation as a PDF (A4 landscape), in the registration's language.

The text is set in DejaVu Sans, embedded (subset) in the file, so names in any Latin script,
and Greek or Cyrillic ones, print as entered: Sørensen, Ñúñez, Şahin, Nguyễn. A course's
design (app/certificates/design.py) adds the centre's logo at the top and the signature, with
the signatory's name and title, at the bottom right. For the closing ceremony, many
certificates print as one PDF (a page each) or as a ZIP of one PDF each.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from babel import dates as babel_dates
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from zipstream import ZipStream

from app.certificates.design import design_of, image_bytes
from app.certificates.models import Certificate, CertificateDesign
from app.certificates.services import days_attended, format_code
from app.core.urls import external_url
from app.courses.models import PartnerRole
from app.storage.services import safe_filename

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"

INK = (33, 37, 41)
MUTED = (90, 98, 107)
ACCENT = (0, 82, 147)

# Boxes the images are fitted into (mm), keeping their proportions.
LOGO_BOX = (70.0, 16.0)
SIGNATURE_BOX = (55.0, 18.0)
SIGNATURE_BLOCK_WIDTH = 80.0


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

    def line_of(
        self,
        text: str,
        size: float,
        *,
        bold: bool = False,
        color=INK,
        gap=2.0,
        width: float = 0,
        align: Align = Align.C,
    ) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*color)
        left = self.get_x()
        self.multi_cell(
            width,
            size * 0.45,
            _nfc(text),
            align=align,
            new_x=XPos.LEFT if width else XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.ln(gap)
        if width:
            self.set_x(left)  # ln() goes back to the margin; a column stays in its column


def render_certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as a PDF file, in its registration's language."""
    return render_certificates_pdf([certificate])


def render_certificates_pdf(certificates: Sequence[Certificate]) -> bytes:
    """One PDF with a page for each certificate, each in its registration's language (for
    printing them all for the closing ceremony)."""
    site = current_app.config["SITE_NAME"]
    pdf = _Certificate()
    pdf.set_author(site)
    pdf.set_creator(site)
    designs: dict[int, tuple[CertificateDesign | None, bytes | None, bytes | None]] = {}
    for certificate in certificates:
        course = certificate.registration.course
        if course.id not in designs:
            design = design_of(course)
            designs[course.id] = (
                design,
                image_bytes(design.logo) if design else None,
                image_bytes(design.signature) if design else None,
            )
        locale = certificate.registration.language
        with force_locale(locale):
            _render_page(pdf, certificate, locale, *designs[course.id])
    if len(certificates) == 1:
        certificate = certificates[0]
        with force_locale(certificate.registration.language):
            pdf.set_title(f"{_('Certificate of participation')}: {certificate.name}")
        pdf.set_lang(certificate.registration.language)
        pdf.set_creation_date(certificate.issued_at)
    return bytes(pdf.output())


def _render_page(
    pdf: _Certificate,
    certificate: Certificate,
    locale: str,
    design: CertificateDesign | None,
    logo: bytes | None,
    signature: bytes | None,
) -> None:
    registration = certificate.registration
    course = registration.course
    site = current_app.config["SITE_NAME"]
    title = _("Certificate of participation")
    course_title = course.title(locale)
    code = format_code(certificate.code)
    verify_url = external_url("certificates.verify", code=code)

    pdf.add_page()

    # A double frame.
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, pdf.w - 26, pdf.h - 26)

    top = 22.0
    if logo is not None:
        width, height = LOGO_BOX
        pdf.image(
            io.BytesIO(logo), x=(pdf.w - width) / 2, y=18, w=width, h=height, keep_aspect_ratio=True
        )
        top = 18 + height + 3

    organisers = [
        str(p.organisation)
        for p in course.partners
        if p.role in (PartnerRole.ORGANISER, PartnerRole.CO_ORGANISER)
    ]
    pdf.set_y(top)
    pdf.line_of(
        " · ".join(organisers) if organisers else site,
        11,
        color=MUTED,
        gap=6 if logo is None else 3,
    )

    pdf.line_of(
        title, 30 if logo is None else 26, bold=True, color=ACCENT, gap=6 if logo is None else 4
    )
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

    # The footer: issue date, code and where to check it; beside it, on the right, the
    # signature with the signatory's name and title.
    issued = babel_dates.format_date(certificate.issued_on, "long", locale=locale)
    signed = design is not None and (signature is not None or design.signatory_name)
    footer_top = max(pdf.get_y() + 4, pdf.h - 45)
    if signed:
        _signature_block(pdf, design, signature, bottom=pdf.h - 20)
        pdf.set_xy(pdf.l_margin, footer_top)
        width = pdf.w - pdf.l_margin - pdf.r_margin - SIGNATURE_BLOCK_WIDTH - 5
        align = Align.L
    else:
        pdf.set_y(footer_top)
        width, align = 0, Align.C
    pdf.line_of(
        _("Issued on %(date)s.", date=issued), 10, color=MUTED, gap=1, width=width, align=align
    )
    pdf.line_of(
        _("Verification code: %(code)s", code=code), 11, bold=True, gap=1, width=width, align=align
    )
    pdf.line_of(
        _("Check this certificate at %(url)s", url=verify_url),
        10,
        color=MUTED,
        gap=0,
        width=width,
        align=align,
    )


def _signature_block(
    pdf: _Certificate, design: CertificateDesign, signature: bytes | None, *, bottom: float
) -> None:
    """The signature image over a line, the signatory's name and title under it, in the
    bottom right corner, ending at ``bottom``."""
    x = pdf.w - pdf.r_margin - SIGNATURE_BLOCK_WIDTH
    width, height = SIGNATURE_BOX
    text_lines = (1 if design.signatory_name else 0) + (1 if design.signatory_title else 0)
    line_y = bottom - 1 - text_lines * 5
    if signature is not None:
        pdf.image(
            io.BytesIO(signature),
            x=x + (SIGNATURE_BLOCK_WIDTH - width) / 2,
            y=line_y - height - 1,
            w=width,
            h=height,
            keep_aspect_ratio=True,
        )
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.3)
    pdf.line(x + 5, line_y, x + SIGNATURE_BLOCK_WIDTH - 5, line_y)
    pdf.set_xy(x, line_y + 1)
    if design.signatory_name:
        pdf.line_of(design.signatory_name, 10.5, bold=True, gap=0, width=SIGNATURE_BLOCK_WIDTH)
    if design.signatory_title:
        pdf.line_of(design.signatory_title, 9.5, color=MUTED, gap=0, width=SIGNATURE_BLOCK_WIDTH)


def certificates_zip(certificates: list[Certificate]) -> bytes:
    """One PDF each, named by participant (``Ana Sørensen.pdf``, then ``Ana Sørensen (2).pdf``
    for a namesake)."""
    archive = ZipStream(sized=True)  # stored: PDFs are compressed already
    taken: set[str] = set()
    for certificate in certificates:
        stem = safe_filename(certificate.name, 150)
        name, number = f"{stem}.pdf", 1
        while name.casefold() in taken:
            number += 1
            name = f"{stem} ({number}).pdf"
        taken.add(name.casefold())
        archive.add(render_certificate_pdf(certificate), name)
    return b"".join(archive)
