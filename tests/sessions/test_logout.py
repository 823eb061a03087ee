"""Log-out ends the session on the server: cookies copied from the browser before it logged
out (the session cookie, the remember cookie, or both) no longer sign anyone in."""

from __future__ import annotations

import pytest

from app.audit.models import AuditAction
from app.sessions.models import EndReason
from tests.accounts.identity_helpers import confirmation_path, mails
from tests.factories import make_user
from tests.sessions.helpers import (
    REMEMBER,
    SAFARI_IPHONE,
    browser,
    close_to_now,
    copy_cookies,
    events,
    log_in,
    only_session,
    sessions_of,
    signed_in,
)

ANA = "ana.alves@example.org"


@pytest.fixture
def ana(db):
    user = make_user(email=ANA, name="Ana Alves")
    # A namesake with her own session, which nothing here may touch.
    make_user(email="ana.alvarez@example.org", name="Ana Álvarez")
    db.session.commit()
    return user


@pytest.mark.parametrize(
    "copied",
    [("session", REMEMBER), ("session",), (REMEMBER,)],
    ids=["both", "session", "remember"],
)
def test_cookies_copied_before_log_out_are_refused_after_it(app, ana, copied):
    victim = log_in(app, ANA, remember=True)
    namesake = log_in(app, "ana.alvarez@example.org")
    thief = browser(app, SAFARI_IPHONE)
    copy_cookies(victim, thief, *copied)
    assert signed_in(thief)

    assert victim.post("/logout").status_code == 302

    response = thief.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert not signed_in(victim)
    assert signed_in(namesake)


def test_log_out_ends_the_row_and_is_audited(app, ana):
    client = log_in(app, ANA, remember=True)
    assert client.get_cookie(REMEMBER) is not None

    response = client.post("/logout")

    assert response.status_code == 302
    session = only_session(ana.id)
    assert close_to_now(session.ended_at)
    assert session.end_reason == EndReason.LOGGED_OUT
    assert client.get_cookie(REMEMBER) is None
    (event,) = events(AuditAction.LOGGED_OUT)
    assert (event.actor_id, event.subject_id) == (ana.id, ana.id)
    assert event.detail == {"session": session.id}
    assert events(AuditAction.SESSION_ENDED) == []


def test_log_in_starts_a_row_holding_only_hashes(app, ana):
    client = log_in(app, ANA, remember=True)

    session = only_session(ana.id)
    key = client.get_cookie("session")
    selector, validator = client.get_cookie(REMEMBER).value.split(".")
    assert session.remember_selector == selector
    assert validator not in (session.remember_hash or "")
    assert len(session.key_hash) == len(session.remember_hash) == 64
    assert session.key_hash not in key.value
    assert close_to_now(session.created_at) and session.last_seen_at == session.created_at
    assert session.is_remembered is True
    assert session.ended_at is None and session.end_reason is None
    assert session.user_agent.endswith("Firefox/133.0")
    assert session.ip == "127.0.0.1"
    (event,) = events(AuditAction.LOGGED_IN)
    assert (event.actor_id, event.subject_id, event.ip) == (ana.id, ana.id, "127.0.0.1")
    assert event.detail == {
        "session": session.id,
        "remember": True,
        "browser": "Firefox",
        "system": "Windows",
    }


def test_each_log_in_is_its_own_session(app, ana):
    log_in(app, ANA)
    log_in(app, ANA, user_agent=SAFARI_IPHONE)

    first, second = sessions_of(ana.id)
    assert first.key_hash != second.key_hash
    assert first.is_remembered is second.is_remembered is False
    assert first.remember_selector is None and first.remember_hash is None


def test_confirming_a_sign_up_starts_a_session(app, db):
    client = browser(app)
    response = client.post(
        "/signup",
        data={
            "name": "Bea Bento",
            "email": "bea@example.org",
            "password": "a long enough password",
            "confirm": "a long enough password",
            "locale": "en",
        },
    )
    assert response.status_code == 302, response.text
    # The account exists, and signs in, once the mailed link is confirmed.
    assert not signed_in(client)
    assert client.post(confirmation_path(mails()[0])).status_code == 302
    assert signed_in(client)
    (event,) = events(AuditAction.LOGGED_IN)
    assert only_session(event.subject_id).is_remembered is False


def test_a_cookie_naming_no_session_is_refused(app, ana):
    client = browser(app)
    with client.session_transaction() as cookie:
        cookie["_user_id"] = "no-such-session-key"
    assert not signed_in(client)
    client.set_cookie(REMEMBER, "no-such-selector.no-such-validator")
    assert not signed_in(client)
    assert client.get_cookie(REMEMBER) is None


def test_an_rsvp_that_creates_the_account_starts_a_session(app, db):
    from tests.registration.conftest import open_event

    event = open_event(slug="launch")
    db.session.commit()
    client = browser(app, SAFARI_IPHONE)
    response = client.post(
        f"/courses/{event.slug}/register",
        data={
            "certificate_name": "Bea Bento",
            "email": "bea@example.org",
            "organisation": "City of Quito",
            "language": "es",
            "consent_data": "y",
            "password": "a long enough password",
            "confirm": "a long enough password",
            "account_name": "Bea Bento",
        },
    )
    assert response.status_code == 302, response.text
    # The account, the RSVP and the session come with the confirmed link.
    assert not signed_in(client)
    assert client.post(confirmation_path(mails()[0])).status_code == 302
    assert signed_in(client)
    (event_row,) = events(AuditAction.LOGGED_IN)
    session = only_session(event_row.subject_id)
    assert session.user_agent == SAFARI_IPHONE and session.ended_at is None
