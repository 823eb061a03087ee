"""The page of an event: its own layout, local times on site, the viewer's zone online."""

from __future__ import annotations

from datetime import date, time

from app.accounts.models import Role
from app.courses.models import (
    CourseKind,
    CourseStatus,
    PartnerRole,
    Programme,
    ProgrammeTranslation,
    RegistrationMode,
)
from app.courses.services import set_partners
from app.extensions import db
from app.registration.models import RegistrationStatus
from tests.conftest import login
from tests.events.conftest import add_session, make_event
from tests.factories import make_course, make_module, make_registration, make_user

HABITAT = date(2016, 10, 17)
SIDE_DAY = date(2016, 10, 18)


def _habitat():
    host = make_event(kind=CourseKind.CONFERENCE, title="Habitat III", start=HABITAT, days=4)
    return host


def test_event_and_course_have_their_own_layouts_and_share_the_registration_box(client):
    make_course(slug="turin", modules=(make_module("M1"),))
    event = make_event(title="Launch of the toolbox", kind=CourseKind.LAUNCH)
    add_session(event, "Presentation", SIDE_DAY, time(10, 0), time(11, 0))
    db.session.commit()

    course_page = client.get("/courses/turin").get_data(as_text=True)
    event_page = client.get(f"/courses/{event.slug}").get_data(as_text=True)

    assert '<article class="event">' not in course_page
    assert "<h2>Online follow-up phase</h2>" in course_page
    assert '<article class="event">' in event_page
    assert '<p class="event-kind"><span class="badge">Launch</span></p>' in event_page
    assert "<h2>Sessions</h2>" in event_page
    assert "follow-up phase" not in event_page
    for page in (course_page, event_page):
        assert page.count('aria-labelledby="registration-heading"') == 1
        assert '<section class="side-box subscribe-box" id="course-calendar"' in page
        assert 'rel="alternate" type="text/calendar"' in page


def test_side_event_in_quito_shows_local_times_host_partners_and_programme(client):
    host = _habitat()
    programme = Programme(
        slug="jmdi",
        url="https://programme.example.org",
        translations=[ProgrammeTranslation(locale="en", title="Joint migration programme")],
    )
    db.session.add(programme)
    event = make_event(host=host, venue=host.venue)
    event.programme = programme
    event.contact_name = "Events team"
    event.contact_email = "events@example.org"
    set_partners(
        event,
        [("ITC-ILO", PartnerRole.ORGANISER), ("UCLG", PartnerRole.CO_ORGANISER)],
    )
    add_session(event, "Presentation of the toolbox", SIDE_DAY, time(10, 0), time(11, 30))
    db.session.commit()

    page = client.get(f"/courses/{event.slug}").get_data(as_text=True)

    # 10:00 in Quito (UTC-5) is 15:00 UTC.
    assert '<time datetime="2016-10-18T15:00:00+00:00">10:00\u202fAM</time>' in page
    assert '<time datetime="2016-10-18T16:30:00+00:00">11:30\u202fAM</time>' in page
    assert "Times are in Quito time (-05)." in page
    assert "America/Guayaquil (-05)" in page
    assert "Casa de la Cultura Ecuatoriana" in page
    assert f'Part of <a href="/courses/{host.slug}">Habitat III</a>' in page
    assert "Co-organiser</dt>" in page and "UCLG" in page
    assert "mailto:events@example.org" in page
    assert '<a href="/programmes/jmdi">Joint migration programme</a>' in page
    assert "Focus:" not in page
    assert "data-localize" not in page and "localtime.js" not in page  # on site: no rewriting


def test_conference_lists_its_sessions_and_side_events_in_time_order(client):
    host = _habitat()
    later = make_event(title="Refugees in cities", host=host, venue=host.venue)
    later.start_date = date(2016, 10, 19)
    later.kind = CourseKind.SPECIAL_SESSION
    add_session(later, "Special session", date(2016, 10, 19), time(15, 0), time(16, 30))
    toolbox = make_event(title="Toolbox for urban governance", host=host, venue=host.venue)
    add_session(toolbox, "Presentation", SIDE_DAY, time(10, 0), time(11, 30))
    # Created last but earlier in the day: 13:00 UTC is 08:00 in Quito.
    online = make_event(
        title="Remote side event", host=host, online_url="https://meet.example.org/h3"
    )
    add_session(online, "Online talk", SIDE_DAY, time(13, 0), time(14, 0), tz="UTC")
    make_event(title="Draft side event", host=host, venue=host.venue, status=CourseStatus.DRAFT)
    # The host's own sessions on both sides of the side events' times.
    add_session(host, "Opening plenary", SIDE_DAY, time(9, 0), time(9, 59))
    add_session(host, "Urban dialogue", SIDE_DAY, time(10, 1), time(12, 0))
    add_session(host, "Closing of the day", date(2016, 10, 19), time(16, 31), time(17, 0))
    add_session(host, "Cities and refugees", date(2016, 10, 19), time(14, 59), time(15, 30))
    db.session.commit()

    page = client.get(f"/courses/{host.slug}").get_data(as_text=True)

    assert '<h2 id="programme">Sessions and side events</h2>' in page
    listed = page.split('id="programme"')[1]
    assert "Draft side event" not in listed
    order = [
        "Remote side event",  # 08:00 in Quito
        "Opening plenary",  # 09:00
        "Toolbox for urban governance",  # 10:00
        "Urban dialogue",  # 10:01
        "Cities and refugees",  # 14:59 the next day
        "Refugees in cities",  # 15:00
        "Closing of the day",  # 16:31
    ]
    positions = [listed.index(title) for title in order]
    assert positions == sorted(positions)
    assert listed.index("Tuesday, October 18, 2016") < positions[0]
    assert positions[3] < listed.index("Wednesday, October 19, 2016") < positions[4]
    assert "Special session</span>" in listed and "Side event</span>" in listed
    row = listed.split("Toolbox for urban governance")[0].rsplit("<tr", 1)[1]
    assert "10:00 AM</time>–" in row and "11:30 AM</time>" in row
    assert f'<a href="/courses/{toolbox.slug}">Toolbox for urban governance</a>' in row + (
        "Toolbox for urban governance</a>"
    )
    place = listed.split("Toolbox for urban governance")[1].split("</tr>")[0]
    assert "Casa de la Cultura Ecuatoriana, Quito" in place
    remote = listed.split("Remote side event")[0].rsplit("<tr", 1)[1]
    assert "8:00 AM</time>–" in remote
    assert "Online" in listed.split("Remote side event")[1].split("</tr>")[0]


def test_online_webinar_shows_utc_to_visitors_and_the_own_zone_to_users(client):
    webinar = make_event(
        kind=CourseKind.WEBINAR,
        title="Follow-up webinar",
        online_url="https://meet.example.org/webinar",
        mode=RegistrationMode.NONE,
    )
    add_session(webinar, "Live discussion", SIDE_DAY, time(13, 0), time(14, 0), tz="UTC")
    tokyo = make_user(name="Aiko")
    tokyo.timezone = "Asia/Tokyo"
    db.session.commit()

    anonymous = client.get(f"/courses/{webinar.slug}").get_data(as_text=True)
    login(client, tokyo)
    signed_in = client.get(f"/courses/{webinar.slug}").get_data(as_text=True)

    assert "Times in UTC." in anonymous
    assert (
        '<time datetime="2016-10-18T13:00:00+00:00" data-localize data-day="2016-10-18">'
        "1:00\u202fPM</time>"
    ) in anonymous
    assert 'src="/static/js/localtime.js" defer' in anonymous
    assert 'data-localize-zone="Times in your time zone ({zone})."' in anonymous
    # 13:00 UTC is 22:00 in Tokyo; the page says so and leaves the times alone.
    assert "Times in your time zone (Asia/Tokyo)." in signed_in
    assert '<time datetime="2016-10-18T13:00:00+00:00">10:00\u202fPM</time>' in signed_in
    assert "localtime.js" not in signed_in and "data-localize" not in signed_in
    # No registration: the join link is for everyone.
    assert 'href="https://meet.example.org/webinar"' in anonymous


def test_online_session_crossing_midnight_is_listed_under_the_viewers_day(client):
    webinar = make_event(
        kind=CourseKind.WEBINAR, online_url="https://meet.example.org/w", start=SIDE_DAY
    )
    add_session(webinar, "Late session", SIDE_DAY, time(20, 0), time(21, 0), tz="UTC")
    tokyo = make_user()
    tokyo.timezone = "Asia/Tokyo"
    db.session.commit()
    login(client, tokyo)

    page = client.get(f"/courses/{webinar.slug}").get_data(as_text=True)

    # 20:00 UTC on the 18th is 05:00 on the 19th in Tokyo: one day, the 19th.
    assert 'id="timetable-2016-10-19"' in page and 'id="timetable-2016-10-18"' not in page
    assert "5:00\u202fAM</time>" in page


def test_join_link_only_for_confirmed_registrants_and_the_team_when_registration_is_asked(
    client,
):
    organiser = make_user(Role.ORGANISER)
    webinar = make_event(
        kind=CourseKind.WEBINAR,
        online_url="https://meet.example.org/private",
        mode=RegistrationMode.RSVP,
        organisers=(organiser,),
    )
    confirmed = make_user()
    waiting = make_user()
    make_registration(webinar, confirmed)
    make_registration(webinar, waiting, status=RegistrationStatus.WAITLISTED)
    db.session.commit()
    link = 'href="https://meet.example.org/private"'

    anonymous = client.get(f"/courses/{webinar.slug}").get_data(as_text=True)
    seen = {}
    for name, user in (("confirmed", confirmed), ("waiting", waiting), ("team", organiser)):
        login(client, user)
        seen[name] = link in client.get(f"/courses/{webinar.slug}").get_data(as_text=True)

    assert link not in anonymous
    assert "The link to join is shown here to confirmed participants." in anonymous
    assert seen == {"confirmed": True, "waiting": False, "team": True}


def test_webinar_feed_is_in_utc_and_quito_feed_in_the_venue_zone(client):
    webinar = make_event(kind=CourseKind.WEBINAR, online_url="https://meet.example.org/w")
    add_session(webinar, "Live discussion", SIDE_DAY, time(13, 0), time(14, 0), tz="UTC")
    side = make_event(title="Quito side event")
    add_session(side, "Presentation", SIDE_DAY, time(10, 0), time(11, 30))
    db.session.commit()

    online_ics = client.get(f"/courses/{webinar.slug}/calendar.ics").get_data(as_text=True)
    quito_ics = client.get(f"/courses/{side.slug}/calendar.ics").get_data(as_text=True)

    assert "DTSTART:20161018T130000Z" in online_ics
    assert "VTIMEZONE" not in online_ics and "TZID" not in online_ics
    assert "DTSTART;TZID=America/Guayaquil:20161018T100000" in quito_ics
    assert "BEGIN:VTIMEZONE\r\nTZID:America/Guayaquil" in quito_ics
