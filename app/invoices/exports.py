"""CSV and XLSX of a course's documents and of its payments, for the accounts department.

Amounts are written as plain decimals with a dot (1250.00; a credit note's negative), never
formatted for a language, so the accounts' software reads them; text cells that a spreadsheet
would run as a formula are quoted as in the participants' export.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _

from app.core import spreadsheets
from app.core.timeutil import to_local
from app.courses.models import Course
from app.invoices.models import DocumentKind, Invoice
from app.registration.exports import table_to_xlsx

Cell = str | int | Decimal | date | datetime | None


def documents_table(course: Course, documents: list[Invoice]) -> tuple[list[str], list[list]]:
    header = [
        _("Number"),
        _("Document"),
        _("Cancels"),
        _("Date"),
        _("Due by"),
        _("Participant"),
        _("Addressed to"),
        _("Postal address"),
        _("Email for the invoice"),
        _("Tax number (VAT)"),
        _("Payer's reference (purchase order)"),
        _("Currency"),
        _("Total"),
        _("Paid"),
        _("Still to pay"),
        _("State"),
        _("Reason"),
        _("Issued by"),
        _("Issued at"),
    ]
    rows: list[list[Cell]] = []
    for d in documents:
        is_invoice = d.kind == DocumentKind.INVOICE
        rows.append(
            [
                d.number_text,
                str(d.kind.label),
                d.credits.number_text if d.credits is not None else "",
                d.issued_on,
                d.due_on if d.kind != DocumentKind.CREDIT_NOTE else None,
                d.participant_name,
                d.billing_name,
                d.billing_address.replace("\n", ", "),
                d.billing_email,
                d.billing_tax_id,
                d.billing_reference,
                d.currency,
                d.total,
                d.paid if is_invoice else None,
                d.outstanding if is_invoice else None,
                str(d.state.label),
                d.reason,
                d.issued_by.name if d.issued_by else "",
                to_local(d.issued_at, course.timezone).replace(tzinfo=None),
            ]
        )
    return header, rows


def payments_table(course: Course, documents: list[Invoice]) -> tuple[list[str], list[list]]:
    header = [
        _("Invoice"),
        _("Participant"),
        _("Addressed to"),
        _("Date received"),
        _("Currency"),
        _("Amount received"),
        _("Method"),
        _("Reference"),
        _("Recorded by"),
        _("Recorded at"),
    ]
    rows: list[list[Cell]] = []
    for d in documents:
        for p in d.payments:
            rows.append(
                [
                    d.number_text,
                    d.participant_name,
                    d.billing_name,
                    p.paid_on,
                    d.currency,
                    p.amount,
                    str(p.method.label),
                    p.reference,
                    p.recorded_by.name if p.recorded_by else "",
                    to_local(p.recorded_at, course.timezone).replace(tzinfo=None),
                ]
            )
    rows.sort(key=lambda row: (row[3], row[0]))
    return header, rows


def to_csv(table: tuple[list[str], list[list]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel reads accents right; CRLF line ends; every cell
    quoted, amounts as numbers, text safe from formulas (app/core/spreadsheets.py)."""
    header, rows = table
    return spreadsheets.to_csv(header, rows)


def to_xlsx(table: tuple[list[str], list[list]], title: str) -> bytes:
    header, rows = table
    return table_to_xlsx(header, rows, title)
