"""Rate limits on log-in, password reset, sign-up and registration, and the 429 page.

The shared test app runs without limits; these tests build a second app on the same database
with them switched on (in memory, or in the Redis at 127.0.0.1:6379 when one answers).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.accounts import routes as account_routes
from app.extensions import db as _db
from app.registration import routes as registration_routes
from tests.conftest import login
from tests.factories import PASSWORD, make_user
from tests.registration.conftest import open_course, open_event

REDIS_URL = "redis://127.0.0.1:6379/0"


def build_limited_app(app: Flask, **config: object) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "test-secret-key",
            "WTF_CSRF_ENABLED": False,
            "MAIL_EML_DIR": None,
            "MAIL_SERVER": None,
            "SITE_URL": "http://atelier.test",
            "PASSWORD_ARGON2": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            **config,
        }
    )


@pytest.fixture
def make_limited_app(app: Flask) -> Iterator[Callable[..., Flask]]:
    built: list[Flask] = []

    def make(**config: object) -> Flask:
        limited = build_limited_app(app, **config)
        built.append(limited)
        return limited

    yield make
    for limited in built:
        with limited.app_context():
            _db.engine.dispose()


@pytest.fixture
def limited(make_limited_app) -> Flask:
    return make_limited_app()


def assert_blocked(response) -> None:
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert 1 <= int(response.headers["Retry-After"]) <= 3601
    assert "Too many attempts" in response.text
    assert "too many times from your connection" in response.text
    # The page is a normal page, with the security headers of every page.
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def post_times(client: FlaskClient, url: str, count: int, data: dict[str, str]) -> list[int]:
    return [client.post(url, data=data).status_code for _ in range(count)]


# --- Each form's limit -------------------------------------------------------------------------


def test_log_in_posts_are_limited_per_minute(limited, db):
    make_user(email="ana@example.org")
    db.session.commit()
    client = limited.test_client()
    wrong = {"email": "ana@example.org", "password": "not the password"}

    statuses = post_times(client, "/login", 10, wrong)
    assert statuses == [200] * 10

    blocked = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert_blocked(blocked)
    # Even the right password waits: nobody signed in.
    assert client.get("/account").status_code == 302


def test_the_log_in_page_itself_is_never_limited(limited):
    client = limited.test_client()
    post_times(client, "/login", 10, {"email": "x@example.org", "password": "x"})
    assert_blocked(client.post("/login", data={"email": "x@example.org", "password": "x"}))
    for _ in range(20):
        assert client.get("/login").status_code == 200


def reset_requests(client: FlaskClient, count: int, **kwargs: object) -> list[int]:
    """Reset requests for as many different accounts (each account has its own, lower limit:
    tests/accounts/test_auth_rate_limits.py); what counts here is the client's address."""
    return [
        client.post(
            "/reset-password",
            data={"email": f"someone{uuid.uuid4().hex[:8]}@example.org"},
            **kwargs,
        ).status_code
        for _ in range(count)
    ]


def test_password_reset_requests_are_limited(limited):
    client = limited.test_client()
    data = {"email": "someone@example.org"}
    assert reset_requests(client, 5) == [302] * 5
    assert_blocked(client.post("/reset-password", data=data))
    assert client.get("/reset-password").status_code == 200


def test_choosing_a_new_password_from_a_link_is_limited(limited):
    client = limited.test_client()
    url = "/reset-password/not-a-real-link"
    data = {"password": "a new passphrase", "confirm": "a new passphrase"}
    assert post_times(client, url, 10, data) == [400] * 10
    assert_blocked(client.post(url, data=data))
    # The page itself still opens (and still says the link is not valid).
    assert client.get(url).status_code == 400


def test_changing_the_password_is_limited(limited, db):
    user = make_user(email="ana@example.org")
    db.session.commit()
    client = login(limited.test_client(), user)
    wrong = {
        "current_password": "not it",
        "password": "a new passphrase",
        "confirm": "a new passphrase",
    }
    assert post_times(client, "/account/password", 10, wrong) == [200] * 10
    right = {
        "current_password": PASSWORD,
        "password": "a new passphrase",
        "confirm": "a new passphrase",
    }
    assert_blocked(client.post("/account/password", data=right))
    assert client.get("/account/password").status_code == 200
    # The password did not change.
    _db.session.expire_all()
    assert user.check_password(PASSWORD)


def test_sign_ups_are_limited(limited):
    client = limited.test_client()

    def sign_up(n: int) -> int:
        data = {
            "name": f"Person {n}",
            "email": f"person{n}@example.org",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "locale": "en",
        }
        # Each success signs the client in; sign out so the next POST is a sign-up again.
        with client.session_transaction() as session:
            session.clear()
        return client.post("/signup", data=data).status_code

    assert [sign_up(n) for n in range(10)] == [302] * 10
    with client.session_transaction() as session:
        session.clear()
    assert_blocked(client.post("/signup", data={"name": "Eleven"}))


def test_registration_and_rsvp_posts_are_limited(limited, db):
    course = open_course()
    event = open_event()
    db.session.commit()
    client = limited.test_client()
    apply, rsvp = f"/courses/{course.slug}/register", f"/courses/{event.slug}/register"

    # Incomplete forms: answered with their errors, counted all the same.
    assert post_times(client, apply, 5, {}) == [200] * 5
    assert post_times(client, rsvp, 5, {}) == [200] * 5
    assert_blocked(client.post(rsvp, data={}))
    assert_blocked(client.post(apply, data={}))
    assert client.get(apply).status_code == 200
    assert client.get(rsvp).status_code == 200


def test_other_clients_are_not_held_up(limited):
    data = {"email": "someone@example.org"}
    client = limited.test_client()
    reset_requests(client, 5)
    assert_blocked(client.post("/reset-password", data=data))

    other = limited.test_client()
    response = other.post(
        "/reset-password", data=data, environ_overrides={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert response.status_code == 302


def test_a_forged_forwarded_for_does_not_escape_the_limit(limited):
    client = limited.test_client()
    data = {"email": "someone@example.org"}
    for n in range(5):
        client.post("/reset-password", data=data, headers={"X-Forwarded-For": f"192.0.2.{n}"})
    blocked = client.post("/reset-password", data=data, headers={"X-Forwarded-For": "192.0.2.99"})
    assert_blocked(blocked)


def test_behind_a_trusted_proxy_each_client_counts_alone(make_limited_app):
    limited = make_limited_app(TRUSTED_PROXIES=1)
    client = limited.test_client()
    data = {"email": "someone@example.org"}
    first = {"X-Forwarded-For": "192.0.2.1"}
    reset_requests(client, 5, headers=first)
    assert_blocked(client.post("/reset-password", data=data, headers=first))
    second = {"X-Forwarded-For": "192.0.2.2"}
    assert client.post("/reset-password", data=data, headers=second).status_code == 302


def test_the_limits_are_the_documented_ones():
    assert account_routes.LOGIN_LIMIT == "10/minute;50/hour"
    assert account_routes.RESET_REQUEST_LIMIT == "5/minute;20/hour"
    assert account_routes.SIGNUP_LIMIT == "10/minute"
    assert account_routes.PASSWORD_LIMIT == "10/minute;50/hour"
    assert registration_routes.APPLY_LIMIT == "10/minute"


# --- The 429 page ------------------------------------------------------------------------------


def test_the_429_page_is_translated(limited):
    client = limited.test_client()
    with client.session_transaction() as session:
        session["locale"] = "fr"
    data = {"email": "someone@example.org"}
    post_times(client, "/reset-password", 5, data)

    response = client.post("/reset-password", data=data)

    assert response.status_code == 429
    assert '<html lang="fr">' in response.text
    assert "Retry-After" in response.headers


def test_the_429_answer_is_json_for_clients_that_ask(limited):
    client = limited.test_client()
    headers = {"Accept": "application/json"}
    for _ in range(5):
        client.post("/reset-password", data={"email": "a@example.org"}, headers=headers)

    response = client.post("/reset-password", data={"email": "a@example.org"}, headers=headers)

    assert response.status_code == 429
    assert response.json["error"] == "Too many attempts"
    assert int(response.headers["Retry-After"]) >= 1


# --- Switches and storage ----------------------------------------------------------------------


def test_the_shared_test_app_is_not_limited(client):
    statuses = post_times(client, "/reset-password", 8, {"email": "someone@example.org"})
    assert statuses == [302] * 8


def test_an_unlimited_app_stays_unlimited_beside_a_limited_one(client, limited):
    data = {"email": "someone@example.org"}
    post_times(limited.test_client(), "/reset-password", 6, data)
    assert post_times(client, "/reset-password", 8, data) == [302] * 8


def test_redis_url_chooses_the_storage(make_limited_app, monkeypatch):
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    limited = make_limited_app(RATELIMIT_STORAGE_URI=None)
    assert limited.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    monkeypatch.delenv("REDIS_URL")
    assert make_limited_app(RATELIMIT_STORAGE_URI=None).config["RATELIMIT_STORAGE_URI"] == (
        "memory://"
    )


def _redis_answers() -> bool:
    try:
        import redis

        store = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
        try:
            return bool(store.ping())
        finally:
            store.close()
    except Exception:
        return False


@pytest.mark.skipif(not _redis_answers(), reason=f"no Redis answers at {REDIS_URL}")
def test_limits_are_counted_in_redis(make_limited_app):
    import redis

    # A client network of its own (from the documentation range; an IPv6 client counts by its
    # /64) keeps this run's counters apart from any other run's, and lets the test find and
    # remove them afterwards.
    # (Groups from 1000 to ffff: written without leading zeros, as the limiter's key has them.)
    group = lambda: f"{0x1000 + uuid.uuid4().int % 0xF000:x}"  # noqa: E731
    network = f"2001:db8:{group()}:{group()}"
    address = f"{network}::1"
    environ = {"REMOTE_ADDR": address}
    data = {"email": "someone@example.org"}
    store = redis.Redis.from_url(REDIS_URL)
    try:
        limited = make_limited_app(RATELIMIT_STORAGE_URI=REDIS_URL)
        client = limited.test_client()
        assert reset_requests(client, 5, environ_overrides=environ) == [302] * 5
        assert_blocked(client.post("/reset-password", data=data, environ_overrides=environ))
        # The counters live in Redis ...
        assert list(store.scan_iter(f"*{network}::/64*"))
        # ... where another worker process, here another app on the same Redis, sees them.
        worker = make_limited_app(RATELIMIT_STORAGE_URI=REDIS_URL)
        other = worker.test_client()
        assert_blocked(other.post("/reset-password", data=data, environ_overrides=environ))
    finally:
        for key in store.scan_iter(f"*{network}*"):
            store.delete(key)
        store.close()
