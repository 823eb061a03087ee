"""Audit events: log-ins, failures, password, role and two-factor changes, sessions ended,
exports and erasures of personal data.

An event names its actor and the account it concerns by id (kept when the account's personal
data is erased, so the log stays readable as "a person whose data was erased"), the client's
address, and a few non-secret details (never a password, token, code or hash)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, now_utc, str_enum
from app.extensions import db

if TYPE_CHECKING:
    from app.accounts.models import User

IP_MAX_LENGTH = 45  # the longest textual IPv6 address (with an embedded IPv4 one)


class AuditAction(enum.StrEnum):
    SIGNED_UP = "signed_up"
    LOGGED_IN = "logged_in"
    LOGIN_FAILED = "login_failed"
    LOGGED_OUT = "logged_out"
    SESSION_ENDED = "session_ended"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"
    PASSWORD_RESET = "password_reset"
    EMAIL_CHANGED = "email_changed"
    ROLE_CHANGED = "role_changed"
    ACCOUNT_DEACTIVATED = "account_deactivated"
    ACCOUNT_REACTIVATED = "account_reactivated"
    TWO_FACTOR_ENABLED = "two_factor_enabled"
    TWO_FACTOR_DISABLED = "two_factor_disabled"
    TWO_FACTOR_FAILED = "two_factor_failed"
    RECOVERY_CODES_GENERATED = "recovery_codes_generated"
    RECOVERY_CODE_USED = "recovery_code_used"
    SECURITY_SETTINGS_CHANGED = "security_settings_changed"
    PERSONAL_DATA_EXPORTED = "personal_data_exported"
    PARTICIPANTS_EXPORTED = "participants_exported"
    ERASURE_REQUESTED = "erasure_requested"
    ERASURE_CARRIED_OUT = "erasure_carried_out"
    DATA_RETENTION_APPLIED = "data_retention_applied"

    @property
    def label(self) -> str:
        return str(_LABELS[self])


_LABELS = {
    AuditAction.SIGNED_UP: _l("Signed up"),
    AuditAction.LOGGED_IN: _l("Logged in"),
    AuditAction.LOGIN_FAILED: _l("Log-in failed"),
    AuditAction.LOGGED_OUT: _l("Logged out"),
    AuditAction.SESSION_ENDED: _l("Session ended"),
    AuditAction.PASSWORD_CHANGED: _l("Password changed"),
    AuditAction.PASSWORD_RESET_REQUESTED: _l("Password reset requested"),
    AuditAction.PASSWORD_RESET: _l("Password reset"),
    AuditAction.EMAIL_CHANGED: _l("Email address changed"),
    AuditAction.ROLE_CHANGED: _l("Role changed"),
    AuditAction.ACCOUNT_DEACTIVATED: _l("Account deactivated"),
    AuditAction.ACCOUNT_REACTIVATED: _l("Account reactivated"),
    AuditAction.TWO_FACTOR_ENABLED: _l("Two-factor log-in turned on"),
    AuditAction.TWO_FACTOR_DISABLED: _l("Two-factor log-in turned off"),
    AuditAction.TWO_FACTOR_FAILED: _l("Two-factor code refused"),
    AuditAction.RECOVERY_CODES_GENERATED: _l("Recovery codes generated"),
    AuditAction.RECOVERY_CODE_USED: _l("Recovery code used"),
    AuditAction.SECURITY_SETTINGS_CHANGED: _l("Security settings changed"),
    AuditAction.PERSONAL_DATA_EXPORTED: _l("Personal data exported"),
    AuditAction.PARTICIPANTS_EXPORTED: _l("Participant list exported"),
    AuditAction.ERASURE_REQUESTED: _l("Erasure requested"),
    AuditAction.ERASURE_CARRIED_OUT: _l("Personal data erased"),
    AuditAction.DATA_RETENTION_APPLIED: _l("Personal data deleted after the retention period"),
}


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    action: Mapped[AuditAction] = mapped_column(str_enum(AuditAction, length=40))
    # Who acted (None: a stranger, e.g. a failed log-in, or the system, e.g. `flask tick`).
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    # The account the event concerns (the actor's own for log-ins and self-service changes).
    subject_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    ip: Mapped[str | None] = mapped_column(sa.String(IP_MAX_LENGTH))
    # Non-secret details: a role's old and new value, a course's code, an export's format...
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    subject: Mapped[User | None] = relationship(foreign_keys=[subject_id])

    def __repr__(self) -> str:
        return (
            f"<AuditEvent {self.id} {self.action} actor={self.actor_id} subject={self.subject_id}>"
        )


# What the details' keys mean, for the audit page; a key not listed shows as written.
DETAIL_LABELS = {
    "browser": _l("Browser"),
    "system": _l("System"),
    "remember": _l("Kept logged in"),
    "session": _l("Session"),
    "how": _l("How"),
    "reason": _l("Reason"),
    "via": _l("Through"),
    "email": _l("Email address"),
    "old": _l("Before"),
    "new": _l("After"),
    "old_email": _l("Former address"),
    "new_email": _l("New address"),
    "course": _l("Course"),
    "kind": _l("Kind"),
    "count": _l("Number"),
    "rows": _l("Rows"),
    "format": _l("Format"),
    "export": _l("Export"),
    "left": _l("Left"),
    "with_application": _l("With an application"),
    "staff_two_factor_required": _l("Two-factor log-in required of staff"),
    "request": _l("Request"),
    "step": _l("Step"),
}


def detail_items(detail: dict[str, Any] | None) -> list[tuple[str, str]]:
    """An event's details as (label, value) in the reader's language, sorted by key."""
    yes, no = _l("Yes"), _l("No")
    return [
        (
            str(DETAIL_LABELS.get(key, key)),
            str(yes if value is True else no if value is False else value),
        )
        for key, value in sorted((detail or {}).items())
    ]
