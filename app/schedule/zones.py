"""Which time zone a course's times are in, said in words beside its timetables and forms.

Below the schedule's services and the feeds' change notices, which both say it: neither needs
the other for it.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.core.templating import tzname
from app.core.timeutil import user_timezone
from app.courses.models import Course

__all__ = ["entry_zone_hint", "zone_label", "zone_note"]


def zone_label(course: Course) -> str:
    """The venue's time for labels, in the current language: "Turin time (CET)"; both
    abbreviations when the week crosses a daylight-saving change ("CEST/CET")."""
    abbreviations: list[str] = []
    for day in course.day_dates:
        name = tzname(day, course.timezone)
        if name not in abbreviations:
            abbreviations.append(name)
    zone = "/".join(abbreviations)
    if course.venue and course.venue.city:
        return _("%(city)s time (%(zone)s)", city=course.venue.city, zone=zone)
    if zone == course.timezone:
        return zone
    return _("%(timezone)s time (%(zone)s)", timezone=course.timezone, zone=zone)


def zone_note(course: Course, user: Any) -> str:
    """The sentence beside a timetable that says which zone its times are in, for ``user``."""
    if not course.is_online:
        return _("Times are in %(zone)s.", zone=zone_label(course))
    zone = user_timezone(user)
    if zone:
        return _("Times in your time zone (%(zone)s).", zone=zone)
    return _("Times in UTC.")


def entry_zone_hint(course: Course, user: Any) -> str:
    """The hint beside the time fields of the session forms: which zone ``user`` types in."""
    if not course.is_online:
        return _("Local time at the venue: %(zone)s.", zone=zone_label(course))
    zone = user_timezone(user)
    if zone:
        return _("In your time zone (%(zone)s); stored in UTC.", zone=zone)
    return _("In UTC. Choose your time zone in your account to type local times.")
