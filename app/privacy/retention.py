"""Retention per course: the files sent with the applications (documents) and the diet and
accessibility needs (special needs) are deleted a set number of whole days after the course's
last day, counted at the venue, as the visa passport details are (:mod:`app.visas.retention`,
which keeps its own setting, ``VISA_DATA_RETENTION_DAYS``).

The site's periods are ``DOCUMENT_RETENTION_DAYS`` and ``SPECIAL_NEEDS_RETENTION_DAYS``; a
course's organisers may set their own (:class:`CourseRetention`). ``flask tick`` applies what
is due and records it once per course and kind (``DATA_RETENTION_APPLIED``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.applications.models import Answer
from app.audit.models import AuditAction
from app.audit.services import record
from app.courses.models import Course
from app.db import now_utc
from app.extensions import db
from app.privacy.models import RETENTION_DAYS_MAX, CourseRetention
from app.registration.models import Registration
from app.storage.models import StoredFile
from app.visas.services import erase_after

DOCUMENTS = "documents"
SPECIAL_NEEDS = "special_needs"


class RetentionError(Exception):
    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class RetentionPlan:
    """When a course's data of each kind is (or was) deleted."""

    document_days: int
    special_needs_days: int
    documents_at: datetime
    special_needs_at: datetime
    documents_deleted_at: datetime | None
    special_needs_deleted_at: datetime | None


def default_days(kind: str) -> int:
    key = "DOCUMENT_RETENTION_DAYS" if kind == DOCUMENTS else "SPECIAL_NEEDS_RETENTION_DAYS"
    return int(current_app.config[key])


def settings_of(course: Course) -> CourseRetention | None:
    return db.session.get(CourseRetention, course.id)


def days_for(course: Course, kind: str, own: CourseRetention | None = None) -> int:
    own = own if own is not None else settings_of(course)
    value = None
    if own is not None:
        value = own.document_days if kind == DOCUMENTS else own.special_needs_days
    return default_days(kind) if value is None else value


def plan(course: Course) -> RetentionPlan:
    own = settings_of(course)  # one query, whatever the page
    document_days = days_for(course, DOCUMENTS, own)
    special_days = days_for(course, SPECIAL_NEEDS, own)
    return RetentionPlan(
        document_days=document_days,
        special_needs_days=special_days,
        documents_at=erase_after(course, document_days),
        special_needs_at=erase_after(course, special_days),
        documents_deleted_at=own.documents_deleted_at if own else None,
        special_needs_deleted_at=own.special_needs_deleted_at if own else None,
    )


def set_course_days(
    course: Course,
    *,
    document_days: int | None,
    special_needs_days: int | None,
    actor: User,
    now: datetime | None = None,
) -> CourseRetention:
    """The organisers' own periods (None: the site's default)."""
    for value in (document_days, special_needs_days):
        if value is not None and not 0 <= value <= RETENTION_DAYS_MAX:
            raise RetentionError(
                _l("Give a number of days from 0 to %(max)d.", max=RETENTION_DAYS_MAX)
            )
    own = settings_of(course)
    if own is None:
        own = CourseRetention(course_id=course.id)
        db.session.add(own)
    own.document_days = document_days
    own.special_needs_days = special_needs_days
    own.updated_at = now or now_utc()
    own.updated_by_id = actor.id
    db.session.flush()
    return own


@dataclass
class RetentionCounts:
    documents: int = 0
    special_needs: int = 0


def apply_due(now: datetime | None = None) -> RetentionCounts:
    """Delete what is due in every course; the caller commits (the files' bytes go then)."""
    now = now or now_utc()
    counts = RetentionCounts()
    own_days = db.session.execute(
        sa.select(
            sa.func.min(CourseRetention.document_days),
            sa.func.min(CourseRetention.special_needs_days),
        )
    ).one()
    periods = [default_days(DOCUMENTS), default_days(SPECIAL_NEEDS), *own_days]
    shortest = min(days for days in periods if days is not None)
    # A pre-filter only (the venue's day decides below): a course is due no earlier than
    # 10:00 UTC on its last day + days (UTC+14 at most), so its start, on or before its last
    # day, is on or before today (UTC) - days.
    latest_start = now.date() - timedelta(days=shortest)
    candidates = db.session.scalars(
        sa.select(Course).where(Course.start_date <= latest_start).order_by(Course.id)
    ).all()
    for course in candidates:
        course_plan = plan(course)
        if course_plan.documents_deleted_at is None and now >= course_plan.documents_at:
            deleted = _delete_documents(course)
            _mark(course, DOCUMENTS, now)
            counts.documents += deleted
            record(
                AuditAction.DATA_RETENTION_APPLIED,
                actor=None,
                subject=None,
                course=course.slug,
                kind=DOCUMENTS,
                count=deleted,
            )
        if course_plan.special_needs_deleted_at is None and now >= course_plan.special_needs_at:
            cleared = _clear_special_needs(course)
            _mark(course, SPECIAL_NEEDS, now)
            counts.special_needs += cleared
            record(
                AuditAction.DATA_RETENTION_APPLIED,
                actor=None,
                subject=None,
                course=course.slug,
                kind=SPECIAL_NEEDS,
                count=cleared,
            )
    db.session.flush()
    return counts


def _mark(course: Course, kind: str, now: datetime) -> None:
    own = settings_of(course)
    if own is None:
        own = CourseRetention(course_id=course.id)
        db.session.add(own)
    if kind == DOCUMENTS:
        own.documents_deleted_at = now
    else:
        own.special_needs_deleted_at = now


def _delete_documents(course: Course) -> int:
    registrations = sa.select(Registration.id).where(Registration.course_id == course.id)
    answers = db.session.scalars(
        sa.select(Answer).where(
            Answer.registration_id.in_(registrations), Answer.file_id.is_not(None)
        )
    ).all()
    for answer in answers:
        stored_file: StoredFile | None = answer.file
        if stored_file is not None:
            # Through the session: the bytes leave the storage once this is committed.
            answer.file = None
    return len(answers)


def _clear_special_needs(course: Course) -> int:
    result = db.session.execute(
        sa.update(Registration)
        .where(
            Registration.course_id == course.id,
            sa.or_(Registration.diet != "", Registration.accessibility != ""),
        )
        .values(diet="", accessibility="")
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    return result.rowcount
