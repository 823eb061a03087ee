"""Forms of the materials: one material (new or changed), a move up or down, a deletion.

The fields only carry what was typed; the rules (a title, a file or a link, a place of this
course, a safe link) are the service's, whose messages go beside their fields
(:func:`add_service_errors`). Choices are not checked by WTForms, whose "Not a valid choice"
says nothing: the service names what is wrong.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf

from app.applications.answer_forms import ACCEPT
from app.courses.models import Course
from app.materials.models import (
    DESCRIPTION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    URL_MAX_LENGTH,
    Material,
    MaterialVisibility,
)
from app.materials.services import InvalidMaterial, MaterialData, place_choices, place_value


def add_service_errors(form: FlaskForm, exc: InvalidMaterial) -> None:
    """Put the service's messages beside their fields (or above the form)."""
    for name, messages in exc.errors.items():
        target = form._fields.get(name) if name else None
        if target is None:
            form.form_errors.extend(messages)
        else:
            target.errors = [*target.errors, *messages]


class MaterialForm(FlaskForm):
    title = StringField(
        _l("Title"),
        render_kw={"maxlength": TITLE_MAX_LENGTH, "required": True},
    )
    description = TextAreaField(
        _l("Description"),
        description=_l("Optional: what it is, what to read it for."),
        render_kw={"maxlength": DESCRIPTION_MAX_LENGTH, "rows": 3},
    )
    file = FileField(
        _l("File"),
        description=_l("PDF, Word (DOCX), OpenDocument text (ODT), JPEG or PNG, at most 10 MB."),
        render_kw={"accept": ACCEPT},
    )
    url = StringField(
        _l("Link"),
        description=_l("Or a web address instead of a file (https://…)."),
        render_kw={"maxlength": URL_MAX_LENGTH, "inputmode": "url", "autocomplete": "off"},
    )
    place = SelectField(_l("Attached to"), validate_choice=False)
    visibility = RadioField(
        _l("Who may see it"),
        choices=[
            SelectChoice(
                MaterialVisibility.PARTICIPANTS.value, _l("Confirmed participants and the team")
            ),
            SelectChoice(
                MaterialVisibility.PUBLIC.value, _l("Everyone, on the public course page too")
            ),
        ],
        default=MaterialVisibility.PARTICIPANTS.value,
        validate_choice=False,
    )
    submit = SubmitField(_l("Save"))

    def __init__(
        self,
        *args: Any,
        course: Course,
        locale: str,
        tz: str,
        material: Material | None = None,
        **kwargs: Any,
    ) -> None:
        if material is not None:
            kwargs.setdefault(
                "data",
                {
                    "title": material.title,
                    "description": material.description,
                    "url": material.url,
                    "place": place_value(material),
                    "visibility": material.visibility.value,
                },
            )
        super().__init__(*args, **kwargs)
        self.course = course
        self.material = material
        self.place.choices = [
            SelectChoice(value, label) for value, label in place_choices(course, locale, tz)
        ]
        if material is not None and material.module is not None:
            value = place_value(material)
            if value not in {choice.value for choice in self.place.choices}:
                # The course no longer has the module: the material stays where it is.
                label = f"{material.module.code}: {material.module.title(locale)}"
                self.place.choices.append(SelectChoice(value, label))
        if material is not None:
            if material.is_file:
                del self.url
                self.file.label.text = _l("Replace the file")
                self.file.description = _l(
                    "Optional: a new file in place of %(name)s.",
                    name=material.file.filename if material.file else "",
                )
            else:
                del self.file
                self.url.description = _l("A web address (https://…).")

    def to_data(self) -> MaterialData:
        def text(name: str) -> str:
            field = self._fields.get(name)
            value = field.data if field is not None else None
            return value if isinstance(value, str) else ""

        upload = self._fields["file"].data if "file" in self._fields else None
        return MaterialData(
            title=text("title"),
            description=text("description"),
            visibility=text("visibility"),
            place=text("place"),
            url=text("url"),
            upload=upload if hasattr(upload, "stream") else None,
        )


class MoveMaterialForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"])])


class DeleteMaterialForm(FlaskForm):
    pass
