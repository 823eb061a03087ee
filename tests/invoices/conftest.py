"""Two courses with fees, each busy; participants with similar names, one writing in French."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.accounts.models import Role
from app.extensions import db
from app.finance import fees as fee_rules
from app.finance import fellowships
from app.finance.models import FellowshipKind, FinanceRequest, PayerKind
from app.invoices import services
from app.invoices.models import DocumentKind
from app.registration.models import RegistrationEvent
from app.registration.models import RegistrationStatus as S
from tests.factories import make_course, make_registration, make_user, make_venue

MONDAY = date(2027, 11, 22)
# Tuesday 12 October 2027, 10:00 in Turin (CEST): 41 days before the start.
NOW = datetime(2027, 10, 12, 8, 0, tzinfo=UTC)
FEES = Decimal("3600.50")


@pytest.fixture
def organiser():
    return make_user(Role.ORGANISER, name="Olga Organiser", email="olga@example.org")


@pytest.fixture
def other_organiser():
    return make_user(Role.ORGANISER, name="Omar Organiser", email="omar@example.org")


@pytest.fixture
def course(organiser):
    course = make_course(
        slug="governing-2027",
        start=MONDAY,
        venue=make_venue("Europe/Rome"),
        organisers=(organiser,),
    )
    fee_rules.set_fees(
        course,
        currency="EUR",
        tuition=Decimal("2450.00"),
        subsistence=Decimal("1150.50"),
        actor=organiser,
    )
    fee_rules.set_cancellation_policy(course, [(30, 50), (7, 100)], actor=organiser)
    return course


@pytest.fixture
def neighbour(other_organiser):
    """Another course, busy with its own participant and invoice."""
    other = make_course(slug="mainstreaming-2027", start=MONDAY, organisers=(other_organiser,))
    fee_rules.set_fees(
        other,
        currency="USD",
        tuition=Decimal("999.99"),
        subsistence=Decimal("0"),
        actor=other_organiser,
    )
    souza = make_registration(other, make_user(name="Ana Souza", email="souza@example.org"))
    services.issue(
        souza,
        kind=DocumentKind.INVOICE,
        amount=Decimal("999.99"),
        billing=services.default_billing(souza),
        actor=other_organiser,
        now=NOW,
    )
    return other


@pytest.fixture
def ana(course):
    """Ana Sousa, confirmed, writes in Portuguese-less French; her employer pays."""
    user = make_user(name="Ana Sousa", email="ana@example.org", locale="fr")
    registration = make_registration(course, user, language="fr")
    db.session.add(
        FinanceRequest(
            registration_id=registration.id,
            payer_kind=PayerKind.EMPLOYER,
            billing_name="Municipalité de Recife",
            billing_address="Rua do Bom Jesus 1\n50030-170 Recife\nBrésil",
            billing_email="compta@recife.example.org",
            billing_tax_id="BR-123",
            billing_reference="PO 77/2027",
        )
    )
    db.session.flush()
    return registration


@pytest.fixture
def bruno(course):
    """Bruno Sousa, confirmed, English, no billing details: he pays himself."""
    return make_registration(
        course, make_user(name="Bruno Sousa", email="bruno@example.org"), language="en"
    )


def award(registration, organiser, amount=None, funder="IOM"):
    fund = fellowships.save_fund(
        registration.course,
        funder=funder,
        full_count=None,
        partial_count=None,
        budget=None,
        actor=organiser,
    )
    kind = FellowshipKind.FULL if amount is None else FellowshipKind.PARTIAL
    return fellowships.award(registration, fund, kind, amount=amount, actor=organiser)


def cancel_at(registration, when, from_status=S.CONFIRMED):
    registration.status = S.CANCELLED
    db.session.add(
        RegistrationEvent(
            registration=registration,
            action="cancelled",
            from_status=from_status,
            to_status=S.CANCELLED,
            created_at=when,
        )
    )
    db.session.flush()


def issue(registration, actor, amount, *, kind=DocumentKind.INVOICE, now=NOW, billing=None):
    return services.issue(
        registration,
        kind=kind,
        amount=Decimal(amount),
        billing=billing or services.default_billing(registration),
        actor=actor,
        now=now,
    )
