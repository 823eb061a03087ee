"""Calendar links in the pages: the course page's feed (alternate link and subscribe box), each
session's "Add to calendar" menu, and the subscribe line of "My courses"."""

from __future__ import annotations

from datetime import date, time

import pytest
from markupsafe import escape

from app.accounts.models import Role
from app.courses.models import CourseStatus
from app.extensions import db
from app.feeds.links import (
    google_calendar_link,
    google_subscribe_url,
    outlook_link,
    outlook_subscribe_url,
    webcal_url,
)
from app.registration.models import RegistrationStatus
from app.schedule.models import SessionKind
from app.schedule.services import SessionData, cancel_session, create_session
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user

S = RegistrationStatus
FEED = "http://atelier.test/courses/governing-2017/calendar.ics"
TITLE = "Governing migration at the local level"


def add(course, title, start, end, **fields):
    data = SessionData(title=title, day=date(2017, 11, 23), start=start, end=end, **fields)
    return create_session(course, data, actor=None)


@pytest.fixture
def course():
    course = make_course(slug="governing-2017", title=TITLE)
    add(course, "Group work", time(14), time(15, 30), kind=SessionKind.GROUP_WORK)
    add(course, "Coffee break", time(15, 30), time(16), kind=SessionKind.BREAK)
    add(course, "Role play", time(16), time(17), kind=SessionKind.ROLE_PLAY)
    db.session.commit()
    return course


def session_named(course, title):
    [found] = [s for s in course.sessions if s.title == title]
    return found


def attr(value: str) -> str:
    """A value as it appears in an HTML attribute."""
    return str(escape(value))


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def row_of(html: str, title: str) -> str:
    """The table row of a session in the timetable."""
    start = html.index(f"{title}\n")
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


# --- the course page -------------------------------------------------------------------------


def test_the_course_page_announces_its_calendar(client, course):
    html = page(client, "/courses/governing-2017")
    head = html[: html.index("</head>")]
    assert (
        f'<link rel="alternate" type="text/calendar" title="Calendar of {TITLE}" '
        f'href="{FEED}">' in head
    )


def test_the_subscribe_box_offers_every_client(client, course):
    html = page(client, "/courses/governing-2017")
    start = html.index('id="course-calendar"')
    box = html[start : html.index("</section>", start)]
    assert "Add to your calendar" in box
    assert f'readonly value="{FEED}"' in box
    assert 'readonly value="webcal://atelier.test/courses/governing-2017/calendar.ics"' in box
    assert webcal_url(FEED) == "webcal://atelier.test/courses/governing-2017/calendar.ics"
    assert f'href="{attr(google_subscribe_url(FEED))}"' in box
    assert f'href="{attr(outlook_subscribe_url(FEED, TITLE))}"' in box
    assert f'href="{attr(outlook_subscribe_url(FEED, TITLE, personal=True))}"' in box
    assert f'href="{webcal_url(FEED)}"' in box
    for client_help in (
        "Other calendars → From URL",
        "Add calendar → Subscribe from web",
        "File → New Calendar Subscription",
        "New Calendar → On the Network",
    ):
        assert client_help in box
    assert "A subscription stays up to date" in box


def test_the_feed_address_works(client, course):
    response = client.get(FEED.removeprefix("http://atelier.test"))
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"


def test_the_feed_is_in_the_visitors_language_when_it_is_not_the_courses(client, course):
    login(client, make_user(locale="fr"))
    db.session.commit()
    html = page(client, "/courses/governing-2017")
    localised = FEED + "?lang=fr"
    assert f'href="{attr(localised)}"' in html
    assert f'readonly value="{attr(localised)}"' in html
    assert f'href="{attr(google_subscribe_url(localised))}"' in html


@pytest.mark.parametrize("status", [CourseStatus.DRAFT, CourseStatus.CANCELLED])
def test_no_calendar_links_unless_published(client, course, status):
    course.status = status
    admin = make_user(Role.ADMIN)  # sees drafts too
    db.session.commit()
    login(client, admin)
    html = page(client, "/courses/governing-2017")
    assert "text/calendar" not in html
    assert "Add to your calendar" not in html
    assert "Add to calendar" not in html


# --- one session -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_a_session_row_has_the_three_add_to_calendar_links(client, course, locale):
    if locale != "en":
        login(client, make_user(locale=locale))
        db.session.commit()
    session = session_named(course, "Group work")
    html = page(client, "/courses/governing-2017")
    row = row_of(html, "Group work")

    lang = "" if locale == "en" else f"?lang={locale}"
    ics = f"/courses/governing-2017/sessions/{session.id}.ics{lang}"
    google = google_calendar_link(session, locale=locale)
    outlook = outlook_link(session, locale=locale)
    assert f'href="{attr(ics)}" download' in row
    # The page links to its own addresses, which send the visitor on to each service's page.
    for service, target in (("google", google), ("outlook", outlook)):
        own = f"/courses/governing-2017/sessions/{session.id}/add-to/{service}{lang}"
        assert f'href="{attr(own)}"' in row
        answer = client.get(own)
        assert answer.status_code == 302
        assert answer.headers["Location"] == target
        assert answer.headers["Cache-Control"] == "public, max-age=300"
    # 14:00-15:30 in Turin (CET) is 13:00-14:30 UTC.
    assert "dates=20171123T130000Z/20171123T143000Z" in google
    assert "startdt=2017-11-23T13%3A00%3A00Z&enddt=2017-11-23T14%3A30%3A00Z" in outlook
    assert 'href="#course-calendar"' in row
    if locale == "en":
        assert "A downloaded file does not update" in row


def test_the_session_download_works(client, course):
    session = session_named(course, "Group work")
    response = client.get(f"/courses/governing-2017/sessions/{session.id}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert f"UID:session-{session.uid}@atelier.test" in response.get_data(as_text=True)


def test_breaks_and_cancelled_sessions_have_no_links(client, course):
    cancel_session(session_named(course, "Role play"), actor=None)
    db.session.commit()
    html = page(client, "/courses/governing-2017")
    assert "Add to calendar" in row_of(html, "Group work")
    assert "Add to calendar" not in row_of(html, "Coffee break")
    assert "Add to calendar" not in row_of(html, "Role play")
    # Nor do their addresses send anyone on.
    for name in ("Coffee break", "Role play"):
        session = session_named(course, name)
        answer = client.get(f"/courses/governing-2017/sessions/{session.id}/add-to/google")
        assert answer.status_code == 404
        assert answer.mimetype == "text/plain"


def test_sending_on_needs_a_published_course_and_its_own_session(client, course):
    other = make_course(title="Mainstreaming migration into development planning")
    db.session.commit()
    group_work = session_named(course, "Group work")
    assert (
        client.get(f"/courses/{other.slug}/sessions/{group_work.id}/add-to/google").status_code
        == 404
    )
    assert (
        client.get(f"/courses/governing-2017/sessions/{group_work.id}/add-to/yahoo").status_code
        == 404
    )
    course.status = CourseStatus.DRAFT
    db.session.commit()
    assert (
        client.get(f"/courses/governing-2017/sessions/{group_work.id}/add-to/google").status_code
        == 404
    )


# --- My courses ------------------------------------------------------------------------------


def test_my_courses_has_a_subscribe_line_per_course(client, course):
    user = make_user()
    registration = make_registration(course, user)
    db.session.commit()
    login(client, user)
    html = page(client, "/my/courses")

    assert 'href="/account/calendars"' in html
    assert "Your personal calendar feed (all your courses)" in html
    line = html[html.index(f'id="calendar-{registration.id}"') :]
    line = line[: line.index("</details>")]
    assert "Add to your calendar:" in line
    assert f'readonly value="{FEED}"' in line
    assert f'readonly value="{webcal_url(FEED)}"' in line
    assert f'href="{attr(google_subscribe_url(FEED))}"' in line
    assert f'href="{attr(outlook_subscribe_url(FEED, TITLE))}"' in line
    assert f'href="{attr(outlook_subscribe_url(FEED, TITLE, personal=True))}"' in line


def test_my_courses_links_match_the_helpers_in_another_language(client):
    # A title with characters that need quoting, and a visitor whose language adds ?lang=.
    course = make_course(slug="migration-2018", title="Migration & development / 2018")
    user = make_user(locale="es")
    make_registration(course, user, status=S.WAITLISTED)
    db.session.commit()
    login(client, user)
    html = page(client, "/my/courses")
    feed = "http://atelier.test/courses/migration-2018/calendar.ics?lang=es"
    name = "Migration & development / 2018"
    assert f'readonly value="{attr(feed)}"' in html
    assert f'href="{attr(google_subscribe_url(feed))}"' in html
    assert f'href="{attr(outlook_subscribe_url(feed, name))}"' in html


@pytest.mark.parametrize("status", [S.SUBMITTED, S.CANCELLED, S.REJECTED])
def test_no_subscribe_line_for_other_registrations(client, course, status):
    user = make_user()
    make_registration(course, user, status=status)
    db.session.commit()
    login(client, user)
    html = page(client, "/my/courses")
    assert "Add to your calendar" not in html
