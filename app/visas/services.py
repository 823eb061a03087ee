"""Invitation letters for visas: who may ask for one, the details a consulate needs, the
organisers' decision, and finding a letter by its code.

A participant whose place on a course held at a venue (not online) is confirmed may ask for a
letter until the course starts, giving the passport details and the consulate. While the
request is pending they may correct or withdraw it; a declined or withdrawn request may be sent
again. The course's organisers issue it (it gets a reference numbered per year of issue, such as
``VISA-2027-0007``, and a random code for its public verification page) or decline it with a
reason; either way the participant is told by mail, in their language. An issued letter is
final; an organiser may revoke it with a reason, which its verification page then states.

Issuing claims the request with a conditional UPDATE (``WHERE status = 'requested'``), so two
organisers issuing at the same moment issue it once; the year's reference number is taken from
:class:`~app.visas.models.VisaLetterSequence`, whose row is locked before any request is
claimed (the same order in every transaction, so bulk and single issues never deadlock).

Services flush, never commit, and take the actor and ``now`` as arguments.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from sqlalchemy.orm import joinedload

from app.certificates.services import format_code, new_code, normalise_code
from app.core.rules import FieldErrors
from app.core.timeutil import day_start_utc, local_date
from app.core.urls import external_url
from app.courses.models import Course, CourseStatus
from app.db import now_utc
from app.extensions import db
from app.followup.submissions import insert_or_ignore
from app.mail.services import queue_mail
from app.registration.models import Registration, RegistrationStatus
from app.visas.details import LetterDetails, clean_details
from app.visas.models import (
    LETTER_LANGUAGES,
    REASON_MAX_LENGTH,
    VisaLetterRequest,
    VisaLetterSequence,
)
from app.visas.models import VisaRequestStatus as Status

if TYPE_CHECKING:
    from app.accounts.models import User

logger = logging.getLogger(__name__)

REFERENCE_PREFIX = "VISA"
_CODE_ATTEMPTS = 5


class NotAllowed(Exception):
    """The request cannot be made, changed or decided now; the message says why."""

    def __init__(self, message: Any) -> None:
        self.message = message
        super().__init__(str(message))


# --- who may ask ------------------------------------------------------------------------------


def applies_to(course: Course) -> bool:
    """Whether the course is held at a venue, where a participant may need a visa."""
    return not course.is_online and course.venue is not None


def course_start_utc(course: Course) -> datetime:
    return day_start_utc(course.start_date, course.timezone)


def request_refusal(registration: Registration, *, now: datetime) -> Any | None:
    """Why ``registration`` may not ask for (or correct) a letter now; None when it may."""
    course = registration.course
    if not applies_to(course):
        return _l("Invitation letters are only for courses held at a venue, not online.")
    if course.status == CourseStatus.CANCELLED:
        return _l("This course is cancelled.")
    if registration.status != RegistrationStatus.CONFIRMED:
        return _l("Invitation letters are for confirmed participants.")
    if now >= course_start_utc(course):
        return _l("The course has started: invitation letters can no longer be requested.")
    return None


def default_language(registration: Registration) -> str:
    """The letter's language unless the participant chooses: their registration's, if the
    letters are written in it, else English."""
    return registration.language if registration.language in LETTER_LANGUAGES else "en"


# --- the participant's side ------------------------------------------------------------------


def request_of(registration: Registration) -> VisaLetterRequest | None:
    return db.session.scalar(
        sa.select(VisaLetterRequest).where(VisaLetterRequest.registration_id == registration.id)
    )


def requests_by_registration(ids: list[int]) -> dict[int, VisaLetterRequest]:
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(VisaLetterRequest).where(VisaLetterRequest.registration_id.in_(ids))
    )
    return {row.registration_id: row for row in rows}


def request_letter(
    registration: Registration,
    details: LetterDetails,
    *,
    actor: User,
    now: datetime | None = None,
) -> VisaLetterRequest:
    """Ask for a letter, or correct the pending request, or send a declined or withdrawn one
    again with these details. Raises :class:`NotAllowed` when the registration may not (or the
    letter is issued already) and :class:`FieldErrors` for details that are wrong."""
    now = now or now_utc()
    refusal = request_refusal(registration, now=now)
    if refusal is not None:
        raise NotAllowed(refusal)
    found = request_of(registration)
    if found is not None and found.status == Status.ISSUED:
        raise NotAllowed(_l("Your letter is issued already: it can no longer be changed."))
    clean = clean_details(details, registration.course, today=local_date(now, "UTC"))
    values: dict[str, Any] = {**vars(clean), "status": Status.REQUESTED, "updated_at": now}
    if found is None:
        found = VisaLetterRequest(registration=registration, requested_at=now, **values)
        db.session.add(found)
        db.session.flush()
        action = "requested"
    else:
        action = "corrected" if found.status == Status.REQUESTED else "requested again"
        if found.status != Status.REQUESTED:
            values.update(
                requested_at=now,
                withdrawn_at=None,
                decided_at=None,
                decided_by_id=None,
                decline_reason="",
            )
        # Conditional on the state it was read in: an organiser's decision a moment before wins.
        db.session.flush()
        changed = db.session.execute(
            sa.update(VisaLetterRequest)
            .where(VisaLetterRequest.id == found.id, VisaLetterRequest.status == found.status)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.refresh(found)
        if changed != 1:
            raise NotAllowed(_l("The organisers decided this request a moment ago."))
    logger.info("visa letter %s %s by %s", found.id, action, actor.id)
    return found


def withdraw(request: VisaLetterRequest, *, actor: User, now: datetime | None = None) -> None:
    """Withdraw a pending request (the passport details go with it)."""
    if request.status != Status.REQUESTED:
        raise NotAllowed(_l("Only a pending request can be withdrawn."))
    now = now or now_utc()
    if not _leave_pending(
        request,
        status=Status.WITHDRAWN,
        withdrawn_at=now,
        updated_at=now,
        **BLANK_PASSPORT,
    ):
        raise NotAllowed(_l("The organisers decided this request a moment ago."))
    logger.info("visa letter %s withdrawn by %s", request.id, actor.id)


# What is left of the passport details once they are erased (a withdrawal, the retention).
BLANK_PASSPORT: dict[str, Any] = {
    "passport_name": "",
    "passport_number": "",
    "birth_date": None,
    "passport_expires_on": None,
}


# --- the organisers' side --------------------------------------------------------------------


FILTERS = ("all", *(status.value for status in Status))


def filter_labels() -> dict[str, str]:
    """The organisers' list's filters, by the word of the query string."""
    return {"all": pgettext("visa letters", "All")} | {
        status.value: status.label for status in Status
    }


def course_requests(course: Course, status: str = "all") -> list[VisaLetterRequest]:
    """The course's requests (of one status unless ``all``), by the participant's name."""
    stmt = (
        sa.select(VisaLetterRequest)
        .join(VisaLetterRequest.registration)
        .where(Registration.course_id == course.id)
        .options(joinedload(VisaLetterRequest.registration))
        .order_by(sa.func.lower(Registration.certificate_name), VisaLetterRequest.id)
    )
    if status != "all":
        stmt = stmt.where(VisaLetterRequest.status == Status(status))
    return list(db.session.scalars(stmt))


def counts(course: Course) -> dict[str, int]:
    """How many requests of the course are in each state, and ``all``."""
    rows = db.session.execute(
        sa.select(VisaLetterRequest.status, sa.func.count())
        .join(VisaLetterRequest.registration)
        .where(Registration.course_id == course.id)
        .group_by(VisaLetterRequest.status)
    )
    found = {status.value: 0 for status in Status}
    for status, count in rows:
        found[Status(status).value] = count
    found["all"] = sum(found.values())
    return found


def _lock_sequence(year: int) -> None:
    """Create the year's counter if need be and lock it until the transaction ends."""
    insert_or_ignore(VisaLetterSequence, year=year, last_number=0)
    db.session.execute(
        sa.update(VisaLetterSequence)
        .where(VisaLetterSequence.year == year)
        .values(last_number=VisaLetterSequence.last_number)
        .execution_options(synchronize_session=False)
    )


def _next_number(year: int) -> int:
    db.session.execute(
        sa.update(VisaLetterSequence)
        .where(VisaLetterSequence.year == year)
        .values(last_number=VisaLetterSequence.last_number + 1)
        .execution_options(synchronize_session=False)
    )
    return db.session.scalar(
        sa.select(VisaLetterSequence.last_number).where(VisaLetterSequence.year == year)
    )


def format_reference(year: int, number: int) -> str:
    return f"{REFERENCE_PREFIX}-{year}-{number:04d}"


def _free_code() -> str:
    for _attempt in range(_CODE_ATTEMPTS):
        code = new_code()
        taken = db.session.scalar(
            sa.select(VisaLetterRequest.id).where(VisaLetterRequest.code == code)
        )
        if taken is None:
            return code
    raise RuntimeError("could not find a free letter code")


def _leave_pending(request: VisaLetterRequest, **values: Any) -> bool:
    """Write ``values`` to the request if it is still pending, in one conditional UPDATE (which
    waits for, then sees, another transaction's decision on the row); False if someone decided
    or withdrew it first. The request is read again either way."""
    db.session.flush()
    changed = db.session.execute(
        sa.update(VisaLetterRequest)
        .where(VisaLetterRequest.id == request.id, VisaLetterRequest.status == Status.REQUESTED)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(request)
    return changed == 1


def _claim(request: VisaLetterRequest, actor: User, now: datetime) -> bool:
    return _leave_pending(request, status=Status.ISSUED, decided_at=now, decided_by_id=actor.id)


def _issue_claimed(request: VisaLetterRequest, year: int, issued_on: date) -> None:
    number = _next_number(year)
    request.reference_year = year
    request.reference_number = number
    request.reference = format_reference(year, number)
    request.code = _free_code()
    request.issued_on = issued_on
    db.session.flush()
    _mail(request, "visa_letter_issued")


def issue(request: VisaLetterRequest, *, actor: User, now: datetime | None = None) -> None:
    """Issue a pending request's letter, dated the venue's day, and tell the participant.
    Raises :class:`NotAllowed` unless it is pending (also when another organiser decided it a
    moment before)."""
    if request.status != Status.REQUESTED:
        raise NotAllowed(_l("Only a pending request can be issued."))
    now = now or now_utc()
    issued_on = local_date(now, request.registration.course.timezone)
    _lock_sequence(issued_on.year)
    if not _claim(request, actor, now):
        raise NotAllowed(_l("Someone else decided this request a moment ago."))
    _issue_claimed(request, issued_on.year, issued_on)
    logger.info("visa letter %s issued (%s) by %s", request.id, request.reference, actor.id)


def issue_all(
    course: Course, *, actor: User, now: datetime | None = None
) -> list[VisaLetterRequest]:
    """Issue every pending request of the course (each once, even if two organisers click at
    the same moment: those another organiser issued first are left out). The issued ones."""
    now = now or now_utc()
    db.session.flush()
    pending = course_requests(course, Status.REQUESTED.value)
    if not pending:
        return []
    issued_on = local_date(now, course.timezone)
    _lock_sequence(issued_on.year)
    issued = []
    for request in sorted(pending, key=lambda r: r.id):
        if _claim(request, actor, now):
            _issue_claimed(request, issued_on.year, issued_on)
            issued.append(request)
    logger.info("%d visa letters of course %s issued by %s", len(issued), course.id, actor.id)
    return issued


def _reason(raw: str | None, missing: Any) -> str:
    reason = " ".join((raw or "").split())
    if not reason:
        raise FieldErrors.single(missing, "reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise FieldErrors.single(_l("At most %(max)d characters.", max=REASON_MAX_LENGTH), "reason")
    return reason


def decline(
    request: VisaLetterRequest, reason: str, *, actor: User, now: datetime | None = None
) -> None:
    """Decline a pending request with the reason the participant is told."""
    if request.status != Status.REQUESTED:
        raise NotAllowed(_l("Only a pending request can be declined."))
    reason = _reason(reason, _l("Say why the request is declined: the participant is told."))
    now = now or now_utc()
    if not _leave_pending(
        request,
        status=Status.DECLINED,
        decided_at=now,
        decided_by_id=actor.id,
        decline_reason=reason,
    ):
        raise NotAllowed(_l("Someone else decided this request a moment ago."))
    _mail(request, "visa_letter_declined")
    logger.info("visa letter %s declined by %s", request.id, actor.id)


def revoke(
    request: VisaLetterRequest, reason: str, *, actor: User, now: datetime | None = None
) -> None:
    """Revoke an issued letter: its verification page says so, with the date."""
    if request.status != Status.ISSUED:
        raise NotAllowed(_l("Only an issued letter can be revoked."))
    if request.is_revoked:
        raise NotAllowed(_l("This letter is revoked already."))
    reason = _reason(reason, _l("Give the reason for revoking this letter."))
    request.revoked_at = now or now_utc()
    request.revoked_by = actor
    request.revocation_reason = reason
    db.session.flush()
    logger.info("visa letter %s revoked by %s: %s", request.id, actor.id, reason)


def _mail(request: VisaLetterRequest, template: str) -> None:
    registration = request.registration
    course = registration.course
    locale = registration.language
    queue_mail(
        registration.email,
        template,
        locale=locale,
        registration=registration,
        course=course,
        letter=request,
        course_title=course.title(locale),
        reference=request.reference,
        letter_url=external_url("visas.download", registration_id=registration.id),
        request_url=external_url("visas.my_request", registration_id=registration.id),
    )


# --- verification ----------------------------------------------------------------------------


def find_letter(raw_code: str) -> VisaLetterRequest | None:
    """The issued letter whose code this is, as typed (any case, with or without dashes)."""
    code = normalise_code(raw_code)
    if not code:
        return None
    return db.session.scalar(
        sa.select(VisaLetterRequest).where(
            VisaLetterRequest.code == code, VisaLetterRequest.status == Status.ISSUED
        )
    )


def verification_url(request: VisaLetterRequest) -> str:
    return external_url("visas.verify", code=format_code(request.code or ""))


# --- retention -------------------------------------------------------------------------------


def erase_after(course: Course, days: int) -> datetime:
    """From when a course's passport details are erased: the start of the venue's day that is
    ``days`` whole days after the course's last day."""
    return day_start_utc(course.end_date + timedelta(days=days + 1), course.timezone)
