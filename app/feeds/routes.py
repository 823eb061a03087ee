"""Calendar feeds and downloads, and the page of a user's secret feed links.

Every ``.ics`` address answers ``text/calendar`` with a strong ETag and a Last-Modified taken
from the data, and honours If-None-Match and If-Modified-Since (304) and HEAD. The feeds'
ETag is their version (:mod:`app.feeds.cache`), read in one query: a 304 is answered from it
without building anything, and a full answer comes from the cache when another request (or
worker) built that version already. A single session's download hashes its body. Errors
there are plain text, never HTML: calendar apps send no Accept header and would show a web
page as a broken calendar.

The private feed's URL holds a secret: nothing here logs it, and an error in that view is
logged by endpoint, not by path (Flask's own handler would log the path).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.wrappers import Response

from app.accounts.models import User
from app.core.urls import external_url
from app.courses.models import CourseKind
from app.db import now_utc
from app.extensions import db
from app.feeds import services
from app.feeds.cache import (
    cached_body,
    course_feed_version,
    programme_feed_version,
)
from app.feeds.calendars import course_calendar, programme_calendar, session_calendar
from app.feeds.conditional import COURSE_FEED_CACHE, PRIVATE_FEED_CACHE, not_modified
from app.feeds.forms import FeedLinkForm, RevokeFeedLinkForm
from app.feeds.links import (
    google_calendar_link,
    google_subscribe_url,
    outlook_link,
    outlook_subscribe_url,
    webcal_url,
)
from app.feeds.models import FeedToken
from app.programmes.services import find_programme

bp = Blueprint("feeds", __name__)

CALENDAR_MIMETYPE = "text/calendar"
DOWNLOAD_CACHE = "public, max-age=300"
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")
# The page that shows a new secret link: kept out of caches (and of the back-forward
# history), and sending no Referer to the calendar services it links to.
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


# Answers -------------------------------------------------------------------------------------


def _plain(status: int, text: str, *, private: bool = False) -> Response:
    response = Response(text + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store" if private else "no-cache"
    if private:
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def _not_found(*, private: bool = False) -> Response:
    return _plain(
        404,
        _("There is no calendar at this address. It may have been removed or replaced."),
        private=private,
    )


def calendar_response(
    body: bytes,
    *,
    last_modified: datetime | None,
    cache_control: str,
    filename: str,
    attachment: bool = False,
    private: bool = False,
    etag: str | None = None,
) -> Response:
    """A calendar body with its validators (``etag``, else a hash of the body), answered 304
    when the client's copy is current."""
    response = Response(body, mimetype=CALENDAR_MIMETYPE)  # Werkzeug adds charset=utf-8
    disposition = "attachment" if attachment else "inline"
    # Slugs and UIDs are ASCII already; anything else is replaced rather than escaped.
    safe_name = _UNSAFE_FILENAME.sub("_", filename)
    response.headers["Content-Disposition"] = f'{disposition}; filename="{safe_name}"'
    response.set_etag(etag or hashlib.sha256(body).hexdigest())
    if last_modified is not None:
        response.last_modified = last_modified
    response.headers["Cache-Control"] = cache_control
    if private:
        response.headers["X-Robots-Tag"] = "noindex"
    return response.make_conditional(request)


def calendar_view(*, private: bool = False) -> Callable[[Callable[..., Response]], Any]:
    """Wrap a feed view so that whatever goes wrong is answered in plain text, and logged
    without the request's path (a private feed's path is its secret)."""

    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            try:
                return view(*args, **kwargs)
            except NotFound:
                db.session.rollback()
                return _not_found(private=private)
            except HTTPException as error:
                db.session.rollback()
                return _plain(error.code or 500, error.name, private=private)
            except Exception:
                db.session.rollback()
                current_app.logger.exception("Calendar feed %s failed", request.endpoint)
                return _plain(
                    500, _("The calendar could not be made. Try again later."), private=private
                )

        return wrapper

    return decorate


def _language(default: str) -> str:
    """``?lang=`` when the site offers it, else ``default``."""
    wanted = request.args.get("lang", "")
    return wanted if wanted in current_app.config["LANGUAGES"] else default


# Public feeds and downloads ------------------------------------------------------------------


@bp.get("/courses/<slug>/calendar.ics")
@calendar_view()
def course(slug: str) -> Response:
    """The course's calendar to subscribe to (published and cancelled courses). A host event's
    (a conference's) also holds its side events: it is their umbrella."""
    # "" is the course's own language (its default_locale is part of the version).
    locale = _language("")
    found_version = course_feed_version(slug, locale)
    if found_version is None:
        return _not_found()
    course_id, version = found_version
    answer = not_modified(request.environ, version, cache_control=COURSE_FEED_CACHE)
    if answer is not None:
        return answer

    def build() -> bytes:
        found = services.public_course(slug)
        if found is None or found.id != course_id:
            raise NotFound()
        side_events = (
            services.public_side_events(found) if found.kind == CourseKind.CONFERENCE else []
        )
        return course_calendar(
            found, locale=_language(found.default_locale), side_events=side_events
        )

    return calendar_response(
        cached_body(version, build),
        last_modified=version.last_modified,
        cache_control=COURSE_FEED_CACHE,
        filename=f"{slug}.ics",
        etag=version.etag,
    )


@bp.get("/programmes/<slug>/calendar.ics")
@calendar_view()
def programme(slug: str) -> Response:
    """A programme's calendar: the sessions and activities of its published and cancelled
    courses and events, named in ``?lang=`` (English by default)."""
    locale = _language("en")
    version = programme_feed_version(slug, locale)
    if version is None:
        return _not_found()
    answer = not_modified(request.environ, version, cache_control=COURSE_FEED_CACHE)
    if answer is not None:
        return answer

    def build() -> bytes:
        found = find_programme(slug)
        if found is None:
            raise NotFound()
        courses = services.public_programme_courses(found)
        return programme_calendar(found, courses, locale=locale)

    return calendar_response(
        cached_body(version, build),
        last_modified=version.last_modified,
        cache_control=COURSE_FEED_CACHE,
        filename=f"{slug}.ics",
        etag=version.etag,
    )


@bp.get("/courses/<slug>/sessions/<int:session_id>.ics")
@calendar_view()
def session(slug: str, session_id: int) -> Response:
    """One session as a file to import (a snapshot: it does not update)."""
    found = services.public_course(slug)
    item = next((s for s in found.sessions if s.id == session_id), None) if found else None
    if found is None or item is None:
        return _not_found()
    body = session_calendar(item, locale=_language(found.default_locale))
    return calendar_response(
        body,
        last_modified=max(item.updated_at, found.updated_at),
        cache_control=DOWNLOAD_CACHE,
        filename=f"{found.slug}-{item.uid[:8]}.ics",
        attachment=True,
    )


@bp.get("/courses/<slug>/sessions/<int:session_id>/add-to/<any(google, outlook):service>")
@calendar_view()
def session_add(slug: str, session_id: int, service: str) -> Response:
    """The session on Google Calendar's or Outlook's "new event" page: the course page links
    here rather than to those pages, so that it builds no link nobody follows (forty
    sessions, two links each, were a fifth of the page's time)."""
    found = services.public_course(slug)
    item = next((s for s in found.sessions if s.id == session_id), None) if found else None
    if found is None or item is None or item.is_break or item.is_cancelled:
        return _not_found()
    locale = _language(found.default_locale)
    link = (
        google_calendar_link(item, locale=locale)
        if service == "google"
        else outlook_link(item, locale=locale)
    )
    response = redirect(link)
    response.headers["Cache-Control"] = DOWNLOAD_CACHE
    return response


# Private feeds -------------------------------------------------------------------------------


@bp.get("/feeds/<unchecked:token>.ics")
@calendar_view(private=True)
def private(token: str) -> Response:
    """A personal or organiser feed behind a secret link."""
    row = services.find_feed_token(token)
    if row is None:
        return _not_found(private=True)
    version = services.private_feed_version(row)
    if services.touch(row, now_utc()):
        db.session.commit()
    answer = not_modified(request.environ, version, cache_control=PRIVATE_FEED_CACHE, private=True)
    if answer is not None:
        return answer
    return calendar_response(
        cached_body(version, lambda: services.private_feed(row)),
        last_modified=version.last_modified,
        cache_control=PRIVATE_FEED_CACHE,
        filename=f"{row.kind.value}.ics",
        private=True,
        etag=version.etag,
    )


# The links page ------------------------------------------------------------------------------


def _me() -> User:
    return current_user._get_current_object()


@bp.route("/account/calendars", methods=["GET", "POST"])
@login_required
def links() -> Response | str | tuple[str, int, dict[str, str]]:
    """The user's feed links; POST makes a new one and shows its address, once."""
    user = _me()
    form = FeedLinkForm(kinds=services.allowed_kinds(user))
    if form.validate_on_submit():
        try:
            row, raw = services.create_feed_token(user, form.selected_kind, form.label.data or "")
        except services.KindNotAllowed as error:
            form.kind.errors.append(str(error))
        else:
            db.session.commit()
            # Shown in this answer only, never stored, flashed or put in a cookie: the list
            # shows the link's name and dates, never its address.
            page = render_template("feeds/created.html", **_subscription(row, raw))
            return page, 200, NO_STORE
    return render_template(
        "feeds/links.html",
        form=form,
        tokens=services.user_feed_tokens(user),
        revoke_form=RevokeFeedLinkForm(),
    )


def subscription_links(url: str, name: str) -> dict[str, str]:
    """The addresses to subscribe to the feed at ``url`` (named ``name`` in Outlook), as the
    ``feed`` mapping of feeds/_subscribe.html wants them."""
    return {
        "url": url,
        "webcal": webcal_url(url),
        "google": google_subscribe_url(url),
        "outlook": outlook_subscribe_url(url, name),
        "outlook_personal": outlook_subscribe_url(url, name, personal=True),
    }


def _subscription(row: FeedToken, raw: str) -> dict[str, Any]:
    """The addresses of a new link, for the page that shows them once."""
    url = external_url("feeds.private", token=raw)
    return {"row": row, "feed": subscription_links(url, services.feed_name(row))}


@bp.post("/account/calendars/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> Response:
    user = _me()
    row = services.user_feed_token(user, token_id)
    if row is None:
        raise NotFound()
    form = RevokeFeedLinkForm()
    if not form.validate_on_submit():
        flash(_("The link was not revoked. Reload the page and try again."), "error")
        return redirect(url_for("feeds.links"))
    services.revoke_feed_token(row, actor=user)
    db.session.commit()
    flash(
        _(
            "The link is revoked: calendars subscribed to it stop updating and will report an "
            "error. Create a new link to subscribe again."
        ),
        "success",
    )
    return redirect(url_for("feeds.links"))
