"""Host events (conferences) and their side events: which event may be part of which, the
choices the form offers, the side events a conference lists, and the feeds of a group a
course leaves."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from flask_babel import force_locale

from app.accounts.models import Role
from app.courses import groups, services
from app.courses.models import Course, CourseKind, CourseStatus, CourseTranslation
from app.extensions import db
from tests.courses.builders import add_session, details, details_of
from tests.courses.test_query_counts import count_queries
from tests.factories import make_user
from tests.programmes.factories import make_event, make_programme, make_quito_venue

HABITAT = date(2016, 10, 17)
LONG_AGO = datetime(2016, 1, 1, tzinfo=UTC)


@pytest.fixture
def habitat():
    """Habitat III in Quito, a conference of four days."""
    return make_event(
        CourseKind.CONFERENCE,
        slug="habitat-iii",
        title="Habitat III",
        start=HABITAT,
        days=4,
        venue=make_quito_venue(),
    )


def side_event(host, title="Toolbox for urban governance", **kwargs):
    return make_event(
        CourseKind.SIDE_EVENT,
        title=title,
        start=kwargs.pop("start", date(2016, 10, 18)),
        venue=host.venue,
        host=host,
        **kwargs,
    )


def save(course, **overrides):
    return services.update_course(
        course, details_of(course, **overrides), slug=course.slug, actor=make_user(Role.ADMIN)
    )


def refusal(course, **overrides) -> str:
    with pytest.raises(services.CourseError) as caught:
        save(course, **overrides)
    return str(caught.value)


# Which event may be part of which -----------------------------------------------------------


def test_a_new_side_event_joins_its_conference(habitat):
    event = services.create_course(
        details(habitat.venue, kind=CourseKind.SIDE_EVENT, days=1, host_event=habitat),
        slug=None,
        actor=make_user(Role.ADMIN),
    )
    assert event.host_event is habitat
    assert habitat.side_events == [event]


def test_a_course_cannot_be_part_of_a_host_event(habitat):
    with pytest.raises(services.CourseError) as caught:
        services.create_course(
            details(habitat.venue, host_event=habitat), slug=None, actor=make_user()
        )
    assert str(caught.value) == "Only events can be part of a host event."


def test_a_side_event_cannot_host_another(habitat):
    toolbox = side_event(habitat)
    with pytest.raises(services.CourseError) as caught:
        services.create_course(
            details(habitat.venue, kind=CourseKind.PANEL, days=1, host_event=toolbox),
            slug=None,
            actor=make_user(),
        )
    assert str(caught.value) == (
        "“Toolbox for urban governance” is itself a side event: "
        "choose the conference that hosts it."
    )


def test_a_conference_that_is_itself_part_of_another_cannot_host(habitat):
    summit = make_event(
        CourseKind.CONFERENCE, title="Mayors' summit", start=HABITAT, venue=habitat.venue
    )
    summit.host_event = habitat
    db.session.flush()
    error = groups.host_event_error(
        None, CourseKind.SIDE_EVENT, summit, actor=make_user(Role.ADMIN)
    )
    assert str(error) == (
        "“Mayors' summit” is itself a side event: choose the conference that hosts it."
    )


def test_the_side_event_named_in_the_refusal_is_named_in_its_own_main_language(habitat):
    toolbox = side_event(habitat)
    toolbox.translations.append(CourseTranslation(locale="es", title="Caja de herramientas"))
    toolbox.default_locale = "es"
    db.session.flush()
    with force_locale("fr"):
        error = str(
            groups.host_event_error(None, CourseKind.PANEL, toolbox, actor=make_user(Role.ADMIN))
        )
    assert error == (
        "«\xa0Caja de herramientas\xa0» est lui-même un événement parallèle\xa0: "
        "choisissez la conférence qui l'accueille."
    )


def test_an_event_cannot_be_its_own_host_event(habitat):
    assert refusal(habitat, host_event=habitat) == "An event cannot be its own host event."


def test_a_conference_with_side_events_stays_a_conference(habitat):
    side_event(habitat)
    assert refusal(habitat, kind=CourseKind.PANEL) == (
        "This event hosts side events: keep it a conference."
    )


def test_a_conference_with_side_events_cannot_join_another_event(habitat):
    side_event(habitat)
    summit = make_event(CourseKind.CONFERENCE, title="World Urban Forum", start=HABITAT)
    assert refusal(habitat, host_event=summit) == (
        "This event hosts side events, so it cannot be part of another event."
    )


def test_a_conference_without_side_events_may_change_kind_and_join_one(habitat):
    summit = make_event(CourseKind.CONFERENCE, title="World Urban Forum", start=HABITAT)
    save(habitat, kind=CourseKind.PANEL, host_event=summit)
    assert habitat.kind == CourseKind.PANEL and habitat.host_event is summit


def test_an_event_may_leave_its_host_and_a_plain_event_be_saved(habitat):
    toolbox = side_event(habitat)
    save(toolbox, host_event=None)
    assert toolbox.host_event is None and habitat.side_events == []


# The form's choice of host events -------------------------------------------------------------


def test_the_host_events_offered_are_conferences_that_are_no_side_events_latest_first(habitat):
    older = make_event(CourseKind.CONFERENCE, title="Habitat II", start=date(1996, 6, 3))
    later = make_event(CourseKind.CONFERENCE, title="World Urban Forum", start=date(2018, 2, 7))
    part = make_event(CourseKind.CONFERENCE, title="Mayors' summit", start=date(2016, 10, 19))
    part.host_event = habitat
    side_event(habitat)
    make_event(CourseKind.PANEL, title="Panel", start=date(2017, 1, 1))
    db.session.flush()

    assert groups.host_event_choices(None, make_user(Role.ADMIN)) == [later, habitat, older]


def test_a_conference_is_not_offered_as_its_own_host_event(habitat):
    other = make_event(CourseKind.CONFERENCE, title="World Urban Forum", start=date(2018, 2, 7))
    assert groups.host_event_choices(habitat, make_user(Role.ADMIN)) == [other]
    assert groups.host_event_choices(other, make_user(Role.ADMIN)) == [habitat]


# What a conference's page lists --------------------------------------------------------------


def test_a_conference_lists_its_published_side_events_by_date(habitat):
    later = side_event(habitat, "Refugees in cities", start=date(2016, 10, 19))
    first = side_event(habitat, "Toolbox", start=date(2016, 10, 18))
    same_day = side_event(habitat, "Cities of welcome", start=date(2016, 10, 18))
    side_event(habitat, "Draft", status=CourseStatus.DRAFT)
    side_event(habitat, "Called off", status=CourseStatus.CANCELLED)
    other = make_event(CourseKind.CONFERENCE, title="World Urban Forum", start=HABITAT)
    side_event(other, "Elsewhere")

    assert groups.published_side_events(habitat) == [first, same_day, later]


# Feeds of the group a course leaves or stays in -----------------------------------------------


def test_moving_a_side_event_to_another_conference_dates_the_one_it_left(habitat):
    toolbox = side_event(habitat)
    forum = make_event(CourseKind.CONFERENCE, title="World Urban Forum", start=HABITAT)
    habitat.updated_at = forum.updated_at = LONG_AGO
    db.session.flush()

    save(toolbox, host_event=forum)

    assert toolbox.host_event is forum
    assert habitat.updated_at > LONG_AGO


def test_saving_a_side_event_that_stays_leaves_its_conference_and_programme_undated(habitat):
    joint = make_programme("joint")
    toolbox = side_event(habitat, programme=joint)
    habitat.updated_at = joint.updated_at = LONG_AGO
    db.session.flush()

    save(toolbox, contact_name="Events team")
    db.session.flush()

    assert toolbox.contact_name == "Events team"
    assert (habitat.updated_at, joint.updated_at) == (LONG_AGO, LONG_AGO)


def test_moving_a_course_to_another_programme_dates_the_one_it_left(habitat):
    joint, jmdi = make_programme("joint"), make_programme("jmdi")
    toolbox = side_event(habitat, programme=joint)
    joint.updated_at = jmdi.updated_at = LONG_AGO
    db.session.flush()

    save(toolbox, programme=jmdi)
    db.session.flush()

    assert toolbox.programme is jmdi and jmdi.courses == [toolbox]
    assert joint.updated_at > LONG_AGO


def test_a_side_event_joining_a_conference_and_programme_is_kept_in_both(habitat):
    joint = make_programme("joint")
    panel = make_event(CourseKind.PANEL, title="Panel on data", start=date(2016, 10, 19))
    save(panel, host_event=habitat, programme=joint)
    assert panel.host_event is habitat and panel.programme is joint
    assert habitat.side_events == [panel] and joint.courses == [panel]


def test_a_conference_page_costs_as_many_queries_with_five_side_events_as_with_one(client, habitat):
    habitat_id = habitat.id

    def add_side_event(n: int) -> None:
        # The page's request ends the session: the host is read again in the current one.
        event = make_event(
            CourseKind.SIDE_EVENT,
            title=f"Side event {n}",
            start=date(2016, 10, 18),
            venue=make_quito_venue(),  # each its own room list and city line
            host=db.session.get(Course, habitat_id),
        )
        add_session(event, date(2016, 10, 18), time(9 + n), time(10 + n))

    add_side_event(0)
    db.session.commit()
    with count_queries() as one:
        assert client.get("/courses/habitat-iii").status_code == 200
    for n in range(1, 5):
        add_side_event(n)
    db.session.commit()
    with count_queries() as five:
        page = client.get("/courses/habitat-iii").get_data(as_text=True)
    assert page.count("Side event ") == 5
    assert len(five) == len(one), five
