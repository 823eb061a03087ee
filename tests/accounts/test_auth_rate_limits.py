"""Rate limits per account as well as per address (log-in, reset request, two-factor code), and
an IPv6 client counted by its /64."""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest
from flask import Flask

from app.accounts import routes as account_routes
from app.extensions import client_key
from app.extensions import db as _db
from app.twofactor import routes as twofactor_routes
from tests.accounts.test_two_factor_login import enable
from tests.factories import PASSWORD, make_user
from tests.security.test_rate_limits import assert_blocked, build_limited_app

EMAIL = "ana@example.org"


@pytest.fixture
def limited(app) -> Iterator[Flask]:
    """A second app on the same database with the limits on (see tests/security)."""
    built = build_limited_app(app)
    yield built
    with built.app_context():
        _db.engine.dispose()


def from_address(address: str) -> dict[str, dict[str, str]]:
    return {"environ_overrides": {"REMOTE_ADDR": address}}


def test_the_account_limits_are_the_documented_ones():
    assert account_routes.ACCOUNT_LOGIN_LIMIT == "10/minute;30/hour"
    assert account_routes.ACCOUNT_RESET_REQUEST_LIMIT == "3/minute;10/hour"
    assert twofactor_routes.CODE_LIMIT == "10/minute;50/hour"
    assert twofactor_routes.ACCOUNT_CODE_LIMIT == "10/minute;30/hour"


# --- The key of a client -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("192.0.2.8", "192.0.2.8"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("not an address", "not an address"),
    ],
)
def test_client_key(app, address, key):
    with app.test_request_context(environ_base={"REMOTE_ADDR": address}):
        assert client_key() == key


def test_an_ipv6_client_cannot_escape_by_changing_address_within_its_64(limited):
    client = limited.test_client()
    data = {"email": "someone@example.org"}
    for n in range(3):
        # A different account each time, so only the per-address limit counts.
        data = {"email": f"someone{n}@example.org"}
        client.post("/reset-password", data=data, **from_address(f"2001:db8:1:2::{n + 1}"))
    for n in range(3, 5):
        data = {"email": f"someone{n}@example.org"}
        client.post("/reset-password", data=data, **from_address(f"2001:db8:1:2::{n + 1}"))
    blocked = client.post(
        "/reset-password", data={"email": "x@example.org"}, **from_address("2001:db8:1:2:9::9")
    )
    assert_blocked(blocked)
    # The next /64 is another client.
    other = client.post(
        "/reset-password", data={"email": "x@example.org"}, **from_address("2001:db8:1:3::1")
    )
    assert other.status_code == 302


# --- Per account -------------------------------------------------------------------------------


def test_guesses_at_one_account_from_many_addresses_meet_the_account_limit(limited, db):
    make_user(email=EMAIL)
    db.session.commit()
    client = limited.test_client()
    wrong = {"email": EMAIL, "password": "not the password"}
    statuses = [
        client.post("/login", data=wrong, **from_address(f"192.0.2.{n}")).status_code
        for n in range(10)
    ]
    assert statuses == [200] * 10
    # The same account, differently written, from an eleventh address: blocked.
    blocked = client.post(
        "/login",
        data={"email": " ANA@example.org", "password": PASSWORD},
        **from_address("198.51.100.1"),
    )
    assert_blocked(blocked)
    # Another account from that address is not held up.
    other = client.post(
        "/login",
        data={"email": "ana.alvarez@example.org", "password": "x"},
        **from_address("198.51.100.1"),
    )
    assert other.status_code == 200


def test_reset_mail_to_one_inbox_is_limited_whatever_the_address(limited):
    client = limited.test_client()
    data = {"email": EMAIL}
    statuses = [
        client.post("/reset-password", data=data, **from_address(f"192.0.2.{n}")).status_code
        for n in range(3)
    ]
    assert statuses == [302] * 3
    assert_blocked(client.post("/reset-password", data=data, **from_address("192.0.2.200")))
    other = client.post(
        "/reset-password", data={"email": "ana.alvarez@example.org"}, **from_address("192.0.2.200")
    )
    assert other.status_code == 302


def test_the_code_page_is_limited_per_account(limited, db):
    user = make_user(email=EMAIL)
    secret, _ = enable(user)
    db.session.commit()
    client = limited.test_client()
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    statuses = [
        client.post(
            "/login/two-factor", data={"code": "000000"}, **from_address(f"192.0.2.{n}")
        ).status_code
        for n in range(10)
    ]
    assert statuses == [200] * 10
    # From an eleventh address: even the right code waits.
    right = {"code": pyotp.TOTP(secret).now()}
    assert_blocked(client.post("/login/two-factor", data=right, **from_address("198.51.100.2")))
    assert client.get("/account").status_code == 302


def test_the_code_page_is_limited_per_address(limited, db):
    for n in range(2):
        enable(make_user(email=f"person{n}@example.org"))
    db.session.commit()
    client = limited.test_client()
    statuses = []
    for n in range(10):
        client.post("/login", data={"email": f"person{n % 2}@example.org", "password": PASSWORD})
        statuses.append(client.post("/login/two-factor", data={"code": "000000"}).status_code)
    assert statuses == [200] * 10
    client.post("/login", data={"email": "person0@example.org", "password": PASSWORD})
    assert_blocked(client.post("/login/two-factor", data={"code": "000000"}))
