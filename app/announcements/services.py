"""Rules of announcements: who posts and reads them, editing, withdrawing, mailing.

The course's organisers (and administrators) post, edit and withdraw announcements; facilitators
and reviewers do not. They are read on the course page by its confirmed participants and its
team (organisers, facilitators, administrators): not by the public, nor by people waiting,
cancelled or rejected, nor by reviewers (on the team for the selection only).

"My courses" shows, above the list, the announcements of the person's confirmed courses while
those courses are current: until the last day of the follow-up phase at the venue (the last
on-site day for a course without one). An old course's notes about rooms and buses do not
follow a person for years.

A withdrawn announcement is kept, with who withdrew it and when, and shown to the organisers
only. An announcement may also be mailed, once, to the confirmed participants through the
outbox: the greeting and the signature in each one's language, the text as written.

Services flush but never commit, take the acting user and accept ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager

from app.announcements.models import Announcement
from app.core.forms import is_control
from app.core.rules import FieldErrors
from app.core.timeutil import local_date
from app.courses.models import Course
from app.courses.permissions import can_manage_course, can_see_participants
from app.db import now_utc
from app.extensions import db
from app.registration.models import Registration, RegistrationStatus

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 2000


class AnnouncementError(FieldErrors):
    """An announcement rule was broken; ``errors`` maps a field (or None) to messages."""


class NotOrganiser(AnnouncementError):
    """Only the course's organisers and administrators post, edit and withdraw."""


class InvalidAnnouncement(AnnouncementError):
    """The title or the text breaks a rule (empty, too long, control characters)."""


class AlreadyMailed(AnnouncementError):
    """An announcement is mailed once."""


# --- who may do what -------------------------------------------------------------------------


def may_post(user: Any, course: Course) -> bool:
    return can_manage_course(user, course)


def is_confirmed(user: Any, course: Course) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    found = db.session.scalar(
        sa.select(Registration.id).where(
            Registration.course_id == course.id,
            Registration.user_id == user.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    )
    return found is not None


def may_read(user: Any, course: Course) -> bool:
    """The course's team (not its reviewers) and its confirmed participants."""
    return can_see_participants(user, course) or is_confirmed(user, course)


def _check_organiser(actor: Any, course: Course) -> None:
    if not may_post(actor, course):
        raise NotOrganiser.single(_l("Only the organisers of the course post announcements."))


# --- reading ---------------------------------------------------------------------------------


def course_announcements(course: Course, *, include_withdrawn: bool = False) -> list[Announcement]:
    """The course's announcements, newest first (withdrawn ones for the organisers' page)."""
    stmt = sa.select(Announcement).where(Announcement.course_id == course.id)
    if not include_withdrawn:
        stmt = stmt.where(Announcement.withdrawn_at.is_(None))
    stmt = stmt.order_by(Announcement.created_at.desc(), Announcement.id.desc())
    return list(db.session.scalars(stmt))


def shown_on_course_page(course: Course, user: Any) -> list[Announcement]:
    """What the course page shows ``user``: nothing unless they may read them."""
    if not may_read(user, course):
        return []
    return course_announcements(course)


def current_until(course: Course) -> date:
    """The last day (at the venue) on which the course's announcements are on "My courses"."""
    return course.followup_closes_on or course.end_date


@dataclass(frozen=True)
class MyAnnouncement:
    announcement: Announcement
    course: Course


def for_my_courses(user: Any, *, now: datetime | None = None) -> list[MyAnnouncement]:
    """The announcements of ``user``'s confirmed courses that are still current, newest
    first."""
    now = now or now_utc()
    stmt = (
        sa.select(Announcement)
        .join(Announcement.course)
        .join(
            Registration,
            sa.and_(
                Registration.course_id == Announcement.course_id,
                Registration.user_id == user.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            ),
        )
        .where(Announcement.withdrawn_at.is_(None))
        .options(contains_eager(Announcement.course))
        .order_by(Announcement.created_at.desc(), Announcement.id.desc())
    )
    return [
        MyAnnouncement(a, a.course)
        for a in db.session.scalars(stmt).unique()
        if local_date(now, a.course.timezone) <= current_until(a.course)
    ]


# --- writing ---------------------------------------------------------------------------------


def _clean_title(title: str) -> str:
    text = " ".join(title.split())
    if len(text) > TITLE_MAX_LENGTH:
        raise InvalidAnnouncement.single(
            _l("A title can have at most %(count)d characters.", count=TITLE_MAX_LENGTH), "title"
        )
    if any(is_control(char) for char in text):
        raise InvalidAnnouncement.single(
            _l("This text contains invisible control characters."), "title"
        )
    return text


def clean_body(body: str) -> str:
    """The text as stored: one kind of line break, no surrounding blanks. Raises
    :class:`InvalidAnnouncement` for an empty or too long text or one with control
    characters (the form refuses them first; this guards every other caller)."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise InvalidAnnouncement.single(_l("Write the announcement first."), "body")
    if len(text) > BODY_MAX_LENGTH:
        raise InvalidAnnouncement.single(
            _l("An announcement can have at most %(count)d characters.", count=BODY_MAX_LENGTH),
            "body",
        )
    if any(is_control(char, multiline=True) for char in text):
        raise InvalidAnnouncement.single(
            _l(
                "This text contains invisible control characters. Type it again or paste it "
                "as plain text."
            ),
            "body",
        )
    return text


def post_announcement(
    course: Course,
    *,
    title: str,
    body: str,
    actor: Any,
    send_mail: bool = False,
    now: datetime | None = None,
) -> Announcement:
    """An organiser posts an announcement on ``course``, and mails it if asked."""
    _check_organiser(actor, course)
    now = now or now_utc()
    announcement = Announcement(
        course=course,
        title=_clean_title(title),
        body=clean_body(body),
        author_id=actor.id,
        created_at=now,
    )
    db.session.add(announcement)
    db.session.flush()
    if send_mail:
        mail_announcement(announcement, actor=actor, now=now)
    return announcement


def edit_announcement(
    announcement: Announcement,
    *,
    title: str,
    body: str,
    actor: Any,
    now: datetime | None = None,
) -> Announcement:
    """An organiser corrects an announcement; who and when are kept. The same text again
    changes nothing."""
    _check_organiser(actor, announcement.course)
    if announcement.is_withdrawn:
        raise InvalidAnnouncement.single(_l("A withdrawn announcement can no longer change."))
    new_title, new_body = _clean_title(title), clean_body(body)
    if (new_title, new_body) != (announcement.title, announcement.body):
        announcement.title = new_title
        announcement.body = new_body
        announcement.edited_at = now or now_utc()
        announcement.edited_by_id = actor.id
        db.session.flush()
    return announcement


def withdraw_announcement(
    announcement: Announcement, *, actor: Any, now: datetime | None = None
) -> None:
    """An organiser withdraws an announcement: participants no longer see it; it is kept with
    who withdrew it and when (withdrawing it again changes nothing)."""
    _check_organiser(actor, announcement.course)
    if announcement.is_withdrawn:
        return
    announcement.withdrawn_at = now or now_utc()
    announcement.withdrawn_by_id = actor.id
    db.session.flush()


def recipients(course: Course) -> list[Registration]:
    """The confirmed participants of ``course`` (in no particular order: each gets a mail)."""
    stmt = sa.select(Registration).where(
        Registration.course_id == course.id,
        Registration.status == RegistrationStatus.CONFIRMED,
    )
    return list(db.session.scalars(stmt))


def mail_announcement(
    announcement: Announcement, *, actor: Any, now: datetime | None = None
) -> int:
    """Queue the announcement for every confirmed participant, each in their language (the
    text as written); once. Returns how many messages were queued."""
    from app.registration.notifications import notify  # mail renders this area's templates

    course = announcement.course
    _check_organiser(actor, course)
    if announcement.mailed_at is not None:
        raise AlreadyMailed.single(_l("This announcement has already been sent by email."))
    if announcement.is_withdrawn:
        raise InvalidAnnouncement.single(_l("A withdrawn announcement is not sent."))
    people = recipients(course)
    for registration in people:
        notify(registration, "announcement", announcement=announcement)
    announcement.mailed_at = now or now_utc()
    announcement.mailed_count = len(people)
    db.session.flush()
    return len(people)
