"""The organisers' tools for events: the tabs, the sessions page, times typed in a zone."""

from __future__ import annotations

from datetime import date, time

import pytest

from app.accounts.models import Role
from app.courses.models import CourseKind
from app.extensions import db
from tests.conftest import login
from tests.events.conftest import add_session, make_event, utc
from tests.factories import make_course, make_user

DAY = date(2016, 10, 18)


def _tabs(page: str) -> list[str]:
    nav = page.split('<nav class="manage-nav"')[1].split("</nav>")[0]
    return [part.split(">", 1)[1].split("<", 1)[0] for part in nav.split("<li><a ")[1:]]


def test_events_have_no_modules_follow_up_certificates_or_fees_tabs(client):
    organiser = make_user(Role.ORGANISER)
    event = make_event(organisers=(organiser,))
    course = make_course(organisers=(organiser,))
    db.session.commit()
    login(client, organiser)

    event_tabs = _tabs(client.get(f"/courses/{event.slug}/edit").get_data(as_text=True))
    course_tabs = _tabs(client.get(f"/courses/{course.slug}/edit").get_data(as_text=True))

    assert event_tabs == [
        "Details",
        "Sessions",
        "Team",
        "Questions",
        "Selection",
        "Participants",
        "Messages",
        "Announcements",
        "Past participants",
        # An event at a venue may bring people from abroad: they may need a letter too.
        "Visa letters",
        "Attendance",
        "Check-in",
        "Materials",
    ]
    assert course_tabs == [
        "Details",
        "Modules",
        "Timetable",
        "Follow-up phase",
        "Team",
        "Questions",
        "Fees",
        "Evaluation",
        "Session ratings",
        "Selection",
        "Participants",
        "Fellowships",
        "Invoices",
        "Messages",
        "Announcements",
        "Past participants",
        "Visa letters",
        "Attendance",
        "Check-in",
        "Certificates",
        "Hand-ins",
        "Materials",
        "Discussions",
        "Progress",
        "Results",
    ]


def test_sessions_page_of_an_event_has_no_proposal(client):
    organiser = make_user(Role.ORGANISER)
    event = make_event(organisers=(organiser,))
    course = make_course(organisers=(organiser,))
    db.session.commit()
    login(client, organiser)

    event_page = client.get(f"/courses/{event.slug}/timetable").get_data(as_text=True)
    course_page = client.get(f"/courses/{course.slug}/timetable").get_data(as_text=True)
    proposed = client.post(
        f"/courses/{event.slug}/timetable/propose",
        data={"day_start": "09:00", "day_end": "17:30", "room": "0"},
    )

    assert "<h1>Sessions</h1>" in event_page
    assert "Add the event's sessions one by one." in event_page
    assert "Propose a timetable" not in event_page and 'id="propose"' not in event_page
    assert 'id="propose"' in course_page
    assert proposed.status_code == 404
    assert event.sessions == []


def test_session_of_a_quito_event_is_typed_in_quito_time(client):
    organiser = make_user(Role.ORGANISER)
    organiser.timezone = "Asia/Tokyo"  # ignored on site: the venue's zone counts
    event = make_event(organisers=(organiser,))
    db.session.commit()
    login(client, organiser)

    form = client.get(f"/courses/{event.slug}/sessions/new").get_data(as_text=True)
    response = client.post(
        f"/courses/{event.slug}/sessions/new",
        data={
            "title": "Panel",
            "kind": "panel",
            "day": "2016-10-18",
            "start": "10:00",
            "end": "11:30",
            "room": "0",
            "module": "0",
        },
    )

    assert "Local time at the venue: Quito time (-05)." in form
    assert response.status_code == 302
    db.session.refresh(event)
    assert [(s.starts_at, s.ends_at) for s in event.sessions] == [
        (utc(2016, 10, 18, 15, 0), utc(2016, 10, 18, 16, 30))
    ]


@pytest.mark.parametrize(
    ("zone", "day", "start", "end", "expected"),
    [
        (None, "2016-10-18", "13:00", "14:00", utc(2016, 10, 18, 13, 0)),
        ("Asia/Tokyo", "2016-10-18", "22:00", "23:00", utc(2016, 10, 18, 13, 0)),
        # 08:00 on the 19th in Tokyo is still the 18th in UTC: offered, and accepted.
        ("Asia/Tokyo", "2016-10-19", "08:00", "08:30", utc(2016, 10, 18, 23, 0)),
        ("America/Guayaquil", "2016-10-18", "08:00", "09:00", utc(2016, 10, 18, 13, 0)),
    ],
)
def test_online_session_is_typed_in_the_organisers_zone_and_stored_in_utc(
    client, zone, day, start, end, expected
):
    organiser = make_user(Role.ORGANISER)
    organiser.timezone = zone
    webinar = make_event(
        kind=CourseKind.WEBINAR, online_url="https://meet.example.org/w", organisers=(organiser,)
    )
    db.session.commit()
    login(client, organiser)

    form = client.get(f"/courses/{webinar.slug}/sessions/new").get_data(as_text=True)
    response = client.post(
        f"/courses/{webinar.slug}/sessions/new",
        data={
            "title": "Live",
            "kind": "panel",
            "day": day,
            "start": start,
            "end": end,
            "room": "0",
            "module": "0",
        },
    )

    assert f'value="{day}"' in form
    if zone:
        assert f"In your time zone ({zone}); stored in UTC." in form
    else:
        assert "In UTC. Choose your time zone in your account to type local times." in form
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(webinar)
    assert webinar.sessions[0].starts_at == expected
    # The organiser's timetable shows the session back in their zone.
    page = client.get(f"/courses/{webinar.slug}/timetable").get_data(as_text=True)
    shown = expected.astimezone(__import__("zoneinfo").ZoneInfo(zone or "UTC"))
    assert f'id="day-{shown.date().isoformat()}"' in page


def test_online_session_outside_the_events_utc_days_is_refused(client):
    organiser = make_user(Role.ORGANISER)
    organiser.timezone = "Asia/Tokyo"
    webinar = make_event(
        kind=CourseKind.WEBINAR, online_url="https://meet.example.org/w", organisers=(organiser,)
    )
    db.session.commit()
    login(client, organiser)

    # 08:00 on the 18th in Tokyo is 23:00 on the 17th in UTC: before the webinar's day.
    response = client.post(
        f"/courses/{webinar.slug}/sessions/new",
        data={
            "title": "Too early",
            "kind": "panel",
            "day": "2016-10-18",
            "start": "08:00",
            "end": "09:00",
            "room": "0",
            "module": "0",
        },
    )

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="day-errors"' in page
    assert "In UTC this session falls outside the event's days (October 18, 2016)." in page
    assert webinar.sessions == []


def test_editing_an_online_session_shows_the_organisers_times(client):
    organiser = make_user(Role.ORGANISER)
    organiser.timezone = "Asia/Tokyo"
    webinar = make_event(
        kind=CourseKind.WEBINAR, online_url="https://meet.example.org/w", organisers=(organiser,)
    )
    session = add_session(webinar, "Live", DAY, time(13, 0), time(14, 0), tz="UTC")
    db.session.commit()
    login(client, organiser)

    page = client.get(f"/courses/{webinar.slug}/sessions/{session.id}/edit").get_data(as_text=True)

    assert 'value="22:00"' in page and 'value="23:00"' in page
