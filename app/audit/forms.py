"""The filters above the audit log: read from the query string, so no CSRF token."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SearchField, SelectField
from wtforms.validators import Length, Optional, ValidationError

from app.audit.models import AuditAction
from app.audit.services import AuditFilter
from app.core.forms import PlainText, SensibleDate


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = SelectField(_l("Event"), validators=[Optional()])
    person = SearchField(
        _l("Person (name or email)"), validators=[Optional(), Length(max=254), PlainText()]
    )
    since = DateField(_l("From (UTC)"), validators=[Optional(), SensibleDate()])
    until = DateField(_l("Until (UTC)"), validators=[Optional(), SensibleDate()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action.choices = [("", _l("All events"))] + [
            (action.value, action.label) for action in AuditAction
        ]

    def validate_until(self, field: DateField) -> None:
        since = self.since.data if not self.since.errors else None
        if field.data and since and field.data < since:
            raise ValidationError(_l("The end date is before the start date."))

    def filters(self) -> AuditFilter:
        """The filters as asked, leaving out any field in error (the page says why)."""
        action = self.action.data if not self.action.errors else ""
        return AuditFilter(
            action=AuditAction(action) if action in {a.value for a in AuditAction} else None,
            person=(self.person.data or "") if not self.person.errors else "",
            since=self.since.data if not self.since.errors else None,
            until=self.until.data if not self.until.errors else None,
        )
