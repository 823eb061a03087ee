"""Changing one's address: a link to the new address, a notice to the old one, an audit event,
and no hint of which addresses have accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import ConfirmationPurpose, EmailConfirmation, PasswordResetToken
from app.accounts.services import request_password_reset
from app.audit.models import AuditAction, AuditEvent
from app.db import now_utc
from tests.accounts.helpers import flashes
from tests.accounts.identity_helpers import body, confirmation_path, mails, mails_to
from tests.conftest import login
from tests.factories import PASSWORD, make_user


@pytest.fixture
def ana(db):
    user = make_user(email="ana.alves@example.org", name="Ana Alves")
    db.session.commit()
    return user


def ask(client, email: str, password: str = PASSWORD):
    return client.post("/account/email", data={"email": email, "current_password": password})


def test_the_account_page_links_to_the_change(client, ana):
    login(client, ana)

    page = client.get("/account").text

    assert 'href="/account/email"' in page
    assert client.get("/account/email").status_code == 200


def test_asking_mails_a_link_to_the_new_address_and_changes_nothing_yet(client, db, ana):
    login(client, ana)

    response = ask(client, "  Ana.Alvarez@Example.ORG ")

    assert response.status_code == 302 and response.headers["Location"] == "/account"
    [mail] = mails()
    assert mail.recipient == "ana.alvarez@example.org"
    assert confirmation_path(mail).startswith("/account/email/confirm/")
    db.session.refresh(ana)
    assert ana.email == "ana.alves@example.org"
    row = db.session.scalars(sa.select(EmailConfirmation)).one()
    assert (row.purpose, row.user_id, row.email) == (
        ConfirmationPurpose.EMAIL_CHANGE,
        ana.id,
        "ana.alvarez@example.org",
    )
    [(kind, text)] = flashes(client.get("/account"))
    assert kind == "info"
    assert "We have sent a link to ana.alvarez@example.org" in text
    assert "we keep writing to ana.alves@example.org" in text


def test_a_wrong_password_is_refused_beside_the_field(client, ana):
    login(client, ana)

    response = ask(client, "ana.alvarez@example.org", password="not my password")

    assert response.status_code == 200
    assert 'id="current_password-errors"' in response.text
    assert "This is not your current password." in response.text
    assert mails() == []


@pytest.mark.parametrize("same", ["ana.alves@example.org", "\uff41na.alves@EXAMPLE.org"])
def test_the_same_address_is_refused(client, ana, same):
    login(client, ana)

    response = ask(client, same)

    assert response.status_code == 200
    assert "This is already your email address." in response.text
    assert mails() == []


def test_an_address_with_an_account_gets_the_same_answer_and_its_owner_a_notice(client, db, ana):
    make_user(email="ana.alvarez@example.org", name="Ana Álvarez")
    db.session.commit()
    login(client, ana)

    taken = ask(client, "Ana.Alvarez@example.org")
    taken_flash = flashes(client.get("/account"))
    free = ask(client, "ana.alves@work.example.org")
    free_flash = flashes(client.get("/account"))

    assert (taken.status_code, taken.headers["Location"]) == (
        free.status_code,
        free.headers["Location"],
    )
    assert taken_flash[0][1].replace("ana.alvarez@example.org", "X") == free_flash[0][1].replace(
        "ana.alves@work.example.org", "X"
    )
    [notice] = mails_to("ana.alvarez@example.org")
    assert "Someone asked to use your address" in body(notice)
    assert "/confirm/" not in body(notice)
    assert len(mails_to("ana.alves@work.example.org")) == 1


def test_confirming_changes_the_address_tells_the_old_one_and_audits(client, db, ana):
    reset = request_password_reset("ana.alves@example.org")
    login(client, ana)
    ask(client, "ana.alvarez@example.org")
    path = confirmation_path(mails_to("ana.alvarez@example.org")[0])
    before = len(mails())

    assert client.get(path).status_code == 200
    db.session.refresh(ana)
    assert ana.email == "ana.alves@example.org"  # opening the link changes nothing
    response = client.post(path)

    assert response.status_code == 302 and response.headers["Location"] == "/account"
    db.session.expire_all()
    assert ana.email == "ana.alvarez@example.org"
    assert abs(ana.email_verified_at - now_utc()) < timedelta(minutes=1)
    [notice] = mails()[before:]
    assert notice.recipient == "ana.alves@example.org"
    text = body(notice)
    assert "changed from ana.alves@example.org to ana.alvarez@example.org" in text
    assert ana.email_verified_at.strftime("%Y-%m-%d %H:%M") in text
    assert "from the network address 127.0.0.1" in text
    assert "contact the administrators" in text
    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == AuditAction.EMAIL_CHANGED)
    ).all()
    assert (event.actor_id, event.subject_id) == (ana.id, ana.id)
    assert event.detail == {
        "old_email": "ana.alves@example.org",
        "new_email": "ana.alvarez@example.org",
    }
    # A reset link mailed to the old address no longer works.
    assert db.session.get(PasswordResetToken, reset.id).used_at is not None
    # Log-in now goes by the new address.
    client.post("/logout")
    client.post("/login", data={"email": "ANA.ALVAREZ@example.org", "password": PASSWORD})
    assert client.get("/account").status_code == 200


def test_a_change_link_works_without_being_signed_in(client, db, ana):
    login(client, ana)
    ask(client, "ana.alvarez@example.org")
    path = confirmation_path(mails()[0])
    phone = client.application.test_client()

    assert phone.post(path).status_code == 302
    db.session.expire_all()
    assert ana.email == "ana.alvarez@example.org"


def test_a_used_change_link_is_refused(client, db, ana):
    login(client, ana)
    ask(client, "ana.alvarez@example.org")
    path = confirmation_path(mails()[0])
    client.post(path)

    response = client.post(path)

    assert response.status_code == 400
    assert "already been used" in response.text


def test_a_newer_request_closes_the_older_link(client, db, ana):
    login(client, ana)
    ask(client, "ana.alvarez@example.org")
    ask(client, "ana.alves@work.example.org")
    older, newer = (confirmation_path(m) for m in mails())

    assert client.post(older).status_code == 400
    assert client.post(newer).status_code == 302
    db.session.expire_all()
    assert ana.email == "ana.alves@work.example.org"


@pytest.mark.parametrize(
    ("left", "works"), [(timedelta(minutes=1), True), (-timedelta(seconds=1), False)]
)
def test_a_change_link_works_until_it_expires(client, db, ana, left, works):
    login(client, ana)
    ask(client, "ana.alvarez@example.org")
    path = confirmation_path(mails()[0])
    db.session.execute(sa.update(EmailConfirmation).values(expires_at=now_utc() + left))
    db.session.commit()

    response = client.post(path)

    db.session.expire_all()
    if works:
        assert response.status_code == 302
        assert ana.email == "ana.alvarez@example.org"
    else:
        assert response.status_code == 400 and "has expired" in response.text
        assert ana.email == "ana.alves@example.org"


def test_an_address_taken_meanwhile_is_not_given_to_a_second_account(client, db, ana):
    login(client, ana)
    ask(client, "ana.alvarez@example.org")
    path = confirmation_path(mails()[0])
    make_user(email="ana.alvarez@example.org")
    db.session.commit()

    response = client.post(path)

    assert response.status_code == 302
    db.session.expire_all()
    assert ana.email == "ana.alves@example.org"
    changes = sa.select(AuditEvent).where(AuditEvent.action == AuditAction.EMAIL_CHANGED)
    assert db.session.scalars(changes).all() == []


def test_the_change_page_needs_a_signed_in_user(client):
    response = client.get("/account/email")

    assert response.status_code == 302 and "/login" in response.headers["Location"]
