"""Money paid beyond what is due after a cancellation is owed back, and every page that shows
the participant's money says so: their "My courses", the desk page and the Invoices tab."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.extensions import db
from app.invoices import services
from app.invoices.models import PaymentMethod
from tests.conftest import login
from tests.invoices.conftest import NOW, cancel_at, issue

# The course starts on Monday 22 November 2027; its policy: 50 % from 30 days before, 100 %
# from 7 days before, nothing before that.
TWENTY_ONE_DAYS_BEFORE = datetime(2027, 11, 1, 9, 0, tzinfo=UTC)
FORTY_DAYS_BEFORE = datetime(2027, 10, 13, 9, 0, tzinfo=UTC)
THREE_DAYS_BEFORE = datetime(2027, 11, 19, 9, 0, tzinfo=UTC)


def paid(registration, organiser, amount):
    invoice = issue(registration, organiser, "3600.50", now=NOW)
    services.record_payment(
        invoice,
        amount=Decimal(amount),
        paid_on=NOW.date(),
        method=PaymentMethod.BANK_TRANSFER,
        reference="TRX-9",
        actor=organiser,
        now=NOW,
    )
    return invoice


@pytest.mark.parametrize(
    ("payment", "cancelled", "refund"),
    [
        ("3600.50", TWENTY_ONE_DAYS_BEFORE, "1800.25"),  # half is due, half comes back
        ("1800.25", TWENTY_ONE_DAYS_BEFORE, "0.00"),  # paid exactly the half now due
        ("1800.26", TWENTY_ONE_DAYS_BEFORE, "0.01"),  # one cent over
        ("1800.24", TWENTY_ONE_DAYS_BEFORE, "0.00"),  # one cent short: still owes it
        ("3600.50", FORTY_DAYS_BEFORE, "3600.50"),  # before any rule: all of it back
        ("3600.50", THREE_DAYS_BEFORE, "0.00"),  # the whole fee is due
        ("3600.50", None, "0.00"),  # not cancelled
    ],
)
def test_what_is_owed_back(bruno, organiser, neighbour, payment, cancelled, refund):
    paid(bruno, organiser, payment)
    if cancelled is not None:
        cancel_at(bruno, cancelled)
    account = services.account(bruno)
    assert account.to_refund == Decimal(refund)
    # Never both: a participant who is owed money owes none.
    assert account.still_due == 0 or account.to_refund == 0


def test_the_participant_the_desk_and_the_tab_say_a_refund_is_due(
    client, bruno, ana, organiser, neighbour
):
    paid(bruno, organiser, "3600.50")
    paid(ana, organiser, "3600.50")  # Ana stays: nothing to refund to her
    cancel_at(bruno, TWENTY_ONE_DAYS_BEFORE)
    db.session.commit()

    login(client, bruno.user)
    mine = client.get("/my/courses").get_data(as_text=True)
    assert "Due: €1,800.25. Paid: €3,600.50. Still to pay: €0.00." in mine
    assert (
        "You have paid €1,800.25 more than is now due: the organisers will refund it to the payer."
        in mine
    )
    login(client, ana.user)
    assert "more than is now due" not in client.get("/my/courses").get_data(as_text=True)

    login(client, organiser)
    desk = client.get(f"/courses/governing-2027/participants/{bruno.id}").get_data(as_text=True)
    assert "Paid €1,800.25 more than is now due: to be refunded to the payer." in desk
    desk = client.get(f"/courses/governing-2027/participants/{ana.id}").get_data(as_text=True)
    assert "more than is now due" not in desk
    tab = client.get("/courses/governing-2027/invoices").get_data(as_text=True)
    assert tab.count("To refund: €1,800.25") == 1
    assert tab.count("To refund:") == 1
