"""A course's join links reach only those who may join (issue 15).

The webinar of a follow-up phase has a join link (https://meet.example.org/…). It is shown on
the course page to the team and confirmed participants only, never to a visitor, an applicant
or someone waitlisted; the public course feed has none; a confirmed participant's personal
feed and the .ics attached to their confirmation carry it, an applicant's do not.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.accounts.models import Role
from app.core.timeutil import local_date
from app.db import now_utc
from app.feeds.calendars import personal_calendar
from app.followup.models import ActivityKind, FollowupActivity
from app.registration.models import RegistrationStatus
from app.registration.notifications import build_programme_attachment, programme_attachment
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user

LINK = "https://meet.example.org/governing-migration"


@pytest.fixture
def world(db):
    organiser = make_user(Role.ORGANISER, name="Olga Organiser")
    today = local_date(now_utc(), "Europe/Rome")
    course = make_course(
        slug="governing-2027", start=today - timedelta(days=10), organisers=(organiser,)
    )
    course.followup_opens_on = today - timedelta(days=2)
    course.followup_closes_on = today + timedelta(days=20)
    start = datetime.combine(today + timedelta(days=3), datetime.min.time(), tzinfo=UTC)
    db.session.add(
        FollowupActivity(
            course=course,
            kind=ActivityKind.WEBINAR,
            title="Live session: financing local migration initiatives",
            starts_at=start.replace(hour=13),
            ends_at=start.replace(hour=14),
            link=LINK,
        )
    )
    other = make_course(slug="mainstreaming-2027")
    ana = make_registration(
        course, make_user(name="Ana Alves"), status=RegistrationStatus.CONFIRMED
    )
    bea = make_registration(
        course, make_user(name="Ana Álvarez"), status=RegistrationStatus.WAITLISTED
    )
    make_registration(other, make_user(name="Carla Souza"), status=RegistrationStatus.CONFIRMED)
    db.session.commit()
    return course, organiser, ana, bea


def test_the_course_page_shows_the_link_to_those_who_may_join(app, world):
    course, organiser, ana, bea = world
    seen = {}
    for name, user in (
        ("visitor", None),
        ("ana", ana.user),
        ("bea", bea.user),
        ("olga", organiser),
    ):
        client = app.test_client()
        if user is not None:
            login(client, user)
        page = client.get(f"/courses/{course.slug}")
        assert page.status_code == 200
        seen[name] = LINK in page.get_data(as_text=True)
    assert seen == {"visitor": False, "ana": True, "bea": False, "olga": True}


def test_the_public_feed_has_no_join_link(client, world):
    course, *_ = world
    feed = client.get(f"/courses/{course.slug}/calendar.ics")
    assert feed.status_code == 200
    body = feed.get_data(as_text=True)
    assert "Live session" in body
    assert "meet.example.org" not in body


def attached_programme(registration) -> str:
    attachment = build_programme_attachment(**programme_attachment(registration).params)
    return attachment.content.decode()


def test_the_personal_feed_and_the_mail_attachment_carry_it_for_a_confirmed_place(world):
    _course, _organiser, ana, bea = world
    assert LINK in personal_calendar(ana.user).decode()
    assert "meet.example.org" not in personal_calendar(bea.user).decode()
    assert LINK in attached_programme(ana)
    assert "meet.example.org" not in attached_programme(bea)
