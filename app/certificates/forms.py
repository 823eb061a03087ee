"""Forms of certificates: the public look-up by code, and the organisers' issuing, revoking and
design."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from app.certificates.design import DesignChange
from app.certificates.models import REASON_MAX_LENGTH, SIGNATORY_MAX_LENGTH
from app.core.forms import PlainText, one_line_break

IMAGE_ACCEPT = ".png,.jpg,.jpeg,image/png,image/jpeg"


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


class IssueAllForm(FlaskForm):
    """Issue every missing certificate and download them all: one PDF to print, or a ZIP."""

    as_pdf = SubmitField(_l("Issue all and download one PDF to print"))
    as_zip = SubmitField(_l("Issue all and download a ZIP (one PDF each)"))


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for revoking"),
        validators=[InputRequired(), Length(max=REASON_MAX_LENGTH), PlainText(multiline=True)],
        filters=[one_line_break],
        description=_l("Shown on the public verification page of this certificate."),
        render_kw={"maxlength": REASON_MAX_LENGTH, "rows": 2},
    )
    submit = SubmitField(_l("Revoke"))


class ReinstateForm(FlaskForm):
    submit = SubmitField(_l("Reinstate"))


class DesignForm(FlaskForm):
    logo = FileField(
        _l("Logo of the centre"),
        description=_l("PNG or JPEG, at most 2 MB. Printed at the top of each certificate."),
        render_kw={"accept": IMAGE_ACCEPT},
    )
    remove_logo = BooleanField(_l("Remove the logo"))
    signature = FileField(
        _l("Signature"),
        description=_l(
            "A scan of the signature, PNG or JPEG, at most 2 MB; a transparent or white "
            "background prints best."
        ),
        render_kw={"accept": IMAGE_ACCEPT},
    )
    remove_signature = BooleanField(_l("Remove the signature"))
    signatory_name = StringField(
        _l("Name of the signatory"),
        validators=[Length(max=SIGNATORY_MAX_LENGTH), PlainText()],
        render_kw={"maxlength": SIGNATORY_MAX_LENGTH},
    )
    signatory_title = StringField(
        _l("Title of the signatory"),
        validators=[Length(max=SIGNATORY_MAX_LENGTH), PlainText()],
        description=_l("For example: Director of the training centre."),
        render_kw={"maxlength": SIGNATORY_MAX_LENGTH},
    )
    submit = SubmitField(_l("Save"))

    def to_change(self) -> DesignChange:
        return DesignChange(
            signatory_name=self.signatory_name.data or "",
            signatory_title=self.signatory_title.data or "",
            logo=_upload(self.logo.data),
            signature=_upload(self.signature.data),
            remove_logo=bool(self.remove_logo.data),
            remove_signature=bool(self.remove_signature.data),
        )


def _upload(data: object) -> FileStorage | None:
    # A text value sent in place of a file (a crafted request) is no upload.
    return data if isinstance(data, FileStorage) and data.filename else None
