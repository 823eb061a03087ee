"""The follow-up phase's dates: their defaults, the rules on changing them, and where the phase
stands on a given day at the venue."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from app.accounts.models import Role
from app.followup.models import ActivityKind
from app.followup.services import (
    ActivityData,
    InvalidActivity,
    InvalidPhaseDates,
    apply_followup_defaults,
    check_followup_phase,
    create_activity,
    followup_window,
    phase_state,
    reset_followup_phase,
    update_followup_phase,
    venue_today,
)
from tests.factories import make_course, make_user, make_venue

LOGGER = "app.followup.services"


@pytest.fixture
def actor():
    return make_user(Role.ORGANISER, name="Ana Souza")


@pytest.fixture
def course():
    """The 2017 Turin course (on site 20-24 Nov 2017), phase on its default dates
    (8 Dec 2017 - 4 Jan 2018)."""
    course = make_course(slug="turin-2017", start=date(2017, 11, 20), venue=make_venue())
    apply_followup_defaults(course)
    return course


def webinar(title, day, start=time(15), end=time(16, 30)):
    return ActivityData(
        kind=ActivityKind.WEBINAR, title=title, day=day, start_time=start, end_time=end
    )


# --- defaults ----------------------------------------------------------------------------------


def test_a_course_with_only_its_opening_date_closes_four_weeks_later():
    course = make_course(start=date(2017, 11, 20))
    course.followup_opens_on = date(2017, 12, 1)
    apply_followup_defaults(course)
    assert (course.followup_opens_on, course.followup_closes_on) == (
        date(2017, 12, 1),
        date(2017, 12, 28),
    )


def test_a_course_with_only_its_closing_date_opens_two_weeks_after_the_week():
    course = make_course(start=date(2017, 11, 20))
    course.followup_closes_on = date(2018, 1, 31)
    apply_followup_defaults(course)
    assert (course.followup_opens_on, course.followup_closes_on) == (
        date(2017, 12, 8),
        date(2018, 1, 31),
    )


def test_an_activity_is_checked_against_the_phase_its_course_then_gets(actor):
    # Only the opening date is set: the phase will run 1-28 December, not 8 Dec - 4 Jan.
    course = make_course(start=date(2017, 11, 20))
    course.followup_opens_on = date(2017, 12, 1)
    assert followup_window(course) == (date(2017, 12, 1), date(2017, 12, 28))
    early = create_activity(course, webinar("Early start", date(2017, 12, 4)), actor=actor)
    with pytest.raises(InvalidActivity) as caught:
        create_activity(course, webinar("After the end", date(2018, 1, 2)), actor=actor)
    assert list(caught.value.errors) == ["day"]
    assert course.activities == [early]
    assert (course.followup_opens_on, course.followup_closes_on) == (
        date(2017, 12, 1),
        date(2017, 12, 28),
    )


# --- changing the dates ------------------------------------------------------------------------


def test_a_phase_may_open_the_day_after_the_last_on_site_day_and_last_two_days(course, actor):
    update_followup_phase(course, date(2017, 11, 25), date(2017, 11, 26), actor=actor)
    assert (course.followup_opens_on, course.followup_closes_on) == (
        date(2017, 11, 25),
        date(2017, 11, 26),
    )


def test_a_phase_closing_before_it_opens_is_refused_beside_the_closing_date(
    app: Flask, course, actor
):
    with pytest.raises(InvalidPhaseDates) as caught:
        update_followup_phase(course, date(2017, 12, 8), date(2017, 12, 7), actor=actor)
    with app.test_request_context():
        assert {name: [str(m) for m in ms] for name, ms in caught.value.errors.items()} == {
            "closes_on": ["The follow-up phase must close after it opens."]
        }


def test_both_broken_rules_are_reported_at_once(app: Flask, course, actor):
    with pytest.raises(InvalidPhaseDates) as caught:
        update_followup_phase(course, date(2017, 11, 23), date(2017, 11, 22), actor=actor)
    with app.test_request_context():
        assert str(caught.value) == (
            "The follow-up phase must open after the last on-site day (November 24, 2017). "
            "The follow-up phase must close after it opens."
        )
    assert (course.followup_opens_on, course.followup_closes_on) == (
        date(2017, 12, 8),
        date(2018, 1, 4),
    )


def test_the_dates_cannot_leave_activities_outside_and_the_message_names_them(
    app: Flask, course, actor
):
    create_activity(course, webinar("Kick-off", date(2017, 12, 8)), actor=actor)
    create_activity(course, webinar("Mid-term review", date(2017, 12, 20)), actor=actor)
    create_activity(course, webinar("Closing webinar", date(2018, 1, 4)), actor=actor)
    with pytest.raises(InvalidPhaseDates) as caught:
        update_followup_phase(course, date(2017, 12, 9), date(2018, 1, 3), actor=actor)
    assert list(caught.value.errors) == [None]
    with app.test_request_context():
        assert str(caught.value) == (
            "These activities would fall outside the new dates: Kick-off, Closing webinar. "
            "Change their dates or remove them first."
        )
    assert (course.followup_opens_on, course.followup_closes_on) == (
        date(2017, 12, 8),
        date(2018, 1, 4),
    )


def test_the_dates_may_shrink_to_the_first_and_last_activity(course, actor):
    create_activity(course, webinar("Kick-off", date(2017, 12, 11)), actor=actor)
    create_activity(course, webinar("Closing webinar", date(2017, 12, 21)), actor=actor)
    update_followup_phase(course, date(2017, 12, 11), date(2017, 12, 21), actor=actor)
    assert (course.followup_opens_on, course.followup_closes_on) == (
        date(2017, 12, 11),
        date(2017, 12, 21),
    )


def test_an_undated_discussion_never_holds_the_dates_back(course, actor):
    create_activity(
        course, ActivityData(kind=ActivityKind.DISCUSSION, title="Open forum"), actor=actor
    )
    update_followup_phase(course, date(2017, 12, 11), date(2017, 12, 15), actor=actor)
    assert course.followup_closes_on == date(2017, 12, 15)


def test_an_activity_falls_on_its_day_at_the_venue_not_in_utc(course, actor):
    # 00:30 on 4 January in Turin is still 3 January in UTC (and 4 January in Auckland).
    create_activity(
        course,
        webinar("Night shift", date(2018, 1, 4), start=time(0, 30), end=time(1)),
        actor=actor,
    )
    with pytest.raises(InvalidPhaseDates):
        check_followup_phase(course, date(2017, 12, 8), date(2018, 1, 3))
    check_followup_phase(course, date(2018, 1, 4), date(2018, 1, 5))


def test_an_activity_late_at_night_at_a_venue_behind_utc_falls_on_its_own_day(actor):
    # 23:30 on 8 December in Quito is already 9 December in UTC.
    course = make_course(start=date(2017, 11, 20), venue=make_venue("America/Guayaquil"))
    apply_followup_defaults(course)
    create_activity(
        course,
        webinar("Late webinar", date(2017, 12, 8), start=time(23), end=time(23, 30)),
        actor=actor,
    )
    with pytest.raises(InvalidPhaseDates):
        check_followup_phase(course, date(2017, 12, 9), date(2018, 1, 4))


def test_the_other_courses_activities_do_not_hold_the_dates_back(course, actor, neighbour):
    # The neighbour's assignment is due on 8 December 2017, its webinar on 24 November.
    assert neighbour.activities[0].due_at.date() == date(2017, 12, 8)
    update_followup_phase(course, date(2017, 12, 9), date(2017, 12, 10), actor=actor)
    assert course.followup_opens_on == date(2017, 12, 9)


def test_setting_the_dates_is_logged_with_the_actor(course, actor, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        update_followup_phase(course, date(2017, 12, 1), date(2018, 1, 31), actor=actor)
    assert [r.getMessage() for r in caplog.records if r.name == LOGGER] == [
        f"follow-up phase of turin-2017 set to 2017-12-01 .. 2018-01-31 by {actor.id}"
    ]


def test_a_command_without_a_user_is_logged_by_its_name(course, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        reset_followup_phase(course, actor="cli")
    assert [r.getMessage() for r in caplog.records if r.name == LOGGER] == [
        "follow-up phase of turin-2017 set to 2017-12-08 .. 2018-01-04 by cli"
    ]


def test_refused_dates_are_not_logged(course, actor, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER), pytest.raises(InvalidPhaseDates):
        update_followup_phase(course, date(2017, 11, 24), date(2018, 1, 31), actor=actor)
    assert [r for r in caplog.records if r.name == LOGGER] == []


def test_reset_is_refused_while_an_activity_lies_outside_the_default_dates(course, actor):
    update_followup_phase(course, date(2017, 12, 1), date(2018, 1, 31), actor=actor)
    create_activity(course, webinar("Early start", date(2017, 12, 4)), actor=actor)
    with pytest.raises(InvalidPhaseDates):
        reset_followup_phase(course, actor=actor)
    assert (course.followup_opens_on, course.followup_closes_on) == (
        date(2017, 12, 1),
        date(2018, 1, 31),
    )


# --- where the phase stands ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opens_on", "closes_on"), [(date(2017, 12, 8), None), (None, date(2018, 1, 4))]
)
def test_a_phase_with_one_date_only_is_not_scheduled(opens_on, closes_on):
    course = make_course(start=date(2017, 11, 20))
    course.followup_opens_on, course.followup_closes_on = opens_on, closes_on
    assert phase_state(course, date(2017, 12, 20)) == "not_scheduled"


def test_today_defaults_to_the_date_at_the_venue_now():
    # Quito is 18 hours behind the machine's Auckland: most of the day, their dates differ.
    course = make_course(venue=make_venue("America/Guayaquil"))
    before = datetime.now(ZoneInfo("America/Guayaquil")).date()
    today = venue_today(course)
    after = datetime.now(ZoneInfo("America/Guayaquil")).date()
    assert today in {before, after}


def test_just_before_midnight_in_utc_it_is_already_tomorrow_in_turin():
    course = make_course(venue=make_venue("Europe/Rome"))
    assert venue_today(course, datetime(2017, 12, 7, 22, 59, 59, tzinfo=UTC)) == date(2017, 12, 7)
    assert venue_today(course, datetime(2017, 12, 7, 23, 0, tzinfo=UTC)) == date(2017, 12, 8)
