"""Languages: choosing the interface language, and picking content written in several."""

from __future__ import annotations

from typing import Protocol, TypeVar

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}


def language_label(code: str) -> str:
    """A language's name as the reader writes it in a sentence ("anglais" in French): unlike
    :data:`LANGUAGE_NAMES`, which names each language in itself for the language switcher."""
    reader = get_locale()
    name = reader.languages.get(code) if reader is not None else None
    return str(name or LANGUAGE_NAMES.get(code, code))


def supported_locales() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """The user's preference, else the switcher's choice, else the browser's, else English."""
    supported = supported_locales()
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in supported:
        return chosen
    return request.accept_languages.best_match(supported) or supported[0]


class _HasLocale(Protocol):
    locale: str


T = TypeVar("T", bound=_HasLocale)


def pick_translation(items: list[T], locale: str, *fallbacks: str) -> T | None:
    """The item in ``locale``, else in the first fallback that exists, else any."""
    by_locale = {item.locale: item for item in items}
    for code in (locale, *fallbacks):
        if code in by_locale:
            return by_locale[code]
    return items[0] if items else None
