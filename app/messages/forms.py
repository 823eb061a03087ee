"""The compose form: a subject and a body per course language, when to send, and whose
rendering to preview."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Length, Optional

from app.core.forms import PlainText, SensibleDate, one_line_break
from app.core.i18n import LANGUAGE_NAMES
from app.core.timeutil import NonexistentLocalTime, local_to_utc
from app.messages.services import BODY_MAX, SUBJECT_MAX, Version, body_field, subject_field


class ComposeForm(FlaskForm):
    """Made by :func:`compose_form` with a subject and a body for each of the course's
    languages (fields ``subject_<code>`` and ``body_<code>``)."""

    locales: tuple[str, ...] = ()

    # Set on the first step, so a post from the desk (the ticked participants) is told apart
    # from a post of this form.
    started = HiddenField(default="1")
    registration_ids = SelectMultipleField(coerce=int, validate_choice=False)
    send_on = DateField(_l("Send on"), validators=[Optional(), SensibleDate()])
    send_time = TimeField(_l("At"), validators=[Optional()])
    preview_for = SelectField(_l("Preview as"), coerce=int, validate_choice=False)
    preview = SubmitField(_l("Preview"))
    test = SubmitField(_l("Send me a test"))
    send = SubmitField(_l("Send"))

    def __init__(self, *args: Any, timezone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timezone = timezone
        self.send_at: datetime | None = None

    def language_fields(self) -> list[tuple[str, Any, Any]]:
        return [(code, self[subject_field(code)], self[body_field(code)]) for code in self.locales]

    def versions(self) -> dict[str, Version]:
        return {
            code: Version(subject.data or "", body.data or "")
            for code, subject, body in self.language_fields()
        }

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        return self._check_send_at()

    def _check_send_at(self) -> bool:
        """Both the day and the time (venue time, stored as UTC), or neither (send now)."""
        day: date | None = self.send_on.data
        at: time | None = self.send_time.data
        self.send_at = None
        if day is None and at is None:
            return True
        if day is None or at is None:
            self.send_time.errors.append(_l("Give both the day and the time, or neither."))
            return False
        try:
            self.send_at = local_to_utc(day, at, self.timezone)
        except NonexistentLocalTime:
            self.send_time.errors.append(
                _l("This time does not exist at the venue that day (the clocks go forward).")
            )
            return False
        return True


def compose_form(locales: list[str], timezone: str, **kwargs: Any) -> ComposeForm:
    """The compose form for a course taught in ``locales``."""
    attrs: dict[str, Any] = {"locales": tuple(locales)}
    for code in locales:
        language = LANGUAGE_NAMES.get(code, code)
        attrs[subject_field(code)] = StringField(
            _l("Subject (%(language)s)", language=language),
            # Line breaks are refused, never joined: a subject is one header line.
            validators=[Optional(), Length(max=SUBJECT_MAX), PlainText()],
        )
        attrs[body_field(code)] = TextAreaField(
            _l("Message (%(language)s)", language=language),
            filters=[one_line_break],
            validators=[Optional(), Length(max=BODY_MAX), PlainText(multiline=True)],
            render_kw={"rows": 12},
        )
    form_class = type("ComposeForm", (ComposeForm,), attrs)
    return form_class(timezone=timezone, **kwargs)  # type: ignore[no-any-return]


class CancelForm(FlaskForm):
    submit = SubmitField(_l("Cancel this message"))
