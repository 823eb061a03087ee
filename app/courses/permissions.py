"""Who may see and change a course. Routes and templates ask the same functions."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from app.courses.models import (
    Course,
    CourseStatus,
    CourseTeamMember,
    RegistrationMode,
    TeamRole,
)
from app.extensions import db
from app.registration.models import Registration, RegistrationStatus


def _team_role(user: Any, course: Course) -> TeamRole | None:
    if not getattr(user, "is_authenticated", False):
        return None
    for member in course.team:
        if member.user_id == user.id:
            return member.role
    return None


def can_manage_course(user: Any, course: Course) -> bool:
    """Administrators, and organisers on the course's team."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_admin or _team_role(user, course) == TeamRole.ORGANISER


def can_see_participants(user: Any, course: Course) -> bool:
    """Organisers and facilitators (the desk), and administrators; not reviewers."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_admin or _team_role(user, course) in (TeamRole.ORGANISER, TeamRole.FACILITATOR)


def can_review(user: Any, course: Course) -> bool:
    """Who sees the applications on the selection page and scores them: reviewers, organisers
    and administrators. Only the last two decide (``can_manage_course``)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_admin or _team_role(user, course) in (TeamRole.ORGANISER, TeamRole.REVIEWER)


def is_on_team(user: Any, course: Course) -> bool:
    """Anyone on the course's team, whatever the role, and administrators."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_admin or _team_role(user, course) is not None


def is_confirmed_participant(user: Any, course: Course) -> bool:
    """Whether ``user`` holds a confirmed place on ``course``."""
    if not getattr(user, "is_authenticated", False):
        return False
    status = db.session.scalar(
        sa.select(Registration.status).where(
            Registration.course_id == course.id, Registration.user_id == user.id
        )
    )
    return status == RegistrationStatus.CONFIRMED


def can_view_course(user: Any, course: Course) -> bool:
    """Published and cancelled courses are public; drafts only for their team."""
    return course.status != CourseStatus.DRAFT or is_on_team(user, course)


def can_see_join_links(user: Any, course: Course, registration: Any = None) -> bool:
    """Who sees the links to join a course online (its own link, its webinars' and other
    activities' links), on its pages and in its calendars: everyone when it takes no
    registration; else the team (and administrators) and those whose registration
    (``registration``, the user's own) is confirmed. Public pages and feeds show none."""
    if course.registration_mode == RegistrationMode.NONE or can_see_participants(user, course):
        return True
    from app.registration.models import RegistrationStatus  # registration builds on courses

    return registration is not None and registration.status == RegistrationStatus.CONFIRMED


def can_see_online_link(user: Any, course: Course, registration: Any = None) -> bool:
    """Whether an online activity's join link shows on its page (see can_see_join_links)."""
    if not course.is_online or not course.online_url:
        return False
    return can_see_join_links(user, course, registration)


def get_course_or_404(slug: str) -> Course:
    course = db.session.scalar(sa.select(Course).where(Course.slug == slug))
    if course is None or not can_view_course(current_user, course):
        abort(404)
    return course


def get_managed_course_or_403(slug: str) -> Course:
    """Load a course for a management page: 404 if unknown (or an invisible draft), else 403."""
    course = get_course_or_404(slug)
    if not can_manage_course(current_user, course):
        abort(403)
    return course


def managed_courses_query(user: Any) -> sa.Select[tuple[Course]]:
    stmt = sa.select(Course)
    if not user.is_admin:
        stmt = stmt.join(CourseTeamMember).where(CourseTeamMember.user_id == user.id)
    return stmt
