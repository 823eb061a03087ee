"""The documents as PDFs (read back with pypdf) in the payer's language, and the mail that
takes them to the payer."""

from __future__ import annotations

import email
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from email import policy

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.core.rules import FieldErrors
from app.extensions import db
from app.invoices import services
from app.invoices.models import PaymentMethod
from app.invoices.pdf import render_document_pdf
from app.mail.models import OutboxMessage
from tests.invoices.conftest import NOW, award, issue

CENTRE = {
    "CENTRE_NAME": "International Training Centre",
    "CENTRE_ADDRESS": "Viale Maestri del Lavoro 10\n10127 Turin, Italy",
    "CENTRE_EMAIL": "accounts@centre.example.org",
    "CENTRE_PHONE": "+39 011 000 0000",
    "CENTRE_WEBSITE": "https://centre.example.org",
    "CENTRE_TAX_ID": "IT00000000000",
    "CENTRE_BANK_DETAILS": (
        "Example Bank, Turin\nIBAN IT00 X000 0000 0000 0000 0000 000\nBIC EXAMPLEXXX"
    ),
}


@pytest.fixture(autouse=True)
def centre(app):
    saved = {key: app.config[key] for key in CENTRE}
    app.config.update(CENTRE)
    yield
    app.config.update(saved)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages)


def test_an_english_invoice_says_who_what_how_much_and_how_to_pay(bruno, organiser):
    award(bruno, organiser, Decimal("600.50"), funder="IOM Development Fund")
    invoice = issue(bruno, organiser, "3000.00")
    services.record_payment(
        invoice,
        amount=Decimal("1000.00"),
        paid_on=date(2027, 10, 12),
        method=PaymentMethod.BANK_TRANSFER,
        actor=organiser,
        now=NOW,
    )
    data = render_document_pdf(invoice)
    reader = PdfReader(io.BytesIO(data))
    [page] = reader.pages
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    text = pdf_text(data)
    for expected in [
        "International Training Centre",
        "Viale Maestri del Lavoro 10",
        "10127 Turin, Italy",
        "accounts@centre.example.org",
        "Tax number: IT00000000000",
        "Invoice",
        "INV-2027-0001",
        "Date: October 12, 2027",
        "Payment due by: November 11, 2027",
        "Bill to",
        "Bruno Sousa",
        "bruno@example.org",
        "Course: Governing migration at the local level",
        "From November 22, 2027 to November 26, 2027",
        "Tuition €2,450.00",
        "Subsistence (accommodation and meals) €1,150.50",
        "Less the fellowship from IOM Development Fund -€600.50",
        "Total €3,000.00",
        "Payment received on October 12, 2027 -€1,000.00",
        "Balance to pay €2,000.00",
        "IBAN IT00 X000 0000 0000 0000 0000 000",
        "Payment reference: INV-2027-0001",
    ]:
        assert expected in text, expected
    assert b"/FontFile2" in data


def test_a_french_invoice_is_in_french(ana, organiser):
    text = pdf_text(render_document_pdf(issue(ana, organiser, "3600.50")))
    for expected in [
        "Facture",
        "INV-2027-0001",
        "12 octobre 2027",
        "Municipalité de Recife",
        "Rua do Bom Jesus 1",
        "50030-170 Recife",
        "BR-123",
        "PO 77/2027",
        "Ana Sousa",
        "Frais de participation",
        "3 600,50",
        "Référence du paiement : INV-2027-0001",
    ]:
        assert expected in text, expected
    assert "Invoice" not in text and "Tuition" not in text


def test_a_credit_note_references_the_invoice_and_states_the_credit(bruno, organiser):
    invoice = issue(bruno, organiser, "3600.50")
    credit = services.cancel(
        invoice, "Addressed to the wrong employer", actor=organiser, now=NOW + timedelta(days=1)
    )
    text = pdf_text(render_document_pdf(credit))
    for expected in [
        "Credit note",
        "INV-CN-2027-0001",
        "This credit note cancels invoice INV-2027-0001 of October 12, 2027.",
        "Reason: Addressed to the wrong employer",
        "Total credited -€3,600.50",
    ]:
        assert expected in text, expected
    assert "Payment due by" not in text and "Payment reference" not in text
    invoice_text = pdf_text(render_document_pdf(invoice))
    assert "Cancelled by credit note INV-CN-2027-0001" in invoice_text
    assert "Balance to pay" not in invoice_text


def test_a_proforma_says_it_is_not_an_invoice(bruno, organiser):
    from app.invoices.models import DocumentKind

    text = pdf_text(render_document_pdf(issue(bruno, organiser, "10", kind=DocumentKind.PROFORMA)))
    assert "Pro-forma invoice" in text and "INV-PF-2027-0001" in text
    assert "a request for payment, not an invoice" in text
    assert "Balance to pay" not in text


def test_without_centre_details_the_site_name_heads_it(app, bruno, organiser):
    app.config.update(CENTRE_NAME="", CENTRE_ADDRESS="", CENTRE_TAX_ID="", CENTRE_BANK_DETAILS="")
    text = pdf_text(render_document_pdf(issue(bruno, organiser, "10")))
    assert text.startswith("Atelier")
    assert "Tax number" not in text and "Please pay by bank transfer" not in text


def _mails():
    return [
        email.message_from_bytes(raw, policy=policy.default)
        for raw in db.session.scalars(sa.select(OutboxMessage.raw).order_by(OutboxMessage.id))
    ]


def test_the_payer_receives_the_invoice_in_the_participants_language(ana, organiser):
    invoice = issue(ana, organiser, "3600.50")
    [mail] = _mails()
    assert mail["To"] == "compta@recife.example.org"
    assert mail["Content-Language"] == "fr"
    assert mail["Subject"] == "Facture INV-2027-0001 : Governing migration at the local level"
    body = mail.get_body(("plain",)).get_content()
    assert "Bonjour Municipalité de Recife," in body
    assert "3\u202f600,50\xa0€, à payer avant le 11 novembre 2027" in body
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "INV-2027-0001.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert "Municipalité de Recife" in pdf_text(attachment.get_content())
    assert invoice.billing_email == mail["To"]


def test_without_billing_email_the_participant_receives_it(bruno, organiser):
    issue(bruno, organiser, "3600.50", billing=services.Billing(name="Bruno Sousa"))
    [mail] = _mails()
    assert mail["To"] == "bruno@example.org"
    assert mail["Subject"] == "Invoice INV-2027-0001: Governing migration at the local level"
    body = mail.get_body(("plain",)).get_content()
    assert "Attached is invoice INV-2027-0001 for Bruno Sousa's place" in body
    assert "€3,600.50, to pay by November 11, 2027" in body


def test_the_credit_note_is_mailed_too(bruno, organiser):
    invoice = issue(bruno, organiser, "3600.50")
    services.cancel(invoice, "Duplicate invoice", actor=organiser, now=NOW)
    mails = _mails()
    assert [m["Subject"] for m in mails] == [
        "Invoice INV-2027-0001: Governing migration at the local level",
        "Credit note INV-CN-2027-0001: Governing migration at the local level",
    ]
    body = mails[1].get_body(("plain",)).get_content()
    assert "It cancels invoice INV-2027-0001: -€3,600.50." in body
    assert "Reason: Duplicate invoice" in body


def test_a_refused_issue_mails_nothing(bruno, organiser):
    with pytest.raises(FieldErrors):
        issue(bruno, organiser, "9999")
    assert _mails() == []
