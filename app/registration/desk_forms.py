"""Forms of the participant desk: one per use case."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale
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

from app.applications.models import ApplicationQuestion, QuestionKind
from app.core.forms import PlainText
from app.courses.models import Course
from app.endorsement.models import EndorsementStatus
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
    """The list's filters, read from the query string (GET, so no CSRF token). Made by
    :func:`desk_filter_form` with a filter per choice or yes-or-no question of the course."""

    class Meta:
        csrf = False

    # The course's questions filtered by (fields ``answer_<id>``).
    answer_questions: tuple[ApplicationQuestion, ...] = ()

    q = SearchField(
        _l("Search"), description=_l("Name, email or organisation"), validators=[PlainText()]
    )
    status = SelectField(_l("Status"))
    country = SelectField(_l("Country"))
    organisation_type = SelectField(_l("Type of organisation"))
    endorsement = SelectField(_l("Endorsement"))

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
        self.endorsement.choices = [everyone] + [
            SelectChoice(e.value, e.label) for e in EndorsementStatus
        ]
        for question, field in self.answer_fields():
            field.choices = [everyone, *_answer_choices(question, str(get_locale()))]

    def answer_fields(self) -> list[tuple[ApplicationQuestion, SelectField]]:
        return [(q, self[answer_field_name(q)]) for q in self.answer_questions]

    def filters(self) -> DeskFilters:
        """The filters asked for; a value that is not one of the choices is ignored."""
        statuses = {s.value for s in RegistrationStatus}
        types = {t.value for t in OrganisationType}
        countries = {c.value for c in self.country.choices if c.value}  # type: ignore[union-attr]
        answers = tuple(
            (question.id, field.data)
            for question, field in self.answer_fields()
            if field.data and field.data in {c.value for c in field.choices}  # type: ignore[union-attr]
        )
        return DeskFilters(
            status=RegistrationStatus(self.status.data) if self.status.data in statuses else None,
            country=self.country.data if self.country.data in countries else None,
            organisation_type=(
                OrganisationType(self.organisation_type.data)
                if self.organisation_type.data in types
                else None
            ),
            # Text with control characters cannot be searched for (PostgreSQL refuses NUL);
            # the field says why.
            search=(self.q.data or "").strip()[:200] if self.q.validate(self) else "",
            answers=answers,
            endorsement=(
                EndorsementStatus(self.endorsement.data)
                if self.endorsement.data in {e.value for e in EndorsementStatus}
                else None
            ),
        )


def answer_field_name(question: ApplicationQuestion) -> str:
    return f"answer_{question.id}"


def _retired(label: str, is_retired: bool) -> str:
    return f"{label} {_l('(retired)')}" if is_retired else label


def _answer_choices(question: ApplicationQuestion, locale: str) -> list[SelectChoice]:
    if question.kind == QuestionKind.YES_NO:
        return [SelectChoice("yes", str(_l("Yes"))), SelectChoice("no", str(_l("No")))]
    return [
        SelectChoice(str(option.id), _retired(option.label(locale), option.is_retired))
        for option in question.options
    ]


def desk_filter_form(
    questions: list[ApplicationQuestion], locale: str, **kwargs: Any
) -> DeskFilterForm:
    """The desk's filters, with one for each of ``questions`` (labelled in ``locale``; retired
    questions and options are marked, their answers still found)."""
    attrs: dict[str, Any] = {
        answer_field_name(q): SelectField(_retired(q.label(locale), q.is_retired))
        for q in questions
    }
    attrs["answer_questions"] = tuple(questions)
    form_class = type("DeskFilterForm", (DeskFilterForm,), attrs)
    return form_class(**kwargs)  # type: ignore[no-any-return]


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
        choices=[SelectChoice("", _l("Choose an action"))]
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
