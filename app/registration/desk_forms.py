"""Forms of the participant desk: one per use case."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    SearchField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    SubmitField,
)
from wtforms.validators import InputRequired, ValidationError

from app.courses.models import Course
from app.extensions import db
from app.registration.exports import DeskFilters
from app.registration.models import OrganisationType, Registration, RegistrationStatus


class DeskAction(enum.StrEnum):
    """What an organiser can do to a registration from the desk."""

    CONFIRM = "confirm"
    WAITLIST = "waitlist"
    REJECT = "reject"
    CANCEL = "cancel"
    MOVE_UP = "up"
    MOVE_DOWN = "down"

    @property
    def label(self) -> str:
        return {
            DeskAction.CONFIRM: _l("Confirm"),
            DeskAction.WAITLIST: _l("Put on the waiting list"),
            DeskAction.REJECT: _l("Reject"),
            DeskAction.CANCEL: _l("Cancel"),
            DeskAction.MOVE_UP: _l("Move up"),
            DeskAction.MOVE_DOWN: _l("Move down"),
        }[self]


# Moving makes sense one person at a time.
BULK_ACTIONS = (DeskAction.CONFIRM, DeskAction.WAITLIST, DeskAction.REJECT, DeskAction.CANCEL)

# The decisions offered beside a registration in each state (the rules have the last word).
ROW_ACTIONS = {
    RegistrationStatus.SUBMITTED: (DeskAction.CONFIRM, DeskAction.WAITLIST, DeskAction.REJECT),
    RegistrationStatus.WAITLISTED: (DeskAction.CONFIRM, DeskAction.REJECT),
}
CANCELLABLE = frozenset(
    {RegistrationStatus.SUBMITTED, RegistrationStatus.WAITLISTED, RegistrationStatus.CONFIRMED}
)


class DeskFilterForm(FlaskForm):
    """The list's filters, read from the query string (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), description=_l("Name, email or organisation"))
    status = SelectField(_l("Status"))
    country = SelectField(_l("Country"))
    organisation_type = SelectField(_l("Type of organisation"))

    def __init__(self, *args: Any, countries: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everyone = SelectChoice("", str(_l("All")))
        self.status.choices = [everyone] + [
            SelectChoice(s.value, s.label) for s in RegistrationStatus
        ]
        self.country.choices = [everyone] + [SelectChoice(code, name) for code, name in countries]
        self.organisation_type.choices = [everyone] + [
            SelectChoice(t.value, t.label) for t in OrganisationType
        ]

    def filters(self) -> DeskFilters:
        """The filters asked for; a value that is not one of the choices is ignored."""
        statuses = {s.value for s in RegistrationStatus}
        types = {t.value for t in OrganisationType}
        countries = {c.value for c in self.country.choices if c.value}  # type: ignore[union-attr]
        return DeskFilters(
            status=RegistrationStatus(self.status.data) if self.status.data in statuses else None,
            country=self.country.data if self.country.data in countries else None,
            organisation_type=(
                OrganisationType(self.organisation_type.data)
                if self.organisation_type.data in types
                else None
            ),
            search=(self.q.data or "").strip()[:200],
        )


class RegistrationActionForm(FlaskForm):
    """One action on one registration: each button of a row submits its own value."""

    action = SelectField(
        _l("Action"),
        choices=[SelectChoice(a.value, a.label) for a in DeskAction],
        validators=[InputRequired()],
    )
    next = HiddenField()


class BulkActionForm(FlaskForm):
    """One action on the registrations ticked in the list."""

    action = SelectField(
        _l("Action for the selected participants"),
        choices=[SelectChoice("", str(_l("Choose an action")))]
        + [SelectChoice(a.value, a.label) for a in BULK_ACTIONS],
        validators=[InputRequired(message=_l("Choose an action."))],
    )
    registration_ids = SelectMultipleField(
        _l("Selected participants"),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(message=_l("Select at least one participant."))],
    )
    next = HiddenField()
    submit = SubmitField(_l("Apply to the selected"))

    def __init__(self, *args: Any, course: Course, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.course = course
        self.registrations: list[Registration] = []

    def validate_registration_ids(self, field: SelectMultipleField) -> None:
        ids = set(field.data or [])
        found = db.session.scalars(
            sa.select(Registration)
            .where(Registration.course_id == self.course.id, Registration.id.in_(ids))
            .order_by(Registration.created_at, Registration.id)
        ).all()
        if len(found) != len(ids):
            raise ValidationError(_l("Some of the selected registrations are not of this course."))
        # Waiting list first in its order, so a bulk confirmation respects the queue.
        self.registrations = sorted(
            found,
            key=lambda r: (
                r.status != RegistrationStatus.WAITLISTED,
                r.waitlist_position or 0,
                r.created_at,
                r.id,
            ),
        )


def attendance_mark(day: date, registration_id: int) -> str:
    """The value of one checkbox of the attendance grid."""
    return f"{day.isoformat()}:{registration_id}"


class AttendanceForm(FlaskForm):
    """The attendance grid: one checkbox per confirmed participant and course day."""

    marks = SelectMultipleField(_l("Present"))
    submit = SubmitField(_l("Save attendance"))

    def __init__(
        self, *args: Any, days: list[date], registration_ids: list[int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.marks.choices = [
            SelectChoice(attendance_mark(day, rid), attendance_mark(day, rid))
            for day in days
            for rid in registration_ids
        ]
        self.marks.data = self.marks.data or []

    def present_by_day(self) -> dict[date, set[int]]:
        present: dict[date, set[int]] = {}
        for mark in self.marks.data or []:
            day, _sep, rid = mark.partition(":")
            present.setdefault(date.fromisoformat(day), set()).add(int(rid))
        return present
