"""Numbers without gaps or duplicates, even when organisers issue at the same second, each in
their own worker (thread, connection and transaction), on the real database (SQLite or
PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.extensions import db
from app.invoices import numbering, services
from app.invoices.models import DocumentKind, Invoice, InvoiceCounter
from app.registration.models import Registration
from tests.conftest import ON_POSTGRESQL
from tests.factories import make_registration, make_user
from tests.invoices.conftest import NOW, issue

# SQLite serialises whole transactions, each rendering its PDF for the mail while it holds the
# write lock: past its 5-second busy timeout on a loaded machine, a waiter would give up.
# PostgreSQL waits on the counter's row lock as long as it takes.
WORKERS = 12 if ON_POSTGRESQL else 6


def _issue_in_own_worker(
    app: Flask,
    registration_id: int,
    actor_id: int,
    amount: str,
    kind: DocumentKind,
    barrier: threading.Barrier,
    outcomes: list,
) -> None:
    with app.app_context():
        try:
            registration = db.session.get(Registration, registration_id)
            actor = db.session.get(User, actor_id)
            billing = services.default_billing(registration)
            db.session.commit()  # give the connection back while waiting
            barrier.wait(timeout=30)
            document = services.issue(
                registration,
                kind=kind,
                amount=Decimal(amount),
                billing=billing,
                actor=actor,
                now=NOW,
            )
            db.session.commit()
            outcomes.append(document.number)
        except services.NothingToInvoice:
            db.session.rollback()
            outcomes.append("nothing left")
        except Exception as exc:  # recorded and asserted on below
            db.session.rollback()
            outcomes.append(f"error: {type(exc).__name__}: {exc}")
        finally:
            db.session.remove()


def _run(app, jobs):
    barrier = threading.Barrier(len(jobs))
    outcomes: list = []
    threads = [
        threading.Thread(target=_issue_in_own_worker, args=(app, *job, barrier, outcomes))
        for job in jobs
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return outcomes


def test_invoices_issued_at_once_are_numbered_one_to_n(app, course, organiser, other_organiser):
    registrations = [
        make_registration(course, make_user(name=f"Participant {n}")) for n in range(WORKERS)
    ]
    db.session.commit()
    actors = [organiser.id, other_organiser.id]
    outcomes = _run(
        app,
        [
            (r.id, actors[i % 2], "100.00", DocumentKind.INVOICE)
            for i, r in enumerate(registrations)
        ],
    )
    assert sorted(outcomes) == list(range(1, WORKERS + 1)), outcomes
    db.session.expire_all()
    stored = db.session.execute(
        sa.select(Invoice.series, Invoice.year, Invoice.number).order_by(Invoice.number)
    ).all()
    assert stored == [("INV", 2027, n) for n in range(1, WORKERS + 1)]
    assert (
        db.session.scalar(
            sa.select(InvoiceCounter.last_number).where(InvoiceCounter.series == "INV")
        )
        == WORKERS
    )


def test_two_organisers_invoicing_one_participant_at_once_ask_once(
    app, bruno, organiser, other_organiser
):
    db.session.commit()
    outcomes = _run(
        app,
        [
            (bruno.id, organiser.id, "3600.50", DocumentKind.INVOICE),
            (bruno.id, other_organiser.id, "3600.50", DocumentKind.INVOICE),
        ],
    )
    assert Counter(outcomes) == {1: 1, "nothing left": 1}, outcomes
    db.session.expire_all()
    assert services.account(db.session.get(Registration, bruno.id)).invoiced == Decimal("3600.50")


def test_series_and_years_count_apart(bruno, organiser):
    assert issue(bruno, organiser, "1").number == 1
    assert issue(bruno, organiser, "1", kind=DocumentKind.PROFORMA).number == 1
    assert issue(bruno, organiser, "1").number == 2
    numbering.lock_counter("INV", 2031)
    assert numbering.take_number("INV", 2031) == 1
    assert numbering.take_number("INV", 2027) == 3


def test_the_database_refuses_a_duplicate_number(bruno, organiser):
    first = issue(bruno, organiser, "1")
    db.session.commit()
    twin = Invoice(
        registration_id=bruno.id,
        kind=DocumentKind.INVOICE,
        series=first.series,
        year=first.year,
        number=first.number,
        issued_on=first.issued_on,
        currency="EUR",
        total=Decimal("1"),
        language="en",
        participant_name="Bruno Sousa",
        course_title="x",
        payer_kind=first.payer_kind,
        billing_name="x",
    )
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
