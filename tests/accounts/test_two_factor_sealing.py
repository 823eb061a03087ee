"""Authenticator secrets sealed at rest: the database holds no readable secret, codes still
work, secrets stored before sealing are sealed at their next code, and rotating SECRET_KEY
(with the old key as a fallback, then `flask two-factor-reseal`) keeps everyone's second factor.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from app.twofactor import sealing, services
from app.twofactor.models import TwoFactorCredential
from tests.accounts.test_two_factor import NOW, code_at, enable
from tests.factories import make_user

OLD_KEY = "3f1c9a7e5b2d4c6e8a0b1d3f5e7c9a2b4d6f8e0a1c3b5d7f9e2a4c6b8d0f1e3a"
NEW_KEY = "9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b"
LOST_KEY = "0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b"
BEFORE = "5e0c7a1b9d42"  # the migration before secrets were sealed


def stored(user) -> str:
    """The secret column as a database dump would show it."""
    return services.credential(user).sealed_secret


def key(app, monkeypatch, current: str, *fallbacks: str) -> None:
    monkeypatch.setitem(app.config, "SECRET_KEY", current)
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", list(fallbacks))


@pytest.fixture
def people(db):
    # Similar names: each one's secret must stay their own.
    return (
        make_user(email="ana@example.org", name="Ana Alves"),
        make_user(email="ana.alvez@example.org", name="Ana Álvez"),
    )


def test_the_database_holds_the_secrets_sealed_and_codes_still_work(app, db, people):
    ana, namesake = people
    secret, _ = enable(ana)
    other, _ = enable(namesake)

    raw = db.session.scalars(sa.text("SELECT secret FROM two_factor_credential ORDER BY id")).all()
    assert len(raw) == 2
    for value, plain in zip(raw, (secret, other), strict=True):
        assert value.startswith("fernet:")
        assert plain not in value and plain.lower() not in value.lower()
    assert sealing.unseal(raw[0]) == secret != other == sealing.unseal(raw[1])
    # The authenticator's codes are checked against the opened secret.
    assert services.verify_login(ana, code_at(secret, NOW), now=NOW) == "totp"
    with pytest.raises(services.InvalidCode):
        services.verify_login(namesake, code_at(secret, NOW + timedelta(seconds=30)), now=NOW)


def test_the_same_secret_is_sealed_differently_each_time(app, db):
    # A random IV per seal: equal secrets do not show as equal values in a dump.
    assert sealing.seal("JBSWY3DPEHPK3PXP") != sealing.seal("JBSWY3DPEHPK3PXP")
    assert sealing.unseal(sealing.seal("JBSWY3DPEHPK3PXP")) == "JBSWY3DPEHPK3PXP"


def test_a_secret_key_given_as_bytes_seals_as_its_text_does(app, db, monkeypatch):
    # instance/config.py may set SECRET_KEY = os.urandom(32), or the text's bytes.
    key(app, monkeypatch, NEW_KEY.encode())
    sealed = sealing.seal("JBSWY3DPEHPK3PXP")
    key(app, monkeypatch, NEW_KEY)
    assert sealing.is_current(sealed) and sealing.unseal(sealed) == "JBSWY3DPEHPK3PXP"


def test_a_secret_stored_before_sealing_works_and_is_sealed_at_its_next_code(app, db, people):
    ana, _ = people
    secret, _ = enable(ana)
    found = services.credential(ana)
    found.sealed_secret = secret  # as rows written before sealing hold it
    db.session.commit()

    with pytest.raises(services.InvalidCode):
        services.verify_login(ana, "000000", now=NOW)
    assert stored(ana) == secret  # a refused code changes nothing

    assert services.verify_login(ana, code_at(secret, NOW), now=NOW) == "totp"
    db.session.commit()
    assert stored(ana).startswith("fernet:") and secret not in stored(ana)
    assert sealing.is_current(stored(ana))
    assert services.credential(ana).secret == secret


def test_a_rotated_key_opens_secrets_through_its_fallback_and_reseals_them(
    app, db, people, monkeypatch
):
    ana, namesake = people
    key(app, monkeypatch, OLD_KEY)
    secret, _ = enable(ana)
    enable(namesake)
    under_old = stored(ana)

    key(app, monkeypatch, NEW_KEY, OLD_KEY)
    assert not sealing.is_current(under_old)
    assert services.verify_login(ana, code_at(secret, NOW), now=NOW) == "totp"
    db.session.commit()
    assert stored(ana) != under_old and sealing.is_current(stored(ana))
    # The one who has not logged in since is still under the old key.
    assert not sealing.is_current(stored(namesake))

    # Once the old key is gone, the resealed secret opens and the other one does not.
    key(app, monkeypatch, NEW_KEY)
    assert services.credential(ana).secret == secret
    with pytest.raises(sealing.SealBroken):
        services.credential(namesake).secret  # noqa: B018 (reading it is the test)


def test_without_the_old_key_codes_are_refused_logged_and_recovery_codes_still_work(
    app, db, people, monkeypatch, caplog
):
    ana, _ = people
    key(app, monkeypatch, OLD_KEY)
    secret, codes = enable(ana)
    under_old = stored(ana)

    key(app, monkeypatch, LOST_KEY)
    with caplog.at_level(logging.ERROR), pytest.raises(services.InvalidCode):
        services.verify_login(ana, code_at(secret, NOW), now=NOW)
    # What the operator reads in the log, whole: whose secret, the likely cause, the way back.
    assert (
        f"The two-factor secret of user {ana.id} does not open with SECRET_KEY or "
        "SECRET_KEY_FALLBACKS: was SECRET_KEY changed without the old one kept as a fallback? "
        "Their codes are refused; recovery codes still work."
    ) in caplog.messages
    assert stored(ana) == under_old  # kept: putting the old key back brings it back
    assert services.verify_login(ana, codes[0], now=NOW) == "recovery"

    key(app, monkeypatch, LOST_KEY, OLD_KEY)
    assert (
        services.verify_login(
            ana, code_at(secret, NOW + timedelta(minutes=1)), now=NOW + timedelta(minutes=1)
        )
        == "totp"
    )


def test_an_unfinished_set_up_under_a_lost_key_starts_again(app, db, people, monkeypatch):
    ana, _ = people
    key(app, monkeypatch, OLD_KEY)
    first = services.begin_setup(ana, actor=ana).secret
    db.session.commit()

    key(app, monkeypatch, LOST_KEY)
    again = services.begin_setup(ana, actor=ana)
    assert again.secret != first and sealing.is_current(again.sealed_secret)
    codes = services.confirm_setup(ana, code_at(again.secret, NOW), actor=ana, now=NOW)
    assert len(codes) == 10 and services.is_enabled(ana)


def test_the_set_up_page_after_a_lost_key_shows_a_new_secret(app, client, db, people, monkeypatch):
    from tests.accounts.test_two_factor_login import login

    ana, _ = people
    db.session.commit()
    key(app, monkeypatch, OLD_KEY)
    login(client, ana)
    assert client.get("/account/two-factor/setup").status_code == 200
    first = services.credential(ana).secret

    # A new SECRET_KEY without the old one signs everyone out too: she logs in again.
    key(app, monkeypatch, LOST_KEY)
    login(client, ana)
    page = client.get("/account/two-factor/setup")
    assert page.status_code == 200
    db.session.expire_all()
    secret = services.credential(ana).secret
    assert secret != first and services.grouped_secret(secret) in page.text


def test_the_reseal_command_seals_every_secret_under_the_current_key(app, db, people, monkeypatch):
    ana, namesake = people
    carla = make_user(email="carla@example.org", name="Carla Alves")
    dmitri = make_user(email="dmitri@example.org", name="Dmitri Alvesov")
    key(app, monkeypatch, OLD_KEY)
    secrets = {user.email: enable(user)[0] for user in (ana, namesake, carla)}
    key(app, monkeypatch, LOST_KEY)
    enable(dmitri)
    # ana: under the old key; namesake: stored before sealing; carla: under the new key
    # already; dmitri: under a key no one has any more.
    key(app, monkeypatch, NEW_KEY)
    services.credential(namesake).sealed_secret = secrets[namesake.email]
    services.credential(carla).sealed_secret = sealing.seal(secrets[carla.email])
    db.session.commit()
    untouched = stored(carla)

    key(app, monkeypatch, NEW_KEY, OLD_KEY)
    result = app.test_cli_runner().invoke(args=["two-factor-reseal"])

    assert "Sealed again under the current key: 2. Already under it: 1." in result.output
    assert "dmitri@example.org" in result.output and "ana@example.org" not in result.output
    assert result.exit_code == 1
    db.session.expire_all()
    assert stored(carla) == untouched
    key(app, monkeypatch, NEW_KEY)  # the old key can go now
    for user in (ana, namesake):
        assert sealing.is_current(stored(user))
        assert services.credential(user).secret == secrets[user.email]
    assert services.credential(carla).secret == secrets[carla.email]

    # With the one left turned off, the command has nothing to report and succeeds.
    app.test_cli_runner().invoke(args=["two-factor-off", "dmitri@example.org"])
    clean = app.test_cli_runner().invoke(args=["two-factor-reseal"])
    assert clean.exit_code == 0
    assert "Sealed again under the current key: 0. Already under it: 3." in clean.output


def test_the_fallback_keys_come_from_the_environment(tmp_path, monkeypatch):
    import flask

    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", NEW_KEY)
    monkeypatch.setenv("SECRET_KEY_FALLBACKS", f" {OLD_KEY} ,, {LOST_KEY}")
    assert create_app().config["SECRET_KEY_FALLBACKS"] == [OLD_KEY, LOST_KEY]


def test_the_migration_seals_plain_secrets_and_its_downgrade_opens_them(tmp_path):
    url = f"sqlite:///{tmp_path / 'sealing.db'}"
    app = create_app({"TESTING": True, "SECRET_KEY": OLD_KEY, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from app.extensions import db

        upgrade()
        ana = make_user(email="ana@example.org", name="Ana Alves")
        bruno = make_user(email="bruno@example.org", name="Bruno Alves")
        db.session.commit()
        secret, _ = enable(ana)
        app.config["SECRET_KEY"] = LOST_KEY
        enable(bruno)
        db.session.commit()
        app.config["SECRET_KEY"] = OLD_KEY
        ana_id, bruno_id = ana.id, bruno.id
        db.session.remove()

        # Down: ana's secret in plain text again; bruno's opens with no key here, so his
        # two-factor log-in is off rather than broken.
        downgrade(revision=BEFORE)
        rows = db.session.execute(
            sa.text("SELECT user_id, secret FROM two_factor_credential")
        ).all()
        assert [tuple(r) for r in rows] == [(ana_id, secret)]
        left = db.session.execute(
            sa.text("SELECT count(*) FROM recovery_code WHERE user_id = :u"), {"u": bruno_id}
        ).scalar()
        assert left == 0
        db.session.remove()

        # Up: sealed again, and it opens to the same secret.
        upgrade()
        value = db.session.execute(sa.text("SELECT secret FROM two_factor_credential")).scalar()
        assert value.startswith("fernet:") and secret not in value
        assert sealing.unseal(value) == secret
        assert (
            services.verify_login(
                db.session.get(type(ana), ana_id), pyotp.TOTP(secret).at(NOW), now=NOW
            )
            == "totp"
        )
        db.session.remove()
        db.engine.dispose()


def test_the_credential_keeps_nothing_readable_when_set_through_the_model(app, db, people):
    ana, _ = people
    found = TwoFactorCredential(user_id=ana.id, secret="JBSWY3DPEHPK3PXP")
    db.session.add(found)
    db.session.commit()
    assert "JBSWY3DPEHPK3PXP" not in found.sealed_secret
    assert sealing.unseal(found.sealed_secret) == found.secret == "JBSWY3DPEHPK3PXP"
