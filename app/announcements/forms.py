"""Forms of announcements: posting (optionally mailed) and editing one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from app.announcements.services import BODY_MAX_LENGTH, TITLE_MAX_LENGTH
from app.core.forms import PlainText, one_line_break
from app.core.rules import FieldErrors


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class AnnouncementForm(FlaskForm):
    """An announcement's title (optional) and text: plain text, links made clickable."""

    title = StringField(
        _l("Title"),
        validators=[
            Length(max=TITLE_MAX_LENGTH, message=_l("Use at most %(max)d characters.")),
            PlainText(),
        ],
        filters=[_strip],
        description=_l("Optional, e.g. “Room change on Wednesday”."),
        render_kw={"maxlength": TITLE_MAX_LENGTH},
    )
    body = TextAreaField(
        _l("Announcement"),
        validators=[
            InputRequired(message=_l("Write the announcement first.")),
            Length(
                max=BODY_MAX_LENGTH,
                message=_l("An announcement can have at most %(max)d characters."),
            ),
            PlainText(multiline=True),
        ],
        filters=[one_line_break],
        description=_l(
            "Plain text, shown as written to the confirmed participants; web addresses "
            "(https://…) become links."
        ),
        render_kw={"rows": 5, "maxlength": BODY_MAX_LENGTH},
    )
    submit = SubmitField(_l("Save"))


class NewAnnouncementForm(AnnouncementForm):
    send_mail = BooleanField(
        _l("Also send it by email to the confirmed participants"),
        description=_l("Each receives it with a greeting in their language."),
    )
    submit = SubmitField(_l("Post the announcement"))


def add_field_errors(form: FlaskForm, exc: FieldErrors) -> None:
    """Put a rule's messages beside their fields (or above the form), once per field."""
    for name, messages in exc.errors.items():
        target = form._fields.get(name) if name else None
        if target is None:
            form.form_errors.extend(messages)
        elif not target.errors:
            target.errors = [*target.errors, *messages]
