"""Forms of the evaluation: its settings, one question (texts per course language), the
participant's answers (one field per question), and the small action forms."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from app.core.forms import PlainText, SensibleDate, one_line_break
from app.core.i18n import LANGUAGE_NAMES
from app.evaluation.answering import TEXT_MAX_LENGTH, field_name
from app.evaluation.models import (
    RATING_LABELS,
    Evaluation,
    EvaluationQuestion,
    QuestionKind,
)
from app.evaluation.questionnaire import QuestionData
from app.evaluation.services import (
    HELP_MAX_LENGTH,
    LABEL_MAX_LENGTH,
    MAX_REMINDER_DAYS,
    EvaluationError,
    SettingsData,
)

TIME_FORMATS = ["%H:%M", "%H:%M:%S"]


def add_service_errors(form: FlaskForm, exc: EvaluationError) -> None:
    """Put a service's messages beside their fields (or above the form), once per field."""
    for name, messages in exc.errors.items():
        target = form._fields.get(name) if name else None
        if target is None:
            form.form_errors.extend(messages)
        elif not target.errors:
            target.errors = [*target.errors, *messages]


class SettingsForm(FlaskForm):
    is_anonymous = BooleanField(
        _l("Anonymous answers"),
        description=_l(
            "Answers are stored without the participant's name; you only see who has "
            "answered. It cannot change once the evaluation opens."
        ),
    )
    required_for_certificate = BooleanField(
        _l("Required for the certificate"),
        description=_l("Participants get their certificate only once they have answered."),
    )
    opens_at_time = TimeField(
        _l("Opens at"),
        validators=[Optional()],
        format=TIME_FORMATS,
        description=_l(
            "On the last on-site day, venue time. Leave empty to open at the start of that day."
        ),
    )
    closes_on = DateField(
        _l("Closes on"),
        validators=[Optional(), SensibleDate()],
        description=_l(
            "The last day to answer (included). Leave empty for two weeks after the last "
            "on-site day."
        ),
    )
    reminder_days_before_close = IntegerField(
        _l("Reminder, days before closing"),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_REMINDER_DAYS)],
        description=_l("One reminder goes to those who have not answered yet."),
    )
    submit = SubmitField(_l("Save the settings"))

    def __init__(self, *args: Any, evaluation: Evaluation, **kwargs: Any) -> None:
        kwargs.setdefault(
            "data",
            {
                "is_anonymous": evaluation.is_anonymous,
                "required_for_certificate": evaluation.required_for_certificate,
                "opens_at_time": evaluation.opens_at_time,
                "closes_on": evaluation.closes_on,
                "reminder_days_before_close": evaluation.reminder_days_before_close,
            },
        )
        super().__init__(*args, **kwargs)

    def to_data(self) -> SettingsData:
        return SettingsData(
            is_anonymous=bool(self.is_anonymous.data),
            required_for_certificate=bool(self.required_for_certificate.data),
            opens_at_time=self.opens_at_time.data,
            closes_on=self.closes_on.data,
            reminder_days_before_close=int(self.reminder_days_before_close.data),
        )


class _QuestionFormBase(FlaskForm):
    kind = SelectField(
        _l("Kind of answer"),
        choices=[SelectChoice(kind.value, kind.label) for kind in QuestionKind],
        validators=[InputRequired()],
    )
    is_required = BooleanField(_l("An answer is required"))
    submit = SubmitField(_l("Save the question"))

    locales: list[str] = []

    def label_field(self, locale: str) -> Any:
        return self[f"label_{locale}"]

    def help_field(self, locale: str) -> Any:
        return self[f"help_{locale}"]

    def to_data(self) -> QuestionData:
        return QuestionData(
            kind=QuestionKind(self.kind.data),
            is_required=bool(self.is_required.data),
            labels={loc: self.label_field(loc).data or "" for loc in self.locales},
            help_texts={loc: self.help_field(loc).data or "" for loc in self.locales},
        )


def question_form(locales: list[str], question: EvaluationQuestion | None = None, **kwargs: Any):
    """A question's form with a text and an explanation per language (the main one first)."""

    class QuestionForm(_QuestionFormBase):
        pass

    QuestionForm.locales = list(locales)
    for index, locale in enumerate(locales):
        language = LANGUAGE_NAMES.get(locale, locale)
        setattr(
            QuestionForm,
            f"label_{locale}",
            StringField(
                _l("Question (%(language)s)", language=language),
                validators=[Length(max=LABEL_MAX_LENGTH), PlainText()],
                description=None
                if index == 0
                else _l("Leave empty to show the main language's text."),
            ),
        )
        setattr(
            QuestionForm,
            f"help_{locale}",
            TextAreaField(
                _l("Explanation (%(language)s), optional", language=language),
                validators=[Length(max=HELP_MAX_LENGTH), PlainText(multiline=True)],
                filters=[one_line_break],
            ),
        )
    if question is not None and "formdata" not in kwargs:
        data: dict[str, Any] = {"kind": question.kind.value, "is_required": question.is_required}
        for text in question.texts:
            data[f"label_{text.locale}"] = text.label
            data[f"help_{text.locale}"] = text.help_text
        kwargs.setdefault("data", data)
    elif question is None:
        kwargs.setdefault("data", {"kind": QuestionKind.RATING.value, "is_required": True})
    return QuestionForm(**kwargs)


def rating_choices() -> list[SelectChoice]:
    return [
        SelectChoice(str(value), f"{value} – {label}") for value, label in RATING_LABELS.items()
    ]


def answer_form(evaluation: Evaluation, questions: list[EvaluationQuestion], locale: str):
    """The participant's form: a group of five radio buttons per rating, a text area per open
    question. Whether an answer is required is checked by the service, which words it."""

    class AnswerForm(FlaskForm):
        submit = SubmitField(_l("Send my answers"))

    for question in questions:
        text = question.text(locale)
        if question.kind == QuestionKind.RATING:
            field: Any = RadioField(
                text.label,
                choices=rating_choices(),
                validate_choice=False,
                description=text.help_text,
            )
        else:
            field = TextAreaField(
                text.label,
                validators=[Length(max=TEXT_MAX_LENGTH), PlainText(multiline=True)],
                filters=[one_line_break],
                description=text.help_text,
            )
        setattr(AnswerForm, field_name(question), field)
    return AnswerForm()


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[InputRequired(), AnyOf(("up", "down"))])


class ActionForm(FlaskForm):
    """A button that needs nothing but the CSRF token (open, close, remove...)."""
