"""Forms of invitation letters: the participant's request, and the organisers' decisions."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.core.forms import PlainText, SensibleDate, one_line_break
from app.registration.forms import country_choices
from app.visas.details import LetterDetails, passport_number_problem
from app.visas.models import (
    CONSULATE_CITY_MAX,
    PASSPORT_NAME_MAX,
    REASON_MAX_LENGTH,
    VisaLetterRequest,
)

LANGUAGE_CHOICES = [SelectChoice("en", _l("English")), SelectChoice("fr", _l("French"))]
# Room for spaces and dashes typed inside a number; the rule counts letters and digits only.
PASSPORT_NUMBER_INPUT_MAX = 40


class VisaRequestForm(FlaskForm):
    passport_name = StringField(
        _l("Name as in your passport"),
        validators=[
            InputRequired(message=_l("Give your name exactly as it is written in your passport.")),
            Length(max=PASSPORT_NAME_MAX),
            PlainText(),
        ],
        description=_l("Exactly as printed in the passport, all given names and surnames."),
        render_kw={"maxlength": PASSPORT_NAME_MAX, "autocomplete": "name"},
    )
    passport_number = StringField(
        _l("Passport number"),
        validators=[
            InputRequired(message=_l("Give your passport number.")),
            Length(max=PASSPORT_NUMBER_INPUT_MAX),
            PlainText(),
        ],
        description=_l("Letters and digits, 5 to 20 of them."),
        render_kw={"maxlength": PASSPORT_NUMBER_INPUT_MAX, "autocomplete": "off"},
    )
    nationality = SelectField(
        _l("Nationality"),
        validators=[InputRequired(message=_l("Choose your nationality."))],
        invalid_choice_message=_l("Choose a country from the list."),
    )
    birth_date = DateField(
        _l("Date of birth"),
        validators=[InputRequired(message=_l("Give your date of birth.")), SensibleDate()],
    )
    passport_expires_on = DateField(
        _l("Passport valid until"),
        validators=[Optional(), SensibleDate()],
        description=_l("Optional. Consulates ask for a passport valid beyond your stay."),
    )
    consulate_city = StringField(
        _l("City of the consulate"),
        validators=[
            InputRequired(message=_l("Give the city of the consulate where you apply.")),
            Length(max=CONSULATE_CITY_MAX),
            PlainText(),
        ],
        description=_l("Where you apply for the visa, for example Nairobi."),
        render_kw={"maxlength": CONSULATE_CITY_MAX},
    )
    consulate_country = SelectField(
        _l("Country of the consulate"),
        validators=[InputRequired(message=_l("Choose the country of the consulate."))],
        invalid_choice_message=_l("Choose a country from the list."),
    )
    language = SelectField(
        _l("Language of the letter"),
        choices=LANGUAGE_CHOICES,
        invalid_choice_message=_l("Letters are written in English or French."),
    )
    submit = SubmitField(_l("Request the letter"))

    def __init__(
        self,
        *args: Any,
        locale: str,
        default_language: str,
        current: VisaLetterRequest | None = None,
        nationality: str | None = None,
        **kwargs: Any,
    ) -> None:
        if current is not None and current.is_pending:
            kwargs.setdefault(
                "data",
                {
                    "passport_name": current.passport_name,
                    "passport_number": current.passport_number,
                    "nationality": current.nationality,
                    "birth_date": current.birth_date,
                    "passport_expires_on": current.passport_expires_on,
                    "consulate_city": current.consulate_city,
                    "consulate_country": current.consulate_country,
                    "language": current.language,
                },
            )
        else:
            kwargs.setdefault(
                "data", {"nationality": nationality or "", "language": default_language}
            )
        super().__init__(*args, **kwargs)
        countries = country_choices(locale)
        self.nationality.choices = countries
        self.consulate_country.choices = countries
        if current is not None and current.is_pending:
            self.submit.label.text = _l("Save the corrections")

    def validate_passport_number(self, field: Any) -> None:
        # The rule's own words, beside the field, even when another field fails to parse.
        problem = passport_number_problem(field.data)
        if problem is not None:
            raise ValidationError(problem)

    def to_details(self) -> LetterDetails:
        return LetterDetails(
            passport_name=self.passport_name.data or "",
            passport_number=self.passport_number.data or "",
            nationality=self.nationality.data or "",
            birth_date=self.birth_date.data,
            passport_expires_on=self.passport_expires_on.data,
            consulate_city=self.consulate_city.data or "",
            consulate_country=self.consulate_country.data or "",
            language=self.language.data or "",
        )


class WithdrawForm(FlaskForm):
    submit = SubmitField(_l("Withdraw the request"))


class IssueForm(FlaskForm):
    submit = SubmitField(_l("Issue the letter"))


class IssueAllForm(FlaskForm):
    submit = SubmitField(_l("Issue all pending"))


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for declining"),
        validators=[
            InputRequired(message=_l("Say why the request is declined: the participant is told.")),
            Length(max=REASON_MAX_LENGTH),
            PlainText(multiline=True),
        ],
        filters=[one_line_break],
        description=_l("Sent to the participant in the mail that tells them."),
        render_kw={"maxlength": REASON_MAX_LENGTH, "rows": 3},
    )
    submit = SubmitField(_l("Decline"))


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for revoking"),
        validators=[
            InputRequired(message=_l("Give the reason for revoking this letter.")),
            Length(max=REASON_MAX_LENGTH),
            PlainText(multiline=True),
        ],
        filters=[one_line_break],
        description=_l("Kept with the letter; its verification page says it is revoked."),
        render_kw={"maxlength": REASON_MAX_LENGTH, "rows": 2},
    )
    submit = SubmitField(_l("Revoke the letter"))
