"""DTSTAMP and LAST-MODIFIED: what tells a calendar client that an event has a new version.

They come from the last change of what the event shows (never the clock): the item's own, the
course's when the course is cancelled, the registration's while an application is not settled
and the draft course's in an organiser's feed. Stamps are set by hand here, with microseconds,
so that each rule is seen to pick the right moment to the second.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from app.accounts.models import Role
from app.courses.models import Course, CourseStatus, CourseTeamMember, TeamRole
from app.courses.services import set_course_status
from app.extensions import db
from app.feeds.calendars import (
    course_calendar,
    organiser_calendar,
    personal_calendar,
    session_event,
)
from app.followup.models import ActivityKind, FollowupActivity
from app.registration.models import RegistrationStatus
from app.schedule.models import CourseSession
from tests.factories import make_registration, make_user

from .conftest import add_activity, blocks, utc

# When the timetable and the follow-up work were last edited, and a later change.
ITEMS_CHANGED = datetime(2017, 10, 2, 8, 15, 30, 250_000, tzinfo=UTC)
LATER = datetime(2017, 10, 3, 17, 45, 10, 900_000, tzinfo=UTC)


def stamps(raw: bytes) -> dict[str, tuple[str, str]]:
    """(DTSTAMP, LAST-MODIFIED) of each event by UID, as the lines are written."""
    found = {}
    for block in blocks(raw, "VEVENT"):
        fields = dict(line.split(":", 1) for line in block if ":" in line)
        found[fields["UID"]] = (fields["DTSTAMP"], fields["LAST-MODIFIED"])
    # The strict parser reads the same events.
    assert len(IcsCalendarStream.calendar_from_ics(raw.decode()).events) == len(found)
    return found


def statuses(raw: bytes) -> set[str]:
    return {str(event["STATUS"]) for event in Calendar.from_ical(raw).walk("VEVENT")}


def feed_items(course: Course) -> list[CourseSession | FollowupActivity]:
    """What a course feed shows: sessions but breaks, and the activities (all timed here)."""
    return [*(s for s in course.sessions if not s.is_break), *course.activities]


def uid(item: CourseSession | FollowupActivity) -> str:
    kind = "session" if isinstance(item, CourseSession) else "activity"
    return f"{kind}-{item.uid}@atelier.test"


def edited(course: Course, items_at: datetime, course_at: datetime) -> None:
    """Record when the course's items and the course itself were last changed."""
    for item in [*course.sessions, *course.activities]:
        item.updated_at = items_at
    course.updated_at = course_at
    db.session.flush()


@pytest.fixture
def with_deadline(course: Course) -> Course:
    add_activity(course, ActivityKind.ASSIGNMENT, "Action plan", due_at=utc(2017, 12, 1, 16))
    return course


def test_every_event_takes_its_items_last_change_to_the_second(with_deadline):
    edited(with_deadline, ITEMS_CHANGED, ITEMS_CHANGED - timedelta(days=1))
    found = stamps(course_calendar(with_deadline, locale="en"))
    assert set(found) == {uid(item) for item in feed_items(with_deadline)}
    assert set(found.values()) == {("20171002T081530Z", "20171002T081530Z")}


def test_an_edit_of_a_live_course_that_no_event_shows_leaves_the_stamps_alone(with_deadline):
    with_deadline.capacity = 25
    edited(with_deadline, ITEMS_CHANGED, LATER)
    found = stamps(course_calendar(with_deadline, locale="en"))
    assert set(found.values()) == {("20171002T081530Z", "20171002T081530Z")}


def test_every_event_of_a_cancelled_course_counts_the_courses_last_change(with_deadline):
    set_course_status(with_deadline, CourseStatus.CANCELLED, actor=None)
    edited(with_deadline, ITEMS_CHANGED, LATER)
    # One session was moved after the course was cancelled: its own change is the later one.
    moved = next(s for s in with_deadline.sessions if not s.is_break)
    moved.updated_at = LATER + timedelta(hours=2)
    db.session.flush()

    raw = course_calendar(with_deadline, locale="en")
    found = stamps(raw)

    assert statuses(raw) == {"CANCELLED"}
    assert found.pop(f"session-{moved.uid}@atelier.test") == (
        "20171003T194510Z",
        "20171003T194510Z",
    )
    assert set(found.values()) == {("20171003T174510Z", "20171003T174510Z")}


def test_a_cancelled_course_changed_before_its_items_keeps_the_items_stamps(with_deadline):
    set_course_status(with_deadline, CourseStatus.CANCELLED, actor=None)
    edited(with_deadline, LATER, ITEMS_CHANGED)
    found = stamps(course_calendar(with_deadline, locale="en"))
    assert set(found.values()) == {("20171003T174510Z", "20171003T174510Z")}


# Applications not settled yet --------------------------------------------------------------


@pytest.mark.parametrize("status", [RegistrationStatus.SUBMITTED, RegistrationStatus.WAITLISTED])
def test_a_change_of_an_open_application_restamps_its_tentative_events(with_deadline, status):
    user = make_user(name="Ana Souza")
    registration = make_registration(with_deadline, user, status=status)
    edited(with_deadline, ITEMS_CHANGED, ITEMS_CHANGED)
    registration.updated_at = LATER
    db.session.flush()

    raw = personal_calendar(user)

    assert statuses(raw) == {"TENTATIVE"}
    assert set(stamps(raw).values()) == {("20171003T174510Z", "20171003T174510Z")}


@pytest.mark.parametrize(
    "status",
    [RegistrationStatus.SUBMITTED, RegistrationStatus.WAITLISTED, RegistrationStatus.CONFIRMED],
)
def test_an_application_older_than_the_events_leaves_their_stamps(with_deadline, status):
    user = make_user(name="Anna Souza")
    registration = make_registration(with_deadline, user, status=status)
    edited(with_deadline, LATER, LATER)
    registration.updated_at = ITEMS_CHANGED
    db.session.flush()

    found = stamps(personal_calendar(user))

    assert set(found.values()) == {("20171003T174510Z", "20171003T174510Z")}


def test_an_application_changed_within_the_events_last_second_leaves_their_stamps(
    with_deadline,
):
    user = make_user(name="Ana Sousa")
    registration = make_registration(with_deadline, user, status=RegistrationStatus.WAITLISTED)
    edited(with_deadline, LATER.replace(microsecond=0), LATER)
    registration.updated_at = LATER  # 0.9 s later, in the same second
    db.session.flush()

    found = stamps(personal_calendar(user))

    assert set(found.values()) == {("20171003T174510Z", "20171003T174510Z")}


def test_a_place_confirmed_after_the_last_edit_restamps_the_events_one_second_later(
    with_deadline,
):
    user = make_user(name="Ana Souza Lima")
    registration = make_registration(with_deadline, user)
    edited(with_deadline, LATER, LATER)
    registration.updated_at = LATER + timedelta(seconds=1)
    db.session.flush()

    raw = personal_calendar(user)

    assert statuses(raw) == {"CONFIRMED"}
    assert set(stamps(raw).values()) == {("20171003T174511Z", "20171003T174511Z")}


# Drafts in the organiser's feed --------------------------------------------------------------


def test_a_draft_course_edited_since_its_items_restamps_its_tentative_events(with_deadline):
    organiser = make_user(Role.ORGANISER, name="Lucía Pérez")
    with_deadline.status = CourseStatus.DRAFT
    with_deadline.team.append(CourseTeamMember(user=organiser, role=TeamRole.ORGANISER))
    edited(with_deadline, ITEMS_CHANGED, LATER)

    raw = organiser_calendar(organiser)

    assert statuses(raw) == {"TENTATIVE"}
    assert set(stamps(raw).values()) == {("20171003T174510Z", "20171003T174510Z")}


def test_a_session_not_saved_yet_has_no_stamp_to_give(course):
    """Nothing is stamped with the clock: an unsaved session is refused, not given "now"."""
    unsaved = CourseSession(
        course=course,
        title="Unsaved",
        starts_at=utc(2017, 10, 26, 16),
        ends_at=utc(2017, 10, 26, 17),
    )
    try:
        with pytest.raises(ValueError, match="no updated_at yet: flush it before building"):
            session_event(unsaved, "en")
    finally:
        course.sessions.remove(unsaved)


def test_each_registration_stamps_only_its_own_courses_events(with_deadline, neighbour):
    """Tesfaye Bekele Alemu waits for a seat on the neighbour course and has a place on this
    one, confirmed later than anything else changed: only this course's events carry it."""
    waiting = neighbour.registrations[4]
    assert waiting.status == RegistrationStatus.WAITLISTED
    mine = make_registration(with_deadline, waiting.user)
    edited(with_deadline, ITEMS_CHANGED, ITEMS_CHANGED)
    mine.updated_at = datetime.now(UTC) + timedelta(days=1)
    db.session.flush()

    raw = personal_calendar(waiting.user)
    found = stamps(raw)
    status = {str(e["UID"]): str(e["STATUS"]) for e in Calendar.from_ical(raw).walk("VEVENT")}

    confirmed = f"{mine.updated_at:%Y%m%dT%H%M%SZ}"
    for item in feed_items(with_deadline):
        assert found[uid(item)] == (confirmed, confirmed)
        assert status[uid(item)] == "CONFIRMED"
    for item in feed_items(neighbour.course):
        own = f"{max(item.updated_at, waiting.updated_at):%Y%m%dT%H%M%SZ}"
        assert found[uid(item)] == (own, own)
        assert status[uid(item)] == "TENTATIVE"
