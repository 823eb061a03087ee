"""Mailing a document to its payer, with the PDF attached, in the payer's language."""

from __future__ import annotations

from babel import dates as babel_dates

from app.core.urls import external_url
from app.finance.money import format_money
from app.invoices.models import Invoice
from app.invoices.pdf import render_document_pdf
from app.mail.models import OutboxMessage
from app.mail.services import Attachment, queue_mail


def recipient_of(document: Invoice) -> str:
    """The billing email, else the participant's."""
    return document.billing_email or document.registration.email


def send_document(document: Invoice) -> OutboxMessage:
    registration = document.registration
    return queue_mail(
        recipient_of(document),
        "invoice_issued",
        locale=document.language,
        attachments=[
            Attachment(
                f"{document.number_text}.pdf", render_document_pdf(document), "application/pdf"
            )
        ],
        document=document,
        registration=registration,
        course=registration.course,
        course_title=document.course_title,
        total=format_money(document.total, document.currency, document.language),
        due_on=(
            babel_dates.format_date(document.due_on, "long", locale=document.language)
            if document.due_on
            else ""
        ),
        my_courses_url=external_url("registration.my_courses"),
    )
