"""What an organiser is warned of before publishing a course: what visitors would find
missing or wrong on its page. Warnings, not refusals: a course may be published as it is once
the organiser has read them (courses.edit asks)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from app.courses.models import Course
from app.courses.services import CourseDetails
from app.schedule.services import find_room_overlaps


def publication_warnings(course: Course, details: CourseDetails) -> list[Any]:
    """The warnings for publishing ``course`` with the ``details`` about to be saved (its
    texts as typed; its sessions as stored)."""
    warnings: list[Any] = []
    main = details.texts.get(details.default_locale)
    if main is None or not main.summary.strip():
        warnings.append(
            _l("It has no summary in its main language: the catalogue would show its title alone.")
        )
    live = [s for s in course.sessions if not s.is_cancelled]
    if not live:
        if course.kind.is_event:
            warnings.append(_l("It has no sessions yet: its page would show no programme."))
        else:
            warnings.append(_l("Its timetable is empty: its page would show no programme."))
    overlaps = len(find_room_overlaps(course))
    if overlaps:
        warnings.append(
            lazy_ngettext(
                "Its timetable has a room conflict: two sessions in one room at once.",
                "Its timetable has %(num)d room conflicts: two sessions in one room at once.",
                overlaps,
            )
        )
    return warnings
