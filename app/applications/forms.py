"""Forms of the question builder: one question with its texts and options, and moving it."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from app.applications.checks import (
    DEFAULT_MAX_SIZE_MB,
    HELP_MAX,
    LABEL_MAX,
    OPTION_MAX,
    InvalidQuestion,
    QuestionError,
)
from app.applications.models import ApplicationQuestion, QuestionKind
from app.applications.options import OptionData, option_choice_counts
from app.applications.services import QuestionData, TextData, check_question
from app.core.forms import PlainText, SubForm, one_line_break
from app.core.urls import MAX_ID
from app.courses.models import Course

# Empty rows offered for new options; after saving, the form offers as many again.
NEW_OPTION_ROWS = 3
LOCALES = ("en", "fr", "es")
LANGUAGE_LABELS = {"en": _l("In English"), "fr": _l("In French"), "es": _l("In Spanish")}


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def add_service_errors(form: Form, exc: QuestionError) -> None:
    """Put a service's messages beside their fields: ``text_fr.label`` and ``options.2.remove``
    name fields of sub-forms and rows; anything else goes above the form."""
    for name, messages in exc.errors.items():
        target = _field_at(form, name) if name else None
        if target is None:
            form.form_errors.extend(messages)  # type: ignore[attr-defined]
        else:
            target.errors = [*target.errors, *messages]


def _field_at(form: Form, path: str) -> Field | None:
    found: Any = form
    for part in path.split("."):
        if isinstance(found, FieldList):
            index = int(part) if part.isdigit() else -1
            found = found.entries[index] if 0 <= index < len(found.entries) else None
        elif isinstance(found, FormField):
            found = found.form._fields.get(part)
        else:
            found = found._fields.get(part)
        if found is None:
            return None
    return found if isinstance(found, Field) and not isinstance(found, FieldList) else None


def _option_id(raw: str | None) -> int | None:
    """A row's option id as posted: None for a new row, -1 for anything that names no row."""
    if not raw:
        return None
    if raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) <= MAX_ID:
        return int(raw)
    return -1


class QuestionTextForm(SubForm):
    """A question's texts in one language (a sub-form: the outer form carries the token)."""

    label = StringField(
        _l("Question"),
        validators=[Optional(), Length(max=LABEL_MAX), PlainText()],
        filters=[_strip],
    )
    help_text = TextAreaField(
        _l("Help text"),
        validators=[Optional(), Length(max=HELP_MAX), PlainText(multiline=True)],
        filters=[one_line_break, _strip],
        description=_l("Optional: a line or two under the question."),
        render_kw={"rows": 2},
    )


def _option_label(locale: str) -> StringField:
    return StringField(
        LANGUAGE_LABELS[locale],
        validators=[Optional(), Length(max=OPTION_MAX), PlainText()],
        filters=[_strip],
    )


class OptionRowForm(SubForm):
    """One option of a choice question: change it in place, retire it, remove it, or fill an
    empty row to add one."""

    option_id = HiddenField()
    label_en = _option_label("en")
    label_fr = _option_label("fr")
    label_es = _option_label("es")
    is_retired = BooleanField(
        _l("Retire this option"),
        description=_l("Hidden from new applicants; the answers are kept."),
    )
    remove = BooleanField(_l("Remove this option"))


class QuestionForm(FlaskForm):
    """One question. Only the settings of its kind are shown: the range of a number, the size
    of a file, the options of a choice."""

    kind = SelectField(
        _l("Kind of answer"),
        choices=[SelectChoice(kind.value, kind.label) for kind in QuestionKind],
        validators=[InputRequired()],
    )
    text_en = FormField(QuestionTextForm, label=LANGUAGE_LABELS["en"])
    text_fr = FormField(QuestionTextForm, label=LANGUAGE_LABELS["fr"])
    text_es = FormField(QuestionTextForm, label=LANGUAGE_LABELS["es"])
    is_required = BooleanField(
        _l("Required"), description=_l("Applicants must answer it to send their application.")
    )
    min_value = IntegerField(
        _l("Smallest answer"),
        validators=[Optional()],
        description=_l("Leave empty for no limit."),
    )
    max_value = IntegerField(
        _l("Largest answer"),
        validators=[Optional()],
        description=_l("Leave empty for no limit."),
    )
    max_size_mb = IntegerField(
        _l("Largest file, in MB"),
        validators=[Optional()],
        description=_l("From 1 to 100 MB."),
    )
    options = FieldList(FormField(OptionRowForm))
    submit = SubmitField(_l("Save the question"))

    def __init__(
        self,
        *args: Any,
        course: Course,
        question: ApplicationQuestion | None = None,
        kind: QuestionKind = QuestionKind.SHORT_TEXT,
        answers: int = 0,
        **kwargs: Any,
    ) -> None:
        if request.method != "POST":
            kwargs.setdefault("data", initial_data(question, kind))
        super().__init__(*args, **kwargs)
        self.course = course
        self.question = question
        # How many registrations answered it; an answered question keeps its kind.
        self.answers = answers
        self.choice_counts = option_choice_counts(question) if question is not None else {}
        self.shown_kind = self._shown_kind(question, kind)
        if self.shown_kind.has_options:
            blank = sum(1 for entry in self.options if not _row_filled(entry.form))
            for _row in range(blank, NEW_OPTION_ROWS):
                self.options.append_entry()

    def _shown_kind(self, question: ApplicationQuestion | None, kind: QuestionKind) -> QuestionKind:
        """The kind whose settings the page shows: an answered question's own; else, after a
        post, the one chosen in the form."""
        if question is not None and self.answers:
            return question.kind
        try:
            return QuestionKind(self.kind.data)
        except ValueError:
            return question.kind if question is not None else kind

    def text_forms(self) -> list[tuple[str, FormField]]:
        """The texts per language, the course's main language first."""
        main = self.course.default_locale
        ordered = sorted(LOCALES, key=lambda locale: locale != main)
        return [(locale, self[f"text_{locale}"]) for locale in ordered]

    def option_labels(self, entry: FormField) -> list[Field]:
        """A row's label fields, the course's main language first."""
        return [entry.form[f"label_{locale}"] for locale, _sub in self.text_forms()]

    def chosen(self, entry: FormField) -> int:
        """How many applicants chose the option a row edits."""
        option_id = _option_id(entry.form.option_id.data)
        return self.choice_counts.get(option_id, 0) if option_id else 0

    def saved_option(self, entry: FormField) -> bool:
        return bool(_option_id(entry.form.option_id.data))

    def to_data(self) -> QuestionData:
        return QuestionData(
            kind=QuestionKind(self.kind.data),
            texts={
                locale: TextData(sub.form.label.data or "", sub.form.help_text.data or "")
                for locale, sub in self.text_forms()
            },
            is_required=bool(self.is_required.data),
            min_value=self.min_value.data,
            max_value=self.max_value.data,
            max_size_mb=self.max_size_mb.data,
            options=tuple(
                OptionData(
                    labels={locale: entry.form[f"label_{locale}"].data or "" for locale in LOCALES},
                    option_id=_option_id(entry.form.option_id.data),
                    is_retired=bool(entry.form.is_retired.data),
                    remove=bool(entry.form.remove.data),
                )
                for entry in self.options
            ),
        )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.kind.errors:
            return False
        try:
            check_question(self.course, self.to_data(), self.question)
        except InvalidQuestion as exc:
            add_service_errors(self, exc)
            return False
        return ok


def _row_filled(row: Form) -> bool:
    return bool(row.option_id.data) or any(row[f"label_{locale}"].data for locale in LOCALES)


def initial_data(question: ApplicationQuestion | None, kind: QuestionKind) -> dict[str, Any]:
    """The form's values: the question's own, or a new question of ``kind``."""
    if question is None:
        return {"kind": kind.value, "max_size_mb": DEFAULT_MAX_SIZE_MB, "options": []}
    texts = {t.locale: t for t in question.texts}
    data: dict[str, Any] = {
        "kind": question.kind.value,
        "is_required": question.is_required,
        "min_value": question.min_value,
        "max_value": question.max_value,
        "max_size_mb": question.max_size_mb or DEFAULT_MAX_SIZE_MB,
        "options": [
            {
                "option_id": str(option.id),
                "is_retired": option.is_retired,
                **{f"label_{t.locale}": t.label for t in option.texts},
            }
            for option in question.options
        ],
    }
    for locale in LOCALES:
        text = texts.get(locale)
        data[f"text_{locale}"] = {
            "label": text.label if text else "",
            "help_text": text.help_text if text else "",
        }
    return data


class MoveQuestionForm(FlaskForm):
    direction = SelectField(
        _l("Direction"),
        choices=[SelectChoice("up", _l("Move up")), SelectChoice("down", _l("Move down"))],
        validators=[InputRequired()],
    )
