"""Security headers on every response, the rate limiter, and trust in a reverse proxy.

Views may send stricter headers of their own (the password reset pages send
``Referrer-Policy: no-referrer``, the calendar feeds their own caching): those are kept, and
only what a response lacks is added.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, request
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


def register(app: Flask) -> None:
    app.url_value_preprocessor(_request_size_limit)
    headers = dict(HEADERS)
    # Only where the site is served over HTTPS: a browser that saw HSTS refuses plain HTTP.
    if app.config["PRODUCTION"] or app.config["SESSION_COOKIE_SECURE"]:
        headers["Strict-Transport-Security"] = HSTS

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
