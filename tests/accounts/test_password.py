"""The profile page, changing a password, and resetting a forgotten one by email."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from app.accounts import services
from app.accounts.models import PasswordResetToken
from app.db import now_utc
from app.mail.models import OutboxMessage
from tests.accounts.helpers import flashes
from tests.conftest import login
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "a brand new passphrase"


def _outbox(db) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def _reset_path(message: OutboxMessage) -> str:
    """The reset link's path, read from the message as it will be sent."""
    parsed = email.message_from_bytes(message.raw, policy=policy.default)
    body = parsed.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"http://atelier\.test/reset-password/[A-Za-z0-9_-]+", body)
    assert match, body
    return urlsplit(match.group(0)).path


def _can_log_in(client, email_address: str, password: str) -> bool:
    response = client.post("/login", data={"email": email_address, "password": password})
    ok = response.status_code == 302
    if ok:
        client.post("/logout")
    return ok


# --- Profile -----------------------------------------------------------------------------------


def test_profile_shows_the_account(client, db):
    user = make_user(email="ana@example.org", name="Ana Rossi")
    db.session.commit()
    login(client, user)

    response = client.get("/account")

    assert response.status_code == 200
    assert "ana@example.org" in response.text
    assert 'value="Ana Rossi"' in response.text


def test_profile_changes_name_and_language(client, db):
    user = make_user(name="Ana")
    db.session.commit()
    login(client, user)

    response = client.post("/account", data={"name": "  Ana Rossi ", "locale": "es"})

    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.locale) == ("Ana Rossi", "es")


def test_profile_refuses_an_empty_name(client, db):
    user = make_user(name="Ana")
    db.session.commit()
    login(client, user)

    response = client.post("/account", data={"name": "  ", "locale": "en"})

    assert response.status_code == 200
    db.session.refresh(user)
    assert user.name == "Ana"


def test_profile_needs_login(client):
    assert client.get("/account").status_code == 302


# --- Change password ---------------------------------------------------------------------------


def test_change_password_with_the_current_password(client, db):
    user = make_user(email="ana@example.org")
    db.session.commit()
    login(client, user)

    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )

    assert response.status_code == 302
    client.post("/logout")
    assert not _can_log_in(client, "ana@example.org", PASSWORD)
    assert _can_log_in(client, "ana@example.org", NEW_PASSWORD)


def test_change_password_refuses_a_wrong_current_password(client, db):
    user = make_user(email="ana@example.org")
    db.session.commit()
    login(client, user)

    response = client.post(
        "/account/password",
        data={
            "current_password": "not it at all",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )

    assert response.status_code == 200
    assert "This is not your current password." in response.text
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_change_password_refuses_a_short_new_password(client, db):
    user = make_user()
    db.session.commit()
    login(client, user)

    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": "123456789", "confirm": "123456789"},
    )

    assert response.status_code == 200
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


# --- Password reset ----------------------------------------------------------------------------


def test_reset_flow_end_to_end(client, db):
    make_user(email="ana@example.org")
    db.session.commit()

    # 1. Ask for a link: one message is queued, carrying it.
    response = client.post("/reset-password", data={"email": "Ana@Example.org"})
    assert response.status_code == 302
    [message] = _outbox(db)
    assert message.recipient == "ana@example.org"
    path = _reset_path(message)

    # Only the token's SHA-256 is stored.
    token = db.session.scalar(sa.select(PasswordResetToken))
    raw = path.rsplit("/", 1)[1]
    assert token.token_hash != raw
    assert len(token.token_hash) == 64

    # 2. The link opens a form; the new password is set.
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"

    # 3. The old password no longer works, the new one does.
    assert not _can_log_in(client, "ana@example.org", PASSWORD)
    assert _can_log_in(client, "ana@example.org", NEW_PASSWORD)

    # 4. The same link a second time is refused, on GET and POST.
    again = client.get(path)
    assert again.status_code == 400
    assert "already been used" in again.text
    again = client.post(path, data={"password": "yet another password", "confirm": "x"})
    assert again.status_code == 400
    assert _can_log_in(client, "ana@example.org", NEW_PASSWORD)


def test_reset_request_answers_the_same_for_an_unknown_email_and_queues_nothing(client, db):
    make_user(email="ana@example.org")
    db.session.commit()

    known = client.post("/reset-password", data={"email": "ana@example.org"}, follow_redirects=True)
    assert len(_outbox(db)) == 1
    unknown = client.post(
        "/reset-password", data={"email": "nobody@example.org"}, follow_redirects=True
    )

    assert len(_outbox(db)) == 1
    assert known.status_code == unknown.status_code == 200
    assert flashes(known) == [("info", flashes(known)[0][1])]
    assert _page(known, "ana@example.org") == _page(unknown, "nobody@example.org")


def _page(response, email_address: str) -> str:
    """The page with the address typed and the (time-stamped) CSRF tokens blanked out."""
    text = response.text.replace(email_address, "EMAIL")
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', text)


def test_reset_request_for_an_inactive_account_queues_nothing(client, db):
    user = make_user(email="ana@example.org")
    user.is_active = False
    db.session.commit()

    response = client.post("/reset-password", data={"email": "ana@example.org"})

    assert response.status_code == 302
    assert _outbox(db) == []


def test_expired_reset_link_is_refused(client, db):
    make_user(email="ana@example.org")
    db.session.commit()
    client.post("/reset-password", data={"email": "ana@example.org"})
    path = _reset_path(_outbox(db)[0])
    token = db.session.scalar(sa.select(PasswordResetToken))
    token.expires_at = now_utc() - timedelta(minutes=1)
    db.session.commit()

    page = client.get(path)
    submitted = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert page.status_code == submitted.status_code == 400
    assert "expired" in page.text
    assert _can_log_in(client, "ana@example.org", PASSWORD)


def test_reset_link_expires_after_the_configured_time(app, db):
    make_user(email="ana@example.org")
    before = now_utc()

    token = services.request_password_reset("ana@example.org")

    max_age = timedelta(minutes=app.config["PASSWORD_RESET_MAX_AGE_MINUTES"])
    assert before + max_age <= token.expires_at <= now_utc() + max_age


def test_unknown_reset_link_is_refused_with_a_clear_page(client):
    response = client.get("/reset-password/not-a-real-token")

    assert response.status_code == 400
    assert "not valid" in response.text
    assert 'href="/reset-password"' in response.text


def test_using_a_reset_link_closes_the_other_open_links(client, db):
    make_user(email="ana@example.org")
    db.session.commit()
    client.post("/reset-password", data={"email": "ana@example.org"})
    client.post("/reset-password", data={"email": "ana@example.org"})
    first, second = (_reset_path(m) for m in _outbox(db))

    client.post(second, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert client.get(first).status_code == 400
    tokens = db.session.scalars(sa.select(PasswordResetToken)).all()
    assert all(t.used_at is not None for t in tokens)


def test_changing_the_password_closes_open_reset_links(client, db):
    user = make_user(email="ana@example.org")
    db.session.commit()
    client.post("/reset-password", data={"email": "ana@example.org"})
    path = _reset_path(_outbox(db)[0])
    login(client, user)

    client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )

    assert client.get(path).status_code == 400


def test_reset_refuses_a_short_password_and_keeps_the_link_open(client, db):
    make_user(email="ana@example.org")
    db.session.commit()
    client.post("/reset-password", data={"email": "ana@example.org"})
    path = _reset_path(_outbox(db)[0])

    response = client.post(path, data={"password": "short", "confirm": "short"})

    assert response.status_code == 200
    assert client.get(path).status_code == 200


def test_reset_email_is_written_in_the_users_language(db):
    user = make_user(email="ana@example.org", locale="fr")

    services.request_password_reset(user.email)

    [message] = _outbox(db)
    parsed = email.message_from_bytes(message.raw, policy=policy.default)
    assert parsed["Content-Language"] == "fr"
    assert parsed["To"] == "ana@example.org"


@pytest.mark.parametrize("problem", list(services.ResetTokenProblem))
def test_every_reset_link_problem_has_a_page(client, db, problem):
    """Whatever is wrong with a link, the visitor gets a page saying so, never an error 500."""
    user = make_user(email="ana@example.org")
    token = services.request_password_reset(user.email)
    path = _reset_path(_outbox(db)[0])
    if problem == services.ResetTokenProblem.UNKNOWN:
        path += "x"
    elif problem == services.ResetTokenProblem.USED:
        token.used_at = now_utc()
    else:
        token.expires_at = now_utc() - timedelta(seconds=1)
    db.session.commit()

    response = client.get(path)

    assert response.status_code == 400
    assert "<h1>" in response.text
