"""Demo data: fees on the open edition (when it has none yet), an invoice paid in part, one
addressed to an employer, and a pro-forma. Run once per course: nothing is added to a course
that has documents already."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from app.accounts.models import User
from app.core.timeutil import local_date
from app.courses.models import Course
from app.extensions import db
from app.finance.fees import fees_of, set_fees
from app.finance.models import PayerKind
from app.invoices import services
from app.invoices.models import DocumentKind, Invoice, PaymentMethod
from app.registration.models import Registration, RegistrationStatus


def seed_invoices(course: Course, organiser: User, *, now: datetime) -> bool:
    """Whether anything was added."""
    has_documents = db.session.scalar(
        sa.select(sa.exists().where(Invoice.registration_id == Registration.id)).where(
            Registration.course_id == course.id
        )
    )
    if has_documents:
        return False
    if fees_of(course) is None:
        set_fees(
            course,
            currency="EUR",
            tuition=Decimal("2450.00"),
            subsistence=Decimal("1150.00"),
            actor=organiser,
        )
    confirmed = list(
        db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.course_id == course.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            .order_by(Registration.id)
        )
    )
    if len(confirmed) < 3:
        return False
    first, second, third = confirmed[:3]
    issued = now - timedelta(days=2)
    invoice = services.issue(
        first,
        kind=DocumentKind.INVOICE,
        amount=services.account(first).to_invoice,
        billing=services.default_billing(first),
        actor=organiser,
        now=issued,
    )
    services.record_payment(
        invoice,
        amount=Decimal("1200.00"),
        paid_on=local_date(now, course.timezone),
        method=PaymentMethod.BANK_TRANSFER,
        reference="Transfer 2027/0412",
        actor=organiser,
        now=now,
    )
    services.issue(
        second,
        kind=DocumentKind.INVOICE,
        amount=services.account(second).to_invoice,
        billing=services.Billing(
            payer_kind=PayerKind.EMPLOYER,
            name="Kenya Diaspora Alliance",
            address="P.O. Box 00000\nNairobi\nKenya",
            email="accounts@kda.example.org",
            reference="PO-2027-118",
        ),
        actor=organiser,
        now=issued,
    )
    services.issue(
        third,
        kind=DocumentKind.PROFORMA,
        amount=services.account(third).to_invoice,
        billing=services.default_billing(third),
        actor=organiser,
        now=now,
    )
    return True
