"""What many participants owe, read in a fixed number of queries (for "My courses" and the
Invoices tab), and their documents.

``balances`` reads the fees, fellowships, cancellation rules and cancellations of all of them
at once instead of one by one, and reckons each with ``app.finance.services.balance_from``, as
``balance`` does (tests/invoices/test_dues.py holds them side by side).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.finance.models import CancellationRule, CourseFees, Fellowship
from app.finance.services import NO_FEES, Balance, balance_from
from app.invoices.models import Invoice
from app.invoices.services import Account
from app.registration.models import Registration, RegistrationEvent, RegistrationStatus


def balances(registrations: Sequence[Registration]) -> dict[int, Balance]:
    if not registrations:
        return {}
    ids = [r.id for r in registrations]
    course_ids = {r.course_id for r in registrations}
    fees = {
        f.course_id: f
        for f in db.session.scalars(
            sa.select(CourseFees).where(CourseFees.course_id.in_(course_ids))
        )
    }
    charged = [r for r in registrations if r.course_id in fees]
    if not charged:
        return {r.id: NO_FEES for r in registrations}
    fellowships = {
        f.registration_id: f
        for f in db.session.scalars(
            sa.select(Fellowship)
            .where(Fellowship.registration_id.in_(ids))
            .options(joinedload(Fellowship.fund))
        )
    }
    rules: dict[int, list[CancellationRule]] = defaultdict(list)
    for rule in db.session.scalars(
        sa.select(CancellationRule)
        .where(CancellationRule.course_id.in_(course_ids))
        .order_by(CancellationRule.days_before.desc())
    ):
        rules[rule.course_id].append(rule)
    cancelled_ids = [r.id for r in charged if r.status == RegistrationStatus.CANCELLED]
    cancelled_at = {}
    if cancelled_ids:
        latest = (
            sa.select(sa.func.max(RegistrationEvent.id))
            .where(
                RegistrationEvent.registration_id.in_(cancelled_ids),
                RegistrationEvent.to_status == RegistrationStatus.CANCELLED,
                RegistrationEvent.from_status == RegistrationStatus.CONFIRMED,
            )
            .group_by(RegistrationEvent.registration_id)
        )
        cancelled_at = dict(
            db.session.execute(
                sa.select(RegistrationEvent.registration_id, RegistrationEvent.created_at).where(
                    RegistrationEvent.id.in_(latest)
                )
            ).all()
        )
    result: dict[int, Balance] = {}
    for registration in registrations:
        course_fees = fees.get(registration.course_id)
        result[registration.id] = (
            NO_FEES
            if course_fees is None
            else balance_from(
                registration,
                course_fees,
                fellowships.get(registration.id),
                cancelled_at.get(registration.id),
                rules[registration.course_id],
            )
        )
    return result


def documents_by_registration(ids: Sequence[int]) -> dict[int, list[Invoice]]:
    found: dict[int, list[Invoice]] = defaultdict(list)
    if not ids:
        return found
    for document in db.session.scalars(
        sa.select(Invoice)
        .where(Invoice.registration_id.in_(ids))
        .options(selectinload(Invoice.payments), selectinload(Invoice.credit_note))
        .order_by(Invoice.issued_at, Invoice.id)
    ):
        found[document.registration_id].append(document)
    return found


def accounts(registrations: Sequence[Registration]) -> dict[int, Account]:
    """Each registration's account (balance and documents), in a fixed number of queries."""
    owed = balances(registrations)
    documents = documents_by_registration([r.id for r in registrations])
    return {r.id: Account(owed[r.id], documents.get(r.id, [])) for r in registrations}
