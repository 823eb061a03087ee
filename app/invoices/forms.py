"""Forms of the Invoices tab: issuing a document, recording a payment, cancelling an invoice."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, Optional

from app.core.forms import PlainText, SensibleDate, one_line_break
from app.finance.models import PayerKind
from app.invoices.billing import Billing
from app.invoices.models import (
    BILLING_ADDRESS_MAX,
    BILLING_EMAIL_MAX,
    BILLING_NAME_MAX,
    BILLING_REFERENCE_MAX,
    BILLING_TAX_ID_MAX,
    PAYER_LABELS,
    PAYMENT_REFERENCE_MAX,
    REASON_MAX,
    DocumentKind,
    PaymentMethod,
)


class IssueForm(FlaskForm):
    kind = RadioField(
        _l("Document"),
        choices=[
            SelectChoice(DocumentKind.INVOICE.value, _l("Invoice")),
            SelectChoice(
                DocumentKind.PROFORMA.value, _l("Pro-forma invoice (a request for payment)")
            ),
        ],
        invalid_choice_message=_l("Choose the document."),
        default=DocumentKind.INVOICE.value,
        validators=[InputRequired(message=_l("Choose the document."))],
    )
    amount = StringField(
        _l("Amount"),
        validators=[InputRequired(message=_l("Enter an amount.")), Length(max=30)],
        description=_l("At most what is still to invoice; less leaves the rest for another one."),
        render_kw={"inputmode": "decimal", "maxlength": 30},
    )
    payer_kind = SelectField(
        _l("Who pays"),
        choices=[SelectChoice(kind.value, label) for kind, label in PAYER_LABELS.items()],
        validators=[InputRequired(message=_l("Choose who pays."))],
        invalid_choice_message=_l("Choose who pays from the list."),
    )
    billing_name = StringField(
        _l("Addressed to"),
        validators=[
            InputRequired(message=_l("Name who the invoice is addressed to.")),
            Length(max=BILLING_NAME_MAX),
            PlainText(),
        ],
        render_kw={"maxlength": BILLING_NAME_MAX, "autocomplete": "off"},
    )
    billing_address = TextAreaField(
        _l("Postal address"),
        validators=[Optional(), Length(max=BILLING_ADDRESS_MAX), PlainText(multiline=True)],
        filters=[one_line_break],
        render_kw={"maxlength": BILLING_ADDRESS_MAX, "rows": 4},
    )
    billing_email = StringField(
        _l("Email for the invoice"),
        validators=[
            Optional(),
            Length(max=BILLING_EMAIL_MAX),
            Email(message=_l("Enter a valid email address, such as name@example.org.")),
        ],
        description=_l("The invoice is mailed here; left empty, to the participant."),
        render_kw={"maxlength": BILLING_EMAIL_MAX, "autocomplete": "off"},
    )
    billing_tax_id = StringField(
        _l("Tax number (VAT)"),
        validators=[Optional(), Length(max=BILLING_TAX_ID_MAX), PlainText()],
        render_kw={"maxlength": BILLING_TAX_ID_MAX},
    )
    billing_reference = StringField(
        _l("Payer's reference (purchase order)"),
        validators=[Optional(), Length(max=BILLING_REFERENCE_MAX), PlainText()],
        render_kw={"maxlength": BILLING_REFERENCE_MAX},
    )
    submit = SubmitField(_l("Issue and mail it"))

    def billing(self) -> Billing:
        return Billing(
            payer_kind=PayerKind(self.payer_kind.data),
            name=self.billing_name.data or "",
            address=self.billing_address.data or "",
            email=self.billing_email.data or "",
            tax_id=self.billing_tax_id.data or "",
            reference=self.billing_reference.data or "",
        )


class PaymentForm(FlaskForm):
    amount = StringField(
        _l("Amount received"),
        validators=[InputRequired(message=_l("Enter an amount.")), Length(max=30)],
        render_kw={"inputmode": "decimal", "maxlength": 30},
    )
    paid_on = DateField(
        _l("Date received"),
        validators=[InputRequired(message=_l("Enter the date of the payment.")), SensibleDate()],
        description=_l("At the venue."),
    )
    method = SelectField(
        _l("Method"),
        choices=[SelectChoice(method.value, method.label) for method in PaymentMethod],
        validators=[InputRequired(message=_l("Choose how it was paid."))],
        invalid_choice_message=_l("Choose how it was paid from the list."),
    )
    reference = StringField(
        _l("Reference"),
        validators=[Optional(), Length(max=PAYMENT_REFERENCE_MAX), PlainText()],
        description=_l("The bank's transaction reference, a receipt number…"),
        render_kw={"maxlength": PAYMENT_REFERENCE_MAX},
    )
    submit = SubmitField(_l("Record the payment"))


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for cancelling"),
        validators=[
            InputRequired(message=_l("Say why the invoice is cancelled.")),
            Length(max=REASON_MAX),
            PlainText(multiline=True),
        ],
        filters=[one_line_break],
        description=_l("Printed on the credit note and mailed to the payer."),
        render_kw={"maxlength": REASON_MAX, "rows": 2},
    )
    submit = SubmitField(_l("Cancel with a credit note"))
