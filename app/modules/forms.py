"""Forms of the module catalogue: one per use case."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FormField, IntegerField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from app.core.forms import PlainText, SubForm, one_line_break
from app.modules.models import Module
from app.modules.services import LOCALES, ModuleData, ModuleText, code_taken, normalise_code

OUTLINE_SESSIONS = 4  # two sessions in the morning, two in the afternoon


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _code(value: str | None) -> str | None:
    return normalise_code(value) if isinstance(value, str) else value


class ModuleTextForm(SubForm):
    """A module's texts in one language (a sub-form: the outer form carries the CSRF token)."""

    title = StringField(
        _l("Title"), validators=[Optional(), Length(max=300), PlainText()], filters=[_strip]
    )
    summary = TextAreaField(
        _l("Summary"),
        validators=[Length(max=2000), PlainText(multiline=True)],
        filters=[one_line_break, _strip],
    )
    objectives = TextAreaField(
        _l("Learning objectives"),
        description=_l("One objective per line."),
        validators=[Length(max=5000), PlainText(multiline=True)],
        filters=[one_line_break],
    )
    outline = TextAreaField(
        _l("Suggested outline of the day"),
        description=_l(
            "Four session titles, one per line: two in the morning, then two in the afternoon."
        ),
        validators=[Length(max=2000), PlainText(multiline=True)],
        filters=[one_line_break],
    )

    def validate_outline(self, field: TextAreaField) -> None:
        # The timetable proposal fills the day's four slots from these lines, in order.
        count = len(_lines(field.data))
        if count and count != OUTLINE_SESSIONS:
            raise ValidationError(
                _("Give exactly four sessions, one per line (there are %(count)d).", count=count)
            )

    def has_content(self) -> bool:
        return any((f.data or "").strip() for f in self)

    def to_text(self) -> ModuleText:
        return ModuleText(
            title=self.title.data or "",
            summary=self.summary.data or "",
            objectives=tuple(_lines(self.objectives.data)),
            outline=tuple(_lines(self.outline.data)),
        )


class EnglishTextForm(ModuleTextForm):
    # English is every other language's fallback, so its title cannot be left out.
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Give the module a title in English.")),
            Length(max=300),
            PlainText(),
        ],
        filters=[_strip],
    )


class ModuleForm(FlaskForm):
    """Create or edit a module: its code, place in the catalogue and texts in each language."""

    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=20),
            Regexp(
                r"^[A-Z0-9][A-Z0-9_-]*$",
                message=_l("Use letters, digits, hyphens or underscores only, e.g. M6."),
            ),
            PlainText(),
        ],
        filters=[_code],
        description=_l("Short and unique, such as M6. It is part of the module's address."),
    )
    position = IntegerField(
        _l("Position in the catalogue"),
        validators=[InputRequired(), NumberRange(min=0, max=9999)],
        description=_l("Modules are listed by position, the core module first."),
    )
    is_core = BooleanField(_l("Core module: the compulsory entry module every course starts with"))
    en = FormField(EnglishTextForm, label=_l("English"))
    fr = FormField(ModuleTextForm, label=_l("French"))
    es = FormField(ModuleTextForm, label=_l("Spanish"))

    def __init__(self, *args: Any, module: Module | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.module = module
        for locale in LOCALES:
            # Browsers then spell-check and read out each text in its own language.
            for sub in self[locale]:
                sub.render_kw = {**(sub.render_kw or {}), "lang": locale}

    @classmethod
    def initial_data(cls, module: Module) -> dict[str, Any]:
        """Values for the edit form of an existing module."""
        data: dict[str, Any] = {
            "code": module.code,
            "position": module.position,
            "is_core": module.is_core,
        }
        for translation in module.translations:
            if translation.locale in LOCALES:
                data[translation.locale] = {
                    "title": translation.title,
                    "summary": translation.summary,
                    "objectives": translation.objectives,
                    "outline": translation.outline,
                }
        return data

    def language_forms(self) -> list[tuple[str, FormField]]:
        return [(locale, self[locale]) for locale in LOCALES]

    def validate_code(self, field: StringField) -> None:
        # Only a well-formed code is looked up (WTForms runs this after a failed check too).
        if field.data and not field.errors and code_taken(field.data, module=self.module):
            raise ValidationError(
                _("Another module already uses the code %(code)s.", code=field.data)
            )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for locale in LOCALES[1:]:
            sub = self[locale].form
            if sub.has_content() and not sub.title.data:
                sub.title.errors.append(
                    _("Give a title in this language, or leave all its fields empty.")
                )
                valid = False
        return valid

    def to_data(self) -> ModuleData:
        texts = {}
        for locale in LOCALES:
            sub = self[locale].form
            if sub.title.data:  # a language left empty gets no translation row
                texts[locale] = sub.to_text()
        return ModuleData(
            code=self.code.data or "",
            position=self.position.data or 0,
            is_core=bool(self.is_core.data),
            texts=texts,
        )
