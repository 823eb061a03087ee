"""The programme form (administrators)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FormField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields import URLField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from app.core.forms import PlainText, SubForm, one_line_break
from app.courses.models import Programme
from app.programmes.services import (
    LOCALES,
    MAX_SLUG_LENGTH,
    RESERVED_SLUGS,
    SLUG_PATTERN,
    URL_PATTERN,
    ProgrammeData,
    ProgrammeText,
    slug_taken,
)
from app.registration.forms import country_names


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class ProgrammeTextForm(SubForm):
    """The title and summary in one language (a sub-form: the outer form has the token)."""

    title = StringField(
        _l("Title"), validators=[Optional(), Length(max=300), PlainText()], filters=[_strip]
    )
    summary = TextAreaField(
        _l("Summary"),
        validators=[Optional(), Length(max=5000), PlainText(multiline=True)],
        filters=[one_line_break, _strip],
    )


class ProgrammeForm(FlaskForm):
    slug = StringField(
        _l("Web address"),
        validators=[
            InputRequired(),
            Length(max=MAX_SLUG_LENGTH),
            Regexp(
                f"^{SLUG_PATTERN.pattern}$",
                message=_l("Use lower-case letters, digits and single hyphens only."),
            ),
            PlainText(),
        ],
        filters=[_strip],
        description=_l("The last part of the programme's address, e.g. joint-programme-migration."),
    )
    text_en = FormField(ProgrammeTextForm, label=_l("In English"))
    text_fr = FormField(ProgrammeTextForm, label=_l("In French"))
    text_es = FormField(ProgrammeTextForm, label=_l("In Spanish"))
    funder = StringField(
        _l("Funder"),
        validators=[Optional(), Length(max=200), PlainText()],
        filters=[_strip],
        description=_l(
            "The organisation that funds the programme, e.g. Swiss Agency for Development and "
            "Cooperation (SDC)."
        ),
    )
    countries = SelectMultipleField(
        _l("Partner countries"),
        validators=[Optional()],
        description=_l("Hold Ctrl (or ⌘ on a Mac) to choose several."),
        render_kw={"size": 12},
    )
    url = URLField(
        _l("Programme website"),
        validators=[
            Optional(),
            Length(max=300),
            Regexp(
                f"^{URL_PATTERN.pattern}$",
                message=_l("Give a full web address starting with https:// or http://."),
            ),
            PlainText(),
        ],
        filters=[_strip],
    )
    submit = SubmitField(_l("Save"))

    def __init__(
        self, *args: Any, programme: Programme | None = None, locale: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.programme = programme
        names = country_names(locale)
        choices = [SelectChoice(code, name) for code, name in names.items()]
        # A stored code babel no longer lists stays choosable rather than lost on save.
        saved = programme.country_list if programme else []
        choices += [SelectChoice(code, code) for code in saved if code not in names]
        self.countries.choices = choices

    @classmethod
    def initial_data(cls, programme: Programme) -> dict[str, Any]:
        texts = {t.locale: t for t in programme.translations}
        data: dict[str, Any] = {
            "slug": programme.slug,
            "funder": programme.funder.name if programme.funder else "",
            "countries": programme.country_list,
            "url": programme.url,
        }
        for locale in LOCALES:
            text = texts.get(locale)
            data[f"text_{locale}"] = {
                "title": text.title if text else "",
                "summary": text.summary if text else "",
            }
        return data

    def text_forms(self) -> list[tuple[str, FormField]]:
        return [(locale, getattr(self, f"text_{locale}")) for locale in LOCALES]

    def validate_slug(self, field: StringField) -> None:
        if field.data in RESERVED_SLUGS:
            raise ValidationError(_l("This address is reserved. Choose another one."))
        # Only a well-formed address is looked up (WTForms runs this after a failed check too).
        if field.data and not field.errors and slug_taken(field.data, excluding=self.programme):
            raise ValidationError(_l("Another programme already uses this address."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if not (self.text_en.form.title.data or "").strip():
            self.text_en.form.title.errors.append(_l("Give the programme a title in English."))
            ok = False
        return ok

    def to_data(self) -> ProgrammeData:
        return ProgrammeData(
            slug=self.slug.data or "",
            texts={
                locale: ProgrammeText(
                    title=sub.form.title.data or "", summary=sub.form.summary.data or ""
                )
                for locale, sub in self.text_forms()
            },
            funder=self.funder.data or "",
            countries=list(self.countries.data or []),
            url=self.url.data or "",
        )
