"""Checking an activity as an organiser entered it: the messages shown beside each field, the
limits, and turning wall-clock times at the venue into the instants stored, around midnight
and the clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import Flask
from flask_babel import force_locale

from app.accounts.models import Role
from app.followup.models import ActivityKind
from app.followup.services import (
    ActivityData,
    InvalidActivity,
    apply_followup_defaults,
    check_activity,
    create_activity,
)
from tests.factories import make_course, make_user, make_venue

WEBINAR, ASSIGNMENT, DISCUSSION = (
    ActivityKind.WEBINAR,
    ActivityKind.ASSIGNMENT,
    ActivityKind.DISCUSSION,
)


@pytest.fixture
def actor():
    return make_user(Role.ORGANISER, name="Anna Souza")


@pytest.fixture
def course():
    """The 2017 Turin course: on site 20-24 Nov 2017, phase 8 Dec 2017 - 4 Jan 2018."""
    course = make_course(start=date(2017, 11, 20), venue=make_venue("Europe/Rome"))
    apply_followup_defaults(course)
    return course


def phase_around(day: date, tz: str):
    """A course at a venue in ``tz`` whose phase (four weeks) includes ``day``."""
    course = make_course(start=date.fromordinal(day.toordinal() - 24), venue=make_venue(tz))
    apply_followup_defaults(course)
    assert course.followup_opens_on <= day <= course.followup_closes_on
    return course


def webinar(day=date(2017, 12, 12), start=time(15), end=time(16, 30), **kw):
    kw.setdefault("title", "Action plans: first review")
    return ActivityData(kind=WEBINAR, day=day, start_time=start, end_time=end, **kw)


def assignment(due_date=date(2017, 12, 20), due_time=None, **kw):
    kw.setdefault("title", "Local action plan")
    return ActivityData(kind=ASSIGNMENT, due_date=due_date, due_time=due_time, **kw)


def discussion(day=None, start_time=None, **kw):
    kw.setdefault("title", "Sharing local practices")
    return ActivityData(kind=DISCUSSION, day=day, start_time=start_time, **kw)


def refusal(app: Flask, course, data, locale: str = "en") -> dict[str | None, list[str]]:
    """The messages, field by field, as the form would show them in ``locale``."""
    with pytest.raises(InvalidActivity) as caught:
        check_activity(course, data)
    with app.test_request_context(), force_locale(locale):
        return {name: [str(m) for m in messages] for name, messages in caught.value.errors.items()}


# --- the messages beside each field ----------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (webinar(title=" \t "), {"title": ["Enter a title."]}),
        (webinar(day=None), {"day": ["Enter the webinar's date."]}),
        (webinar(start=None), {"start_time": ["Enter the time the webinar starts."]}),
        (webinar(end=None), {"end_time": ["Enter the time the webinar ends."]}),
        (webinar(end=time(15)), {"end_time": ["The webinar must end after it starts."]}),
        (assignment(due_date=None), {"due_date": ["Enter the date the assignment is due."]}),
        (
            discussion(start_time=time(9)),
            {"day": ["Enter the date the discussion opens, or leave the time empty."]},
        ),
        (
            discussion(link="https://forum.example.org/local practices"),
            {"link": ["The link must be a web address starting with https:// or http://."]},
        ),
    ],
)
def test_each_missing_or_wrong_field_has_its_message(app, course, data, expected):
    assert refusal(app, course, data) == expected


def test_every_problem_is_reported_at_once(app, course):
    data = webinar(title="", day=None, start=None, link="meet.example.org")
    assert refusal(app, course, data) == {
        "title": ["Enter a title."],
        "link": ["The link must be a web address starting with https:// or http://."],
        "day": ["Enter the webinar's date."],
        "start_time": ["Enter the time the webinar starts."],
    }


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            assignment(due_date=date(2017, 12, 7)),
            {
                "due_date": [
                    "The assignment must be due during the follow-up phase "
                    "(Dec 8, 2017\u2009\u2013\u2009Jan 4, 2018)."
                ]
            },
        ),
        (
            discussion(day=date(2018, 1, 5), start_time=time(9)),
            {
                "day": [
                    "The discussion must open during the follow-up phase "
                    "(Dec 8, 2017\u2009\u2013\u2009Jan 4, 2018)."
                ]
            },
        ),
    ],
)
def test_outside_the_phase_each_kind_says_what_must_fall_inside(app, course, data, expected):
    assert refusal(app, course, data) == expected


def test_messages_are_shown_in_the_readers_language(app, course):
    data = assignment(due_date=None, title="")
    assert refusal(app, course, data, "fr") == {
        "title": ["Saisissez un titre."],
        "due_date": ["Indiquez la date limite de remise du devoir."],
    }


# --- limits ------------------------------------------------------------------------------------


def test_a_title_of_300_characters_is_kept_whole(course, actor):
    title = "Plan " * 59 + "final"  # 300 characters
    assert len(title) == 300
    assert create_activity(course, webinar(title=title), actor=actor).title == title


def test_a_title_of_301_characters_is_refused_with_the_limit(app, course):
    assert refusal(app, course, webinar(title="x" * 301)) == {
        "title": ["The title can have at most 300 characters."]
    }


def test_spaces_around_the_title_do_not_count(course, actor):
    title = "x" * 300
    assert create_activity(course, webinar(title=f"  {title}\n"), actor=actor).title == title


def test_title_description_and_link_are_stored_without_surrounding_spaces(course, actor):
    data = webinar(
        title="  Action plans: first review ",
        description="\n Bring your draft plan.  \n",
        link=" https://meet.example.org/turin ",
    )
    activity = create_activity(course, data, actor=actor)
    assert (activity.title, activity.description, activity.link) == (
        "Action plans: first review",
        "Bring your draft plan.",
        "https://meet.example.org/turin",
    )


def test_a_link_of_500_characters_is_accepted_and_one_more_is_refused(app, course, actor):
    base = "https://meet.example.org/"
    link = base + "r" * (500 - len(base))
    assert create_activity(course, webinar(link=link), actor=actor).link == link
    assert list(refusal(app, course, webinar(link=link + "r"))) == ["link"]


@pytest.mark.parametrize(
    "link", ["http://meet.example.org/turin", "https://meet.example.org/turin?room=2"]
)
def test_plain_web_links_are_accepted(course, actor, link):
    assert create_activity(course, webinar(link=link), actor=actor).link == link


@pytest.mark.parametrize(
    "link", ["https://", "mailto:ana.sousa@example.org", "https://meet.example.org/a room"]
)
def test_links_that_are_not_web_addresses_are_refused(app, course, link):
    assert list(refusal(app, course, webinar(link=link))) == ["link"]


def test_being_required_for_the_certificate_is_stored(course, actor):
    activity = create_activity(course, assignment(is_required=True), actor=actor)
    assert activity.is_required is True


# --- times at the venue ----------------------------------------------------------------------


def test_a_webinar_may_end_one_minute_after_it_starts(course, actor):
    activity = create_activity(course, webinar(start=time(15), end=time(15, 1)), actor=actor)
    assert activity.ends_at == datetime(2017, 12, 12, 14, 1, tzinfo=UTC)


def test_an_assignment_due_exactly_at_midnight_is_due_at_the_start_of_that_day(course, actor):
    activity = create_activity(course, assignment(due_time=time(0, 0)), actor=actor)
    assert activity.due_at == datetime(2017, 12, 19, 23, 0, tzinfo=UTC)


def test_a_discussion_given_a_day_opens_at_midnight_at_the_venue(course, actor):
    activity = create_activity(course, discussion(day=date(2017, 12, 14)), actor=actor)
    assert activity.starts_at.isoformat() == "2017-12-13T23:00:00+00:00"


def test_a_discussion_given_a_day_and_a_time_opens_then(course, actor):
    activity = create_activity(
        course, discussion(day=date(2017, 12, 14), start_time=time(9, 30)), actor=actor
    )
    assert activity.starts_at == datetime(2017, 12, 14, 8, 30, tzinfo=UTC)


def test_an_assignment_is_placed_by_its_due_date_not_by_another_day(course, actor):
    data = ActivityData(
        kind=ASSIGNMENT, title="Plan", day=date(2018, 3, 1), due_date=date(2017, 12, 20)
    )
    assert create_activity(course, data, actor=actor).due_at == datetime(
        2017, 12, 20, 22, 59, tzinfo=UTC
    )


def test_a_webinar_is_placed_by_its_day_not_by_a_due_date(course, actor):
    data = webinar(due_date=date(2018, 3, 1))
    activity = create_activity(course, data, actor=actor)
    assert (activity.starts_at, activity.due_at) == (
        datetime(2017, 12, 12, 14, 0, tzinfo=UTC),
        None,
    )


@pytest.mark.parametrize("day", [date(1, 1, 1), date(9999, 12, 31)])
def test_a_date_far_outside_the_phase_is_refused_as_outside(app, day):
    # Far from the phase, the time is not converted: in Auckland, 1 January of year 1 would
    # fall before the first instant there is.
    course = phase_around(date(2018, 1, 10), "Pacific/Auckland")
    for data in (webinar(day=day), discussion(day=day), assignment(due_date=day)):
        assert list(refusal(app, course, data)) == [
            "due_date" if data.kind == ASSIGNMENT else "day"
        ]


# --- the clock changes -------------------------------------------------------------------------

SKIPPED = (
    "This time does not exist at the venue on that day: the clocks go forward. Choose another time."
)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (webinar(day=date(2018, 3, 25), start=time(2), end=time(4)), "start_time"),
        (webinar(day=date(2018, 3, 25), start=time(1, 30), end=time(2, 59)), "end_time"),
        (assignment(due_date=date(2018, 3, 25), due_time=time(2, 30)), "due_time"),
        (discussion(day=date(2018, 3, 25), start_time=time(2, 30)), "start_time"),
    ],
)
def test_a_time_the_clocks_skip_is_refused_beside_its_field(app, data, field):
    course = phase_around(date(2018, 3, 25), "Europe/Rome")
    assert refusal(app, course, data) == {field: [SKIPPED]}


def test_a_webinar_ending_before_it_starts_is_told_that_first_even_at_a_skipped_time(app):
    course = phase_around(date(2018, 3, 25), "Europe/Rome")
    data = webinar(day=date(2018, 3, 25), start=time(2, 30), end=time(2, 15))
    assert refusal(app, course, data) == {"end_time": ["The webinar must end after it starts."]}


def test_the_hour_after_the_clocks_go_forward_is_accepted(actor):
    course = phase_around(date(2018, 3, 25), "Europe/Rome")
    activity = create_activity(
        course, webinar(day=date(2018, 3, 25), start=time(1, 59), end=time(3)), actor=actor
    )
    # One minute of real time: 01:59 CET, then 03:00 CEST.
    assert (activity.starts_at, activity.ends_at) == (
        datetime(2018, 3, 25, 0, 59, tzinfo=UTC),
        datetime(2018, 3, 25, 1, 0, tzinfo=UTC),
    )


def test_a_repeated_hour_when_the_clocks_go_back_means_its_first_occurrence(actor):
    course = phase_around(date(2018, 10, 28), "Europe/Rome")
    activity = create_activity(
        course, webinar(day=date(2018, 10, 28), start=time(2, 15), end=time(2, 45)), actor=actor
    )
    assert (activity.starts_at, activity.ends_at) == (
        datetime(2018, 10, 28, 0, 15, tzinfo=UTC),
        datetime(2018, 10, 28, 0, 45, tzinfo=UTC),
    )


def test_a_webinar_across_the_repeated_hour_lasts_the_extra_hour(actor):
    course = phase_around(date(2018, 10, 28), "Europe/Rome")
    activity = create_activity(
        course, webinar(day=date(2018, 10, 28), start=time(1, 30), end=time(3, 30)), actor=actor
    )
    assert activity.ends_at - activity.starts_at == timedelta(hours=3)


def test_a_discussion_on_a_day_that_starts_at_one_opens_when_the_day_begins(actor):
    # In Beirut the clocks went from 00:00 straight to 01:00 on 25 March 2018: that day
    # has no midnight, and a discussion given only that day opens at its first instant.
    course = phase_around(date(2018, 3, 25), "Asia/Beirut")
    activity = create_activity(course, discussion(day=date(2018, 3, 25)), actor=actor)
    assert activity.starts_at.isoformat() == "2018-03-24T22:00:00+00:00"
