"""Forms of the course builder."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import PlainText, SensibleDate, SubForm, one_line_break
from app.core.i18n import LANGUAGE_NAMES
from app.core.urls import MAX_ID
from app.courses.groups import (
    host_event_choices,
    host_event_error,
    programme_choices,
    programme_error,
)
from app.courses.models import (
    Course,
    CourseKind,
    CourseStatus,
    PartnerRole,
    Programme,
    RegistrationMode,
    TeamRole,
)
from app.courses.services import MAX_COURSE_DAYS, MAX_SLUG_LENGTH, is_web_link, slug_taken
from app.extensions import db
from app.modules.models import Module
from app.venues.models import Venue

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


def _get(model: type[Any], row_id: int | None) -> Any:
    """The row a posted id names, or None: a number past :data:`MAX_ID` names no row (rather
    than failing the query in PostgreSQL)."""
    return db.session.get(model, row_id) if row_id and 0 < row_id <= MAX_ID else None


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def slug_field(description: str) -> StringField:
    """The optional "web address" of a course, checked for shape here and for use in the form."""
    return StringField(
        _l("Web address"),
        validators=[
            Optional(),
            Length(max=MAX_SLUG_LENGTH),
            Regexp(
                SLUG_PATTERN, message=_l("Use lower-case letters, digits and single hyphens only.")
            ),
            PlainText(),
        ],
        # " " would pass Optional() and then be taken as the address.
        filters=[_strip],
        description=description,
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CourseTextForm(SubForm):
    title = StringField(_l("Title"), validators=[Optional(), Length(max=300), PlainText()])
    summary = TextAreaField(
        _l("Summary"),
        validators=[Optional(), Length(max=2000), PlainText(multiline=True)],
        filters=[one_line_break],
        description=_l("One or two sentences for the catalogue."),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=20000), PlainText(multiline=True)],
        filters=[one_line_break],
    )


class PartnerForm(SubForm):
    organisation = StringField(
        _l("Organisation"), validators=[Optional(), Length(max=200), PlainText()]
    )
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(r.value, r.label) for r in PartnerRole],
        default="co_organiser",
    )


class CourseForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(k.value, k.label) for k in CourseKind],
        default=CourseKind.COURSE.value,
        description=_l("A course has modules, a five-day timetable and a follow-up phase."),
    )
    text_en = FormField(CourseTextForm, label=_l("In English"))
    text_fr = FormField(CourseTextForm, label=_l("In French"))
    text_es = FormField(CourseTextForm, label=_l("In Spanish"))
    default_locale = SelectField(
        _l("Main language of the course's texts"),
        description=_l("Shown to visitors whose language has no translation."),
    )
    languages = MultiCheckboxField(_l("Languages of instruction"), validators=[InputRequired()])
    slug = slug_field(
        _l(
            "The last part of the course's address, e.g. governing-migration-2018. "
            "Leave empty to make one from the title."
        )
    )
    venue_id = SelectField(_l("Venue"), coerce=int, default=0)
    is_online = BooleanField(
        _l("Online"),
        description=_l("Times are then in UTC, shown in each visitor's time zone; no venue."),
    )
    online_url = StringField(
        _l("Link to join online"),
        validators=[Length(max=500), PlainText()],  # required when online: validate_online_url
        description=_l("An http or https address, shown on the page (see the registration mode)."),
    )
    start_date = DateField(_l("First on-site day"), validators=[InputRequired(), SensibleDate()])
    days = IntegerField(
        _l("Number of on-site days"),
        default=5,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_COURSE_DAYS)],
    )
    capacity = IntegerField(
        _l("Capacity (seats)"),
        default=30,
        validators=[Optional(), NumberRange(min=0, max=10000)],
        description=_l("Leave empty for no limit."),
    )
    registration_mode = SelectField(
        _l("Registration"),
        choices=[SelectChoice(m.value, m.label) for m in RegistrationMode],
        default=RegistrationMode.FULL.value,
    )
    registration_opens_on = DateField(
        _l("Registration opens on"), validators=[Optional(), SensibleDate()]
    )
    registration_closes_on = DateField(
        _l("Registration closes on"),
        validators=[Optional(), SensibleDate()],
        description=_l("Usually three to four weeks before the start."),
    )
    requires_approval = BooleanField(
        _l("Organisers approve each application"),
        description=_l("Otherwise applications are confirmed in order while seats remain."),
    )
    requires_endorsement = BooleanField(
        _l("Applications need the employer's endorsement"),
        description=_l(
            "The applicant names an endorser, who gets a link to endorse the application; it "
            "takes no seat until endorsed (full applications only)."
        ),
    )
    waitlist_offers = BooleanField(
        _l("Offer freed seats for a limited time"),
        description=_l("Otherwise the first person on the waiting list gets a freed seat at once."),
    )
    offer_hours = IntegerField(
        _l("Hours to accept an offered seat"),
        default=72,
        validators=[InputRequired(), NumberRange(min=1, max=24 * 30)],
    )
    min_attendance_days = IntegerField(
        _l("On-site days needed for the certificate"),
        validators=[Optional(), NumberRange(min=0, max=MAX_COURSE_DAYS)],
        description=_l("Leave empty for all days but one."),
    )
    contact_name = StringField(
        _l("Contact person"), validators=[Optional(), Length(max=200), PlainText()]
    )
    contact_email = StringField(
        _l("Contact email"), validators=[Optional(), Email(), Length(max=254), PlainText()]
    )
    status = SelectField(
        _l("Status"), choices=[SelectChoice(s.value, s.label) for s in CourseStatus]
    )
    partners = FieldList(FormField(PartnerForm), min_entries=3)
    host_event_id = SelectField(
        _l("Part of"),
        coerce=int,
        default=0,
        validate_choice=False,  # validate_host_event_id says what is wrong
        description=_l("The conference that hosts this event, e.g. a side event's."),
    )
    programme_id = SelectField(
        _l("Programme"),
        coerce=int,
        default=0,
        validate_choice=False,  # validate_programme_id says what is wrong
    )
    # What the organiser has acknowledged, sent only by the confirmation's button
    # (courses/edit.html): "move:2027-11-15/5" (the new dates the confirmed participants will
    # be told) and "publish" (publishing despite the warnings), separated by a space.
    confirm = HiddenField()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: Any, course: Course | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.course = course
        locales = current_app.config["LANGUAGES"]
        self.default_locale.choices = [SelectChoice(code, LANGUAGE_NAMES[code]) for code in locales]
        self.languages.choices = [SelectChoice(code, LANGUAGE_NAMES[code]) for code in locales]
        venues = db.session.scalars(sa.select(Venue).order_by(Venue.name)).all()
        self.venue_id.choices = [SelectChoice(0, str(_l("— none (online) —")))] + [
            SelectChoice(v.id, f"{v} ({v.timezone})") for v in venues
        ]
        locale = str(get_locale())
        self.host_event_id.choices = [SelectChoice(0, str(_l("— none —")))] + [
            SelectChoice(c.id, f"{c.title(locale)} ({c.start_date.year})")
            for c in host_event_choices(course, current_user)
        ]
        programmes = programme_choices(course, current_user)
        self.programme_id.choices = [SelectChoice(0, str(_l("— none —")))] + [
            SelectChoice(p.id, p.title(locale))
            for p in sorted(programmes, key=lambda p: p.title(locale).casefold())
        ]

    @property
    def selected_kind(self) -> CourseKind:
        try:
            return CourseKind(self.kind.data)
        except ValueError:
            return CourseKind.COURSE

    @property
    def host_event(self) -> Course | None:
        return _get(Course, self.host_event_id.data)

    @property
    def programme(self) -> Programme | None:
        return _get(Programme, self.programme_id.data)

    def text_forms(self) -> list[tuple[str, FormField]]:
        return [("en", self.text_en), ("fr", self.text_fr), ("es", self.text_es)]

    def validate_slug(self, field: StringField) -> None:
        # Only a well-formed address is looked up (WTForms runs this after a failed check too).
        if field.data and not field.errors and slug_taken(field.data, excluding=self.course):
            raise ValidationError(_l("Another course already uses this address."))

    def validate_online_url(self, field: StringField) -> None:
        if self.is_online.data and not (field.data or "").strip():
            raise ValidationError(_l("Give the link to join: the event is online."))
        if field.data and not is_web_link(field.data):
            raise ValidationError(_l("Give a full web address starting with https:// or http://."))

    def validate_venue_id(self, field: SelectField) -> None:
        if not self.is_online.data and not field.data:
            raise ValidationError(_l("Choose a venue, or tick “Online”."))

    def validate_host_event_id(self, field: SelectField) -> None:
        if not field.data:
            error = host_event_error(self.course, self.selected_kind, None, actor=current_user)
        elif self.host_event is None:
            error = _l("Choose one of the listed events.")
        else:
            error = host_event_error(
                self.course, self.selected_kind, self.host_event, actor=current_user
            )
        if error:
            raise ValidationError(error)

    def validate_programme_id(self, field: SelectField) -> None:
        if field.data and self.programme is None:
            raise ValidationError(_l("Choose one of the listed programmes."))
        error = programme_error(self.course, self.programme, actor=current_user)
        if error:
            raise ValidationError(error)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        main = getattr(self, f"text_{self.default_locale.data}", None)
        if main is not None and not (main.form.title.data or "").strip():
            main.form.title.errors.append(_l("Give the title in the course's main language."))
            ok = False
        opens, closes, start = (
            self.registration_opens_on.data,
            self.registration_closes_on.data,
            self.start_date.data,
        )
        if opens and closes and closes < opens:
            self.registration_closes_on.errors.append(_l("Registration must close after it opens."))
            ok = False
        if closes and start and closes > start:
            self.registration_closes_on.errors.append(
                _l("Registration must close before the course starts.")
            )
            ok = False
        return ok


class FocusForm(SubForm):
    module_id = SelectField(_l("Module"), coerce=int)
    theme = StringField(
        _l("…or a theme of its own"), validators=[Optional(), Length(max=300), PlainText()]
    )


class CourseModulesForm(FlaskForm):
    focuses = FieldList(FormField(FocusForm), min_entries=1)
    submit = SubmitField(_l("Save the modules"))

    def __init__(self, *args: Any, course: Course, locale: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        in_use = {m.id for m in course.modules}
        modules = db.session.scalars(
            sa.select(Module)
            .where(sa.or_(Module.is_retired.is_(False), Module.id.in_(in_use)))
            .order_by(Module.position, Module.code)
        ).all()
        choices = [SelectChoice(0, str(_l("— none —")))]
        for m in modules:
            label = f"{m.code}: {m.title(locale)}"
            if m.is_retired:
                label += " " + str(_l("(retired)"))
            choices.append(SelectChoice(m.id, label))
        self.module_ids = {m.id: m for m in modules}
        for entry in self.focuses:
            entry.form.module_id.choices = choices


class TeamMemberForm(FlaskForm):
    email = StringField(_l("Email of the person's account"), validators=[InputRequired(), Email()])
    role = SelectField(
        _l("Role in the course"), choices=[SelectChoice(r.value, r.label) for r in TeamRole]
    )
    submit = SubmitField(_l("Add to the team"))


class EditionForm(FlaskForm):
    start_date = DateField(
        _l("First on-site day of the new edition"), validators=[InputRequired(), SensibleDate()]
    )
    slug = slug_field(_l("Leave empty to make one from the title and year."))
    submit = SubmitField(_l("Create the new edition"))

    def __init__(self, *args: Any, course: Course, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.course = course
        if not self.start_date.data and not self.is_submitted():
            # Same weekday, a year on: the usual rhythm of a yearly edition.
            self.start_date.data = course.start_date + timedelta(weeks=52)

    def validate_slug(self, field: StringField) -> None:
        if field.data and not field.errors and slug_taken(field.data):
            raise ValidationError(_l("Another course already uses this address."))

    def validate_start_date(self, field: DateField) -> None:
        # An event may be copied to the same day (another side event at the same conference).
        if field.data == self.course.start_date and not self.course.kind.is_event:
            raise ValidationError(_l("Choose another week than the original's."))
