"""Security headers on every response, the rate limiter, and trust in a reverse proxy.

Views may send stricter headers of their own (the password reset pages send
``Referrer-Policy: no-referrer``, the calendar feeds their own caching): those are kept, and
only what a response lacks is added.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from app.extensions import limiter

# No inline scripts or styles anywhere: the templates link app/static/css and app/static/js.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    )
)
# Powerful features the app never uses, switched off for it and anything it might embed.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000; includeSubDomains"

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS_POLICY,
}


View = TypeVar("View", bound=Callable[..., object])
_ACCEPTS_UPLOADS = "atelier_accepts_uploads"


def accepts_uploads(view: View) -> View:
    """Mark a view whose form takes files: its requests may be as large as MAX_UPLOAD_LENGTH;
    every other request stops at MAX_CONTENT_LENGTH. Put it under the route decorator (the
    mark is carried through functools.wraps by the decorators in between)."""
    setattr(view, _ACCEPTS_UPLOADS, True)
    return view


def upload_endpoints(app: Flask) -> set[str]:
    """The endpoints marked with :func:`accepts_uploads`."""
    return {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, _ACCEPTS_UPLOADS, False)
    }


def _request_size_limit(endpoint: str | None, values: dict[str, object] | None) -> None:
    """Raise the body limit for an upload page before anything reads the body: URL value
    preprocessors run before the before_request functions, CSRF protection among them."""
    view = current_app.view_functions.get(endpoint or "")
    if view is not None and getattr(view, _ACCEPTS_UPLOADS, False):
        request.max_content_length = current_app.config["MAX_UPLOAD_LENGTH"]


# --- Caching -----------------------------------------------------------------------------------
# Pages with personal data are never stored by a browser or a proxy (Cache-Control: no-store):
# a shared computer's history, a back button after logging out, a caching proxy must not keep
# them. Every other answer to a signed-in person is at least "private" (no shared cache keeps
# it: the page shows who is signed in). Public pages and the calendar feeds keep their own.
# New views with personal data: mark them @personal_data, or name them here.
PERSONAL_ENDPOINTS = frozenset(
    {
        # Accounts: one's own details, calendar links (secret tokens), the users' list.
        "accounts.profile",
        "accounts.change_password",
        "accounts.reset_password",
        "accounts.users",
        "feeds.links",
        "audit.index",
        "accounts.change_email",
        "accounts.confirm_email_change",
        "accounts.confirm_signup",
        "sessions.index",
        # Two-factor set-up shows the secret key and its QR code; recovery codes come by POST.
        "twofactor.status",
        "twofactor.setup",
        "twofactor.verify",
        "twofactor.admin_settings",
        # One's data and erasure; the administrators' erasure requests and notice.
        "privacy.account",
        "privacy.admin_requests",
        "privacy.admin_notice",
        # A participant's own pages.
        "registration.my_courses",
        "registration.needs",
        "registration.apply",
        "applications.my_answers",
        "applications.document",
        "finance.billing",
        "endorsement.endorser",
        "endorsement.respond",
        "certificates.download",
        "invoices.my_pdf",
        "visas.my_request",
        "visas.download",
        "evaluation.answer",
        "followup.my_work",
        "discussions.unsubscribe",
        # The participant desk, its lists and exports, special needs and documents.
        "desk.index",
        "desk.show",
        "desk.summary",
        "desk.special_needs",
        "desk.public_list",
        "desk.attendance",
        "desk.sign_in_sheet",
        "desk.export_csv",
        "desk.export_xlsx",
        "desk.documents_zip",
        "checkin.page",
        "checkin.badges",
        "selection.index",
        "selection.review",
        "alumni.invite",
        "messages.index",
        "messages.show",
        "messages.compose",
        "progress.matrix",
        "certificates.course_overview",
        "finance.fellowships_page",
        "followup.handins_overview",
        "followup.submissions",
        "followup.submissions_zip",
        "followup.handin_file",
        "discussions.participation",
        "results.show",
        "results.export_csv",
        # Invoices, payments and letters.
        "invoices.index",
        "invoices.show",
        "invoices.pdf",
        "invoices.issue",
        "invoices.export_invoices",
        "invoices.export_payments",
        "visas.index",
        "visas.show",
    }
)
# Endpoints whose own Cache-Control stands even for a signed-in person: the same for everyone.
OWN_CACHING = frozenset(
    {"static", "feeds.course", "feeds.programme", "feeds.session", "feeds.session_add"}
)
_PERSONAL = "atelier_personal_data"
NO_STORE = "private, no-store"


def personal_data(view: View) -> View:
    """Mark a view whose pages show personal data: answered ``Cache-Control: no-store``."""
    setattr(view, _PERSONAL, True)
    return view


def is_personal(app: Flask, endpoint: str | None) -> bool:
    """Whether ``endpoint``'s pages hold personal data (named above or marked)."""
    if endpoint is None:
        return False
    view = app.view_functions.get(endpoint)
    return endpoint in PERSONAL_ENDPOINTS or getattr(view, _PERSONAL, False)


def _cache_control(response: Response) -> Response:
    endpoint = request.endpoint
    if endpoint in OWN_CACHING:
        return response
    if is_personal(current_app, endpoint):
        if not response.cache_control.no_store:  # a view's own "no-store" stands
            response.headers["Cache-Control"] = NO_STORE
    elif current_user.is_authenticated:
        # Added to what the view said (a download's "no-cache"), unless it already keeps
        # the answer from shared caches or said it is the same for everyone.
        control = response.cache_control
        if not (control.private or control.no_store or control.public):
            control.private = True
    return response


def register(app: Flask) -> None:
    app.url_value_preprocessor(_request_size_limit)
    app.after_request(_cache_control)
    headers = dict(HEADERS)
    # Only where the site is served over HTTPS: a browser that saw HSTS refuses plain HTTP.
    if app.config["PRODUCTION"] or app.config["SESSION_COOKIE_SECURE"]:
        headers["Strict-Transport-Security"] = HSTS

    # Also for the answers given before Flask (app.feeds.conditional).
    app.extensions["atelier.security_headers"] = headers

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # The client's address (which the rate limits count by), scheme and host as the
        # reverse proxies in front of the app report them; never trusted without proxies.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )


def init_rate_limits(app: Flask) -> None:
    """Bind the limiter to an app that wants limits; an app without them registers nothing.

    Flask-Limiter keeps its switch and storage on the one limiter object, so a process that
    builds a limited and an unlimited app (the tests) cannot rely on its own RATELIMIT_ENABLED
    handling; the request filter in :mod:`app.extensions` reads each app's setting instead.
    """
    if app.config["RATELIMIT_ENABLED"]:
        limiter.init_app(app)
