"""Browsers and systems in words, from the User-Agent header (ua-parser's names), and how long
ago a session was used."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.sessions.models import UserSession
from app.sessions.routes import last_used
from app.sessions.services import describe_browser
from tests.sessions.helpers import CHROME_LINUX, FIREFOX_WINDOWS, SAFARI_IPHONE

EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
)
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Safari/605.1.15"
)


@pytest.mark.parametrize(
    ("user_agent", "words"),
    [
        (FIREFOX_WINDOWS, "Firefox on Windows"),
        (SAFARI_IPHONE, "Mobile Safari on iOS"),
        (CHROME_LINUX, "Chrome on Linux"),
        (EDGE, "Edge on Windows"),
        (FIREFOX_ANDROID, "Firefox Mobile on Android"),
        (SAFARI_MAC, "Safari on Mac OS X"),
        ("curl/8.5.0", "curl"),
        ("SomethingNew (Windows NT 10.0)", "A browser on Windows"),
        ("", "Unknown browser"),
        ("pytest", "Unknown browser"),
    ],
)
def test_browser_in_words(app, user_agent, words):
    with app.test_request_context():
        assert describe_browser(user_agent) == words


def test_browser_in_words_is_translated(app):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert describe_browser(FIREFOX_WINDOWS) == "Firefox sous Windows"
        assert describe_browser("") == "Navigateur inconnu"


NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ago", "words"),
    [
        (timedelta(seconds=0), "just now"),
        (timedelta(seconds=59), "just now"),
        (timedelta(seconds=60), "1 minute ago"),
        (timedelta(minutes=5), "5 minutes ago"),
        (timedelta(hours=3, minutes=10), "3 hours ago"),
        (timedelta(days=4), "4 days ago"),
    ],
)
def test_last_used_in_words(app, ago, words):
    session = UserSession(last_seen_at=NOW - ago)
    with app.test_request_context():
        assert last_used(session, NOW) == words
