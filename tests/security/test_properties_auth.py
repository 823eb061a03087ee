"""Arbitrary input to the two-factor forms (see test_properties.py for what is checked): the
code after the password, the first code of the set-up, the proof before new recovery codes or
turning it off, and the administrators' security setting. Never a server error; a refused code
changes nothing but its audit event; nobody is signed in or set up by a wrong code."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import sqlalchemy as sa
from hypothesis import strategies as st

from app.accounts.models import Role
from app.audit.models import AuditAction
from app.db import now_utc
from app.extensions import db
from app.twofactor import services
from app.twofactor.models import SecuritySettings
from tests.factories import PASSWORD, make_user
from tests.security.test_properties import (
    any_text,
    boxes,
    fresh,
    post,
    posts,
    run,
    snapshot,
)

codes = st.one_of(
    st.sampled_from(("000000", "123 456", "12345", "1234567", "abcde-fghij", "", " ")),
    st.text(alphabet="0123456789 -", max_size=12),
    any_text,
)


def enabled_user():
    user = make_user(email="ana@example.org", name="Ana Alves")
    found = services.begin_setup(user, actor=user)
    # One clock for the code and its check: read twice, a step may start in between (it did,
    # on PostgreSQL, at 16:16:00.001).
    now = now_utc()
    earlier = now - timedelta(seconds=30)
    services.confirm_setup(user, pyotp.TOTP(found.secret).at(earlier), actor=user, now=now)
    return user


def only_audit_changed(before, action: AuditAction) -> None:
    after = snapshot()
    events = after.pop("audit_event")
    old = before.pop("audit_event")
    after.pop("two_factor_credential", None)  # last_used_step never moves on a wrong code...
    before.pop("two_factor_credential", None)
    assert after == before
    assert all(e[2] == action for e in events[len(old) :])


@run(posts({"code": "000000"}, always={"code": codes}))
def test_login_code(client_for, data):
    fresh()
    user = enabled_user()
    client = client_for(None)
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    db.session.rollback()
    credential_before = snapshot()["two_factor_credential"]
    before = snapshot()
    response = post(client, "/login/two-factor", data)
    # Random input is never a right code: refused beside the field, nobody signed in.
    assert response.status_code == 200
    assert client.get("/account").status_code == 302
    db.session.rollback()
    assert snapshot()["two_factor_credential"] == credential_before
    only_audit_changed(before, AuditAction.TWO_FACTOR_FAILED)


@run(posts({"code": "000000"}, always={"code": codes}))
def test_setup_code(client_for, data):
    fresh()
    user = make_user(email="ana@example.org")
    client = client_for(user)
    assert client.get("/account/two-factor/setup").status_code == 200
    db.session.rollback()
    before = snapshot()
    response = post(client, "/account/two-factor/setup", data)
    assert response.status_code == 200
    assert snapshot() == before
    assert not services.is_enabled(user)


@run(posts({"disable-proof": "wrong"}, always={"disable-proof": any_text}))
def test_turn_off_proof(client_for, data):
    fresh()
    user = enabled_user()
    client = client_for(user)
    before = snapshot()
    response = post(client, "/account/two-factor/disable", data)
    assert response.status_code == 302
    if data.get("disable-proof") == PASSWORD:
        return
    only_audit_changed(before, AuditAction.TWO_FACTOR_FAILED)
    assert services.is_enabled(user)


@run(posts({"staff_two_factor_required": "y"}, always={"staff_two_factor_required": boxes}))
def test_security_settings(client_for, data):
    fresh()
    admin = make_user(Role.ADMIN, email="boss@example.org")
    client = client_for(admin)
    response = post(client, "/admin/security", data)
    assert response.status_code == 302
    row = db.session.scalar(sa.select(SecuritySettings))
    expected = data.get("staff_two_factor_required") in ("y", "on", "0")
    if row is None:
        assert not expected
    else:
        assert row.is_staff_two_factor_required is expected
