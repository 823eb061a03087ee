"""Forms of fees, the cancellation policy, funders' allocations, awards, and the application's
fellowship request and billing details.

Amounts are typed as text and read by :func:`app.finance.money.parse_amount` in the services'
callers, so that "1 250,50" and "1,250.50" both work and every refusal says why."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from app.core.forms import PlainText
from app.core.rules import FieldErrors
from app.finance.fees import MAX_DAYS_BEFORE
from app.finance.fellowships import MAX_COUNT
from app.finance.models import FUNDER_MAX_LENGTH, FellowshipKind, PayerKind
from app.finance.money import currency_codes, currency_name, decimals
from app.finance.requests import (
    BILLING_LIMITS,
    JUSTIFICATION_MAX,
    NEEDED_FOR_OTHERS,
    BillingDetails,
)
from app.registration.models import Funding

AMOUNT_MAX_LENGTH = 20


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _strip_text(value: str | None) -> str | None:
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _max(n: int) -> Length:
    return Length(max=n, message=_l("Use at most %(max)d characters."))


def _amount(label: Any, **kwargs: Any) -> StringField:
    return StringField(
        label,
        filters=[_strip],
        validators=[_max(AMOUNT_MAX_LENGTH), PlainText()],
        render_kw={"inputmode": "decimal", "autocomplete": "off", "class": "amount"},
        **kwargs,
    )


def amount_text(amount: Any, currency: str) -> str:
    """An amount as the form shows it back: plain digits, the currency's decimals."""
    if amount is None:
        return ""
    return f"{amount:.{decimals(currency)}f}"


def add_field_errors(form: FlaskForm, exc: FieldErrors) -> None:
    """Put a rule's messages beside their fields (or above the form)."""
    for name, messages in exc.errors.items():
        target = form._fields.get(name) if name else None
        if target is None:
            form.form_errors.extend(messages)
        else:
            target.errors = [*target.errors, *messages]


# ---------------------------------------------------------------------------
# Organisers: fees and policy


class FeesForm(FlaskForm):
    currency = SelectField(
        _l("Currency"),
        validators=[InputRequired(message=_l("Choose a currency."))],
        invalid_choice_message=_l("Choose a currency from the list."),
    )
    tuition = _amount(
        _l("Tuition fee"),
        description=_l("Per participant, e.g. 2450.00. Leave both at 0 for a free course."),
    )
    subsistence = _amount(
        _l("Subsistence"),
        description=_l("Accommodation and meals per participant; 0 if not charged."),
    )
    submit = SubmitField(_l("Save the fees"))

    def __init__(self, *args: Any, locale: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency.choices = [
            SelectChoice("", _("Choose a currency")),
            *sorted(
                (
                    SelectChoice(code, f"{currency_name(code, locale)} ({code})")
                    for code in currency_codes()
                ),
                key=lambda c: c.label.casefold(),
            ),
        ]


class RuleRow(FlaskForm):
    class Meta:
        csrf = False

    days_before = IntegerField(
        _l("Days before the start"),
        validators=[
            Optional(),
            NumberRange(
                min=0,
                max=MAX_DAYS_BEFORE,
                message=_l("Between %(min)s and %(max)s days."),
            ),
        ],
        render_kw={"inputmode": "numeric", "min": 0, "max": MAX_DAYS_BEFORE},
    )
    percent = IntegerField(
        _l("Share of the fees due (%)"),
        validators=[
            Optional(),
            NumberRange(min=0, max=100, message=_l("Between %(min)s and %(max)s %%.")),
        ],
        render_kw={"inputmode": "numeric", "min": 0, "max": 100},
    )


class PolicyForm(FlaskForm):
    rules = FieldList(FormField(RuleRow), label=_l("Rules"), min_entries=1, max_entries=12)
    add_row = SubmitField(_l("Add a rule"))
    submit = SubmitField(_l("Save the policy"))

    def pairs(self) -> list[tuple[int, int]]:
        """The filled rows; a row with only one of its numbers is marked in error."""
        pairs = []
        for entry in self.rules:
            days, percent = entry.form.days_before.data, entry.form.percent.data
            if days is None and percent is None:
                continue
            if days is None:
                entry.form.days_before.errors = [_l("Enter the number of days.")]
            elif percent is None:
                entry.form.percent.errors = [_l("Enter the share due.")]
            else:
                pairs.append((days, percent))
        return pairs

    def has_row_errors(self) -> bool:
        return any(e.form.days_before.errors or e.form.percent.errors for e in self.rules)


# ---------------------------------------------------------------------------
# Organisers: funders and awards


def _count(label: Any) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_COUNT, message=_l("Between %(min)s and %(max)s.")),
        ],
        render_kw={"inputmode": "numeric", "min": 0, "max": MAX_COUNT},
    )


class FundForm(FlaskForm):
    funder = StringField(
        _l("Funder"),
        filters=[_strip],
        validators=[
            InputRequired(message=_l("Name the funder.")),
            _max(FUNDER_MAX_LENGTH),
            PlainText(),
        ],
        description=_l("The course's funding partners are suggested."),
        render_kw={"list": "funders", "maxlength": FUNDER_MAX_LENGTH, "autocomplete": "off"},
    )
    full_count = _count(_l("Full fellowships"))
    partial_count = _count(_l("Partial fellowships"))
    budget = _amount(_l("Budget"), description=_l("Empty: no limit of that kind."))
    submit = SubmitField(_l("Save the allocation"))


class AwardForm(FlaskForm):
    fund = SelectField(
        _l("Funder"),
        coerce=int,
        validators=[InputRequired(message=_l("Choose a funder."))],
        invalid_choice_message=_l("Choose a funder from the list."),
    )
    kind = RadioField(
        _l("Fellowship"),
        choices=[SelectChoice(k.value, k.label) for k in FellowshipKind],
        default=FellowshipKind.FULL.value,
        validators=[InputRequired(message=_l("Choose full or partial."))],
        invalid_choice_message=_l("Choose full or partial."),
    )
    amount = _amount(_l("Amount covered (partial)"))
    submit = SubmitField(_l("Award"))


# ---------------------------------------------------------------------------
# Applicants and participants


def _billing_line(label: Any, name: str, **kwargs: Any) -> StringField:
    limit = BILLING_LIMITS[name]
    return StringField(
        label,
        filters=[_strip],
        validators=[_max(limit), PlainText()],
        render_kw={"maxlength": limit, **kwargs.pop("render_kw", {})},
        **kwargs,
    )


class BillingFields:
    """Who is invoiced for what the fellowship does not cover."""

    payer_kind = RadioField(
        _l("Who pays the fees?"),
        choices=[SelectChoice(k.value, k.label) for k in PayerKind],
        default=PayerKind.PARTICIPANT.value,
        validators=[InputRequired(message=_l("Tell us who pays the fees."))],
        invalid_choice_message=_l("Choose one of the options."),
    )
    billing_name = _billing_line(
        _l("Invoice to (organisation)"),
        "billing_name",
        description=_l("Required when your employer or a sponsor pays."),
        render_kw={"autocomplete": "organization"},
    )
    billing_address = TextAreaField(
        _l("Invoice address"),
        filters=[_strip_text],
        validators=[_max(BILLING_LIMITS["billing_address"]), PlainText(multiline=True)],
        description=_l("Required when your employer or a sponsor pays."),
        render_kw={"rows": 3, "maxlength": BILLING_LIMITS["billing_address"]},
    )
    billing_email = EmailField(
        _l("Email for the invoice"),
        filters=[_strip],
        validators=[_max(BILLING_LIMITS["billing_email"])],
        description=_l("Optional: where the invoice is sent, if not to you."),
    )
    billing_tax_id = _billing_line(_l("Tax or VAT number"), "billing_tax_id")
    billing_reference = _billing_line(
        _l("Order number or reference"),
        "billing_reference",
        description=_l("Optional: printed on the invoice."),
    )

    def _needed_for_others(self, field: Any) -> None:
        """The invoice's name and address, when someone else than the participant pays (the
        same rule as app.finance.services, shown with the form's other messages at once)."""
        payer = self.payer_kind.data  # type: ignore[attr-defined]
        if payer and payer != PayerKind.PARTICIPANT.value and not (field.data or "").strip():
            raise ValidationError(NEEDED_FOR_OTHERS[field.name])

    def validate_billing_name(self, field: StringField) -> None:
        self._needed_for_others(field)

    def validate_billing_address(self, field: TextAreaField) -> None:
        self._needed_for_others(field)

    def billing_details(self) -> BillingDetails:
        return BillingDetails(
            payer_kind=PayerKind(self.payer_kind.data),  # type: ignore[attr-defined]
            billing_name=self.billing_name.data or "",  # type: ignore[attr-defined]
            billing_address=self.billing_address.data or "",  # type: ignore[attr-defined]
            billing_email=self.billing_email.data or "",  # type: ignore[attr-defined]
            billing_tax_id=self.billing_tax_id.data or "",  # type: ignore[attr-defined]
            billing_reference=self.billing_reference.data or "",  # type: ignore[attr-defined]
        )


# How the application's older question "How will your participation be funded?" is answered
# from who pays, when the course has fees (the question is then not asked twice).
FUNDING_OF_PAYER = {
    PayerKind.PARTICIPANT.value: Funding.SELF.value,
    PayerKind.EMPLOYER.value: Funding.EMPLOYER.value,
    PayerKind.SPONSOR.value: Funding.SPONSORED.value,
}


class FinanceFields(BillingFields):
    """The application's questions on money, for a course with fees."""

    wants_fellowship = BooleanField(_l("I request a fellowship"))
    justification = TextAreaField(
        _l("Why do you need a fellowship?"),
        filters=[_strip_text],
        validators=[_max(JUSTIFICATION_MAX), PlainText(multiline=True)],
        description=_l(
            "Required if you request one: your situation and why your organisation cannot "
            "pay (at most %(max)d characters).",
            max=JUSTIFICATION_MAX,
        ),
        render_kw={"rows": 4, "maxlength": JUSTIFICATION_MAX},
    )

    def validate_justification(self, field: TextAreaField) -> None:
        if self.wants_fellowship.data and not (field.data or "").strip():
            raise ValidationError(_l("Tell us why you need a fellowship."))

    def validate(self, extra_validators: Any = None) -> bool:
        funding = getattr(self, "funding", None)
        if funding is not None:
            funding.data = FUNDING_OF_PAYER.get(self.payer_kind.data, Funding.SELF.value)  # type: ignore[attr-defined]
        return super().validate(extra_validators)  # type: ignore[misc]


def with_finance(form_class: type[FlaskForm]) -> type:
    """``form_class`` with the fellowship request and billing details, for a course with fees."""
    return type(form_class.__name__, (FinanceFields, form_class), {})


class BillingForm(BillingFields, FlaskForm):
    """The participant corrects the billing details from "My courses"."""

    submit = SubmitField(_l("Save the billing details"))
