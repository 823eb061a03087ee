"""Changing the sessions of a published course: what calendars see (SEQUENCE, updated_at, the
course's last change), what participants are told (change notices), and who may change them."""

from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.courses.models import CourseStatus, CourseTeamMember, TeamRole
from app.db import now_utc
from app.extensions import db
from app.feeds.models import ScheduleChange
from app.schedule.models import CourseSession, SessionKind, SessionStatus
from app.schedule.services import (
    InvalidSession,
    NotAllowed,
    SessionData,
    cancel_session,
    create_session,
    delete_session,
    local_times,
    restore_session,
    update_session,
)
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.schedule.conftest import add_session

THURSDAY = date(2017, 11, 23)
LONG_AGO = datetime(2017, 9, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def organiser():
    return make_user(Role.ORGANISER, name="Ana Souza", email="ana.souza@example.org")


@pytest.fixture
def course(organiser):
    """A published course whose timetable was written while it was a draft (nothing to tell
    yet): "Group work" on Thursday 14:00-15:30 in Room A, and a coffee break."""
    course = make_course(status=CourseStatus.DRAFT, organisers=(organiser,))
    add_session(
        course,
        "Group work",
        day=THURSDAY,
        start=time(14),
        end=time(15, 30),
        room=course.venue.rooms[0],
        kind=SessionKind.GROUP_WORK,
    )
    course.status = CourseStatus.PUBLISHED
    db.session.commit()
    return course


@pytest.fixture
def session(course):
    """The course's "Group work", last changed long ago."""
    [found] = [s for s in course.sessions if s.title == "Group work"]
    found.updated_at = LONG_AGO
    db.session.commit()
    return found


def data_for(session, **changes):
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


def pending(course):
    """The changes waiting to be told to the course's participants, oldest first."""
    return [
        (change.session_uid, change.session_title, change.changes)
        for change in db.session.scalars(
            sa.select(ScheduleChange)
            .where(ScheduleChange.course_id == course.id)
            .order_by(ScheduleChange.id)
        )
    ]


def iso(value):
    return value.isoformat()


# Adding -----------------------------------------------------------------------------------


def test_a_new_session_of_a_published_course_is_told_to_its_participants(course, organiser):
    before = now_utc()
    data = SessionData(title="Study visit", day=THURSDAY, start=time(16), end=time(17, 30))

    session = create_session(course, data, actor=organiser)

    assert pending(course) == [(session.uid, "Study visit", {"added": True})]
    assert session.sequence == 0
    assert session.status == SessionStatus.SCHEDULED
    assert session.created_at >= before and session.updated_at >= before
    assert session in course.sessions


def test_a_new_session_of_a_draft_course_is_not_told(organiser):
    draft = make_course(status=CourseStatus.DRAFT, organisers=(organiser,))

    add_session(draft, "Study visit")

    assert pending(draft) == []


def test_spaces_around_what_is_typed_are_not_stored(course, organiser):
    data = SessionData(
        title="  Study visit ",
        day=THURSDAY,
        start=time(16),
        end=time(17, 30),
        facilitators=" Lucía Pérez, Lucia Peres\n",
        description="\n Meet at the campus gate. \n",
    )

    session = create_session(course, data, actor=organiser)

    assert session.title == "Study visit"
    assert session.facilitators == "Lucía Pérez, Lucia Peres"
    assert session.description == "Meet at the campus gate."


# Changing ---------------------------------------------------------------------------------


def test_moving_a_session_raises_its_sequence_and_tells_the_participants(session, organiser):
    old_start, old_end = session.starts_at, session.ends_at

    changed = update_session(
        session, data_for(session, start=time(15), end=time(16, 30)), actor=organiser
    )

    assert changed is True
    assert session.sequence == 1
    assert session.starts_at == datetime(2017, 11, 23, 14, 0, tzinfo=UTC)
    assert session.updated_at > LONG_AGO
    assert pending(session.course) == [
        (
            session.uid,
            "Group work",
            {
                "start": [iso(old_start), iso(session.starts_at)],
                "end": [iso(old_end), iso(session.ends_at)],
            },
        )
    ]


def test_every_calendar_change_raises_the_sequence_again(session, organiser):
    cancel_session(session, actor=organiser)
    restore_session(session, actor=organiser)

    update_session(session, data_for(session, start=time(15), end=time(16, 30)), actor=organiser)
    update_session(session, data_for(session, title="Working groups"), actor=organiser)

    assert session.sequence == 4


def test_a_new_room_is_told_by_name(session, organiser):
    room_b = session.course.venue.rooms[1]

    assert update_session(session, data_for(session, room=room_b), actor=organiser) is True

    assert session.room == room_b
    assert session.sequence == 1
    assert pending(session.course) == [(session.uid, "Group work", {"room": ["Room A", "Room B"]})]


def test_taking_a_session_out_of_its_room_is_told(session, organiser):
    assert update_session(session, data_for(session, room=None), actor=organiser) is True

    assert session.room is None
    assert pending(session.course) == [(session.uid, "Group work", {"room": ["Room A", None]})]


def test_a_new_title_raises_the_sequence_without_a_notice(session, organiser):
    assert update_session(session, data_for(session, title="Working groups"), actor=organiser)

    assert session.title == "Working groups"
    assert session.sequence == 1
    assert session.updated_at > LONG_AGO
    assert pending(session.course) == []


def test_a_new_description_is_saved_without_a_new_sequence_or_a_notice(session, organiser):
    data = data_for(session, description="Bring your action plan.", facilitators="Anna Souza")

    assert update_session(session, data, actor=organiser) is False

    assert (session.description, session.facilitators) == ("Bring your action plan.", "Anna Souza")
    assert session.sequence == 0
    assert session.updated_at > LONG_AGO
    assert pending(session.course) == []


def test_saving_a_session_unchanged_changes_nothing(session, organiser):
    data = data_for(session, title=" Group work ")

    assert update_session(session, data, actor=organiser) is False

    db.session.commit()
    db.session.expire_all()
    assert session.sequence == 0
    assert session.updated_at == LONG_AGO
    assert pending(session.course) == []


def test_a_session_cannot_move_to_a_room_of_another_venue(session, organiser):
    elsewhere = make_venue(rooms=("Sala Rossa",)).rooms[0]

    with pytest.raises(InvalidSession) as caught:
        update_session(session, data_for(session, room=elsewhere), actor=organiser)

    assert {k: str(v) for k, v in caught.value.errors.items()} == {
        "room": "Choose a room at the course's venue."
    }
    assert str(caught.value) == "Choose a room at the course's venue."
    assert session.room.name == "Room A"
    assert session.sequence == 0


def test_a_session_keeps_its_room_when_the_course_moves_to_another_venue(session, organiser):
    # The room the session was planned in stays until someone chooses another.
    old_room = session.room
    session.course.venue = make_venue(rooms=("Sala Rossa",))
    db.session.flush()

    update_session(
        session, data_for(session, description="Still in the old room."), actor=organiser
    )

    assert session.room == old_room
    assert session.description == "Still in the old room."


# Cancelling, restoring, deleting --------------------------------------------------------


def test_cancelling_tells_the_participants_once(session, organiser):
    assert cancel_session(session, actor=organiser) is True
    assert session.status == SessionStatus.CANCELLED
    assert session.sequence == 1
    assert session.updated_at > LONG_AGO

    session.updated_at = LONG_AGO
    db.session.commit()
    assert cancel_session(session, actor=organiser) is False

    db.session.commit()
    db.session.expire_all()
    assert session.sequence == 1
    assert session.updated_at == LONG_AGO
    assert pending(session.course) == [
        (session.uid, "Group work", {"status": ["scheduled", "cancelled"]})
    ]


def test_restoring_a_cancelled_session_tells_the_participants(session, organiser):
    cancel_session(session, actor=organiser)
    session.updated_at = LONG_AGO
    db.session.commit()

    assert restore_session(session, actor=organiser) is True

    assert session.status == SessionStatus.SCHEDULED
    assert session.sequence == 2
    assert session.updated_at > LONG_AGO
    assert pending(session.course)[-1] == (
        session.uid,
        "Group work",
        {"status": ["cancelled", "scheduled"]},
    )


def test_restoring_a_session_that_was_not_cancelled_changes_nothing(session, organiser):
    assert restore_session(session, actor=organiser) is False

    db.session.commit()
    db.session.expire_all()
    assert session.sequence == 0
    assert session.updated_at == LONG_AGO
    assert pending(session.course) == []


def test_deleting_a_session_tells_the_participants_and_moves_the_courses_last_change(
    course, session, organiser
):
    course.updated_at = LONG_AGO
    db.session.commit()
    uid, when = session.uid, [iso(session.starts_at), iso(session.ends_at)]

    delete_session(session, actor=organiser)

    assert course.updated_at > LONG_AGO
    assert pending(course) == [(uid, "Group work", {"deleted": True, "when": when})]
    remaining = db.session.scalars(
        sa.select(CourseSession.title).where(CourseSession.course_id == course.id)
    ).all()
    assert remaining == []


# Who may change the timetable -----------------------------------------------------------

ACTIONS = {
    "add": lambda s, actor: create_session(
        s.course,
        SessionData(title="Extra", day=THURSDAY, start=time(16), end=time(17)),
        actor=actor,
    ),
    "edit": lambda s, actor: update_session(s, data_for(s, start=time(15)), actor=actor),
    "cancel": cancel_session,
    "restore": restore_session,
    "delete": delete_session,
}


def ready_for(action, session):
    """Put the session in a state where ``action`` changes something (restore: cancelled)."""
    if action == "restore":
        cancel_session(session, actor=None)
        db.session.commit()


def who(kind, course):
    """Someone with a name close to the organiser's, who is ``kind`` for ``course``."""
    if kind == "participant":
        participant = make_user(name="Anna Souza")
        make_registration(course, participant)
        return participant
    if kind == "facilitator":
        facilitator = make_user(name="Ana Sousa")
        course.team.append(CourseTeamMember(user=facilitator, role=TeamRole.FACILITATOR))
        db.session.flush()
        return facilitator
    if kind == "organiser of another course":
        other = make_user(Role.ORGANISER, name="Ana Souza Lima")
        make_course(organisers=(other,))
        return other
    return make_user(Role.ADMIN, name="Ana Souza (admin)")


@pytest.mark.parametrize("action", ["add", "edit", "cancel", "restore", "delete"])
@pytest.mark.parametrize("kind", ["participant", "facilitator", "organiser of another course"])
def test_people_who_do_not_manage_the_course_cannot_change_its_timetable(
    course, session, action, kind
):
    actor = who(kind, course)
    ready_for(action, session)
    sessions_before = [(s.uid, s.starts_at, s.status, s.sequence) for s in course.sessions]
    told_before = pending(course)

    with pytest.raises(NotAllowed) as caught:
        ACTIONS[action](session, actor=actor)

    assert str(caught.value) == "You do not have permission to change this timetable."
    assert [(s.uid, s.starts_at, s.status, s.sequence) for s in course.sessions] == sessions_before
    assert pending(course) == told_before


@pytest.mark.parametrize("action", ["add", "edit", "cancel", "restore", "delete"])
@pytest.mark.parametrize("kind", ["organiser", "admin", "system"])
def test_the_courses_organisers_administrators_and_the_system_may_change_it(
    course, session, organiser, action, kind
):
    actor = {"organiser": organiser, "system": None}[kind] if kind != "admin" else who(kind, course)
    ready_for(action, session)
    told_before = len(pending(course))

    ACTIONS[action](session, actor=actor)

    assert len(pending(course)) == told_before + 1
