"""iCalendar feeds and downloads of courses: pure functions from our rows to bytes.

One VEVENT per item, built by :func:`session_event` or :func:`activity_event` and used by
every feed and download that carries the item, so its UID, SEQUENCE and text are the same
everywhere. Nothing here reads the clock or invents a value: DTSTAMP and LAST-MODIFIED come
from the item's ``updated_at``, UIDs from its stored ``uid``, and events are sorted, so the
same data always gives the same bytes (ETags then match). See ``docs/ICAL.md`` in shared/ for
the client quirks honoured here.

What goes in:

- On-site sessions, in the venue's zone (TZID plus a VTIMEZONE from
  :mod:`app.feeds.timezones`); sessions of an online course or event in UTC. Coffee
  breaks and lunch are left out of course feeds: they clutter a calendar and everyone knows
  the day has them. Cancelled sessions stay, with STATUS:CANCELLED and a "Cancelled: "
  title prefix, so subscribers see the change.
- Webinars: timed events in UTC, their join link as URL and in the description.
- Assignments: a 15-minute event ending at the due time, titled "Deadline: <title>" (a
  zero-length event is badly supported, an all-day one would hide the hour).
- Discussions: an all-day event on the local date they open; left out without a date.

Every event names an ORGANIZER (the course's contact, else the site), as RFC 5546 asks under
METHOD:PUBLISH. A host event's feed also holds its side events, a programme's feed its courses
and events: one VTIMEZONE per zone used, and X-WR-TIMEZONE only when one zone covers them all
(:func:`calendar_zone`, the same rule in every feed). Personal and organiser feeds gather the
same events across courses. An event whose place in the reader's plans is not settled (an
application still submitted or waitlisted, a course still in draft) is a copy marked
STATUS:TENTATIVE, title unchanged; its DTSTAMP and LAST-MODIFIED then also count the
registration's or the course's last change, so clients see the change when it becomes
CONFIRMED.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parseaddr
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app, g
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event, vCalAddress, vDuration, vText

from app.core.urls import external_url
from app.courses.models import Course, CourseStatus, Programme, RegistrationMode
from app.feeds.loaders import personal_registrations, team_courses
from app.feeds.models import FeedKind
from app.feeds.timezones import vtimezone
from app.followup.models import ActivityKind, FollowupActivity
from app.registration.models import RegistrationStatus
from app.schedule.models import CourseSession

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.registration.models import Registration

__all__ = [
    "PRODID",
    "activity_event",
    "build_calendar",
    "calendar_bytes",
    "calendar_zone",
    "course_calendar",
    "course_events",
    "event_zone",
    "organiser_calendar",
    "organiser_calendar_name",
    "organizer",
    "personal_calendar",
    "personal_calendar_name",
    "programme_calendar",
    "session_calendar",
    "session_event",
    "tentative_event",
]

PRODID = "-//Atelier//Course calendar//EN"
# An assignment shows as a short slot ending when the work is due.
DEADLINE_LENGTH = timedelta(minutes=15)
# A webinar stored without an end (older rows) still needs one.
DEFAULT_WEBINAR_LENGTH = timedelta(hours=1)
# Personal feeds: a confirmed place shows the course's events as they are, an application
# still open shows them TENTATIVE; cancelled and rejected ones show nothing.
CONFIRMED_REGISTRATIONS = frozenset({RegistrationStatus.CONFIRMED})
TENTATIVE_REGISTRATIONS = frozenset({RegistrationStatus.SUBMITTED, RegistrationStatus.WAITLISTED})
# Subscribed feeds of several courses are re-read more often than a course's own.
PRIVATE_REFRESH = "PT3H"


# Small helpers -----------------------------------------------------------------------------


def site_host() -> str:
    """The host of SITE_URL, the right-hand side of our UIDs."""
    return urlsplit(current_app.config["SITE_URL"]).hostname or "localhost"


def course_url(course: Course) -> str:
    """The course page on SITE_URL. Remembered for the app context (SITE_URL does not change
    within one): outside a request each URL costs a throwaway request context, and a feed
    asks once per event."""
    known: dict[str, str] = g.setdefault("_feeds_course_urls", {})
    if course.slug not in known:
        known[course.slug] = external_url("courses.show", slug=course.slug)
    return known[course.slug]


def _changed_at(item: CourseSession | FollowupActivity) -> datetime:
    """The item's last change, for DTSTAMP and LAST-MODIFIED (never the clock); icalendar
    writes both in UTC, to the second.

    A cancelled course changes every item of it, so its own change counts too."""
    stamps = [item.updated_at]
    if item.course.status == CourseStatus.CANCELLED:
        stamps.append(item.course.updated_at)
    if None in stamps:
        raise ValueError(f"{item!r} has no updated_at yet: flush it before building a calendar")
    return max(stamps)


def _is_cancelled(item: CourseSession | FollowupActivity) -> bool:
    own = isinstance(item, CourseSession) and item.is_cancelled
    return own or item.course.status == CourseStatus.CANCELLED


# C0 and C1 control characters; line breaks and tabs are kept apart.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain_text(text: str) -> str:
    """``text`` as a calendar may carry it: "\\n" as the only line break, no control characters.

    The forms refuse those, but older rows, imports or the shell may hold some, and a NUL or
    an escape code in one title makes strict readers refuse the whole feed. icalendar escapes
    the rest (backslashes, ``;``, ``,`` and line breaks)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_CHARACTERS.sub("", text)


class Text(vText):
    r"""A TEXT value escaped as RFC 5545 §3.3.11 says. icalendar's own escaping first turns a
    typed "\N" into a line break (a path such as "\\server\Notes" would lose it); here a
    backslash is only ever a backslash. Values come through :func:`plain_text`, so "\n" is
    their only line break."""

    def to_ical(self) -> bytes:
        escaped = (
            str(self)
            .replace("\\", "\\\\")
            .replace(";", "\\;")
            .replace(",", "\\,")
            .replace("\n", "\\n")
        )
        return escaped.encode(self.encoding)


def _paragraphs(*parts: str) -> str:
    cleaned = (plain_text(part).strip() for part in parts if part)
    return "\n\n".join(part for part in cleaned if part)


def _web_link(link: str) -> str | None:
    """``link`` if it is fit for URL: a URI value is not escaped like text, so it must have
    no space, line break or control character."""
    if not link or _CONTROL_CHARACTERS.search(link) or any(c.isspace() for c in link):
        return None
    return link


def organizer(course: Course) -> vCalAddress:
    """The ORGANIZER of the course's events (RFC 5546 wants one under METHOD:PUBLISH): its
    contact person and address, else the site's sender address under the site's name."""
    config = current_app.config
    address = _web_link(course.contact_email or "") or _web_link(
        parseaddr(config.get("MAIL_DEFAULT_SENDER") or "")[1]
    )
    value = vCalAddress(f"mailto:{address or f'no-reply@{site_host()}'}")
    # A parameter value is one line and cannot hold a double quote (RFC 5545 §3.2).
    name = " ".join(plain_text(course.contact_name or "").replace('"', "'").split())
    value.params["CN"] = name or config["SITE_NAME"]
    return value


def _base_event(item: CourseSession | FollowupActivity, uid: str, summary: str) -> Event:
    """The properties every event of ours has, in a fixed order."""
    cancelled = _is_cancelled(item)
    changed = _changed_at(item)
    event = Event()
    event.add("uid", f"{uid}@{site_host()}")
    event.add("dtstamp", changed)
    event.add("last-modified", changed)
    # Cancelling or restoring the whole course raises every item's sequence (courses.services).
    event.add("sequence", item.sequence)
    summary = plain_text(summary)
    event.add("summary", Text(_("Cancelled: %(title)s", title=summary) if cancelled else summary))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("organizer", organizer(item.course))
    return event


# Events ------------------------------------------------------------------------------------


def event_zone(course: Course) -> str:
    """The zone a course's sessions are written in: the venue's, or UTC for an online
    course (each viewer's calendar shows it in their own zone)."""
    if course.is_online or course.venue is None:
        return "UTC"
    return course.venue.timezone


def session_location(session: CourseSession) -> str:
    """Room, venue, address and city, in one line; "Online" for an online course (its join
    link is not published in the feeds)."""
    if session.course.is_online:
        return _("Online")
    venue = session.course.venue
    parts = [session.room.name if session.room else ""]
    if venue is not None:
        parts.append(venue.name)
        parts.extend(line.strip() for line in venue.address.splitlines())
        # Addresses often end with the city already: as a word of its own, in any case (a
        # street that only starts like the city, "Corso Turinetti", does not name it). An
        # empty city adds an empty part, left out below.
        named = rf"(?<!\w){re.escape(venue.city)}(?!\w)"
        if not re.search(named, venue.address, re.IGNORECASE):
            parts.append(venue.city)
    return ", ".join(part for part in parts if part)


def session_event(session: CourseSession, locale: str) -> Event:
    """The VEVENT of one session, at the venue's wall-clock time (in UTC when the course is
    online).

    Breaks are built like any session when asked for (a single download); the course feed
    leaves them out."""
    course = session.course
    zone = ZoneInfo(event_zone(course))
    with force_locale(locale):
        event = _base_event(session, f"session-{session.uid}", session.title)
        event.add("dtstart", session.starts_at.astimezone(zone))
        event.add("dtend", session.ends_at.astimezone(zone))
        location = plain_text(session_location(session))
        if location:
            event.add("location", Text(location))
        details = [f"{_('Kind')}: {session.kind.label}"]
        if session.module is not None:
            module = session.module
            details.append(f"{_('Module')}: {module.code} – {module.title(locale)}")
        if session.facilitators:
            details.append(f"{_('Facilitators')}: {session.facilitators}")
        url = course_url(course)
        description = _paragraphs(
            "\n".join(details), session.description, f"{course.title(locale)}\n{url}"
        )
        event.add("description", Text(description))
        event.add("url", url)
        categories = [str(session.kind.label)]
        if session.module is not None:
            categories.append(session.module.code)
        event.add("categories", categories)
    return event


def activity_when(
    activity: FollowupActivity,
) -> tuple[str, date | datetime, date | datetime] | None:
    """The title, start and end of a follow-up activity as calendars show it, or None when it
    has no time to show: a webinar in UTC, an assignment as the hour before its deadline, a
    discussion as an all-day item on the venue's date it opens. Call it in the reader's locale
    (the deadline's title is translated)."""
    kind = activity.kind
    title = activity.title
    if kind == ActivityKind.WEBINAR:
        if activity.starts_at is None:
            return None
        start: date | datetime = activity.starts_at.astimezone(UTC)
        end: date | datetime = (
            activity.ends_at or activity.starts_at + DEFAULT_WEBINAR_LENGTH
        ).astimezone(UTC)
    elif kind == ActivityKind.ASSIGNMENT:
        if activity.due_at is None:
            return None
        end = activity.due_at.astimezone(UTC)
        start = end - DEADLINE_LENGTH
        title = _("Deadline: %(title)s", title=activity.title)
    else:
        if activity.starts_at is None:
            return None
        start = activity.starts_at.astimezone(ZoneInfo(activity.course.timezone)).date()
        end = start + timedelta(days=1)  # DTEND of a day is exclusive
    return title, start, end


def activity_event(
    activity: FollowupActivity, locale: str, *, with_link: bool = False
) -> Event | None:
    """The VEVENT of one follow-up activity, or None when it has no time to show.

    Online, so in UTC; a discussion is an all-day event on the venue's date it opens. Its
    link (a webinar's join link) only ``with_link``: in the feeds of the course's team and
    confirmed participants, or of a course that takes no registration, never in a public
    one (can_see_join_links)."""
    course = activity.course
    kind = activity.kind
    with force_locale(locale):
        when = activity_when(activity)
        if when is None:
            return None
        title, start, end = when

        event = _base_event(activity, f"activity-{activity.uid}", title)
        event.add("dtstart", start)
        event.add("dtend", end)
        page = course_url(course)
        link_label = _("Join link") if kind == ActivityKind.WEBINAR else _("Link")
        open_to_all = course.registration_mode == RegistrationMode.NONE
        shown = activity.link if with_link or open_to_all else ""
        link = f"{link_label}: {shown}" if shown else ""
        description = _paragraphs(
            str(kind.label), activity.description, link, f"{course.title(locale)}\n{page}"
        )
        event.add("description", Text(description))
        link_url = _web_link(shown) if shown and kind == ActivityKind.WEBINAR else None
        event.add("url", link_url or page)
        event.add("categories", [str(kind.label)])
    return event


# Calendars ---------------------------------------------------------------------------------


def _start_key(event: Event) -> tuple[datetime, str]:
    """Events by start (aware times compare as instants, whatever their zone; an all-day
    event at the start of its date in UTC), then by UID."""
    start = event["DTSTART"].dt
    if not isinstance(start, datetime):
        start = datetime.combine(start, time(0), tzinfo=UTC)
    return start, str(event["UID"])


def _zone_times(
    events: list[Event],
) -> tuple[dict[str, list[datetime]], list[date | datetime]]:
    """The times each TZID is used at, and every time (or day) of every event: what the
    VTIMEZONE blocks must be right for, at both ends of each event."""
    by_zone: dict[str, list[datetime]] = {}
    every: list[date | datetime] = []
    for event in events:
        for name in ("DTSTART", "DTEND"):
            prop = event[name]
            every.append(prop.dt)
            tzid = prop.params.get("TZID")
            if tzid:
                by_zone.setdefault(tzid, []).append(prop.dt)
    return by_zone, every


def calendar_zone(zones: Iterable[str], events: Iterable[Event]) -> str | None:
    """The feed's X-WR-TIMEZONE, by one rule for every feed: the one zone (other than UTC)
    that the feed declares or its events use; none when there are several (each time carries
    its own TZID, and no single zone would be right for all); "UTC" when the feed's only
    times, or its declared zone, are UTC; none when there is nothing to place."""
    declared = set(zones)
    used: set[str] = set()
    for event in events:
        for name in ("DTSTART", "DTEND"):
            prop = event[name]
            tzid = prop.params.get("TZID")
            if tzid:
                used.add(str(tzid))
            elif isinstance(prop.dt, datetime):
                used.add("UTC")
    local = (declared | used) - {"UTC"}
    if len(local) == 1:
        return local.pop()
    if not local and "UTC" in declared | used:
        return "UTC"
    return None


def build_calendar(
    name: str,
    events: Iterable[Event],
    *,
    zones: Iterable[str],
    description: str,
    refresh: str = "PT6H",
) -> Calendar:
    """A VCALENDAR to publish: our PRODID, METHOD:PUBLISH, the name under NAME and
    X-WR-CALNAME, the description under DESCRIPTION and X-WR-CALDESC, X-WR-TIMEZONE as
    :func:`calendar_zone` says, refresh hints, one VTIMEZONE per zone, then the events by
    start and UID.

    ``zones`` (the feed's own: the venue's zone, or "UTC" for an online course, which needs
    no block) are written even when no event uses them (the venue's zone of an online-only
    feed); a TZID that an event uses is added if missing, so none is ever left without its
    block.
    """
    events = sorted(events, key=_start_key)
    zones = list(dict.fromkeys(zones))
    x_timezone = calendar_zone(zones, events)
    wanted = [zone for zone in zones if zone != "UTC"]
    by_zone, every = _zone_times(events)
    for tzid in sorted(by_zone):
        if tzid not in wanted:
            wanted.append(tzid)

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    # Typed explicitly: icalendar 7.3 stores NAME and X- properties as raw values, which
    # would let a title's ";" through unescaped (and a newline crash the writer).
    name, description = plain_text(name), plain_text(description)
    for prop in ("name", "x-wr-calname"):
        cal.add(prop, Text(name))
    for prop in ("description", "x-wr-caldesc"):
        cal.add(prop, Text(description))
    if x_timezone:
        cal.add("x-wr-timezone", vText(x_timezone))
    # RFC 7986 wants VALUE=DURATION, which icalendar's helper leaves out.
    interval = vDuration.from_ical(refresh)
    cal.add("refresh-interval", vDuration(interval), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(interval))

    for tzid in sorted(wanted):
        # A zone no event uses is described for the calendar's span; an empty calendar has
        # nothing to describe (and must not read the clock).
        around = by_zone.get(tzid) or every
        if around:
            cal.add_component(vtimezone(tzid, around=around))
    for event in events:
        cal.add_component(event)
    return cal


def calendar_bytes(cal: Calendar) -> bytes:
    """The calendar as sent: CRLF line ends, lines folded at 75 octets (icalendar ≥ 7.3)."""
    return cal.to_ical()


def course_events(course: Course, locale: str, *, with_links: bool = False) -> list[Event]:
    """The events of a course feed: sessions other than breaks, and timed activities (their
    join links ``with_links`` only: see :func:`activity_event`)."""
    events = [session_event(s, locale) for s in course.sessions if not s.is_break]
    for activity in course.activities:
        event = activity_event(activity, locale, with_link=with_links)
        if event is not None:
            events.append(event)
    return events


def _zones(course: Course) -> list[str]:
    """The course's own zone: the venue's of an on-site course (its VTIMEZONE is written even
    if no event uses it), "UTC" for an online one."""
    return [event_zone(course)]


def _courses_events(
    courses: Iterable[Course], locale: str, *, with_links: bool = False
) -> list[Event]:
    return [
        event
        for course in courses
        for event in course_events(course, locale, with_links=with_links)
    ]


def course_calendar(
    course: Course,
    *,
    locale: str,
    side_events: Sequence[Course] = (),
    with_links: bool = False,
) -> bytes:
    """The whole course as a calendar to subscribe to or attach: sessions at the venue (no
    breaks) and the follow-up activities, texts in ``locale`` where we have them.

    A host event's feed is the umbrella of its ``side_events``: their events are in it too,
    each in its own venue's zone (one VTIMEZONE per zone), the same VEVENTs as in their own
    feeds. Join links ``with_links`` only (a confirmed participant's copy by mail): the
    subscribed feed is public."""
    with force_locale(locale):
        text = course.text(locale)
        cal = build_calendar(
            course.title(locale),
            _courses_events([course, *side_events], locale, with_links=with_links),
            zones=_zones(course),
            description=_paragraphs(text.summary, course_url(course)),
        )
    return calendar_bytes(cal)


def programme_calendar(programme: Programme, courses: Sequence[Course], *, locale: str) -> bytes:
    """A programme's feed: the events of its public ``courses`` and events, named after the
    programme in ``locale`` (English where it has no text in it). On-site sessions are in
    their venue's zone, one VTIMEZONE per zone; online ones in UTC."""
    zones = sorted({zone for course in courses for zone in _zones(course)})
    with force_locale(locale):
        page = external_url("programmes.show", slug=programme.slug)
        cal = build_calendar(
            programme.title(locale),
            _courses_events(courses, locale),
            zones=zones,
            description=_paragraphs(programme.text(locale).summary, page),
        )
    return calendar_bytes(cal)


def session_calendar(session: CourseSession, *, locale: str) -> bytes:
    """One session as a download (a snapshot: it never updates; offer the feed next to it).

    The event is the same, UID included, as in the course feed, so importing both does not
    duplicate it."""
    course = session.course
    with force_locale(locale):
        cal = build_calendar(
            course.title(locale),
            [session_event(session, locale)],
            zones=_zones(course),
            description=_paragraphs(course.text(locale).summary, course_url(course)),
        )
    return calendar_bytes(cal)


# Personal and organiser feeds ------------------------------------------------------------


def feed_locale(user: User) -> str:
    """The user's language when the site offers it, else the site's default."""
    if user.locale in current_app.config["LANGUAGES"]:
        return user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def personal_calendar_name(user: User) -> str:
    """The personal feed's name in calendar apps, in the user's language."""
    with force_locale(feed_locale(user)):
        return _("%(site)s – %(name)s", site=current_app.config["SITE_NAME"], name=user.name)


def organiser_calendar_name(user: User) -> str:
    """The organiser feed's name in calendar apps, in the user's language."""
    with force_locale(feed_locale(user)):
        return str(FeedKind.ORGANISER.label)


def tentative_event(event: Event, *, changed_at: datetime | None = None) -> Event:
    """A copy of ``event`` marked STATUS:TENTATIVE, its title unchanged; ``event`` is left as
    it is. A cancelled event stays cancelled. ``changed_at`` (what made it tentative, e.g. the
    registration's last change) raises DTSTAMP and LAST-MODIFIED when later than theirs."""
    # Properties are replaced on the copy, never changed in place, so sharing their values
    # with ``event`` is safe; our events have no subcomponents (a shallow copy drops them).
    marked = event.copy()
    if str(marked.get("STATUS")) != "CANCELLED":
        marked["STATUS"] = vText("TENTATIVE")
    if changed_at is not None:
        _restamp(marked, changed_at)
    return marked


def _restamp(event: Event, changed_at: datetime) -> None:
    """Raise DTSTAMP and LAST-MODIFIED to ``changed_at`` when it is later (icalendar writes
    both in UTC, to the second)."""
    latest = max(event.DTSTAMP, changed_at)
    event.DTSTAMP = latest
    event.LAST_MODIFIED = latest


def participant_events(registration: Registration, locale: str) -> list[Event]:
    """The course's events as its participant's feed shows them: as they are for a confirmed
    place, TENTATIVE while the application is submitted or waitlisted, none otherwise.

    Their stamps count the registration's last change, so a place confirmed since the last
    refresh updates the events (their SEQUENCE is the item's own, as in every feed)."""
    status = registration.status
    if status not in CONFIRMED_REGISTRATIONS | TENTATIVE_REGISTRATIONS:
        return []
    changed = registration.updated_at
    # Join links for a confirmed place only: an applicant does not get in yet.
    events = course_events(
        registration.course, locale, with_links=status in CONFIRMED_REGISTRATIONS
    )
    if status in TENTATIVE_REGISTRATIONS:
        return [tentative_event(event, changed_at=changed) for event in events]
    # Built for this feed alone: they can be restamped in place.
    for event in events:
        _restamp(event, changed)
    return events


def personal_calendar(user: User, *, registrations: Sequence[Registration] | None = None) -> bytes:
    """The courses ``user`` takes part in, as one calendar in their language.

    ``registrations`` are all the user's (by default as
    :func:`app.feeds.loaders.personal_registrations` loads them); cancelled and rejected
    ones, and courses back in draft, give no events."""
    if registrations is None:
        registrations = personal_registrations(user)
    locale = feed_locale(user)
    site = current_app.config["SITE_NAME"]
    with force_locale(locale):
        events: list[Event] = []
        for registration in registrations:
            if registration.course.status != CourseStatus.DRAFT:
                events.extend(participant_events(registration, locale))
        cal = build_calendar(
            personal_calendar_name(user),
            events,
            zones=(),
            description=_(
                "The sessions and online activities of your courses at %(site)s. Events of "
                "applications not confirmed yet are marked tentative.",
                site=site,
            ),
            refresh=PRIVATE_REFRESH,
        )
    return calendar_bytes(cal)


def organiser_calendar(user: User, *, courses: Sequence[Course] | None = None) -> bytes:
    """Every course ``user`` runs or facilitates, drafts included, as one calendar in their
    language. Events of a draft course are TENTATIVE (nothing is announced yet).

    ``courses`` default to :func:`app.feeds.loaders.team_courses`."""
    if courses is None:
        courses = team_courses(user)
    locale = feed_locale(user)
    site = current_app.config["SITE_NAME"]
    with force_locale(locale):
        events: list[Event] = []
        for course in courses:
            course_items = course_events(course, locale, with_links=True)
            if course.status == CourseStatus.DRAFT:
                course_items = [
                    tentative_event(event, changed_at=course.updated_at) for event in course_items
                ]
            events.extend(course_items)
        cal = build_calendar(
            organiser_calendar_name(user),
            events,
            zones=(),
            description=_(
                "The sessions and online activities of the courses you run or facilitate at "
                "%(site)s, drafts included.",
                site=site,
            ),
            refresh=PRIVATE_REFRESH,
        )
    return calendar_bytes(cal)
