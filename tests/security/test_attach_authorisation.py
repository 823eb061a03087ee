"""Who may attach an event to a host event, or a course to a programme (issue 15).

Olga organises Habitat III (published) and a draft conference; Omar organises another team's
courses. Omar may neither hang a side event on Olga's conference nor put a course in a
programme none of his courses belongs to; the service refuses (whatever form sent it) and the
form says so beside the field. Olga's draft is listed to her team only.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.accounts.models import Role
from app.courses import groups, services
from app.courses.models import Course, CourseKind, CourseStatus, CourseTeamMember, TeamRole
from app.extensions import db
from tests.conftest import login
from tests.courses.builders import details, details_of
from tests.events.conftest import event_form
from tests.factories import make_user
from tests.programmes.factories import make_event, make_programme

REFUSED_HOST = "Only the organisers of “Habitat III” can add an event to it."
REFUSED_PROGRAMME = (
    "Only the organisers of the courses of “Joint Global Programme on Mainstreaming "
    "Migration”, or an administrator, can add a course to it."
)


def organise(user, course):
    course.team.append(CourseTeamMember(user=user, role=TeamRole.ORGANISER))
    db.session.flush()


@pytest.fixture
def world(db):
    olga = make_user(Role.ORGANISER, name="Olga Organiser", email="olga@example.org")
    omar = make_user(Role.ORGANISER, name="Omar Organiser", email="omar@example.org")
    admin = make_user(Role.ADMIN, name="Ada Admin")
    habitat = make_event(CourseKind.CONFERENCE, title="Habitat III", start=date(2016, 10, 17))
    draft = make_event(
        CourseKind.CONFERENCE,
        title="Habitat IV (draft)",
        start=date(2036, 10, 13),
        status=CourseStatus.DRAFT,
    )
    omars = make_event(CourseKind.CONFERENCE, title="World Urban Forum", start=date(2018, 2, 7))
    joint = make_programme("joint")
    in_joint = make_event(
        CourseKind.COURSE, title="Mainstreaming migration", start=date(2017, 10, 30)
    )
    in_joint.programme = joint
    for course in (habitat, draft, in_joint):
        organise(olga, course)
    organise(omar, omars)
    db.session.flush()
    return olga, omar, admin, habitat, draft, omars, joint


def side_event_details(world, **overrides):
    habitat = world[3]
    return details(habitat.venue, kind=CourseKind.SIDE_EVENT, days=1, **overrides)


# --- The service ------------------------------------------------------------------------------


def test_another_team_cannot_attach_an_event_to_a_conference(world):
    _olga, omar, _admin, habitat, *_ = world
    with pytest.raises(services.CourseError) as caught:
        services.create_course(side_event_details(world, host_event=habitat), slug=None, actor=omar)
    assert str(caught.value) == REFUSED_HOST
    assert habitat.side_events == []


@pytest.mark.parametrize("who", ["olga", "admin"])
def test_the_host_s_team_and_administrators_may(world, who):
    olga, _omar, admin, habitat, *_ = world
    actor = olga if who == "olga" else admin
    event = services.create_course(
        side_event_details(world, host_event=habitat), slug=None, actor=actor
    )
    assert event.host_event is habitat


def test_an_event_already_attached_is_saved_by_its_own_team(world):
    """Omar's side event was put in Habitat III by Olga's team; Omar edits it: it stays."""
    olga, omar, _admin, habitat, *_ = world
    event = services.create_course(
        side_event_details(world, host_event=habitat), slug=None, actor=olga
    )
    organise(omar, event)
    services.update_course(event, details_of(event), slug=event.slug, actor=omar)
    assert event.host_event is habitat
    # But he may not move it to a conference he does not organise either.
    with pytest.raises(services.CourseError) as caught:
        services.update_course(
            event, details_of(event, host_event=world[4]), slug=event.slug, actor=omar
        )
    assert (
        str(caught.value) == "Only the organisers of “Habitat IV (draft)” can add an event to it."
    )


def test_another_team_cannot_put_a_course_in_a_programme(world):
    _olga, omar, _admin, habitat, _draft, _omars, joint = world
    with pytest.raises(services.CourseError) as caught:
        services.create_course(details(habitat.venue, programme=joint), slug=None, actor=omar)
    assert str(caught.value) == REFUSED_PROGRAMME
    assert [c.title("en") for c in joint.courses] == ["Mainstreaming migration"]


def test_an_organiser_cannot_move_their_own_course_into_another_team_s_programme(world):
    _olga, omar, _admin, _habitat, _draft, omars, joint = world
    with pytest.raises(services.CourseError) as caught:
        services.update_course(
            omars, details_of(omars, programme=joint), slug=omars.slug, actor=omar
        )
    assert str(caught.value) == REFUSED_PROGRAMME
    assert omars.programme is None and len(joint.courses) == 1


@pytest.mark.parametrize(
    ("locale", "title", "sentence"),
    [
        ("fr", "Villes accueillantes", "Seuls les organisateurs"),
        ("es", "Cities of welcome", "Solo los organizadores"),  # no Spanish title: English
        ("en", "Cities of welcome", "Only the organisers"),
    ],
)
def test_the_refusal_names_the_programme_in_the_reader_s_language(world, locale, title, sentence):
    _olga, omar, *_ = world
    welcome = make_programme(
        "welcome", title="Cities of welcome", texts={"fr": "Villes accueillantes"}
    )
    with force_locale(locale):
        message = str(groups.programme_error(None, welcome, actor=omar))
    assert message.startswith(sentence) and title in message


@pytest.mark.parametrize("who", ["olga", "admin"])
def test_the_programme_s_organisers_and_administrators_may(world, who):
    olga, _omar, admin, habitat, _draft, _omars, joint = world
    actor = olga if who == "olga" else admin
    course = services.create_course(details(habitat.venue, programme=joint), slug=None, actor=actor)
    assert course.programme is joint


def test_an_empty_programme_takes_its_first_course_from_an_administrator(world):
    olga, omar, admin, _habitat, *_ = world
    empty = make_programme("empty", title="Cities of welcome")
    assert groups.programme_error(None, empty, actor=olga) is not None
    assert groups.programme_error(None, empty, actor=admin) is None
    assert groups.programme_error(None, None, actor=omar) is None


def test_the_host_events_listed_are_the_actor_s_own(world):
    olga, omar, admin, habitat, draft, omars, _joint = world
    assert groups.host_event_choices(None, olga) == [draft, habitat]
    assert groups.host_event_choices(None, omar) == [omars]
    assert groups.host_event_choices(None, admin) == [draft, omars, habitat]


def test_a_facilitator_of_a_conference_may_not_attach_to_it(world):
    _olga, omar, _admin, habitat, *_ = world
    habitat.team.append(CourseTeamMember(user=omar, role=TeamRole.FACILITATOR))
    db.session.flush()
    assert habitat not in groups.host_event_choices(None, omar)
    assert str(groups.host_event_error(None, CourseKind.PANEL, habitat, actor=omar)) == (
        REFUSED_HOST
    )


def test_the_present_host_stays_listed(world):
    olga, omar, _admin, habitat, *_ = world
    event = services.create_course(
        side_event_details(world, host_event=habitat), slug=None, actor=olga
    )
    organise(omar, event)
    assert groups.host_event_choices(event, omar) == [world[5], habitat]


def test_the_programmes_listed(world):
    olga, omar, admin, _habitat, _draft, _omars, joint = world
    empty = make_programme("empty", title="Cities of welcome")
    assert groups.programme_choices(None, olga) == [joint]
    assert groups.programme_choices(None, omar) == []
    assert groups.programme_choices(None, admin) == [joint, empty]


# --- Through the form -------------------------------------------------------------------------


def _errors(html: str, field: str) -> str:
    found = re.search(rf'<ul class="errors" id="{field}-errors">(.*?)</ul>', html, re.S)
    return found.group(1) if found else ""


def test_the_form_says_why_beside_the_host_event_field(client, world):
    _olga, omar, _admin, habitat, _draft, _omars, _joint = world
    db.session.commit()
    login(client, omar)
    page = client.get("/courses/new?kind=side_event").get_data(as_text=True)
    assert "World Urban Forum" in page
    assert "Habitat IV (draft)" not in page  # another team's draft is never listed
    assert "Habitat III (2016)" not in page
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Course))
    response = client.post(
        "/courses/new", data=event_form(habitat.venue, host_event_id=str(habitat.id))
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Only the organisers of “Habitat III” can add an event to it." in _errors(
        html, "host_event_id"
    ).replace("&#8220;", "“").replace("&#8221;", "”")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == before


def test_the_form_says_why_beside_the_programme_field(client, world):
    _olga, omar, _admin, habitat, _draft, _omars, joint = world
    db.session.commit()
    login(client, omar)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Course))
    response = client.post(
        "/courses/new", data=event_form(habitat.venue, programme_id=str(joint.id))
    )
    assert response.status_code == 200
    errors = _errors(response.get_data(as_text=True), "programme_id")
    assert "or an administrator, can add a course to it." in errors
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == before


def test_the_host_s_organiser_attaches_through_the_form(client, world):
    olga, _omar, _admin, habitat, _draft, _omars, joint = world
    db.session.commit()
    login(client, olga)
    response = client.post(
        "/courses/new",
        data=event_form(habitat.venue, host_event_id=str(habitat.id), programme_id=str(joint.id)),
    )
    assert response.status_code == 302
    db.session.expire_all()
    [event] = habitat.side_events
    assert event.programme is joint
