"""The follow-up phase's rules, called directly as a command or another area would."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from flask import Flask

from app.accounts.models import Role
from app.extensions import db
from app.followup.models import ActivityKind, FollowupActivity
from app.followup.services import (
    FOLLOWUP_GAP,
    FOLLOWUP_LENGTH,
    ActivityData,
    ActivityNotMovable,
    InvalidActivity,
    InvalidPhaseDates,
    activities_in_order,
    apply_followup_defaults,
    create_activity,
    default_followup_window,
    delete_activity,
    move_activity,
    phase_state,
    reset_followup_phase,
    update_activity,
    update_followup_phase,
    venue_today,
)
from tests.factories import make_course, make_user, make_venue


@pytest.fixture
def actor():
    return make_user(Role.ORGANISER)


@pytest.fixture
def course():
    """The 2017 Turin course (on site 20-24 Nov 2017), phase on its default dates."""
    course = make_course(start=date(2017, 11, 20), venue=make_venue("Europe/Rome"))
    apply_followup_defaults(course)
    return course


@pytest.fixture
def spring_course():
    """On site 26 Feb - 2 Mar 2018: the phase (16 Mar - 12 Apr) crosses 25 March, when Italy
    moves its clocks forward."""
    course = make_course(start=date(2018, 2, 26), venue=make_venue("Europe/Rome"))
    apply_followup_defaults(course)
    return course


def webinar(
    title="Action plans: first review",
    day=date(2017, 12, 12),
    start=time(15),
    end=time(16, 30),
    **kw,
):
    return ActivityData(
        kind=ActivityKind.WEBINAR, title=title, day=day, start_time=start, end_time=end, **kw
    )


def discussion(title="Sharing local practices", **kw):
    return ActivityData(kind=ActivityKind.DISCUSSION, title=title, **kw)


# --- the phase's dates -------------------------------------------------------------------------


def test_default_window_of_the_turin_course():
    assert default_followup_window(date(2017, 11, 24)) == (date(2017, 12, 8), date(2018, 1, 4))


def test_default_window_lasts_exactly_four_weeks_both_ends_included():
    opens, closes = default_followup_window(date(2017, 11, 24))
    assert opens - date(2017, 11, 24) == FOLLOWUP_GAP
    assert (closes - opens).days + 1 == FOLLOWUP_LENGTH.days == 28


def test_apply_defaults_sets_the_dates_of_a_course_without_them():
    course = make_course(start=date(2017, 11, 20))
    assert course.followup_opens_on is None
    apply_followup_defaults(course)
    assert (course.followup_opens_on, course.followup_closes_on) == (
        date(2017, 12, 8),
        date(2018, 1, 4),
    )


def test_apply_defaults_leaves_existing_dates_alone():
    course = make_course(start=date(2017, 11, 20))
    course.followup_opens_on = date(2017, 12, 1)
    course.followup_closes_on = date(2017, 12, 22)
    apply_followup_defaults(course)
    assert (course.followup_opens_on, course.followup_closes_on) == (
        date(2017, 12, 1),
        date(2017, 12, 22),
    )


def test_update_phase_sets_the_dates(course, actor):
    update_followup_phase(course, date(2017, 12, 1), date(2018, 1, 31), actor=actor)
    assert (course.followup_opens_on, course.followup_closes_on) == (
        date(2017, 12, 1),
        date(2018, 1, 31),
    )


@pytest.mark.parametrize(
    ("opens", "closes", "field"),
    [
        (date(2017, 11, 24), date(2017, 12, 31), "opens_on"),  # the last on-site day
        (date(2017, 11, 10), date(2017, 12, 31), "opens_on"),  # before the course
        (date(2017, 12, 8), date(2017, 12, 8), "closes_on"),
        (date(2017, 12, 8), date(2017, 12, 1), "closes_on"),
    ],
)
def test_update_phase_refuses_bad_dates(course, actor, opens, closes, field):
    with pytest.raises(InvalidPhaseDates) as caught:
        update_followup_phase(course, opens, closes, actor=actor)
    assert field in caught.value.errors
    assert course.followup_opens_on == date(2017, 12, 8)


def test_update_phase_message_names_the_last_on_site_day(app: Flask, course, actor):
    with pytest.raises(InvalidPhaseDates) as caught:
        update_followup_phase(course, date(2017, 11, 22), date(2017, 12, 31), actor=actor)
    with app.test_request_context():
        assert str(caught.value) == (
            "The follow-up phase must open after the last on-site day (November 24, 2017)."
        )


def test_update_phase_refuses_to_leave_an_activity_outside(course, actor):
    create_activity(course, webinar(day=date(2018, 1, 3)), actor=actor)
    with pytest.raises(InvalidPhaseDates) as caught:
        update_followup_phase(course, date(2017, 12, 8), date(2017, 12, 31), actor=actor)
    assert None in caught.value.errors
    assert course.followup_closes_on == date(2018, 1, 4)


def test_reset_puts_the_default_dates_back(course, actor):
    update_followup_phase(course, date(2017, 12, 1), date(2018, 1, 31), actor=actor)
    reset_followup_phase(course, actor=actor)
    assert (course.followup_opens_on, course.followup_closes_on) == (
        date(2017, 12, 8),
        date(2018, 1, 4),
    )


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2017, 11, 24), "upcoming"),
        (date(2017, 12, 7), "upcoming"),
        (date(2017, 12, 8), "open"),
        (date(2018, 1, 4), "open"),
        (date(2018, 1, 5), "closed"),
    ],
)
def test_phase_state(course, today, state):
    assert phase_state(course, today) == state


def test_phase_state_without_dates():
    assert phase_state(make_course(), date(2017, 12, 10)) == "not_scheduled"


def test_venue_today_is_the_date_at_the_venue():
    course = make_course(venue=make_venue("Pacific/Auckland"))
    late_evening_utc = datetime(2017, 12, 7, 23, 0, tzinfo=UTC)
    assert venue_today(course, late_evening_utc) == date(2017, 12, 8)


# --- creating activities ---------------------------------------------------------------------


def test_webinar_is_stored_as_the_utc_instant_of_the_venue_time(course, actor):
    activity = create_activity(course, webinar(), actor=actor)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(FollowupActivity, activity.id)
    assert stored.starts_at == datetime(2017, 12, 12, 14, 0, tzinfo=UTC)
    assert stored.ends_at == datetime(2017, 12, 12, 15, 30, tzinfo=UTC)
    assert stored.due_at is None
    assert stored.sequence == 0


def test_webinars_either_side_of_the_spring_clock_change(spring_course, actor):
    before = create_activity(spring_course, webinar(day=date(2018, 3, 23)), actor=actor)
    after = create_activity(spring_course, webinar(day=date(2018, 3, 27)), actor=actor)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(FollowupActivity, before.id).starts_at == datetime(
        2018, 3, 23, 14, 0, tzinfo=UTC
    )
    assert db.session.get(FollowupActivity, after.id).starts_at == datetime(
        2018, 3, 27, 13, 0, tzinfo=UTC
    )


def test_a_time_skipped_by_the_clock_change_is_refused(spring_course, actor):
    data = webinar(day=date(2018, 3, 25), start=time(2, 30), end=time(4))
    with pytest.raises(InvalidActivity) as caught:
        create_activity(spring_course, data, actor=actor)
    assert set(caught.value.errors) == {"start_time"}
    assert spring_course.activities == []


def test_assignment_due_date_alone_means_23_59_at_the_venue(course, actor):
    data = ActivityData(
        kind=ActivityKind.ASSIGNMENT, title="Action plan", due_date=date(2017, 12, 20)
    )
    activity = create_activity(course, data, actor=actor)
    assert activity.due_at == datetime(2017, 12, 20, 22, 59, tzinfo=UTC)
    assert activity.starts_at is None


def test_assignment_with_a_due_time(course, actor):
    data = ActivityData(
        kind=ActivityKind.ASSIGNMENT,
        title="Action plan",
        due_date=date(2017, 12, 20),
        due_time=time(12),
    )
    assert create_activity(course, data, actor=actor).due_at == datetime(
        2017, 12, 20, 11, 0, tzinfo=UTC
    )


def test_discussion_may_have_no_date(course, actor):
    activity = create_activity(course, discussion(), actor=actor)
    assert activity.starts_at is None
    assert activity.kind == ActivityKind.DISCUSSION


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        (webinar(day=None), {"day"}),
        (webinar(start=None, end=None), {"start_time", "end_time"}),
        (webinar(end=time(15)), {"end_time"}),
        (webinar(end=time(14)), {"end_time"}),
        (webinar(title="  "), {"title"}),
        (webinar(title="x" * 301), {"title"}),
        (webinar(link="ftp://example.org/room"), {"link"}),
        (webinar(link="example.org/room"), {"link"}),
        (ActivityData(kind=ActivityKind.ASSIGNMENT, title="Plan"), {"due_date"}),
        (discussion(start_time=time(9)), {"day"}),
    ],
)
def test_invalid_activities_are_refused_beside_their_fields(course, actor, data, fields):
    with pytest.raises(InvalidActivity) as caught:
        create_activity(course, data, actor=actor)
    assert set(caught.value.errors) == fields
    assert course.activities == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (webinar(day=date(2017, 12, 7)), "day"),
        (webinar(day=date(2018, 1, 5)), "day"),
        (
            ActivityData(kind=ActivityKind.ASSIGNMENT, title="Plan", due_date=date(2018, 1, 10)),
            "due_date",
        ),
        (discussion(day=date(2017, 11, 30)), "day"),
    ],
)
def test_activities_outside_the_phase_are_refused(course, actor, data, field):
    with pytest.raises(InvalidActivity) as caught:
        create_activity(course, data, actor=actor)
    assert set(caught.value.errors) == {field}
    assert course.activities == []


def test_outside_the_phase_message(app: Flask, course, actor):
    with pytest.raises(InvalidActivity) as caught:
        create_activity(course, webinar(day=date(2018, 2, 1)), actor=actor)
    with app.test_request_context():
        assert str(caught.value) == (
            "The webinar must take place during the follow-up phase "
            "(Dec 8, 2017\u2009\u2013\u2009Jan 4, 2018)."
        )


def test_first_and_last_day_of_the_phase_are_inside(course, actor):
    create_activity(course, webinar(day=date(2017, 12, 8)), actor=actor)
    create_activity(course, webinar(day=date(2018, 1, 4)), actor=actor)
    assert len(course.activities) == 2


def test_the_phase_is_checked_in_the_venue_calendar(actor):
    # 23:30 on the last day in Turin is already the next day in UTC.
    course = make_course(start=date(2017, 11, 20), venue=make_venue("Europe/Rome"))
    apply_followup_defaults(course)
    data = ActivityData(
        kind=ActivityKind.ASSIGNMENT, title="Plan", due_date=date(2018, 1, 4), due_time=time(23, 30)
    )
    assert create_activity(course, data, actor=actor).due_at == datetime(
        2018, 1, 4, 22, 30, tzinfo=UTC
    )


def test_creating_an_activity_schedules_an_unscheduled_phase(actor):
    course = make_course(start=date(2017, 11, 20))
    create_activity(course, webinar(), actor=actor)
    assert (course.followup_opens_on, course.followup_closes_on) == (
        date(2017, 12, 8),
        date(2018, 1, 4),
    )


def test_new_activities_go_to_the_end(course, actor):
    first = create_activity(course, discussion("First"), actor=actor)
    second = create_activity(course, discussion("Second"), actor=actor)
    assert second.position == first.position + 1


# --- changing activities ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Action plans: second review"},
        {"start_time": time(16), "end_time": time(17)},
        {"day": date(2017, 12, 13)},
        {"link": "https://meet.example.org/room-2"},
    ],
)
def test_a_visible_change_raises_the_sequence(course, actor, change):
    activity = create_activity(course, webinar(link="https://meet.example.org/room"), actor=actor)
    fields = {
        "title": "Action plans: first review",
        "day": date(2017, 12, 12),
        "start": time(15),
        "end": time(16, 30),
        "link": "https://meet.example.org/room",
    }
    if "start_time" in change:
        fields["start"], fields["end"] = change["start_time"], change["end_time"]
    else:
        fields.update(change)
    update_activity(activity, webinar(**fields), actor=actor)
    assert activity.sequence == 1


def test_changing_the_kind_raises_the_sequence_and_clears_other_times(course, actor):
    activity = create_activity(course, webinar(), actor=actor)
    data = ActivityData(
        kind=ActivityKind.ASSIGNMENT, title=activity.title, due_date=date(2017, 12, 20)
    )
    update_activity(activity, data, actor=actor)
    assert activity.sequence == 1
    assert activity.kind == ActivityKind.ASSIGNMENT
    assert (activity.starts_at, activity.ends_at) == (None, None)
    assert activity.due_at == datetime(2017, 12, 20, 22, 59, tzinfo=UTC)


def test_description_or_an_unchanged_save_keeps_the_sequence(course, actor):
    activity = create_activity(course, webinar(), actor=actor)
    update_activity(activity, webinar(), actor=actor)
    update_activity(activity, webinar(description="Bring your draft plan."), actor=actor)
    assert activity.sequence == 0
    assert activity.description == "Bring your draft plan."


def test_each_change_raises_the_sequence_by_one(course, actor):
    activity = create_activity(course, webinar(), actor=actor)
    update_activity(activity, webinar(title="One"), actor=actor)
    update_activity(activity, webinar(title="Two"), actor=actor)
    assert activity.sequence == 2


def test_an_invalid_change_changes_nothing(course, actor):
    activity = create_activity(course, webinar(), actor=actor)
    with pytest.raises(InvalidActivity):
        update_activity(activity, webinar(title="Moved", day=date(2018, 2, 1)), actor=actor)
    assert (activity.title, activity.sequence) == ("Action plans: first review", 0)


def test_activity_data_from_an_activity_is_in_venue_time(spring_course, actor):
    activity = create_activity(spring_course, webinar(day=date(2018, 3, 27)), actor=actor)
    data = ActivityData.from_activity(activity)
    assert (data.day, data.start_time, data.end_time) == (date(2018, 3, 27), time(15), time(16, 30))


def test_delete_activity(course, actor):
    activity = create_activity(course, webinar(), actor=actor)
    db.session.commit()
    delete_activity(activity, actor=actor)
    db.session.commit()
    assert course.activities == []
    assert db.session.get(FollowupActivity, activity.id) is None


# --- order -----------------------------------------------------------------------------------


def test_activities_in_order_by_date_undated_discussions_last(course, actor):
    forum = create_activity(course, discussion("Forum"), actor=actor)
    late = create_activity(course, webinar("Late", day=date(2017, 12, 20)), actor=actor)
    plan = create_activity(
        course,
        ActivityData(kind=ActivityKind.ASSIGNMENT, title="Plan", due_date=date(2017, 12, 15)),
        actor=actor,
    )
    early = create_activity(course, webinar("Early", day=date(2017, 12, 11)), actor=actor)
    assert activities_in_order(course) == [early, plan, late, forum]


def test_move_swaps_undated_discussions(course, actor):
    a = create_activity(course, discussion("A"), actor=actor)
    b = create_activity(course, discussion("B"), actor=actor)
    c = create_activity(course, discussion("C"), actor=actor)
    move_activity(c, "up", actor=actor)
    assert activities_in_order(course) == [a, c, b]
    move_activity(a, "down", actor=actor)
    assert activities_in_order(course) == [c, a, b]
    assert [x.position for x in activities_in_order(course)] == [0, 1, 2]


def test_move_swaps_activities_at_the_same_time(course, actor):
    plan = ActivityData(kind=ActivityKind.ASSIGNMENT, title="Plan", due_date=date(2017, 12, 15))
    essay = ActivityData(kind=ActivityKind.ASSIGNMENT, title="Essay", due_date=date(2017, 12, 15))
    first = create_activity(course, plan, actor=actor)
    second = create_activity(course, essay, actor=actor)
    move_activity(second, "up", actor=actor)
    assert activities_in_order(course) == [second, first]


def test_moving_does_not_raise_the_sequence(course, actor):
    a = create_activity(course, discussion("A"), actor=actor)
    b = create_activity(course, discussion("B"), actor=actor)
    move_activity(b, "up", actor=actor)
    assert (a.sequence, b.sequence) == (0, 0)


@pytest.mark.parametrize("direction", ["up", "down"])
def test_move_past_the_ends_or_across_dates_is_refused(course, actor, direction):
    early = create_activity(course, webinar("Early", day=date(2017, 12, 11)), actor=actor)
    late = create_activity(course, webinar("Late", day=date(2017, 12, 20)), actor=actor)
    with pytest.raises(ActivityNotMovable):
        move_activity(early if direction == "up" else late, direction, actor=actor)
    with pytest.raises(ActivityNotMovable):
        move_activity(late if direction == "up" else early, direction, actor=actor)
    assert activities_in_order(course) == [early, late]


def test_move_refuses_an_unknown_direction(course, actor):
    activity = create_activity(course, discussion(), actor=actor)
    with pytest.raises(ValueError, match="direction"):
        move_activity(activity, "sideways", actor=actor)  # type: ignore[arg-type]
