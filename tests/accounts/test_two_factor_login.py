"""Two-factor log-in through the pages: the code page after the password, its deadline, the
account pages, and staff held on the set-up page when the administrators require it."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pyotp
import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.audit.models import AuditAction, AuditEvent
from app.db import now_utc
from app.twofactor import login as pending_login
from app.twofactor import services
from app.twofactor.models import SecuritySettings, TwoFactorCredential
from tests.accounts.helpers import flashes
from tests.conftest import login
from tests.factories import PASSWORD, make_user

EMAIL = "ana@example.org"


def enable(user) -> tuple[str, list[str]]:
    """Two-factor on, confirmed with the code of the step before (the current one stays free)."""
    found = services.begin_setup(user, actor=user)
    # One clock for the code and its check: read twice, a step may start in between.
    now = now_utc()
    earlier = now - timedelta(seconds=30)
    codes = services.confirm_setup(user, pyotp.TOTP(found.secret).at(earlier), actor=user, now=now)
    return found.secret, codes


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def password_step(client, *, remember: bool = False, next_url: str | None = None):
    data = {"email": EMAIL, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data=data)


@pytest.fixture
def ana(db):
    user = make_user(email=EMAIL, name="Ana Alves")
    secret, codes = enable(user)
    db.session.commit()
    return user, secret, codes


def test_the_password_alone_does_not_sign_in(client, ana):
    response = password_step(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/two-factor"
    assert not signed_in(client)
    page = client.get("/login/two-factor")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "enter the code it shows" in page.text


def test_the_right_code_signs_in_and_goes_on(client, db, ana):
    user, secret, _ = ana
    password_step(client, next_url="/account")
    # A right password alone is not a log-in: the time is stamped after the second factor.
    db.session.refresh(user)
    assert user.last_login_at is None
    response = client.post("/login/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert signed_in(client)
    # The pending state is gone: the code page now sends a signed-in person home.
    with client.session_transaction() as session:
        assert pending_login.SESSION_KEY not in session
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_remember_me_survives_the_second_step(client, ana):
    _, secret, _ = ana
    password_step(client, remember=True)
    client.post("/login/two-factor", data={"code": pyotp.TOTP(secret).now()})
    client.delete_cookie("session")
    assert signed_in(client)


def test_a_wrong_code_is_refused_beside_the_field_and_audited(client, db, ana):
    user, _, _ = ana
    password_step(client)
    response = client.post("/login/two-factor", data={"code": "000000"})
    assert response.status_code == 200
    assert "This code is not right, or it has been used already." in unescape(response.text)
    assert not signed_in(client)
    [failed] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == AuditAction.TWO_FACTOR_FAILED)
    ).all()
    assert (failed.actor_id, failed.subject_id) == (None, user.id)


def test_a_code_used_once_does_not_work_in_another_browser(app, ana):
    _, secret, _ = ana
    code = pyotp.TOTP(secret).now()
    first, second = app.test_client(), app.test_client()
    password_step(first)
    password_step(second)
    assert first.post("/login/two-factor", data={"code": code}).status_code == 302
    assert second.post("/login/two-factor", data={"code": code}).status_code == 200
    assert signed_in(first) and not signed_in(second)


def test_a_recovery_code_signs_in_once_and_says_how_many_are_left(app, ana):
    _, _, codes = ana
    client = app.test_client()
    password_step(client)
    response = client.post("/login/two-factor", data={"code": codes[0]}, follow_redirects=True)
    assert (
        "warning",
        "You logged in with a recovery code; it cannot be used again. 9 are left: "
        "make new ones on your account page if needed.",
    ) in flashes(response)
    other = app.test_client()
    password_step(other)
    assert other.post("/login/two-factor", data={"code": codes[0]}).status_code == 200
    assert not signed_in(other)


def test_the_pending_state_expires(client, ana, app):
    _, secret, _ = ana
    password_step(client)
    minutes = app.config["TWO_FACTOR_PENDING_MINUTES"]
    assert minutes == 5
    with client.session_transaction() as session:
        state = session[pending_login.SESSION_KEY]
        # One second before the deadline it still works...
        deadline = now_utc() + timedelta(seconds=1)
        session[pending_login.SESSION_KEY] = {**state, "expires": deadline.timestamp()}
    assert client.get("/login/two-factor").status_code == 200
    with client.session_transaction() as session:
        state = session[pending_login.SESSION_KEY]
        session[pending_login.SESSION_KEY] = {**state, "expires": now_utc().timestamp() - 1}
    response = client.post("/login/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert not signed_in(client)


def test_the_deadline_is_set_from_the_config(client, ana):
    before = now_utc()
    password_step(client)
    with client.session_transaction() as session:
        expires = session[pending_login.SESSION_KEY]["expires"]
    assert before.timestamp() + 300 <= expires <= now_utc().timestamp() + 300


def test_without_a_password_step_the_code_page_sends_to_log_in(client, ana):
    response = client.get("/login/two-factor")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_a_forged_pending_state_is_ignored(client, ana):
    with client.session_transaction() as session:
        session[pending_login.SESSION_KEY] = {"user_id": "x", "expires": "soon"}
    assert client.get("/login/two-factor").status_code == 302


def test_a_deactivated_account_cannot_finish(client, db, ana):
    user, secret, _ = ana
    password_step(client)
    user.is_active = False
    db.session.commit()
    client.post("/login/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert not signed_in(client)


def test_without_two_factor_the_password_is_enough(client, db):
    make_user(email="ana.alvarez@example.org", name="Ana Álvarez")
    db.session.commit()
    response = client.post(
        "/login", data={"email": "ana.alvarez@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302 and response.headers["Location"] != "/login/two-factor"
    assert signed_in(client)


# --- The account's pages -----------------------------------------------------------------------


def _data_uri(text: str) -> str:
    match = re.search(r'<img class="qr" src="(data:image/svg\+xml[^"]+)"', text)
    assert match, text
    return match.group(1)


def test_setting_up_from_the_account_page(client, db):
    user = make_user(email=EMAIL)
    db.session.commit()
    login(client, user)
    assert "Two-factor log-in is off" in client.get("/account/two-factor").text

    page = client.get("/account/two-factor/setup")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    _data_uri(page.text)
    secret = db.session.scalar(sa.select(TwoFactorCredential)).secret
    assert services.grouped_secret(secret) in page.text
    # Reloading shows the same key.
    assert services.grouped_secret(secret) in client.get("/account/two-factor/setup").text

    wrong = client.post("/account/two-factor/setup", data={"code": "123456"})
    assert "This code is not right." in wrong.text
    assert not services.is_enabled(user)

    done = client.post("/account/two-factor/setup", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", done.text)
    assert len(codes) == 10
    assert services.is_enabled(user)
    status = client.get("/account/two-factor")
    assert "10 recovery codes are left." in status.text
    assert not any(code in status.text for code in codes)  # shown only once
    # The set-up page does not start again.
    assert client.get("/account/two-factor/setup").headers["Location"] == "/account/two-factor"


def test_regenerating_and_turning_off_from_the_account_page(client, db, ana):
    user, _, old = ana
    login(client, user)
    wrong = client.post("/account/two-factor/recovery-codes", data={"regenerate-proof": "nope"})
    assert wrong.status_code == 302
    new = client.post("/account/two-factor/recovery-codes", data={"regenerate-proof": PASSWORD})
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", new.text)
    assert len(codes) == 10 and not set(codes) & set(old)

    refused = client.post("/account/two-factor/disable", data={"disable-proof": "nope"})
    assert refused.status_code == 302 and services.is_enabled(user)
    client.post("/account/two-factor/disable", data={"disable-proof": PASSWORD})
    db.session.expire_all()
    assert not services.is_enabled(user)


# --- Staff held until they set it up -----------------------------------------------------------


def require_staff(db) -> None:
    db.session.add(SecuritySettings(id=1, is_staff_two_factor_required=True))
    db.session.commit()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.ORGANISER])
def test_staff_without_it_are_held_on_the_set_up_page(client, db, role):
    staff = make_user(role, email="staff@example.org")
    require_staff(db)
    response = client.post("/login", data={"email": "staff@example.org", "password": PASSWORD})
    assert response.status_code == 302
    held = client.get("/manage/courses")
    assert held.status_code == 302
    assert held.headers["Location"] == "/account/two-factor/setup"
    assert client.get("/account").headers["Location"] == "/account/two-factor/setup"
    assert client.get("/account/two-factor/setup").status_code == 200
    # Logging out is always possible.
    assert client.post("/logout").status_code == 302

    login(client, staff)
    secret = db.session.scalar(sa.select(TwoFactorCredential)).secret
    client.post("/account/two-factor/setup", data={"code": pyotp.TOTP(secret).now()})
    assert client.get("/manage/courses").status_code == 200


def test_participants_are_not_held(client, db):
    user = make_user(email=EMAIL)
    require_staff(db)
    login(client, user)
    assert client.get("/account").status_code == 200


def test_staff_are_not_held_when_the_rule_is_off(client, db):
    staff = make_user(Role.ORGANISER, email="staff@example.org")
    db.session.commit()
    login(client, staff)
    assert client.get("/manage/courses").status_code == 200


def test_staff_cannot_turn_it_off_while_required(client, db):
    staff = make_user(Role.ORGANISER, email="staff@example.org")
    enable(staff)
    require_staff(db)
    login(client, staff)
    client.post("/account/two-factor/disable", data={"disable-proof": PASSWORD})
    assert services.is_enabled(staff)


def test_the_admin_page_turns_the_rule_on(client, db):
    admin = make_user(Role.ADMIN, email="boss@example.org")
    db.session.commit()
    login(client, admin)
    page = client.get("/admin/security")
    assert page.status_code == 200
    response = client.post("/admin/security", data={"staff_two_factor_required": "y"})
    assert response.status_code == 302
    row = db.session.get(SecuritySettings, 1)
    db.session.refresh(row)
    assert row.is_staff_two_factor_required is True
    assert row.updated_by_id == admin.id
    # The administrator, without two-factor log-in, is now held too.
    assert client.get("/admin/security").headers["Location"] == "/account/two-factor/setup"
