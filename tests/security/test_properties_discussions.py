"""Arbitrary input to the discussions' forms (see test_properties.py for what is checked): a
new topic, a reply, an edit, the digest choice on the page and behind the mail's link. Never
a server error; a refused post changes nothing; what is stored is plain text and comes back
escaped, its web addresses as links and nothing else as markup."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from hypothesis import strategies as st

from app.core.timeutil import local_date
from app.db import now_utc
from app.discussions import digest, services
from app.discussions.models import DigestPreference, DiscussionPost
from app.discussions.text import post_html
from app.extensions import db
from tests.discussions.conftest import Cast, make_cast
from tests.security.test_properties import (
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


def live_cast() -> Cast:
    """A course whose follow-up phase is open now (on site 20 days ago)."""
    return make_cast(local_date(now_utc(), "Europe/Rome") - timedelta(days=20), slug="live")


def thread_url(cast: Cast) -> str:
    return f"/courses/{cast.course.slug}/discussions/{cast.discussion.id}"


def check_shown(client, cast: Cast, stored: DiscussionPost) -> None:
    """Stored as plain text; the page shows it escaped, links made by the filter only."""
    assert_plain(stored.body, multiline=True)
    html = get(client, thread_url(cast))
    for payload in MARKUP:
        if payload in stored.body:
            assert payload not in html
    assert str(post_html(stored.body)) in html
    if "://" not in stored.body:
        assert_escaped(html, stored.body, multiline=True)


BODY = {"body": "Notre plan <b>avance</b> & bien: https://example.org/plan?a=1&b=2."}
EXTREMES = (
    {"body": "x" * LONG},
    {"body": "a\x00b"},
    {"body": "\x00"},
    {"body": "</textarea><script>alert(2)</script>\r\nhttps://example.org/<script>"},
    {"body": 'https://example.org/"onmouseover="alert(1) javascript:alert(1)'},
    {"body": "http://[::1 (https://example.org/a_(b)) www.example.org"},
)


@run(posts(BODY, free=("body",)), *EXTREMES)
def test_new_topic(client_for, data):
    fresh()
    cast = live_cast()
    client = client_for(cast.ana)
    before = snapshot()
    response = post(client, f"{thread_url(cast)}/posts", data)
    if accepted(response, before):
        check_shown(client, cast, only(DiscussionPost))


@run(
    posts({"reply": BODY["body"]}, free=("reply",)),
    *({"reply": extreme["body"]} for extreme in EXTREMES),
)
def test_reply(client_for, data):
    fresh()
    cast = live_cast()
    topic = services.create_post(cast.discussion, "A topic", actor=cast.lucia)
    client = client_for(cast.ana)
    before = snapshot()
    response = post(
        client,
        f"{thread_url(cast)}/posts/{topic.id}/replies",
        {f"reply-{topic.id}-body": data["reply"]},
    )
    if accepted(response, before):
        reply = db.session.scalars(
            sa.select(DiscussionPost).where(DiscussionPost.parent_id == topic.id)
        ).one()
        check_shown(client, cast, reply)


@run(posts(BODY, free=("body",)), *EXTREMES)
def test_edit(client_for, data):
    fresh()
    cast = live_cast()
    mine = services.create_post(cast.discussion, "First draft", actor=cast.ana)
    client = client_for(cast.ana)
    before = snapshot()
    response = post(client, f"{thread_url(cast)}/posts/{mine.id}/edit", data)
    if accepted(response, before):
        check_shown(client, cast, only(DiscussionPost))


DIGEST = {"turn_off": "Stop the daily digest"}


def pressed(data: dict, name: str) -> bool:
    """Whether the post says the button was pressed (as WTForms reads a submit button)."""
    return data.get(name, "") not in ("", "false")


digest_fields = {
    "turn_off": choices("Stop the daily digest", "", "y"),
    "turn_on": st.one_of(choices("Send me the daily digest", ""), any_text),
}


@run(posts(DIGEST, structural=digest_fields, broken=2))
def test_digest_choice(client_for, data):
    fresh()
    cast = live_cast()
    client = client_for(cast.ana)
    before = snapshot()
    response = post(client, f"{thread_url(cast)}/digest", data)
    if response.status_code == 400:
        assert not pressed(data, "turn_on") and not pressed(data, "turn_off")
        assert snapshot() == before
        return
    assert response.status_code == 302
    db.session.expire_all()
    assert services.digest_enabled(cast.ana, cast.course) == pressed(data, "turn_on")


@run(posts(DIGEST, structural=digest_fields, broken=2))
def test_unsubscribe_link(client_for, data):
    fresh()
    cast = make_cast(date(2017, 11, 20), slug="unsubscribed")
    token = digest.unsubscribe_token(cast.tesfaye, cast.course)
    client = client_for(None)
    before = snapshot()
    response = post(client, f"/discussions/unsubscribe/{token}", data)
    if response.status_code == 400:
        assert not pressed(data, "turn_on") and not pressed(data, "turn_off")
        assert snapshot() == before
        return
    assert response.status_code == 302
    rows = db.session.scalars(sa.select(DigestPreference)).all()
    assert [(r.user_id, r.course_id) for r in rows] in ([], [(cast.tesfaye.id, cast.course.id)])
    db.session.expire_all()
    assert services.digest_enabled(cast.tesfaye, cast.course) == pressed(data, "turn_on")
