"""An invoice, pro-forma or credit note as a PDF (A4 portrait), in the payer's language (the
registration's, kept on the document when it was issued).

DejaVu Sans, embedded, as on certificates (app/certificates/pdf.py), so names in any Latin
script print as entered. The centre's details come from the settings (CENTRE_* in
app/config.py). The amounts paid and the balance are those of the moment it is printed; the
rest is the document as issued.
"""

from __future__ import annotations

from decimal import Decimal

from babel import dates as babel_dates
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from app.certificates.pdf import FONT, FONTS, _nfc
from app.finance.money import format_money
from app.invoices.models import DocumentKind, Invoice

INK = (33, 37, 41)
MUTED = (90, 98, 107)
ACCENT = (0, 82, 147)
RULE = (200, 205, 210)
AMOUNT_WIDTH = 45.0


class _Document(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(True, margin=18)
        self.set_margins(18, 16, 18)

    def text_block(
        self,
        text: str,
        size: float = 9.5,
        *,
        bold: bool = False,
        color=INK,
        width: float = 0,
        align: Align = Align.L,
        gap: float = 0.0,
    ) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*color)
        left = self.get_x()
        self.multi_cell(
            width, size * 0.48, _nfc(text), align=align, new_x=XPos.LEFT, new_y=YPos.NEXT
        )
        if gap:
            self.ln(gap)
        self.set_x(left)

    def amount_row(self, label: str, amount: str, *, bold: bool = False, size: float = 9.5) -> None:
        width = self.w - self.l_margin - self.r_margin - AMOUNT_WIDTH
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*INK)
        top = self.get_y()
        self.set_x(self.l_margin)
        self.multi_cell(width, size * 0.55, _nfc(label), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        bottom = self.get_y()
        self.set_xy(self.l_margin + width, top)
        self.cell(AMOUNT_WIDTH, size * 0.55, _nfc(amount), align=Align.R)
        self.set_y(bottom + 1.2)

    def rule(self) -> None:
        self.set_draw_color(*RULE)
        self.set_line_width(0.3)
        y = self.get_y()
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.ln(2)


def title_of(document: Invoice) -> str:
    return {
        DocumentKind.INVOICE: _("Invoice"),
        DocumentKind.PROFORMA: _("Pro-forma invoice"),
        DocumentKind.CREDIT_NOTE: _("Credit note"),
    }[document.kind]


def render_document_pdf(document: Invoice) -> bytes:
    pdf = _Document()
    site = current_app.config["SITE_NAME"]
    pdf.set_author(current_app.config["CENTRE_NAME"] or site)
    pdf.set_creator(site)
    with force_locale(document.language):
        pdf.set_title(f"{title_of(document)} {document.number_text}")
        _render(pdf, document, document.language)
    pdf.set_lang(document.language)
    pdf.set_creation_date(document.issued_at)
    return bytes(pdf.output())


def _money(amount: Decimal, document: Invoice) -> str:
    return format_money(amount, document.currency, document.language)


def _date(value, locale: str) -> str:
    return babel_dates.format_date(value, "long", locale=locale)


def _render(pdf: _Document, document: Invoice, locale: str) -> None:
    config = current_app.config
    course = document.registration.course
    pdf.add_page()
    content = pdf.w - pdf.l_margin - pdf.r_margin
    half = content / 2

    # The centre, top left; the document's title, number and dates, top right.
    top = pdf.get_y()
    pdf.text_block(config["CENTRE_NAME"] or config["SITE_NAME"], 12, bold=True, width=half)
    centre_lines = [line.strip() for line in (config["CENTRE_ADDRESS"] or "").splitlines()]
    contact = [config[k] for k in ("CENTRE_PHONE", "CENTRE_EMAIL", "CENTRE_WEBSITE") if config[k]]
    if config["CENTRE_TAX_ID"]:
        contact.append(_("Tax number: %(number)s", number=config["CENTRE_TAX_ID"]))
    for line in [line for line in centre_lines if line] + contact:
        pdf.text_block(line, 8.5, color=MUTED, width=half)
    left_bottom = pdf.get_y()

    pdf.set_xy(pdf.l_margin + half, top)
    pdf.text_block(title_of(document), 18, bold=True, color=ACCENT, width=half, align=Align.R)
    pdf.text_block(document.number_text, 11, bold=True, width=half, align=Align.R, gap=1)
    facts = [_("Date: %(date)s", date=_date(document.issued_on, locale))]
    if document.due_on is not None and document.kind != DocumentKind.CREDIT_NOTE:
        facts.append(_("Payment due by: %(date)s", date=_date(document.due_on, locale)))
    for fact in facts:
        pdf.text_block(fact, 9, width=half, align=Align.R)
    pdf.set_xy(pdf.l_margin, max(left_bottom, pdf.get_y()) + 6)

    # To whom, and for what.
    pdf.text_block(_("Bill to"), 8.5, bold=True, color=MUTED, width=half)
    pdf.text_block(document.billing_name, 10.5, bold=True, width=half)
    for line in document.billing_address.splitlines():
        pdf.text_block(line, 9.5, width=half)
    if document.billing_email:
        pdf.text_block(document.billing_email, 9.5, width=half)
    if document.billing_tax_id:
        pdf.text_block(_("Tax number: %(number)s", number=document.billing_tax_id), 9, width=half)
    if document.billing_reference:
        pdf.text_block(
            _("Your reference: %(reference)s", reference=document.billing_reference),
            9,
            width=half,
        )
    pdf.ln(5)
    pdf.text_block(_("Participant: %(name)s", name=document.participant_name), 9.5)
    dates = _(
        "From %(start)s to %(end)s",
        start=_date(course.start_date, locale),
        end=_date(course.end_date, locale),
    )
    pdf.text_block(_("Course: %(title)s", title=document.course_title), 9.5, bold=True)
    pdf.text_block(dates + (f" · {course.venue}" if course.venue is not None else ""), 9.5)
    if document.kind == DocumentKind.CREDIT_NOTE and document.credits is not None:
        pdf.ln(2)
        pdf.text_block(
            _(
                "This credit note cancels invoice %(number)s of %(date)s.",
                number=document.credits.number_text,
                date=_date(document.credits.issued_on, locale),
            ),
            9.5,
            bold=True,
        )
        pdf.text_block(_("Reason: %(reason)s", reason=document.reason), 9.5)
    pdf.ln(6)

    # The lines, the total, and (for an invoice) what was paid and what is left.
    pdf.set_font(FONT, "B", 8.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(content - AMOUNT_WIDTH, 5, _("Description"))
    pdf.cell(AMOUNT_WIDTH, 5, _("Amount (%(currency)s)", currency=document.currency), align=Align.R)
    pdf.ln(6)
    pdf.rule()
    for line in document.lines:
        pdf.amount_row(line.label, _money(line.amount, document))
    pdf.rule()
    total_label = _("Total credited") if document.kind == DocumentKind.CREDIT_NOTE else _("Total")
    pdf.amount_row(total_label, _money(document.total, document), bold=True, size=11)
    if document.kind == DocumentKind.INVOICE:
        for payment in document.payments:
            pdf.amount_row(
                _("Payment received on %(date)s", date=_date(payment.paid_on, locale)),
                _money(-payment.amount, document),
            )
        if document.credit_note is not None:
            pdf.amount_row(
                _("Cancelled by credit note %(number)s", number=document.credit_note.number_text),
                "",
            )
        else:
            pdf.rule()
            pdf.amount_row(
                _("Balance to pay"), _money(document.total - document.paid, document), bold=True
            )
    pdf.ln(6)

    # How to pay.
    if document.kind == DocumentKind.PROFORMA:
        pdf.text_block(
            _(
                "This pro-forma invoice is a request for payment, not an invoice: the invoice "
                "follows."
            ),
            9,
            color=MUTED,
            gap=3,
        )
    if document.kind != DocumentKind.CREDIT_NOTE:
        bank = [line.strip() for line in (config["CENTRE_BANK_DETAILS"] or "").splitlines()]
        bank = [line for line in bank if line]
        if bank:
            pdf.text_block(_("Please pay by bank transfer to:"), 9.5, bold=True)
            for line in bank:
                pdf.text_block(line, 9.5)
            pdf.ln(2)
        pdf.text_block(
            _("Payment reference: %(reference)s", reference=document.number_text),
            10,
            bold=True,
        )
