"""The session buttons: each posts only its CSRF token (and where to go back to)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField


class EndSessionForm(FlaskForm):
    """End one session, every other session of one's own, or (administrators) all of a
    person's sessions: only the button and the CSRF token."""

    next = HiddenField()
