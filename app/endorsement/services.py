"""Endorsement rules: naming the endorser, the secret link, the answer, the override, tick.

When a course requires endorsement (a full application, ``Course.requires_endorsement``), an
application is held as *submitted* while it waits: it takes no seat and no place on the
waiting list, and nobody may confirm or waitlist it (``check_decidable``). Once endorsed, or
once an organiser waives the endorsement (recorded in the history with who did it), the
registration rules apply to it as if it had just been made (``registration.services.admit``):
a seat while one is free, else the end of the waiting list, or the organisers' decision on a
course that approves each application. So an application never jumps the line by applying
early, and a seat is never held for someone whose employer has not agreed yet.

The endorser gets a link holding a random secret; only its SHA-256 is stored (as for password
resets). It works once, until ``ENDORSEMENT_LINK_DAYS`` (14 by default) after it was sent and
never past the course's closing date for applications. Naming another endorser replaces the
link. ``flask tick`` reminds the endorser once (``REMIND_BEFORE`` before the end, or half-way
for a short link) with a fresh link (the first keeps working) and tells the applicant once
when the link has expired. Services flush, never commit, and take the actor.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core.urls import external_url
from app.courses.models import Course, CourseStatus, RegistrationMode
from app.db import now_utc
from app.endorsement.models import Endorsement, EndorsementStatus
from app.extensions import db
from app.mail.services import queue_mail
from app.registration import services as registration_services
from app.registration.models import Registration, RegistrationStatus
from app.registration.services import NotAllowed, RegistrationError

E = EndorsementStatus
# The endorser is reminded this long before the link expires (half-way for a shorter link).
REMIND_BEFORE = timedelta(days=3)


# ---------------------------------------------------------------------------
# Errors


class EndorsementError(RegistrationError):
    message = _l("This change to the endorsement is not possible.")


class NotEndorsed(RegistrationError):
    message = _l(
        "The application is not endorsed yet: it can be decided once the employer has "
        "endorsed it, or after an organiser waives the endorsement."
    )


class LinkProblem(enum.StrEnum):
    UNKNOWN = "unknown"  # never issued, or replaced by a new one
    ANSWERED = "answered"
    EXPIRED = "expired"
    CLOSED = "closed"  # the application was withdrawn or decided, or the course unpublished

    @property
    def message(self) -> Any:
        return {
            LinkProblem.UNKNOWN: _l(
                "This endorsement link is not valid. It may have been replaced by a newer one: "
                "please use the link in the latest message you received."
            ),
            LinkProblem.ANSWERED: _l(
                "This application has already been answered: the link works only once."
            ),
            LinkProblem.EXPIRED: _l(
                "This endorsement link has expired. The applicant can ask you again with a "
                "new link."
            ),
            LinkProblem.CLOSED: _l("This application no longer needs an endorsement."),
        }[self]

    @property
    def http_status(self) -> int:
        return 404 if self == LinkProblem.UNKNOWN else 410


class InvalidLink(Exception):
    def __init__(self, problem: LinkProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass
class EndorserData:
    name: str
    position: str
    email: str


# ---------------------------------------------------------------------------
# Reading


def is_required(course: Course) -> bool:
    """Whether new applications to ``course`` wait for an endorsement (full applications
    only: an RSVP names no employer)."""
    return course.requires_endorsement and course.registration_mode == RegistrationMode.FULL


def endorsement_of(registration: Registration) -> Endorsement | None:
    return db.session.scalar(
        sa.select(Endorsement).where(Endorsement.registration_id == registration.id)
    )


def endorsements_by_registration(registration_ids: list[int]) -> dict[int, Endorsement]:
    """The endorsements of many registrations in one query (lists, exports)."""
    if not registration_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Endorsement)
        .where(Endorsement.registration_id.in_(registration_ids))
        .options(selectinload(Endorsement.waived_by))
    )
    return {row.registration_id: row for row in rows}


def is_pending(endorsement: Endorsement | None) -> bool:
    """Whether an endorsement stands between the application and a decision."""
    return endorsement is not None and not endorsement.status.is_settled


def check_decidable(registration: Registration) -> None:
    """Raise :class:`NotEndorsed` while the application waits for its endorsement (the
    registration rules call this before confirming or waitlisting anyone)."""
    if registration.course.requires_endorsement and is_pending(endorsement_of(registration)):
        raise NotEndorsed()


def can_name_endorser(registration: Registration, endorsement: Endorsement | None) -> bool:
    """Whether the applicant may (re)name the endorser now: while the application waits."""
    return (
        registration.status == RegistrationStatus.SUBMITTED
        and is_required(registration.course)
        and not (endorsement is not None and endorsement.status.is_settled)
    )


def link_expiry(course: Course, now: datetime) -> datetime:
    """When a link sent now expires: after the configured days, never past the closing date."""
    expires = now + timedelta(days=current_app.config["ENDORSEMENT_LINK_DAYS"])
    closes = course.registration_closes_at
    if closes is not None and closes < expires:
        return closes
    return expires


def reminder_due_at(endorsement: Endorsement) -> datetime:
    """When the endorser is reminded: REMIND_BEFORE the end, or half-way for a short link."""
    span = endorsement.expires_at - endorsement.requested_at
    return endorsement.expires_at - min(REMIND_BEFORE, span / 2)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def find_by_link(raw: str, now: datetime | None = None) -> Endorsement:
    """The endorsement a link stands for, if it may still be answered; else
    :class:`InvalidLink` saying why not."""
    now = now or now_utc()
    digest = _hash(raw)
    endorsement = db.session.scalar(
        sa.select(Endorsement).where(
            sa.or_(Endorsement.token_hash == digest, Endorsement.previous_token_hash == digest)
        )
    )
    if endorsement is None:
        raise InvalidLink(LinkProblem.UNKNOWN)
    if endorsement.status != E.AWAITING:
        raise InvalidLink(LinkProblem.ANSWERED)
    registration = endorsement.registration
    if (
        registration.status != RegistrationStatus.SUBMITTED
        or registration.course.status != CourseStatus.PUBLISHED
    ):
        raise InvalidLink(LinkProblem.CLOSED)
    if now >= endorsement.expires_at:
        raise InvalidLink(LinkProblem.EXPIRED)
    return endorsement


# ---------------------------------------------------------------------------
# Mail


def _context(registration: Registration) -> dict[str, Any]:
    course = registration.course
    return {
        "registration": registration,
        "course": course,
        "course_title": course.title(registration.language),
        "course_url": external_url("courses.show", slug=course.slug),
        "my_courses_url": external_url("registration.my_courses"),
    }


def _mail_endorser(endorsement: Endorsement, template: str, raw: str) -> None:
    registration = endorsement.registration
    queue_mail(
        endorsement.endorser_email,
        f"endorsement_{template}",
        locale=registration.language,
        endorsement=endorsement,
        link_url=external_url("endorsement.respond", token=raw),
        **_context(registration),
    )


def _mail_applicant(endorsement: Endorsement, template: str) -> None:
    registration = endorsement.registration
    queue_mail(
        registration.email,
        f"endorsement_{template}",
        locale=registration.language,
        endorsement=endorsement,
        **_context(registration),
    )


def _new_link(endorsement: Endorsement) -> str:
    raw = secrets.token_urlsafe(32)
    endorsement.previous_token_hash = endorsement.token_hash or None
    endorsement.token_hash = _hash(raw)
    return raw


# ---------------------------------------------------------------------------
# Changing


def _clean(data: EndorserData) -> EndorserData:
    return EndorserData(
        name=" ".join(data.name.split()),
        position=" ".join(data.position.split()),
        email=data.email.strip().lower(),
    )


def request_endorsement(
    registration: Registration,
    data: EndorserData,
    *,
    actor: User,
    now: datetime | None = None,
) -> tuple[Endorsement, str]:
    """Name the endorser of a waiting application (when applying, or another one later: the
    old link stops working) and mail them a new link. Returns the endorsement and the link's
    secret (it is stored only hashed). Raises EndorsementError or NotAllowed."""
    now = now or now_utc()
    course = registration.course
    if actor.id != registration.user_id:
        raise NotAllowed()
    endorsement = endorsement_of(registration)
    if not can_name_endorser(registration, endorsement):
        raise NotAllowed()
    data = _clean(data)
    if not (data.name and data.position and data.email):
        raise EndorsementError(_l("Give the endorser's name, position and email address."))
    if data.email in {registration.email.lower(), registration.user.email.lower()}:
        raise EndorsementError(_l("The endorser must be someone else: give their own email."))
    expires = link_expiry(course, now)
    if expires <= now:
        raise EndorsementError(
            _l(
                "Applications have closed, so no new endorsement link can be sent: please "
                "write to the course team."
            )
        )
    if endorsement is None:
        endorsement = Endorsement(registration=registration, token_hash="")
        db.session.add(endorsement)
        action, note = "endorsement_requested", ""
    else:
        action = "endorser_changed"
        note = (
            f"{endorsement.endorser_name} <{endorsement.endorser_email}> "
            f"({endorsement.state(now).value})"
        )
    raw = _new_link(endorsement)
    endorsement.previous_token_hash = None
    endorsement.status = E.AWAITING
    endorsement.endorser_name = data.name
    endorsement.endorser_position = data.position
    endorsement.endorser_email = data.email
    endorsement.requested_at = now
    endorsement.expires_at = expires
    endorsement.reminder_sent_at = None
    endorsement.expiry_notified_at = None
    endorsement.responded_at = None
    endorsement.comment = ""
    registration_services.note_in_history(
        registration,
        action,
        actor=actor,
        note=f"{note} -> {data.name} <{data.email}>" if note else f"{data.name} <{data.email}>",
    )
    db.session.flush()
    _mail_endorser(endorsement, "request", raw)
    _mail_applicant(endorsement, "requested")
    return endorsement, raw


def respond(
    raw: str, *, endorse: bool, comment: str = "", now: datetime | None = None
) -> Endorsement:
    """The endorser's answer through their link: endorse (the registration rules then apply
    to the application) or decline (the applicant is told and may name someone else).
    Raises InvalidLink."""
    now = now or now_utc()
    endorsement = find_by_link(raw, now)
    # Claim the link with a conditional update: of two answers at once, one wins.
    claimed = db.session.execute(
        sa.update(Endorsement)
        .where(Endorsement.id == endorsement.id, Endorsement.status == E.AWAITING)
        .values(status=E.ENDORSED if endorse else E.DECLINED, responded_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidLink(LinkProblem.ANSWERED)
    db.session.refresh(endorsement)
    endorsement.comment = comment.strip()
    registration = endorsement.registration
    who = f"{endorsement.endorser_name}, {endorsement.endorser_position}"
    registration_services.note_in_history(
        registration,
        "endorsed" if endorse else "endorsement_declined",
        actor=None,
        note=f"{who}: {endorsement.comment}" if endorsement.comment else who,
    )
    db.session.flush()
    if endorse:
        _mail_applicant(endorsement, "endorsed")
        registration_services.admit(registration, now=now)
    else:
        _mail_applicant(endorsement, "declined")
    return endorsement


def waive(
    registration: Registration, *, actor: User, note: str = "", now: datetime | None = None
) -> Endorsement:
    """An organiser goes on without the endorsement (waiting, declined or expired): recorded
    with who did it, and the registration rules then apply as for an endorsed application.
    The caller checks that ``actor`` manages the course."""
    now = now or now_utc()
    endorsement = endorsement_of(registration)
    if registration.status != RegistrationStatus.SUBMITTED or not is_pending(endorsement):
        raise NotAllowed()
    assert endorsement is not None
    endorsement.status = E.WAIVED
    endorsement.waived_at = now
    endorsement.waived_by_id = actor.id
    registration_services.note_in_history(
        registration, "endorsement_waived", actor=actor, note=note.strip()
    )
    db.session.flush()
    registration_services.admit(registration, now=now)
    return endorsement


# ---------------------------------------------------------------------------
# flask tick


def _due(*conditions: sa.ColumnElement[bool]) -> list[Endorsement]:
    """Awaited endorsements of waiting applications matching ``conditions``, locked for this
    run (PostgreSQL; rows another run holds are skipped, it handles them)."""
    stmt = (
        sa.select(Endorsement)
        .join(Registration, Endorsement.registration_id == Registration.id)
        .where(
            Endorsement.status == E.AWAITING,
            Registration.status == RegistrationStatus.SUBMITTED,
            *conditions,
        )
        .order_by(Endorsement.id)
        .with_for_update(of=Endorsement, skip_locked=True)
    )
    return list(db.session.scalars(stmt))


def send_reminders(now: datetime | None = None) -> int:
    """Remind each endorser once, with a fresh link, when reminder_due_at has come."""
    now = now or now_utc()
    found = _due(Endorsement.reminder_sent_at.is_(None), Endorsement.expires_at > now)
    count = 0
    for endorsement in found:
        if now < reminder_due_at(endorsement):
            continue
        raw = _new_link(endorsement)
        endorsement.reminder_sent_at = now
        db.session.flush()
        _mail_endorser(endorsement, "reminder", raw)
        count += 1
    return count


def send_expiry_notices(now: datetime | None = None) -> int:
    """Tell each applicant once that their endorser's link has expired."""
    now = now or now_utc()
    found = _due(Endorsement.expiry_notified_at.is_(None), Endorsement.expires_at <= now)
    for endorsement in found:
        endorsement.expiry_notified_at = now
        _mail_applicant(endorsement, "expired")
    db.session.flush()
    return len(found)


# ---------------------------------------------------------------------------
# Lists


def registrations_in_state(state: EndorsementStatus, now: datetime | None = None) -> sa.Select:
    """The ids of registrations whose endorsement reads ``state`` now (a desk filter): an
    awaited link past its time is expired, not awaiting."""
    now = now or now_utc()
    stmt = sa.select(Endorsement.registration_id)
    if state == E.EXPIRED:
        return stmt.where(Endorsement.status == E.AWAITING, Endorsement.expires_at <= now)
    if state == E.AWAITING:
        return stmt.where(Endorsement.status == E.AWAITING, Endorsement.expires_at > now)
    return stmt.where(Endorsement.status == state)
