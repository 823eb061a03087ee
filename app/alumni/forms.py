"""Forms of the alumni: choosing the past course, sending the invitations, the consent."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SubmitField
from wtforms.validators import InputRequired

from app.courses.models import Course


class SourceForm(FlaskForm):
    """The past course to preview, chosen in a GET form (nothing changes: no CSRF token)."""

    class Meta:
        csrf = False

    source = SelectField(
        _l("Past course"),
        validators=[InputRequired(message=_l("Choose a past course."))],
        invalid_choice_message=_l("Choose a past course from the list."),
        description=_l("An earlier edition, or another course you manage, once it has ended."),
    )
    preview = SubmitField(_l("Show who would be invited"))

    def __init__(self, *args: Any, sources: list[Course], locale: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source.choices = [
            (str(c.id), f"{c.title(locale)} ({c.start_date.isoformat()})") for c in sources
        ]


class InviteForm(FlaskForm):
    """Send the invitations previewed (the rules check the past course again)."""

    source = HiddenField(validators=[InputRequired()])
    submit = SubmitField(_l("Send the invitations"))


class ConsentForm(FlaskForm):
    """Give or withdraw the alumni consent on one registration: the button says which."""

    give = SubmitField(_l("Yes, tell me about later editions"))
    withdraw = SubmitField(_l("Stop telling me about later editions"))


def prefill(form: FlaskForm, values: dict[str, str]) -> None:
    """Put a previous application's values in the fields ``form`` has (only those)."""
    for name, value in values.items():
        field = form._fields.get(name)
        if field is not None:
            field.data = value
