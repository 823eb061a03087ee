"""URL helpers shared by the areas."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request, url_for
from werkzeug.routing import BaseConverter, IntegerConverter, Map, UnicodeConverter

# Row ids are 32-bit integers in PostgreSQL.
MAX_ID = 2**31 - 1
# The highest page number a list accepts from a link: far past any real list, and an offset
# (page x page size) every database takes. A higher one shows the last page or none.
MAX_PAGE = 100_000


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


def other_query_args(*dropped: str) -> dict[str, str]:
    """The request's query arguments but ``dropped`` and empty ones: what links to another page
    of the same list keep (its filters and search)."""
    return {k: v for k, v in request.args.items() if k not in dropped and v}


def page_number(name: str = "page") -> int:
    """The page a list is asked for in the query string: 1 unless ``name`` is plain ASCII
    digits, and never past :data:`MAX_PAGE` (a crafted 10**20 would overflow the database's
    offset; Arabic-Indic or full-width digits are not a page number a link of ours writes)."""
    raw = request.args.get(name, "")
    if not (raw.isascii() and raw.isdigit()):
        return 1
    # Compared as text first: int() of a few thousand digits is refused by Python itself.
    if len(raw.lstrip("0")) > len(str(MAX_PAGE)):
        return MAX_PAGE
    return min(max(int(raw), 1), MAX_PAGE)


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


# URL converters --------------------------------------------------------------------------------
# What a URL's parts may be before a view sees them: a part that cannot name a row does not
# match (404), rather than reaching the database and failing there (500).


class IdConverter(IntegerConverter):
    """``<int:…>``: a row id, so at most :data:`MAX_ID`."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class TextConverter(UnicodeConverter):
    """``<…>`` and ``<string:…>``: any text but "/" and control characters (PostgreSQL cannot
    even compare a NUL)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", r"[^/\x00-\x1f\x7f]", 1)


def register_converters(app: Flask) -> None:
    """Before any blueprint: rules pick their converters when they are added.

    ``<unchecked:…>`` takes any text but "/", for a view that checks the part itself before
    any query and answers in its own way (a feed's secret token: plain text, never HTML)."""
    converters: dict[str, type[BaseConverter]] = {
        "int": IdConverter,
        "default": TextConverter,
        "string": TextConverter,
        "unchecked": UnicodeConverter,
    }
    app.url_map.converters.update(converters)
