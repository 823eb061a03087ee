"""Session rules: starting one at log-in, which ones still let a browser in (idle and absolute
limits), resuming a remembered one, ending them, and purging the dead.

No request here: the web glue (:mod:`app.sessions.web`) passes the browser's secrets and the
time in, and writes the cookies. Services flush, never commit.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager
from ua_parser import parse as parse_user_agent

from app.accounts.models import Role, User
from app.audit.models import AuditAction
from app.audit.services import record
from app.db import now_utc
from app.extensions import db
from app.sessions.models import USER_AGENT_MAX_LENGTH, EndReason, UserSession

# A session is stamped as used at most this often: one write a minute, not one per request.
TOUCH_EVERY = timedelta(seconds=60)
STAFF_ROLES = (Role.ADMIN, Role.ORGANISER)
# "selector.validator": 16 random bytes and 32, URL-safe base64 without padding.
SELECTOR_BYTES = 16
VALIDATOR_BYTES = 32
# How long a just-replaced remember validator is still taken (without new secrets) from tabs
# that a reopened browser loads at the same moment; after that, its return means a copy.
REMEMBER_GRACE = timedelta(seconds=30)


class SessionProblem(enum.StrEnum):
    """Why a session no longer lets its browser in."""

    ENDED = "ended"
    EXPIRED = "expired"  # past its absolute lifetime
    IDLE = "idle"  # unused for longer than the idle timeout
    INACTIVE = "inactive"  # the account was deactivated


@dataclass(frozen=True)
class Started:
    """A new or resumed session and the secrets its browser must now hold."""

    session: UserSession
    key: str | None  # None: a sibling request of one that rotated; no new secrets
    remember_cookie: str | None


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# --- Limits ------------------------------------------------------------------------------------


def idle_timeout(user: User) -> timedelta:
    """How long a session may go unused: shorter for staff, whose sessions can do more."""
    config = current_app.config
    if user.role in STAFF_ROLES:
        return timedelta(minutes=config["SESSION_IDLE_MINUTES_STAFF"])
    return timedelta(minutes=config["SESSION_IDLE_MINUTES_PARTICIPANT"])


def absolute_lifetime(*, remember: bool) -> timedelta:
    """How long a session lasts from log-in however busy: hours, or for "keep me logged in"
    REMEMBER_ME_DAYS (app/config.py keeps it to 30 at most)."""
    config = current_app.config
    if remember:
        return timedelta(days=config["REMEMBER_ME_DAYS"])
    return timedelta(hours=config["SESSION_ABSOLUTE_HOURS"])


def problem(
    session: UserSession, now: datetime, *, idle_counts: bool = True
) -> SessionProblem | None:
    """Why ``session`` may not be used at ``now``, or None. ``idle_counts=False`` for a
    remembered session resumed by its remember cookie, which outlives idleness."""
    if session.ended_at is not None:
        return SessionProblem.ENDED
    if not session.user.is_active:
        return SessionProblem.INACTIVE
    if now >= session.expires_at:
        return SessionProblem.EXPIRED
    if idle_counts and now - session.last_seen_at >= idle_timeout(session.user):
        return SessionProblem.IDLE
    return None


def touch_due(session: UserSession, now: datetime) -> bool:
    return now - session.last_seen_at >= TOUCH_EVERY


def touch(session: UserSession, now: datetime) -> None:
    session.last_seen_at = now
    db.session.flush()


# --- Starting and finding ----------------------------------------------------------------------


def _new_remember_secret(session: UserSession) -> str:
    validator = secrets.token_urlsafe(VALIDATOR_BYTES)
    session.remember_hash = hash_secret(validator)
    return f"{session.remember_selector}.{validator}"


def start_session(
    user: User,
    *,
    remember: bool,
    user_agent: str = "",
    ip: str | None = None,
    now: datetime | None = None,
) -> Started:
    """A new session for ``user`` logging in, stamped as their last log-in; audited as
    LOGGED_IN with the browser's name."""
    now = now or now_utc()
    user.last_login_at = now
    key = secrets.token_urlsafe(32)
    session = UserSession(
        user=user,
        key_hash=hash_secret(key),
        created_at=now,
        last_seen_at=now,
        expires_at=now + absolute_lifetime(remember=remember),
        is_remembered=remember,
        user_agent=(user_agent or "")[:USER_AGENT_MAX_LENGTH],
        ip=ip,
    )
    cookie = None
    if remember:
        session.remember_selector = secrets.token_urlsafe(SELECTOR_BYTES)
        cookie = _new_remember_secret(session)
    db.session.add(session)
    db.session.flush()
    record(
        AuditAction.LOGGED_IN,
        actor=user,
        ip=ip,
        session=session.id,
        remember=remember,
        **_audit_browser(session),
    )
    return Started(session, key, cookie)


def _with_user() -> sa.Select[tuple[UserSession]]:
    # One query for the session and its user: the only one a signed-in request adds.
    return sa.select(UserSession).join(UserSession.user).options(contains_eager(UserSession.user))


def find_by_key(key: str) -> UserSession | None:
    return db.session.scalar(_with_user().where(UserSession.key_hash == hash_secret(key)))


def resume(cookie: str, now: datetime | None = None) -> Started | None:
    """A remembered session taken up again by its remember cookie ("selector.validator"): a new
    session key and a new validator, the old ones refused from now on.

    A known selector with a wrong validator means an old validator came back after it was
    replaced, so two browsers hold the cookie: the session is ended as stolen. Except the one
    replaced moments ago (REMEMBER_GRACE): a browser reopening several tabs at once sends the
    same cookie with each, and only the first can rotate it. Those others are served as the
    user without new secrets (``key`` None); the browser keeps the ones the first was given."""
    now = now or now_utc()
    selector, _sep, validator = cookie.partition(".")
    if not selector or not validator:
        return None  # a cut cookie: not evidence of a copy
    session = db.session.scalar(_with_user().where(UserSession.remember_selector == selector))
    if session is None:
        return None
    if problem(session, now, idle_counts=False) is not None:
        return None
    presented = hash_secret(validator)
    if hmac.compare_digest(session.remember_hash or "", presented):
        return _rotate(session, presented, now)
    if _just_replaced(session, presented, now):
        return Started(session, None, None)
    end_session(session, actor=None, reason=EndReason.REMEMBER_REUSED, now=now)
    return None


def _just_replaced(session: UserSession, presented: str, now: datetime) -> bool:
    return (
        session.rotated_at is not None
        and now - session.rotated_at < REMEMBER_GRACE
        and hmac.compare_digest(session.previous_remember_hash or "", presented)
    )


def _rotate(session: UserSession, presented: str, now: datetime) -> Started:
    key = secrets.token_urlsafe(32)
    validator = secrets.token_urlsafe(VALIDATOR_BYTES)
    # Conditional on the validator still being the one presented: of two requests rotating at
    # once, one wins and the other is served as a sibling tab.
    claimed = db.session.execute(
        sa.update(UserSession)
        .where(UserSession.id == session.id, UserSession.remember_hash == presented)
        .values(
            key_hash=hash_secret(key),
            remember_hash=hash_secret(validator),
            previous_remember_hash=presented,
            rotated_at=now,
            last_seen_at=now,
        )
    )
    if claimed.rowcount != 1:
        return Started(session, None, None)
    return Started(session, key, f"{session.remember_selector}.{validator}")


# --- Ending ------------------------------------------------------------------------------------


def end_session(
    session: UserSession,
    *,
    actor: User | None,
    reason: EndReason,
    now: datetime | None = None,
) -> bool:
    """End one session (False if it had ended already). A log-out is audited as LOGGED_OUT;
    anything else as SESSION_ENDED saying how."""
    if session.ended_at is not None:
        return False
    session.ended_at = now or now_utc()
    session.end_reason = reason
    if reason == EndReason.LOGGED_OUT:
        record(AuditAction.LOGGED_OUT, actor=actor, subject=session.user, session=session.id)
    else:
        record(
            AuditAction.SESSION_ENDED,
            actor=actor,
            subject=session.user,
            how=reason.value,
            session=session.id,
            **_audit_browser(session),
        )
    db.session.flush()
    return True


def end_sessions(
    user: User,
    *,
    actor: User | None,
    reason: EndReason,
    keep: UserSession | None = None,
    now: datetime | None = None,
) -> int:
    """End every open session of ``user`` but ``keep``; how many were ended."""
    now = now or now_utc()
    stmt = sa.select(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep.id)
    ended = 0
    for session in db.session.scalars(stmt.order_by(UserSession.id)):
        ended += end_session(session, actor=actor, reason=reason, now=now)
    return ended


def end_own_session(user: User, session_id: int, *, now: datetime | None = None) -> bool:
    """A person ends one of their own sessions from their list. False if it is not theirs or
    not open (the route answers 404: nobody learns about others' sessions)."""
    session = db.session.get(UserSession, session_id)
    if session is None or session.user_id != user.id:
        return False
    return end_session(session, actor=user, reason=EndReason.SELF, now=now)


# --- Listing and purging -----------------------------------------------------------------------


def active_sessions(user: User, now: datetime | None = None) -> list[UserSession]:
    """The sessions that would still let a browser in, most recently used first."""
    now = now or now_utc()
    found = db.session.scalars(
        _with_user()
        .where(
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
            UserSession.expires_at > now,
        )
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )
    return [s for s in found if s.is_remembered or problem(s, now) is None]


def purge(now: datetime | None = None) -> int:
    """Delete sessions that can never let a browser in again: ended, past their absolute end,
    or (not remembered) idle past their owner's timeout. Their history stays in the audit log."""
    now = now or now_utc()
    config = current_app.config
    staff_idle = now - timedelta(minutes=config["SESSION_IDLE_MINUTES_STAFF"])
    other_idle = now - timedelta(minutes=config["SESSION_IDLE_MINUTES_PARTICIPANT"])
    is_staff = User.role.in_(STAFF_ROLES)
    idle = sa.and_(
        UserSession.is_remembered.is_(False),
        sa.or_(
            sa.and_(is_staff, UserSession.last_seen_at <= staff_idle),
            sa.and_(sa.not_(is_staff), UserSession.last_seen_at <= other_idle),
        ),
    )
    dead = (
        sa.select(UserSession.id)
        .join(UserSession.user)
        .where(sa.or_(UserSession.ended_at.is_not(None), UserSession.expires_at <= now, idle))
    )
    ids = list(db.session.scalars(dead))
    if ids:
        db.session.execute(
            sa.delete(UserSession)
            .where(UserSession.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
    return len(ids)


# --- Browser names -----------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _families(user_agent: str) -> tuple[str | None, str | None]:
    parsed = parse_user_agent(user_agent)
    browser = parsed.user_agent.family if parsed.user_agent else None
    system = parsed.os.family if parsed.os else None
    return (
        None if browser in (None, "Other") else browser,
        None if system in (None, "Other") else system,
    )


def _audit_browser(session: UserSession) -> dict[str, str]:
    # The log keeps ua-parser's names untranslated: it is read in every language.
    browser, system = _families(session.user_agent or "")
    return {"browser": browser or "", "system": system or ""}


def describe_browser(user_agent: str) -> str:
    """The browser and system in words, e.g. "Firefox on Windows" (ua-parser's names)."""
    browser, system = _families(user_agent or "")
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    if browser:
        return browser
    if system:
        return _("A browser on %(system)s", system=system)
    return _("Unknown browser")
