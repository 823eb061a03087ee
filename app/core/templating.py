"""Jinja filters and globals: dates in the venue's zone and the visitor's language."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from flask import Flask, current_app
from flask_babel import get_locale
from markupsafe import Markup, escape

from app.core.i18n import LANGUAGE_NAMES, language_label
from app.core.timeutil import display_timezone, times_follow_browser


def _zone(tz: str | None) -> ZoneInfo:
    return ZoneInfo(tz or current_app.config["BABEL_DEFAULT_TIMEZONE"])


def localdt(value: datetime | None, tz: str | None = None, fmt: str = "medium") -> str:
    """A datetime in ``tz`` (an IANA name), formatted for the current language."""
    if value is None:
        return ""
    return babel_dates.format_datetime(value.astimezone(_zone(tz)), fmt, locale=get_locale())


def localtime(value: datetime | None, tz: str | None = None, fmt: str = "short") -> str:
    if value is None:
        return ""
    return babel_dates.format_time(value.astimezone(_zone(tz)), fmt, locale=get_locale())


def localdate(value: date | datetime | None, tz: str | None = None, fmt: str = "long") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(_zone(tz)).date()
    return babel_dates.format_date(value, fmt, locale=get_locale())


def daterange(start: date, end: date) -> str:
    """A date range such as 20-24 November 2017, in the current language's own way."""
    if start == end:
        return babel_dates.format_date(start, "long", locale=get_locale())
    return babel_dates.format_interval(start, end, "yMMMMd", locale=get_locale())


def tzname(value: datetime | date | None, tz: str | None = None) -> str:
    """The zone's abbreviation at that moment (CET, CEST, EST), or its offset where the zone
    has no abbreviation (-05 in Quito), for labels beside times."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, 12, tzinfo=_zone(tz))
    return value.astimezone(_zone(tz)).tzname() or ""


def month_label(value: str) -> str:
    """2017-11 as "November 2017" in the current language."""
    year, month = (int(part) for part in value.split("-"))
    return babel_dates.format_date(date(year, month, 1), "LLLL y", locale=get_locale())


def paragraphs(text: str) -> Markup:
    """Plain text with blank lines as paragraphs and single newlines as line breaks, escaped."""
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return Markup("\n").join(
        Markup("<p>")
        + Markup("<br>\n").join(escape(line) for line in b.split("\n"))
        + Markup("</p>")
        for b in blocks
    )


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        localdt=localdt,
        localtime=localtime,
        localdate=localdate,
        daterange=daterange,
        tzname=tzname,
        month_label=month_label,
        paragraphs=paragraphs,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_globals() -> dict[str, Any]:
        from app.courses.navigation import management_tabs
        from app.courses.permissions import can_manage_course, can_review, can_see_participants

        return {
            "can_manage_course": can_manage_course,
            "can_review": can_review,
            "can_see_participants": can_see_participants,
            "management_tabs": management_tabs,
            "display_timezone": display_timezone,
            "times_follow_browser": times_follow_browser,
            "language_names": LANGUAGE_NAMES,
            "language_label": language_label,
            "current_locale": str(get_locale()),
            "site_name": current_app.config["SITE_NAME"],
        }
