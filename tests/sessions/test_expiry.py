"""Idle timeout (administrators and organisers 2 hours, participants 4) and absolute lifetime
(12 hours; 30 days when kept logged in), each tried on both sides of its boundary by moving the
session's own timestamps. A session's last use is stamped at most once a minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app import create_app
from app.accounts.models import Role
from app.sessions.models import UserSession
from app.sessions.services import (
    SessionProblem,
    absolute_lifetime,
    idle_timeout,
    problem,
    touch_due,
)
from tests.factories import make_user
from tests.sessions.helpers import (
    REMEMBER,
    age,
    close_to_now,
    log_in,
    only_session,
    restart,
    signed_in,
)

MARGIN = timedelta(seconds=30)
STAFF_IDLE = timedelta(hours=2)
PARTICIPANT_IDLE = timedelta(hours=4)


def person(db, role: Role, email: str):
    user = make_user(role, email=email)
    db.session.commit()
    return user


# --- Through the browser -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "idle"),
    [
        (Role.ADMIN, STAFF_IDLE),
        (Role.ORGANISER, STAFF_IDLE),
        (Role.PARTICIPANT, PARTICIPANT_IDLE),
    ],
)
def test_an_idle_session_is_refused_past_its_owner_s_timeout(app, db, role, idle):
    user = person(db, role, "olga@example.org")
    client = log_in(app, "olga@example.org")
    session = only_session(user.id)

    age(session, idle=idle - MARGIN)
    assert signed_in(client)
    # That request stamped it as used just now.
    assert close_to_now(only_session(user.id).last_seen_at)

    age(only_session(user.id), idle=idle + MARGIN)
    assert not signed_in(client)
    # Refused for good: the cookie no longer names it, so a later request does not revive it.
    age(only_session(user.id), idle=timedelta(0))
    assert not signed_in(client)


def test_a_participant_idle_as_long_as_staff_may_be_is_still_in(app, db):
    ana = person(db, Role.PARTICIPANT, "ana@example.org")
    olga = person(db, Role.ORGANISER, "olga@example.org")
    participant = log_in(app, "ana@example.org")
    organiser = log_in(app, "olga@example.org")
    age(only_session(ana.id), idle=STAFF_IDLE + MARGIN)
    age(only_session(olga.id), idle=STAFF_IDLE + MARGIN)

    assert signed_in(participant)
    assert not signed_in(organiser)


def test_a_busy_session_still_ends_at_its_absolute_end(app, db):
    ana = person(db, Role.PARTICIPANT, "ana@example.org")
    client = log_in(app, "ana@example.org")
    session = only_session(ana.id)
    assert session.expires_at - session.created_at == timedelta(hours=12)

    age(session, idle=timedelta(0), left=MARGIN)
    assert signed_in(client)
    age(only_session(ana.id), idle=timedelta(0), left=-MARGIN)
    assert not signed_in(client)


def test_a_kept_session_outlives_idleness_through_its_remember_cookie(app, db):
    ana = person(db, Role.PARTICIPANT, "ana@example.org")
    client = log_in(app, "ana@example.org", remember=True)
    session = only_session(ana.id)
    assert session.expires_at - session.created_at == timedelta(days=30)

    age(session, idle=timedelta(days=3))
    assert signed_in(client)
    assert close_to_now(only_session(ana.id).last_seen_at)


def test_a_kept_session_ends_after_its_days(app, db):
    ana = person(db, Role.PARTICIPANT, "ana@example.org")
    client = log_in(app, "ana@example.org", remember=True)

    restart(client)
    age(only_session(ana.id), left=MARGIN)
    assert signed_in(client)
    restart(client)
    age(only_session(ana.id), left=-MARGIN)
    assert not signed_in(client)
    assert client.get_cookie(REMEMBER) is None


def test_last_use_is_stamped_at_most_once_a_minute(app, db):
    ana = person(db, Role.PARTICIPANT, "ana@example.org")
    client = log_in(app, "ana@example.org")
    session = only_session(ana.id)

    age(session, idle=timedelta(seconds=50))
    before = only_session(ana.id).last_seen_at
    assert signed_in(client)
    assert only_session(ana.id).last_seen_at == before

    age(only_session(ana.id), idle=timedelta(seconds=70))
    assert signed_in(client)
    assert close_to_now(only_session(ana.id).last_seen_at, seconds=5)


# --- The rules, at the exact boundaries --------------------------------------------------------

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def _session(role: Role, *, idle: timedelta, left: timedelta, ended: bool = False):
    user = make_user(role)
    return UserSession(
        user=user,
        key_hash="0" * 64,
        created_at=NOW - timedelta(hours=1),
        last_seen_at=NOW - idle,
        expires_at=NOW + left,
        ended_at=NOW if ended else None,
    )


@pytest.mark.parametrize(
    ("role", "limit"),
    [(Role.ADMIN, STAFF_IDLE), (Role.ORGANISER, STAFF_IDLE), (Role.PARTICIPANT, PARTICIPANT_IDLE)],
)
def test_idle_boundary(app, role, limit):
    tick = timedelta(microseconds=1)
    assert idle_timeout(make_user(role)) == limit
    assert problem(_session(role, idle=limit - tick, left=timedelta(hours=1)), NOW) is None
    assert problem(_session(role, idle=limit, left=timedelta(hours=1)), NOW) == SessionProblem.IDLE
    remembered = _session(role, idle=limit, left=timedelta(hours=1))
    assert problem(remembered, NOW, idle_counts=False) is None


def test_absolute_boundary_and_the_other_problems(app):
    tick = timedelta(microseconds=1)
    fresh = timedelta(0)
    assert problem(_session(Role.PARTICIPANT, idle=fresh, left=tick), NOW) is None
    assert problem(_session(Role.PARTICIPANT, idle=fresh, left=fresh), NOW) == (
        SessionProblem.EXPIRED
    )
    assert problem(_session(Role.PARTICIPANT, idle=fresh, left=tick, ended=True), NOW) == (
        SessionProblem.ENDED
    )
    inactive = _session(Role.PARTICIPANT, idle=fresh, left=tick)
    inactive.user.is_active = False
    assert problem(inactive, NOW) == SessionProblem.INACTIVE


def test_touch_boundary(app):
    fresh = _session(Role.PARTICIPANT, idle=timedelta(seconds=59), left=timedelta(hours=1))
    due = _session(Role.PARTICIPANT, idle=timedelta(seconds=60), left=timedelta(hours=1))
    assert touch_due(fresh, NOW) is False
    assert touch_due(due, NOW) is True


def test_lifetimes_follow_the_settings(app):
    assert absolute_lifetime(remember=False) == timedelta(hours=12)
    assert absolute_lifetime(remember=True) == timedelta(days=30)


@pytest.mark.parametrize(("asked", "kept"), [(7, 7), (30, 30), (31, 30), (365, 30), (0, 1)])
def test_remember_me_days_are_capped_at_thirty(app, asked, kept):
    other = create_app({**app.config, "REMEMBER_ME_DAYS": asked})
    assert other.config["REMEMBER_ME_DAYS"] == kept
    with other.app_context():
        assert absolute_lifetime(remember=True) == timedelta(days=kept)
        other.extensions["sqlalchemy"].engine.dispose()
