"""Placeholders in the organisers' mail: ``{first_name}`` and the like, filled in for each
recipient in their language.

A placeholder is a name between single curly braces. Anything between braces that is not one
of :data:`PLACEHOLDERS` is refused before the message is stored, so a typo never reaches a
participant as ``{frist_name}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app.core.templating import daterange
from app.core.urls import external_url
from app.registration.models import Registration

# What may stand between the braces: anything but braces (and line breaks, so a stray "{" does
# not swallow a paragraph).
_BRACED = re.compile(r"\{([^{}\r\n]*)\}")


@dataclass(frozen=True)
class Placeholder:
    name: str
    description: Any  # a lazy string

    @property
    def token(self) -> str:
        return "{" + self.name + "}"


PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder("first_name", _l("The participant's first name (first word of their name)")),
    Placeholder("name", _l("The participant's full name, as on the certificate")),
    Placeholder("course_title", _l("The course's title in the participant's language")),
    Placeholder("dates", _l("The course's dates at the venue, in the participant's language")),
    Placeholder("my_courses_url", _l("The link to the participant's “My courses” page")),
)
NAMES = frozenset(p.name for p in PLACEHOLDERS)


def unknown_placeholders(text: str) -> list[str]:
    """The braced names in ``text`` that are not placeholders, in order, each once."""
    found: list[str] = []
    for match in _BRACED.finditer(text):
        token = match.group(0)
        if match.group(1) not in NAMES and token not in found:
            found.append(token)
    return found


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with each placeholder replaced by its value (unknown ones are left as written:
    they were refused before)."""
    return _BRACED.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def first_name(full_name: str) -> str:
    words = full_name.split()
    return words[0] if words else ""


def values_for(registration: Registration, locale: str) -> dict[str, str]:
    """Each placeholder's value for ``registration``, written for ``locale``."""
    course = registration.course
    with force_locale(locale):
        dates = daterange(course.start_date, course.end_date)
    return {
        "first_name": first_name(registration.certificate_name),
        "name": registration.certificate_name,
        "course_title": course.title(locale),
        "dates": dates,
        "my_courses_url": external_url("registration.my_courses"),
    }
