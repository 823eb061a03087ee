"""Arbitrary input to the identity forms (see test_properties.py for what is checked): a new
address for one's account, and the buttons behind the confirmation links. Never a server
error; a refused post changes nothing; what is stored is a normalised address, shown escaped."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from hypothesis import strategies as st

from app.accounts.emails import normalise_email
from app.accounts.models import ConfirmationPurpose, EmailConfirmation, User
from app.db import now_utc
from app.extensions import db
from tests.accounts.identity_helpers import LINK, body, confirmation_path, mails
from tests.factories import PASSWORD, make_user
from tests.security.test_properties import (
    accepted,
    any_text,
    assert_escaped,
    fresh,
    get,
    only,
    post,
    posts,
    run,
    snapshot,
)

CHANGE = {"email": "ana.alvarez@example.org", "current_password": PASSWORD}
emails = st.one_of(
    st.emails(),
    any_text,
    st.sampled_from(
        (
            "ana.alves@example.org",
            "\uff41na.alves@EXAMPLE.org",
            "olga@example.org",
            "a@b",
            "<b>x</b>@example.org",
        )
    ),
)


@run(
    posts(
        CHANGE,
        structural={
            "email": emails,
            "current_password": st.one_of(st.just(PASSWORD), any_text),
        },
    ),
    {**CHANGE, "email": "x" * 5000 + "@example.org"},
)
def test_change_email(client_for, data):
    fresh()
    ana = make_user(email="ana.alves@example.org", name="Ana Alves")
    make_user(email="olga@example.org", name="Olga Organiser")
    client = client_for(ana)
    before = snapshot()
    response = post(client, "/account/email", data)
    if not accepted(response, before):
        return
    links = [m for m in mails() if LINK.search(body(m))]
    if not links:  # the address has an account: its owner got a notice
        assert normalise_email(data["email"]) == "olga@example.org"
        return
    pending = only(EmailConfirmation)
    assert pending.email == normalise_email(pending.email)
    assert links[-1].recipient == pending.email
    assert_escaped(get(client, "/account"), pending.email)
    response = client.post(confirmation_path(links[-1]))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, ana.id).email == pending.email
    assert_escaped(get(client, "/account"), pending.email)


SIGNUP_TOKEN = "a-sign-up-link"
buttons = st.dictionaries(
    st.sampled_from(("submit", "csrf_token", "email", "token", "password")), any_text, max_size=3
)


@run(buttons)
def test_confirm_signup_button(client_for, data):
    fresh()
    db.session.add(
        EmailConfirmation(
            purpose=ConfirmationPurpose.SIGNUP,
            email="nadia.new@example.org",
            token_hash=hashlib.sha256(SIGNUP_TOKEN.encode()).hexdigest(),
            name="Nadia <New>",
            password_hash="pbkdf2:sha256:1000$x$y",
            expires_at=now_utc() + timedelta(hours=1),
        )
    )
    client = client_for(None)
    before = snapshot()
    response = post(client, f"/signup/confirm/{SIGNUP_TOKEN}", data)
    if accepted(response, before):
        # Whatever was posted beside the button, the account is the one the link was for.
        user = only(User)
        assert (user.email, user.name) == ("nadia.new@example.org", "Nadia <New>")
        assert_escaped(get(client, "/account"), user.name)
