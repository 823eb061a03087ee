"""Forms of the session ratings: a participant's rating of one session, and the organisers'
switch."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.core.forms import PlainText, one_line_break
from app.evaluation.rating_models import COMMENT_LIMIT


class SessionRatingForm(FlaskForm):
    """One session's rating. Pages with several sessions give each form the prefix
    ``session-<id>`` (:func:`rating_prefix`) so that their fields' ids differ."""

    score = RadioField(
        _l("Your rating"),
        choices=[
            SelectChoice("1", _l("1 – Very poor")),
            SelectChoice("2", _l("2 – Poor")),
            SelectChoice("3", _l("3 – Fair")),
            SelectChoice("4", _l("4 – Good")),
            SelectChoice("5", _l("5 – Excellent")),
        ],
        validators=[InputRequired(message=_l("Choose a rating from 1 to 5."))],
    )
    comment = TextAreaField(
        _l("Comment (optional)"),
        validators=[Optional(), Length(max=COMMENT_LIMIT), PlainText(multiline=True)],
        filters=[one_line_break],
        description=_l("Anonymous: the team sees the comment, not who wrote it."),
    )
    submit = SubmitField(_l("Send my rating"))


def rating_prefix(session_id: int) -> str:
    return f"session-{session_id}"


class RatingSwitchForm(FlaskForm):
    """The organisers switch the session ratings of a course on or off."""

    is_enabled = BooleanField(_l("Ask participants to rate each session (1 to 5 and a comment)"))
    submit = SubmitField(_l("Save"))
