"""The billing details of a document: who pays and where the invoice goes. They default to
what the applicant gave on the application (app/finance's FinanceRequest), else the participant's
own name and email; the organiser may change them on the issue form."""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from app.core.rules import FieldErrors
from app.finance.models import PayerKind
from app.finance.services import request_of
from app.invoices.models import (
    BILLING_ADDRESS_MAX,
    BILLING_EMAIL_MAX,
    BILLING_NAME_MAX,
    BILLING_REFERENCE_MAX,
    BILLING_TAX_ID_MAX,
)
from app.registration.models import Registration

ADDRESS_MAX_LINES = 8


@dataclass
class Billing:
    payer_kind: PayerKind = PayerKind.PARTICIPANT
    name: str = ""
    address: str = ""
    email: str = ""
    tax_id: str = ""
    reference: str = ""


def default_billing(registration: Registration) -> Billing:
    """The billing details the applicant gave; the participant's own name and email where the
    application names nobody."""
    request = request_of(registration)
    if request is None:
        return Billing(name=registration.certificate_name, email=registration.email)
    return Billing(
        payer_kind=request.payer_kind,
        name=request.billing_name or registration.certificate_name,
        address=request.billing_address,
        email=request.billing_email or registration.email,
        tax_id=request.billing_tax_id,
        reference=request.billing_reference,
    )


def clean_billing(billing: Billing) -> Billing:
    """The details trimmed, or FieldErrors naming each field that is wrong."""
    errors: dict[str | None, list] = {}
    name = " ".join((billing.name or "").split())
    lines = [" ".join(line.split()) for line in (billing.address or "").splitlines()]
    address = "\n".join(line for line in lines if line)
    email = (billing.email or "").strip()
    tax_id = (billing.tax_id or "").strip()
    reference = (billing.reference or "").strip()
    if not isinstance(billing.payer_kind, PayerKind):
        errors["payer_kind"] = [_l("Choose who pays.")]
    if not name:
        errors["billing_name"] = [_l("Name who the invoice is addressed to.")]
    elif len(name) > BILLING_NAME_MAX:
        errors["billing_name"] = [_l("At most %(max)d characters.", max=BILLING_NAME_MAX)]
    if len(address) > BILLING_ADDRESS_MAX:
        errors["billing_address"] = [_l("At most %(max)d characters.", max=BILLING_ADDRESS_MAX)]
    elif address.count("\n") >= ADDRESS_MAX_LINES:
        errors["billing_address"] = [_l("At most %(max)d lines.", max=ADDRESS_MAX_LINES)]
    if email:
        if len(email) > BILLING_EMAIL_MAX:
            errors["billing_email"] = [_l("At most %(max)d characters.", max=BILLING_EMAIL_MAX)]
        else:
            try:
                validate_email(email, check_deliverability=False)
            except EmailNotValidError:
                errors["billing_email"] = [
                    _l("Enter a valid email address, such as name@example.org.")
                ]
    if len(tax_id) > BILLING_TAX_ID_MAX:
        errors["billing_tax_id"] = [_l("At most %(max)d characters.", max=BILLING_TAX_ID_MAX)]
    if len(reference) > BILLING_REFERENCE_MAX:
        errors["billing_reference"] = [_l("At most %(max)d characters.", max=BILLING_REFERENCE_MAX)]
    if errors:
        raise FieldErrors(errors)
    return Billing(billing.payer_kind, name, address, email, tax_id, reference)
