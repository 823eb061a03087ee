"""Notices of timetable changes: recorded by the schedule services for published courses, sent
by ``flask tick`` once the timetable has been quiet, one mail per confirmed participant."""

from __future__ import annotations

import email
from datetime import date, time, timedelta
from email import policy

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.core.templating import localtime
from app.core.timeutil import local_to_utc
from app.courses.models import CourseStatus
from app.db import now_utc
from app.extensions import db
from app.feeds.models import ScheduleChange
from app.feeds.notices import send_change_notices
from app.mail.models import OutboxMessage
from app.mail.services import outgoing_bytes
from app.registration.models import RegistrationStatus
from app.reminders import run_tick
from app.schedule.models import SessionKind
from app.schedule.services import (
    SessionData,
    cancel_session,
    create_session,
    delete_session,
    local_times,
    restore_session,
    update_session,
)
from tests.factories import make_course, make_registration, make_user

ROME = "Europe/Rome"
MONDAY, THURSDAY = date(2017, 11, 20), date(2017, 11, 23)
S = RegistrationStatus


def data_for(session, **changes) -> SessionData:
    day, start, end = local_times(session)
    values = {
        "title": session.title,
        "kind": session.kind,
        "day": day,
        "start": start,
        "end": end,
        "room": session.room,
        "module": session.module,
        "facilitators": session.facilitators,
        "description": session.description,
    }
    values.update(changes)
    return SessionData(**values)


def add(course, title, day=THURSDAY, start=time(14), end=time(15, 30), **fields):
    data = SessionData(title=title, day=day, start=start, end=end, **fields)
    return create_session(course, data, actor=None)


@pytest.fixture
def course():
    """A published course whose timetable was written as a draft (so nothing is pending)."""
    course = make_course(slug="governing-2017", status=CourseStatus.DRAFT)
    room_a = course.venue.rooms[0]
    add(course, "Opening", day=MONDAY, start=time(9), end=time(10), room=room_a)
    add(course, "Group work", kind=SessionKind.GROUP_WORK, room=room_a)
    add(course, "Coffee break", start=time(15, 30), end=time(16), kind=SessionKind.BREAK)
    course.status = CourseStatus.PUBLISHED
    db.session.commit()
    return course


@pytest.fixture
def people(course):
    """Two confirmed participants (English and French), one waitlisted, one cancelled."""
    found = {
        "en": make_registration(course, make_user(email="ana@example.org"), language="en"),
        "fr": make_registration(course, make_user(email="luc@example.org"), language="fr"),
        "waitlisted": make_registration(course, status=S.WAITLISTED),
        "cancelled": make_registration(course, status=S.CANCELLED),
    }
    db.session.commit()
    return found


def session_named(course, title):
    [found] = [s for s in course.sessions if s.title == title]
    return found


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def parsed(row: OutboxMessage) -> email.message.EmailMessage:
    return email.message_from_bytes(outgoing_bytes(row), policy=policy.default)


def body(row: OutboxMessage) -> str:
    return parsed(row).get_body(preferencelist=("plain",)).get_content()


def calendar_of(row: OutboxMessage) -> str:
    [part] = [p for p in parsed(row).iter_attachments() if p.get_content_type() == "text/calendar"]
    return part.get_content()


def notice_lines(row: OutboxMessage) -> list[str]:
    return [line[2:] for line in body(row).splitlines() if line.startswith("- ")]


def later(minutes: int = 16):
    return now_utc() + timedelta(minutes=minutes)


def pending() -> list[ScheduleChange]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ScheduleChange).order_by(ScheduleChange.id)))


def by_recipient(rows: list[OutboxMessage]) -> dict[str, OutboxMessage]:
    return {row.recipient: row for row in rows}


def times(start: time, end: time, locale: str = "en", day: date = THURSDAY) -> str:
    """A time range as the notice writes it, in ``locale`` at the venue (in English, babel
    writes "2:00\u202fPM")."""
    with force_locale(locale):
        first, last = (localtime(local_to_utc(day, t, ROME), ROME) for t in (start, end))
    return f"{first}–{last}"


# --- recording -------------------------------------------------------------------------------


def test_a_time_change_is_recorded_with_old_and_new_values(course):
    session = session_named(course, "Group work")
    old_start, old_end = session.starts_at, session.ends_at
    update_session(session, data_for(session, start=time(15), end=time(16, 30)), actor=None)
    db.session.commit()

    [change] = pending()
    assert change.course_id == course.id
    assert change.session_uid == session.uid
    assert change.session_title == "Group work"
    assert change.changes == {
        "start": [old_start.isoformat(), session.starts_at.isoformat()],
        "end": [old_end.isoformat(), session.ends_at.isoformat()],
    }
    assert change.notified_at is None


def test_room_status_added_and_deleted_are_recorded(course):
    session = session_named(course, "Group work")
    room_b = course.venue.rooms[1]
    update_session(session, data_for(session, room=room_b), actor=None)
    cancel_session(session, actor=None)
    restore_session(session, actor=None)
    new = add(course, "Study visit", start=time(16), end=time(17))
    opening = session_named(course, "Opening")
    opening_when = [opening.starts_at.isoformat(), opening.ends_at.isoformat()]
    delete_session(opening, actor=None)
    db.session.commit()

    assert [(c.session_title, c.changes) for c in pending()] == [
        ("Group work", {"room": ["Room A", "Room B"]}),
        ("Group work", {"status": ["scheduled", "cancelled"]}),
        ("Group work", {"status": ["cancelled", "scheduled"]}),
        ("Study visit", {"added": True}),
        ("Opening", {"deleted": True, "when": opening_when}),
    ]
    assert pending()[3].session_uid == new.uid


def test_deleting_a_session_moves_the_courses_last_change(course):
    before = course.updated_at
    delete_session(session_named(course, "Opening"), actor=None)
    db.session.commit()
    db.session.expire_all()
    assert course.updated_at > before


def test_a_title_change_raises_the_sequence_but_is_not_notified(course, people):
    session = session_named(course, "Group work")
    assert update_session(session, data_for(session, title="Working groups"), actor=None)
    db.session.commit()
    assert session.sequence == 1
    assert pending() == []
    assert send_change_notices(later()) == 0
    assert outbox() == []


def test_breaks_are_not_notified(course, people):
    coffee = session_named(course, "Coffee break")
    update_session(coffee, data_for(coffee, start=time(15, 45), end=time(16, 15)), actor=None)
    add(course, "Lunch", start=time(12, 30), end=time(14), kind=SessionKind.LUNCH)
    db.session.commit()
    assert pending() == []


def test_a_draft_course_records_nothing(people, course):
    course.status = CourseStatus.DRAFT
    db.session.commit()
    session = session_named(course, "Group work")
    update_session(session, data_for(session, start=time(15), end=time(16, 30)), actor=None)
    cancel_session(session, actor=None)
    add(course, "Study visit", start=time(16), end=time(17))
    delete_session(session_named(course, "Opening"), actor=None)
    db.session.commit()
    assert pending() == []
    assert run_tick(later()).change_notices == 0
    assert outbox() == []


# --- sending ---------------------------------------------------------------------------------


def test_a_time_change_is_sent_after_the_quiet_period(course, people):
    session = session_named(course, "Group work")
    update_session(session, data_for(session, start=time(15), end=time(16, 30)), actor=None)
    db.session.commit()

    assert send_change_notices(now_utc()) == 0
    assert send_change_notices(later(14)) == 0
    db.session.commit()
    assert outbox() == []
    assert pending()[0].notified_at is None

    now = later(16)
    assert send_change_notices(now) == 2
    db.session.commit()
    rows = by_recipient(outbox())
    assert sorted(rows) == ["ana@example.org", "luc@example.org"]
    assert pending()[0].notified_at == now

    english, french = rows["ana@example.org"], rows["luc@example.org"]
    assert english.subject == "Timetable changes: Governing migration at the local level"
    assert parsed(english)["Content-Language"] == "en"
    assert notice_lines(english) == [
        f"Group work: {times(time(14), time(15, 30))} → {times(time(15), time(16, 30))}, "
        "Thursday, November 23, 2017"
    ]
    text = body(english)
    assert "Times are in Turin time (CET), the local time at the venue." in text
    assert "http://atelier.test/courses/governing-2017" in text

    assert parsed(french)["Content-Language"] == "fr"
    [line] = notice_lines(french)
    # French typography: a no-break space before the colon.
    assert line.startswith("Group work\xa0: 14:00–15:30 → 15:00–16:30, ")
    assert line.endswith("jeudi 23 novembre 2017")


def test_the_notice_carries_the_updated_calendar(course, people):
    session = session_named(course, "Group work")
    update_session(session, data_for(session, start=time(15), end=time(16, 30)), actor=None)
    db.session.commit()
    send_change_notices(later())
    db.session.commit()

    row = by_recipient(outbox())["ana@example.org"]
    [part] = [p for p in parsed(row).iter_attachments()]
    assert part.get_content_type() == "text/calendar"
    assert part.get_filename() == "governing-2017.ics"
    ics = calendar_of(row).replace("\r\n ", "")
    [event] = [
        block.split("END:VEVENT")[0].split("\r\n")
        for block in ics.split("BEGIN:VEVENT")[1:]
        if f"UID:session-{session.uid}@atelier.test\r\n" in block
    ]
    assert "SEQUENCE:1" in event
    assert "DTSTART;TZID=Europe/Rome:20171123T150000" in event


def test_a_burst_of_edits_becomes_one_notice_with_merged_values(course, people):
    session = session_named(course, "Group work")
    room_b = course.venue.rooms[1]
    update_session(session, data_for(session, start=time(14, 30), end=time(16)), actor=None)
    update_session(session, data_for(session, room=room_b), actor=None)
    update_session(session, data_for(session, start=time(15), end=time(16, 30)), actor=None)
    db.session.commit()
    assert len(pending()) == 3

    assert send_change_notices(later()) == 2
    db.session.commit()
    rows = by_recipient(outbox())
    assert len(outbox()) == 2
    assert notice_lines(rows["ana@example.org"]) == [
        f"Group work: {times(time(14), time(15, 30))} → {times(time(15), time(16, 30))}, "
        "Thursday, November 23, 2017; Room: Room A → Room B"
    ]


def test_the_quiet_period_counts_from_the_latest_change(course, people):
    session = session_named(course, "Group work")
    update_session(session, data_for(session, start=time(15), end=time(16, 30)), actor=None)
    db.session.commit()
    first = pending()[0]
    first.created_at = now_utc() - timedelta(hours=1)
    cancel_session(session_named(course, "Opening"), actor=None)
    db.session.commit()

    assert send_change_notices(now_utc() + timedelta(minutes=5)) == 0
    assert send_change_notices(later()) == 2
    db.session.commit()
    assert len(notice_lines(outbox()[0])) == 2


def test_changes_that_cancel_out_send_nothing(course, people):
    session = session_named(course, "Group work")
    cancel_session(session, actor=None)
    restore_session(session, actor=None)
    update_session(session, data_for(session, start=time(15), end=time(16, 30)), actor=None)
    update_session(session, data_for(session, start=time(14), end=time(15, 30)), actor=None)
    db.session.commit()

    assert send_change_notices(later()) == 0
    db.session.commit()
    assert outbox() == []
    assert all(change.notified_at is not None for change in pending())


def test_cancelled_added_and_deleted_sessions_are_described(course, people):
    cancel_session(session_named(course, "Group work"), actor=None)
    add(course, "Study visit", start=time(16), end=time(17))
    delete_session(session_named(course, "Opening"), actor=None)
    moved = session_named(course, "Coffee break")  # breaks stay out of notices
    update_session(moved, data_for(moved, start=time(15, 40), end=time(16, 10)), actor=None)
    db.session.commit()

    assert run_tick(later()).change_notices == 2
    rows = by_recipient(outbox())
    english = rows["ana@example.org"]
    opening = times(time(9), time(10), day=MONDAY)
    assert notice_lines(english) == [
        f"Opening (Monday, November 20, 2017, {opening}): Removed from the programme",
        f"Group work (Thursday, November 23, 2017, {times(time(14), time(15, 30))}): Cancelled",
        f"Study visit (Thursday, November 23, 2017, {times(time(16), time(17))}): New session",
    ]
    assert "delete it there yourself" in body(english)
    [_removed, cancelled, added] = notice_lines(rows["luc@example.org"])
    assert cancelled == "Group work (jeudi 23 novembre 2017, 14:00–15:30)\xa0: Annulée"
    assert added.startswith("Study visit (jeudi 23 novembre 2017, 16:00–17:00)\xa0: ")


def test_a_session_moved_to_another_day_shows_both_days(course, people):
    session = session_named(course, "Group work")
    friday = date(2017, 11, 24)
    update_session(session, data_for(session, day=friday, start=time(9), end=time(10)), actor=None)
    db.session.commit()
    send_change_notices(later())
    db.session.commit()
    [line] = notice_lines(by_recipient(outbox())["luc@example.org"])
    assert line == (
        "Group work\xa0: jeudi 23 novembre 2017, 14:00–15:30"
        " → vendredi 24 novembre 2017, 09:00–10:00"
    )


def test_only_confirmed_participants_are_told(course, people):
    session = session_named(course, "Group work")
    update_session(session, data_for(session, start=time(15), end=time(16, 30)), actor=None)
    db.session.commit()
    send_change_notices(later())
    db.session.commit()
    recipients = {row.recipient for row in outbox()}
    assert recipients == {"ana@example.org", "luc@example.org"}
    assert people["waitlisted"].email not in recipients
    assert people["cancelled"].email not in recipients


def test_a_course_unpublished_since_is_marked_without_a_mail(course, people):
    session = session_named(course, "Group work")
    update_session(session, data_for(session, start=time(15), end=time(16, 30)), actor=None)
    course.status = CourseStatus.CANCELLED
    db.session.commit()
    assert send_change_notices(later()) == 0
    db.session.commit()
    assert outbox() == []
    assert pending()[0].notified_at is not None


def test_tick_twice_sends_each_notice_once(course, people):
    session = session_named(course, "Group work")
    update_session(session, data_for(session, start=time(15), end=time(16, 30)), actor=None)
    db.session.commit()

    first = run_tick(later())
    second = run_tick(later(30))
    assert (first.change_notices, second.change_notices) == (2, 0)
    assert len(outbox()) == 2
    assert "timetable change notices queued: 2" in first.summary()

    # A later change is a new notice, about that change only.
    cancel_session(session, actor=None)
    db.session.commit()
    assert run_tick(later(60)).change_notices == 2
    rows = outbox()
    assert len(rows) == 4
    assert [len(notice_lines(row)) for row in rows[2:]] == [1, 1]
    assert notice_lines(rows[2])[0].endswith(": Cancelled")
