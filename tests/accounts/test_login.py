"""Sign-up, log-in and log-out through the pages."""

from __future__ import annotations

import sqlalchemy as sa

from app.accounts.models import User
from tests.accounts.helpers import flashes
from tests.conftest import login
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "a brand new passphrase"


def _signup_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Ana Rossi",
        "email": "Ana.Rossi@Example.org",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        "locale": "fr",
    }
    data.update(overrides)
    return data


def _user_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


# --- Sign-up -----------------------------------------------------------------------------------


def test_signup_page_offers_the_configured_languages(client):
    response = client.get("/signup")
    assert response.status_code == 200
    for code, name in (("en", "English"), ("fr", "Français"), ("es", "Español")):
        assert f'value="{code}"' in response.text
        assert name in response.text


# Creating the account (through a mailed link) and a known address: test_identity_signup.py.


def test_signup_refuses_a_short_password(client, db):
    response = client.post("/signup", data=_signup_data(password="short", confirm="short"))

    assert response.status_code == 200
    assert "at least 10 characters" in response.text
    assert _user_count(db) == 0


def test_signup_refuses_a_confirmation_that_differs(client, db):
    response = client.post("/signup", data=_signup_data(confirm=NEW_PASSWORD + "!"))

    assert response.status_code == 200
    assert "The two passwords differ." in response.text
    assert _user_count(db) == 0


def test_signup_refuses_a_language_not_offered(client, db):
    response = client.post("/signup", data=_signup_data(locale="de"))

    assert response.status_code == 200
    assert _user_count(db) == 0


# --- Log-in ------------------------------------------------------------------------------------


def test_login_with_the_right_password_logs_in_and_stamps_the_time(client, db):
    user = make_user(email="ana@example.org")
    db.session.commit()
    assert user.last_login_at is None

    response = client.post("/login", data={"email": "ANA@example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/account").status_code == 200
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_login_failure_says_the_same_for_unknown_email_and_wrong_password(client, db):
    make_user(email="ana@example.org")
    db.session.commit()

    wrong_password = client.post(
        "/login", data={"email": "ana@example.org", "password": "not the password"}
    )
    unknown_email = client.post(
        "/login", data={"email": "nobody@example.org", "password": "not the password"}
    )

    assert wrong_password.status_code == unknown_email.status_code == 200
    assert (
        flashes(wrong_password) == flashes(unknown_email) == [("error", "Wrong email or password.")]
    )
    assert client.get("/account").status_code == 302


def test_inactive_user_cannot_log_in(client, db):
    user = make_user(email="ana@example.org")
    user.is_active = False
    db.session.commit()

    response = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})

    assert response.status_code == 200
    assert "deactivated" in response.text
    assert client.get("/account").status_code == 302


def test_login_follows_a_local_next_address(client, db):
    make_user(email="ana@example.org")
    db.session.commit()

    response = client.post(
        "/login?next=/account/password", data={"email": "ana@example.org", "password": PASSWORD}
    )

    assert response.headers["Location"] == "/account/password"


def test_login_ignores_a_next_address_on_another_site(client, db):
    make_user(email="ana@example.org")
    db.session.commit()

    for target in ("https://evil.example/", "//evil.example/"):
        response = client.post(
            f"/login?next={target}", data={"email": "ana@example.org", "password": PASSWORD}
        )
        assert response.headers["Location"] == "/"
        client.post("/logout")


def test_a_protected_page_sends_to_login_and_back(client, db):
    make_user(email="ana@example.org")
    db.session.commit()

    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")

    response = client.post(
        response.headers["Location"], data={"email": "ana@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/account"


def test_remember_me_sets_a_remember_cookie(client, db):
    make_user(email="ana@example.org")
    db.session.commit()

    client.post("/login", data={"email": "ana@example.org", "password": PASSWORD, "remember": "y"})

    assert client.get_cookie("remember_token") is not None


def test_without_remember_me_there_is_no_remember_cookie(client, db):
    make_user(email="ana@example.org")
    db.session.commit()

    client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})

    assert client.get_cookie("remember_token") is None


# --- Log-out -----------------------------------------------------------------------------------


def test_logout_refuses_get(client, db):
    login(client, make_user())
    db.session.commit()

    assert client.get("/logout").status_code == 405
    assert client.get("/account").status_code == 200


def test_logout_by_post_logs_out(client, db):
    login(client, make_user())
    db.session.commit()

    response = client.post("/logout")

    assert response.status_code == 302
    assert client.get("/account").status_code == 302
