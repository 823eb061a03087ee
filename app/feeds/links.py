"""Links people click to put our events in their calendars: one event, or a subscription.

Pure functions. One-event links carry the same summary, times, place and description as the
item's VEVENT (:mod:`app.feeds.calendars`), so a link and a feed never disagree. Times are
in UTC (Google ``YYYYMMDDTHHMMSSZ``, Outlook ISO 8601 with ``Z``); all-day items use dates
with an exclusive end.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from app.courses.models import CourseStatus, RegistrationMode
from app.feeds.calendars import (
    activity_when,
    course_url,
    plain_text,
    session_location,
)
from app.followup.models import ActivityKind, FollowupActivity
from app.schedule.models import CourseSession

__all__ = [
    "EventText",
    "activity_text",
    "google_calendar_link",
    "google_subscribe_url",
    "outlook_link",
    "outlook_subscribe_url",
    "session_links",
    "session_text",
    "webcal_url",
]

GOOGLE_EVENT = "https://calendar.google.com/calendar/render"
GOOGLE_SUBSCRIBE = "https://calendar.google.com/calendar/r"
OUTLOOK_WORK = "https://outlook.office.com"
OUTLOOK_PERSONAL = "https://outlook.live.com"
# Browsers and both services refuse very long URLs; a description rarely needs more.
MAX_DETAILS = 1500


@dataclass(frozen=True)
class EventText:
    """What a one-event link carries: the VEVENT's SUMMARY, DTSTART, DTEND, LOCATION and
    DESCRIPTION, read from the item's fields (no icalendar object: a course page shows
    dozens of these links, and building the events cost more than half of it)."""

    summary: str
    start: date | datetime
    end: date | datetime
    location: str
    details: str


@contextmanager
def _in_locale(locale: str) -> Iterator[None]:
    # force_locale refreshes Babel's state; on a page in the reader's language, skip it.
    try:
        same = str(get_locale()) == locale
    except RuntimeError:  # no app or request context: nothing to compare with
        same = False
    with nullcontext() if same else force_locale(locale):
        yield


def _paragraphs(*parts: str) -> str:
    # As app.feeds.calendars writes a DESCRIPTION: cleaned, non-empty parts, a blank line apart.
    cleaned = (plain_text(part).strip() for part in parts if part)
    return "\n\n".join(part for part in cleaned if part)


def _summary(item: CourseSession | FollowupActivity, title: str) -> str:
    own = isinstance(item, CourseSession) and item.is_cancelled
    title = plain_text(title)
    if own or item.course.status == CourseStatus.CANCELLED:
        return _("Cancelled: %(title)s", title=title)
    return title


def session_text(session: CourseSession, locale: str) -> EventText:
    """The text of :func:`app.feeds.calendars.session_event`, from the session's fields."""
    course = session.course
    with _in_locale(locale):
        details = [f"{_('Kind')}: {session.kind.label}"]
        if session.module is not None:
            module = session.module
            details.append(f"{_('Module')}: {module.code} – {module.title(locale)}")
        if session.facilitators:
            details.append(f"{_('Facilitators')}: {session.facilitators}")
        description = _paragraphs(
            "\n".join(details), session.description, f"{course.title(locale)}\n{course_url(course)}"
        )
        return EventText(
            summary=_summary(session, session.title),
            start=session.starts_at.astimezone(UTC),
            end=session.ends_at.astimezone(UTC),
            location=plain_text(session_location(session)),
            details=description,
        )


def activity_text(activity: FollowupActivity, locale: str) -> EventText | None:
    """The text of :func:`app.feeds.calendars.activity_event` as a public feed has it (no join
    link unless the course takes no registration), or None when it has no time to show."""
    course = activity.course
    kind = activity.kind
    with _in_locale(locale):
        when = activity_when(activity)
        if when is None:
            return None
        title, start, end = when
        link_label = _("Join link") if kind == ActivityKind.WEBINAR else _("Link")
        shown = activity.link if course.registration_mode == RegistrationMode.NONE else ""
        description = _paragraphs(
            str(kind.label),
            activity.description,
            f"{link_label}: {shown}" if shown else "",
            f"{course.title(locale)}\n{course_url(course)}",
        )
        return EventText(
            summary=_summary(activity, title),
            start=start,
            end=end,
            location="",
            details=description,
        )


def _text(item: CourseSession | FollowupActivity, locale: str) -> EventText | None:
    if isinstance(item, CourseSession):
        return session_text(item, locale)
    return activity_text(item, locale)


def _details(text: EventText) -> str:
    details = text.details
    if len(details) > MAX_DETAILS:
        details = details[: MAX_DETAILS - 1].rstrip() + "…"
    return details


def _query(params: dict[str, str]) -> str:
    # %20 for spaces (not "+"), which every calendar service reads the same way.
    return urlencode(params, quote_via=quote, safe="/")


def _google(text: EventText) -> str:
    if isinstance(text.start, datetime):
        fmt = "%Y%m%dT%H%M%SZ"
        dates = f"{text.start.astimezone(UTC):{fmt}}/{text.end.astimezone(UTC):{fmt}}"
    else:
        dates = f"{text.start:%Y%m%d}/{text.end:%Y%m%d}"
    params = {"action": "TEMPLATE", "text": text.summary, "dates": dates, "details": _details(text)}
    if text.location:
        params["location"] = text.location
    return f"{GOOGLE_EVENT}?{_query(params)}"


def _outlook_time(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
    return value.isoformat()


def _outlook(text: EventText, *, personal: bool) -> str:
    params = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": text.summary,
        "startdt": _outlook_time(text.start),
        "enddt": _outlook_time(text.end),
    }
    if not isinstance(text.start, datetime):
        params["allday"] = "true"
    params["body"] = _details(text)
    if text.location:
        params["location"] = text.location
    host = OUTLOOK_PERSONAL if personal else OUTLOOK_WORK
    return f"{host}/calendar/0/deeplink/compose?{_query(params)}"


def google_calendar_link(item: CourseSession | FollowupActivity, *, locale: str) -> str | None:
    """Google Calendar's "add this event" page for a session or an activity; None for an
    activity with no time."""
    text = _text(item, locale)
    return _google(text) if text is not None else None


def outlook_link(
    item: CourseSession | FollowupActivity, *, locale: str, personal: bool = False
) -> str | None:
    """Outlook on the web's "new event" form for a session or an activity (work and school
    accounts; ``personal`` for outlook.com ones); None for an activity with no time."""
    text = _text(item, locale)
    return _outlook(text, personal=personal) if text is not None else None


def session_links(sessions: Iterable[CourseSession], *, locale: str) -> dict[int, dict[str, str]]:
    """The Google and Outlook links of each session, by id: each session's text is made
    once for both, in one switch to ``locale`` for them all."""
    with _in_locale(locale):
        links = {}
        for session in sessions:
            text = session_text(session, locale)
            links[session.id] = {"google": _google(text), "outlook": _outlook(text, personal=False)}
        return links


def webcal_url(https_url: str) -> str:
    """The ``webcal://`` form of a feed address, which Apple Calendar and Outlook open as a
    subscription."""
    parts = urlsplit(https_url)
    if parts.scheme not in {"http", "https", "webcal"}:
        raise ValueError(f"not a web address: {https_url!r}")
    return urlunsplit(("webcal", *parts[1:]))


def google_subscribe_url(feed_url: str) -> str:
    """Google Calendar's "add this calendar" page for a feed (Google fetches it itself)."""
    return f"{GOOGLE_SUBSCRIBE}?cid={quote(webcal_url(feed_url), safe='')}"


def outlook_subscribe_url(feed_url: str, name: str, *, personal: bool = False) -> str:
    """Outlook on the web's "subscribe from web" page for a feed, named ``name``."""
    host = OUTLOOK_PERSONAL if personal else OUTLOOK_WORK
    query = urlencode({"url": feed_url, "name": name}, quote_via=quote, safe="")
    return f"{host}/calendar/0/addfromweb?{query}"
