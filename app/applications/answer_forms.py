"""The applicant's side: a course's questions as fields of the application (or RSVP) form, and
the form that changes one's answers.

The fields are added to a form class made for the request (:func:`with_questions`), one per
question asked, in the applicant's language. They take what is typed or chosen as it is; the
rules are the services' (:func:`app.applications.answering.check_answers`), run when the form
is validated, so their messages appear beside the fields like any other error.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    Field,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.core import UnboundField
from wtforms.widgets import CheckboxInput, DateInput, ListWidget, NumberInput

from app.applications.answering import AnswerValue, answers_of, check_answers
from app.applications.checks import (
    DEFAULT_MAX_SIZE_MB,
    LONG_ANSWER_MAX,
    SHORT_ANSWER_MAX,
    InvalidAnswers,
)
from app.applications.models import Answer, ApplicationQuestion, QuestionKind, QuestionOption
from app.core.forms import one_line_break
from app.registration.forms import country_choices
from app.registration.models import Registration
from app.storage.models import StoredFile
from app.storage.services import ACCEPTED_KINDS

# What the browser's file picker offers first (the content is checked on our side anyway).
ACCEPT = ",".join(
    [f".{extension}" for kind in ACCEPTED_KINDS for extension in kind.extensions]
    + [kind.content_type for kind in ACCEPTED_KINDS]
)


def field_name(question: ApplicationQuestion) -> str:
    return f"question_{question.id}"


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _options(
    question: ApplicationQuestion, locale: str, kept: Sequence[QuestionOption]
) -> list[SelectChoice]:
    """The options offered, and any retired one the applicant had chosen, in order."""
    shown = {option.id for option in kept}
    return [
        SelectChoice(str(option.id), option.label(locale))
        for option in question.options
        if not option.is_retired or option.id in shown
    ]


def unbound_field(
    question: ApplicationQuestion, locale: str, kept: Sequence[QuestionOption] = ()
) -> UnboundField:
    """The field that asks ``question`` in ``locale``."""
    text = question.text(locale)
    common: dict[str, Any] = {"label": text.label, "description": text.help_text or None}
    kind = question.kind
    if kind == QuestionKind.LONG_TEXT:
        return TextAreaField(
            filters=[one_line_break],
            render_kw={"maxlength": LONG_ANSWER_MAX, "rows": 4},
            **common,
        )
    if kind == QuestionKind.SINGLE_CHOICE:
        return RadioField(choices=_options(question, locale, kept), validate_choice=False, **common)
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return CheckboxesField(
            choices=_options(question, locale, kept), validate_choice=False, **common
        )
    if kind == QuestionKind.YES_NO:
        return RadioField(
            choices=[SelectChoice("yes", _("Yes")), SelectChoice("no", _("No"))],
            validate_choice=False,
            **common,
        )
    if kind == QuestionKind.COUNTRY:
        return SelectField(choices=country_choices(locale), validate_choice=False, **common)
    if kind == QuestionKind.NUMBER:
        widget = NumberInput(step=1, min=question.min_value, max=question.max_value)
        return StringField(widget=widget, filters=[_strip], **common)
    if kind == QuestionKind.DATE:
        return StringField(widget=DateInput(), filters=[_strip], **common)
    if kind == QuestionKind.FILE:
        return FileField(render_kw={"accept": ACCEPT}, **common)
    return StringField(filters=[_strip], render_kw={"maxlength": SHORT_ANSWER_MAX}, **common)


class QuestionFields:
    """What a form asking a course's questions adds: the answers as the services take them,
    their errors beside each field, and the fields in the order of the page (the course's
    questions before the consent, or before the button)."""

    asked: tuple[ApplicationQuestion, ...] = ()
    # The registration whose answers change (its retired choices stay possible), if any.
    answering: Registration | None = None
    # Its documents already stored, by question id: kept unless a new file replaces one.
    kept_files: dict[int, StoredFile] = {}
    _fields: dict[str, Field]
    form_errors: list[Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in self.asked:
            if (
                question.is_required
                and question.kind != QuestionKind.MULTIPLE_CHOICE
                # A document stored already answers a required file question.
                and question.id not in self.kept_files
            ):
                self._fields[field_name(question)].flags.required = True

    def current_file(self, question: ApplicationQuestion) -> StoredFile | None:
        return self.kept_files.get(question.id)

    def has_file_questions(self) -> bool:
        return any(question.kind == QuestionKind.FILE for question in self.asked)

    @staticmethod
    def file_hint(question: ApplicationQuestion) -> str:
        return _(
            "PDF, Word (DOCX), OpenDocument text (ODT), JPEG or PNG, up to %(size)d MB.",
            size=question.max_size_mb or DEFAULT_MAX_SIZE_MB,
        )

    def question_fields(self) -> list[tuple[ApplicationQuestion, Field]]:
        return [(question, self._fields[field_name(question)]) for question in self.asked]

    def answer_values(self) -> dict[int, AnswerValue]:
        return {question.id: field.data for question, field in self.question_fields()}

    def add_answer_errors(self, exc: InvalidAnswers) -> None:
        """Put the services' messages beside their questions (above the form for a question
        the page does not show)."""
        for question_id, messages in exc.errors.items():
            field = self._fields.get(f"question_{question_id}")
            if field is None:
                self.form_errors.extend(messages)
            else:
                field.errors = [*field.errors, *messages]

    def validate(self, extra_validators: Any = None) -> bool:
        ok: bool = super().validate(extra_validators)  # type: ignore[misc]
        try:
            check_answers(self.asked, self.answer_values(), registration=self.answering)
        except InvalidAnswers as exc:
            self.add_answer_errors(exc)
            return False
        return ok

    def __iter__(self) -> Iterator[Field]:
        names = {field_name(question) for question in self.asked}
        others = [field for field in super().__iter__() if field.name not in names]  # type: ignore[misc]
        place = next(
            (n for n, field in enumerate(others) if field.name in ("consent_data", "submit")),
            len(others),
        )
        asked = [field for _question, field in self.question_fields()]
        return iter(others[:place] + asked + others[place:])


def with_questions(
    form_class: type[FlaskForm],
    questions: Sequence[ApplicationQuestion],
    locale: str,
    *,
    registration: Registration | None = None,
) -> type[Any]:
    """``form_class`` with a field for each of ``questions`` in ``locale``; for a
    registration changing its answers, the retired options it chose stay offered."""
    answers = answers_of(registration) if registration is not None else {}
    kept = {question_id: answer.options for question_id, answer in answers.items()}
    attrs: dict[str, Any] = {
        field_name(question): unbound_field(question, locale, kept.get(question.id, ()))
        for question in questions
    }
    attrs["asked"] = tuple(questions)
    attrs["answering"] = registration
    attrs["kept_files"] = {
        question_id: answer.file
        for question_id, answer in answers.items()
        if answer.file is not None
    }
    return type(form_class.__name__, (QuestionFields, form_class), attrs)


def answer_data(answers: dict[int, Answer], questions: Sequence[ApplicationQuestion]) -> dict:
    """The fields' values from stored answers, to fill the form that changes them."""
    data: dict[str, Any] = {}
    for question in questions:
        answer = answers.get(question.id)
        if answer is None:
            continue
        if question.kind == QuestionKind.MULTIPLE_CHOICE:
            data[field_name(question)] = [str(option.id) for option in answer.options]
        elif question.kind == QuestionKind.SINGLE_CHOICE:
            data[field_name(question)] = str(answer.options[0].id) if answer.options else None
        elif question.kind == QuestionKind.FILE:
            continue  # a file input shows no value; the page names the stored file
        else:
            data[field_name(question)] = answer.value
    return data


class AnswersForm(FlaskForm):
    """An applicant changes their answers (the questions are added by ``with_questions``)."""

    submit = SubmitField(_l("Save my answers"))
