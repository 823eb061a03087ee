"""Email addresses as identities: sign-up confirmed by a mailed link, and changing an address.

Nobody learns from these rules which addresses have an account: a sign-up with a known address
is answered like a new one, and the address's owner gets a notice instead of a link. Mail goes
only to addresses their owners have proved, except the confirmation link itself.

Services flush, never commit; they take the actor where there is one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import current_app

from app.accounts import passwords
from app.accounts.emails import normalise_email
from app.accounts.models import (
    ConfirmationPurpose,
    EmailConfirmation,
    PasswordResetToken,
    Role,
    User,
)
from app.accounts.services import (
    EmailTaken,
    NotAllowed,
    ResetTokenProblem,
    WrongPassword,
    check_strength,
    create_user,
    find_user_by_email,
)
from app.audit.models import AuditAction
from app.audit.services import client_ip, record
from app.core.urls import external_url
from app.db import now_utc
from app.extensions import db
from app.mail.services import queue_mail

if TYPE_CHECKING:
    from app.courses.models import Course

# Rows of links that expired this long ago are deleted (they hold a name and, for a sign-up
# while applying, the application's answers); until then the page can say "expired".
PURGE_AFTER = timedelta(days=7)
# Form fields never kept with a pending application.
NOT_KEPT = frozenset({"csrf_token", "password", "confirm", "submit"})


class SameEmail(Exception):
    """The new address is the account's current one."""


class InvalidConfirmation(Exception):
    """A confirmation link that is unknown, already used or expired."""

    def __init__(self, problem: ResetTokenProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def max_age_minutes() -> int:
    return int(current_app.config["EMAIL_CONFIRMATION_MAX_AGE_MINUTES"])


def _new_confirmation(**fields: Any) -> tuple[EmailConfirmation, str]:
    now = now_utc()
    db.session.execute(
        sa.delete(EmailConfirmation).where(EmailConfirmation.expires_at < now - PURGE_AFTER)
    )
    raw = secrets.token_urlsafe(32)
    row = EmailConfirmation(
        token_hash=_hash(raw),
        created_at=now,
        expires_at=now + timedelta(minutes=max_age_minutes()),
        **fields,
    )
    db.session.add(row)
    return row, raw


def kept_answers(formdata: Any) -> list[list[str]]:
    """The application form's fields worth keeping until the address is confirmed: every
    (name, value) pair but the password, its repetition, the CSRF token and the button."""
    return [[key, value] for key, value in formdata.items(multi=True) if key not in NOT_KEPT]


# --- Sign-up -----------------------------------------------------------------------------------


def start_signup(
    *,
    name: str,
    email: str,
    password: str,
    locale: str,
    course: Course | None = None,
    course_title: str = "",
    application: list[list[str]] | None = None,
) -> EmailConfirmation | None:
    """A visitor asks for an account (and, with ``course``, applies to it at the same time).

    A new address gets a confirmation link; the account exists only once it is opened. An
    address with an account gets a notice instead, and nothing else happens. Returns the
    pending confirmation or None, for tests: callers answer the visitor alike in both cases.
    """
    if locale not in current_app.config["LANGUAGES"]:
        locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    email = normalise_email(email)
    # Judged before the address is looked up: a refusal says nothing about who has an account.
    check_strength(password, name=name, email=email)
    # Hashed in both cases, so the answer takes as long for a known address as for a new one.
    password_hash = passwords.hash_password(password)
    owner = find_user_by_email(email)
    if owner is not None:
        if owner.email_verified_at is not None:
            queue_mail(
                owner.email,
                "signup_attempt",
                locale=owner.locale,
                user=owner,
                course_title=course_title,
                login_url=external_url("accounts.login"),
                reset_url=external_url("accounts.reset_request"),
            )
        db.session.flush()
        return None
    row, raw = _new_confirmation(
        purpose=ConfirmationPurpose.SIGNUP,
        email=email,
        name=name.strip(),
        password_hash=password_hash,
        locale=locale,
        course_id=course.id if course is not None else None,
        application=application,
    )
    if course is not None:
        url = external_url("registration.confirm_signup", slug=course.slug, token=raw)
    else:
        url = external_url("accounts.confirm_signup", token=raw)
    queue_mail(
        email,
        "signup_confirm",
        locale=locale,
        name=row.name,
        email=email,
        course_title=course_title,
        confirm_url=url,
        minutes=max_age_minutes(),
    )
    db.session.flush()
    return row


def find_confirmation(raw: str, purpose: ConfirmationPurpose) -> EmailConfirmation:
    """The open confirmation behind a link, or :class:`InvalidConfirmation` saying why not."""
    row = db.session.scalar(
        sa.select(EmailConfirmation).where(
            EmailConfirmation.token_hash == _hash(raw), EmailConfirmation.purpose == purpose
        )
    )
    if row is None or (row.user is not None and not row.user.is_active):
        raise InvalidConfirmation(ResetTokenProblem.UNKNOWN)
    if row.used_at is not None:
        raise InvalidConfirmation(ResetTokenProblem.USED)
    if row.expires_at <= now_utc():
        raise InvalidConfirmation(ResetTokenProblem.EXPIRED)
    return row


def _claim(row: EmailConfirmation, now: datetime) -> None:
    # A conditional update: two clicks at once cannot both win.
    claimed = db.session.execute(
        sa.update(EmailConfirmation)
        .where(EmailConfirmation.id == row.id, EmailConfirmation.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise InvalidConfirmation(ResetTokenProblem.USED)
    db.session.expire(row, ["used_at"])


def confirm_signup(raw: str) -> tuple[User, EmailConfirmation]:
    """Open a sign-up link: the account is created, its address verified. Raises
    :class:`InvalidConfirmation`, or :class:`EmailTaken` if another sign-up for the same
    address was confirmed first (the caller rolls back)."""
    row = find_confirmation(raw, ConfirmationPurpose.SIGNUP)
    now = now_utc()
    _claim(row, now)
    user = create_user(row.email, row.name, None, locale=row.locale, role=Role.PARTICIPANT)
    user.password_hash = row.password_hash
    user.email_verified_at = now
    # Imported here: the privacy area builds on accounts. The person ticked the consent when
    # they sent the form, under the notice in force now that the account exists.
    from app.privacy.models import ConsentContext
    from app.privacy.notices import record_consent

    db.session.flush()
    record_consent(user, ConsentContext.SIGNUP, now=row.created_at)
    record(
        AuditAction.SIGNED_UP,
        actor=user,
        with_application=row.course_id is not None,
    )
    db.session.flush()
    return user, row


# --- Changing an account's address -------------------------------------------------------------


def request_email_change(
    user: User, *, new_email: str, password: str, actor: User
) -> EmailConfirmation | None:
    """Mail a link to the new address; the address changes when it is opened. The current
    password is asked again. If another account has the address, its owner gets a notice and
    nothing else happens: the caller answers alike. Earlier open links of this account stop
    working. Raises :class:`NotAllowed`, :class:`WrongPassword`, :class:`SameEmail`."""
    if actor.id != user.id:
        raise NotAllowed()
    if not user.check_password(password):
        raise WrongPassword()
    email = normalise_email(new_email)
    if email == user.email:
        raise SameEmail()
    _close_open_changes(user)
    owner = find_user_by_email(email)
    if owner is not None:
        if owner.email_verified_at is not None:
            queue_mail(
                owner.email,
                "email_change_attempt",
                locale=owner.locale,
                user=owner,
                reset_url=external_url("accounts.reset_request"),
            )
        db.session.flush()
        return None
    row, raw = _new_confirmation(
        purpose=ConfirmationPurpose.EMAIL_CHANGE,
        email=email,
        user_id=user.id,
        name=user.name,
        locale=user.locale,
    )
    queue_mail(
        email,
        "email_change_confirm",
        locale=user.locale,
        user=user,
        email=email,
        confirm_url=external_url("accounts.confirm_email_change", token=raw),
        minutes=max_age_minutes(),
    )
    db.session.flush()
    return row


def _close_open_changes(user: User) -> None:
    db.session.execute(
        sa.update(EmailConfirmation)
        .where(
            EmailConfirmation.user_id == user.id,
            EmailConfirmation.purpose == ConfirmationPurpose.EMAIL_CHANGE,
            EmailConfirmation.used_at.is_(None),
        )
        .values(used_at=now_utc())
        .execution_options(synchronize_session=False)
    )


def confirm_email_change(raw: str) -> User:
    """Open a change link: the account takes the new, now verified, address; the old address
    is told (when, to which address, from which network address); open password-reset links
    stop working. Raises :class:`InvalidConfirmation`, or :class:`EmailTaken` if an account
    took the address meanwhile (the caller rolls back)."""
    row = find_confirmation(raw, ConfirmationPurpose.EMAIL_CHANGE)
    user = row.user
    assert user is not None  # an email change always names its account
    now = now_utc()
    _claim(row, now)
    if find_user_by_email(row.email) is not None:
        raise EmailTaken(row.email)
    old = user.email
    user.email = row.email
    user.email_verified_at = now
    db.session.execute(
        sa.update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    queue_mail(
        old,
        "email_changed",
        locale=user.locale,
        user=user,
        old_email=old,
        new_email=row.email,
        changed_at=now,
        ip=client_ip() or "?",
    )
    record(AuditAction.EMAIL_CHANGED, actor=user, old_email=old, new_email=row.email)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise EmailTaken(row.email) from exc
    return user
