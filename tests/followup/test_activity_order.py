"""The order of a course's activities: by date, then as the organisers arranged those that
share a date and time, with the move buttons that arrange them."""

from __future__ import annotations

import logging
from datetime import date, time

import pytest
from flask import Flask

from app.accounts.models import Role
from app.followup.models import ActivityKind
from app.followup.services import (
    ActivityData,
    ActivityNotMovable,
    activities_in_order,
    apply_followup_defaults,
    can_move,
    create_activity,
    delete_activity,
    move_activity,
)
from tests.factories import make_course, make_user, make_venue

LOGGER = "app.followup.services"


@pytest.fixture
def actor():
    return make_user(Role.ORGANISER, name="Tesfaye Bekele")


@pytest.fixture
def course():
    """The 2017 Turin course: on site 20-24 Nov 2017, phase 8 Dec 2017 - 4 Jan 2018."""
    course = make_course(slug="turin-2017", start=date(2017, 11, 20), venue=make_venue())
    apply_followup_defaults(course)
    return course


def add(course, actor, title, kind=ActivityKind.DISCUSSION, **kw):
    return create_activity(course, ActivityData(kind=kind, title=title, **kw), actor=actor)


def titles(course) -> list[str]:
    return [a.title for a in activities_in_order(course)]


def test_a_webinar_starting_when_an_assignment_is_due_keeps_the_organisers_order(course, actor):
    add(
        course,
        actor,
        "Plan",
        ActivityKind.ASSIGNMENT,
        due_date=date(2017, 12, 15),
        due_time=time(15),
    )
    add(
        course,
        actor,
        "Review",
        ActivityKind.WEBINAR,
        day=date(2017, 12, 15),
        start_time=time(15),
        end_time=time(16),
    )
    assert titles(course) == ["Plan", "Review"]


def test_a_discussion_opening_one_second_earlier_comes_first(course, actor):
    add(
        course,
        actor,
        "Plan",
        ActivityKind.ASSIGNMENT,
        due_date=date(2017, 12, 15),
        due_time=time(9, 0, 1),
    )
    add(course, actor, "Forum", day=date(2017, 12, 15), start_time=time(9))
    assert titles(course) == ["Forum", "Plan"]


def test_undated_discussions_follow_the_organisers_order_after_the_dated_ones(course, actor):
    add(course, actor, "Open forum")
    add(course, actor, "Questions to the trainers")
    add(course, actor, "Kick-off", day=date(2017, 12, 8))
    assert titles(course) == ["Kick-off", "Open forum", "Questions to the trainers"]


def test_moving_the_second_up_makes_it_first(course, actor):
    a, b, c = (add(course, actor, t) for t in ("A", "B", "C"))
    move_activity(b, "up", actor=actor)
    assert activities_in_order(course) == [b, a, c]
    assert [x.position for x in (b, a, c)] == [0, 1, 2]


def test_moving_the_second_to_last_down_makes_it_last(course, actor):
    a, b, c = (add(course, actor, t) for t in ("A", "B", "C"))
    move_activity(b, "down", actor=actor)
    assert activities_in_order(course) == [a, c, b]


def test_moving_renumbers_positions_left_by_a_removal(course, actor):
    a, _b, c = (add(course, actor, t) for t in ("A", "B", "C"))
    delete_activity(a, actor=actor)
    move_activity(c, "up", actor=actor)
    assert [(x.title, x.position) for x in activities_in_order(course)] == [("C", 0), ("B", 1)]


def test_only_neighbours_sharing_a_date_and_time_can_swap(course, actor):
    early = add(course, actor, "Early", day=date(2017, 12, 10), start_time=time(9))
    plan = add(
        course,
        actor,
        "Plan",
        ActivityKind.ASSIGNMENT,
        due_date=date(2017, 12, 10),
        due_time=time(9),
    )
    forum = add(course, actor, "Forum")
    assert [can_move(x, "up") for x in (early, plan, forum)] == [False, True, False]
    assert [can_move(x, "down") for x in (early, plan, forum)] == [True, False, False]


def test_a_lone_activity_cannot_move(course, actor):
    only = add(course, actor, "Open forum")
    assert (can_move(only, "up"), can_move(only, "down")) == (False, False)


def test_a_refused_move_says_why_and_changes_nothing(app: Flask, course, actor, caplog):
    early = add(course, actor, "Early", day=date(2017, 12, 10))
    late = add(course, actor, "Late", day=date(2017, 12, 11))
    with caplog.at_level(logging.INFO, logger=LOGGER), pytest.raises(ActivityNotMovable) as caught:
        move_activity(late, "up", actor=actor)
    with app.test_request_context():
        assert caught.value.messages == [
            "This activity cannot move that way: dated activities follow their dates. "
            "Change its date or time instead."
        ]
    assert list(caught.value.errors) == [None]
    assert activities_in_order(course) == [early, late]
    assert [r for r in caplog.records if r.name == LOGGER] == []


def test_an_unknown_direction_is_a_programming_error_naming_it(course, actor):
    activity = add(course, actor, "Open forum")
    with pytest.raises(ValueError) as caught:
        move_activity(activity, "left", actor=actor)  # type: ignore[arg-type]
    assert str(caught.value) == "direction must be 'up' or 'down', not 'left'"


def test_a_move_is_logged_with_its_direction_and_actor(course, actor, caplog):
    add(course, actor, "A")
    b = add(course, actor, "B")
    with caplog.at_level(logging.INFO, logger=LOGGER):
        move_activity(b, "up", actor=actor)
    assert [r.getMessage() for r in caplog.records if r.name == LOGGER] == [
        f"follow-up activity {b.id} moved up by {actor.id}"
    ]
