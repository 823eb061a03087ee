"""Registration rules: applying, deciding, the waiting list and its offers, cancelling.

Capacity is a hard invariant: confirmed registrations plus seats held by open offers never
exceed the course's capacity. Every change that can take a seat first locks the course row
(``lock_seats``), so two workers cannot both take the last seat; the count is then read
inside the lock. Without a capacity (None) there is no limit and nobody waits for a seat. An
event may also take no registration at all (``RegistrationMode.NONE``): ``apply`` refuses it.
Services flush, never commit; mail goes to the outbox in the same transaction, so a message
exists only if the change it describes does.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.accounts.emails import normalise_email
from app.accounts.models import User
from app.core.timeutil import day_start_utc
from app.courses.models import Course, CourseStatus, RegistrationMode
from app.db import now_utc
from app.extensions import db
from app.registration.models import (
    Funding,
    Gender,
    OrganisationType,
    Registration,
    RegistrationEvent,
    RegistrationStatus,
)

S = RegistrationStatus


# ---------------------------------------------------------------------------
# Errors (messages are for the user)


class RegistrationError(Exception):
    message: Any = _l("This change is not possible.")

    def __init__(self, message: Any = None) -> None:
        super().__init__(str(message or self.message))
        if message is not None:
            self.message = message


class RegistrationClosed(RegistrationError):
    def __init__(self, reason: RegistrationClosedReason) -> None:
        super().__init__(reason.message)
        self.reason = reason


class AlreadyRegistered(RegistrationError):
    message = _l("You have already applied to this course.")

    def __init__(self, existing: Registration) -> None:
        super().__init__()
        self.existing = existing


class CourseFull(RegistrationError):
    message = _l("The course is full: no seat is left to confirm.")


class NotAllowed(RegistrationError):
    message = _l("This change is not possible in the registration's current state.")


class OfferExpired(RegistrationError):
    message = _l("This offer has expired, and the seat has gone to the next person.")


class RegistrationClosedReason(enum.StrEnum):
    NOT_PUBLISHED = "not_published"
    CANCELLED = "cancelled"
    NO_REGISTRATION = "no_registration"  # an event open to all (RegistrationMode.NONE)
    NOT_OPEN_YET = "not_open_yet"
    DEADLINE_PASSED = "deadline_passed"
    STARTED = "started"

    @property
    def message(self) -> Any:
        return {
            RegistrationClosedReason.NOT_PUBLISHED: _l("This course is not open to the public."),
            RegistrationClosedReason.CANCELLED: _l(
                "This course has been cancelled: registration is closed."
            ),
            RegistrationClosedReason.NO_REGISTRATION: _l("Open to all: no registration needed."),
            RegistrationClosedReason.NOT_OPEN_YET: _l(
                "Registration for this course is not open yet."
            ),
            RegistrationClosedReason.DEADLINE_PASSED: _l(
                "The closing date for applications has passed."
            ),
            RegistrationClosedReason.STARTED: _l("The course has already started."),
        }[self]

    def message_for(self, course: Course) -> Any:
        """The message in the words of the course's kind (an event is not a course)."""
        if not course.kind.is_event:
            return self.message
        return {
            RegistrationClosedReason.NOT_PUBLISHED: _l("This event is not open to the public."),
            RegistrationClosedReason.CANCELLED: _l(
                "This event has been cancelled: registration is closed."
            ),
            RegistrationClosedReason.NOT_OPEN_YET: _l(
                "Registration for this event is not open yet."
            ),
            RegistrationClosedReason.DEADLINE_PASSED: _l(
                "The closing date for registration has passed."
            ),
            RegistrationClosedReason.STARTED: _l("The event has already started."),
        }.get(self, self.message)


# ---------------------------------------------------------------------------
# What an application holds


@dataclass
class ApplicationData:
    """What a registration form hands to ``apply``. The first fields are asked by every form
    (the RSVP of an event asks only these); the full application also fills the others."""

    certificate_name: str
    email: str
    organisation: str
    language: str
    consent_data: bool
    consent_listing: bool = False
    consent_alumni: bool = False
    country: str | None = None
    nationality: str | None = None
    organisation_type: OrganisationType | None = None
    job_title: str = ""
    funding: Funding | None = None
    gender: Gender | None = None
    diet: str = ""
    accessibility: str = ""
    motivation: str = ""


# ---------------------------------------------------------------------------
# Reading


def course_start_utc(course: Course) -> datetime:
    """The first instant of the first day at the venue: the moment the course has started."""
    return day_start_utc(course.start_date, course.timezone)


def closed_reason(course: Course, now: datetime | None = None) -> RegistrationClosedReason | None:
    """Why applications are not accepted now, or None when they are."""
    now = now or now_utc()
    if course.status == CourseStatus.CANCELLED:
        return RegistrationClosedReason.CANCELLED
    if course.status != CourseStatus.PUBLISHED:
        return RegistrationClosedReason.NOT_PUBLISHED
    if course.registration_mode == RegistrationMode.NONE:
        return RegistrationClosedReason.NO_REGISTRATION
    if now >= course_start_utc(course):
        return RegistrationClosedReason.STARTED
    if course.registration_closes_at is not None and now >= course.registration_closes_at:
        return RegistrationClosedReason.DEADLINE_PASSED
    if course.registration_opens_at is None or now < course.registration_opens_at:
        return RegistrationClosedReason.NOT_OPEN_YET
    return None


def _holds_seat() -> sa.ColumnElement[bool]:
    """Confirmed, or waitlisted with an open offer (the seat is kept for them)."""
    return sa.or_(
        Registration.status == S.CONFIRMED,
        sa.and_(Registration.status == S.WAITLISTED, Registration.offer_expires_at.is_not(None)),
    )


def seats_held(course: Course) -> int:
    """Seats taken or held for an offer, counted in the database."""
    stmt = sa.select(sa.func.count()).where(Registration.course_id == course.id, _holds_seat())
    return db.session.scalar(stmt) or 0


def seats_held_by_course(course_ids: list[int]) -> dict[int, int]:
    """seats_held for many courses in one query (catalogue lists)."""
    if not course_ids:
        return {}
    stmt = (
        sa.select(Registration.course_id, sa.func.count())
        .where(Registration.course_id.in_(course_ids), _holds_seat())
        .group_by(Registration.course_id)
    )
    return {course_id: count for course_id, count in db.session.execute(stmt)}


def seats_left(course: Course) -> int | None:
    """Free seats, or None when the course sets no limit."""
    if course.capacity is None:
        return None
    return max(course.capacity - seats_held(course), 0)


def find_registration(course: Course, user: User) -> Registration | None:
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.course_id == course.id, Registration.user_id == user.id
        )
    )


def latest_organisation(user: User) -> str:
    """The organisation the user gave in their latest registration ("" if none), to prefill
    the next form."""
    return (
        db.session.scalar(
            sa.select(Registration.organisation)
            .where(Registration.user_id == user.id)
            .order_by(Registration.created_at.desc(), Registration.id.desc())
            .limit(1)
        )
        or ""
    )


def waitlist(course: Course) -> list[Registration]:
    """The waiting list in order (those holding an offer included)."""
    stmt = (
        sa.select(Registration)
        .where(Registration.course_id == course.id, Registration.status == S.WAITLISTED)
        .order_by(Registration.waitlist_position, Registration.id)
    )
    return list(db.session.scalars(stmt))


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first person waiting, or None when not on the list."""
    if registration.status != S.WAITLISTED or registration.waitlist_position is None:
        return None
    ahead = db.session.scalar(
        sa.select(sa.func.count()).where(
            Registration.course_id == registration.course_id,
            Registration.status == S.WAITLISTED,
            sa.or_(
                Registration.waitlist_position < registration.waitlist_position,
                sa.and_(
                    Registration.waitlist_position == registration.waitlist_position,
                    Registration.id < registration.id,
                ),
            ),
        )
    )
    return (ahead or 0) + 1


# ---------------------------------------------------------------------------
# Locking


def lock_seats(course: Course) -> None:
    """Serialise every seat-taking change of this course until the transaction ends.

    PostgreSQL: a row lock on the course (SELECT … FOR UPDATE). SQLite has no row locks; a
    no-op UPDATE of the course row takes the database's write lock at once, so a concurrent
    writer waits (busy timeout) instead of reading a count that is about to change. It sets
    ``updated_at`` to itself, or the column's onupdate would date the course (and its feeds'
    Last-Modified) by every application.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            sa.update(Course)
            .where(Course.id == course.id)
            .values(id=Course.id, updated_at=Course.updated_at)
        )
    else:
        db.session.execute(sa.select(Course.id).where(Course.id == course.id).with_for_update())


# ---------------------------------------------------------------------------
# Changing


def _record(
    registration: Registration,
    action: str,
    *,
    actor: User | None,
    before: RegistrationStatus | None,
    note: str = "",
) -> None:
    registration.events.append(
        RegistrationEvent(
            actor_id=actor.id if actor is not None else None,
            action=action,
            from_status=before,
            to_status=registration.status,
            note=note[:500],
        )
    )


def _notify(registration: Registration, template: str, **context: Any) -> None:
    # Imported here: the mail module renders templates that import from this area.
    from app.registration.notifications import notify

    notify(registration, template, **context)


def _next_waitlist_position(course: Course) -> int:
    highest = db.session.scalar(
        sa.select(sa.func.max(Registration.waitlist_position)).where(
            Registration.course_id == course.id
        )
    )
    return (highest or 0) + 1


def _set_status(
    registration: Registration,
    status: RegistrationStatus,
    *,
    actor: User | None,
    action: str,
    note: str = "",
) -> None:
    before = registration.status
    registration.status = status
    if status == S.WAITLISTED:
        if registration.waitlist_position is None:
            registration.waitlist_position = _next_waitlist_position(registration.course)
    else:
        registration.waitlist_position = None
        registration.offer_expires_at = None
    if status in (S.CONFIRMED, S.REJECTED, S.WAITLISTED):
        registration.decided_at = now_utc()
    _record(registration, action, actor=actor, before=before, note=note)


def apply(
    course: Course, user: User, data: ApplicationData, *, now: datetime | None = None
) -> Registration:
    """A new application: confirmed while seats remain (or submitted for approval), waitlisted
    when the course is full. Raises RegistrationClosed or AlreadyRegistered."""
    now = now or now_utc()
    reason = closed_reason(course, now)
    if reason is not None:
        raise RegistrationClosed(reason)
    existing = find_registration(course, user)
    if existing is not None and not can_apply_again(existing):
        raise AlreadyRegistered(existing)
    if not data.consent_data:
        raise RegistrationError(
            _l("Your consent to the processing of your data is needed to apply.")
        )

    lock_seats(course)
    if existing is not None:
        registration = _reopen(existing, data, user=user, now=now)
    else:
        # Submitted (the column's default) until the seats are counted below.
        registration = Registration(course=course, user=user, **registration_fields(data))
        if data.consent_alumni:
            registration.consent_alumni_changed_at = now
        db.session.add(registration)
        try:
            db.session.flush()
        except sa.exc.IntegrityError:
            # The same person applied twice at once; the database kept the first.
            db.session.rollback()
            existing = find_registration(course, user)
            assert existing is not None
            raise AlreadyRegistered(existing) from None
        _record(registration, "submitted", actor=user, before=None)
    _record_consent(registration, now)
    if _waits_for_endorsement(course):
        # Held, taking no seat and no place in line, until the employer endorses it; then
        # ``admit`` places it as ``_place`` does (app.endorsement.services mails the applicant).
        db.session.flush()
    else:
        _place(registration)
    return registration


def can_apply_again(registration: Registration) -> bool:
    """Whether the person may apply again to the same course (while it takes applications):
    after withdrawing, declining an offer or letting it expire. Not after an organiser
    cancelled the registration (that was the course team's decision: they are asked), nor
    once an employer took part (the endorsement cannot be asked twice)."""
    if registration.status != S.CANCELLED:
        return False
    last = next((e for e in reversed(registration.events) if e.to_status == S.CANCELLED), None)
    if last is not None and last.actor_id not in (None, registration.user_id):
        return False
    from app.endorsement.services import endorsement_of

    return endorsement_of(registration) is None


def _reopen(
    registration: Registration, data: ApplicationData, *, user: User, now: datetime
) -> Registration:
    """A cancelled registration applied for again: the same row (one per person and course)
    with the new answers, placed afresh by the caller; its history is kept and says so."""
    before = registration.status
    consent_before = registration.consent_alumni
    for name, value in registration_fields(data).items():
        setattr(registration, name, value)
    if data.consent_alumni != consent_before:
        registration.consent_alumni_changed_at = now
    registration.status = S.SUBMITTED
    registration.waitlist_position = None
    registration.offer_expires_at = None
    registration.decided_at = None
    # The date of this application (the desk's "applied"); the first is in the history.
    registration.created_at = now
    _record(registration, "reapplied", actor=user, before=before)
    db.session.flush()
    return registration


def _place(registration: Registration) -> None:
    """A new application's first place, the seats locked: the end of the waiting list when the
    course is full, else submitted for approval or a seat; the applicant is told which."""
    course = registration.course
    if seats_left(course) == 0:
        _set_status(registration, S.WAITLISTED, actor=None, action="waitlisted")
        db.session.flush()
        _notify(registration, "waitlisted", position=waitlist_position(registration))
    elif course.requires_approval:
        db.session.flush()
        _notify(registration, "submitted")
    else:
        _set_status(registration, S.CONFIRMED, actor=None, action="confirmed")
        db.session.flush()
        _notify(registration, "confirmed")


def _record_consent(registration: Registration, now: datetime) -> None:
    # Imported here: the privacy area builds on registrations.
    from app.privacy.models import ConsentContext
    from app.privacy.notices import record_consent

    record_consent(
        registration.user, ConsentContext.APPLICATION, course=registration.course, now=now
    )


def _waits_for_endorsement(course: Course) -> bool:
    from app.endorsement.services import is_required

    return is_required(course)


def registration_fields(data: ApplicationData) -> dict[str, Any]:
    return {
        "certificate_name": " ".join(data.certificate_name.split()),
        "email": normalise_email(data.email),
        "country": data.country or None,
        "nationality": data.nationality or None,
        "organisation": data.organisation.strip(),
        "organisation_type": data.organisation_type,
        "job_title": data.job_title.strip(),
        "gender": data.gender,
        "language": data.language,
        "diet": data.diet.strip(),
        "accessibility": data.accessibility.strip(),
        "motivation": data.motivation.strip(),
        "funding": data.funding,
        "consent_data": data.consent_data,
        "consent_listing": data.consent_listing,
        "consent_alumni": data.consent_alumni,
    }


def note_in_history(
    registration: Registration, action: str, *, actor: User | None, note: str
) -> None:
    """Record a change other areas make beside the status (an endorsement) in the history."""
    _record(registration, action, actor=actor, before=registration.status, note=note)


def _check_endorsed(registration: Registration) -> None:
    # Imported here: the endorsement rules build on these.
    from app.endorsement.services import check_decidable

    check_decidable(registration)


def admit(registration: Registration, *, now: datetime | None = None) -> None:
    """The rules of ``apply`` for a submitted application held back until now (waiting for
    its endorsement): the end of the waiting list when the course is full, else submitted for
    approval or a seat. A course that has started or is no longer published leaves it
    submitted for the organisers to decide."""
    now = now or now_utc()
    course = registration.course
    if registration.status != S.SUBMITTED:
        raise NotAllowed()
    if course.status != CourseStatus.PUBLISHED or now >= course_start_utc(course):
        return
    lock_seats(course)
    db.session.refresh(registration)
    _place(registration)


def confirm(registration: Registration, *, actor: User, message: str = "") -> None:
    """An organiser confirms a submitted or waitlisted application, if a seat is free.
    ``message``, if any, goes into the mail and the history (so for the other decisions)."""
    if registration.status not in (S.SUBMITTED, S.WAITLISTED):
        raise NotAllowed()
    _check_endorsed(registration)
    course = registration.course
    lock_seats(course)
    db.session.refresh(registration)
    held_by_self = 1 if registration.has_offer else 0
    if course.capacity is not None and seats_held(course) - held_by_self >= course.capacity:
        raise CourseFull()
    was_waiting = registration.status == S.WAITLISTED
    _set_status(registration, S.CONFIRMED, actor=actor, action="confirmed", note=message)
    db.session.flush()
    _notify(registration, "promoted" if was_waiting else "confirmed", message=message)


def put_on_waitlist(registration: Registration, *, actor: User, message: str = "") -> None:
    if registration.status != S.SUBMITTED:
        raise NotAllowed()
    _check_endorsed(registration)
    _set_status(registration, S.WAITLISTED, actor=actor, action="waitlisted", note=message)
    db.session.flush()
    _notify(registration, "waitlisted", position=waitlist_position(registration), message=message)


def reject(registration: Registration, *, actor: User, note: str = "", message: str = "") -> None:
    """``note`` is for the history only; ``message`` goes to the applicant and the history."""
    if registration.status not in (S.SUBMITTED, S.WAITLISTED):
        raise NotAllowed()
    had_offer = registration.has_offer
    _set_status(registration, S.REJECTED, actor=actor, action="rejected", note=note or message)
    db.session.flush()
    _notify(registration, "rejected", message=message)
    if had_offer:
        fill_free_seats(registration.course)


def cancel(registration: Registration, *, actor: User, now: datetime | None = None) -> None:
    """Withdraw an application or give up a seat. Participants may do so until the course
    starts; organisers at any time. A freed seat goes to the waiting list at once."""
    now = now or now_utc()
    if registration.status not in (S.SUBMITTED, S.CONFIRMED, S.WAITLISTED):
        raise NotAllowed()
    is_own = actor.id == registration.user_id
    if is_own and now >= course_start_utc(registration.course):
        raise NotAllowed(
            _l("The course has started: ask the organisers to cancel your registration.")
        )
    freed = registration.status == S.CONFIRMED or registration.has_offer
    course = registration.course
    if freed:
        lock_seats(course)
    _set_status(registration, S.CANCELLED, actor=actor, action="cancelled")
    db.session.flush()
    _notify(registration, "cancelled", by_participant=is_own)
    if freed:
        fill_free_seats(course, now=now)


def fill_free_seats(course: Course, *, now: datetime | None = None) -> None:
    """Give free seats to the waiting list in order: a confirmed seat at once, or an offer to
    accept within the course's offer time. Call with the seats locked (lock_seats)."""
    now = now or now_utc()
    lock_seats(course)
    if course.status != CourseStatus.PUBLISHED or now >= course_start_utc(course):
        return
    # Those holding an offer have their seat already; the next ones in line get the free ones.
    waiting = [r for r in waitlist(course) if not r.has_offer]
    free = len(waiting) if course.capacity is None else course.capacity - seats_held(course)
    for registration in waiting[: max(free, 0)]:
        if course.waitlist_offers:
            registration.offer_expires_at = now + timedelta(hours=course.offer_hours)
            _record(registration, "offered", actor=None, before=registration.status)
            db.session.flush()
            _notify(registration, "offered", expires_at=registration.offer_expires_at)
        else:
            _set_status(registration, S.CONFIRMED, actor=None, action="promoted")
            db.session.flush()
            _notify(registration, "promoted")


def accept_offer(registration: Registration, *, actor: User, now: datetime | None = None) -> None:
    now = now or now_utc()
    if not registration.has_offer:
        raise NotAllowed()
    assert registration.offer_expires_at is not None
    if now >= registration.offer_expires_at:
        expire_offer(registration, now=now)
        raise OfferExpired()
    lock_seats(registration.course)
    _set_status(registration, S.CONFIRMED, actor=actor, action="offer_accepted")
    db.session.flush()
    _notify(registration, "confirmed")


def decline_offer(registration: Registration, *, actor: User, now: datetime | None = None) -> None:
    if not registration.has_offer:
        raise NotAllowed()
    lock_seats(registration.course)
    _set_status(registration, S.CANCELLED, actor=actor, action="offer_declined")
    db.session.flush()
    _notify(registration, "cancelled", by_participant=True)
    fill_free_seats(registration.course, now=now)


def expire_offer(registration: Registration, *, now: datetime | None = None) -> None:
    """An offer not taken in time: the person leaves the list and the seat passes on."""
    lock_seats(registration.course)
    _set_status(registration, S.CANCELLED, actor=None, action="offer_expired")
    db.session.flush()
    _notify(registration, "offer_expired")
    fill_free_seats(registration.course, now=now)


def expire_offers(now: datetime | None = None) -> int:
    """Expire every offer past its time (the periodic command calls this)."""
    now = now or now_utc()
    due = db.session.scalars(
        sa.select(Registration).where(
            Registration.status == S.WAITLISTED, Registration.offer_expires_at <= now
        )
    ).all()
    for registration in due:
        expire_offer(registration, now=now)
    return len(due)


def move_on_waitlist(registration: Registration, direction: str, *, actor: User) -> None:
    """Swap places with the neighbour above ("up") or below ("down")."""
    if registration.status != S.WAITLISTED:
        raise NotAllowed()
    queue = waitlist(registration.course)
    index = queue.index(registration)
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(queue):
        return
    other = queue[other_index]
    # Renumber the whole list so equal positions cannot make the swap a no-op.
    for position, item in enumerate(queue, start=1):
        item.waitlist_position = position
    registration.waitlist_position, other.waitlist_position = (
        other.waitlist_position,
        registration.waitlist_position,
    )
    _record(registration, f"moved_{direction}", actor=actor, before=registration.status)
    db.session.flush()


def update_special_needs(
    registration: Registration, *, diet: str, accessibility: str, actor: User
) -> None:
    if registration.status in (S.CANCELLED, S.REJECTED):
        raise NotAllowed()
    registration.diet = diet.strip()
    registration.accessibility = accessibility.strip()
    _record(registration, "needs_updated", actor=actor, before=registration.status)
    db.session.flush()


def tell_course_cancelled(course: Course) -> int:
    """Mail everyone with a live application that the course is cancelled; returns how many."""
    live = db.session.scalars(
        sa.select(Registration).where(
            Registration.course_id == course.id,
            Registration.status.in_([S.SUBMITTED, S.CONFIRMED, S.WAITLISTED]),
        )
    ).all()
    for registration in live:
        _notify(registration, "course_cancelled")
    return len(live)


def confirmed_count(course: Course) -> int:
    """How many confirmed participants a change of the course's dates would tell."""
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                Registration.course_id == course.id, Registration.status == S.CONFIRMED
            )
        )
        or 0
    )


def tell_course_moved(course: Course, old_start: date, old_end: date) -> int:
    """Mail each confirmed participant, in their language, the course's new dates (with the
    moved programme attached); returns how many were told."""
    confirmed = db.session.scalars(
        sa.select(Registration)
        .where(Registration.course_id == course.id, Registration.status == S.CONFIRMED)
        .order_by(Registration.id)
    ).all()
    for registration in confirmed:
        _notify(registration, "course_moved", old_start=old_start, old_end=old_end)
    return len(confirmed)
