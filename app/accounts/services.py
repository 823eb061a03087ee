"""Account rules: creating users, logging in, roles, passwords and password resets.

Services flush but never commit: the caller (a route or a command) commits once. They take the
acting user as an argument instead of reading ``current_user``, so tests call them directly.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app

from app.accounts import passwords

# Re-exported: app.accounts.emails holds the one rule, also for the migration.
from app.accounts.emails import normalise_email as normalise_email
from app.accounts.models import PasswordResetToken, Role, User
from app.audit.models import AuditAction
from app.audit.services import client_ip, record
from app.core.timeutil import is_timezone
from app.core.urls import external_url
from app.db import now_utc
from app.extensions import db
from app.mail.services import queue_mail
from app.sessions.models import EndReason
from app.sessions.services import end_sessions

MIN_PASSWORD_LENGTH = 10
USERS_PER_PAGE = 50


# --- Domain errors: routes turn them into messages ---------------------------------------------


class AccountError(Exception):
    """Base class of the errors this module raises."""


class EmailTaken(AccountError):
    """An account with this email exists already."""


class InvalidCredentials(AccountError):
    """Unknown email or wrong password: deliberately one error for both."""


class AccountInactive(AccountError):
    """The password is right but an administrator has deactivated the account."""


class WeakPassword(AccountError):
    """The new password is too easy to guess; ``message`` says why, in the person's language."""

    def __init__(self, result: passwords.Strength) -> None:
        super().__init__(result.weakness.value if result.weakness else "weak")
        self.result = result

    @property
    def message(self) -> str:
        return passwords.refusal(self.result)


class WrongPassword(AccountError):
    """The current password given to confirm a change is wrong."""


class NotAllowed(AccountError):
    """The actor may not make this change."""


class SelfLockout(AccountError):
    """An administrator tried to demote or deactivate their own account."""


class ResetTokenProblem(enum.StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


class InvalidResetToken(AccountError):
    """A password-reset link that is unknown, already used or expired."""

    def __init__(self, problem: ResetTokenProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


# --- Looking users up and creating them --------------------------------------------------------


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def check_strength(password: str, *, name: str, email: str) -> None:
    """Raise :class:`WeakPassword` unless zxcvbn scores ``password`` at least
    :data:`passwords.MIN_STRENGTH_SCORE`, knowing the person's name and email."""
    result = passwords.strength(password, name, email)
    if not result.ok:
        raise WeakPassword(result)


def create_user(
    email: str,
    name: str,
    password: str | None,
    *,
    locale: str = "en",
    role: Role = Role.PARTICIPANT,
) -> User:
    """Add a user. Raises :class:`EmailTaken`; if that comes from the database (two sign-ups
    racing), the session must be rolled back before it is used again."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise EmailTaken(email)
    user = User(email=email, name=name.strip(), locale=locale, role=role)
    if password:
        user.set_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise EmailTaken(email) from exc
    return user


def sign_up(*, name: str, email: str, password: str, locale: str) -> User:
    """A visitor creates their own participant account."""
    check_strength(password, name=name, email=email)
    if locale not in current_app.config["LANGUAGES"]:
        locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    return create_user(email, name, password, locale=locale, role=Role.PARTICIPANT)


def create_or_promote_admin(
    email: str, *, name: str = "", password: str | None = None
) -> tuple[User, bool]:
    """Returns the administrator and whether the account is new."""
    try:
        email = normalise_email(validate_email(email, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from exc
    user = find_user_by_email(email)
    if password:
        check_strength(password, name=user.name if user else name, email=email)
    if user is not None:
        user.role = Role.ADMIN
        user.is_active = True
        if password:
            user.set_password(password)
            _close_open_reset_tokens(user)
            # Imported here: app.sessions builds on accounts. A new password from the command
            # line signs the account out of every browser, as a reset does.
            from app.sessions.models import EndReason
            from app.sessions.services import end_sessions

            end_sessions(user, actor=None, reason=EndReason.PASSWORD_CHANGED)
            record(AuditAction.PASSWORD_CHANGED, actor=None, subject=user, via="command")
            _notify_password_changed(user, reset=False)
        db.session.flush()
        return user, False
    if not password:
        raise ValueError("a new administrator needs a password")
    return create_user(email, name or email.split("@")[0], password, role=Role.ADMIN), True


# --- Logging in --------------------------------------------------------------------------------


def authenticate(email: str, password: str) -> User:
    """The user with this email and password; an older hash of the password is replaced by an
    Argon2id one at today's parameters. The log-in's time is stamped when a session starts
    (app.sessions.services.start_session): after the second factor, for an account with one.

    An unknown email costs a password check too, so response times do not tell which emails
    have an account. A failure is audited (the caller commits it as well): the account, if one
    has this email, and the kind of failure, never what was typed.
    """
    user = find_user_by_email(email)
    if user is None:
        passwords.spend_one_check(password)
        record(AuditAction.LOGIN_FAILED, actor=None, subject=None, reason="unknown_email")
        raise InvalidCredentials()
    if not user.check_password(password):
        record(AuditAction.LOGIN_FAILED, actor=None, subject=user, reason="wrong_password")
        raise InvalidCredentials()
    if not user.is_active:
        record(AuditAction.LOGIN_FAILED, actor=None, subject=user, reason="inactive")
        raise AccountInactive()
    user.rehash_password(password)
    db.session.flush()
    return user


# --- Profile and password ----------------------------------------------------------------------


def _check_self_or_admin(user: User, actor: User) -> None:
    if actor.id != user.id and not actor.is_admin:
        raise NotAllowed()


def update_profile(user: User, *, name: str, locale: str, actor: User) -> User:
    _check_self_or_admin(user, actor)
    if locale not in current_app.config["LANGUAGES"]:
        raise ValueError(f"unsupported language {locale!r}")
    user.name = name.strip()
    user.locale = locale
    db.session.flush()
    return user


def set_timezone(user: User, timezone: str | None, *, actor: User) -> User:
    """The zone a user sees online events' times in; None: not set (UTC, or the browser's)."""
    _check_self_or_admin(user, actor)
    if timezone is not None and not is_timezone(timezone):
        raise ValueError(f"unknown time zone {timezone!r}")
    user.timezone = timezone
    db.session.flush()
    return user


def _close_open_reset_tokens(user: User) -> None:
    db.session.execute(
        sa.update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now_utc())
    )


def change_password(user: User, *, current_password: str, new_password: str, actor: User) -> None:
    """A user changes their own password; reset links still open stop working."""
    if actor.id != user.id:
        raise NotAllowed()
    if not user.check_password(current_password):
        raise WrongPassword()
    check_strength(new_password, name=user.name, email=user.email)
    user.set_password(new_password)
    _close_open_reset_tokens(user)
    record(AuditAction.PASSWORD_CHANGED, actor=actor, subject=user)
    _notify_password_changed(user, reset=False)
    db.session.flush()


def _notify_password_changed(user: User, *, reset: bool) -> None:
    """Tell the account's owner, in their language, when and from where: if it was not them,
    they learn it at once."""
    queue_mail(
        user.email,
        "password_changed",
        locale=user.locale,
        user=user,
        reset=reset,
        changed_at=now_utc(),
        address=client_ip(),
        reset_request_url=external_url("accounts.reset_request"),
    )


# --- Password reset ----------------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_password_reset(email: str) -> PasswordResetToken | None:
    """Create a reset link and queue its email if an active account has this address.

    Returns the token row (or None) for tests; callers must answer the visitor the same way in
    both cases, so nobody learns which emails have an account.
    """
    user = find_user_by_email(email)
    # Mail goes only to an address its owner has proved (every account's, since sign-up needs
    # the confirmation link; kept as a guard).
    if user is None or not user.is_active or user.email_verified_at is None:
        return None
    # Only the newest link works: an older mail that leaks later opens nothing.
    _close_open_reset_tokens(user)
    raw = secrets.token_urlsafe(32)
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"]
    token = PasswordResetToken(
        user=user,
        token_hash=_hash_token(raw),
        expires_at=now_utc() + timedelta(minutes=minutes),
    )
    db.session.add(token)
    queue_mail(
        user.email,
        "password_reset",
        locale=user.locale,
        reset_url=external_url("accounts.reset_password", token=raw),
        user=user,
    )
    record(AuditAction.PASSWORD_RESET_REQUESTED, actor=None, subject=user)
    db.session.flush()
    return token


def find_reset_token(raw: str) -> PasswordResetToken:
    """The open token behind a reset link, or :class:`InvalidResetToken` saying why not."""
    token = db.session.scalar(
        sa.select(PasswordResetToken).where(PasswordResetToken.token_hash == _hash_token(raw))
    )
    if token is None or not token.user.is_active:
        raise InvalidResetToken(ResetTokenProblem.UNKNOWN)
    if token.used_at is not None:
        raise InvalidResetToken(ResetTokenProblem.USED)
    if token.expires_at <= now_utc():
        raise InvalidResetToken(ResetTokenProblem.EXPIRED)
    return token


def reset_password(raw: str, new_password: str) -> User:
    """Set a new password through a reset link. The link, and every other open link of the same
    user, stops working."""
    token = find_reset_token(raw)
    check_strength(new_password, name=token.user.name, email=token.user.email)
    # Claim the token with a conditional update, so two submissions at once cannot both win.
    claimed = db.session.execute(
        sa.update(PasswordResetToken)
        .where(PasswordResetToken.id == token.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now_utc())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise InvalidResetToken(ResetTokenProblem.USED)
    user = token.user
    user.set_password(new_password)
    _close_open_reset_tokens(user)
    record(AuditAction.PASSWORD_RESET, actor=user, subject=user)
    _notify_password_changed(user, reset=True)
    db.session.flush()
    db.session.expire(token)
    return user


# --- Administration ----------------------------------------------------------------------------


@dataclass(frozen=True)
class UserFilter:
    search: str = ""
    role: Role | None = None


def users_query(filters: UserFilter) -> sa.Select[tuple[User]]:
    """The users matching a search on name or email and an optional role, by name."""
    stmt = sa.select(User)
    search = filters.search.strip()
    if search:
        stmt = stmt.where(
            sa.or_(
                User.name.icontains(search, autoescape=True),
                User.email.icontains(normalise_email(search), autoescape=True),
            )
        )
    if filters.role is not None:
        stmt = stmt.where(User.role == filters.role)
    return stmt.order_by(sa.func.lower(User.name), User.id)


def _check_admin(actor: User) -> None:
    if not actor.is_admin:
        raise NotAllowed()


def change_role(user: User, role: Role, *, actor: User) -> User:
    _check_admin(actor)
    if user.id == actor.id and role != Role.ADMIN:
        raise SelfLockout()
    if user.role != role:
        record(
            AuditAction.ROLE_CHANGED, actor=actor, subject=user, old=user.role.value, new=role.value
        )
    user.role = role
    db.session.flush()
    return user


def set_active(user: User, active: bool, *, actor: User) -> User:
    """Deactivate (the account can no longer log in) or reactivate an account."""
    _check_admin(actor)
    if user.id == actor.id and not active:
        raise SelfLockout()
    if user.is_active != active:
        action = AuditAction.ACCOUNT_REACTIVATED if active else AuditAction.ACCOUNT_DEACTIVATED
        record(action, actor=actor, subject=user)
    user.is_active = active
    if not active:
        _close_open_reset_tokens(user)
        end_sessions(user, actor=actor, reason=EndReason.DEACTIVATED)
    db.session.flush()
    return user
