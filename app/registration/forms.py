"""Forms of the participant's side of registration: applying, special needs, confirmations."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
)

from app.accounts.forms import MAX_PASSWORD_LENGTH, PASSWORD_HINT
from app.accounts.services import MIN_PASSWORD_LENGTH
from app.core.forms import LongSelect, PlainText
from app.core.i18n import LANGUAGE_NAMES
from app.registration.models import Funding, Gender, OrganisationType
from app.registration.services import ApplicationData

# The stored columns' lengths (app.registration.models.Registration).
NAME_MAX = 200
EMAIL_MAX = 254
ORGANISATION_MAX = 200
JOB_TITLE_MAX = 200
DIET_MAX = 500
ACCESSIBILITY_MAX = 1000
MOTIVATION_MAX = 2000

# CLDR territory codes that are not countries: groupings (EU, EZ, UN, QO "Outlying Oceania",
# ZZ "unknown region"), pseudo-locales (XA, XB) and the exceptionally reserved codes that are
# parts of other countries (Ascension, Clipperton, Sark, Diego Garcia, Ceuta and Melilla,
# Canary Islands, Tristan da Cunha).
NOT_COUNTRIES = frozenset(
    {"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"}
)

# ---------------------------------------------------------------------------
# Countries


def _sort_key(name: str) -> str:
    # "Émirats arabes unis" sorts with E, not after Z.
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=16)
def country_names(locale: str) -> dict[str, str]:
    """ISO 3166-1 alpha-2 codes and their names in ``locale``, sorted by name."""
    try:
        territories = Locale.parse(locale).territories
    except (UnknownLocaleError, ValueError):
        territories = Locale.parse("en").territories
    countries = {
        code: name
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    }
    return dict(sorted(countries.items(), key=lambda item: _sort_key(item[1])))


def country_choices(locale: str) -> list[SelectChoice]:
    """The country select's options in ``locale``, after an empty "choose" option."""
    return [
        SelectChoice("", _("Choose a country")),
        *(SelectChoice(code, name) for code, name in country_names(str(locale)).items()),
    ]


def country_name(code: str, locale: str) -> str:
    """A stored code's name in ``locale`` (the code itself if babel has no name for it)."""
    return country_names(str(locale)).get(code, code)


# ---------------------------------------------------------------------------
# Text hygiene


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _strip_text(value: str | None) -> str | None:
    """Multi-line text: one kind of line break, no blanks around."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _max_length(n: int) -> Length:
    return Length(
        max=n,
        message=_l("Use at most %(max)d characters (this has %(length)d)."),
    )


def _line(label: Any, max_length: int, *, required: Any = None, **kwargs: Any) -> StringField:
    validators: list[Any] = [DataRequired(message=required)] if required else []
    validators += [_max_length(max_length), PlainText()]
    return StringField(label, validators=validators, filters=[_strip], **kwargs)


def _text(label: Any, max_length: int, *, required: Any = None, **kwargs: Any) -> TextAreaField:
    validators: list[Any] = [DataRequired(message=required)] if required else []
    validators += [_max_length(max_length), PlainText(multiline=True)]
    render_kw = {"maxlength": max_length, "rows": 4, **kwargs.pop("render_kw", {})}
    return TextAreaField(
        label, validators=validators, filters=[_strip_text], render_kw=render_kw, **kwargs
    )


def _enum_select(label: Any, required: Any) -> SelectField:
    return SelectField(
        label,
        validators=[DataRequired(message=required)],
        invalid_choice_message=_l("Choose one of the options in the list."),
    )


def _email(description: Any) -> EmailField:
    return EmailField(
        _l("Email address"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Enter your email address.")),
            Length(max=EMAIL_MAX, message=_l("This email address is too long.")),
            Email(message=_l("Enter a valid email address, such as name@example.org.")),
        ],
        description=description,
        render_kw={"autocomplete": "email"},
    )


def _organisation() -> StringField:
    return _line(
        _l("Organisation"),
        ORGANISATION_MAX,
        required=_l("Enter the name of your organisation."),
        render_kw={"autocomplete": "organization"},
    )


# ---------------------------------------------------------------------------
# Forms


def _consent_alumni() -> BooleanField:
    # Unticked unless the person ticks it: nobody is mailed about later courses by default.
    return BooleanField(
        _l("You may tell me about later editions and related events."),
        description=_l(
            "Optional. The organisers may invite you by email; you can change your mind on "
            "“My courses” at any time."
        ),
    )


def _language_choices() -> list[SelectChoice]:
    return [
        SelectChoice(code, LANGUAGE_NAMES.get(code, code))
        for code in current_app.config["LANGUAGES"]
    ]


class SpecialNeedsFields:
    """Diet and accessibility, in the application and in their own form."""

    diet = _text(
        _l("Dietary requirements"),
        DIET_MAX,
        description=_l("Allergies, vegetarian, halal… Leave empty if none."),
        render_kw={"rows": 2},
    )
    accessibility = _text(
        _l("Accessibility needs"),
        ACCESSIBILITY_MAX,
        description=_l(
            "Anything that helps you take part: step-free access, sign interpretation, "
            "large print… Leave empty if none."
        ),
    )


class ApplicationForm(SpecialNeedsFields, FlaskForm):
    """An application by a signed-in participant."""

    certificate_name = _line(
        _l("Your name as it should appear on your certificate"),
        NAME_MAX,
        required=_l("Enter your name as it should appear on your certificate."),
        render_kw={"autocomplete": "name"},
    )
    email = _email(_l("We write to you about this application at this address."))
    country = SelectField(
        _l("Country of residence"),
        validators=[DataRequired(message=_l("Choose the country where you live."))],
        invalid_choice_message=_l("Choose a country from the list."),
        render_kw={"autocomplete": "country"},
        widget=LongSelect(),
    )
    nationality = SelectField(
        _l("Nationality"),
        validators=[DataRequired(message=_l("Choose your nationality."))],
        invalid_choice_message=_l("Choose a country from the list."),
        widget=LongSelect(),
    )
    organisation = _organisation()
    organisation_type = _enum_select(
        _l("Type of organisation"),
        _l("Choose the type of your organisation."),
    )
    job_title = _line(
        _l("Job title"),
        JOB_TITLE_MAX,
        required=_l("Enter your job title."),
        render_kw={"autocomplete": "organization-title"},
    )
    gender = SelectField(
        _l("Gender"),
        invalid_choice_message=_l("Choose one of the options in the list."),
        description=_l("Optional: it helps us report on the balance of the group."),
    )
    language = SelectField(
        _l("Preferred language"),
        validators=[InputRequired(message=_l("Choose a language."))],
        invalid_choice_message=_l("Choose one of the languages in the list."),
        description=_l("The language of the emails we send you about this course."),
    )
    motivation = _text(
        _l("Why do you want to take part?"),
        MOTIVATION_MAX,
        required=_l("Tell us in a few lines why you want to take part."),
        description=_l(
            "A few lines on your work and what you expect from the course (at most "
            "%(max)d characters).",
            max=MOTIVATION_MAX,
        ),
        render_kw={"rows": 6},
    )
    funding = _enum_select(
        _l("How will your participation be funded?"),
        _l("Tell us how your participation will be funded."),
    )
    consent_data = BooleanField(
        _l("I agree that my data are processed to handle my application and the course."),
        validators=[
            DataRequired(message=_l("Your consent is needed to process your application."))
        ],
        description=_l(
            "The course team and the organisers use these details only to run the course, "
            "issue your certificate and send you messages about it."
        ),
    )
    consent_listing = BooleanField(
        _l("Show my name, organisation and country in the list of participants."),
        description=_l("Optional. The list is shared with the other participants."),
    )
    consent_alumni = _consent_alumni()
    submit = SubmitField(_l("Apply"))

    def __init__(self, *args: Any, locale: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        countries = country_choices(locale)
        self.country.choices = countries
        self.nationality.choices = countries
        self.organisation_type.choices = [
            SelectChoice("", _("Choose a type")),
            *(SelectChoice(t.value, str(t.label)) for t in OrganisationType),
        ]
        self.gender.choices = [
            SelectChoice("", _("Prefer not to say")),
            *(SelectChoice(g.value, str(g.label)) for g in Gender),
        ]
        self.funding.choices = [
            SelectChoice("", _("Choose one")),
            *(SelectChoice(f.value, str(f.label)) for f in Funding),
        ]
        self.language.choices = _language_choices()

    def application_data(self) -> ApplicationData:
        return ApplicationData(
            certificate_name=self.certificate_name.data,
            email=self.email.data,
            country=self.country.data,
            nationality=self.nationality.data,
            organisation=self.organisation.data,
            organisation_type=OrganisationType(self.organisation_type.data),
            job_title=self.job_title.data,
            language=self.language.data,
            funding=Funding(self.funding.data),
            consent_data=bool(self.consent_data.data),
            consent_listing=bool(self.consent_listing.data),
            consent_alumni=bool(self.consent_alumni.data),
            gender=Gender(self.gender.data) if self.gender.data else None,
            diet=self.diet.data or "",
            accessibility=self.accessibility.data or "",
            motivation=self.motivation.data or "",
        )


class AccountFields:
    """The account a visitor creates with their registration, in the same form. The form's
    email address is the account's too; ``signup_name`` gives the account's name."""

    password = PasswordField(
        _l("Choose a password"),
        validators=[
            InputRequired(message=_l("Choose a password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l(
                    "The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH
                ),
            ),
        ],
        description=PASSWORD_HINT,
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            InputRequired(message=_l("Repeat the password.")),
            EqualTo("password", message=_l("The two passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )

    def signup_name(self) -> str:
        raise NotImplementedError

    # No check that the address is free: the answer must not tell who has an account
    # (app.accounts.identity.start_signup mails the owner instead).


class SignupApplicationForm(AccountFields, ApplicationForm):
    """The same application from a visitor without an account: the account is created with it."""

    account_name = _line(
        _l("Your name"),
        NAME_MAX,
        required=_l("Enter your name."),
        render_kw={"autocomplete": "name"},
    )
    submit = SubmitField(_l("Create my account and apply"))

    def signup_name(self) -> str:
        return str(self.account_name.data)


class RsvpForm(FlaskForm):
    """The simple registration of an event (``RegistrationMode.RSVP``), signed in."""

    certificate_name = _line(
        _l("Your name"),
        NAME_MAX,
        required=_l("Enter your name."),
        description=_l("As it should appear, for example on the attendance list."),
        render_kw={"autocomplete": "name"},
    )
    email = _email(_l("We write to you about your registration at this address."))
    organisation = _organisation()
    language = SelectField(
        _l("Preferred language"),
        validators=[InputRequired(message=_l("Choose a language."))],
        invalid_choice_message=_l("Choose one of the languages in the list."),
        description=_l("The language of the emails we send you about your registration."),
    )
    consent_data = BooleanField(
        _l("I agree that my data are processed to handle my registration and the event."),
        validators=[
            DataRequired(message=_l("Your consent is needed to process your registration."))
        ],
        description=_l(
            "The organisers use these details only to run the event and send you messages about it."
        ),
    )
    consent_listing = BooleanField(
        _l("Show my name and organisation in the list of participants."),
        description=_l("Optional. The list is shared with the other participants."),
    )
    consent_alumni = _consent_alumni()
    submit = SubmitField(_l("Register"))

    def __init__(self, *args: Any, locale: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = _language_choices()

    def application_data(self) -> ApplicationData:
        return ApplicationData(
            certificate_name=self.certificate_name.data,
            email=self.email.data,
            organisation=self.organisation.data,
            language=self.language.data,
            consent_data=bool(self.consent_data.data),
            consent_listing=bool(self.consent_listing.data),
            consent_alumni=bool(self.consent_alumni.data),
        )


class SignupRsvpForm(AccountFields, RsvpForm):
    """The same RSVP from a visitor without an account: the account is created with it, under
    the name given for the registration."""

    submit = SubmitField(_l("Create my account and register"))

    def signup_name(self) -> str:
        return " ".join(str(self.certificate_name.data).split())  # as the registration stores it


class SpecialNeedsForm(SpecialNeedsFields, FlaskForm):
    submit = SubmitField(_l("Save"))


class ConfirmForm(FlaskForm):
    """The CSRF token of a one-button action (cancel, accept, decline)."""
