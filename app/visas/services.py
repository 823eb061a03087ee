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
import re
from dataclasses import dataclass
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
from app.registration.forms import country_names
from app.registration.models import Registration, RegistrationStatus
from app.visas.models import (
    CONSULATE_CITY_MAX,
    LETTER_LANGUAGES,
    PASSPORT_NAME_MAX,
    PASSPORT_NUMBER_MAX,
    PASSPORT_NUMBER_MIN,
    REASON_MAX_LENGTH,
    VisaLetterRequest,
    VisaLetterSequence,
)
from app.visas.models import VisaRequestStatus as Status

if TYPE_CHECKING:
    from app.accounts.models import User

logger = logging.getLogger(__name__)

REFERENCE_PREFIX = "VISA"
# A date of birth is refused beyond these: a typo (2019 for 1991) or a probe.
MAX_AGE_YEARS = 120
MIN_AGE_YEARS = 14
PASSPORT_NUMBER = re.compile(rf"[A-Z0-9]{{{PASSPORT_NUMBER_MIN},{PASSPORT_NUMBER_MAX}}}")
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


# --- the details -----------------------------------------------------------------------------


@dataclass
class LetterDetails:
    """What the participant sent, as the form hands it over."""

    passport_name: str = ""
    passport_number: str = ""
    nationality: str = ""
    birth_date: date | None = None
    passport_expires_on: date | None = None
    consulate_city: str = ""
    consulate_country: str = ""
    language: str = "en"


def normalise_passport_number(raw: str) -> str:
    """As typed (spaces, dashes, any case) to as stored: letters and digits, upper case."""
    return re.sub(r"[\s\-]", "", raw or "").upper()


def passport_number_problem(raw: str | None) -> Any | None:
    """What is wrong with a passport number as typed; None when it is fine."""
    number = normalise_passport_number(raw or "")
    if not number:
        return _l("Give your passport number.")
    if not PASSPORT_NUMBER.fullmatch(number):
        return _l(
            "A passport number has %(min)d to %(max)d letters and digits (no other signs).",
            min=PASSPORT_NUMBER_MIN,
            max=PASSPORT_NUMBER_MAX,
        )
    return None


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def clean_details(details: LetterDetails, course: Course, *, today: date) -> LetterDetails:
    """The details checked and tidied (names on one line, the passport number in capitals),
    or :class:`FieldErrors` naming each field that is wrong."""
    errors: dict[str | None, list[Any]] = {}
    countries = country_names("en")

    name = " ".join((details.passport_name or "").split())
    if not name:
        errors["passport_name"] = [_l("Give your name exactly as it is written in your passport.")]
    elif len(name) > PASSPORT_NAME_MAX:
        errors["passport_name"] = [_l("At most %(max)d characters.", max=PASSPORT_NAME_MAX)]

    number = normalise_passport_number(details.passport_number)
    problem = passport_number_problem(details.passport_number)
    if problem is not None:
        errors["passport_number"] = [problem]

    if details.nationality not in countries:
        errors["nationality"] = [_l("Choose your nationality.")]

    born = details.birth_date
    if born is None:
        errors["birth_date"] = [_l("Give your date of birth.")]
    elif born >= today:
        errors["birth_date"] = [_l("A date of birth is in the past.")]
    elif born < _years_before(today, MAX_AGE_YEARS):
        errors["birth_date"] = [
            _l("This date is more than %(years)d years ago: check the year.", years=MAX_AGE_YEARS)
        ]
    elif born > _years_before(today, MIN_AGE_YEARS):
        errors["birth_date"] = [
            _l(
                "Participants are at least %(years)d years old: check the year.",
                years=MIN_AGE_YEARS,
            )
        ]

    expires = details.passport_expires_on
    if expires is not None and expires <= course.end_date:
        errors["passport_expires_on"] = [
            _l(
                "Your passport expires before the end of the course: a consulate asks for a "
                "passport valid beyond your stay. Renew it first."
            )
        ]

    city = " ".join((details.consulate_city or "").split())
    if not city:
        errors["consulate_city"] = [_l("Give the city of the consulate where you apply.")]
    elif len(city) > CONSULATE_CITY_MAX:
        errors["consulate_city"] = [_l("At most %(max)d characters.", max=CONSULATE_CITY_MAX)]
    if details.consulate_country not in countries:
        errors["consulate_country"] = [_l("Choose the country of the consulate.")]

    if details.language not in LETTER_LANGUAGES:
        errors["language"] = [_l("Letters are written in English or French.")]

    if errors:
        raise FieldErrors(errors)
    return LetterDetails(
        passport_name=name,
        passport_number=number,
        nationality=details.nationality,
        birth_date=born,
        passport_expires_on=expires,
        consulate_city=city,
        consulate_country=details.consulate_country,
        language=details.language,
    )


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
