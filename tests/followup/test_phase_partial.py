"""The public partial followup/_phase.html, as the course page includes it."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from flask import Flask, render_template_string

from app.accounts.models import Role
from app.extensions import db
from app.followup.models import ActivityKind
from app.followup.services import (
    ActivityData,
    activities_in_order,
    apply_followup_defaults,
    create_activity,
    phase_state,
)
from tests.factories import make_course, make_user, make_venue

PAGE = (
    '{% extends "base.html" %}{% block content %}<h1>Course</h1>'
    '{% include "followup/_phase.html" %}{% endblock %}'
)


def render(app: Flask, course, today: date, *, links: bool = True) -> str:
    """The partial as a confirmed participant or the team sees it (``links``), or anyone."""
    with app.test_request_context("/"):
        html = render_template_string(
            PAGE,
            course=course,
            followup_activities=activities_in_order(course),
            followup_links_visible=links,
            followup_state=phase_state(course, today),
        )
    return re.sub(r"[ \t\r\n]+", " ", html)


@pytest.fixture
def course():
    """The Turin course with a webinar, an assignment and an undated discussion."""
    actor = make_user(Role.ORGANISER)
    course = make_course(start=date(2017, 11, 20), venue=make_venue("Europe/Rome"))
    apply_followup_defaults(course)
    create_activity(
        course,
        ActivityData(kind=ActivityKind.DISCUSSION, title="Sharing local practices"),
        actor=actor,
    )
    create_activity(
        course,
        ActivityData(
            kind=ActivityKind.ASSIGNMENT, title="Local action plan", due_date=date(2017, 12, 22)
        ),
        actor=actor,
    )
    create_activity(
        course,
        ActivityData(
            kind=ActivityKind.WEBINAR,
            title="Action plans: first review",
            description="Bring your draft plan.",
            day=date(2017, 12, 12),
            start_time=time(15),
            end_time=time(16, 30),
            link="https://meet.example.org/turin",
        ),
        actor=actor,
    )
    db.session.commit()
    return course


def test_shows_the_phase_dates_and_state(app, course):
    html = render(app, course, date(2017, 12, 10))
    assert "Online follow-up phase: Dec 8, 2017\u2009\u2013\u2009Jan 4, 2018" in html
    assert "Open now" in html


def test_lists_the_activities_in_order_in_venue_time(app, course):
    html = render(app, course, date(2017, 12, 10))
    webinar = html.index("Action plans: first review")
    assignment = html.index("Local action plan")
    discussion = html.index("Sharing local practices")
    assert webinar < assignment < discussion
    assert "December 12, 2017, 3:00\u202fPM\u20134:30\u202fPM CET" in html
    assert "Due on December 22, 2017 at 11:59\u202fPM CET" in html
    assert "Bring your draft plan." in html


@pytest.mark.parametrize(
    ("today", "shown"),
    [(date(2017, 12, 1), True), (date(2017, 12, 10), True), (date(2018, 1, 5), False)],
)
def test_the_join_link_only_while_upcoming_or_open(app, course, today, shown):
    html = render(app, course, today)
    assert ('href="https://meet.example.org/turin"' in html) is shown
    assert ("Join link" in html) is shown
    # Never to those who may not join (issue 15).
    assert "meet.example.org" not in render(app, course, today, links=False)


def test_upcoming_and_closed_states(app, course):
    assert "Upcoming" in render(app, course, date(2017, 11, 24))
    assert "Closed" in render(app, course, date(2018, 1, 5))


def test_discussions_show_when_they_open(app, course):
    actor = make_user(Role.ORGANISER)
    for title, at in (("Dated", None), ("Timed", time(9, 30))):
        create_activity(
            course,
            ActivityData(
                kind=ActivityKind.DISCUSSION, title=title, day=date(2017, 12, 14), start_time=at
            ),
            actor=actor,
        )
    html = render(app, course, date(2017, 12, 10))
    assert "Opens on December 14, 2017</time>" in html
    assert "Opens on December 14, 2017 at 9:30\u202fAM CET" in html
    assert "Throughout the phase" in html  # the undated one


def test_an_unscheduled_phase_is_announced_later(app):
    course = make_course()
    html = render(app, course, date(2017, 12, 10))
    assert "will be announced" in html
    assert "Online follow-up phase:" not in html


def test_webinars_either_side_of_the_clock_change_show_their_own_offset(app):
    actor = make_user(Role.ORGANISER)
    course = make_course(start=date(2018, 2, 26), venue=make_venue("Europe/Rome"))
    apply_followup_defaults(course)
    for day in (date(2018, 3, 23), date(2018, 3, 27)):
        create_activity(
            course,
            ActivityData(
                kind=ActivityKind.WEBINAR,
                title=f"Webinar {day:%d %B}",
                day=day,
                start_time=time(15),
                end_time=time(16),
            ),
            actor=actor,
        )
    html = render(app, course, date(2018, 3, 20))
    assert "March 23, 2018, 3:00\u202fPM\u20134:00\u202fPM CET" in html
    assert "March 27, 2018, 3:00\u202fPM\u20134:00\u202fPM CEST" in html


def test_the_course_page_includes_it(client, course):
    html = re.sub(r"[ \t\r\n]+", " ", client.get(f"/courses/{course.slug}").text)
    assert "Online follow-up phase: Dec 8, 2017\u2009\u2013\u2009Jan 4, 2018" in html
    assert "Action plans: first review" in html
