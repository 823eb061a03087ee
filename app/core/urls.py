"""URL helpers shared by the areas."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def safe_next(target: str | None) -> str | None:
    """A redirect target only if it stays on this site (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def external_url(endpoint: str, **values: object) -> str:
    """An absolute URL, also outside a request (mail sent from the command line)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["SITE_URL"]):
        return url_for(endpoint, _external=True, **values)
