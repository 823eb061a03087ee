"""Document numbers: sequential without gaps per series and per year, as pretix takes them.

Each (series, year) has a counter row. A number is taken by locking that row (PostgreSQL:
SELECT … FOR UPDATE; SQLite, which has no row locks: a no-op UPDATE that takes the database's
write lock at once, as ``lock_seats`` does), reading the last number and writing the next, in
the transaction that inserts the document. Whoever comes second waits for the first to commit
or roll back, then reads the counter as it was left: a rolled-back issue leaves no gap, and two
issues at once never get the same number (the unique constraint on (series, year, number)
would refuse it anyway).

The series, with ``INVOICE_PREFIX`` = "INV": invoices ``INV``, pro-formas ``INV-PF``, credit
notes ``INV-CN``; a number reads ``INV-2027-0001``. The year is that of the issue date (at the
venue). Changing the prefix starts new series.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.followup.submissions import insert_or_ignore
from app.invoices.models import DocumentKind, InvoiceCounter

SUFFIXES = {
    DocumentKind.INVOICE: "",
    DocumentKind.PROFORMA: "-PF",
    DocumentKind.CREDIT_NOTE: "-CN",
}


def series_for(kind: DocumentKind, prefix: str | None = None) -> str:
    if prefix is None:
        prefix = current_app.config["INVOICE_PREFIX"]
    return f"{prefix}{SUFFIXES[kind]}"


def lock_counter(series: str, year: int) -> None:
    """Hold the counter of ``series`` for ``year`` until the transaction ends (creating it at
    zero on first use: when two create it at once, the database keeps one)."""
    insert_or_ignore(InvoiceCounter, series=series, year=year, last_number=0)
    where = (InvoiceCounter.series == series, InvoiceCounter.year == year)
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            sa.update(InvoiceCounter).where(*where).values(last_number=InvoiceCounter.last_number)
        )
    else:
        db.session.execute(sa.select(InvoiceCounter.id).where(*where).with_for_update())


def take_number(series: str, year: int) -> int:
    """The next number of ``series`` in ``year``; call ``lock_counter`` first, in the same
    transaction."""
    where = (InvoiceCounter.series == series, InvoiceCounter.year == year)
    last = db.session.scalar(sa.select(InvoiceCounter.last_number).where(*where))
    number = (last or 0) + 1
    db.session.execute(
        sa.update(InvoiceCounter)
        .where(*where)
        .values(last_number=number)
        .execution_options(synchronize_session=False)
    )
    return number
