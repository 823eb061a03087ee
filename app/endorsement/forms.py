"""Forms of the endorsement: the endorser's fields in the application (and on their own, to
name another endorser), the endorser's answer, and the organisers' override."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from app.core.forms import PlainText
from app.endorsement.services import EndorserData

NAME_MAX = 200
POSITION_MAX = 200
EMAIL_MAX = 254
COMMENT_MAX = 2000
NOTE_MAX = 400


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _strip_text(value: str | None) -> str | None:
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _too_long() -> Any:
    return _l("Use at most %(max)d characters (this has %(length)d).")


class EndorserFields:
    """Who endorses the application: added to the application form of a course that asks,
    and the whole of :class:`EndorserForm`. The applicant's own address is refused."""

    endorser_name = StringField(
        _l("Endorser's name"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Enter the name of the person who endorses your application.")),
            Length(max=NAME_MAX, message=_too_long()),
            PlainText(),
        ],
        description=_l("Your manager or another person who may commit your employer."),
    )
    endorser_position = StringField(
        _l("Endorser's position"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Enter the endorser's position.")),
            Length(max=POSITION_MAX, message=_too_long()),
            PlainText(),
        ],
    )
    endorser_email = EmailField(
        _l("Endorser's email address"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Enter the endorser's email address.")),
            Length(max=EMAIL_MAX, message=_l("This email address is too long.")),
            Email(message=_l("Enter a valid email address, such as name@example.org.")),
        ],
        description=_l("We send them a link to endorse your application."),
    )

    # The applicant's addresses, which the endorser's may not be (set by the form's user).
    own_emails: frozenset[str] = frozenset()

    def validate_endorser_email(self, field: EmailField) -> None:
        own = set(self.own_emails)
        applicant_email = getattr(self, "email", None)
        if applicant_email is not None and isinstance(applicant_email.data, str):
            own.add(applicant_email.data.strip().lower())
        if (field.data or "").strip().lower() in own:
            raise ValidationError(
                _l("The endorser must be someone else: give their own email address.")
            )

    def endorser_data(self) -> EndorserData:
        return EndorserData(
            name=self.endorser_name.data or "",  # type: ignore[attr-defined]
            position=self.endorser_position.data or "",  # type: ignore[attr-defined]
            email=self.endorser_email.data or "",  # type: ignore[attr-defined]
        )


def with_endorser(form_class: type[FlaskForm], own_emails: frozenset[str] = frozenset()) -> type:
    """``form_class`` with the endorser's fields, for a course that requires endorsement."""
    return type(
        form_class.__name__,
        (EndorserFields, form_class),
        {"own_emails": own_emails},
    )


class EndorserForm(EndorserFields, FlaskForm):
    """The applicant names another endorser (or corrects the one named)."""

    submit = SubmitField(_l("Send the endorsement request"))

    def __init__(self, *args: Any, own_emails: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.own_emails = own_emails


class RespondForm(FlaskForm):
    """The endorser's answer, behind the secret link."""

    comment = TextAreaField(
        _l("Comment (optional)"),
        filters=[_strip_text],
        validators=[Length(max=COMMENT_MAX, message=_too_long()), PlainText(multiline=True)],
        description=_l("The applicant and the course team read it."),
        render_kw={"rows": 4, "maxlength": COMMENT_MAX},
    )
    endorse = SubmitField(_l("Endorse the application"))
    decline = SubmitField(_l("Decline"))


class WaiveForm(FlaskForm):
    """An organiser goes on without the endorsement."""

    note = StringField(
        _l("Reason (for the history)"),
        filters=[_strip],
        validators=[Length(max=NOTE_MAX, message=_too_long()), PlainText()],
    )
    submit = SubmitField(_l("Go on without the endorsement"))
