"""Forms of the calendar links page: making a secret feed link, and revoking one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from app.core.forms import PlainText
from app.feeds.models import FeedKind
from app.feeds.services import MAX_LABEL_LENGTH


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class FeedLinkForm(FlaskForm):
    """A new secret link; ``kinds`` are the feeds the user may have (services.allowed_kinds)."""

    kind = SelectField(
        _l("Calendar"),
        validators=[InputRequired()],
        description=_l(
            "“My courses”: the courses you take part in (applications not confirmed yet show as "
            "tentative). “Courses I run”: every course you organise or facilitate, drafts "
            "included."
        ),
    )
    label = StringField(
        _l("Name of the link"),
        validators=[Length(max=MAX_LABEL_LENGTH), PlainText()],
        filters=[_strip],
        description=_l(
            "Where you will use it, e.g. “Phone” or “Outlook at work”, so you know which link "
            "to revoke later."
        ),
        render_kw={"maxlength": MAX_LABEL_LENGTH, "autocomplete": "off"},
    )
    submit = SubmitField(_l("Create a link"))

    def __init__(self, *args: Any, kinds: Sequence[FeedKind], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(kind.value, str(kind.label)) for kind in kinds]
        if self.kind.data is None:
            self.kind.data = FeedKind.PERSONAL.value

    @property
    def selected_kind(self) -> FeedKind:
        return FeedKind(self.kind.data)


class RevokeFeedLinkForm(FlaskForm):
    """The revoke button: a POST carrying only its CSRF token."""
