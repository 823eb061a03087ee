"""Sign-up confirmed by a mailed link; a known address answered alike, its owner told."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import EmailConfirmation, Role, User
from app.audit.models import AuditAction, AuditEvent
from app.db import now_utc
from tests.accounts.identity_helpers import body, confirmation_path, mails, mails_to, without_csrf
from tests.factories import make_user

PASSPHRASE = "a brand new passphrase"


def signup_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Ana Rossi",
        "email": "Ana.Rossi@Example.org",
        "password": PASSPHRASE,
        "confirm": PASSPHRASE,
        "locale": "fr",
    }
    data.update(overrides)
    return data


def all_users(db) -> list[User]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(User).order_by(User.id)))


def sign_up(client, **overrides: str):
    return client.post("/signup", data=signup_data(**overrides))


def test_signup_creates_no_account_until_the_link_is_confirmed(client, db):
    response = sign_up(client)

    assert response.status_code == 302
    assert response.headers["Location"] == "/signup/sent"
    assert all_users(db) == []
    [mail] = mails()
    assert mail.recipient == "ana.rossi@example.org"
    assert confirmation_path(mail).startswith("/signup/confirm/")
    # In the language chosen on the form.
    assert mail.subject == "Confirmez votre adresse e-mail pour Atelier"
    # Nobody is signed in yet.
    assert client.get("/account").status_code == 302


def test_the_link_is_stored_only_as_a_hash_and_expires_after_the_configured_time(app, client, db):
    before = now_utc()
    sign_up(client)

    row = db.session.scalars(sa.select(EmailConfirmation)).one()
    raw = confirmation_path(mails()[0]).rsplit("/", 1)[1]
    assert raw not in row.token_hash and len(row.token_hash) == 64
    minutes = app.config["EMAIL_CONFIRMATION_MAX_AGE_MINUTES"]
    assert minutes == 24 * 60
    assert before + timedelta(minutes=minutes) <= row.expires_at
    assert row.expires_at <= now_utc() + timedelta(minutes=minutes)
    assert row.used_at is None and row.application is None and row.course_id is None
    assert row.password_hash and PASSPHRASE not in row.password_hash


def test_opening_the_link_shows_a_button_and_changes_nothing(client, db):
    sign_up(client)
    path = confirmation_path(mails()[0])

    page = client.get(path)

    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "ana.rossi@example.org" in page.text
    assert "Confirm and open my account" in page.text
    assert all_users(db) == []


def test_confirming_creates_the_verified_account_signs_in_and_audits(client, db):
    sign_up(client)
    path = confirmation_path(mails()[0])

    response = client.post(path)

    assert response.status_code == 302
    [user] = all_users(db)
    assert (user.email, user.name, user.locale, user.role) == (
        "ana.rossi@example.org",
        "Ana Rossi",
        "fr",
        Role.PARTICIPANT,
    )
    assert user.check_password(PASSPHRASE)
    assert user.email_verified_at is not None
    assert abs(user.email_verified_at - now_utc()) < timedelta(minutes=1)
    # Signed up, then signed in on this browser (app/sessions audits the log-in).
    event, login_event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert (event.action, event.actor_id, event.subject_id) == (
        AuditAction.SIGNED_UP,
        user.id,
        user.id,
    )
    assert event.detail == {"with_application": False}
    assert (login_event.action, login_event.subject_id) == (AuditAction.LOGGED_IN, user.id)
    assert client.get("/account").status_code == 200


def test_a_used_link_is_refused(client, db):
    sign_up(client)
    path = confirmation_path(mails()[0])
    client.post(path)
    client.post("/logout")

    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 400
        assert "already been used" in response.text
    assert len(all_users(db)) == 1


def test_an_unknown_link_is_refused(client, db):
    response = client.post("/signup/confirm/not-a-real-token")

    assert response.status_code == 400
    assert "not valid" in response.text
    assert all_users(db) == []


def _set_expiry(db, expires_at) -> None:
    db.session.execute(sa.update(EmailConfirmation).values(expires_at=expires_at))
    db.session.commit()


@pytest.mark.parametrize(
    ("left", "works"), [(timedelta(minutes=1), True), (-timedelta(seconds=1), False)]
)
def test_the_link_works_until_it_expires(client, db, left, works):
    sign_up(client)
    path = confirmation_path(mails()[0])
    _set_expiry(db, now_utc() + left)

    response = client.post(path)

    if works:
        assert response.status_code == 302
        assert len(all_users(db)) == 1
    else:
        assert response.status_code == 400
        assert "has expired" in response.text
        assert all_users(db) == []


@pytest.mark.parametrize(
    "typed",
    ["ana.rossi@example.org", "ANA.ROSSI@EXAMPLE.ORG", "\uff41na.rossi@example.org"],
)
def test_a_known_address_gets_the_same_answer_and_its_owner_a_notice(client, db, typed):
    owner = make_user(email="ana.rossi@example.org", name="Ana Rossi", locale="en")
    db.session.commit()
    new_client = client.application.test_client()

    known = sign_up(client, email=typed, name="Impostor")
    new = sign_up(new_client, email="ana.alves@example.org", name="Ana Alves")

    assert (known.status_code, known.headers["Location"]) == (
        new.status_code,
        new.headers["Location"],
    )
    assert without_csrf(client.get(known.headers["Location"]).text) == without_csrf(
        new_client.get(new.headers["Location"]).text
    )
    # The owner is told, with no link that would do anything for the stranger.
    [notice] = mails_to("ana.rossi@example.org")
    text = body(notice)
    assert "Someone tried to create an account" in text
    assert "http://atelier.test/login" in text and "http://atelier.test/reset-password" in text
    assert "/confirm/" not in text
    # The new address gets its link; nothing else was created.
    assert confirmation_path(mails_to("ana.alves@example.org")[0])
    assert [u.id for u in all_users(db)] == [owner.id]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EmailConfirmation)) == 1


def test_the_signup_form_says_nothing_about_a_known_address(client, db):
    make_user(email="ana.rossi@example.org")
    db.session.commit()

    response = sign_up(client, email="ana.rossi@example.org")

    assert response.status_code == 302
    assert "exists already" not in client.get("/signup/sent").text


def test_no_notice_to_an_owner_whose_address_was_never_verified(client, db):
    owner = make_user(email="ana.rossi@example.org")
    owner.email_verified_at = None
    db.session.commit()

    response = sign_up(client)

    assert response.status_code == 302
    assert mails() == []


def test_two_pending_signups_for_one_address_make_one_account(client, db):
    sign_up(client, name="First")
    sign_up(client.application.test_client(), name="Second")
    first, second = (confirmation_path(m) for m in mails())

    assert client.post(second).status_code == 302
    other = client.application.test_client()
    response = other.post(first)

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    [user] = all_users(db)
    assert user.name == "Second"


def test_links_expired_over_a_week_ago_are_deleted_at_the_next_signup(client, db):
    sign_up(client, email="old@example.org")
    sign_up(client, email="recent@example.org")
    week = timedelta(days=7)
    db.session.execute(
        sa.update(EmailConfirmation)
        .where(EmailConfirmation.email == "old@example.org")
        .values(expires_at=now_utc() - week - timedelta(minutes=1))
    )
    db.session.execute(
        sa.update(EmailConfirmation)
        .where(EmailConfirmation.email == "recent@example.org")
        .values(expires_at=now_utc() - week + timedelta(minutes=1))
    )
    db.session.commit()

    sign_up(client, email="new@example.org")

    kept = db.session.scalars(sa.select(EmailConfirmation.email).order_by(EmailConfirmation.id))
    assert list(kept) == ["recent@example.org", "new@example.org"]
