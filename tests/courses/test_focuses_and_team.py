"""A course's focuses (toolbox modules or themes of its own, in order, moved with the up and
down buttons) and its team."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from app.accounts.models import Role
from app.courses import services
from app.courses.models import TeamRole
from app.courses.services import Focus
from app.extensions import db
from tests.factories import make_course, make_module, make_user

# Focuses ---------------------------------------------------------------------------------------


def titles(course) -> list[str]:
    return [f.title("en") for f in course.focuses]


def test_focuses_keep_the_order_given_and_skip_empty_lines():
    m1, m2 = make_module("M1"), make_module("M2")
    course = make_course()
    services.set_focuses(
        course,
        [Focus(module=m2), Focus(theme="  Migration data "), Focus(theme="   "), Focus(module=m1)],
        actor=make_user(),
    )
    db.session.expire(course)
    assert titles(course) == ["Module M2", "Migration data", "Module M1"]
    assert [(f.module, f.theme) for f in course.focuses] == [
        (m2, None),
        (None, "Migration data"),
        (m1, None),
    ]
    positions = [f.position for f in course.focuses]
    assert positions == sorted(set(positions))  # stored in that order


def test_new_focuses_replace_the_old_ones():
    m1, m2 = make_module("M1"), make_module("M2")
    course = make_course(modules=(m1, m2))
    services.set_focuses(course, [Focus(theme="Urban governance"), Focus(module=m1)], actor=None)
    db.session.expire(course)
    assert titles(course) == ["Urban governance", "Module M1"]


def test_a_course_can_be_left_without_focuses():
    course = make_course(modules=(make_module("M1"),))
    services.set_focuses(course, [Focus(), Focus(theme="")], actor=None)
    db.session.expire(course)
    assert course.focuses == []


FOCUSES = ["M1", "theme", "M3"]


@pytest.mark.parametrize(
    ("button", "expected"),
    [
        ("up:2", ["M1", "M3", "theme"]),
        ("up:1", ["theme", "M1", "M3"]),
        ("down:0", ["theme", "M1", "M3"]),
        ("down:1", ["M1", "M3", "theme"]),
        ("up:0002", ["M1", "M3", "theme"]),  # four digits are still an index
    ],
)
def test_the_up_and_down_buttons_swap_a_focus_with_its_neighbour(button, expected):
    assert services.move_focus(FOCUSES, button) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "button",
    [
        "up:0",  # already first
        "down:2",  # already last
        "up:3",
        "down:3",
        "up:-1",
        "up:x",
        "up:²",  # a digit to str.isdigit, not to int()
        "up:00001",  # more than four digits
        "up:0:1",  # a mangled value, not "down:1"
        "up",
        "",
    ],
)
def test_a_button_that_cannot_move_anything_leaves_the_order(button):
    assert services.move_focus(FOCUSES, button) == FOCUSES  # type: ignore[arg-type]


def test_moving_a_focus_leaves_the_list_it_was_given():
    focuses = list(FOCUSES)
    moved = services.move_focus(focuses, "down:0")  # type: ignore[arg-type]
    assert focuses == FOCUSES and moved != focuses


# Team ------------------------------------------------------------------------------------------


def test_a_person_added_to_the_team_gets_the_role_given():
    organiser = make_user(Role.ORGANISER)
    course = make_course(organisers=(organiser,))
    tesfaye = make_user(name="Tesfaye Bekele")
    member = services.add_team_member(course, tesfaye, TeamRole.FACILITATOR, actor=organiser)
    assert (member.user, member.role, member.id is not None) == (
        tesfaye,
        TeamRole.FACILITATOR,
        True,
    )
    assert course.members(TeamRole.FACILITATOR) == [tesfaye]


def test_adding_someone_already_on_the_team_changes_their_role():
    organiser = make_user(Role.ORGANISER)
    ana, tesfaye = make_user(name="Ana Souza"), make_user(name="Tesfaye Bekele")
    course = make_course(organisers=(organiser,), facilitators=(ana, tesfaye))
    member = services.add_team_member(course, tesfaye, TeamRole.ORGANISER, actor=organiser)
    assert member.user == tesfaye and len(course.team) == 3
    assert course.members(TeamRole.ORGANISER) == [organiser, tesfaye]
    assert course.members(TeamRole.FACILITATOR) == [ana]


def test_the_last_organiser_cannot_leave_the_team():
    organiser = make_user(Role.ORGANISER)
    facilitators = (make_user(name="Ana Souza"), make_user(name="Tesfaye Bekele"))
    course = make_course(organisers=(organiser,), facilitators=facilitators)
    last = next(m for m in course.team if m.user == organiser)
    with pytest.raises(services.TeamError) as caught:
        services.remove_team_member(course, last, actor=organiser)
    assert str(caught.value) == "A course keeps at least one organiser."
    with force_locale("fr"):
        assert str(caught.value) == "Un cours doit conserver au moins un organisateur."
    assert last in course.team


def test_one_of_two_organisers_can_leave():
    first, second = make_user(Role.ORGANISER), make_user(Role.ORGANISER)
    course = make_course(organisers=(first, second))
    services.remove_team_member(course, course.team[0], actor=second)
    db.session.expire(course)
    assert [(m.user, m.role) for m in course.team] == [(second, TeamRole.ORGANISER)]


def test_a_facilitator_can_leave_a_team_with_one_organiser():
    organiser, ana = make_user(Role.ORGANISER), make_user(name="Ana Souza")
    course = make_course(organisers=(organiser,), facilitators=(ana,))
    member = next(m for m in course.team if m.user == ana)
    services.remove_team_member(course, member, actor=organiser)
    db.session.expire(course)
    assert [m.user for m in course.team] == [organiser]
