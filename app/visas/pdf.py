"""The invitation letter as a PDF (A4 portrait) on the centre's letterhead, in the letter's
language (English or French).

Set in DejaVu Sans as the certificates are (app/certificates/pdf.py), so names in any Latin
script, Greek or Cyrillic print as entered. The centre's details come from the settings
(``CENTRE_NAME``, ``CENTRE_ADDRESS``, ``CENTRE_EMAIL``, ``CENTRE_PHONE``, ``CENTRE_WEBSITE``);
the course's certificate design gives the logo of the letterhead and the signature with the
signatory's name and title.
"""

from __future__ import annotations

import io

from babel import dates as babel_dates
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from app.certificates.design import design_of, image_bytes
from app.certificates.pdf import FONT, FONTS, _nfc
from app.certificates.services import format_code
from app.registration.forms import country_name
from app.visas.costs import cost_paragraph
from app.visas.models import VisaLetterRequest
from app.visas.services import verification_url

INK = (33, 37, 41)
MUTED = (90, 98, 107)
ACCENT = (0, 82, 147)
LOGO_BOX = (55.0, 16.0)
SIGNATURE_BOX = (45.0, 14.0)


def centre_details() -> dict[str, object]:
    config = current_app.config
    address = [line.strip() for line in str(config.get("CENTRE_ADDRESS") or "").splitlines()]
    return {
        "name": config.get("CENTRE_NAME") or config["SITE_NAME"],
        "address": [line for line in address if line],
        "contact": [
            str(value)
            for value in (
                config.get("CENTRE_EMAIL"),
                config.get("CENTRE_PHONE"),
                config.get("CENTRE_WEBSITE"),
            )
            if value
        ],
    }


class _Letter(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(True, margin=18)
        self.set_margins(22, 15, 22)

    def text_block(
        self,
        text: str,
        size: float = 10,
        *,
        bold: bool = False,
        color=INK,
        gap: float = 2.5,
        align: Align = Align.L,
        width: float = 0,
    ) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*color)
        self.multi_cell(
            width, size * 0.5, _nfc(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.ln(gap)


def render_letter_pdf(request: VisaLetterRequest) -> bytes:
    """The issued letter as a PDF file, in its language."""
    with force_locale(request.language):
        pdf = _Letter()
        _render(pdf, request)
        centre = centre_details()
        pdf.set_author(str(centre["name"]))
        pdf.set_creator(current_app.config["SITE_NAME"])
        pdf.set_title(f"{_('Invitation letter')} {request.reference}")
        pdf.set_lang(request.language)
        if request.decided_at is not None:
            pdf.set_creation_date(request.decided_at)
        return bytes(pdf.output())


def _render(pdf: _Letter, request: VisaLetterRequest) -> None:
    locale = request.language
    registration = request.registration
    course = registration.course
    venue = course.venue
    centre = centre_details()
    design = design_of(course)
    logo = image_bytes(design.logo) if design else None
    signature = image_bytes(design.signature) if design else None

    def long_date(day) -> str:
        return babel_dates.format_date(day, "long", locale=locale)

    pdf.add_page()
    # The letterhead: the logo on the left, the centre's details on the right.
    top = pdf.t_margin
    if logo is not None:
        width, height = LOGO_BOX
        pdf.image(
            io.BytesIO(logo), x=pdf.l_margin, y=top, w=width, h=height, keep_aspect_ratio=True
        )
    pdf.set_xy(pdf.w / 2, top)
    column = pdf.w / 2 - pdf.r_margin
    pdf.set_font(FONT, "B", 12)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(
        column, 6, _nfc(str(centre["name"])), align=Align.R, new_x=XPos.LEFT, new_y=YPos.NEXT
    )
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*MUTED)
    for line in [*centre["address"], *centre["contact"]]:  # type: ignore[misc]
        pdf.multi_cell(column, 4.2, _nfc(line), align=Align.R, new_x=XPos.LEFT, new_y=YPos.NEXT)
    below = max(pdf.get_y(), top + (LOGO_BOX[1] if logo is not None else 0)) + 3
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.5)
    pdf.line(pdf.l_margin, below, pdf.w - pdf.r_margin, below)
    pdf.set_y(below + 4)

    # Date, reference and the consulate addressed.
    pdf.text_block(_("Date: %(date)s", date=long_date(request.issued_on)), gap=0.5, align=Align.R)
    pdf.text_block(_("Reference: %(reference)s", reference=request.reference), gap=4, align=Align.R)
    if venue is not None and venue.country:
        addressee = _(
            "To the visa section of the Embassy or Consulate of %(country)s",
            country=country_name(venue.country, locale),
        )
    else:
        addressee = _("To the visa section of the Embassy or Consulate")
    pdf.text_block(addressee, gap=0.5)
    pdf.text_block(
        f"{request.consulate_city}, {country_name(request.consulate_country, locale)}", gap=5
    )
    pdf.text_block(
        _("Invitation letter for %(name)s", name=request.holder_name), 12, bold=True, gap=4
    )
    pdf.text_block(_("Dear Sir or Madam,"), gap=3)

    title = course.title(locale)
    dates = _(
        "from %(start)s to %(end)s",
        start=long_date(course.start_date),
        end=long_date(course.end_date),
    )
    pdf.text_block(
        _(
            "%(centre)s is pleased to confirm that the person named below is a confirmed "
            "participant in the course “%(title)s”, held %(dates)s.",
            centre=centre["name"],
            title=title,
            dates=dates,
        ),
        gap=4,
    )

    # The participant's passport details, then the course, as label: value.
    rows = [
        (_("Name as in the passport"), request.holder_name),
        (_("Passport number"), request.passport_number),
        (_("Nationality"), country_name(request.nationality, locale)),
        (_("Date of birth"), long_date(request.birth_date) if request.birth_date else ""),
    ]
    if request.passport_expires_on:
        rows.append((_("Passport valid until"), long_date(request.passport_expires_on)))
    rows.append((_("Course"), title))
    rows.append((_("Dates"), long_date(course.start_date) + " – " + long_date(course.end_date)))
    if venue is not None:
        place = [venue.name, *(line for line in venue.address.splitlines() if line.strip())]
        city = ", ".join(
            part
            for part in (
                venue.city if venue.city not in venue.address else "",
                country_name(venue.country, locale) if venue.country else "",
            )
            if part
        )
        if city:
            place.append(city)
        rows.append((_("Venue"), "\n".join(place)))
    label_width = 58.0
    for label, value in rows:
        if not value:
            continue
        y = pdf.get_y()
        pdf.set_font(FONT, "", 10)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(
            label_width - 3, 5, _nfc(str(label)), align=Align.L, new_x=XPos.RIGHT, new_y=YPos.NEXT
        )
        label_bottom = pdf.get_y()
        pdf.set_xy(pdf.l_margin + label_width, y)
        pdf.set_font(FONT, "B", 10)
        pdf.set_text_color(*INK)
        pdf.multi_cell(0, 5, _nfc(str(value)), align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(max(pdf.get_y(), label_bottom) + 1)
    pdf.ln(3)

    pdf.text_block(cost_paragraph(registration, str(centre["name"])), gap=4)
    pdf.text_block(
        _(
            "We would be grateful if you could grant the participant a visa for the duration "
            "of the course. Please do not hesitate to contact us to confirm this letter."
        ),
        gap=4,
    )
    pdf.text_block(_("Yours faithfully,"), gap=3)

    # The signature (image, name and title of the course's design), else the centre's name.
    if signature is not None:
        width, height = SIGNATURE_BOX
        if pdf.get_y() + height > pdf.h - 40:
            pdf.add_page()
        pdf.image(
            io.BytesIO(signature),
            x=pdf.l_margin,
            y=pdf.get_y(),
            w=width,
            h=height,
            keep_aspect_ratio=True,
        )
        pdf.set_y(pdf.get_y() + height + 1)
    else:
        pdf.ln(8)
    if design is not None and design.signatory_name:
        pdf.text_block(design.signatory_name, bold=True, gap=0.5)
        if design.signatory_title:
            pdf.text_block(design.signatory_title, color=MUTED, gap=0.5)
    pdf.text_block(str(centre["name"]), color=MUTED, gap=4)

    # How to check it.
    code = format_code(request.code or "")
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(2)
    pdf.text_block(_("Verification code: %(code)s", code=code), 9.5, bold=True, gap=0.5)
    pdf.text_block(
        _(
            "Anyone may check this letter at %(url)s (the page shows the participant's name, "
            "the course and its dates, and whether the letter is valid).",
            url=verification_url(request),
        ),
        8.5,
        color=MUTED,
        gap=0,
    )
