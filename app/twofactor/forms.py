"""Forms of two-factor log-in: a code, a proof before turning it off, the administrators'
setting."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from app.accounts.forms import MAX_PASSWORD_LENGTH
from app.core.forms import PlainText


class CodeForm(FlaskForm):
    """The second step of a log-in: a code from the app, or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[InputRequired(), Length(max=32), PlainText()],
        description=_l(
            "The 6-digit code your authenticator app shows, or one of your recovery codes."
        ),
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "none", "autofocus": True},
    )
    submit = SubmitField(_l("Log in"))


class ConfirmSetupForm(FlaskForm):
    code = StringField(
        _l("Code from the app"),
        validators=[InputRequired(), Length(max=32), PlainText()],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Turn on two-factor log-in"))


class ProofForm(FlaskForm):
    """Before recovery codes are replaced or two-factor log-in turned off."""

    proof = PasswordField(
        _l("Your password, or a code from your app"),
        validators=[InputRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class SecuritySettingsForm(FlaskForm):
    staff_two_factor_required = BooleanField(
        _l("Administrators and organisers must log in with two-factor authentication"),
        description=_l(
            "Staff without it are taken to set it up right after they log in, and can use no "
            "other page until it is done."
        ),
    )
    submit = SubmitField(_l("Save"))
