"""Organisers create, change and copy events with the course form."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.accounts.models import Role
from app.courses.models import (
    Course,
    CourseKind,
    CourseStatus,
    CourseTeamMember,
    Programme,
    ProgrammeTranslation,
    RegistrationMode,
    TeamRole,
)
from app.extensions import db
from tests.conftest import login
from tests.events.conftest import add_session, event_form, make_event, quito_venue
from tests.factories import make_user


def _course(slug: str | None = None) -> Course:
    stmt = sa.select(Course).order_by(Course.id.desc())
    if slug:
        stmt = stmt.where(Course.slug == slug)
    found = db.session.scalar(stmt)
    assert found is not None
    return found


def _organiser(client):
    organiser = make_user(Role.ORGANISER)
    db.session.commit()
    login(client, organiser)
    return organiser


def test_new_event_address_preselects_the_kind_and_event_defaults(client):
    _organiser(client)

    page = client.get("/courses/new?kind=side_event").get_data(as_text=True)

    assert "<h1>New event</h1>" in page
    assert '<option selected value="side_event">' in page
    assert 'name="days" required type="number" value="1"' in page
    assert '<option selected value="rsvp">' in page
    course_page = client.get("/courses/new?kind=nonsense").get_data(as_text=True)
    assert "<h1>New course</h1>" in course_page
    assert '<option selected value="course">' in course_page


def test_organiser_creates_a_side_event_and_lands_on_its_sessions(client):
    organiser = _organiser(client)
    host = make_event(kind=CourseKind.CONFERENCE, title="Habitat III", start=date(2016, 10, 17))
    host.days = 4
    venue = host.venue
    programme = Programme(
        slug="jmdi", translations=[ProgrammeTranslation(locale="en", title="Joint programme")]
    )
    db.session.add(programme)
    # She organises the conference, which is in the programme: she may add to both.
    host.team.append(CourseTeamMember(user=organiser, role=TeamRole.ORGANISER))
    host.programme = programme
    db.session.commit()

    response = client.post(
        "/courses/new",
        data=event_form(venue, host_event_id=str(host.id), programme_id=str(programme.id)),
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    event = _course()
    assert response.headers["Location"].endswith(f"/courses/{event.slug}/timetable")
    assert event.kind == CourseKind.SIDE_EVENT
    assert event.host_event == host and host.side_events == [event]
    assert event.programme == programme
    assert event.venue == venue and not event.is_online and event.timezone == "America/Guayaquil"
    assert event.capacity is None  # no limit
    assert event.registration_mode == RegistrationMode.RSVP
    assert event.members(TeamRole.ORGANISER) == [organiser]
    # Events get no follow-up phase; courses keep theirs.
    assert event.followup_opens_on is None and event.activities == []


def test_a_course_keeps_its_follow_up_defaults(client):
    _organiser(client)
    venue = quito_venue()
    db.session.commit()

    response = client.post(
        "/courses/new",
        data=event_form(venue, kind="course", days="5", capacity="30", registration_mode="full"),
    )

    assert response.status_code == 302
    course = _course()
    assert response.headers["Location"].endswith(f"/courses/{course.slug}/modules")
    assert course.kind == CourseKind.COURSE and course.capacity == 30
    assert course.followup_opens_on is not None


def test_online_event_needs_a_web_link_and_ignores_the_venue(client):
    _organiser(client)
    venue = quito_venue()
    db.session.commit()

    missing = client.post(
        "/courses/new", data=event_form(venue, kind="webinar", is_online="y", online_url="")
    )
    bad = client.post(
        "/courses/new",
        data=event_form(venue, kind="webinar", is_online="y", online_url="ftp://example.org/x"),
    )
    no_place = client.post("/courses/new", data=event_form(None, kind="webinar"))

    for response in (missing, bad, no_place):
        assert response.status_code == 200
    assert 'id="online_url-errors"' in missing.get_data(as_text=True)
    assert "Give the link to join: the event is online." in missing.get_data(as_text=True)
    assert "https://" in bad.get_data(as_text=True).split('id="online_url-errors"')[1]
    assert 'id="venue_id-errors"' in no_place.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Course.id))) == 0

    good = client.post(
        "/courses/new",
        data=event_form(
            venue, kind="webinar", is_online="y", online_url="https://meet.example.org/jmdi"
        ),
    )
    assert good.status_code == 302
    webinar = _course()
    assert webinar.is_online and webinar.online_url == "https://meet.example.org/jmdi"
    assert webinar.venue is None and webinar.timezone == "UTC"


def test_host_event_must_be_a_conference_that_is_no_side_event(client):
    _organiser(client)
    host = make_event(kind=CourseKind.CONFERENCE, title="Habitat III")
    side = make_event(title="Cities of welcome", host=host, venue=host.venue)
    db.session.commit()

    response = client.post("/courses/new", data=event_form(host.venue, host_event_id=str(side.id)))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="host_event_id-errors"' in page
    assert "is itself a side event: choose the conference that hosts it." in page

    as_course = client.post(
        "/courses/new", data=event_form(host.venue, kind="course", host_event_id=str(host.id))
    )
    assert "Only events can be part of a host event." in as_course.get_data(as_text=True)
    unknown = client.post("/courses/new", data=event_form(host.venue, host_event_id="99999"))
    assert "Choose one of the listed events." in unknown.get_data(as_text=True)


def test_a_conference_cannot_host_itself(client):
    organiser = _organiser(client)
    conference = make_event(
        kind=CourseKind.CONFERENCE, title="Habitat III", organisers=(organiser,)
    )
    db.session.commit()

    form_page = client.get(f"/courses/{conference.slug}/edit").get_data(as_text=True)
    response = client.post(
        f"/courses/{conference.slug}/edit",
        data=event_form(
            conference.venue,
            kind="conference",
            slug=conference.slug,
            **{"text_en-title": "Habitat III"},
            host_event_id=str(conference.id),
        ),
    )

    # Not offered as its own host, and refused if sent anyway.
    assert f'<option value="{conference.id}">' not in form_page
    assert response.status_code == 200
    assert "An event cannot be its own host event." in response.get_data(as_text=True)
    db.session.refresh(conference)
    assert conference.host_event_id is None


def test_edit_form_shows_the_event_fields(client):
    organiser = _organiser(client)
    webinar = make_event(
        kind=CourseKind.WEBINAR,
        title="Follow-up webinar",
        online_url="https://meet.example.org/webinar",
        organisers=(organiser,),
    )
    db.session.commit()

    page = client.get(f"/courses/{webinar.slug}/edit").get_data(as_text=True)

    assert "<h1>Edit the event</h1>" in page
    assert '<option selected value="webinar">' in page
    assert 'value="https://meet.example.org/webinar"' in page
    assert 'checked id="is_online" name="is_online" type="checkbox" value="y">' in page
    assert "Leave empty for no limit." in page
    assert 'name="min_attendance_days"' not in page  # certificates are a course matter


def test_copy_an_event_keeps_what_makes_it_an_event(client):
    organiser = _organiser(client)
    host = make_event(kind=CourseKind.CONFERENCE, title="Habitat III")
    programme = Programme(
        slug="jmdi", translations=[ProgrammeTranslation(locale="en", title="Joint programme")]
    )
    db.session.add(programme)
    webinar = make_event(
        kind=CourseKind.WEBINAR,
        title="Cities and migration",
        online_url="https://meet.example.org/cities",
        host=host,
        mode=RegistrationMode.NONE,
        organisers=(organiser,),
    )
    webinar.programme = programme
    from datetime import time

    add_session(webinar, "Live discussion", date(2016, 10, 18), time(13, 0), time(14, 30))
    db.session.commit()

    page = client.get(f"/courses/{webinar.slug}/copy").get_data(as_text=True)
    # The same day is allowed for events (another event at the same conference).
    response = client.post(f"/courses/{webinar.slug}/copy", data={"start_date": "2016-10-18"})

    assert "<h1>Copy this event</h1>" in page
    assert response.status_code == 302
    copy = _course()
    assert copy.id != webinar.id and copy.status == CourseStatus.DRAFT
    assert copy.kind == CourseKind.WEBINAR
    assert copy.is_online and copy.online_url == "https://meet.example.org/cities"
    assert copy.venue is None
    assert copy.registration_mode == RegistrationMode.NONE
    assert copy.host_event == host and copy.programme == programme
    assert [(s.title, s.starts_at) for s in copy.sessions] == [
        ("Live discussion", webinar.sessions[0].starts_at)
    ]
