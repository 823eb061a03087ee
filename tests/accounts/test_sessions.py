"""Sessions end with the password: a new password (changed or reset) signs the account out of
every other browser, remember-me cookies included, and a session naming anything else is
nobody's."""

from __future__ import annotations

import pytest

from tests.accounts.test_password import NEW_PASSWORD, _outbox, _reset_path
from tests.factories import PASSWORD, make_user

EMAIL = "ana@example.org"


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def log_in(app, *, remember: bool = False):
    client = app.test_client()
    data = {"email": EMAIL, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/login", data=data).status_code == 302
    return client


def restart_browser(client) -> None:
    """A browser closed and opened again: the session cookie is gone, remember-me stays."""
    client.delete_cookie("session")


@pytest.fixture
def ana(db):
    user = make_user(email=EMAIL)
    db.session.commit()
    return user


def test_changing_the_password_signs_out_every_other_browser(app, ana):
    laptop = log_in(app, remember=True)
    phone = log_in(app)
    remembered = log_in(app, remember=True)
    restart_browser(remembered)
    assert signed_in(phone) and signed_in(remembered)

    response = laptop.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert "Other browsers signed in to your account are signed out" in laptop.get("/account").text

    assert signed_in(laptop)
    assert not signed_in(phone)
    assert not signed_in(remembered)
    # The browser that changed it stays remembered across a restart.
    restart_browser(laptop)
    assert signed_in(laptop)


def test_a_password_reset_signs_out_every_browser(app, db, ana):
    phone = log_in(app, remember=True)
    remembered = log_in(app, remember=True)
    restart_browser(remembered)
    stranger = app.test_client()
    assert stranger.post("/reset-password", data={"email": EMAIL}).status_code == 302
    path = _reset_path(_outbox(db)[-1])
    response = stranger.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302

    assert not signed_in(phone)
    assert not signed_in(remembered)


def test_other_account_changes_keep_the_session(app, ana):
    phone = log_in(app)
    laptop = log_in(app)
    response = laptop.post("/account", data={"name": "Ana Souza", "locale": "fr", "timezone": ""})
    assert response.status_code == 302
    assert signed_in(phone)


def test_a_deactivated_account_is_signed_out(app, db, ana):
    phone = log_in(app, remember=True)
    ana.is_active = False
    db.session.commit()
    assert not signed_in(phone)
    restart_browser(phone)
    assert not signed_in(phone)


@pytest.mark.parametrize(
    "session_id",
    ["{id}", "{id}:", "{id}:0000", "{id}:ü", "abc", "", ":", "99999999999999999999:x", "-1:x"],
)
def test_a_session_naming_anything_else_is_nobodys(app, ana, session_id):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id.format(id=ana.id)
        session["_fresh"] = True
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
