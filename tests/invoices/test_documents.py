"""What the documents carry and how they add up: the course's title in the participant's
language, credit notes copying their invoice, numbering of several credit notes, amounts under
one unit, the order of the lists, totals over several invoices, and which field an error names.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.core.rules import FieldErrors
from app.courses.models import CourseTranslation
from app.extensions import db
from app.invoices import services
from app.invoices.models import DocumentKind, LineKind, PaymentMethod
from tests.factories import make_registration, make_user
from tests.invoices.conftest import FEES, NOW, award, issue


def pay(invoice, actor, amount, *, paid_on=None, reference="", now=NOW):
    return services.record_payment(
        invoice,
        amount=Decimal(amount),
        paid_on=paid_on or NOW.date(),
        method=PaymentMethod.BANK_TRANSFER,
        reference=reference,
        actor=actor,
        now=now,
    )


@contextmanager
def counting():
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    db.session.flush()
    db.session.expire_all()
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


# --- The course's title ---------------------------------------------------------------------


def test_the_course_title_is_in_the_participants_language_else_the_main_one(course, ana, organiser):
    course.translations.append(
        CourseTranslation(locale="fr", title="Gestion de la migration au niveau local", summary="")
    )
    db.session.flush()
    lucia = make_registration(
        course, make_user(name="Lucía Souza", email="lucia@example.org"), language="es"
    )

    assert issue(ana, organiser, "100").course_title == "Gestion de la migration au niveau local"
    # No Spanish title: the course's main language (English), not its slug.
    assert issue(lucia, organiser, "100").course_title == "Governing migration at the local level"


# --- Credit notes ---------------------------------------------------------------------------


def test_a_credit_note_copies_the_invoices_addressee_and_lines(ana, organiser):
    award(ana, organiser, amount=Decimal("600.00"), funder="IOM Development Fund")
    invoice = issue(ana, organiser, "3000.50")

    credit = services.cancel(invoice, "Billed to the wrong office", actor=organiser, now=NOW)

    copied = (
        "payer_kind",
        "billing_name",
        "billing_address",
        "billing_email",
        "billing_tax_id",
        "billing_reference",
    )
    assert {name: getattr(credit, name) for name in copied} == {
        name: getattr(invoice, name) for name in copied
    }
    assert credit.billing_address == "Rua do Bom Jesus 1\n50030-170 Recife\nBrésil"
    assert credit.due_on is None
    assert [(line.kind, line.detail, line.amount) for line in credit.lines] == [
        (LineKind.TUITION, "", Decimal("-2450.00")),
        (LineKind.SUBSISTENCE, "", Decimal("-1150.50")),
        (LineKind.FELLOWSHIP, "IOM Development Fund", Decimal("600.00")),
    ]


def test_credit_notes_are_numbered_one_after_the_other(ana, bruno, organiser, neighbour):
    first = services.cancel(issue(ana, organiser, "100"), "Wrong payer", actor=organiser, now=NOW)
    second = services.cancel(issue(bruno, organiser, "100"), "Duplicate", actor=organiser, now=NOW)

    assert first.series == second.series
    assert (first.year, first.number, second.number) == (2027, 1, 2)


def test_a_cancellation_without_a_reason_is_refused(ana, organiser):
    invoice = issue(ana, organiser, "100")

    with pytest.raises(FieldErrors) as refused:
        services.cancel(invoice, None, actor=organiser, now=NOW)  # type: ignore[arg-type]

    assert set(refused.value.errors) == {"reason"}
    assert invoice.credit_note is None


# --- Amounts under one unit -----------------------------------------------------------------


def test_fifty_cents_owed_are_invoiced(ana, organiser):
    award(ana, organiser, amount=FEES - Decimal("0.50"))

    invoice = issue(ana, organiser, "0.50")

    assert invoice.total == Decimal("0.50")


def test_the_last_fifty_cents_are_invoiced_after_the_rest(bruno, organiser):
    issue(bruno, organiser, str(FEES - Decimal("0.50")))

    last = issue(bruno, organiser, "0.50")

    assert last.total == Decimal("0.50")
    assert services.account(bruno).to_invoice == Decimal("0.00")


def test_nothing_to_invoice_names_the_participant(ana, organiser):
    award(ana, organiser)  # a full fellowship: Ana owes nothing

    with pytest.raises(services.NothingToInvoice) as refused:
        issue(ana, organiser, "1")

    assert str(refused.value) == "Ana Sousa owes nothing."


def test_a_credit_note_is_not_issued_directly(ana, organiser):
    with pytest.raises(ValueError, match="credit"):
        issue(ana, organiser, "1", kind=DocumentKind.CREDIT_NOTE)


# --- Lines ----------------------------------------------------------------------------------


def test_the_invoiced_line_lists_the_earlier_invoices(bruno, organiser, neighbour):
    first = issue(bruno, organiser, "1000")
    second = issue(bruno, organiser, "1000")

    rest = issue(bruno, organiser, "1600.50")

    invoiced = [line for line in rest.lines if line.kind == LineKind.INVOICED]
    assert [(line.detail, line.amount) for line in invoiced] == [
        (f"{first.number_text}, {second.number_text}", Decimal("-2000.00"))
    ]


def test_a_long_list_of_earlier_invoices_is_cut_to_the_column(bruno, organiser):
    for _ in range(25):
        issue(bruno, organiser, "10")

    rest = issue(bruno, organiser, "10")

    (invoiced,) = [line for line in rest.lines if line.kind == LineKind.INVOICED]
    assert len(invoiced.detail) == 300
    assert invoiced.detail.startswith("INV-2027-0001, INV-2027-0002, ")


# --- Payments -------------------------------------------------------------------------------


def test_a_payment_without_a_reference_keeps_none(bruno, organiser):
    invoice = issue(bruno, organiser, "100")

    assert pay(invoice, organiser, "10").reference == ""
    unnamed = services.record_payment(
        invoice,
        amount=Decimal("10"),
        paid_on=NOW.date(),
        method=PaymentMethod.CASH,
        actor=organiser,
        now=NOW,
    )
    assert unnamed.reference == ""
    assert pay(invoice, organiser, "10", reference=None).reference == ""  # type: ignore[arg-type]


def test_a_payment_to_an_invoice_paid_in_full_is_refused_on_the_amount(bruno, organiser):
    invoice = issue(bruno, organiser, "100")
    pay(invoice, organiser, "100")

    with pytest.raises(FieldErrors) as refused:
        pay(invoice, organiser, "1")

    assert refused.value.errors == {"amount": ["This invoice is paid in full."]}


def test_an_overpayment_is_refused_on_the_amount(bruno, organiser):
    invoice = issue(bruno, organiser, "100")
    pay(invoice, organiser, "60")

    with pytest.raises(FieldErrors) as refused:
        pay(invoice, organiser, "40.01")

    assert list(refused.value.errors) == ["amount"]
    assert refused.value.messages == ["This is more than the €40.00 still to pay on this invoice."]


def test_a_payment_dated_over_a_year_before_the_invoice_is_refused_on_its_date(bruno, organiser):
    invoice = issue(bruno, organiser, "100")
    year_before = invoice.issued_on - timedelta(days=services.PAYMENT_MAX_DAYS_BEFORE)

    with pytest.raises(FieldErrors) as refused:
        pay(invoice, organiser, "10", paid_on=year_before - timedelta(days=1))

    assert list(refused.value.errors) == ["paid_on"]
    assert pay(invoice, organiser, "10", paid_on=year_before).paid_on == year_before


# --- Lists and totals -----------------------------------------------------------------------


def test_lists_follow_the_time_of_issue_not_the_number(bruno, organiser):
    later = issue(bruno, organiser, "100", now=NOW + timedelta(days=3))
    earlier = issue(bruno, organiser, "100", now=NOW)  # typed in after, dated before

    assert [d.id for d in services.documents_of(bruno)] == [earlier.id, later.id]
    assert [d.id for d in services.course_documents(bruno.course)] == [later.id, earlier.id]


def test_totals_add_up_every_invoice(ana, bruno, organiser, neighbour):
    first = issue(ana, organiser, "1000")
    second = issue(bruno, organiser, "500")
    pay(first, organiser, "300")
    pay(second, organiser, "200")

    totals = services.totals(services.course_documents(ana.course))

    assert totals == services.Totals(
        invoiced=Decimal("1500.00"), paid=Decimal("500.00"), outstanding=Decimal("1000.00")
    )


def test_a_participants_documents_load_in_a_fixed_number_of_queries(ana, bruno, organiser):
    def read_all(registration) -> int:
        with counting() as statements:
            for document in services.account(registration).documents:
                _ = (list(document.lines), list(document.payments), document.credit_note)
        return len(statements)

    cancelled = issue(bruno, organiser, "100")
    pay(cancelled, organiser, "10")
    services.cancel(cancelled, "Wrong payer", actor=organiser, now=NOW)
    pay(issue(bruno, organiser, "100"), organiser, "10")
    one = read_all(bruno)
    for _ in range(3):
        pay(issue(bruno, organiser, "100"), organiser, "10")

    assert read_all(bruno) == one


def test_a_courses_documents_load_in_a_fixed_number_of_queries(
    ana, bruno, organiser, other_organiser
):
    def read_all(course) -> int:
        with counting() as statements:
            for document in services.course_documents(course):
                _ = (list(document.lines), document.credit_note, document.credits)
                _ = (document.issued_by.name, [p.recorded_by.name for p in document.payments])
        return len(statements)

    pay(issue(bruno, organiser, "100"), organiser, "10")
    services.cancel(issue(bruno, organiser, "100"), "Wrong payer", actor=organiser, now=NOW)
    one = read_all(bruno.course)
    # Documents issued, cancelled and paid by someone else as well: their names load too.
    by_other = issue(ana, other_organiser, "100")
    services.cancel(by_other, "Wrong payer", actor=other_organiser, now=NOW)
    pay(issue(ana, other_organiser, "100"), organiser, "10")

    assert read_all(bruno.course) == one
