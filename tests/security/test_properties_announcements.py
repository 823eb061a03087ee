"""Arbitrary input to the announcement and alumni forms (see test_properties.py for what is
checked): a new announcement (maybe mailed), an edit, the alumni invitation and the consent.
Never a server error; a refused post changes nothing; what is stored is plain text and comes
back escaped on the course page, its web addresses as links and nothing else as markup."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from hypothesis import strategies as st

from app.alumni.models import AlumniInvitation
from app.announcements import services
from app.announcements.models import Announcement
from app.db import now_utc
from app.discussions.text import post_html
from app.extensions import db
from app.registration.models import Registration
from tests.alumni.conftest import make_edition
from tests.announcements.conftest import make_cast
from tests.security.test_properties import (
    ABSENT,
    LONG,
    MARKUP,
    accepted,
    any_text,
    assert_escaped,
    assert_plain,
    choices,
    fresh,
    get,
    only,
    post,
    posts,
    run,
    snapshot,
)

ANNOUNCEMENT = {
    "title": "Room <change> & more",
    "body": "Room B on Wednesday <b>not A</b>: https://example.org/map?a=1&b=2.",
    "send_mail": "y",
}
EXTREMES = (
    {"title": "", "body": "x" * LONG},
    {"title": "t" * LONG, "body": "Fine"},
    {"title": "Bell\x07", "body": "Fine"},
    {"title": "", "body": "a\x00b"},
    {"title": "\r\nBcc: evil@example.org", "body": "Fine"},
    {"title": "", "body": "</textarea><script>alert(2)</script>\r\nhttps://example.org/<script>"},
    {"title": "", "body": 'https://example.org/"onmouseover="alert(1) javascript:alert(1)'},
    {"title": "", "body": "   "},
)
boxes = st.sampled_from(("y", "", "false", ABSENT, "0"))


def check_shown(client, slug: str, stored: Announcement) -> None:
    assert_plain(stored.title)
    assert_plain(stored.body, multiline=True)
    assert len(stored.title) <= services.TITLE_MAX_LENGTH
    assert 0 < len(stored.body) <= services.BODY_MAX_LENGTH
    html = get(client, f"/courses/{slug}")
    for payload in MARKUP:
        if payload in stored.body or payload in stored.title:
            assert payload not in html
    assert str(post_html(stored.body)) in html
    assert_escaped(html, stored.title)


@run(
    posts(ANNOUNCEMENT, free=("title", "body"), structural={"send_mail": boxes}),
    *EXTREMES,
)
def test_new_announcement(client_for, data):
    fresh()
    cast = make_cast()
    client = client_for(cast.organiser)
    before = snapshot()
    response = post(client, f"/courses/{cast.course.slug}/announcements", data)
    if accepted(response, before):
        stored = only(Announcement)
        mailed = data.get("send_mail", "") not in ("", "false")
        assert (stored.mailed_count == 3) is mailed
        check_shown(client_for(cast.ana), cast.course.slug, stored)


@run(posts(ANNOUNCEMENT, free=("title", "body")), *EXTREMES)
def test_edit_announcement(client_for, data):
    fresh()
    cast = make_cast()
    announcement = services.post_announcement(
        cast.course, title="Bus", body="At 08:30.", actor=cast.organiser
    )
    client = client_for(cast.co_organiser)
    before = snapshot()
    response = post(
        client, f"/courses/{cast.course.slug}/announcements/{announcement.id}/edit", data
    )
    if accepted(response, before):
        check_shown(client_for(cast.ana), cast.course.slug, only(Announcement))


@run(
    posts(
        {"source": "__past__"},
        structural={"source": st.one_of(any_text, choices("__past__", "0", "-1", "999999999999"))},
        broken=1,
    )
)
def test_alumni_invitation(client_for, data):
    fresh()
    cast = make_cast()
    for user in (cast.ana, cast.lucia):
        db.session.scalars(
            sa.select(Registration).where(
                Registration.course_id == cast.course.id, Registration.user_id == user.id
            )
        ).one().consent_alumni = True
    edition = make_edition(
        cast.course, date(2027, 11, 22), slug="governing-2027", organisers=(cast.organiser,)
    )
    edition.registration_opens_at = now_utc() - timedelta(days=1)
    if data.get("source") == "__past__":
        data["source"] = str(cast.course.id)
    client = client_for(cast.organiser)
    before = snapshot()
    response = post(client, f"/courses/{edition.slug}/alumni", data)
    assert response.status_code == 302
    sent = db.session.scalars(sa.select(AlumniInvitation)).all()
    if data.get("source") == str(cast.course.id):
        assert sorted(i.user_id for i in sent) == sorted([cast.ana.id, cast.lucia.id])
    else:
        assert snapshot() == before
    # The preview is a GET form: any value gives a page or a 400.
    response = client.get(f"/courses/{edition.slug}/alumni", query_string=data)
    assert response.status_code in (200, 400)


@run(
    posts(
        {"give": "1"},
        structural={"give": st.one_of(any_text, boxes), "withdraw": st.one_of(any_text, boxes)},
        broken=2,
    )
)
def test_alumni_consent(client_for, data):
    fresh()
    cast = make_cast()
    registration = cast.registration(cast.tesfaye)
    client = client_for(cast.tesfaye)
    before = snapshot()
    response = post(client, f"/my/registrations/{registration.id}/alumni-consent", data)
    assert response.status_code == 302
    give = data.get("give", "") not in ("", "false")
    withdraw = data.get("withdraw", "") not in ("", "false")
    db.session.expire_all()
    if give:
        assert registration.consent_alumni is True
    elif not withdraw:
        assert snapshot() == before
    else:
        assert registration.consent_alumni is False
