"""From the form to the calendar: a side event in Quito, as an organiser builds it."""

from __future__ import annotations

import sqlalchemy as sa

from app.accounts.models import Role
from app.courses.models import Course, CourseKind, CourseTeamMember, TeamRole
from app.extensions import db
from tests.conftest import login
from tests.events.conftest import event_form, make_event
from tests.factories import make_user


def test_side_event_in_quito_from_the_form_to_its_page_and_calendar(client):
    organiser = make_user(Role.ORGANISER)
    host = make_event(kind=CourseKind.CONFERENCE, title="Habitat III")
    host.days = 4
    host.team.append(CourseTeamMember(user=organiser, role=TeamRole.ORGANISER))
    db.session.commit()
    login(client, organiser)

    created = client.post("/courses/new", data=event_form(host.venue, host_event_id=str(host.id)))
    event = db.session.scalar(sa.select(Course).where(Course.host_event_id == host.id))
    added = client.post(
        f"/courses/{event.slug}/sessions/new",
        data={
            "title": "Presentation of the toolbox",
            "kind": "panel",
            "day": "2016-10-18",
            "start": "10:00",
            "end": "11:30",
            "room": str(host.venue.rooms[0].id),
            "module": "0",
        },
    )
    client.post("/logout")
    page = client.get(f"/courses/{event.slug}").get_data(as_text=True)
    host_page = client.get(f"/courses/{host.slug}").get_data(as_text=True)
    ics = client.get(f"/courses/{event.slug}/calendar.ics").get_data(as_text=True)

    assert created.status_code == 302 and added.status_code == 302
    # 10:00 in Quito is 15:00 UTC, shown as 10:00 at the venue.
    assert '<time datetime="2016-10-18T15:00:00+00:00">10:00\u202fAM</time>' in page
    assert "Times are in Quito time (-05)." in page
    assert "Migration toolbox for urban governance" in host_page.split('id="programme"')[1]
    assert "DTSTART;TZID=America/Guayaquil:20161018T100000" in ics
    assert "DTEND;TZID=America/Guayaquil:20161018T113000" in ics
    vtimezone = ics.split("BEGIN:VTIMEZONE")[1].split("END:VTIMEZONE")[0]
    assert "TZID:America/Guayaquil" in vtimezone and "TZOFFSETTO:-0500" in vtimezone
