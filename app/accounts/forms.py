"""One form per use case: sign-up, log-in, profile, passwords, and the administrators' user list."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from app.accounts.models import Role
from app.accounts.services import MIN_PASSWORD_LENGTH
from app.core.forms import PlainText
from app.core.i18n import LANGUAGE_NAMES
from app.core.timeutil import is_timezone
from app.core.zones import REGIONS, city_label, place_zones, zones_by_region

PASSWORD_HINT = _l("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
# Long enough for any passphrase, short enough that hashing it costs nothing unusual.
MAX_PASSWORD_LENGTH = 1000


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _language_choices() -> list[tuple[str, str]]:
    return [(code, LANGUAGE_NAMES.get(code, code)) for code in current_app.config["LANGUAGES"]]


def _role_choices() -> list[tuple[str, Any]]:
    return [(role.value, role.label) for role in Role]


def _new_password(label: Any) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired(),
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


def _confirmation(field: str) -> PasswordField:
    return PasswordField(
        _l("Repeat the password"),
        validators=[InputRequired(), EqualTo(field, message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


def _name() -> StringField:
    return StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=200), PlainText()],
        render_kw={"autocomplete": "name"},
    )


def _language() -> SelectField:
    return SelectField(
        _l("Preferred language"),
        description=_l("Used for the pages and for the emails we send you."),
    )


class SignupForm(FlaskForm):
    name = _name()
    email = EmailField(
        _l("Email address"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=254), Email(message=_l("Enter a valid email."))],
        render_kw={"autocomplete": "email"},
    )
    password = _new_password(_l("Password"))
    confirm = _confirmation("password")
    locale = _language()
    submit = SubmitField(_l("Create my account"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = _language_choices()

    # No check that the address is free: the answer must not tell who has an account
    # (app.accounts.identity.start_signup mails the owner instead).


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=254), PlainText()],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me logged in on this device"))
    submit = SubmitField(_l("Log in"))


class ProfileForm(FlaskForm):
    name = _name()
    locale = _language()
    timezone = SelectField(
        _l("Time zone"),
        validate_choice=False,  # empty (not set) is allowed: validate_timezone checks the rest
        description=_l(
            "Times of online events are shown in this zone. Without one they are shown in UTC, "
            "or in your browser's zone."
        ),
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = _language_choices()
        # One zone per place, grouped by region; a zone chosen before from the old aliases
        # stays shown (and accepted) until the person picks another.
        self.kept_zone = getattr(kwargs.get("obj"), "timezone", None) or None
        ungrouped = [
            SelectChoice("", _l("— not set —")),
            SelectChoice("UTC", _l("UTC (universal time)")),
        ]
        if self.kept_zone and self.kept_zone not in place_zones() and self.kept_zone != "UTC":
            ungrouped.append(SelectChoice(self.kept_zone, self.kept_zone))
        self.timezone.choices = {None: ungrouped} | {
            REGIONS[region]: [SelectChoice(name, city_label(name)) for name in names]
            for region, names in zones_by_region()
        }

    def validate_timezone(self, field: SelectField) -> None:
        if not field.data or field.data in (self.kept_zone, "UTC"):
            return
        if field.data not in place_zones() or not is_timezone(field.data):
            raise ValidationError(_l("Choose a time zone from the list."))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    password = _new_password(_l("New password"))
    confirm = _confirmation("password")
    submit = SubmitField(_l("Change my password"))


class ResetRequestForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=254), PlainText()],
        render_kw={"autocomplete": "email"},
    )
    submit = SubmitField(_l("Send me a link"))


class ResetPasswordForm(FlaskForm):
    password = _new_password(_l("New password"))
    confirm = _confirmation("password")
    submit = SubmitField(_l("Set my new password"))


class UserSearchForm(FlaskForm):
    """The filters above the user list: read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField(_l("Name or email"), validators=[Optional(), Length(max=254), PlainText()])
    role = SelectField(_l("Role"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [("", _l("All roles")), *_role_choices()]

    def search_text(self) -> str:
        """The text searched for, or nothing when it cannot be (the field then says why)."""
        return (self.q.data or "") if self.q.validate(self) else ""

    def selected_role(self) -> Role | None:
        return Role(self.role.data) if self.role.data in {r.value for r in Role} else None


class ChangeRoleForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[InputRequired()])
    next = HiddenField()
    submit = SubmitField(_l("Change role"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()


class UserStatusForm(FlaskForm):
    """Deactivate or reactivate an account: only the button and the CSRF token."""

    next = HiddenField()


class ChangeEmailForm(FlaskForm):
    """A new address for one's account, confirmed by a link sent to it."""

    email = EmailField(
        _l("New email address"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=254), Email(message=_l("Enter a valid email."))],
        render_kw={"autocomplete": "email"},
    )
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Send me a link"))


class ConfirmLinkForm(FlaskForm):
    """The button behind a confirmation link: opening the link changes nothing (mail scanners
    open links), pressing it does."""

    submit = SubmitField(_l("Confirm"))
