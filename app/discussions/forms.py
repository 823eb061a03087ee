"""Forms of the discussions: a post (a topic, a reply, an edit) and the digest choice."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from app.core.forms import PlainText, one_line_break
from app.discussions.services import BODY_MAX_LENGTH


class PostForm(FlaskForm):
    """The text of a post: plain text, links made clickable when shown."""

    body = TextAreaField(
        _l("Your message"),
        validators=[
            InputRequired(message=_l("Write something first.")),
            Length(
                max=BODY_MAX_LENGTH,
                message=_l("A post can have at most %(max)d characters."),
            ),
            PlainText(multiline=True),
        ],
        filters=[one_line_break],
        description=_l("Plain text; web addresses (https://…) become links."),
    )
    submit = SubmitField(_l("Publish"))


class DigestForm(FlaskForm):
    """Turn the daily digest of a course's discussions on or off: the button says which."""

    turn_on = SubmitField(_l("Send me the daily digest"))
    turn_off = SubmitField(_l("Stop the daily digest"))
