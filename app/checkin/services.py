"""Check-in rules: each confirmed participant's code, finding people by code or name, and
marking them present for today at the venue.

A code is drawn at random (``secrets``) the first time it is needed (the confirmation mail,
"My courses", the badges), once per registration, whatever the requests racing to draw it.
It is only ever looked up within one course, among its confirmed participants: the same code
typed on another course's page finds nobody.

Checking in writes the participant's attendance row for today, the venue's date, and nothing
else: other days keep what they say. Two scans at the same moment write one row (the database
decides, through the attendance's unique registration and day); the second hears when the
first checked the person in. Services flush, never commit.
"""

from __future__ import annotations

import enum
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from app.accounts.models import User
from app.checkin.models import CheckinCode
from app.core.text import fold
from app.core.timeutil import local_date
from app.courses.models import Course
from app.extensions import db
from app.registration.models import Attendance, Registration, RegistrationStatus

# No 0/O, 1/I: a code read from a badge or a phone cannot be mistaken. 10 of 32 signs: 50
# random bits, and only the course's own team can try codes, one request at a time.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
CODE_GROUP = 5
_CODE_ATTEMPTS = 5
# What the search looks at, at most: a longer text is no name anyone types.
MAX_SEARCH = 100


# --- codes -----------------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """ABCDEFGHJK as ABCDE-FGHJK, for print, display and the QR code."""
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def normalise_code(raw: str) -> str:
    """A code as typed or scanned (any case, with or without dashes or spaces) as stored."""
    return re.sub(r"[\s\-–—]", "", raw).upper()


def _insert_or_ignore(model: type[db.Model], **values: object) -> int | None:
    """INSERT a row unless it breaks a unique constraint; the new row's id, or None when the
    database kept another (the request racing this one got there first)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = db.session.execute(
        insert(model)
        .values(**values)
        .on_conflict_do_nothing()
        # RETURNING says whether a row went in on every driver (rowcount is not dependable).
        .returning(model.id)  # type: ignore[attr-defined]
    )
    return result.scalar()


def _stored_codes(registration_ids: list[int]) -> dict[int, str]:
    if not registration_ids:
        return {}
    rows = db.session.execute(
        sa.select(CheckinCode.registration_id, CheckinCode.code).where(
            CheckinCode.registration_id.in_(registration_ids)
        )
    )
    return {registration_id: code for registration_id, code in rows}


def codes_for(registrations: Iterable[Registration]) -> dict[int, str]:
    """The check-in code (as stored) of each confirmed registration given, by registration id,
    drawn for those that have none yet. Other registrations get none."""
    wanted = [r.id for r in registrations if r.status == RegistrationStatus.CONFIRMED]
    codes = _stored_codes(wanted)
    for registration_id in wanted:
        attempts = 0
        while registration_id not in codes:
            if attempts == _CODE_ATTEMPTS:
                raise RuntimeError("could not find a free check-in code")
            attempts += 1
            # Ignored if another request gave it a code meanwhile (or, rarely, the code is
            # taken): then look again.
            _insert_or_ignore(CheckinCode, registration_id=registration_id, code=new_code())
            codes.update(_stored_codes([registration_id]))
    return codes


def code_for(registration: Registration) -> str | None:
    """The registration's check-in code, drawn now if needed; None unless it is confirmed."""
    return codes_for([registration]).get(registration.id)


# --- finding people --------------------------------------------------------------------------


def find_by_code(course: Course, raw: str) -> Registration | None:
    """The confirmed participant of ``course`` whose code this is, as typed or scanned."""
    code = normalise_code(raw)
    return db.session.scalar(
        sa.select(Registration)
        .join(CheckinCode, CheckinCode.registration_id == Registration.id)
        .where(
            CheckinCode.code == code,
            Registration.course_id == course.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    )


def search(course: Course, text: str) -> list[Registration]:
    """Confirmed participants of ``course`` whose name, organisation or email holds ``text``
    (case and accents aside), by name. Empty text finds nobody."""
    wanted = fold(text[:MAX_SEARCH])
    if not wanted:
        return []
    confirmed = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.course_id == course.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .order_by(Registration.certificate_name, Registration.id)
    )
    return [
        r
        for r in confirmed
        if any(wanted in fold(field) for field in (r.certificate_name, r.organisation, r.email))
    ]


# --- checking in -----------------------------------------------------------------------------


class Outcome(enum.StrEnum):
    CHECKED_IN = "checked_in"
    ALREADY = "already"
    NOT_A_PARTICIPANT = "not_a_participant"
    NOT_A_COURSE_DAY = "not_a_course_day"


@dataclass(frozen=True)
class CheckinResult:
    outcome: Outcome
    day: date
    registration: Registration | None = None
    # When the person was marked present (now, or by the earlier check-in).
    at: datetime | None = None


def venue_today(course: Course, now: datetime) -> date:
    """Today's date at the venue (what a check-in marks)."""
    return local_date(now, course.timezone)


def is_course_day(course: Course, now: datetime) -> bool:
    return venue_today(course, now) in course.day_dates


def _is_confirmed_in(registration: Registration | None, course: Course) -> bool:
    return (
        registration is not None
        and registration.course_id == course.id
        and registration.status == RegistrationStatus.CONFIRMED
    )


def check_in(
    course: Course, registration: Registration | None, *, actor: User, now: datetime
) -> CheckinResult:
    """Mark ``registration`` present today at the venue, recording ``actor`` and ``now``.

    Only a confirmed participant of ``course``, only on one of its days. Someone already
    present today stays as recorded (ALREADY, with the time of that check-in); someone recorded
    absent today becomes present."""
    day = venue_today(course, now)
    if day not in course.day_dates:
        return CheckinResult(Outcome.NOT_A_COURSE_DAY, day)
    if registration is None or not _is_confirmed_in(registration, course):
        return CheckinResult(Outcome.NOT_A_PARTICIPANT, day)
    marked = {"is_present": True, "recorded_by_id": actor.id, "recorded_at": now}
    inserted = _insert_or_ignore(Attendance, registration_id=registration.id, day=day, **marked)
    if inserted is None:
        # The row was there: recorded absent (the grid), or present already. Only the absent
        # one changes; of two scans at once, the database lets one UPDATE through.
        updated = db.session.execute(
            sa.update(Attendance)
            .where(
                Attendance.registration_id == registration.id,
                Attendance.day == day,
                Attendance.is_present.is_(False),
            )
            .values(**marked)
            .returning(Attendance.id)
        ).scalar()
        if updated is None:
            at = db.session.scalar(
                sa.select(Attendance.recorded_at).where(
                    Attendance.registration_id == registration.id, Attendance.day == day
                )
            )
            return CheckinResult(Outcome.ALREADY, day, registration, at)
    # The registration's loaded attendance (if any) no longer says what the table does.
    db.session.expire(registration, ["attendance"])
    return CheckinResult(Outcome.CHECKED_IN, day, registration, now)


def check_in_by_code(course: Course, raw: str, *, actor: User, now: datetime) -> CheckinResult:
    """``check_in`` of whoever ``raw`` names among the course's confirmed participants."""
    return check_in(course, find_by_code(course, raw), actor=actor, now=now)


def present_today(
    course: Course, registration_ids: list[int], now: datetime
) -> dict[int, datetime]:
    """When each of these registrations was marked present today at the venue (those who
    were), for the search results."""
    if not registration_ids:
        return {}
    rows = db.session.execute(
        sa.select(Attendance.registration_id, Attendance.recorded_at).where(
            Attendance.registration_id.in_(registration_ids),
            Attendance.day == venue_today(course, now),
            Attendance.is_present.is_(True),
        )
    )
    return {registration_id: at for registration_id, at in rows}
