"""Editions of a course: a new edition copied from an earlier one, and the family of
editions a course page and the alumni and evaluation pages link to.

Services flush, never commit, and take the acting user as an argument.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.applications.services import copy_questions
from app.core.timeutil import shift_days_keeping_wall_time
from app.courses.models import (
    Course,
    CourseModule,
    CoursePartner,
    CourseStatus,
    CourseTeamMember,
    CourseTranslation,
    TeamRole,
)
from app.courses.services import edition_title, title_with_year, unique_slug
from app.extensions import db
from app.followup.models import FollowupActivity
from app.schedule.models import CourseSession


def copy_as_new_edition(
    course: Course, start_date: date, *, slug: str | None, actor: User
) -> Course:
    """A draft copy of ``course`` starting on ``start_date``: texts, focuses, partners, team,
    timetable and follow-up plan, all moved by the same number of days (wall-clock times kept),
    and the selection criteria. Registration dates move too. The new edition gets new calendar
    identities, and the application questions asked now (not their answers)."""
    shift = (start_date - course.start_date).days
    tz = course.timezone
    years = (course.start_date.year, start_date.year)
    title = edition_title(course.title(course.default_locale), *years)
    new = Course(
        slug=slug or unique_slug(title_with_year(title, start_date.year)),
        kind=course.kind,
        is_online=course.is_online,
        online_url=course.online_url,
        registration_mode=course.registration_mode,
        host_event=course.host_event,
        programme=course.programme,
        default_locale=course.default_locale,
        languages=course.languages,
        venue=course.venue,
        start_date=start_date,
        days=course.days,
        capacity=course.capacity,
        requires_approval=course.requires_approval,
        requires_endorsement=course.requires_endorsement,
        waitlist_offers=course.waitlist_offers,
        offer_hours=course.offer_hours,
        min_attendance_days=course.min_attendance_days,
        contact_name=course.contact_name,
        contact_email=course.contact_email,
        status=CourseStatus.DRAFT,
        edition_of=course,
        registration_opens_at=_shift(course.registration_opens_at, shift, tz),
        registration_closes_at=_shift(course.registration_closes_at, shift, tz),
        followup_opens_on=course.followup_opens_on + timedelta(days=shift)
        if course.followup_opens_on
        else None,
        followup_closes_on=course.followup_closes_on + timedelta(days=shift)
        if course.followup_closes_on
        else None,
        translations=[
            CourseTranslation(
                locale=t.locale,
                title=edition_title(t.title, *years),
                summary=t.summary,
                description=t.description,
            )
            for t in course.translations
        ],
        focuses=[
            CourseModule(position=f.position, module=f.module, theme=f.theme)
            for f in course.focuses
        ],
        partners=[
            CoursePartner(organisation=p.organisation, role=p.role, position=p.position)
            for p in course.partners
        ],
        team=[CourseTeamMember(user=m.user, role=m.role) for m in course.team],
    )
    db.session.add(new)
    if not any(m.user_id == actor.id for m in course.team):
        new.team.append(CourseTeamMember(user=actor, role=TeamRole.ORGANISER))
    for s in course.sessions:
        new.sessions.append(
            CourseSession(
                title=s.title,
                kind=s.kind,
                status=s.status,
                starts_at=shift_days_keeping_wall_time(s.starts_at, shift, tz),
                ends_at=shift_days_keeping_wall_time(s.ends_at, shift, tz),
                room=s.room,
                module=s.module,
                facilitators=s.facilitators,
                description=s.description,
            )
        )
    for a in course.activities:
        new.activities.append(
            FollowupActivity(
                kind=a.kind,
                is_required=a.is_required,
                position=a.position,
                title=a.title,
                description=a.description,
                starts_at=_shift(a.starts_at, shift, tz),
                ends_at=_shift(a.ends_at, shift, tz),
                due_at=_shift(a.due_at, shift, tz),
                link=a.link,
            )
        )
    copy_questions(course, new)
    # Imported here: the selection builds on courses.
    from app.selection.services import copy_criteria

    copy_criteria(course, new)
    from app.certificates.design import copy_design

    copy_design(course, new, actor=actor)
    db.session.flush()
    from app.finance.services import copy_finance

    copy_finance(course, new, actor=actor)
    return new


def _shift(value: datetime | None, days: int, tz: str) -> datetime | None:
    return shift_days_keeping_wall_time(value, days, tz) if value is not None else None


def other_editions(course: Course) -> list[Course]:
    """Public editions of the same course (copied from it, or it from them, at any remove), by
    date. One query however many editions there are: a recursive CTE follows the copies both
    ways (UNION drops rows seen before, so even a cycle of copies ends)."""
    family = (
        sa.select(Course.id, Course.edition_of_id)
        .where(Course.id == course.id)
        .cte("family", recursive=True)
    )
    linked = aliased(Course)
    family = family.union(
        sa.select(linked.id, linked.edition_of_id).join(
            family,
            sa.or_(linked.edition_of_id == family.c.id, linked.id == family.c.edition_of_id),
        )
    )
    stmt = (
        sa.select(Course)
        .where(
            Course.id.in_(sa.select(family.c.id)),
            Course.id != course.id,
            Course.status != CourseStatus.DRAFT,
        )
        .order_by(Course.start_date, Course.id)
    )
    return list(db.session.scalars(stmt))
