"""Forms of the follow-up phase: its dates, one activity, and the participants' work."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    Field,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.fields import URLField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import PlainText, SensibleDate, one_line_break
from app.courses.models import Course
from app.followup.models import ActivityKind, FeedbackDecision
from app.followup.services import (
    ActivityData,
    FollowupError,
    InvalidActivity,
    InvalidPhaseDates,
    ResolvedActivity,
    check_activity,
    check_followup_phase,
    followup_window,
)

# Browsers send "15:00", some "15:00:00".
TIME_FORMATS = ["%H:%M", "%H:%M:%S"]

# The date and time fields each kind uses, in the order they are shown.
KIND_FIELDS: dict[ActivityKind, tuple[str, ...]] = {
    ActivityKind.WEBINAR: ("day", "start_time", "end_time"),
    ActivityKind.ASSIGNMENT: ("due_date", "due_time"),
    ActivityKind.DISCUSSION: ("day", "start_time"),
}
# Of those, the ones that must be filled in.
KIND_REQUIRED: dict[ActivityKind, tuple[str, ...]] = {
    ActivityKind.WEBINAR: ("day", "start_time", "end_time"),
    ActivityKind.ASSIGNMENT: ("due_date",),
    ActivityKind.DISCUSSION: (),
}


def add_service_errors(form: FlaskForm, exc: FollowupError) -> None:
    """Put a service's messages beside their fields (or above the form), once per field."""
    for name, messages in exc.errors.items():
        target = form._fields.get(name) if name else None
        if target is None:
            form.form_errors.extend(messages)
        elif not target.errors:
            target.errors = [*target.errors, *messages]


class FollowupPhaseForm(FlaskForm):
    opens_on = DateField(_l("Opens on"), validators=[InputRequired(), SensibleDate()])
    closes_on = DateField(
        _l("Closes on"),
        validators=[InputRequired(), SensibleDate()],
        description=_l("The last day of the phase (included)."),
    )
    submit = SubmitField(_l("Save the dates"))

    def __init__(self, *args: Any, course: Course, **kwargs: Any) -> None:
        # Prefilled with the course's dates, else the default window.
        opens_on, closes_on = followup_window(course)
        kwargs.setdefault("data", {"opens_on": opens_on, "closes_on": closes_on})
        super().__init__(*args, **kwargs)
        self.course = course

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        try:
            check_followup_phase(self.course, self.opens_on.data, self.closes_on.data)
        except InvalidPhaseDates as exc:
            add_service_errors(self, exc)
            return False
        return True


class ActivityForm(FlaskForm):
    """One activity. Only the date and time fields of its kind are shown and required."""

    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(kind.value, kind.label) for kind in ActivityKind],
        coerce=ActivityKind,
        validators=[InputRequired()],
    )
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=300), PlainText()])
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=5000), PlainText(multiline=True)],
        filters=[one_line_break],
    )
    day = DateField(_l("Date"), validators=[Optional(), SensibleDate()])
    start_time = TimeField(_l("Starts at"), validators=[Optional()], format=TIME_FORMATS)
    end_time = TimeField(_l("Ends at"), validators=[Optional()], format=TIME_FORMATS)
    due_date = DateField(_l("Due date"), validators=[Optional(), SensibleDate()])
    due_time = TimeField(
        _l("Due time"),
        validators=[Optional()],
        format=TIME_FORMATS,
        description=_l("Leave empty for the end of the day (23:59)."),
    )
    link = URLField(
        _l("Link"),
        validators=[Optional(), Length(max=500), PlainText()],
        description=_l("The webinar room, discussion forum or assignment page (https://…)."),
    )
    is_required = BooleanField(
        _l("Required for the certificate"),
        description=_l(
            "Participants must complete it to receive their certificate of participation."
        ),
    )
    submit = SubmitField(_l("Save"))

    resolved: ResolvedActivity | None = None

    def __init__(self, *args: Any, course: Course, kind: ActivityKind, **kwargs: Any) -> None:
        kwargs.setdefault("kind", kind)
        super().__init__(*args, **kwargs)
        self.course = course
        # After a post, the kind chosen in the form decides which fields to show.
        posted = self.kind.data if self.is_submitted() else None
        self.shown_kind = posted if isinstance(posted, ActivityKind) else kind
        self._label_for(self.shown_kind)

    def _label_for(self, kind: ActivityKind) -> None:
        zone_hint = _l("Time at the venue (%(zone)s).", zone=self.course.timezone)
        if kind == ActivityKind.DISCUSSION:
            self.day.label.text = _l("Opens on")
            self.day.description = _l("Optional: the day the discussion opens.")
            self.start_time.label.text = _l("Opening time")
        self.start_time.description = zone_hint
        self.end_time.description = zone_hint
        self.due_time.description = _l(
            "Time at the venue (%(zone)s). Leave empty for the end of the day (23:59).",
            zone=self.course.timezone,
        )
        for name in KIND_REQUIRED[kind]:
            self[name].flags.required = True

    def time_fields(self) -> list[Field]:
        """The date and time fields of the kind shown."""
        return [self[name] for name in KIND_FIELDS[self.shown_kind]]

    def to_data(self) -> ActivityData:
        kind = self.kind.data
        used = KIND_FIELDS.get(kind, ())
        values = {name: self[name].data for name in used}
        return ActivityData(
            kind=kind,
            title=self.title.data or "",
            description=self.description.data or "",
            link=self.link.data or "",
            is_required=bool(self.is_required.data),
            **values,
        )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if not isinstance(self.kind.data, ActivityKind):
            return False
        try:
            self.resolved = check_activity(self.course, self.to_data())
        except InvalidActivity as exc:
            add_service_errors(self, exc)
            return False
        return ok


class MoveActivityForm(FlaskForm):
    direction = SelectField(
        _l("Direction"),
        choices=[SelectChoice("up", _l("Move up")), SelectChoice("down", _l("Move down"))],
        validators=[InputRequired()],
    )


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _accept() -> str:
    from app.storage.services import ACCEPTED_KINDS

    return ",".join(f".{e}" for kind in ACCEPTED_KINDS for e in kind.extensions)


class SubmissionForm(FlaskForm):
    """A participant's hand-in on one assignment: a text, a link, files, or several of them.
    ``keep_files`` offers the previous version's files (set by the caller)."""

    text = TextAreaField(
        _l("Your text"),
        validators=[Optional(), Length(max=5000), PlainText(multiline=True)],
        filters=[one_line_break],
        description=_l("At most 5,000 characters."),
    )
    link = URLField(
        _l("Link to your work"),
        validators=[Optional(), Length(max=500), PlainText()],
        description=_l("A document or page on the web (https://…)."),
    )
    keep_files = CheckboxesField(
        _l("Files of your last version to keep"), choices=[], validate_choice=False
    )
    files = MultipleFileField(
        _l("Files"),
        render_kw={"accept": _accept()},
        description=_l(
            "PDF, Word (DOCX), OpenDocument text (ODT), JPEG or PNG; up to five files, each at "
            "most 10 MB, 25 MB together."
        ),
    )
    submit = SubmitField(_l("Hand in my work"))

    def kept_ids(self) -> set[int]:
        """The ids of the files ticked to keep (anything else sent is ignored)."""
        found = set()
        for value in self.keep_files.data or []:
            if str(value).isdigit() and len(str(value)) < 12:
                found.add(int(value))
        return found


class FeedbackForm(FlaskForm):
    """The course team's feedback on the current version of one participant's hand-in."""

    version_id = HiddenField()
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice(FeedbackDecision.COMPLETE.value, _l("Complete")),
            SelectChoice(FeedbackDecision.RETURNED.value, _l("Return for revision")),
        ],
        validators=[InputRequired(_l("Choose complete or return for revision."))],
    )
    comment = TextAreaField(
        _l("Comment"),
        validators=[Optional(), Length(max=5000), PlainText(multiline=True)],
        filters=[one_line_break],
        description=_l("Required when you return the work: say what to change."),
    )
    submit = SubmitField(_l("Send the feedback"))

    def version(self) -> int | None:
        value = (self.version_id.data or "").strip()
        return int(value) if value.isdigit() and len(value) < 12 else None


class CompletionForm(FlaskForm):
    """An organiser marks one participant's work on an activity complete, or not."""

    state = SelectField(
        _l("Completion"),
        choices=[
            SelectChoice("complete", _l("Mark as completed")),
            SelectChoice("incomplete", _l("Mark as not completed")),
        ],
        validators=[InputRequired()],
    )
