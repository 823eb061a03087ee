"""The Invoices tab, the participant's download and "My courses", through HTTP."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.core.timeutil import local_date
from app.courses.models import CourseTeamMember, TeamRole
from app.db import now_utc
from app.extensions import db
from app.invoices import services
from app.invoices.models import Invoice, InvoiceState, Payment, PaymentMethod
from app.mail.models import OutboxMessage
from tests.conftest import login
from tests.factories import make_registration, make_user
from tests.invoices.conftest import NOW, issue

TAB = "/courses/governing-2027/invoices"


def today(course):
    return local_date(now_utc(), course.timezone)


def documents():
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Invoice).order_by(Invoice.id)))


def issue_data(**overrides):
    data = {
        "kind": "invoice",
        "amount": "3600.50",
        "payer_kind": "employer",
        "billing_name": "Municipalité de Recife",
        "billing_address": "Rua do Bom Jesus 1\r\n50030-170 Recife",
        "billing_email": "compta@recife.example.org",
        "billing_tax_id": "BR-123",
        "billing_reference": "PO 77/2027",
    }
    data.update(overrides)
    return data


@pytest.fixture
def as_organiser(client, organiser):
    db.session.commit()
    return login(client, organiser)


def test_the_tab_lists_who_owes_what(as_organiser, ana, bruno, neighbour, course):
    make_registration(course, make_user(name="Carla Souza"), status="submitted")
    db.session.commit()
    html = as_organiser.get(TAB).get_data(as_text=True)
    assert "Ana Sousa" in html and "Bruno Sousa" in html
    assert "Carla Souza" not in html  # applied, owes nothing
    assert "Ana Souza" not in html  # the other course's
    assert "€3,600.50" in html
    assert f"/invoices/new/{ana.id}" in html


def test_the_issue_form_is_filled_from_the_application(as_organiser, ana):
    html = as_organiser.get(f"{TAB}/new/{ana.id}").get_data(as_text=True)
    assert 'value="Municipalité de Recife"' in html
    assert 'value="3600.50"' in html
    assert 'value="compta@recife.example.org"' in html
    assert '<option selected value="employer">' in html
    assert "Rua do Bom Jesus 1" in html


def test_issuing_stores_mails_and_shows_the_invoice(as_organiser, ana, organiser):
    response = as_organiser.post(f"{TAB}/new/{ana.id}", data=issue_data(), follow_redirects=True)
    assert response.status_code == 200
    [invoice] = documents()
    html = response.get_data(as_text=True)
    assert f"{invoice.number_text} is issued and mailed to compta@recife.example.org." in html
    assert (invoice.total, invoice.billing_address, invoice.issued_by_id) == (
        Decimal("3600.50"),
        "Rua do Bom Jesus 1\n50030-170 Recife",
        organiser.id,
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1


def test_a_cent_too_much_is_refused_beside_the_amount(as_organiser, ana):
    response = as_organiser.post(f"{TAB}/new/{ana.id}", data=issue_data(amount="3600.51"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "At most €3,600.50 is still to invoice." in html
    assert 'id="amount-errors"' in html
    assert documents() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "abc", "Enter an amount such as 1250.00."),
        ("amount", "-3", "The amount cannot be negative."),
        ("amount", "", "Enter an amount."),
        ("billing_name", "", "Name who the invoice is addressed to."),
        ("billing_email", "nope", "Enter a valid email address, such as name@example.org."),
        ("payer_kind", "boss", "Choose who pays from the list."),
        ("kind", "credit_note", "Choose the document."),
    ],
)
def test_bad_input_comes_back_beside_its_field(as_organiser, ana, field, value, message):
    response = as_organiser.post(f"{TAB}/new/{ana.id}", data=issue_data(**{field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert documents() == []


def test_nothing_to_invoice_says_so(as_organiser, ana, organiser):
    issue(ana, organiser, "3600.50", now=now_utc())
    db.session.commit()
    response = as_organiser.post(f"{TAB}/new/{ana.id}", data=issue_data(amount="1"))
    assert response.status_code == 422
    assert "Everything Ana Sousa owes is invoiced already." in response.get_data(as_text=True)
    assert len(documents()) == 1


def test_recording_a_payment_and_cancelling(as_organiser, bruno, organiser, course):
    invoice = issue(bruno, organiser, "3600.50", now=now_utc())
    db.session.commit()
    url = f"{TAB}/{invoice.id}"
    response = as_organiser.post(
        f"{url}/payments",
        data={
            "amount": "600,50",
            "paid_on": today(course).isoformat(),
            "method": "bank_transfer",
            "reference": "TRX-42",
        },
        follow_redirects=True,
    )
    assert f"A payment of €600.50 on {invoice.number_text} is recorded." in response.get_data(
        as_text=True
    )
    [payment] = db.session.scalars(sa.select(Payment)).all()
    assert (payment.amount, payment.reference, payment.recorded_by_id) == (
        Decimal("600.50"),
        "TRX-42",
        organiser.id,
    )
    too_much = as_organiser.post(
        f"{url}/payments",
        data={"amount": "3000.01", "paid_on": today(course).isoformat(), "method": "cash"},
    )
    assert too_much.status_code == 422
    assert "This is more than the €3,000.00 still to pay on this invoice." in too_much.get_data(
        as_text=True
    )
    no_reason = as_organiser.post(f"{url}/cancel", data={"reason": ""})
    assert no_reason.status_code == 422
    assert "Say why the invoice is cancelled." in no_reason.get_data(as_text=True)
    response = as_organiser.post(f"{url}/cancel", data={"reason": "Wrong payer"})
    assert response.status_code == 302
    invoice, credit = documents()
    assert invoice.state == InvoiceState.CANCELLED and credit.credits_id == invoice.id
    assert response.headers["Location"].endswith(f"{TAB}/{credit.id}")


def test_filters_and_totals(as_organiser, ana, bruno, organiser):
    first = issue(ana, organiser, "3600.50", now=now_utc())
    second = issue(bruno, organiser, "3600.50", now=now_utc())
    services.record_payment(
        second,
        amount=Decimal("3600.50"),
        paid_on=today(second.registration.course),
        method=PaymentMethod.CARD,
        actor=organiser,
    )
    db.session.commit()
    html = as_organiser.get(TAB).get_data(as_text=True)
    assert "€7,201.00" in html  # invoiced
    paid = as_organiser.get(f"{TAB}?state=paid").get_data(as_text=True)
    assert second.number_text in paid and first.number_text not in paid
    unpaid = as_organiser.get(f"{TAB}?state=unpaid").get_data(as_text=True)
    assert first.number_text in unpaid and second.number_text not in unpaid
    # An unknown filter shows all.
    everything = as_organiser.get(f"{TAB}?state=bogus").get_data(as_text=True)
    assert first.number_text in everything and second.number_text in everything


def test_exports_for_the_accounts(as_organiser, ana, bruno, organiser):
    bruno.certificate_name = '=HYPERLINK("http://evil")'
    invoice = issue(bruno, organiser, "3600.50", now=now_utc())
    services.record_payment(
        invoice,
        amount=Decimal("100.25"),
        paid_on=today(invoice.registration.course),
        method=PaymentMethod.CASH,
        reference="+receipt 7",
        actor=organiser,
    )
    db.session.commit()
    response = as_organiser.get(f"{TAB.removesuffix('/invoices')}/invoices.csv")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="governing-2027-invoices.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Number", "Document", "Cancels"]
    assert rows[1][0] == invoice.number_text
    assert rows[1][5] == '\'=HYPERLINK("http://evil")'
    assert rows[1][12:15] == ["3600.50", "100.25", "3500.25"]
    payments = as_organiser.get(f"{TAB.removesuffix('/invoices')}/payments.csv")
    rows = list(csv.reader(io.StringIO(payments.data.decode("utf-8-sig"))))
    assert rows[1][0] == invoice.number_text and rows[1][5] == "100.25"
    assert rows[1][7] == "'+receipt 7"
    xlsx = as_organiser.get(f"{TAB.removesuffix('/invoices')}/payments.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet["A2"].value == invoice.number_text
    assert Decimal(str(sheet["F2"].value)) == Decimal("100.25")
    invoices_xlsx = as_organiser.get(f"{TAB.removesuffix('/invoices')}/invoices.xlsx")
    sheet = load_workbook(io.BytesIO(invoices_xlsx.data)).active
    assert sheet["F2"].value == '\'=HYPERLINK("http://evil")'


def test_facilitators_and_participants_cannot_open_the_tab(client, course, ana, bruno, organiser):
    facilitator = make_user(name="Fatima Facilitator")
    course.team.append(CourseTeamMember(user=facilitator, role=TeamRole.FACILITATOR))
    invoice = issue(bruno, organiser, "3600.50", now=NOW)
    db.session.commit()
    for user in (facilitator, ana.user):
        login(client, user)
        assert client.get(TAB).status_code == 403
        assert client.get(f"{TAB}/{invoice.id}.pdf").status_code == 403
        assert client.post(f"{TAB}/{invoice.id}/cancel", data={"reason": "x"}).status_code == 403
    assert documents()[0].state == InvoiceState.ISSUED


def test_another_courses_invoice_is_404_on_this_tab(as_organiser, neighbour, course):
    db.session.commit()
    [other] = documents()
    assert as_organiser.get(f"{TAB}/{other.id}").status_code == 404
    assert as_organiser.get(f"{TAB}/{other.id}.pdf").status_code == 404


def test_a_participant_downloads_their_own_invoice_only(client, ana, bruno, organiser):
    own = issue(ana, organiser, "3600.50", now=NOW)
    others = issue(bruno, organiser, "3600.50", now=NOW)
    db.session.commit()
    login(client, ana.user)
    response = client.get(f"/my/invoices/{own.id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert client.get(f"/my/invoices/{others.id}.pdf").status_code == 404
    assert client.get(f"/my/invoices/{others.id + 100}.pdf").status_code == 404


def test_my_courses_shows_what_is_due_and_the_invoices(client, bruno, organiser):
    invoice = issue(bruno, organiser, "3600.50", now=NOW)
    services.record_payment(
        invoice,
        amount=Decimal("600.50"),
        paid_on=NOW.date(),
        method=PaymentMethod.CASH,
        actor=organiser,
        now=NOW,
    )
    db.session.commit()
    login(client, bruno.user)
    html = client.get("/my/courses").get_data(as_text=True)
    assert "Due: €3,600.50. Paid: €600.50. Still to pay: €3,000.00." in html
    assert f"/my/invoices/{invoice.id}.pdf" in html
    assert "Partly paid" in html


def test_the_desk_page_offers_to_invoice(as_organiser, ana):
    html = as_organiser.get(f"/courses/governing-2027/participants/{ana.id}").get_data(as_text=True)
    assert "Still to invoice: €3,600.50." in html
    assert f"/invoices/new/{ana.id}" in html
