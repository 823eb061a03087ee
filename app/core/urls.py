"""URL helpers shared by the areas."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for


def safe_next(target: str | None) -> str | None:
    """A redirect target only if it stays on this site (no open redirects)."""
    if not target:
        return None
    # Browsers read "/\\evil.example" as "//evil.example": refuse backslashes and controls too.
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def external_url(endpoint: str, **values: object) -> str:
    """An absolute URL on SITE_URL, for mail and feeds.

    Never built from the request's Host header, which a client chooses: a forged one would
    otherwise put another site's address, with a reset token in it, into our mail."""
    path = url_for(endpoint, **values) if has_request_context() else None
    if path is None:
        with current_app.test_request_context(base_url=current_app.config["SITE_URL"]):
            return url_for(endpoint, _external=True, **values)
    # url_for includes the script root; SITE_URL is the site's origin (and any prefix).
    return current_app.config["SITE_URL"].rstrip("/") + path[len(request.script_root) :]
