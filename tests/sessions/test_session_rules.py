"""Session rules at their edges, called directly: tabs reopened at once, a kept session resumed
day after day, the order and content of a person's list, and purging under each role's own
idle timeout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.accounts.models import Role
from app.extensions import db
from app.sessions.models import EndReason, UserSession
from app.sessions.services import (
    active_sessions,
    end_own_session,
    hash_secret,
    purge,
    resume,
    start_session,
)
from tests.factories import make_user
from tests.sessions.helpers import CHROME_LINUX, FIREFOX_WINDOWS, SAFARI_IPHONE

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def test_tabs_reopened_together_are_let_in_without_ending_the_session(app):
    ana = make_user(email="ana.alves@example.org")
    started = start_session(ana, remember=True, user_agent=FIREFOX_WINDOWS, now=NOW)
    db.session.commit()
    later = NOW + timedelta(days=2)

    first_tab = resume(started.remember_cookie, later)
    second_tab = resume(started.remember_cookie, later + timedelta(seconds=2))

    assert first_tab.key is not None
    assert second_tab is not None and second_tab.session is started.session
    assert (second_tab.key, second_tab.remember_cookie) == (None, None)
    assert started.session.ended_at is None


def test_a_kept_session_resumes_again_and_again_with_the_latest_cookie(app):
    ana = make_user(email="ana.alves@example.org")
    cookie = start_session(ana, remember=True, user_agent=FIREFOX_WINDOWS, now=NOW).remember_cookie
    db.session.commit()

    for day in (1, 2, 3):
        again = resume(cookie, NOW + timedelta(days=day))
        assert again is not None and again.key is not None, day
        cookie = again.remember_cookie
        db.session.commit()
        db.session.expire_all()

    session = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == ana.id))
    assert session.ended_at is None


def test_the_request_that_loses_a_rotation_race_is_still_served_as_the_user(app):
    ana = make_user(email="ana.alves@example.org")
    started = start_session(ana, remember=True, now=NOW)
    db.session.commit()
    session = started.session
    # Another tab's request rotated the validator after this one read the row.
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.id == session.id)
        .values(remember_hash=hash_secret("the other tab's validator"))
        .execution_options(synchronize_session=False)
    )

    served = resume(started.remember_cookie, NOW + timedelta(hours=20))

    assert served is not None
    assert served.session is session and served.session.user is ana


def test_an_ended_kept_session_is_not_listed(app):
    ana = make_user(email="ana.alves@example.org")
    bea = make_user(email="ana.alvarez@example.org")
    laptop = start_session(ana, remember=True, user_agent=FIREFOX_WINDOWS, now=NOW).session
    phone = start_session(ana, remember=True, user_agent=SAFARI_IPHONE, now=NOW).session
    start_session(bea, remember=True, user_agent=CHROME_LINUX, now=NOW)
    db.session.flush()

    assert end_own_session(ana, phone.id, now=NOW + timedelta(minutes=5)) is True

    assert active_sessions(ana, NOW + timedelta(minutes=10)) == [laptop]


def test_sessions_used_at_the_same_moment_list_the_newest_first(app):
    ana = make_user(email="ana.alves@example.org")
    first, second, third = (
        start_session(ana, remember=False, user_agent=agent, now=NOW).session
        for agent in (FIREFOX_WINDOWS, SAFARI_IPHONE, CHROME_LINUX)
    )
    db.session.flush()

    assert active_sessions(ana, NOW + timedelta(minutes=1)) == [third, second, first]


def test_ending_one_s_own_session_is_stamped_at_the_time_given(app):
    ana = make_user(email="ana.alves@example.org")
    phone = start_session(ana, remember=False, user_agent=SAFARI_IPHONE, now=NOW).session
    db.session.flush()

    assert end_own_session(ana, phone.id, now=NOW + timedelta(minutes=7)) is True

    assert (phone.ended_at, phone.end_reason) == (NOW + timedelta(minutes=7), EndReason.SELF)


def test_purge_follows_each_role_s_own_idle_timeout(app, monkeypatch):
    # An operator who gives staff a longer idle timeout than participants.
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES_STAFF", 360)
    organiser = make_user(Role.ORGANISER, email="ana.alves@example.org")
    participant = make_user(Role.PARTICIPANT, email="ana.alvarez@example.org")
    idle = timedelta(minutes=300)  # past the participants' 240, within the staff's 360
    kept = start_session(organiser, remember=False, now=NOW - idle).session
    start_session(participant, remember=False, now=NOW - idle)
    db.session.commit()

    assert purge(NOW) == 1

    remaining = db.session.scalars(sa.select(UserSession)).all()
    assert remaining == [kept]
