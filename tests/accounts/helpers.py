"""Small helpers shared by the account tests."""

from __future__ import annotations

import re
from html import unescape

from werkzeug.test import TestResponse

_FLASH = re.compile(r'<p class="flash flash-(\w+)"[^>]*>(.*?)</p>', re.S)


def flashes(response: TestResponse) -> list[tuple[str, str]]:
    """The flash messages shown on a page, as (category, text)."""
    return [(cat, unescape(text).strip()) for cat, text in _FLASH.findall(response.text)]
