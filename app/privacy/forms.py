"""One form per use case: the request for erasure, its carrying out, the notice, and a
course's retention periods."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.core.forms import PlainText, one_line_break
from app.privacy.models import NOTICE_MAX_LENGTH, RETENTION_DAYS_MAX


class ExportForm(FlaskForm):
    """Only the button and the CSRF token: a download that is audited is a POST."""

    submit = SubmitField(_l("Download my data"))


class ErasureRequestForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand that my account and my data will be erased and cannot be restored."),
        validators=[DataRequired(message=_l("Tick the box to confirm your request."))],
    )
    submit = SubmitField(_l("Ask for erasure"))


class CarryOutForm(FlaskForm):
    confirm = BooleanField(
        _l("Erase this person's data now. This cannot be undone."),
        validators=[DataRequired(message=_l("Tick the box to confirm the erasure."))],
    )
    submit = SubmitField(_l("Erase the data"))


class NoticeForm(FlaskForm):
    body = TextAreaField(
        _l("Text of the privacy notice"),
        validators=[
            DataRequired(message=_l("Write the notice.")),
            Length(max=NOTICE_MAX_LENGTH),
            PlainText(multiline=True),
        ],
        # Browsers send line breaks as CR LF: one kind of line break, before the checks.
        filters=[one_line_break],
        description=_l("Plain text; leave a blank line between paragraphs."),
        render_kw={"rows": 16},
    )
    submit = SubmitField(_l("Publish as a new version"))


def _days_field(label: object) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            Optional(),
            NumberRange(
                min=0,
                max=RETENTION_DAYS_MAX,
                message=_l("Give a number of days from 0 to %(max)d.", max=RETENTION_DAYS_MAX),
            ),
        ],
        description=_l("Days after the course's last day. Leave empty for the site's default."),
    )


class RetentionForm(FlaskForm):
    document_days = _days_field(_l("Delete application documents after"))
    special_needs_days = _days_field(_l("Delete diet and accessibility needs after"))
    submit = SubmitField(_l("Save"))
