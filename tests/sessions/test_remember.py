""" "Keep me logged in": the remember cookie (selector.validator) resumes the session after the
browser restarts, with a new validator each time; the old one is refused, and if it comes back
someone holds a copy, so the whole session ends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.audit.models import AuditAction
from app.db import now_utc
from app.extensions import db
from app.sessions.models import EndReason
from tests.factories import PASSWORD, make_user
from tests.sessions.helpers import (
    REMEMBER,
    SAFARI_IPHONE,
    age,
    browser,
    close_to_now,
    events,
    log_in,
    only_session,
    restart,
    signed_in,
)

ANA = "ana@example.org"


def past_the_grace(user, seconds: int = 31) -> None:
    """The last rotation happened ``seconds`` ago."""
    session = only_session(user.id)
    session.rotated_at = now_utc() - timedelta(seconds=seconds)
    db.session.commit()


@pytest.fixture
def ana(db):
    user = make_user(email=ANA)
    db.session.commit()
    return user


def test_resuming_rotates_the_validator_and_the_session_key(app, ana):
    client = log_in(app, ANA, remember=True)
    first_cookie = client.get_cookie(REMEMBER).value
    first = only_session(ana.id)
    first_key_hash, first_hash = first.key_hash, first.remember_hash

    restart(client)
    age(only_session(ana.id), idle=timedelta(minutes=5))
    assert signed_in(client)

    second_cookie = client.get_cookie(REMEMBER)
    assert second_cookie.value != first_cookie
    # The same session (selector), a new validator and key.
    assert second_cookie.value.split(".")[0] == first_cookie.split(".")[0]
    resumed = only_session(ana.id)
    assert resumed.remember_hash != first_hash
    assert resumed.key_hash != first_key_hash
    assert close_to_now(resumed.last_seen_at)
    # The cookie keeps to the session's absolute end, not a fresh 30 days.
    assert second_cookie.expires is not None
    assert abs(second_cookie.expires - resumed.expires_at) < timedelta(seconds=1)
    # The session cookie now carries the new key: the next request needs no remember cookie.
    client.delete_cookie(REMEMBER)
    assert signed_in(client)


def test_a_reused_old_validator_ends_the_session_as_stolen(app, ana):
    owner = log_in(app, ANA, remember=True)
    stolen = owner.get_cookie(REMEMBER).value
    restart(owner)
    assert signed_in(owner)  # rotated: the stolen validator is now the old one
    past_the_grace(ana)

    thief = browser(app, SAFARI_IPHONE)
    thief.set_cookie(REMEMBER, stolen)
    assert not signed_in(thief)

    session = only_session(ana.id)
    assert session.end_reason == EndReason.REMEMBER_REUSED
    assert close_to_now(session.ended_at)
    # The owner's own, newer cookies end with it: whoever holds which copy must log in again.
    assert not signed_in(owner)
    restart(owner)
    assert not signed_in(owner)
    (event,) = events(AuditAction.SESSION_ENDED)
    assert event.actor_id is None and event.subject_id == ana.id
    assert event.detail == {
        "how": "remember_reused",
        "session": session.id,
        "browser": "Firefox",
        "system": "Windows",
    }


def test_the_thief_first_then_the_owner_ends_it_too(app, ana):
    owner = log_in(app, ANA, remember=True)
    thief = browser(app, SAFARI_IPHONE)
    thief.set_cookie(REMEMBER, owner.get_cookie(REMEMBER).value)
    assert signed_in(thief)  # the thief resumes first and gets the new validator
    past_the_grace(ana)

    restart(owner)
    assert not signed_in(owner)
    assert only_session(ana.id).end_reason == EndReason.REMEMBER_REUSED
    assert not signed_in(thief)


@pytest.mark.parametrize(
    "cookie", ["", ".", "abc", "abc.", ".abc", "ü.ü", "x" * 300, "a.b.c"], ids=repr
)
def test_a_malformed_remember_cookie_is_nobody_s(app, ana, cookie):
    owner = log_in(app, ANA, remember=True)
    client = browser(app)
    client.set_cookie(REMEMBER, cookie)
    assert not signed_in(client)
    assert signed_in(owner)
    assert only_session(ana.id).ended_at is None


def test_without_keep_me_logged_in_a_restart_signs_out(app, ana):
    client = log_in(app, ANA)
    assert client.get_cookie(REMEMBER) is None
    restart(client)
    assert not signed_in(client)


def test_logging_in_again_without_remember_drops_the_old_cookie(app, ana):
    client = log_in(app, ANA, remember=True)
    client.set_cookie(REMEMBER, "left.over")
    with client.session_transaction() as cookie:
        cookie.clear()

    response = client.post("/login", data={"email": ANA, "password": PASSWORD})

    assert response.status_code == 302
    assert client.get_cookie(REMEMBER) is None
    assert signed_in(client)


def test_tabs_reopened_together_share_the_rotation(app, ana):
    """A browser reopening several tabs sends the same remember cookie with each: the first
    rotates it, the others are let in without new secrets for a few seconds."""
    first_tab = log_in(app, ANA, remember=True)
    old = first_tab.get_cookie(REMEMBER).value
    restart(first_tab)
    assert signed_in(first_tab)
    rotated = first_tab.get_cookie(REMEMBER).value

    past_the_grace(ana, seconds=29)
    second_tab = browser(app)
    second_tab.set_cookie(REMEMBER, old)
    response = second_tab.get("/account")
    assert response.status_code == 200
    # No new secrets for it: the browser keeps the first tab's.
    assert "Set-Cookie" not in response.headers
    session = only_session(ana.id)
    assert session.ended_at is None
    assert session.rotated_at is not None

    past_the_grace(ana, seconds=31)
    assert not signed_in(second_tab)
    assert only_session(ana.id).end_reason == EndReason.REMEMBER_REUSED
    first_tab.set_cookie(REMEMBER, rotated)
    restart(first_tab)
    assert not signed_in(first_tab)
