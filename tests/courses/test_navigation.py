"""The course's management tabs: grouped, and only those each member of the team may open."""

from __future__ import annotations

import re

from app.accounts.models import Role
from app.courses.models import CourseTeamMember, TeamRole
from app.courses.navigation import management_tabs
from app.extensions import db
from tests.conftest import login
from tests.factories import make_course, make_user


def _named(groups) -> list[tuple[str, list[str]]]:
    return [(str(g.name), [t.key for t in g.tabs]) for g in groups]


def _setup():
    organiser = make_user(Role.ORGANISER)
    facilitator = make_user(Role.PARTICIPANT)
    reviewer = make_user(Role.PARTICIPANT)
    course = make_course(organisers=(organiser,), facilitators=(facilitator,))
    course.team.append(CourseTeamMember(user=reviewer, role=TeamRole.REVIEWER))
    # The other course, where the facilitator is nobody.
    other = make_course(organisers=(make_user(Role.ORGANISER),))
    db.session.commit()
    return course, other, organiser, facilitator, reviewer


def test_organisers_see_every_tab_in_four_groups(app):
    course, _other, organiser, _facilitator, _reviewer = _setup()

    assert _named(management_tabs(organiser, course)) == [
        (
            "Set-up",
            [
                "details",
                "modules",
                "timetable",
                "followup",
                "team",
                "questions",
                "fees",
                "evaluation",
                "ratings",
            ],
        ),
        (
            "Participants",
            [
                "selection",
                "participants",
                "fellowships",
                "invoices",
                "messages",
                "announcements",
                "alumni",
                "visas",
            ],
        ),
        ("On site", ["attendance", "checkin", "certificates"]),
        ("Online phase", ["handins", "materials", "discussions", "progress", "results"]),
    ]


def test_an_online_course_has_no_visa_letters_tab(app):
    course, _other, organiser, _facilitator, _reviewer = _setup()
    course.is_online = True
    keys = [tab.key for group in management_tabs(organiser, course) for tab in group.tabs]
    assert "visas" not in keys and "alumni" in keys
    course.is_online = False
    course.venue = None
    keys = [tab.key for group in management_tabs(organiser, course) for tab in group.tabs]
    assert "visas" not in keys


def test_facilitators_see_no_set_up_and_reviewers_only_selection(app):
    course, other, _organiser, facilitator, reviewer = _setup()

    assert _named(management_tabs(facilitator, course)) == [
        ("Participants", ["participants"]),
        ("On site", ["attendance", "checkin"]),
        ("Online phase", ["handins", "materials", "discussions", "progress", "results"]),
    ]
    assert _named(management_tabs(reviewer, course)) == [("Participants", ["selection"])]
    assert management_tabs(facilitator, other) == []


def test_the_page_marks_the_open_tab_and_names_each_group(client):
    course, _other, organiser, _facilitator, _reviewer = _setup()
    login(client, organiser)

    html = client.get(f"/courses/{course.slug}/attendance").get_data(as_text=True)
    start = html.index('<nav class="manage-nav"')
    nav = html[start : html.index("</nav>", start)]

    current = re.findall(r'<a href="([^"]+)" aria-current="page">([^<]+)</a>', nav)
    assert current == [(f"/courses/{course.slug}/attendance", "Attendance")]
    names = re.findall(
        r'<span class="manage-group-name" id="(manage-group-\d)">([^<]+)</span>', nav
    )
    assert [n for _id, n in names] == ["Set-up", "Participants", "On site", "Online phase"]
    for group_id, _name in names:
        assert f'<ul aria-labelledby="{group_id}">' in nav
