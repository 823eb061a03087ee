"""Forms of the timetable: one session, and the proposal of a whole week."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from babel import dates as babel_dates
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app.core.forms import PlainText, one_line_break
from app.courses.models import Course
from app.extensions import db
from app.modules.models import Module
from app.schedule import proposal, services
from app.schedule.models import CourseSession, SessionKind
from app.venues.models import Room

# Browsers send HH:MM, or HH:MM:SS when a step below a minute is set.
TIME_FORMATS = ["%H:%M", "%H:%M:%S"]
# As long as a follow-up activity's: a session's description is a note, not a document.
DESCRIPTION_MAX_LENGTH = 5000


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _as_kind(value: Any) -> SessionKind | str:
    # An unknown kind stays a string, so the field says "Not a valid choice".
    try:
        return SessionKind(value)
    except ValueError:
        return str(value)


def _room_choices(course: Course, current: Room | None = None) -> list[tuple[int, str]]:
    rooms = list(course.venue.rooms) if course.venue else []
    if current is not None and current not in rooms:
        rooms.append(current)
    return [(0, _("— No room —"))] + [(room.id, room.name) for room in rooms]


class SessionForm(FlaskForm):
    """One session. Day and times are wall-clock times in ``zone``: the venue's, or for an
    online activity the organiser's own (``display_timezone``); the rules live in services."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300), PlainText()])
    kind = SelectField(_l("Kind"), coerce=_as_kind, default=SessionKind.PLENARY)
    day = SelectField(
        _l("Day"), coerce=_as_date, validate_choice=False, validators=[InputRequired()]
    )
    start = TimeField(_l("Starts at"), format=TIME_FORMATS, validators=[InputRequired()])
    end = TimeField(_l("Ends at"), format=TIME_FORMATS, validators=[InputRequired()])
    room = SelectField(_l("Room"), coerce=int, default=0)
    module = SelectField(_l("Module"), coerce=int, default=0)
    facilitators = StringField(
        _l("Facilitators"),
        validators=[Length(max=500), PlainText()],
        description=_l("Names as they should be printed, separated by commas."),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Length(max=DESCRIPTION_MAX_LENGTH), PlainText(multiline=True)],
        filters=[one_line_break],
    )
    submit = SubmitField(_l("Save the session"))

    def __init__(
        self,
        *args: Any,
        course: Course,
        session: CourseSession | None = None,
        zone: str | None = None,
        **kwargs: Any,
    ) -> None:
        zone = zone or course.timezone
        if session is not None and "data" not in kwargs:
            kwargs["data"] = session_form_data(session, zone)
        super().__init__(*args, **kwargs)
        self.course = course
        self.session = session
        self.zone = zone
        locale = get_locale()
        self.kind.choices = [(kind, str(kind.label)) for kind in SessionKind]
        days = services.course_days(course, zone)
        if session is not None:
            current_day = services.local_times(session, zone)[0]
            if current_day not in days:
                days = sorted([*days, current_day])
        self.day.choices = [
            (day, babel_dates.format_date(day, "full", locale=locale)) for day in days
        ]
        self.room.choices = _room_choices(course, session.room if session else None)
        modules = list(course.modules)
        if session is not None and session.module is not None and session.module not in modules:
            modules.append(session.module)
        self.module.choices = [(0, _("— No module —"))] + [
            (module.id, f"{module.code}: {module.title(str(locale))}") for module in modules
        ]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.day.errors or self.start.errors or self.end.errors:
            return False
        errors = services.session_time_errors(
            self.course, self.day.data, self.start.data, self.end.data, self.zone
        )
        for name, message in errors.items():
            getattr(self, name).errors.append(message)
        return valid and not errors

    def to_data(self) -> services.SessionData:
        return services.SessionData(
            title=self.title.data or "",
            kind=self.kind.data,
            day=self.day.data,
            start=self.start.data,
            end=self.end.data,
            room=db.session.get(Room, self.room.data) if self.room.data else None,
            module=db.session.get(Module, self.module.data) if self.module.data else None,
            facilitators=self.facilitators.data or "",
            description=self.description.data or "",
        )


def session_form_data(session: CourseSession, zone: str | None = None) -> dict[str, Any]:
    day, start, end = services.local_times(session, zone)
    return {
        "title": session.title,
        "kind": session.kind,
        "day": day,
        "start": start,
        "end": end,
        "room": session.room_id or 0,
        "module": session.module_id or 0,
        "facilitators": session.facilitators,
        "description": session.description,
    }


class ProposeForm(FlaskForm):
    """A whole week proposed at once: the day's window and the main room."""

    day_start = TimeField(
        _l("Day starts at"),
        format=TIME_FORMATS,
        default=proposal.DEFAULT_DAY_START,
        validators=[InputRequired()],
    )
    day_end = TimeField(
        _l("Day ends at"),
        format=TIME_FORMATS,
        default=proposal.DEFAULT_DAY_END,
        validators=[InputRequired()],
    )
    room = SelectField(_l("Main room"), coerce=int, default=0)
    replace = BooleanField(_l("Replace the current timetable"))
    submit = SubmitField(_l("Propose a timetable"))

    def __init__(self, *args: Any, course: Course, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.course = course
        self.room.choices = _room_choices(course)
        if not self.is_submitted() and course.venue and course.venue.rooms and not self.room.data:
            self.room.data = course.venue.rooms[0].id

    def validate_day_end(self, field: TimeField) -> None:
        start: time | None = self.day_start.data
        if start is None or field.data is None:
            return
        message = proposal.day_window_error(start, field.data)
        if message is not None:
            raise ValidationError(str(message))

    def validate_replace(self, field: BooleanField) -> None:
        if self.course.sessions and not field.data:
            raise ValidationError(
                _("Tick this box to replace the current timetable: its sessions are deleted.")
            )

    @property
    def selected_room(self) -> Room | None:
        return db.session.get(Room, self.room.data) if self.room.data else None
