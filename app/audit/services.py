"""Writing the audit log. Every area calls :func:`record` beside the change it audits, in the
same transaction, so an event is stored exactly when its change is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import aliased, selectinload

from app.audit.models import IP_MAX_LENGTH, AuditAction, AuditEvent
from app.extensions import db

if TYPE_CHECKING:
    from app.accounts.models import User

# Keys whose values must never reach the log, whatever a caller passes by mistake.
SECRET_KEYS = frozenset(
    {
        "password",
        "new_password",
        "current_password",
        "password_hash",
        "token",
        "secret",
        "otp",
        "recovery_code",
    }
)
DETAIL_VALUE_MAX = 200


class SecretInAuditLog(ValueError):
    """A caller tried to log a secret: a programming error, refused loudly."""


def client_ip() -> str | None:
    """The client's address as the app sees it (behind proxies: see TRUSTED_PROXIES)."""
    if not has_request_context():
        return None
    address = request.remote_addr
    return address[:IP_MAX_LENGTH] if address else None


def record(
    action: AuditAction,
    *,
    actor: User | None,
    subject: User | None = None,
    ip: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to the session (the caller commits with its change).

    ``subject`` defaults to the actor: most events concern the actor's own account."""
    secret = SECRET_KEYS.intersection(detail)
    if secret:
        raise SecretInAuditLog(", ".join(sorted(secret)))
    clean = {
        key: (value[:DETAIL_VALUE_MAX] if isinstance(value, str) else value)
        for key, value in detail.items()
    }
    target = subject if subject is not None else actor
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        subject_id=target.id if target is not None else None,
        ip=ip if ip is not None else client_ip(),
        detail=clean,
    )
    db.session.add(event)
    return event


def record_export(actor: User, course_slug: str, export: str, fmt: str, rows: int) -> AuditEvent:
    """An export of participants' personal data (a list, invoices, payments, documents): who,
    which course, what, in which format, how many rows. The caller commits."""
    return record(
        AuditAction.PARTICIPANTS_EXPORTED,
        actor=actor,
        course=course_slug,
        export=export,
        format=fmt,
        rows=rows,
    )


# --- Reading the log (the administrators' audit page) ------------------------------------------

EVENTS_PER_PAGE = 50


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page is asked for: an action, a person (name or email of the actor or
    of the account concerned, any part of it), and UTC dates, both included."""

    action: AuditAction | None = None
    person: str = ""
    since: date | None = None
    until: date | None = None


def events_query(filters: AuditFilter) -> sa.Select[tuple[AuditEvent]]:
    """The events ``filters`` asks for, newest first (ties: the later written first)."""
    from app.accounts.models import User  # accounts records events: no import at the top

    actor = aliased(User)
    subject = aliased(User)
    stmt = (
        sa.select(AuditEvent)
        .outerjoin(actor, AuditEvent.actor_id == actor.id)
        .outerjoin(subject, AuditEvent.subject_id == subject.id)
        .options(selectinload(AuditEvent.actor), selectinload(AuditEvent.subject))
    )
    if filters.action is not None:
        stmt = stmt.where(AuditEvent.action == filters.action)
    person = filters.person.strip()
    if person:
        stmt = stmt.where(
            sa.or_(
                *(
                    column.icontains(person, autoescape=True)
                    for column in (actor.name, actor.email, subject.name, subject.email)
                )
            )
        )
    if filters.since is not None:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(filters.since, time(0), tzinfo=UTC))
    if filters.until is not None:
        end = datetime.combine(filters.until + timedelta(days=1), time(0), tzinfo=UTC)
        stmt = stmt.where(AuditEvent.at < end)
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
