"""Which conference (host event) or programme a course may join, and who may attach it there:
only the host's or the programme's team and administrators, so that no one hangs an event on
another team's conference or lists its drafts. Also the side events a conference shows.

Form choices and the rules the services check before saving come from here.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.courses.models import (
    Course,
    CourseKind,
    CourseStatus,
    CourseTeamMember,
    Programme,
    TeamRole,
)
from app.courses.permissions import can_manage_course
from app.extensions import db


def host_event_error(
    course: Course | None, kind: CourseKind, host: Course | None, *, actor: User
) -> LazyString | None:
    """Why ``host`` cannot be the host event of ``course`` (None: a new one) of ``kind``, set by
    ``actor``, or None when it can. A host is a conference that is no side event itself; only
    events have one; only the host's organisers (and administrators) may add an event to it,
    so no one can hang an event on another team's conference."""
    if host is None:
        if course is not None and course.side_events and kind != CourseKind.CONFERENCE:
            return _l("This event hosts side events: keep it a conference.")
        return None
    if not kind.is_event:
        return _l("Only events can be part of a host event.")
    if course is not None and host.id == course.id:
        return _l("An event cannot be its own host event.")
    if host.kind != CourseKind.CONFERENCE or host.host_event_id is not None:
        return _l(
            "“%(title)s” is itself a side event: choose the conference that hosts it.",
            title=host.title(host.default_locale),
        )
    if course is not None and course.side_events:
        return _l("This event hosts side events, so it cannot be part of another event.")
    already = course is not None and course.host_event_id == host.id
    if not already and not can_manage_course(actor, host):
        return _l(
            "Only the organisers of “%(title)s” can add an event to it.",
            title=host.title(host.default_locale),
        )
    return None


def host_event_choices(course: Course | None, actor: User) -> list[Course]:
    """The conferences ``actor`` may make an event part of (not itself, not side events):
    those they organise (any, for an administrator), and the event's present host; latest
    first. Another team's conferences, drafts above all, are not listed."""
    stmt = sa.select(Course).where(
        Course.kind == CourseKind.CONFERENCE, Course.host_event_id.is_(None)
    )
    if course is not None and course.id is not None:
        stmt = stmt.where(Course.id != course.id)
    if not actor.is_admin:
        organised = Course.team.any(
            sa.and_(
                CourseTeamMember.user_id == actor.id,
                CourseTeamMember.role == TeamRole.ORGANISER,
            )
        )
        present = course.host_event_id if course is not None else None
        stmt = stmt.where(sa.or_(organised, Course.id == present) if present else organised)
    return list(db.session.scalars(stmt.order_by(Course.start_date.desc(), Course.id)))


def may_add_to_programme(actor: User, programme: Programme) -> bool:
    """Programmes have no team of their own: their team is the organisers of the courses
    already in them, and administrators (who create programmes and add the first course)."""
    return actor.is_admin or any(can_manage_course(actor, c) for c in programme.courses)


def programme_error(
    course: Course | None, programme: Programme | None, *, actor: User
) -> LazyString | None:
    """Why ``actor`` cannot put ``course`` (None: a new one) in ``programme``, or None."""
    if programme is None or (course is not None and course.programme_id == programme.id):
        return None
    if not may_add_to_programme(actor, programme):
        return _l(
            "Only the organisers of the courses of “%(title)s”, or an administrator, can add "
            "a course to it.",
            # Programmes have no main language: the reader's, else English, else any.
            title=programme.title(str(get_locale())),
        )
    return None


def programme_choices(course: Course | None, actor: User) -> list[Programme]:
    """The programmes ``actor`` may put a course in, and the course's present one."""
    programmes = db.session.scalars(sa.select(Programme).order_by(Programme.id)).all()
    present = course.programme_id if course is not None else None
    return [p for p in programmes if p.id == present or may_add_to_programme(actor, p)]


def published_side_events(course: Course) -> list[Course]:
    """The published events a conference hosts, by date, with their venues and sessions (one
    query each, however many there are)."""
    stmt = (
        sa.select(Course)
        .where(Course.host_event_id == course.id, Course.status == CourseStatus.PUBLISHED)
        .options(selectinload(Course.venue), selectinload(Course.sessions))
        .order_by(Course.start_date, Course.id)
    )
    return list(db.session.scalars(stmt))
