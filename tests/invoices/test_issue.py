"""Issuing invoices and pro-formas: who may be invoiced, for how much, addressed to whom, with
which lines, numbered how."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.core.rules import FieldErrors
from app.extensions import db
from app.finance.models import PayerKind
from app.invoices import services
from app.invoices.models import DocumentKind, Invoice, InvoiceState, LineKind
from app.registration.models import RegistrationStatus as S
from tests.factories import make_registration, make_user
from tests.invoices.conftest import FEES, NOW, award, cancel_at, issue


def lines_of(document):
    return [(line.kind, line.detail, line.amount) for line in document.lines]


def test_an_invoice_for_the_fees_is_numbered_dated_and_addressed(ana, organiser, neighbour):
    invoice = issue(ana, organiser, "3600.50")
    # The neighbour's invoice took INV-2027-0001: one series for the centre.
    assert invoice.number_text == "INV-2027-0002"
    assert (invoice.series, invoice.year, invoice.number) == ("INV", 2027, 2)
    assert invoice.issued_on == date(2027, 10, 12)
    assert invoice.due_on == date(2027, 11, 11)  # 30 days
    assert invoice.issued_at == NOW and invoice.issued_by_id == organiser.id
    assert (invoice.currency, invoice.total, invoice.language) == ("EUR", FEES, "fr")
    assert (invoice.payer_kind, invoice.billing_name, invoice.billing_email) == (
        PayerKind.EMPLOYER,
        "Municipalité de Recife",
        "compta@recife.example.org",
    )
    assert invoice.billing_address == "Rua do Bom Jesus 1\n50030-170 Recife\nBrésil"
    assert (invoice.billing_tax_id, invoice.billing_reference) == ("BR-123", "PO 77/2027")
    assert (invoice.participant_name, invoice.course_title) == (
        "Ana Sousa",
        "Governing migration at the local level",
    )
    assert lines_of(invoice) == [
        (LineKind.TUITION, "", Decimal("2450.00")),
        (LineKind.SUBSISTENCE, "", Decimal("1150.50")),
    ]
    assert invoice.state == InvoiceState.ISSUED


def test_the_venue_date_sets_the_year_and_the_due_date(bruno, organiser):
    # 31 Dec 2027 23:30 UTC is already 1 January 2028 in Turin.
    invoice = issue(bruno, organiser, "100", now=datetime(2027, 12, 31, 23, 30, tzinfo=UTC))
    assert invoice.number_text == "INV-2028-0001"
    assert (invoice.issued_on, invoice.due_on) == (date(2028, 1, 1), date(2028, 1, 31))
    before = issue(bruno, organiser, "100", now=datetime(2027, 12, 31, 22, 59, tzinfo=UTC))
    assert before.number_text == "INV-2027-0001"


def test_the_participant_is_the_payer_without_billing_details(bruno, organiser):
    billing = services.default_billing(bruno)
    assert billing == services.Billing(
        payer_kind=PayerKind.PARTICIPANT, name="Bruno Sousa", email="bruno@example.org"
    )
    invoice = issue(bruno, organiser, "3600.50")
    assert (invoice.billing_name, invoice.billing_email) == ("Bruno Sousa", "bruno@example.org")


def test_edited_billing_details_are_cleaned_and_kept(bruno, organiser):
    invoice = issue(
        bruno,
        organiser,
        "10",
        billing=services.Billing(
            payer_kind=PayerKind.SPONSOR,
            name="  Fondation   Lumière ",
            address=" 3 rue  Neuve \n\n 75001 Paris ",
            email=" dons@lumiere.example.org ",
            tax_id=" FR99 ",
            reference=" Grant 12 ",
        ),
    )
    assert (invoice.payer_kind, invoice.billing_name, invoice.billing_address) == (
        PayerKind.SPONSOR,
        "Fondation Lumière",
        "3 rue Neuve\n75001 Paris",
    )
    assert (invoice.billing_email, invoice.billing_tax_id, invoice.billing_reference) == (
        "dons@lumiere.example.org",
        "FR99",
        "Grant 12",
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "   ", "Name who the invoice is addressed to."),
        ("name", "x" * 201, "At most 200 characters."),
        ("address", "x" * 1001, "At most 1000 characters."),
        ("address", "\n".join(["line"] * 9), "At most 8 lines."),
        ("email", "not-an-address", "Enter a valid email address, such as name@example.org."),
        ("email", "a" * 250 + "@example.org", "At most 254 characters."),
        ("tax_id", "x" * 51, "At most 50 characters."),
        ("reference", "x" * 101, "At most 100 characters."),
    ],
)
def test_wrong_billing_details_are_refused_beside_their_field(
    bruno, organiser, field, value, message
):
    billing = services.Billing(**{"name": "Bruno Sousa", field: value})
    with pytest.raises(FieldErrors) as refused:
        issue(bruno, organiser, "10", billing=billing)
    assert list(refused.value.errors) == [f"billing_{field}"]
    assert refused.value.messages == [message]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 0


def test_limits_are_inclusive(bruno, organiser):
    billing = services.Billing(
        name="x" * 200,
        address="\n".join(["y" * 10] * 8),
        tax_id="t" * 50,
        reference="r" * 100,
    )
    invoice = issue(bruno, organiser, "10", billing=billing)
    assert invoice.billing_address.count("\n") == 7


def test_a_payer_kind_must_be_chosen(bruno, organiser):
    with pytest.raises(FieldErrors) as refused:
        issue(bruno, organiser, "10", billing=services.Billing(payer_kind="boss", name="B"))
    assert [str(m) for m in refused.value.errors["payer_kind"]] == ["Choose who pays."]


def test_exactly_the_due_amount_is_accepted_and_one_cent_more_refused(bruno, organiser):
    db.session.commit()
    with pytest.raises(FieldErrors) as refused:
        issue(bruno, organiser, "3600.51")
    assert [str(m) for m in refused.value.errors["amount"]] == [
        "At most €3,600.50 is still to invoice."
    ]
    db.session.rollback()
    invoice = issue(bruno, organiser, "3600.50")
    # The refused attempt took no number.
    assert (invoice.total, invoice.number) == (FEES, 1)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "The amount must be more than zero."),
        ("-5", "The amount cannot be negative."),
        ("10.001", "EUR amounts have at most 2 decimals."),
        ("1000000.01", "The amount is too large: at most €1,000,000.00."),
    ],
)
def test_absurd_amounts_are_refused(bruno, organiser, amount, message):
    with pytest.raises(FieldErrors) as refused:
        issue(bruno, organiser, amount)
    assert [str(m) for m in refused.value.errors["amount"]] == [message]


def test_a_partial_invoice_leaves_the_rest_to_invoice(bruno, organiser):
    first = issue(bruno, organiser, "2450.00")
    assert lines_of(first) == [
        (LineKind.TUITION, "", Decimal("2450.00")),
        (LineKind.SUBSISTENCE, "", Decimal("1150.50")),
        (LineKind.SEPARATE, "", Decimal("-1150.50")),
    ]
    assert services.account(bruno).to_invoice == Decimal("1150.50")
    second = issue(bruno, organiser, "1150.50")
    assert second.number == first.number + 1
    assert lines_of(second) == [
        (LineKind.TUITION, "", Decimal("2450.00")),
        (LineKind.SUBSISTENCE, "", Decimal("1150.50")),
        (LineKind.INVOICED, first.number_text, Decimal("-2450.00")),
    ]
    with pytest.raises(services.NothingToInvoice) as refused:
        issue(bruno, organiser, "0.01")
    assert str(refused.value.message) == "Everything Bruno Sousa owes is invoiced already."


def test_the_fellowship_is_deducted_and_its_funder_named(bruno, organiser):
    award(bruno, organiser, Decimal("1000.25"), funder="Swiss Agency for Development")
    invoice = issue(bruno, organiser, "2600.25")
    assert lines_of(invoice) == [
        (LineKind.TUITION, "", Decimal("2450.00")),
        (LineKind.SUBSISTENCE, "", Decimal("1150.50")),
        (LineKind.FELLOWSHIP, "Swiss Agency for Development", Decimal("-1000.25")),
    ]
    assert sum(line.amount for line in invoice.lines) == invoice.total


def test_a_full_fellowship_leaves_nothing_to_invoice(bruno, organiser):
    award(bruno, organiser)
    with pytest.raises(services.NothingToInvoice) as refused:
        issue(bruno, organiser, "1")
    assert str(refused.value.message) == "Bruno Sousa owes nothing."


@pytest.mark.parametrize("status", [S.SUBMITTED, S.WAITLISTED, S.REJECTED])
def test_only_those_who_owe_are_invoiced(course, organiser, status):
    registration = make_registration(course, make_user(name="Carla Souza"), status=status)
    with pytest.raises(services.NothingToInvoice):
        issue(registration, organiser, "1")


def test_a_late_cancellation_is_invoiced_its_share(bruno, organiser):
    # 10 days before the start: 50 %.
    cancel_at(bruno, datetime(2027, 11, 12, 9, 0, tzinfo=UTC))
    invoice = issue(bruno, organiser, "1800.25", now=datetime(2027, 11, 13, 9, 0, tzinfo=UTC))
    assert lines_of(invoice) == [(LineKind.CANCELLATION, "50", Decimal("1800.25"))]
    assert invoice.lines[0].label == "Cancellation charge: 50 % of the fees"


def test_an_early_cancellation_owes_nothing(bruno, organiser):
    cancel_at(bruno, datetime(2027, 10, 1, 9, 0, tzinfo=UTC))
    with pytest.raises(services.NothingToInvoice):
        issue(bruno, organiser, "1")


def test_a_proforma_has_its_own_series_and_covers_nothing(bruno, organiser):
    proforma = issue(bruno, organiser, "3600.50", kind=DocumentKind.PROFORMA)
    assert proforma.number_text == "INV-PF-2027-0001"
    assert proforma.state == InvoiceState.PROFORMA
    assert services.account(bruno).to_invoice == FEES
    invoice = issue(bruno, organiser, "3600.50")
    assert invoice.number_text == "INV-2027-0001"
    # Once invoiced, no pro-forma either.
    with pytest.raises(services.NothingToInvoice):
        issue(bruno, organiser, "1", kind=DocumentKind.PROFORMA)


def test_a_credit_note_is_no_kind_to_issue(bruno, organiser):
    with pytest.raises(ValueError):
        issue(bruno, organiser, "1", kind=DocumentKind.CREDIT_NOTE)


def test_the_prefix_comes_from_the_settings(app, bruno, organiser):
    app.config["INVOICE_PREFIX"] = "ITC"
    try:
        assert issue(bruno, organiser, "1").number_text == "ITC-2027-0001"
        assert issue(bruno, organiser, "1", kind=DocumentKind.PROFORMA).number_text == (
            "ITC-PF-2027-0001"
        )
    finally:
        app.config["INVOICE_PREFIX"] = "INV"


def test_the_due_days_come_from_the_settings(app, bruno, organiser):
    app.config["INVOICE_DUE_DAYS"] = 14
    try:
        assert issue(bruno, organiser, "1").due_on == date(2027, 10, 12) + timedelta(days=14)
    finally:
        app.config["INVOICE_DUE_DAYS"] = 30
