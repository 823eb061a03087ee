"""The announcements' pages: the organisers' page (post, edit, withdraw), the course page and
"My courses" as each person sees them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.announcements import services
from app.announcements.models import Announcement
from app.core.timeutil import local_date
from app.db import now_utc
from app.extensions import db
from tests.announcements.conftest import TURIN, Cast, make_cast, outbox
from tests.conftest import login

BODY = "Room change on Wednesday: <b>room B</b>, map at https://example.org/map?a=1&b=2."


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def stored() -> list[Announcement]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Announcement).order_by(Announcement.id)))


def manage_url(cast: Cast) -> str:
    return f"/courses/{cast.course.slug}/announcements"


# --- the organisers' page --------------------------------------------------------------------


def test_an_organiser_posts_from_the_page(client, cast):
    login(client, cast.organiser)
    html = page(client, manage_url(cast))
    assert 'aria-current="page">Announcements</a>' in html
    assert "3 confirmed participants would receive it." in html
    before = now_utc()
    response = client.post(manage_url(cast), data={"title": "Room change", "body": BODY})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(manage_url(cast))
    [announcement] = stored()
    assert announcement.author_id == cast.organiser.id
    assert before <= announcement.created_at <= now_utc()
    assert announcement.body == BODY
    assert outbox() == []
    html = page(client, manage_url(cast))
    assert "The announcement is posted." in html
    assert "by Olga Organiser" in html
    assert "&lt;b&gt;room B&lt;/b&gt;" in html
    assert '<a href="https://example.org/map?a=1&amp;b=2" rel="nofollow noopener ugc">' in html


def test_posted_and_mailed_says_to_how_many(client, cast):
    login(client, cast.organiser)
    response = client.post(manage_url(cast), data={"body": BODY, "send_mail": "y"})
    assert response.status_code == 302
    assert len(outbox()) == 3
    html = page(client, manage_url(cast))
    assert "The announcement is posted and sent by email to 3 participants." in html
    assert "Sent by email" in html and "to 3 participants" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"body": ""}, "Write the announcement first."),
        ({"body": "Bell\x07"}, "invisible control characters"),
        ({"body": "x" * 2001}, "An announcement can have at most 2000 characters."),
        ({"body": "Fine", "title": "t" * 201}, "Use at most 200 characters."),
    ],
)
def test_bad_input_comes_back_beside_its_field_and_stores_nothing(client, cast, data, message):
    login(client, cast.organiser)
    response = client.post(manage_url(cast), data={**data, "send_mail": "y"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'aria-invalid="true"' in html
    assert stored() == []
    assert outbox() == []


def test_editing_names_who_and_when(client, cast):
    announcement = services.post_announcement(
        cast.course, title="Room change", body="Room B.", actor=cast.organiser
    )
    db.session.commit()
    login(client, cast.co_organiser)
    url = f"{manage_url(cast)}/{announcement.id}/edit"
    assert 'value="Room change"' in page(client, url)
    response = client.post(url, data={"title": "Room change", "body": "Room C, not B."})
    assert response.status_code == 302
    [changed] = stored()
    assert changed.body == "Room C, not B."
    assert changed.edited_by_id == cast.co_organiser.id
    assert changed.edited_at is not None
    assert "Edited" in page(client, manage_url(cast)) and "by Omar Organiser" in page(
        client, manage_url(cast)
    )
    response = client.post(url, data={"title": "", "body": ""})
    assert response.status_code == 400
    assert stored()[0].body == "Room C, not B."


def test_withdrawing_keeps_it_for_the_organisers(client, cast):
    announcement = services.post_announcement(
        cast.course, title="Dinner", body="At 19:00.", actor=cast.organiser
    )
    db.session.commit()
    login(client, cast.co_organiser)
    response = client.post(f"{manage_url(cast)}/{announcement.id}/withdraw")
    assert response.status_code == 302
    [kept] = stored()
    assert kept.withdrawn_by_id == cast.co_organiser.id
    html = page(client, manage_url(cast))
    assert "Withdrawn" in html and "At 19:00." in html
    # Nothing left to edit.
    response = client.get(f"{manage_url(cast)}/{announcement.id}/edit")
    assert response.status_code == 302
    login(client, cast.ana)
    assert "At 19:00." not in page(client, f"/courses/{cast.course.slug}")


def test_another_course_s_announcement_is_not_found_here(client, cast):
    elsewhere = services.post_announcement(
        cast.other, title="", body="Elsewhere.", actor=cast.other_organiser
    )
    db.session.commit()
    login(client, cast.organiser)
    assert client.get(f"{manage_url(cast)}/{elsewhere.id}/edit").status_code == 404
    assert client.post(f"{manage_url(cast)}/{elsewhere.id}/withdraw").status_code == 404
    assert stored()[0].withdrawn_at is None


@pytest.mark.parametrize("who", ["facilitator", "reviewer", "ana", "other_organiser"])
def test_the_page_is_the_organisers(client, cast, who):
    login(client, getattr(cast, who))
    assert client.get(manage_url(cast)).status_code == 403
    assert client.post(manage_url(cast), data={"body": "Hi"}).status_code == 403
    assert stored() == []


# --- the course page -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("ana", True),
        ("lucia", True),
        ("facilitator", True),
        ("organiser", True),
        ("admin", True),
        ("waitlisted", False),
        ("cancelled", False),
        ("rejected", False),
        ("reviewer", False),
        ("outsider", False),
        (None, False),
    ],
)
def test_the_course_page_shows_them_to_participants_and_team_only(client, cast, who, sees):
    services.post_announcement(cast.course, title="Room change", body=BODY, actor=cast.organiser)
    services.post_announcement(
        cast.other, title="Elsewhere", body="Not this course.", actor=cast.other_organiser
    )
    db.session.commit()
    if who is not None:
        login(client, getattr(cast, who))
    html = page(client, f"/courses/{cast.course.slug}")
    assert ("Room change" in html) is sees
    assert ('id="announcements-heading"' in html) is sees
    assert "Not this course." not in html
    if sees:
        assert "&lt;b&gt;room B&lt;/b&gt;" in html
        assert "<b>room B</b>" not in html
        assert 'href="https://example.org/map?a=1&amp;b=2"' in html


def test_newest_first_on_the_course_page(client, cast):
    services.post_announcement(
        cast.course, title="", body="First: bus at 08:30.", actor=cast.organiser
    )
    db.session.flush()
    services.post_announcement(
        cast.course,
        title="",
        body="Second: room change.",
        actor=cast.organiser,
        now=now_utc() + timedelta(minutes=1),
    )
    db.session.commit()
    login(client, cast.ana)
    html = page(client, f"/courses/{cast.course.slug}")
    assert html.index("Second: room change.") < html.index("First: bus at 08:30.")


# --- "My courses" ----------------------------------------------------------------------------


@pytest.fixture
def live() -> Cast:
    """The same course on site now: it started two days ago at the venue."""
    return make_cast(local_date(now_utc(), TURIN) - timedelta(days=2), slug="governing-now")


def test_my_courses_shows_a_current_course_s_announcements_on_top(client, live):
    services.post_announcement(
        live.course, title="Room change", body="Room B today.", actor=live.organiser
    )
    db.session.commit()
    login(client, live.lucia)
    html = page(client, "/my/courses")
    assert "Room B today." in html
    assert html.index("Room B today.") < html.index('class="course-list"')
    login(client, live.waitlisted)
    assert "Room B today." not in page(client, "/my/courses")


def test_my_courses_leaves_out_a_course_long_over(client, cast):
    services.post_announcement(
        cast.course, title="Room change", body="Room B in 2017.", actor=cast.organiser
    )
    db.session.commit()
    login(client, cast.ana)
    html = page(client, "/my/courses")
    assert "Room B in 2017." not in html
    # Still on the course page, for the record.
    assert "Room B in 2017." in page(client, f"/courses/{cast.course.slug}")
