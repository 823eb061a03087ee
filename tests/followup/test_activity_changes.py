"""Adding, changing and removing activities: what is stored, what calendar subscribers see
change (SEQUENCE, LAST-MODIFIED), what the edit form is prefilled with, and what is logged."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time

import pytest

from app.accounts.models import Role
from app.extensions import db
from app.followup.models import ActivityKind, FollowupActivity
from app.followup.services import (
    ActivityData,
    InvalidActivity,
    apply_followup_defaults,
    create_activity,
    delete_activity,
    update_activity,
)
from tests.factories import make_course, make_user, make_venue

LOGGER = "app.followup.services"


@pytest.fixture
def actor():
    return make_user(Role.ORGANISER, name="Lucía Peres")


@pytest.fixture
def course():
    """The 2017 Turin course: on site 20-24 Nov 2017, phase 8 Dec 2017 - 4 Jan 2018."""
    course = make_course(slug="turin-2017", start=date(2017, 11, 20), venue=make_venue())
    apply_followup_defaults(course)
    return course


def webinar(**kw):
    fields = {
        "title": "Action plans: first review",
        "day": date(2017, 12, 12),
        "start_time": time(15),
        "end_time": time(16, 30),
        "link": "https://meet.example.org/turin",
    }
    return ActivityData(**{"kind": ActivityKind.WEBINAR, **fields, **kw})


def assignment(**kw):
    fields = {"title": "Local action plan", "due_date": date(2017, 12, 20), "due_time": time(18)}
    return ActivityData(kind=ActivityKind.ASSIGNMENT, **{**fields, **kw})


def logged(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


# --- adding ------------------------------------------------------------------------------------


def test_the_first_activity_of_a_course_is_first_whatever_other_courses_hold(
    course, actor, neighbour
):
    assert [a.position for a in neighbour.activities] == [0, 1]
    first = create_activity(course, webinar(), actor=actor)
    second = create_activity(course, assignment(), actor=actor)
    assert (first.position, second.position) == (0, 1)


def test_a_new_activity_is_new_to_calendars(course, actor):
    activity = create_activity(course, webinar(), actor=actor)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(FollowupActivity, activity.id)
    assert stored.sequence == 0
    assert stored.course_id == course.id
    assert stored.uid


def test_adding_is_logged_with_the_activity_course_and_actor(course, actor, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        activity = create_activity(course, webinar(), actor=actor)
    assert logged(caplog) == [f"follow-up activity {activity.id} added to turin-2017 by {actor.id}"]


def test_a_refused_activity_is_not_logged(course, actor, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER), pytest.raises(InvalidActivity):
        create_activity(course, webinar(title=""), actor=actor)
    assert logged(caplog) == []


# --- changing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"end_time": time(17)},
        {"start_time": time(14, 30)},
        {"kind": ActivityKind.DISCUSSION, "end_time": None},
    ],
)
def test_a_webinar_moved_or_turned_into_something_else_raises_the_sequence(course, actor, change):
    activity = create_activity(course, webinar(), actor=actor)
    update_activity(activity, webinar(**change), actor=actor)
    assert activity.sequence == 1


def test_a_new_due_time_raises_the_sequence(course, actor):
    activity = create_activity(course, assignment(), actor=actor)
    update_activity(activity, assignment(due_time=time(20)), actor=actor)
    assert activity.due_at == datetime(2017, 12, 20, 19, 0, tzinfo=UTC)
    assert activity.sequence == 1


def test_an_unchanged_save_of_an_assignment_keeps_the_sequence(course, actor):
    activity = create_activity(course, assignment(), actor=actor)
    update_activity(activity, ActivityData.from_activity(activity), actor=actor)
    assert activity.sequence == 0


def test_making_an_activity_required_is_stored_without_a_new_sequence(course, actor):
    activity = create_activity(course, assignment(), actor=actor)
    update_activity(activity, assignment(is_required=True), actor=actor)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(FollowupActivity, activity.id)
    assert (stored.is_required, stored.sequence) == (True, 0)
    update_activity(stored, assignment(is_required=False), actor=actor)
    assert (stored.is_required, stored.sequence) == (False, 0)


def test_a_change_is_stored_with_a_new_modification_time(course, actor):
    activity = create_activity(course, webinar(), actor=actor)
    created_at, first_saved = activity.created_at, activity.updated_at
    db.session.commit()
    update_activity(activity, webinar(title="  Action plans: second review ", link=""), actor=actor)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(FollowupActivity, activity.id)
    assert (stored.title, stored.link, stored.sequence) == ("Action plans: second review", "", 1)
    assert stored.updated_at > first_saved
    assert stored.created_at == created_at


def test_turning_a_webinar_into_an_assignment_keeps_only_the_due_time(course, actor):
    activity = create_activity(course, webinar(description="Bring your plan."), actor=actor)
    update_activity(activity, assignment(description=" Send your plan. "), actor=actor)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(FollowupActivity, activity.id)
    assert (stored.kind, stored.starts_at, stored.ends_at, stored.due_at) == (
        ActivityKind.ASSIGNMENT,
        None,
        None,
        datetime(2017, 12, 20, 17, 0, tzinfo=UTC),
    )
    assert stored.description == "Send your plan."


def test_saving_an_activity_gives_an_unscheduled_phase_the_dates_it_was_checked_against(
    course, actor
):
    activity = create_activity(course, webinar(), actor=actor)
    course.followup_opens_on = course.followup_closes_on = None
    update_activity(activity, webinar(day=date(2018, 1, 4)), actor=actor)
    assert (course.followup_opens_on, course.followup_closes_on) == (
        date(2017, 12, 8),
        date(2018, 1, 4),
    )


def test_changing_is_logged_with_the_actor(course, actor, caplog):
    activity = create_activity(course, webinar(), actor=actor)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        update_activity(activity, webinar(title="Second review"), actor=actor)
    assert logged(caplog) == [f"follow-up activity {activity.id} changed by {actor.id}"]


# --- the edit form, prefilled ----------------------------------------------------------------


def test_the_edit_form_shows_an_assignment_as_entered(course, actor):
    data = assignment(
        description="Two pages.", link="https://forum.example.org/plan", is_required=True
    )
    activity = create_activity(course, data, actor=actor)
    assert ActivityData.from_activity(activity) == ActivityData(
        kind=ActivityKind.ASSIGNMENT,
        title="Local action plan",
        description="Two pages.",
        due_date=date(2017, 12, 20),
        due_time=time(18),
        link="https://forum.example.org/plan",
        is_required=True,
    )


def test_the_edit_form_shows_a_webinar_as_entered(course, actor):
    activity = create_activity(course, webinar(), actor=actor)
    assert ActivityData.from_activity(activity) == webinar()


def test_the_edit_form_shows_a_discussion_at_the_venue_time_even_across_midnight_utc(course, actor):
    # 00:30 in Turin on 14 December is 23:30 UTC on the 13th.
    data = ActivityData(
        kind=ActivityKind.DISCUSSION, title="Forum", day=date(2017, 12, 14), start_time=time(0, 30)
    )
    activity = create_activity(course, data, actor=actor)
    assert ActivityData.from_activity(activity) == data


def test_the_edit_form_of_an_undated_discussion_has_no_date(course, actor):
    data = ActivityData(kind=ActivityKind.DISCUSSION, title="Forum")
    activity = create_activity(course, data, actor=actor)
    assert ActivityData.from_activity(activity) == data


# --- removing ----------------------------------------------------------------------------------


def test_removing_an_activity_keeps_the_others(course, actor, neighbour):
    kept = create_activity(course, assignment(), actor=actor)
    removed = create_activity(course, webinar(), actor=actor)
    db.session.commit()
    delete_activity(removed, actor=actor)
    db.session.commit()
    db.session.expire_all()
    assert course.activities == [kept]
    assert db.session.get(FollowupActivity, removed.id) is None


def test_removing_is_logged_with_the_activity_course_and_actor(course, actor, caplog):
    activity = create_activity(course, webinar(), actor=actor)
    activity_id = activity.id
    with caplog.at_level(logging.INFO, logger=LOGGER):
        delete_activity(activity, actor=actor)
    assert logged(caplog) == [
        f"follow-up activity {activity_id} removed from turin-2017 by {actor.id}"
    ]
