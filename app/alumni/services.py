"""Rules of the alumni: consent, inviting a past course's participants, prefilling.

Consent: "You may tell me about later editions and related events" is asked, unticked, with
every application or registration; the person changes it on "My courses" at any time (when is
kept). Only those who gave it are ever invited.

Inviting: an organiser of a course or event (or an administrator) picks a past course, one that
has ended at its venue: an earlier edition of the same course, or any course they manage. Its
confirmed participants who consented, whose account is active, who have not applied to the new
course and were not invited to it before receive one mail each, in their language, with the
link to apply; each invitation is kept with who sent it and when. The new course must take
applications now or later (not cancelled, closed or started, nor a draft or open to all).

Prefilling: a person who applies while logged in finds the new form filled from their latest
application (organisation, job title, countries, type of organisation, gender, needs, name on
the certificate), not its motivation, funding or consents, which belong to each course.

Services flush but never commit, take the acting user and accept ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.alumni.models import AlumniInvitation
from app.core.rules import FieldErrors
from app.core.timeutil import local_date
from app.core.urls import external_url
from app.courses.editions import other_editions
from app.courses.models import Course, CourseStatus
from app.courses.permissions import can_manage_course, managed_courses_query
from app.db import now_utc
from app.extensions import db
from app.mail.services import queue_mail
from app.registration.models import Registration, RegistrationStatus
from app.registration.services import RegistrationClosedReason, closed_reason, lock_seats


class AlumniError(FieldErrors):
    """An alumni rule was broken; ``errors`` maps a field (or None) to messages."""


class NotOrganiser(AlumniError):
    """Only the new course's organisers and administrators invite."""


class NotASource(AlumniError):
    """The past course may not be used: not ended, not theirs, or the course itself."""


class NotTakingApplications(AlumniError):
    """The new course takes no applications (closed, started, cancelled, draft…)."""


class NotYours(AlumniError):
    """A person changes the consent of their own registrations only."""


# --- consent ---------------------------------------------------------------------------------


def set_consent(
    registration: Registration, consent: bool, *, actor: Any, now: datetime | None = None
) -> bool:
    """The person gives or withdraws their consent on one registration; returns whether it
    changed (the same choice again keeps the time of the first)."""
    if registration.user_id != getattr(actor, "id", None):
        raise NotYours.single(_l("You can only change your own choices."))
    if registration.consent_alumni == consent:
        return False
    registration.consent_alumni = consent
    registration.consent_alumni_changed_at = now or now_utc()
    db.session.flush()
    return True


# --- which past courses ----------------------------------------------------------------------


def has_ended(course: Course, now: datetime) -> bool:
    """Whether the course's last on-site day is over at its venue."""
    return local_date(now, course.timezone) > course.end_date


def source_courses(target: Course, actor: Any, *, now: datetime | None = None) -> list[Course]:
    """The past courses whose participants ``actor`` may invite to ``target``: its earlier
    editions and the courses ``actor`` manages, once ended; the editions first (the usual
    choice), then the others, each newest first."""
    now = now or now_utc()
    editions = other_editions(target)
    found = {c.id: c for c in editions}
    managed = db.session.scalars(
        managed_courses_query(actor).where(Course.status != CourseStatus.DRAFT)
    ).unique()
    found.update((c.id, c) for c in managed)
    found.pop(target.id, None)
    courses = [c for c in found.values() if has_ended(c, now)]
    edition_ids = {c.id for c in editions}
    return sorted(courses, key=lambda c: (c.id not in edition_ids, -c.start_date.toordinal(), c.id))


def takes_applications(target: Course, now: datetime) -> bool:
    """Applications are open, or will open: an invitation has something to lead to."""
    return closed_reason(target, now) in (None, RegistrationClosedReason.NOT_OPEN_YET)


# --- who would be invited --------------------------------------------------------------------


@dataclass
class Preview:
    """Who the invitation would reach, and how many of the past participants it would not."""

    invitees: list[Registration] = field(default_factory=list)
    not_consented: int = 0
    already_applied: int = 0
    already_invited: int = 0


def preview(source: Course, target: Course) -> Preview:
    """The past confirmed participants of ``source``, sorted into who ``target``'s invitation
    would reach (by name) and who it would not, and why."""
    past = db.session.scalars(
        sa.select(Registration)
        .join(Registration.user)
        .where(
            Registration.course_id == source.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            User.is_active.is_(True),
        )
        .order_by(Registration.certificate_name, Registration.id)
    ).all()
    applied = set(
        db.session.scalars(
            sa.select(Registration.user_id).where(Registration.course_id == target.id)
        )
    )
    invited = set(
        db.session.scalars(
            sa.select(AlumniInvitation.user_id).where(AlumniInvitation.course_id == target.id)
        )
    )
    result = Preview()
    for registration in past:
        if not registration.consent_alumni:
            result.not_consented += 1
        elif registration.user_id in applied:
            result.already_applied += 1
        elif registration.user_id in invited:
            result.already_invited += 1
        else:
            result.invitees.append(registration)
    return result


def check_may_invite(source: Course, target: Course, *, actor: Any, now: datetime) -> None:
    """Raise the error that stops ``actor`` from inviting ``source``'s people to ``target``."""
    if not can_manage_course(actor, target):
        raise NotOrganiser.single(_l("Only the organisers of the course invite past participants."))
    if source.id not in {c.id for c in source_courses(target, actor, now=now)}:
        raise NotASource.single(
            _l("Choose a past course from the list: one that has ended and that you manage."),
            "source",
        )
    if not takes_applications(target, now):
        raise NotTakingApplications.single(
            _l("This course takes no applications now: nobody could answer the invitation.")
        )


def invite(
    source: Course, target: Course, *, actor: Any, now: datetime | None = None
) -> list[AlumniInvitation]:
    """Invite the past participants of ``source`` whom :func:`preview` lists to apply to
    ``target``: one mail each through the outbox, in their language, and one invitation kept
    each with who sent it and when."""
    now = now or now_utc()
    # Two organisers sending at the same second: the second waits here, then finds everyone
    # invited (the course row's lock, as for seats) instead of failing on the unique key.
    lock_seats(target)
    check_may_invite(source, target, actor=actor, now=now)
    invitations = []
    apply_url = external_url("registration.apply", slug=target.slug)
    for registration in preview(source, target).invitees:
        locale = registration.language
        queue_mail(
            registration.email,
            "alumni_invitation",
            locale=locale,
            registration=registration,
            course=target,
            course_title=target.title(locale),
            past_course_title=source.title(locale),
            apply_url=apply_url,
            course_url=external_url("courses.show", slug=target.slug),
            my_courses_url=external_url("registration.my_courses"),
        )
        invitation = AlumniInvitation(
            course_id=target.id,
            source_course_id=source.id,
            user_id=registration.user_id,
            email=registration.email,
            invited_by_id=actor.id,
            invited_at=now,
        )
        db.session.add(invitation)
        invitations.append(invitation)
    db.session.flush()
    return invitations


def invitations_to(target: Course) -> list[AlumniInvitation]:
    """The invitations sent for ``target``, newest first."""
    return list(
        db.session.scalars(
            sa.select(AlumniInvitation)
            .where(AlumniInvitation.course_id == target.id)
            .order_by(AlumniInvitation.invited_at.desc(), AlumniInvitation.id.desc())
        )
    )


# --- prefilling ------------------------------------------------------------------------------

# What a new application takes over from the last one.
PREFILLED = (
    "certificate_name",
    "organisation",
    "organisation_type",
    "job_title",
    "country",
    "nationality",
    "gender",
    "diet",
    "accessibility",
)


def previous_application(user: Any) -> Registration | None:
    """``user``'s latest full application (one that gave a country), else their latest
    registration of any kind (an event's RSVP gives a name and an organisation only)."""
    if not getattr(user, "is_authenticated", False):
        return None
    latest = (
        sa.select(Registration)
        .where(Registration.user_id == user.id)
        .order_by(Registration.created_at.desc(), Registration.id.desc())
    )
    full = db.session.scalar(latest.where(Registration.country.is_not(None)))
    return full if full is not None else db.session.scalar(latest)


def prefill_values(previous: Registration) -> dict[str, str]:
    """The new form's values from ``previous``: those it gave, as the form's fields hold them."""
    values = {}
    for name in PREFILLED:
        value = getattr(previous, name)
        if value:
            values[name] = str(value)  # an enum's str() is its value
    return values
