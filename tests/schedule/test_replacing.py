"""Replacing the timetable of a published course: its participants are told, as if each old
session had been deleted and each new one added (they may have imported the old programme,
and an imported file does not drop events that a newer one leaves out)."""

import email
from datetime import time, timedelta
from email import policy

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.courses.models import CourseStatus
from app.db import now_utc
from app.extensions import db
from app.feeds.models import ScheduleChange
from app.feeds.notices import send_change_notices
from app.mail.models import OutboxMessage
from app.schedule.proposal import propose_timetable
from tests.factories import make_course, make_registration, make_user


@pytest.fixture
def course():
    """A two-day course whose timetable was proposed while it was a draft, now published."""
    organiser = make_user(Role.ORGANISER, name="Ana Souza", email="ana.souza@example.org")
    course = make_course(status=CourseStatus.DRAFT, organisers=(organiser,))
    course.days = 2
    propose_timetable(course)
    course.status = CourseStatus.PUBLISHED
    db.session.commit()
    return course


def pending(course):
    return [
        (change.session_uid, change.session_title, change.changes)
        for change in db.session.scalars(
            sa.select(ScheduleChange)
            .where(ScheduleChange.course_id == course.id)
            .order_by(ScheduleChange.id)
        )
    ]


def test_replacing_the_timetable_records_each_old_session_removed_and_each_new_one_added(
    course,
):
    old = {
        (s.uid, s.title, s.starts_at.isoformat(), s.ends_at.isoformat())
        for s in course.sessions
        if not s.is_break
    }

    new = propose_timetable(course, day_start=time(8, 30), day_end=time(16, 30), replace=True)

    told = pending(course)
    removed = {
        (uid, title, *changes["when"]) for uid, title, changes in told if changes.get("deleted")
    }
    added = {(uid, title) for uid, title, changes in told if changes == {"added": True}}
    assert removed == old
    assert added == {(s.uid, s.title) for s in new if not s.is_break}
    assert len(told) == len(removed) + len(added) == 2 * 10  # ten sessions besides breaks


def test_the_participants_get_one_notice_of_the_new_programme(course):
    participant = make_registration(course, make_user(name="Anna Souza"), language="en")
    db.session.commit()

    propose_timetable(course, day_start=time(8, 30), day_end=time(16, 30), replace=True)
    db.session.commit()
    queued = send_change_notices(now_utc() + timedelta(minutes=16))

    [mail] = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == participant.email)
    ).all()
    body = (
        email.message_from_bytes(mail.raw, policy=policy.default)
        .get_body(preferencelist=("plain",))
        .get_content()
    )
    lines = [line for line in body.splitlines() if line.startswith("- ")]
    assert queued == 1
    assert sum(line.endswith(": Removed from the programme") for line in lines) == 10
    assert sum(line.endswith(": New session") for line in lines) == 10
    assert len(lines) == 20


def test_a_draft_courses_timetable_is_replaced_without_a_word():
    course = make_course(status=CourseStatus.DRAFT)

    propose_timetable(course)
    propose_timetable(course, replace=True)

    assert pending(course) == []
