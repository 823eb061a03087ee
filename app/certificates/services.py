"""Certificates of participation: who may have one, issuing it once, and finding it by code.

A confirmed participant may have a certificate once the course has ended, if they attended the
on-site days the course asks for (``course.required_attendance_days``) and the organisers have
marked every follow-up activity flagged as required as completed for them, and, where the
organisers made it a condition, they have completed the end-of-course evaluation. Events
(``course.kind.is_event``) have none. A certificate is issued once per registration and keeps
the name as it stood then; its code, printed on it, lets anyone check it at
``/certificates/<code>``.

The date printed on a certificate is the course's last on-site day, or, when the participant
met the last condition later (a required hand-in completed, the evaluation answered), the
venue's local date of that moment: never the day it was first downloaded. Attendance counts by
the on-site days it records, all on or before the last one, whenever the grid was filled in.

An organiser may revoke a certificate with a reason (its verification page then says so and
nobody can download it) and reinstate it; issuing again never replaces a revoked certificate.

Services flush, never commit, and take the actor and ``now`` as arguments.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.certificates.models import REASON_MAX_LENGTH, Certificate
from app.core.rules import FieldErrors
from app.core.timeutil import day_start_utc, local_date
from app.courses.models import Course
from app.db import now_utc
from app.evaluation import services as evaluation_services
from app.evaluation.models import Evaluation, EvaluationCompletion
from app.extensions import db
from app.followup.models import FollowupActivity, Submission
from app.followup.services import activities_in_order
from app.followup.submissions import confirmed_participants, insert_or_ignore
from app.registration.models import Registration, RegistrationStatus

if TYPE_CHECKING:
    from app.accounts.models import User

logger = logging.getLogger(__name__)

# No 0/O, 1/I: a code read aloud or typed from paper cannot be mistaken.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
CODE_GROUP = 4
_CODE_ATTEMPTS = 5


# --- errors ----------------------------------------------------------------------------------


class NotEligible(Exception):
    """The registration does not (yet) qualify for a certificate."""

    def __init__(self, eligibility: Eligibility) -> None:
        self.eligibility = eligibility
        super().__init__("; ".join(str(reason) for reason in eligibility.reasons))


# --- codes -----------------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """ABCDEFGHJKLM as ABCD-EFGH-JKLM, for print and display."""
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def normalise_code(raw: str) -> str:
    """A code as typed (any case, with or without dashes or spaces) as stored."""
    return re.sub(r"[\s\-–—]", "", raw).upper()


def find_certificate(raw_code: str) -> Certificate | None:
    """The certificate whose code this is, as typed. Codes are only ever stored as
    :func:`new_code` draws them, so any other text simply finds nothing."""
    code = normalise_code(raw_code)
    return db.session.scalar(sa.select(Certificate).where(Certificate.code == code))


# --- eligibility -----------------------------------------------------------------------------


def course_end_utc(course: Course) -> datetime:
    """When the on-site week is over: the end of the last session held on the last day (one
    running past midnight included), or, without a timetable that day, the start of the day
    after it at the venue."""
    tz = course.timezone
    ends = [s.ends_at for s in course.sessions if local_date(s.starts_at, tz) == course.end_date]
    return max(ends) if ends else day_start_utc(course.end_date + timedelta(days=1), tz)


@dataclass
class Eligibility:
    """Whether a registration qualifies for a certificate, and if not, what is missing."""

    days_attended: int
    days_required: int
    missing_activities: list[FollowupActivity] = field(default_factory=list)
    evaluation_missing: bool = False
    reasons: list[Any] = field(default_factory=list)

    @property
    def is_eligible(self) -> bool:
        return not self.reasons

    def __bool__(self) -> bool:
        return self.is_eligible


def days_attended(registration: Registration) -> int:
    """On-site days the participant was marked present on."""
    return len(registration.days_present() & set(registration.course.day_dates))


def _completed_activity_ids(registration: Registration) -> set[int]:
    stmt = sa.select(Submission.activity_id).where(
        Submission.registration_id == registration.id, Submission.completed_at.is_not(None)
    )
    return set(db.session.scalars(stmt))


def certificate_eligibility(
    registration: Registration,
    *,
    now: datetime | None = None,
    completed: set[int] | None = None,
    evaluation_missing: bool | None = None,
) -> Eligibility:
    """What ``registration`` still lacks for a certificate (nothing when eligible).

    ``completed`` (activity ids completed for this registration) and ``evaluation_missing``
    (the evaluation is a condition and this registration has not completed it) may be passed
    by callers that loaded them for many registrations at once."""
    now = now or now_utc()
    course = registration.course
    attended = days_attended(registration)
    required_days = course.required_attendance_days
    result = Eligibility(days_attended=attended, days_required=required_days)
    if course.kind.is_event:
        result.reasons.append(_l("Events have no certificate of participation."))
        return result
    if registration.status != RegistrationStatus.CONFIRMED:
        result.reasons.append(
            _l(
                "Certificates are for confirmed participants (this registration is: %(status)s).",
                status=registration.status.label,
            )
        )
    if now < course_end_utc(course):
        result.reasons.append(_l("The course has not ended yet."))
    if attended < required_days:
        result.reasons.append(
            _l(
                "Attended %(attended)d of the %(required)d on-site days required "
                "(out of %(days)d).",
                attended=attended,
                required=required_days,
                days=course.days,
            )
        )
    if completed is None:
        completed = _completed_activity_ids(registration)
    result.missing_activities = [
        activity
        for activity in activities_in_order(course)
        if activity.is_required and activity.id not in completed
    ]
    if result.missing_activities:
        result.reasons.append(
            _l(
                "Required follow-up activities not completed yet: %(titles)s.",
                titles=", ".join(f"“{a.title}”" for a in result.missing_activities),
            )
        )
    if evaluation_missing is None:
        evaluation_missing = evaluation_services.blocks_certificate(registration)
    result.evaluation_missing = evaluation_missing
    if evaluation_missing:
        result.reasons.append(
            _l(
                "Evaluation not completed yet: answer the end-of-course evaluation (linked "
                "from “My courses”) while it is open."
            )
        )
    return result


def course_certificates(
    course: Course, *, now: datetime | None = None
) -> list[tuple[Registration, Eligibility, Certificate | None]]:
    """Each confirmed participant with their eligibility and certificate (if issued)."""
    now = now or now_utc()
    participants = confirmed_participants(course)
    if not participants:
        return []
    ids = [r.id for r in participants]
    completed: dict[int, set[int]] = {i: set() for i in ids}
    rows = db.session.execute(
        sa.select(Submission.registration_id, Submission.activity_id).where(
            Submission.registration_id.in_(ids), Submission.completed_at.is_not(None)
        )
    )
    for registration_id, activity_id in rows:
        completed[registration_id].add(activity_id)
    evaluation_required = evaluation_services.is_required_for_certificate(course)
    evaluated = (
        evaluation_services.completed_registration_ids(course) if evaluation_required else set()
    )
    certificates = {
        c.registration_id: c
        for c in db.session.scalars(
            sa.select(Certificate).where(Certificate.registration_id.in_(ids))
        )
    }
    return [
        (
            registration,
            certificate_eligibility(
                registration,
                now=now,
                completed=completed[registration.id],
                evaluation_missing=evaluation_required and registration.id not in evaluated,
            ),
            certificates.get(registration.id),
        )
        for registration in participants
    ]


# --- issuing ---------------------------------------------------------------------------------


def existing_certificate(registration: Registration) -> Certificate | None:
    return db.session.scalar(
        sa.select(Certificate).where(Certificate.registration_id == registration.id)
    )


def _last_condition_met_at(registration: Registration) -> datetime | None:
    """When the participant met the last of the conditions that come after the on-site days:
    the latest completion of a required follow-up activity, and of the evaluation when it is a
    condition. None when the course asks for neither."""
    required = sa.select(FollowupActivity.id).where(
        FollowupActivity.course_id == registration.course_id,
        FollowupActivity.is_required.is_(True),
    )
    moments = [
        db.session.scalar(
            sa.select(sa.func.max(Submission.completed_at)).where(
                Submission.registration_id == registration.id,
                Submission.activity_id.in_(required),
            )
        )
    ]
    if evaluation_services.is_required_for_certificate(registration.course):
        moments.append(
            db.session.scalar(
                sa.select(EvaluationCompletion.completed_at)
                .join(Evaluation, EvaluationCompletion.evaluation_id == Evaluation.id)
                .where(
                    EvaluationCompletion.registration_id == registration.id,
                    Evaluation.course_id == registration.course_id,
                )
            )
        )
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def issue_date(registration: Registration) -> date:
    """The date a certificate for ``registration`` carries: the course's last on-site day, or
    the venue's local day the participant met the last condition, if that is later."""
    course = registration.course
    met_at = _last_condition_met_at(registration)
    if met_at is None:
        return course.end_date
    return max(course.end_date, local_date(met_at, course.timezone))


def issue_certificate(
    registration: Registration, *, actor: Any = None, now: datetime | None = None
) -> Certificate:
    """The registration's certificate, issued now if it has none (raises :class:`NotEligible`
    when it does not qualify). Issuing twice, even at the same moment, gives one certificate."""
    found = existing_certificate(registration)
    if found is not None:
        return found  # revoked or not: only an organiser's reinstatement makes it valid again
    now = now or now_utc()
    eligibility = certificate_eligibility(registration, now=now)
    if not eligibility:
        raise NotEligible(eligibility)
    issued_on = issue_date(registration)
    for _attempt in range(_CODE_ATTEMPTS):
        # Ignored if the registration got a certificate meanwhile (or, rarely, the code is
        # taken): then look again.
        insert_or_ignore(
            Certificate,
            registration_id=registration.id,
            code=new_code(),
            name=registration.certificate_name,
            issued_at=now,
            issued_on=issued_on,
        )
        found = existing_certificate(registration)
        if found is None:
            continue
        db.session.expire(registration, ["certificate"])
        logger.info(
            "certificate %s issued for registration %s by %s",
            found.id,
            registration.id,
            getattr(actor, "id", actor),
        )
        return found
    raise RuntimeError("could not find a free certificate code")


def issue_all(
    course: Course, *, actor: Any = None, now: datetime | None = None
) -> list[Certificate]:
    """Every certificate of the course's confirmed participants that may be printed, by name:
    those already issued and not revoked, and new ones for those who qualify and have none
    (each issued once, as :func:`issue_certificate` does, even if two organisers click at the
    same moment). Revoked ones stay revoked and are left out."""
    now = now or now_utc()
    certificates = []
    for registration, eligibility, certificate in course_certificates(course, now=now):
        if certificate is None and eligibility:
            certificate = issue_certificate(registration, actor=actor, now=now)
        if certificate is not None and not certificate.is_revoked:
            certificates.append(certificate)
    return certificates


# --- revoking --------------------------------------------------------------------------------


def revoke_certificate(
    certificate: Certificate, reason: str, *, actor: User, now: datetime | None = None
) -> None:
    """Revoke ``certificate``: its verification page says so, with ``reason``, and it can no
    longer be downloaded. Raises :class:`FieldErrors` (field ``reason``) without a reason or
    when it is revoked already."""
    reason = " ".join(reason.split())
    if certificate.is_revoked:
        raise FieldErrors.single(_l("This certificate is revoked already."), "reason")
    if not reason:
        raise FieldErrors.single(_l("Give the reason for revoking this certificate."), "reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise FieldErrors.single(_l("At most %(max)d characters.", max=REASON_MAX_LENGTH), "reason")
    certificate.revoked_at = now or now_utc()
    certificate.revoked_by = actor
    certificate.revocation_reason = reason
    db.session.flush()
    logger.info("certificate %s revoked by %s: %s", certificate.id, actor.id, reason)


def reinstate_certificate(
    certificate: Certificate, *, actor: User, now: datetime | None = None
) -> None:
    """Make a revoked certificate valid again, with its code and date unchanged (printed copies
    are valid again). The reinstatement is recorded; the revocation is cleared."""
    if not certificate.is_revoked:
        raise FieldErrors.single(_l("This certificate is not revoked."))
    logger.info(
        "certificate %s reinstated by %s (revoked on %s by %s: %s)",
        certificate.id,
        actor.id,
        certificate.revoked_at.isoformat(),
        certificate.revoked_by_id,
        certificate.revocation_reason,
    )
    certificate.reinstated_at = now or now_utc()
    certificate.reinstated_by = actor
    certificate.revoked_at = None
    certificate.revoked_by = None
    certificate.revocation_reason = ""
    db.session.flush()
