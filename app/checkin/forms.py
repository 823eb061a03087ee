"""Forms of the check-in page: a code typed or scanned, a name searched, badges asked for."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SearchField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.checkin.services import MAX_SEARCH
from app.core.forms import PlainText


class CodeForm(FlaskForm):
    """A check-in code, typed from a badge or filled in by the camera's scan."""

    code = StringField(
        _l("Check-in code"),
        # Spaces alone are no code: stripped, then required.
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[DataRequired(), Length(max=40), PlainText()],
        description=_l("As printed under the QR code, for example ABCDE-FGHJK."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Check in"))


class PersonForm(FlaskForm):
    """The "Check in" button beside a name found by the search; ``q`` brings the search back."""

    q = HiddenField(validators=[Length(max=MAX_SEARCH)])


class SearchForm(FlaskForm):
    """Sent by GET and changes nothing, so it carries no CSRF token; it works without
    JavaScript."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Name, organisation or email"),
        validators=[Length(max=MAX_SEARCH), PlainText()],
    )
    submit = SubmitField(_l("Search"))


class BadgeLayout(enum.StrEnum):
    SHEET = "sheet"
    SINGLE = "single"
    TENT = "tent"

    @property
    def label(self) -> str:
        return {
            BadgeLayout.SHEET: _l("A4 sheets, 8 badges a page, with cut marks"),
            BadgeLayout.SINGLE: _l("One badge a page (100 × 70 mm), for badge printers"),
            BadgeLayout.TENT: _l("Table tents (A4, folded)"),
        }[self]


class BadgeForm(FlaskForm):
    """Sent by GET (a download), so without a CSRF token."""

    class Meta:
        csrf = False

    layout = SelectField(
        _l("Layout"),
        choices=[SelectChoice(layout.value, layout.label) for layout in BadgeLayout],
        default=BadgeLayout.SHEET.value,
    )
    submit = SubmitField(_l("Download badges (PDF)"))
