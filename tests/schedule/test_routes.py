"""The timetable pages through HTTP, as an organiser uses them, and the public partial."""

import re
from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa
from flask import render_template_string

from app.accounts.models import Role
from app.extensions import db
from app.schedule.models import CourseSession, SessionKind, SessionStatus
from app.schedule.proposal import propose_timetable
from app.schedule.services import cancel_session, sessions_by_day
from tests.conftest import login
from tests.factories import make_course, make_module, make_user
from tests.neighbours import neighbour_id
from tests.schedule.conftest import add_session


@pytest.fixture
def organiser():
    return make_user(Role.ORGANISER)


@pytest.fixture
def course(organiser):
    modules = tuple(
        make_module(f"M{n}", outline="\n".join(f"M{n} part {i}" for i in range(1, 5)))
        for n in range(1, 6)
    )
    return make_course(slug="governing-migration", organisers=(organiser,), modules=modules)


@pytest.fixture
def signed_in(client, organiser, course):
    db.session.commit()
    return login(client, organiser)


def session_form(course, **overrides):
    data = {
        "title": "Study visit to the City of Turin",
        "kind": "study_visit",
        "day": "2017-11-22",
        "start": "14:00",
        "end": "17:30",
        "room": "0",
        "module": "0",
        "facilitators": "Ana Example, Ben Example",
        "description": "Meet at the campus gate.",
    }
    data.update(overrides)
    return data


def stored_sessions():
    """The sessions of the courses the test made, not of the busy neighbour."""
    return list(
        db.session.scalars(
            sa.select(CourseSession)
            .where(CourseSession.course_id != neighbour_id())
            .order_by(CourseSession.starts_at)
        )
    )


def errors_of(html, field):
    found = re.search(rf'<ul class="errors" id="{field}-errors">(.*?)</ul>', html, re.S)
    return found.group(1) if found else ""


def test_the_timetable_page_shows_the_days_and_the_proposal_form(signed_in, course):
    response = signed_in.get("/courses/governing-migration/timetable")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'aria-current="page"' in html and "Timetable" in html
    assert html.count("<h1") == 1
    assert len(re.findall(r'<section class="day" id="day-2017-11-2\d"', html)) == 5
    assert "No sessions on this day." in html
    assert 'action="/courses/governing-migration/timetable/propose"' in html
    assert 'type="time"' in html
    assert 'name="replace"' not in html
    assert "Times are in Turin time" in html


def test_proposing_a_week_fills_the_timetable(signed_in, course):
    room = course.venue.rooms[0]

    response = signed_in.post(
        "/courses/governing-migration/timetable/propose",
        data={"day_start": "09:00", "day_end": "17:30", "room": str(room.id)},
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/courses/governing-migration/timetable")
    sessions = stored_sessions()
    assert sessions[0].kind == SessionKind.OPENING
    assert sessions[0].starts_at == datetime(2017, 11, 20, 8, 0, tzinfo=UTC)
    assert sessions[-1].kind == SessionKind.CLOSING
    assert {s.room_id for s in sessions if not s.kind.is_break} == {room.id}

    page = signed_in.get("/courses/governing-migration/timetable").get_data(as_text=True)
    assert "M3 part 2" in page
    assert 'name="replace"' in page
    assert "Room conflicts" not in page


def test_proposing_again_needs_the_replace_box(signed_in, course):
    propose_timetable(course)
    db.session.commit()
    before = {s.uid for s in stored_sessions()}

    response = signed_in.post(
        "/courses/governing-migration/timetable/propose",
        data={"day_start": "09:00", "day_end": "17:30", "room": "0"},
    )

    assert response.status_code == 200
    assert "Tick this box" in errors_of(response.get_data(as_text=True), "replace")
    assert {s.uid for s in stored_sessions()} == before

    response = signed_in.post(
        "/courses/governing-migration/timetable/propose",
        data={"day_start": "08:30", "day_end": "16:30", "room": "0", "replace": "y"},
    )

    assert response.status_code == 302
    after = stored_sessions()
    assert not before & {s.uid for s in after}
    assert after[0].starts_at == datetime(2017, 11, 20, 7, 30, tzinfo=UTC)


def test_a_day_too_short_is_an_error_beside_the_field(signed_in, course):
    response = signed_in.post(
        "/courses/governing-migration/timetable/propose",
        data={"day_start": "09:00", "day_end": "10:00", "room": "0"},
    )

    assert response.status_code == 200
    assert "too short" in errors_of(response.get_data(as_text=True), "day_end")
    assert stored_sessions() == []


def test_adding_a_session_stores_the_venue_time_in_utc(signed_in, course):
    response = signed_in.post(
        "/courses/governing-migration/sessions/new",
        data=session_form(
            course, room=str(course.venue.rooms[1].id), module=str(course.modules[2].id)
        ),
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/timetable#day-2017-11-22")
    (session,) = stored_sessions()
    assert session.title == "Study visit to the City of Turin"
    assert session.kind == SessionKind.STUDY_VISIT
    assert session.starts_at == datetime(2017, 11, 22, 13, 0, tzinfo=UTC)
    assert session.ends_at == datetime(2017, 11, 22, 16, 30, tzinfo=UTC)
    assert session.room == course.venue.rooms[1]
    assert session.module == course.modules[2]
    assert session.facilitators == "Ana Example, Ben Example"


def test_the_new_session_form_preselects_the_day_and_names_the_zone(signed_in, course):
    response = signed_in.get("/courses/governing-migration/sessions/new?day=2017-11-23")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'<option selected value="2017-11-23">Thursday, November 23, 2017', html)
    assert "Local time at the venue: Turin time" in html
    assert "M5: Module M5" in html
    assert "Study visit" in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"start": "11:00", "end": "10:00"}, "end", "The session must end after it starts."),
        ({"day": "2017-11-27"}, "day", "The session must take place during the course week"),
        ({"end": ""}, "end", "This field is required."),
        ({"title": ""}, "title", "This field is required."),
        ({"kind": "sightseeing"}, "kind", "Not a valid choice"),
        ({"room": "99999"}, "room", "Not a valid choice"),
    ],
)
def test_a_wrong_session_shows_the_error_beside_the_field(
    signed_in, course, overrides, field, message
):
    response = signed_in.post(
        "/courses/governing-migration/sessions/new", data=session_form(course, **overrides)
    )

    assert response.status_code == 200
    assert message in errors_of(response.get_data(as_text=True), field)
    assert stored_sessions() == []


def test_a_time_skipped_by_daylight_saving_is_an_error_beside_the_field(client, organiser):
    course = make_course(slug="spring-course", start=date(2018, 3, 22), organisers=(organiser,))
    db.session.commit()
    login(client, organiser)

    response = client.post(
        "/courses/spring-course/sessions/new",
        data=session_form(course, day="2018-03-25", start="02:30", end="04:00"),
    )

    assert response.status_code == 200
    assert "02:30 does not exist" in errors_of(response.get_data(as_text=True), "start")
    assert stored_sessions() == []


def test_editing_a_session_raises_its_sequence_only_for_calendar_changes(signed_in, course):
    session = add_session(course, "Opening", start=time(9), end=time(10))
    db.session.commit()
    url = f"/courses/governing-migration/sessions/{session.id}/edit"

    page = signed_in.get(url).get_data(as_text=True)
    assert 'value="09:00"' in page and 'value="Opening"' in page

    data = session_form(
        course,
        title="Opening",
        kind="plenary",
        day="2017-11-20",
        start="09:00",
        end="10:00",
        description="Welcome words.",
    )
    assert signed_in.post(url, data=data).status_code == 302
    assert session.description == "Welcome words."
    assert session.sequence == 0

    data["start"] = "09:15"
    assert signed_in.post(url, data=data).status_code == 302
    assert session.starts_at == datetime(2017, 11, 20, 8, 15, tzinfo=UTC)
    assert session.sequence == 1


def test_saving_a_session_that_overlaps_flashes_a_warning(signed_in, course):
    room = course.venue.rooms[0]
    add_session(course, "Plenary", day=date(2017, 11, 22), start=time(14), end=time(15), room=room)
    db.session.commit()

    response = signed_in.post(
        "/courses/governing-migration/sessions/new",
        data=session_form(course, room=str(room.id)),
        follow_redirects=True,
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert len(stored_sessions()) == 2
    assert "overlaps “Plenary”" in html
    assert "Room conflicts" in html


def test_cancel_restore_and_delete(signed_in, course):
    session = add_session(course, "Group work", start=time(9), end=time(10))
    db.session.commit()
    base = f"/courses/governing-migration/sessions/{session.id}"

    assert signed_in.post(f"{base}/cancel").status_code == 302
    assert session.status == SessionStatus.CANCELLED
    page = signed_in.get("/courses/governing-migration/timetable").get_data(as_text=True)
    assert f'id="session-{session.id}" class=" is-cancelled"' in page
    assert f'action="{base}/restore"' in page

    assert signed_in.post(f"{base}/restore").status_code == 302
    assert session.status == SessionStatus.SCHEDULED
    assert session.sequence == 2

    assert signed_in.post(f"{base}/delete").status_code == 302
    assert stored_sessions() == []


def test_destructive_actions_refuse_get(signed_in, course):
    session = add_session(course)
    db.session.commit()

    response = signed_in.get(f"/courses/governing-migration/sessions/{session.id}/delete")

    assert response.status_code == 405
    assert len(stored_sessions()) == 1


def render_partial(course):
    return render_template_string(
        '{% include "schedule/_timetable.html" %}',
        course=course,
        timetable_days=sessions_by_day(course),
    )


def test_the_public_partial_lists_the_days_with_breaks_and_cancellations(app, course):
    propose_timetable(course)
    cancelled = next(s for s in course.sessions if s.title == "M2 part 3")
    cancel_session(cancelled, actor=None)

    with app.test_request_context():
        html = render_partial(course).replace("\u202f", " ")

    assert html.count("<h3") == 5
    assert "Monday, November 20, 2017</h3>" in html
    assert "Focus: Module M1" in html
    assert "Times are in Turin time (" in html
    assert html.count('class="is-break"') == 15
    assert html.count('class=" is-cancelled"') == 1
    assert "9:00 AM" in html and "5:30 PM" in html
    assert "M2 part 3" in html


def test_the_public_partial_needs_a_constant_number_of_queries(app, course):
    def count_queries(sessions_per_day):
        db.session.execute(sa.delete(CourseSession).where(CourseSession.course_id == course.id))
        for day in course.day_dates:
            for n in range(sessions_per_day):
                add_session(
                    course, f"S{n}", day=day, start=time(8 + n), end=time(9 + n),
                    room=course.venue.rooms[0], module=course.modules[0],
                )  # fmt: skip
        db.session.commit()
        statements = []

        def record(*args):
            statements.append(args[2])

        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            with app.test_request_context():
                render_partial(course)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    assert count_queries(1) == count_queries(6)
