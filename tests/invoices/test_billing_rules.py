"""The billing details an invoice is addressed with: what is trimmed, what is refused, and the
lengths at their limits."""

from __future__ import annotations

import pytest

from app.core.rules import FieldErrors
from app.finance.models import PayerKind
from app.invoices.billing import Billing, clean_billing
from app.invoices.models import BILLING_ADDRESS_MAX, BILLING_EMAIL_MAX


def errors(billing: Billing) -> dict[str | None, list[str]]:
    with pytest.raises(FieldErrors) as caught:
        clean_billing(billing)
    return {field: [str(m) for m in found] for field, found in caught.value.errors.items()}


def test_missing_values_are_empty_not_made_up(app):
    assert errors(Billing(PayerKind.EMPLOYER, None, None, None, None, None)) == {
        "billing_name": ["Name who the invoice is addressed to."]
    }
    kept = clean_billing(Billing(PayerKind.EMPLOYER, "  City of  Quito ", None, None, None, None))
    assert kept == Billing(PayerKind.EMPLOYER, "City of Quito", "", "", "", "")


def test_an_address_and_an_email_at_their_longest_are_kept(app):
    # Eight lines at most: the longest address within them.
    address = "\n".join(["y" * 124] * 8)
    address = address + "z" * (BILLING_ADDRESS_MAX - len(address))
    assert len(address) == BILLING_ADDRESS_MAX
    local = "a" * 64
    domain_part = "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".org"
    email = f"{local}@{domain_part}"
    assert len(email) == BILLING_EMAIL_MAX
    kept = clean_billing(Billing(PayerKind.SPONSOR, "IOM", address, email, "", "PO-7"))
    assert (kept.address, kept.email, kept.reference) == (address, email, "PO-7")
    assert errors(Billing(PayerKind.SPONSOR, "IOM", address + "z", "", "", "")) == {
        "billing_address": [f"At most {BILLING_ADDRESS_MAX} characters."]
    }
    assert errors(Billing(PayerKind.SPONSOR, "IOM", "", "e" + email, "", "")) == {
        "billing_email": [f"At most {BILLING_EMAIL_MAX} characters."]
    }
