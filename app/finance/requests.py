"""What an application asks about money: a fellowship (and why), and to whom the invoice for
the rest goes. The participant corrects the billing details later from "My courses"."""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.core.rules import FieldErrors
from app.extensions import db
from app.finance.fees import fees_of
from app.finance.models import FinanceRequest, PayerKind
from app.finance.services import OPEN_STATUSES, balance, request_of
from app.registration.models import Registration, RegistrationEvent

JUSTIFICATION_MAX = 2000
BILLING_LIMITS = {
    "billing_name": 200,
    "billing_address": 1000,
    "billing_email": 254,
    "billing_tax_id": 50,
    "billing_reference": 100,
}
# Who is invoiced must be named, with an address, unless it is the participant.
NEEDED_FOR_OTHERS = {
    "billing_name": _l("Name the organisation that pays."),
    "billing_address": _l("Enter the address for the invoice."),
}


@dataclass(frozen=True)
class BillingDetails:
    payer_kind: PayerKind
    billing_name: str = ""
    billing_address: str = ""
    billing_email: str = ""
    billing_tax_id: str = ""
    billing_reference: str = ""


def _check_billing(details: BillingDetails) -> dict[str, str]:
    """The details cleaned (spaces trimmed, lines of the address kept), or FieldErrors."""
    values = {
        name: (getattr(details, name) or "").strip().replace("\r\n", "\n")
        for name in BILLING_LIMITS
    }
    errors: dict[str | None, list] = {}
    for name, limit in BILLING_LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = [_l("Use at most %(max)d characters.", max=limit)]
    if details.payer_kind != PayerKind.PARTICIPANT:
        for name, message in NEEDED_FOR_OTHERS.items():
            if not values[name]:
                errors.setdefault(name, [message])
    email = values["billing_email"]
    if email and "billing_email" not in errors and not _is_email(email):
        errors["billing_email"] = [_l("Enter a valid email address, such as name@example.org.")]
    if errors:
        raise FieldErrors(errors)
    return values


def _is_email(text: str) -> bool:
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def save_request(
    registration: Registration,
    *,
    wants_fellowship: bool,
    justification: str,
    billing: BillingDetails,
    actor: User,
) -> FinanceRequest:
    """Keep what the application asked for: a fellowship (with why: required, at most
    JUSTIFICATION_MAX characters) and who is invoiced for the rest."""
    justification = (justification or "").strip().replace("\r\n", "\n") if wants_fellowship else ""
    errors: dict[str | None, list] = {}
    if wants_fellowship and not justification:
        errors["justification"] = [_l("Tell us why you need a fellowship.")]
    if len(justification) > JUSTIFICATION_MAX:
        errors["justification"] = [_l("Use at most %(max)d characters.", max=JUSTIFICATION_MAX)]
    try:
        values = _check_billing(billing)
    except FieldErrors as exc:
        errors.update(exc.errors)
    if errors:
        raise FieldErrors(errors)
    request = request_of(registration)
    if request is None:
        request = FinanceRequest(registration_id=registration.id)
        db.session.add(request)
    request.wants_fellowship = wants_fellowship
    request.justification = justification
    request.payer_kind = billing.payer_kind
    for name, value in values.items():
        setattr(request, name, value)
    db.session.flush()
    return request


class BillingLocked(Exception):
    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


def update_request(
    registration: Registration, billing: BillingDetails, *, actor: User
) -> FinanceRequest:
    """The participant corrects who is invoiced (from "My courses"); recorded in the history.
    Not for a cancelled or refused application, unless a late cancellation still owes the
    policy's share. (Once invoiced, app.invoices refuses it.)"""
    if registration.status not in OPEN_STATUSES and not balance(registration).due:
        raise BillingLocked(_l("The billing details of a closed application cannot change."))
    if fees_of(registration.course) is None:
        raise BillingLocked(_l("The course has no fees: there is nothing to invoice."))
    values = _check_billing(billing)
    request = request_of(registration)
    if request is None:
        request = FinanceRequest(registration_id=registration.id)
        db.session.add(request)
    request.payer_kind = billing.payer_kind
    for name, value in values.items():
        setattr(request, name, value)
    db.session.add(
        RegistrationEvent(
            registration_id=registration.id,
            actor_id=actor.id,
            action="billing_updated",
            from_status=registration.status,
            to_status=registration.status,
            note=f"{billing.payer_kind.value}: {values['billing_name']}",
        )
    )
    db.session.flush()
    return request
