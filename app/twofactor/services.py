"""Two-factor rules: setting up an authenticator, checking its codes (each once), recovery codes,
turning it off, and the administrators' rule that staff must use it.

Services flush, never commit; they take the acting user and, where time matters, ``now``, so
tests pin codes of the previous and next windows without waiting.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app

from app.accounts.models import User
from app.audit.models import AuditAction
from app.audit.services import record
from app.db import now_utc
from app.extensions import db
from app.twofactor.models import RecoveryCode, SecuritySettings, TwoFactorCredential
from app.twofactor.sealing import SealBroken, is_current, unseal

RECOVERY_CODE_COUNT = 10
# Codes of the step before and the step after the current one are accepted too: a phone's
# clock a little off, or a code typed just as it changed.
VALID_WINDOW = 1
STEP_SECONDS = 30
CODE_DIGITS = 6
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class TwoFactorError(Exception):
    """Base class of this module's errors."""


class AlreadyEnabled(TwoFactorError):
    """Two-factor log-in is on already: set-up does not start again."""


class NotEnabled(TwoFactorError):
    """Two-factor log-in is off for this account."""


class InvalidCode(TwoFactorError):
    """Wrong, expired or already used code."""


class NotAllowed(TwoFactorError):
    """Only the account's owner manages its second factor."""


# --- Reading -----------------------------------------------------------------------------------


def credential(user: User) -> TwoFactorCredential | None:
    return db.session.scalar(
        sa.select(TwoFactorCredential).where(TwoFactorCredential.user_id == user.id)
    )


def is_enabled(user: User) -> bool:
    found = credential(user)
    return found is not None and found.confirmed_at is not None


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def settings() -> SecuritySettings:
    """The site's security settings (defaults until an administrator saves them)."""
    row = db.session.get(SecuritySettings, 1)
    return row if row is not None else SecuritySettings(id=1, is_staff_two_factor_required=False)


def must_use_two_factor(user: User) -> bool:
    """Whether this account must have two-factor log-in on: staff, when the rule is on."""
    return user.is_organiser and settings().is_staff_two_factor_required


# --- Set-up ------------------------------------------------------------------------------------


def _check_self(user: User, actor: User) -> None:
    if actor.id != user.id:
        raise NotAllowed()


def begin_setup(user: User, *, actor: User) -> TwoFactorCredential:
    """A new secret to scan, or the one already waiting for its first code."""
    _check_self(user, actor)
    found = credential(user)
    if found is not None and found.confirmed_at is not None:
        raise AlreadyEnabled()
    if found is None:
        found = TwoFactorCredential(user_id=user.id, secret=pyotp.random_base32())
        db.session.add(found)
        db.session.flush()
    elif _opened(found) is None:
        # Sealed under a key the site no longer has: nothing was confirmed with it yet, so a
        # new secret to scan, rather than a page that cannot show the old one.
        found.secret = pyotp.random_base32()
        db.session.flush()
    return found


def provisioning_uri(found: TwoFactorCredential) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(found.secret).provisioning_uri(
        name=found.user.email, issuer_name=current_app.config["SITE_NAME"]
    )


def qr_svg_data_uri(found: TwoFactorCredential) -> str:
    """The QR code as an SVG data: URI (the CSP allows images from data:, not inline SVG
    styles); drawn here, no outside service ever sees the secret."""
    qr = segno.make(provisioning_uri(found), error="m")
    return qr.svg_data_uri(scale=5, border=2, dark="#000", light="#fff")


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _opened(found: TwoFactorCredential) -> str | None:
    """The credential's secret, or None when no configured key opens it (logged)."""
    try:
        return unseal(found.sealed_secret)
    except SealBroken:
        current_app.logger.error(
            "The two-factor secret of user %s does not open with SECRET_KEY or "
            "SECRET_KEY_FALLBACKS: was SECRET_KEY changed without the old one kept as a "
            "fallback? Their codes are refused; recovery codes still work.",
            found.user_id,
        )
        return None


def _matching_step(found: TwoFactorCredential, code: str, now: datetime) -> int | None:
    """The time step whose code ``code`` is, within the accepted window, or None."""
    code = "".join(code.split())
    if not (code.isascii() and code.isdigit() and len(code) == CODE_DIGITS):
        return None
    secret = _opened(found)
    if secret is None:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _use_code(found: TwoFactorCredential, code: str, now: datetime) -> bool:
    """Accept a code once: its step must be later than the last accepted one."""
    step = _matching_step(found, code, now)
    if step is None:
        return False
    if found.last_used_step is not None and step <= found.last_used_step:
        return False
    # A conditional update, so two requests with the same code cannot both pass.
    claimed = db.session.execute(
        sa.update(TwoFactorCredential)
        .where(
            TwoFactorCredential.id == found.id,
            sa.or_(
                TwoFactorCredential.last_used_step.is_(None),
                TwoFactorCredential.last_used_step < step,
            ),
        )
        .values(last_used_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    db.session.expire(found, ["last_used_step"])
    if not is_current(found.sealed_secret):
        # Stored before sealing, or under a key being retired: seal it under today's key.
        found.secret = found.secret
    return True


def confirm_setup(user: User, code: str, *, actor: User, now: datetime | None = None) -> list[str]:
    """Turn two-factor log-in on with a first code from the app; returns the recovery codes,
    to be shown once."""
    _check_self(user, actor)
    found = credential(user)
    if found is None:
        raise NotEnabled()
    if found.confirmed_at is not None:
        raise AlreadyEnabled()
    now = now or now_utc()
    if not _use_code(found, code, now):
        raise InvalidCode()
    found.confirmed_at = now
    record(AuditAction.TWO_FACTOR_ENABLED, actor=actor, subject=user)
    codes = _new_recovery_codes(user, actor=actor)
    db.session.flush()
    return codes


# --- Recovery codes ----------------------------------------------------------------------------


def _hash_code(code: str) -> str:
    normalised = "".join(code.split()).replace("-", "").lower()
    return hashlib.sha256(normalised.encode()).hexdigest()


def _new_recovery_codes(user: User, *, actor: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    # 10 characters of 31 (about 50 bits): enough against guessing behind the rate limits,
    # short enough to copy; no 0/o, 1/l/i to misread; a dash in the middle for the eye.
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_code(c)) for c in codes)
    record(AuditAction.RECOVERY_CODES_GENERATED, actor=actor, subject=user)
    return codes


def regenerate_recovery_codes(user: User, proof: str, *, actor: User) -> list[str]:
    """New recovery codes (the old ones stop working), after the password or a code."""
    _check_self(user, actor)
    if not is_enabled(user):
        raise NotEnabled()
    _check_proof(user, proof)
    codes = _new_recovery_codes(user, actor=actor)
    db.session.flush()
    return codes


def _use_recovery_code(user: User, code: str, now: datetime) -> bool:
    claimed = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_code(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


# --- Logging in, turning off -------------------------------------------------------------------


def verify_login(user: User, code: str, *, now: datetime | None = None) -> str:
    """Check the second step of a log-in: a code from the app, or else a recovery code (used
    up). Returns which ("totp" or "recovery"); raises :class:`InvalidCode`, audited."""
    now = now or now_utc()
    found = credential(user)
    if found is None or found.confirmed_at is None:
        raise NotEnabled()
    if _use_code(found, code, now):
        return "totp"
    if _use_recovery_code(user, code, now):
        record(
            AuditAction.RECOVERY_CODE_USED,
            actor=user,
            subject=user,
            left=recovery_codes_left(user),
        )
        return "recovery"
    record(AuditAction.TWO_FACTOR_FAILED, actor=None, subject=user, step="login")
    raise InvalidCode()


def _check_proof(user: User, proof: str, now: datetime | None = None) -> None:
    """The password, or a current code from the app: before something that lowers security."""
    found = credential(user)
    confirmed = found is not None and found.confirmed_at is not None
    if confirmed and _use_code(found, proof, now or now_utc()):
        return
    if user.check_password(proof):
        return
    record(AuditAction.TWO_FACTOR_FAILED, actor=user, subject=user, step="confirm")
    raise InvalidCode()


def disable(user: User, proof: str, *, actor: User) -> None:
    """Turn two-factor log-in off (its secret and recovery codes are deleted)."""
    _check_self(user, actor)
    if not is_enabled(user):
        raise NotEnabled()
    _check_proof(user, proof)
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(sa.delete(TwoFactorCredential).where(TwoFactorCredential.user_id == user.id))
    record(AuditAction.TWO_FACTOR_DISABLED, actor=actor, subject=user)
    db.session.flush()


def turn_off_for_lost_device(user: User) -> bool:
    """From the command line, for someone who lost both their phone and their recovery codes
    (the operator has checked who they are). Returns whether anything was on."""
    if credential(user) is None:
        return False
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(sa.delete(TwoFactorCredential).where(TwoFactorCredential.user_id == user.id))
    record(AuditAction.TWO_FACTOR_DISABLED, actor=None, subject=user, via="command")
    db.session.flush()
    return True


@dataclass
class Resealed:
    """What :func:`reseal_all` did."""

    resealed: int = 0
    current: int = 0
    unreadable: list[User] = field(default_factory=list)


def reseal_all() -> Resealed:
    """Seal every stored secret under the current key: after ``SECRET_KEY`` was rotated (the
    old key still in ``SECRET_KEY_FALLBACKS``), or to seal secrets stored before sealing.
    Secrets no configured key opens are left as they are and listed."""
    done = Resealed()
    for found in db.session.scalars(
        sa.select(TwoFactorCredential).order_by(TwoFactorCredential.id)
    ):
        if is_current(found.sealed_secret):
            done.current += 1
        elif (secret := _opened(found)) is not None:
            found.secret = secret
            done.resealed += 1
        else:
            done.unreadable.append(found.user)
    db.session.flush()
    return done


# --- The administrators' setting ---------------------------------------------------------------


def set_staff_requirement(required: bool, *, actor: User) -> SecuritySettings:
    if not actor.is_admin:
        raise NotAllowed()
    row = db.session.get(SecuritySettings, 1)
    if row is None:
        row = SecuritySettings(id=1, is_staff_two_factor_required=False)
        db.session.add(row)
    before = row.is_staff_two_factor_required
    if before != required:
        row.is_staff_two_factor_required = required
        row.updated_at = now_utc()
        row.updated_by_id = actor.id
        record(
            AuditAction.SECURITY_SETTINGS_CHANGED,
            actor=actor,
            subject=None,
            staff_two_factor_required=required,
        )
    db.session.flush()
    return row
