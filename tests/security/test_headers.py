"""Security headers on every kind of answer, cookies' flags, and templates free of inline code.

The Content-Security-Policy forbids inline scripts, styles and event handlers, so a template
that used one would break in the browser: the scan below finds them before a browser does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

import app as app_package
from app import create_app
from app.core import security
from app.extensions import db as _db
from tests.conftest import login
from tests.factories import PASSWORD, make_course, make_user

TEMPLATES = Path(app_package.__file__).parent / "templates"
GOOD_KEY = "5d1f8a3c9e2b7460f1a8c3e5d7b9024613579bdf2468ace0"  # random: passes the key check

EXPECTED = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def assert_secured(response, *, referrer: str = "strict-origin-when-cross-origin") -> None:
    for name, value in {**EXPECTED, "Referrer-Policy": referrer}.items():
        assert response.headers.get(name) == value, name
    assert "camera=()" in response.headers["Permissions-Policy"]


def set_cookies(response) -> dict[str, str]:
    """Set-Cookie headers by cookie name, each as its whole header line."""
    return {line.split("=", 1)[0]: line for line in response.headers.getlist("Set-Cookie")}


def cookie_flags(line: str) -> set[str]:
    return {part.strip().lower() for part in line.split(";")[1:]}


@pytest.fixture
def production_app(app: Flask) -> Iterator[Flask]:
    """A second app on the same database, configured for production."""
    prod = create_app(
        {
            "PRODUCTION": True,
            "TESTING": True,
            "SECRET_KEY": GOOD_KEY,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "WTF_CSRF_ENABLED": False,
            "MAIL_EML_DIR": None,
            "PASSWORD_ARGON2": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
            "RATELIMIT_ENABLED": False,
        }
    )
    yield prod
    with prod.app_context():
        _db.engine.dispose()


# --- Every kind of answer ----------------------------------------------------------------------


def test_an_html_page_carries_the_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert_secured(response)


def test_a_redirect_carries_the_headers(client):
    response = client.get("/my/courses")
    assert response.status_code == 302
    assert_secured(response)


def test_a_404_page_carries_the_headers(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert_secured(response)


def test_a_500_page_carries_the_headers(app, client, monkeypatch):
    def broken() -> str:
        raise RuntimeError("boom")

    monkeypatch.setitem(app.view_functions, "core.healthz", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get("/healthz")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert_secured(response)


def test_json_and_static_files_carry_the_headers(client):
    health = client.get("/healthz")
    assert health.mimetype == "application/json"
    assert_secured(health)
    css = client.get("/static/css/atelier.css")
    assert css.status_code == 200
    assert_secured(css)
    css.close()


def test_a_feed_keeps_its_own_headers_and_gets_nosniff(client):
    course = make_course()
    _db.session.commit()
    url = f"/courses/{course.slug}/calendar.ics"

    response = client.get(url)

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "public, max-age=900"
    assert response.headers["Content-Disposition"] == f'inline; filename="{course.slug}.ics"'
    assert_secured(response)

    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["X-Content-Type-Options"] == "nosniff"


def test_a_missing_feed_is_plain_text_with_nosniff(client):
    response = client.get("/courses/no-such-course/calendar.ics")
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    assert_secured(response)


def test_reset_pages_keep_their_stricter_referrer_policy(client):
    response = client.get("/reset-password/not-a-real-token")
    assert response.status_code == 400
    assert_secured(response, referrer="no-referrer")


def test_no_hsts_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_production_sends_hsts(production_app):
    response = production_app.test_client().get("/")
    assert_secured(response)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_hsts_follows_secure_cookies_without_production():
    app = Flask(__name__)
    app.config.update(PRODUCTION=False, SESSION_COOKIE_SECURE=True, TRUSTED_PROXIES=0)
    security.register(app)
    app.add_url_rule("/", "home", lambda: "ok")
    response = app.test_client().get("/")
    assert response.headers["Strict-Transport-Security"] == security.HSTS


# --- Cookies -----------------------------------------------------------------------------------


def _log_in(client, email: str):
    return client.post("/login", data={"email": email, "password": PASSWORD, "remember": "y"})


def test_session_and_remember_cookies_are_httponly_and_lax(client):
    make_user(email="ana@example.org")
    _db.session.commit()

    response = _log_in(client, "ana@example.org")

    assert response.status_code == 302
    cookies = set_cookies(response)
    for name in ("session", "remember_token"):
        flags = cookie_flags(cookies[name])
        assert {"httponly", "samesite=lax"} <= flags, name
        assert "secure" not in flags, name


def test_production_cookies_are_secure(production_app):
    make_user(email="ana@example.org")
    _db.session.commit()

    response = _log_in(production_app.test_client(), "ana@example.org")

    assert response.status_code == 302
    cookies = set_cookies(response)
    for name in ("session", "remember_token"):
        assert {"httponly", "samesite=lax", "secure"} <= cookie_flags(cookies[name]), name


def test_a_signed_in_page_carries_the_headers(client):
    login(client, make_user())
    response = client.get("/account")
    assert response.status_code == 200
    assert_secured(response)


# --- No inline code in the templates -----------------------------------------------------------

# Mail bodies are not web pages (mail readers need inline styles, and no CSP applies there).
PAGE_TEMPLATES = sorted(
    path for path in TEMPLATES.rglob("*.html") if path.relative_to(TEMPLATES).parts[0] != "emails"
)
INLINE_CODE = {
    "a style attribute": re.compile(r"\sstyle\s*=", re.I),
    "a <style> block": re.compile(r"<style[\s>]", re.I),
    "an event handler attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I | re.S),
    "a javascript: address": re.compile(r"javascript:", re.I),
}
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.I | re.S)


def inline_code(text: str) -> list[str]:
    found = [what for what, pattern in INLINE_CODE.items() if pattern.search(text)]
    for attributes, body in _SCRIPT.findall(text):
        if "src=" not in attributes.lower() or body.strip():
            found.append("an inline <script>")
    return found


def test_the_scan_finds_inline_code():
    assert inline_code('<p style="color: red">') == ["a style attribute"]
    assert inline_code("<style>p {}</style>") == ["a <style> block"]
    assert inline_code('<button type="button" onclick="go()">') == ["an event handler attribute"]
    assert inline_code('<a href="javascript:void(0)">') == ["a javascript: address"]
    assert inline_code("<script>alert(1)</script>") == ["an inline <script>"]
    assert inline_code('<script src="/static/js/a.js" defer></script>') == []
    assert inline_code('<input name="online" data-on="1">') == []


@pytest.mark.parametrize("template", PAGE_TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_have_no_inline_scripts_styles_or_handlers(template: Path):
    assert inline_code(template.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("url", ["/", "/login", "/signup", "/reset-password", "/programmes/"])
def test_rendered_pages_have_no_inline_code(client, url):
    """Also what no template shows: attributes a form field or filter might render."""
    response = client.get(url)
    assert response.status_code == 200
    assert inline_code(response.text) == []


def test_a_course_page_has_no_inline_code(client):
    course = make_course()
    _db.session.commit()
    response = client.get(f"/courses/{course.slug}")
    assert response.status_code == 200
    assert inline_code(response.text) == []


def test_the_scan_sees_the_templates():
    assert len(PAGE_TEMPLATES) > 40
    assert TEMPLATES / "base.html" in PAGE_TEMPLATES
