"""What every form's text goes through: plain text, with one kind of line break.

Text people type is stored as it is and always shown escaped (pages, emails, calendar feeds),
so markup needs no special care; control characters do. NUL cannot be stored by PostgreSQL,
escape codes and stray carriage returns break mail headers and calendar lines, and
bidirectional overrides make a name read backwards. Every text field refuses them with
:class:`PlainText`; multi-line fields first turn the browser's CRLF into "\\n" with
:func:`one_line_break`.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from functools import lru_cache
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.i18n import translations as wtforms_translations
from markupsafe import Markup, escape
from wtforms import Field, Form
from wtforms.validators import ValidationError
from wtforms.widgets import Select, html_params


class SubForm(Form):
    """A form nested in a FlaskForm (a row of rooms, the texts in one language): plain WTForms
    forms, unlike FlaskForm, do not ask for translations, so their built-in messages ("Not a
    valid integer value.") would stay English whatever the reader's language."""

    class Meta:
        def get_translations(self, form: Form) -> Any:
            return wtforms_translations


# Dates people may enter: wide enough for any course, narrow enough that a date moved to UTC,
# a week or a follow-up phase later, stays within what Python's dates hold (years 1 to 9999).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)

# Bidirectional overrides and isolates: invisible, and able to make a name read backwards.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_control(char: str, *, multiline: bool = False) -> bool:
    """A character no text field takes (line breaks and tabs are fine in multi-line text)."""
    if multiline and char in "\n\t":
        return False
    return unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS


def one_line_break(value: Any) -> Any:
    """A filter for multi-line text: CRLF and lone CR become "\\n"."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n")


class PlainText:
    """Refuse control characters (NUL, escape codes, bidirectional overrides…); line breaks
    and tabs only in multi-line text. What people type stays plain text, shown escaped."""

    def __init__(self, *, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, form: Form, field: Field) -> None:
        if isinstance(field.data, str) and any(
            is_control(c, multiline=self.multiline) for c in field.data
        ):
            if self.multiline:
                message = _l(
                    "This text contains invisible control characters. Type it again "
                    "or paste it as plain text."
                )
            else:
                message = _l(
                    "This text contains line breaks, tabs or invisible control characters. "
                    "Type it again on one line."
                )
            raise ValidationError(message)


class SensibleDate:
    """Refuse a date before 1900 or after 2199 (a typo such as 0201 or 20017, or a probe)."""

    def __call__(self, form: Form, field: Field) -> None:
        if isinstance(field.data, date) and not EARLIEST_DATE <= field.data <= LATEST_DATE:
            raise ValidationError(
                _l(
                    "Enter a date between the years %(first)d and %(last)d.",
                    first=EARLIEST_DATE.year,
                    last=LATEST_DATE.year,
                )
            )


class LongSelect(Select):
    """A ``<select>`` of many options (the 250 countries) whose options are rendered once per
    list and kept: the country and nationality fields were most of the application form's
    rendering time. Only the chosen option is marked at each rendering."""

    def __init__(self, entries: int = 32) -> None:
        super().__init__()
        self._options = lru_cache(maxsize=entries)(self._render_options)

    @staticmethod
    def _render_options(choices: tuple[tuple[str, str], ...]) -> str:
        return "".join(
            f'<option value="{escape(value)}">{escape(label or value)}</option>'
            for value, label in choices
        )

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in dir(flags):
            if name in self.validation_attrs and name not in kwargs:
                kwargs[name] = getattr(flags, name)
        choices = tuple(
            (str(choice.value), str(choice.label)) for choice in field._iter_choices_normalized()
        )
        options = self._options(choices)
        chosen = field.data if isinstance(field.data, str) else None
        if chosen is not None and any(value == chosen for value, _label in choices):
            tag = f'<option value="{escape(chosen)}">'
            options = options.replace(tag, f'<option selected value="{escape(chosen)}">', 1)
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options}</select>")
