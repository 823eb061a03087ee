"""Links people click to put our events in their calendars: one event, or a subscription.

Pure functions. One-event links carry the same summary, times, place and description as the
item's VEVENT (:mod:`app.feeds.calendars`), so a link and a feed never disagree. Times are
in UTC (Google ``YYYYMMDDTHHMMSSZ``, Outlook ISO 8601 with ``Z``); all-day items use dates
with an exclusive end.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from icalendar import Event

from app.feeds.calendars import activity_event, session_event
from app.followup.models import FollowupActivity
from app.schedule.models import CourseSession

__all__ = [
    "google_calendar_link",
    "google_subscribe_url",
    "outlook_link",
    "outlook_subscribe_url",
    "webcal_url",
]

GOOGLE_EVENT = "https://calendar.google.com/calendar/render"
GOOGLE_SUBSCRIBE = "https://calendar.google.com/calendar/r"
OUTLOOK_WORK = "https://outlook.office.com"
OUTLOOK_PERSONAL = "https://outlook.live.com"
# Browsers and both services refuse very long URLs; a description rarely needs more.
MAX_DETAILS = 1500


def _event(item: CourseSession | FollowupActivity, locale: str) -> Event | None:
    if isinstance(item, CourseSession):
        return session_event(item, locale)
    return activity_event(item, locale)


def _text(event: Event, name: str) -> str:
    value = event.get(name)
    return str(value) if value is not None else ""


def _details(event: Event) -> str:
    details = _text(event, "DESCRIPTION")
    if len(details) > MAX_DETAILS:
        details = details[: MAX_DETAILS - 1].rstrip() + "…"
    return details


def _query(params: dict[str, str]) -> str:
    # %20 for spaces (not "+"), which every calendar service reads the same way.
    return urlencode(params, quote_via=quote, safe="/")


def google_calendar_link(item: CourseSession | FollowupActivity, *, locale: str) -> str | None:
    """Google Calendar's "add this event" page for a session or an activity; None for an
    activity with no time."""
    event = _event(item, locale)
    if event is None:
        return None
    start, end = event["DTSTART"].dt, event["DTEND"].dt
    if isinstance(start, datetime):
        fmt = "%Y%m%dT%H%M%SZ"
        dates = f"{start.astimezone(UTC):{fmt}}/{end.astimezone(UTC):{fmt}}"
    else:
        dates = f"{start:%Y%m%d}/{end:%Y%m%d}"
    params = {
        "action": "TEMPLATE",
        "text": _text(event, "SUMMARY"),
        "dates": dates,
        "details": _details(event),
    }
    location = _text(event, "LOCATION")
    if location:
        params["location"] = location
    return f"{GOOGLE_EVENT}?{_query(params)}"


def _outlook_time(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
    return value.isoformat()


def outlook_link(
    item: CourseSession | FollowupActivity, *, locale: str, personal: bool = False
) -> str | None:
    """Outlook on the web's "new event" form for a session or an activity (work and school
    accounts; ``personal`` for outlook.com ones); None for an activity with no time."""
    event = _event(item, locale)
    if event is None:
        return None
    start, end = event["DTSTART"].dt, event["DTEND"].dt
    params = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": _text(event, "SUMMARY"),
        "startdt": _outlook_time(start),
        "enddt": _outlook_time(end),
    }
    if not isinstance(start, datetime):
        params["allday"] = "true"
    params["body"] = _details(event)
    location = _text(event, "LOCATION")
    if location:
        params["location"] = location
    host = OUTLOOK_PERSONAL if personal else OUTLOOK_WORK
    return f"{host}/calendar/0/deeplink/compose?{_query(params)}"


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
