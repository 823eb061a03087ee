"""Passwords are stored as Argon2id at OWASP's parameters; older hashes still open the account
and are replaced at the next log-in, without signing the person out anywhere else."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.profiles import RFC_9106_LOW_MEMORY
from werkzeug.security import generate_password_hash

from app import create_app
from app.accounts import passwords, services
from app.audit.models import AuditAction, AuditEvent
from app.extensions import db as _db
from app.mail.models import OutboxMessage
from tests.conftest import login
from tests.factories import PASSWORD, make_user

EMAIL = "ana@example.org"
TEST_PARAMS = "m=8,t=1,p=1"


def test_production_parameters_are_owasps(app):
    # OWASP Password Storage Cheat Sheet: Argon2id, 19 MiB, 2 iterations, 1 degree of parallelism.
    assert passwords.OWASP_ARGON2 == {"time_cost": 2, "memory_cost": 19456, "parallelism": 1}
    production = create_app({**app.config, "PASSWORD_ARGON2": None})
    with production.app_context():
        stored = passwords.hash_password("a long passphrase here")
        assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert passwords.verify_password(stored, "a long passphrase here")
        _db.engine.dispose()


def test_a_new_password_is_an_argon2id_hash_at_the_configured_parameters(db):
    user = make_user(email=EMAIL)
    assert user.password_hash.startswith(f"$argon2id$v=19${TEST_PARAMS}$")
    assert user.check_password(PASSWORD)
    assert not user.check_password(PASSWORD + " ")
    assert not user.check_password("")


@pytest.mark.parametrize("method", ["scrypt", "pbkdf2:sha256:1000"])
def test_an_older_werkzeug_hash_logs_in_and_is_replaced(client, db, method):
    user = make_user(email=EMAIL)
    user.password_hash = generate_password_hash(PASSWORD, method=method)
    db.session.commit()

    # A wrong password changes nothing.
    client.post("/login", data={"email": EMAIL, "password": "not the password"})
    db.session.refresh(user)
    assert user.password_hash.startswith(method.split(":")[0])

    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD})

    assert response.status_code == 302
    db.session.refresh(user)
    assert user.password_hash.startswith(f"$argon2id$v=19${TEST_PARAMS}$")
    assert user.check_password(PASSWORD)


def test_an_argon2_hash_with_old_parameters_is_replaced_and_a_current_one_is_kept(client, db):
    user = make_user(email=EMAIL)
    old = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY).hash(PASSWORD)
    user.password_hash = old
    db.session.commit()

    assert client.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    db.session.refresh(user)
    assert user.password_hash != old
    current = user.password_hash
    assert current.startswith(f"$argon2id$v=19${TEST_PARAMS}$")

    client.post("/logout")
    assert client.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    db.session.refresh(user)
    assert user.password_hash == current


def test_the_rehash_at_log_in_signs_nobody_out_elsewhere(app, db):
    user = make_user(email=EMAIL)
    user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    db.session.commit()
    # The phone signed in before the upgrade.
    phone = login(app.test_client(), user)
    assert phone.get("/account").status_code == 200

    # The laptop logs in now: the hash is replaced...
    laptop = app.test_client()
    assert laptop.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    db.session.refresh(user)
    assert user.password_hash.startswith("$argon2id$")
    assert user.rehash_password(PASSWORD) is False  # once

    # ... and both browsers are signed in.
    assert phone.get("/account").status_code == 200
    assert laptop.get("/account").status_code == 200
    # Not a password change: no mail, no audit event of one.
    assert db.session.scalars(sa.select(OutboxMessage)).all() == []
    assert (
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == AuditAction.PASSWORD_CHANGED)
        ).all()
        == []
    )


def _dummy_checks() -> int:
    info = passwords._dummy.cache_info()
    return info.hits + info.misses


def test_an_unknown_email_costs_one_password_check(db):
    make_user(email=EMAIL)
    before = _dummy_checks()
    with pytest.raises(services.InvalidCredentials):
        services.authenticate("nobody@example.org", "whatever it is")
    assert _dummy_checks() == before + 1
    # A known email with a wrong password checks the account's own hash, not the dummy.
    with pytest.raises(services.InvalidCredentials):
        services.authenticate(EMAIL, "whatever it is")
    assert _dummy_checks() == before + 1
    # The dummy hash is one at this app's parameters: as costly as a real account's.
    assert passwords._dummy(1, 8, 1).startswith(f"$argon2id$v=19${TEST_PARAMS}$")


def test_a_hash_in_no_known_format_opens_nothing(db):
    user = make_user(email=EMAIL)
    user.password_hash = "not-a-hash"
    assert not user.check_password(PASSWORD)
    user.password_hash = "$argon2id$garbage"
    assert not user.check_password(PASSWORD)
    assert passwords.needs_rehash("$argon2id$garbage")
    assert passwords.needs_rehash(None)


def test_no_hash_or_a_malformed_werkzeug_hash_opens_nothing(db):
    # An account without a password (signed up by a link not yet followed, or erased).
    assert not passwords.verify_password(None, PASSWORD)
    assert not passwords.verify_password("", PASSWORD)
    # A Werkzeug hash whose iteration count is not a number: Werkzeug raises, we refuse.
    assert not passwords.verify_password("pbkdf2:sha256:many$salt$00ff", PASSWORD)


def test_the_unknown_email_check_runs_at_this_apps_parameters(db, monkeypatch):
    checked: list[str] = []
    real = passwords.hasher

    def counting_hasher():
        found = real()

        class Counting:
            def verify(self, stored: str, password: str) -> bool:
                checked.append(stored)
                return found.verify(stored, password)

        return Counting()

    monkeypatch.setattr(passwords, "hasher", counting_hasher)
    with pytest.raises(services.InvalidCredentials):
        services.authenticate("nobody@example.org", "whatever it is")
    # One real Argon2 check, against a dummy hash made at the test parameters, not OWASP's.
    assert len(checked) == 1
    assert checked[0].startswith(f"$argon2id$v=19${TEST_PARAMS}$")
