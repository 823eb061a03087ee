"""The public form to look a certificate up by its code."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length


class CodeLookupForm(FlaskForm):
    """Sent by GET and changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    code = StringField(
        _l("Verification code"),
        validators=[InputRequired(), Length(max=40)],
        description=_l("As printed on the certificate, for example ABCD-EFGH-JKLM."),
    )
    submit = SubmitField(_l("Check"))
