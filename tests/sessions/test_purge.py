"""`flask tick` deletes the sessions that can never let a browser in again (ended, past their
absolute end, or idle past their owner's timeout unless kept logged in) and keeps the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.accounts.models import Role
from app.extensions import db
from app.reminders import run_tick, tick_command
from app.sessions.models import EndReason, UserSession
from app.sessions.services import purge
from tests.factories import make_user

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def _session(user, label: str, *, idle=timedelta(0), left=timedelta(hours=1), **extra):
    session = UserSession(
        user=user,
        key_hash=label.ljust(64, "0"),
        created_at=NOW - timedelta(hours=2),
        last_seen_at=NOW - idle,
        expires_at=NOW + left,
        user_agent=label,
        **extra,
    )
    db.session.add(session)
    return session


def _left() -> list[str]:
    return sorted(db.session.scalars(sa.select(UserSession.user_agent)))


def _world():
    ana = make_user(name="Ana Alves")
    olga = make_user(Role.ORGANISER, name="Olga Organiser")
    _session(ana, "live")
    _session(ana, "ended", ended_at=NOW - timedelta(minutes=5), end_reason=EndReason.SELF)
    _session(ana, "expired", left=timedelta(0))
    _session(ana, "expires-soon", left=SECOND)
    _session(ana, "participant-idle", idle=timedelta(hours=4))
    _session(ana, "participant-almost-idle", idle=timedelta(hours=4) - SECOND)
    _session(olga, "staff-idle", idle=timedelta(hours=2))
    _session(olga, "staff-almost-idle", idle=timedelta(hours=2) - SECOND)
    _session(ana, "kept-idle", idle=timedelta(days=3), is_remembered=True)
    _session(ana, "kept-expired", left=timedelta(0), is_remembered=True)
    db.session.commit()


KEPT = [
    "expires-soon",
    "kept-idle",
    "live",
    "participant-almost-idle",
    "staff-almost-idle",
]


def test_purge_deletes_the_dead_and_keeps_the_living(app):
    _world()
    assert purge(NOW) == 5
    db.session.commit()
    assert _left() == KEPT


def test_the_tick_purges_and_says_so(app):
    _world()
    report = run_tick(NOW)
    assert report.sessions_purged == 5
    assert "Ended or expired sessions deleted: 5." in report.summary()
    assert _left() == KEPT


def test_the_tick_command_purges(app):
    ana = make_user()
    _session(ana, "ended", ended_at=NOW, end_reason=EndReason.LOGGED_OUT)
    _session(ana, "live", left=timedelta(days=3650))
    db.session.commit()
    result = app.test_cli_runner().invoke(tick_command)
    assert result.exit_code == 0, result.output
    assert "Ended or expired sessions deleted: 1." in result.output
    db.session.expire_all()
    assert _left() == ["live"]


def test_nothing_to_purge_is_not_mentioned(app):
    ana = make_user()
    _session(ana, "live", left=timedelta(days=3650))
    db.session.commit()
    report = run_tick(NOW)
    assert report.sessions_purged == 0
    assert "sessions deleted" not in report.summary()
