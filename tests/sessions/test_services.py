"""The session rules called directly, without a browser: what a new session keeps, which
sessions are listed, ending one twice, ending all but one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.accounts.models import Role
from app.audit.models import AuditAction
from app.extensions import db
from app.sessions.models import USER_AGENT_MAX_LENGTH, EndReason, UserSession
from app.sessions.services import (
    active_sessions,
    end_own_session,
    end_session,
    end_sessions,
    find_by_key,
    hash_secret,
    resume,
    start_session,
)
from tests.factories import make_user
from tests.sessions.helpers import events

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def test_a_new_session_keeps_hashes_times_and_the_browser(app):
    ana = make_user(name="Ana Alves")
    agent = "A" * USER_AGENT_MAX_LENGTH + "B"
    started = start_session(ana, remember=False, user_agent=agent, ip="203.0.113.9", now=NOW)
    session = started.session
    assert session.key_hash == hash_secret(started.key) != started.key
    assert len(started.key) >= 40
    assert (session.created_at, session.last_seen_at) == (NOW, NOW)
    assert ana.last_login_at == NOW  # the account's last log-in, as /admin/users shows it
    assert session.expires_at == NOW + timedelta(hours=12)
    assert session.user_agent == "A" * USER_AGENT_MAX_LENGTH
    assert session.ip == "203.0.113.9"
    assert started.remember_cookie is None and session.remember_selector is None
    assert find_by_key(started.key) is session
    assert find_by_key(started.key + "x") is None
    assert find_by_key("") is None


def test_a_kept_session_has_a_selector_and_a_hashed_validator(app):
    ana = make_user()
    started = start_session(ana, remember=True, user_agent="", now=NOW)
    selector, validator = started.remember_cookie.split(".")
    session = started.session
    assert session.remember_selector == selector and len(selector) >= 20
    assert session.remember_hash == hash_secret(validator) and len(validator) >= 40
    assert session.expires_at == NOW + timedelta(days=30)
    assert session.user_agent == ""


def test_resuming_needs_the_whole_cookie(app):
    ana = make_user()
    started = start_session(ana, remember=True, now=NOW)
    selector, _validator = started.remember_cookie.split(".")
    db.session.commit()
    # A cut cookie is refused without ending anything: it is no proof of a copy.
    for cut in (selector, f"{selector}.", f".{_validator}"):
        assert resume(cut, NOW) is None
    assert started.session.ended_at is None
    again = resume(started.remember_cookie, NOW + timedelta(minutes=1))
    assert again is not None and again.session is started.session
    assert again.key != started.key and again.remember_cookie != started.remember_cookie
    assert started.session.last_seen_at == NOW + timedelta(minutes=1)


def test_listed_sessions_are_those_that_still_let_a_browser_in(app):
    ana = make_user(Role.PARTICIPANT)
    other = make_user(Role.PARTICIPANT)

    def session(label: str, *, remember=False, idle=timedelta(0), left=None, ended=False):
        started = start_session(ana, remember=remember, user_agent=label, now=NOW - idle)
        row = started.session
        row.last_seen_at = NOW - idle
        if left is not None:
            row.expires_at = NOW + left
        if ended:
            row.ended_at = NOW
        return row

    session("fresh")
    session("idle", idle=timedelta(hours=4))
    session("kept idle", remember=True, idle=timedelta(hours=5))
    session("kept expired", remember=True, left=timedelta(0))
    session("expired", left=timedelta(0))
    session("ended", ended=True)
    session("recent", idle=timedelta(minutes=3))
    start_session(other, remember=False, user_agent="someone else's", now=NOW)
    db.session.flush()

    listed = [s.user_agent for s in active_sessions(ana, NOW)]
    assert listed == ["fresh", "recent", "kept idle"]


def test_ending_counts_once_and_keeps_the_one_asked(app):
    ana = make_user()
    admin = make_user(Role.ADMIN)
    first, second, third = (start_session(ana, remember=False, now=NOW).session for _ in "abc")
    assert end_session(first, actor=ana, reason=EndReason.SELF, now=NOW) is True
    assert end_session(first, actor=ana, reason=EndReason.SELF, now=NOW) is False
    assert end_sessions(ana, actor=admin, reason=EndReason.ADMIN, keep=third, now=NOW) == 1
    assert (second.ended_at, second.end_reason) == (NOW, EndReason.ADMIN)
    assert third.ended_at is None
    assert end_sessions(ana, actor=admin, reason=EndReason.ADMIN, now=NOW) == 1
    assert [e.detail["how"] for e in events(AuditAction.SESSION_ENDED)] == [
        "self",
        "admin",
        "admin",
    ]


def test_only_one_s_own_open_session_can_be_ended_by_number(app):
    ana = make_user()
    bea = make_user()
    mine = start_session(ana, remember=False, now=NOW).session
    theirs = start_session(bea, remember=False, now=NOW).session
    db.session.flush()
    assert end_own_session(ana, theirs.id, now=NOW) is False
    assert end_own_session(ana, theirs.id + 100, now=NOW) is False
    assert theirs.ended_at is None
    assert end_own_session(ana, mine.id, now=NOW) is True
    assert end_own_session(ana, mine.id, now=NOW) is False
    assert mine.end_reason == EndReason.SELF


def test_a_just_replaced_validator_is_taken_for_thirty_seconds(app):
    ana = make_user()
    started = start_session(ana, remember=True, now=NOW)
    db.session.commit()
    assert resume(started.remember_cookie, NOW).key is not None
    for seconds, taken in ((0, True), (29, True), (30, False)):
        session = started.session
        session.ended_at, session.end_reason = None, None
        session.rotated_at = NOW - timedelta(seconds=seconds)
        again = resume(started.remember_cookie, NOW)
        if taken:
            assert again is not None
            assert (again.key, again.remember_cookie) == (None, None)
            assert session.ended_at is None
        else:
            assert again is None
            assert session.end_reason == EndReason.REMEMBER_REUSED


def test_of_two_rotations_at_once_one_wins(app):
    ana = make_user()
    started = start_session(ana, remember=True, now=NOW)
    db.session.commit()
    session = started.session
    # Another request rotated the validator since this one read the row.
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.id == session.id)
        .values(remember_hash=hash_secret("the other request's"))
        .execution_options(synchronize_session=False)
    )
    again = resume(started.remember_cookie, NOW)
    assert again is not None and (again.key, again.remember_cookie) == (None, None)
    assert session.ended_at is None
