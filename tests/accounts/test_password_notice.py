"""The account is told by mail when its password changes or is reset (when, from where, what to
do if it was not them), only the newest reset link works, and each step is in the audit log."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy

import pytest
import sqlalchemy as sa

from app.accounts import services
from app.accounts.models import PasswordResetToken
from app.audit.models import AuditAction, AuditEvent
from app.db import now_utc
from tests.accounts.test_password import NEW_PASSWORD, _outbox, _reset_path
from tests.conftest import login
from tests.factories import PASSWORD, make_user

EMAIL = "ana@example.org"
ADDRESS = "203.0.113.9"


def _body(message) -> str:
    parsed = email.message_from_bytes(message.raw, policy=policy.default)
    return parsed.get_body(preferencelist=("plain",)).get_content()


def _events(db, action: AuditAction | None = None) -> list[AuditEvent]:
    stmt = sa.select(AuditEvent).order_by(AuditEvent.id)
    if action is not None:
        stmt = stmt.where(AuditEvent.action == action)
    return list(db.session.scalars(stmt))


@pytest.fixture
def ana(db):
    user = make_user(email=EMAIL, name="Ana Alves")
    # Ana Álvarez, a similar name, whose mail and log must stay untouched.
    make_user(email="ana.alvarez@example.org", name="Ana Álvarez")
    db.session.commit()
    return user


# --- Mail --------------------------------------------------------------------------------------


def test_changing_the_password_sends_a_notice(client, db, ana):
    ana.timezone = "Europe/Rome"
    db.session.commit()
    login(client, ana)
    before = now_utc()

    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        environ_overrides={"REMOTE_ADDR": ADDRESS},
    )

    assert response.status_code == 302
    [notice] = _outbox(db)
    assert notice.recipient == EMAIL
    assert notice.subject == "Your Atelier password was changed"
    body = _body(notice)
    assert "The password of your Atelier account (ana@example.org) was changed." in body
    assert f"From the address: {ADDRESS}" in body
    assert "(Europe/Rome)" in body
    assert "If it was not you" in body
    assert "http://atelier.test/reset-password" in body
    assert NEW_PASSWORD not in body and PASSWORD not in body
    [event] = _events(db, AuditAction.PASSWORD_CHANGED)
    assert (event.actor_id, event.subject_id, event.ip) == (ana.id, ana.id, ADDRESS)
    assert before <= event.at <= now_utc()


def test_resetting_the_password_sends_a_notice_in_the_persons_language(client, db, ana):
    ana.locale = "es"
    services.request_password_reset(EMAIL)
    db.session.commit()
    path = _reset_path(_outbox(db)[0])

    response = client.post(
        path,
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        environ_overrides={"REMOTE_ADDR": ADDRESS},
    )

    assert response.status_code == 302
    notice = _outbox(db)[-1]
    assert notice.recipient == EMAIL
    parsed = email.message_from_bytes(notice.raw, policy=policy.default)
    assert parsed["Content-Language"] == "es"
    assert ADDRESS in _body(notice)
    assert "UTC" in _body(notice)  # no zone chosen: the time is given in UTC, and says so
    [event] = _events(db, AuditAction.PASSWORD_RESET)
    assert (event.actor_id, event.subject_id) == (ana.id, ana.id)


def test_a_wrong_current_password_sends_no_notice(client, db, ana):
    login(client, ana)
    client.post(
        "/account/password",
        data={"current_password": "not it", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert _outbox(db) == []
    assert _events(db, AuditAction.PASSWORD_CHANGED) == []


def test_create_admin_with_a_new_password_notifies_the_existing_account(app, db, ana):
    result = app.test_cli_runner().invoke(
        args=["create-admin", EMAIL, "--password", "violet kettle marathon"]
    )
    assert result.exit_code == 0, result.output
    [notice] = _outbox(db)
    assert notice.recipient == EMAIL
    assert "From: the server's command line" in _body(notice)
    [event] = _events(db, AuditAction.PASSWORD_CHANGED)
    assert (event.actor_id, event.subject_id, event.detail) == (None, ana.id, {"via": "command"})


# --- Only the newest reset link ----------------------------------------------------------------


def test_a_second_reset_link_voids_the_first(client, db, ana):
    services.request_password_reset(EMAIL)
    db.session.commit()
    services.request_password_reset(EMAIL)
    db.session.commit()
    first, second = (_reset_path(m) for m in _outbox(db))

    refused = client.get(first)
    assert refused.status_code == 400
    assert "a newer one replaced it" in refused.text
    assert (
        client.post(first, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 400
    )
    db.session.expire_all()
    assert ana.check_password(PASSWORD)

    assert client.get(second).status_code == 200
    response = client.post(second, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    db.session.expire_all()
    assert ana.check_password(NEW_PASSWORD)


def test_a_new_link_for_one_account_leaves_anothers_open(client, db, ana):
    services.request_password_reset("ana.alvarez@example.org")
    db.session.commit()
    services.request_password_reset(EMAIL)
    db.session.commit()
    other = _reset_path(_outbox(db)[0])
    assert client.get(other).status_code == 200
    open_tokens = db.session.scalars(
        sa.select(PasswordResetToken).where(PasswordResetToken.used_at.is_(None))
    ).all()
    assert len(open_tokens) == 2


def test_a_reset_request_is_audited_only_for_an_existing_account(client, db, ana):
    client.post("/reset-password", data={"email": "nobody@example.org"})
    assert _events(db) == []
    client.post("/reset-password", data={"email": "ANA@example.org "})
    [event] = _events(db)
    assert event.action == AuditAction.PASSWORD_RESET_REQUESTED
    assert (event.actor_id, event.subject_id) == (None, ana.id)


# --- Failed log-ins ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email_address", "password", "reason", "is_subject"),
    [
        (EMAIL, "not the password", "wrong_password", True),
        ("nobody@example.org", PASSWORD, "unknown_email", False),
    ],
)
def test_a_failed_log_in_is_audited_without_the_password(
    client, db, ana, email_address, password, reason, is_subject
):
    response = client.post(
        "/login",
        data={"email": email_address, "password": password},
        environ_overrides={"REMOTE_ADDR": ADDRESS},
    )
    assert response.status_code == 200
    [event] = _events(db)
    assert event.action == AuditAction.LOGIN_FAILED
    assert event.actor_id is None
    assert event.subject_id == (ana.id if is_subject else None)
    assert event.detail == {"reason": reason}
    assert event.ip == ADDRESS
    assert password not in str(event.detail)


def test_a_log_in_to_a_deactivated_account_is_audited(client, db, ana):
    ana.is_active = False
    db.session.commit()
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    [event] = _events(db)
    assert (event.action, event.subject_id, event.detail) == (
        AuditAction.LOGIN_FAILED,
        ana.id,
        {"reason": "inactive"},
    )


def test_a_successful_log_in_records_no_failure(client, db, ana):
    assert client.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    assert _events(db, AuditAction.LOGIN_FAILED) == []


def test_timestamps_are_aware(db, ana):
    with pytest.raises(services.InvalidCredentials):
        services.authenticate(EMAIL, "nope nope nope")
    db.session.commit()
    [event] = _events(db)
    assert event.at.tzinfo is not None
    assert event.at > datetime(2020, 1, 1, tzinfo=UTC)
