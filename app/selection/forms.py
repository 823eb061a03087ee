"""Forms of the selection: criteria, a review, decisions, and the list's sorting and filter."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    Form,
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
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.core.forms import PlainText, SubForm, one_line_break
from app.core.i18n import LANGUAGE_NAMES
from app.core.urls import MAX_ID
from app.courses.models import Course
from app.extensions import db
from app.registration.models import Registration
from app.selection.listing import MESSAGE_MAX, SORT_VALUES, Decision, Show
from app.selection.models import HIGHEST_SCORE, LOWEST_SCORE, SelectionCriterion
from app.selection.services import (
    COMMENT_MAX,
    HELP_MAX,
    LABEL_MAX,
    SCORE_COMMENT_MAX,
    CriterionData,
    CriterionTextData,
    ReviewData,
    ScoreData,
    SelectionError,
    score_field,
)

SCORE_MESSAGE = _l(
    "Give a score from %(lowest)d to %(highest)d.", lowest=LOWEST_SCORE, highest=HIGHEST_SCORE
)


def add_service_errors(form: FlaskForm, exc: SelectionError) -> None:
    """Put a service's messages beside their fields ("text_fr.label" names a sub-form's
    field), and its general message above the form."""
    for name, message in exc.errors.items():
        target: Any = form
        for part in name.split("."):
            target = target._fields.get(part) if target is not None else None
            if isinstance(target, FormField):
                target = target.form
        if isinstance(target, Field):
            target.errors = [*target.errors, message]
        else:
            form.form_errors.append(message)
    if not exc.errors:
        form.form_errors.append(exc.message)


# --- criteria ---------------------------------------------------------------------------------


class CriterionTextForm(SubForm):
    label = StringField(_l("Name"), validators=[Optional(), Length(max=LABEL_MAX), PlainText()])
    help_text = TextAreaField(
        _l("What reviewers look for"),
        validators=[Optional(), Length(max=HELP_MAX), PlainText(multiline=True)],
        filters=[one_line_break],
    )


class CriterionForm(FlaskForm):
    """A criterion's name and guidance in English, French and Spanish."""

    text_en = FormField(CriterionTextForm, label=_l("In English"))
    text_fr = FormField(CriterionTextForm, label=_l("In French"))
    text_es = FormField(CriterionTextForm, label=_l("In Spanish"))
    submit = SubmitField(_l("Save the criterion"))

    def __init__(
        self,
        *args: Any,
        course: Course,
        criterion: SelectionCriterion | None = None,
        **kwargs: Any,
    ) -> None:
        # Prefilled on the page only: a post says every text itself (an emptied one too).
        if criterion is not None and request.method == "GET":
            kwargs.setdefault(
                "data",
                {
                    f"text_{t.locale}": {"label": t.label, "help_text": t.help_text}
                    for t in criterion.texts
                },
            )
        super().__init__(*args, **kwargs)
        self.course = course

    @property
    def language_fields(self) -> list[tuple[str, FormField]]:
        """(code, sub-form) of each language, the course's main language first."""
        codes = sorted(LANGUAGE_NAMES, key=lambda code: code != self.course.default_locale)
        return [(code, self[f"text_{code}"]) for code in codes]

    def data_for_service(self) -> CriterionData:
        return CriterionData(
            texts={
                code: CriterionTextData(
                    label=sub.form.label.data or "", help_text=sub.form.help_text.data or ""
                )
                for code, sub in self.language_fields
            }
        )


class MoveCriterionForm(FlaskForm):
    direction = SelectField(
        _l("Direction"),
        choices=[SelectChoice("up", _l("Move up")), SelectChoice("down", _l("Move down"))],
        validators=[InputRequired()],
    )


# --- reviews ----------------------------------------------------------------------------------


class ScoreField(IntegerField):
    """A score on the 1–5 scale, shown as radio buttons. Anything that is not a whole number
    is taken as no score, so the one message beside the field says what to give."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if valuelist and valuelist[0] not in ("", None):
            value = str(valuelist[0]).strip()
            if value.isascii() and value.isdigit() and len(value) <= 3:
                self.data = int(value)


def check_score(form: Form, field: Field) -> None:
    if field.data is None or not LOWEST_SCORE <= field.data <= HIGHEST_SCORE:
        raise ValidationError(str(SCORE_MESSAGE))


def note_field(criterion_id: int) -> str:
    return f"note_{criterion_id}"


class BaseReviewForm(FlaskForm):
    comment = TextAreaField(
        _l("Your comment on the application"),
        validators=[Optional(), Length(max=COMMENT_MAX), PlainText(multiline=True)],
        filters=[one_line_break],
        description=_l("Optional. The other reviewers and the organisers read it."),
    )
    submit = SubmitField(_l("Save my review"))

    criteria: list[SelectionCriterion]

    def score(self, criterion: SelectionCriterion) -> ScoreField:
        return self[score_field(criterion.id)]  # type: ignore[return-value]

    def note(self, criterion: SelectionCriterion) -> TextAreaField:
        return self[note_field(criterion.id)]  # type: ignore[return-value]

    def data_for_service(self) -> ReviewData:
        return ReviewData(
            scores={
                c.id: ScoreData(self.score(c).data, self.note(c).data or "") for c in self.criteria
            },
            comment=self.comment.data or "",
        )


def review_form(criteria: list[SelectionCriterion], locale: str, **kwargs: Any) -> BaseReviewForm:
    """The review form of a course: a score and a note for each of its active ``criteria``."""

    class ReviewForm(BaseReviewForm):
        pass

    for criterion in criteria:
        setattr(
            ReviewForm,
            score_field(criterion.id),
            ScoreField(criterion.label(locale), validators=[check_score]),
        )
        setattr(
            ReviewForm,
            note_field(criterion.id),
            TextAreaField(
                _l("Note on “%(criterion)s”", criterion=criterion.label(locale)),
                validators=[Optional(), Length(max=SCORE_COMMENT_MAX), PlainText(multiline=True)],
                filters=[one_line_break],
            ),
        )
    form = ReviewForm(**kwargs)
    form.criteria = criteria
    return form


# --- decisions --------------------------------------------------------------------------------


class DecisionForm(FlaskForm):
    """One decision on the applications ticked in the list (or on the one shown)."""

    decision = SelectField(
        _l("Decision for the selected applications"),
        choices=[SelectChoice("", _l("Choose a decision"))]
        + [SelectChoice(d.value, d.label) for d in Decision],
        validators=[InputRequired(message=_l("Choose a decision."))],
    )
    registration_ids = SelectMultipleField(
        _l("Selected applications"),
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(message=_l("Select at least one application."))],
    )
    message = TextAreaField(
        _l("Message to the applicants (optional)"),
        validators=[Optional(), Length(max=MESSAGE_MAX), PlainText(multiline=True)],
        filters=[one_line_break],
        description=_l(
            "Added to the decision's mail, which is in each applicant's language, and kept in "
            "the application's history. Write it in a language they read."
        ),
    )
    next = HiddenField()
    submit = SubmitField(_l("Decide"))

    def __init__(self, *args: Any, course: Course, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.course = course
        self.registrations: list[Registration] = []

    def validate_registration_ids(self, field: SelectMultipleField) -> None:
        ids = set(field.data or [])
        if any(not 0 < i <= MAX_ID for i in ids):
            raise ValidationError(_l("Some of the selected applications are not of this course."))
        found = db.session.scalars(
            sa.select(Registration).where(
                Registration.course_id == self.course.id, Registration.id.in_(ids)
            )
        ).all()
        if len(found) != len(ids):
            raise ValidationError(_l("Some of the selected applications are not of this course."))
        self.registrations = list(found)


# --- the list ---------------------------------------------------------------------------------


class SelectionFilterForm(FlaskForm):
    """The list's filter and order, read from the query string (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    show = SelectField(
        _l("Show"), choices=[SelectChoice(s.value, s.label) for s in Show], default="undecided"
    )
    sort = SelectField(_l("Sort by"), default="overall")
    order = SelectField(
        _l("Order"),
        choices=[
            SelectChoice("desc", _l("Highest first")),
            SelectChoice("asc", _l("Lowest first")),
        ],
        default="desc",
    )

    def __init__(
        self, *args: Any, criteria: list[SelectionCriterion], locale: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        labels = {
            "overall": _l("Overall mean"),
            "reviews": _l("Number of reviews"),
            "spread": _l("Spread"),
            "name": _l("Name"),
            "applied": _l("Date of application"),
        }
        self.sort.choices = [SelectChoice(key, labels[key]) for key in SORT_VALUES] + [
            SelectChoice(f"criterion-{c.id}", c.label(locale)) for c in criteria
        ]

    def chosen(self) -> tuple[Show, str, bool]:
        """(show, sort key, descending); a value that is not one of the choices is ignored."""
        shows = {s.value for s in Show}
        keys = {c.value for c in self.sort.choices}  # type: ignore[union-attr]
        show = Show(self.show.data) if self.show.data in shows else Show.UNDECIDED
        sort = self.sort.data if self.sort.data in keys else "overall"
        return show, sort, self.order.data != "asc"
