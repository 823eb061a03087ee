"""``dues.balances`` reads many participants at once and must agree with
``app.finance.services.balance`` for each of them; "My courses" stays at a fixed number of
queries however many courses with fees and invoices one has."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa

from app.accounts.models import User
from app.courses.models import Course
from app.extensions import db
from app.finance import fees as fee_rules
from app.finance.services import NO_FEES, balance
from app.invoices import dues, services
from app.invoices.models import PaymentMethod
from app.registration.models import RegistrationStatus as S
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.invoices.conftest import MONDAY, NOW, award, cancel_at, issue


def test_many_at_once_agree_with_one_by_one(course, neighbour, organiser, ana, bruno):
    carla = make_registration(course, make_user(name="Carla Souza"))
    award(carla, organiser)  # full
    dora = make_registration(course, make_user(name="Dora Sousa"))
    award(dora, organiser, Decimal("100.10"), funder="EU")
    late = make_registration(course, make_user(name="Eva Late"))
    cancel_at(late, datetime(2027, 11, 19, 9, 0, tzinfo=UTC))  # 3 days before: 100 %
    middle = make_registration(course, make_user(name="Fay Middle"))
    cancel_at(middle, datetime(2027, 11, 1, 9, 0, tzinfo=UTC))  # 21 days before: 50 %
    early = make_registration(course, make_user(name="Gil Early"))
    cancel_at(early, datetime(2027, 9, 1, 9, 0, tzinfo=UTC))  # before any rule: 0 %
    partial_late = make_registration(course, make_user(name="Hana Late"))
    award(partial_late, organiser, Decimal("0.01"), funder="UNDP")
    cancel_at(partial_late, datetime(2027, 11, 1, 9, 0, tzinfo=UTC))
    waiting = make_registration(course, make_user(name="Ivo Waits"), status=S.WAITLISTED)
    # An application withdrawn 3 days before held no seat: nothing is due for it.
    withdrawn = make_registration(course, make_user(name="Kim Withdrew"), status=S.SUBMITTED)
    cancel_at(withdrawn, datetime(2027, 11, 19, 9, 0, tzinfo=UTC), from_status=S.SUBMITTED)
    free = make_registration(make_course(slug="free-webinar"), make_user(name="Jo Free"))
    others = list(neighbour.registrations) if hasattr(neighbour, "registrations") else []
    everyone = [
        *(ana, bruno, carla, dora, late, middle, early, partial_late, waiting, withdrawn, free),
        *others,
    ]
    batched = dues.balances(everyone)
    for registration in everyone:
        assert batched[registration.id] == balance(registration), registration.certificate_name
    assert batched[free.id] == NO_FEES
    assert batched[partial_late.id].due == Decimal("1800.25")  # (3600.50 - 0.01) / 2, rounded
    assert batched[middle.id].cancellation_percent == 50
    assert batched[early.id].cancellation_percent == 0
    assert (batched[withdrawn.id].due, batched[withdrawn.id].cancellation_percent) == (0, None)
    assert batched[late.id].due == Decimal("3600.50")
    assert dues.balances([]) == {}
    assert dues.balances([free]) == {free.id: NO_FEES}


def test_accounts_carry_the_documents(bruno, organiser, ana):
    invoice = issue(bruno, organiser, "1000")
    services.record_payment(
        invoice,
        amount=Decimal("10"),
        paid_on=NOW.date(),
        method=PaymentMethod.CASH,
        actor=organiser,
        now=NOW,
    )
    found = dues.accounts([bruno, ana])
    assert [d.number_text for d in found[bruno.id].documents] == [invoice.number_text]
    assert found[bruno.id].paid == Decimal("10") and found[ana.id].documents == []
    assert found[bruno.id].to_invoice == services.account(bruno).to_invoice


MONEY_TABLES = r"FROM (invoice|invoice_payment|course_fees|fellowship|cancellation_rule)\b"


def test_my_courses_reads_money_in_the_same_queries_for_one_course_or_four(client, organiser):
    from tests.courses.test_query_counts import count_queries

    user = make_user(name="Kim Many")

    def course_with_invoice(n):
        nonlocal user, organiser
        course = make_course(slug=f"paid-{n}", start=MONDAY, venue=make_venue("Europe/Rome"))
        fee_rules.set_fees(
            course,
            currency="EUR",
            tuition=Decimal("100"),
            subsistence=Decimal("0"),
            actor=organiser,
        )
        registration = make_registration(course, user)
        invoice = issue(registration, organiser, "60")
        services.record_payment(
            invoice,
            amount=Decimal("10"),
            paid_on=NOW.date(),
            method=PaymentMethod.CASH,
            actor=organiser,
            now=NOW,
        )
        return registration

    def count() -> int:
        client.get("/my/courses")
        with count_queries() as statements:
            page = client.get("/my/courses")
            assert page.status_code == 200
        assert "Still to pay: €90.00." in page.get_data(as_text=True)
        # The page's other parts make queries per confirmed course of their own (evaluation,
        # follow-up, attendance): count the ones that read money.
        return len([s for s in statements if re.search(MONEY_TABLES, s)])

    course_with_invoice(0)
    db.session.commit()
    login(client, user)
    user_id, organiser_id = user.id, organiser.id
    one = count()
    user, organiser = db.session.get(User, user_id), db.session.get(User, organiser_id)
    for n in range(1, 4):
        course_with_invoice(n)
    db.session.commit()
    # Fees, fellowships, rules, documents, payments, credit notes; and the rules again for what
    # cancelling today would cost (app.finance.services.for_my_courses).
    assert count() == one == 7


def test_the_invoices_tab_makes_the_same_queries_for_one_participant_or_four(
    client, course, organiser
):
    from tests.courses.test_query_counts import count_queries

    def participant_with_invoice(n):
        nonlocal course, organiser
        registration = make_registration(course, make_user(name=f"Participant {n}"))
        invoice = issue(registration, organiser, "1000")
        services.record_payment(
            invoice,
            amount=Decimal("10"),
            paid_on=NOW.date(),
            method=PaymentMethod.CASH,
            actor=organiser,
            now=NOW,
        )
        late = make_registration(course, make_user(name=f"Late {n}"))
        cancel_at(late, datetime(2027, 11, 19, 9, 0, tzinfo=UTC))

    def count() -> int:
        url = "/courses/governing-2027/invoices"
        client.get(url)
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    participant_with_invoice(0)
    db.session.commit()
    login(client, organiser)
    slug, organiser_id = course.slug, organiser.id
    one = count()
    course = db.session.scalar(sa.select(Course).where(Course.slug == slug))
    organiser = db.session.get(User, organiser_id)
    for n in range(1, 4):
        participant_with_invoice(n)
    db.session.commit()
    assert count() == one
