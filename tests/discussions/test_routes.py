"""The discussion pages: reading, posting, replying, editing, hiding, the digest choice, the
participation page and the unsubscribe link, through HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.accounts.models import Role, User
from app.db import now_utc
from app.discussions import digest, services
from app.discussions.models import DigestPreference, DiscussionPost
from app.extensions import db
from app.followup.models import ActivityKind, FollowupActivity
from app.registration.models import RegistrationStatus
from tests.conftest import login
from tests.courses.test_query_counts import count_queries
from tests.discussions.conftest import Cast, add_post
from tests.factories import make_user


def url(cast: Cast, tail: str = "") -> str:
    return f"/courses/{cast.course.slug}/discussions/{cast.discussion.id}{tail}"


def as_user(client: FlaskClient, user) -> FlaskClient:
    db.session.commit()
    return login(client, user)


def page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, path
    return response.get_data(as_text=True)


def stored() -> list[DiscussionPost]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(DiscussionPost).order_by(DiscussionPost.id)))


def mine(cast: Cast) -> list[DiscussionPost]:
    return [p for p in stored() if p.activity_id == cast.discussion.id]


# --- reading ---------------------------------------------------------------------------------


def test_a_participant_reads_posts_escaped_with_their_links(client, live: Cast):
    add_post(
        live.discussion,
        live.lucia,
        "<script>alert(1)</script> see https://example.org/plan?a=1&b=2.",
        now_utc() - timedelta(hours=1),
    )
    html = page(as_user(client, live.ana), url(live))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert (
        '<a href="https://example.org/plan?a=1&amp;b=2" rel="nofollow noopener ugc">'
        "https://example.org/plan?a=1&amp;b=2</a>." in html
    )
    assert "Lucía Peres" in html
    assert "Start a topic" in html


def test_the_team_is_marked_as_such(client, live: Cast):
    add_post(live.discussion, live.facilitator, "Welcome", now_utc() - timedelta(hours=1))
    html = page(as_user(client, live.ana), url(live))
    assert "Fatou Facilitator</strong>" in html
    assert '<span class="badge">Facilitator</span>' in html


def test_outsiders_are_refused(client, live: Cast):
    for user in (live.waitlisted, live.cancelled, live.reviewer, live.outsider):
        page(as_user(client, user), url(live), 403)
    response = client.get(url(live), headers={})
    assert response.status_code == 403  # still the outsider's session


def test_an_assignment_or_another_course_s_discussion_is_not_found(client, live: Cast, neighbour):
    as_user(client, live.ana)
    page(client, f"/courses/{live.course.slug}/discussions/{live.assignment.id}", 404)
    theirs = db.session.scalar(
        sa.select(FollowupActivity.id).where(
            FollowupActivity.course_id == neighbour.course_id,
            FollowupActivity.kind == ActivityKind.DISCUSSION,
        )
    )
    page(client, f"/courses/{live.course.slug}/discussions/{theirs}", 404)


def test_a_hidden_post_reads_as_hidden_to_participants_and_in_full_to_the_team(client, live: Cast):
    post = add_post(live.discussion, live.lucia, "Buy cheap watches", now_utc())
    services.hide_post(post, actor=live.facilitator)
    html = page(as_user(client, live.ana), url(live))
    assert "watches" not in html
    assert "This message was hidden by the organisers." in html
    html = page(as_user(client, live.organiser), url(live))
    assert "Buy cheap watches" in html
    assert "Hidden by Fatou Facilitator on" in html
    assert "Show again" in html


def test_after_the_phase_participants_read_but_cannot_post(client, live: Cast):
    live.course.followup_closes_on = live.course.followup_opens_on
    live.course.followup_opens_on = live.course.followup_opens_on - timedelta(days=1)
    add_post(live.discussion, live.lucia, "Kept for the record", now_utc() - timedelta(days=3))
    html = page(as_user(client, live.ana), url(live))
    assert "Kept for the record" in html
    assert "Start a topic" not in html and "Publish my reply" not in html
    assert "the discussion can still be read" in html
    response = client.post(url(live, "/posts"), data={"body": "Late"})
    assert response.status_code == 409
    assert "the discussion can still be read" in response.get_data(as_text=True)
    assert mine(live) and all(p.body != "Late" for p in mine(live))


def test_the_thread_s_queries_do_not_grow_with_its_posts(client, live: Cast):
    """Seen by the organiser, who is shown who hid each hidden post and who showed it again
    (administrators outside the team, whom the page has not loaded for anything else)."""
    as_user(client, live.organiser)
    ids = (live.discussion.id, live.tesfaye.id, live.lucia.id, live.facilitator.id, live.admin.id)
    add_post(live.discussion, live.lucia, "First", now_utc() - timedelta(hours=3))
    db.session.commit()
    client.get(url(live))  # warm up
    with count_queries() as few:
        assert client.get(url(live)).status_code == 200
    discussion = db.session.get(FollowupActivity, ids[0])
    tesfaye, lucia, _, admin = (db.session.get(User, i) for i in ids[1:])
    other_admin = make_user(Role.ADMIN, name="Otto Admin")
    for n in range(6):
        author = make_user(name=f"Reader {n}")
        topic = add_post(discussion, author, f"Topic {n}", now_utc() - timedelta(hours=2))
        add_post(discussion, tesfaye, f"Reply {n}", now_utc(), topic)
        add_post(discussion, lucia, f"Hidden {n}", now_utc(), topic, hidden_by=admin)
        shown = add_post(discussion, lucia, f"Shown {n}", now_utc(), topic, hidden_by=admin)
        shown.is_hidden, shown.unhidden_at = False, now_utc()
        shown.unhidden_by_id = other_admin.id
    db.session.commit()
    with count_queries() as many:
        html = client.get(url(live)).get_data(as_text=True)
    assert "Topic 5" in html and "Reply 5" in html
    assert "Hidden by Ada Admin" in html and "shown again by Otto Admin" in html
    assert len(many) == len(few), many


def test_the_course_s_discussions_page(client, live: Cast):
    add_post(live.discussion, live.lucia, "One", now_utc())
    html = page(as_user(client, live.ana), f"/courses/{live.course.slug}/discussions")
    assert "Sharing your action plans" in html and "1 topic" in html
    assert "Local action plan" not in html  # an assignment
    assert "Who has taken part" not in html
    # The facilitator reads French.
    html = page(as_user(client, live.facilitator), f"/courses/{live.course.slug}/discussions")
    assert "Qui a participé" in html
    page(as_user(client, live.reviewer), f"/courses/{live.course.slug}/discussions", 403)


def test_my_work_and_the_manage_page_link_to_the_discussion(client, live: Cast):
    html = page(as_user(client, live.ana), f"/courses/{live.course.slug}/followup/mine")
    assert f'href="{url(live)}"' in html
    html = page(as_user(client, live.organiser), f"/courses/{live.course.slug}/followup")
    assert f'href="{url(live)}"' in html
    assert html.count("Open the discussion") == 1  # not for the assignment


# --- posting ---------------------------------------------------------------------------------


def test_a_participant_starts_a_topic_and_another_replies(client, live: Cast):
    response = as_user(client, live.ana).post(
        url(live, "/posts"), data={"body": "Notre plan <b>avance</b>\r\nbien"}
    )
    [topic] = mine(live)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(live) + f"#post-{topic.id}")
    assert (topic.body, topic.author_id, topic.parent_id) == (
        "Notre plan <b>avance</b>\nbien",
        live.ana.id,
        None,
    )
    response = as_user(client, live.lucia).post(
        url(live, f"/posts/{topic.id}/replies"), data={f"reply-{topic.id}-body": "¡Genial!"}
    )
    assert response.status_code == 302
    reply = mine(live)[-1]
    assert (reply.body, reply.parent_id, reply.author_id) == ("¡Genial!", topic.id, live.lucia.id)
    # A reply to the reply joins the topic.
    response = as_user(client, live.tesfaye).post(
        url(live, f"/posts/{reply.id}/replies"), data={f"reply-{topic.id}-body": "Agreed"}
    )
    assert response.status_code == 302
    assert mine(live)[-1].parent_id == topic.id
    html = page(client, url(live))
    assert "Notre plan &lt;b&gt;avance&lt;/b&gt;<br>\nbien" in html


def test_an_empty_or_too_long_post_is_refused_beside_the_field(client, live: Cast):
    as_user(client, live.ana)
    response = client.post(url(live, "/posts"), data={"body": "   "})
    assert response.status_code == 200
    assert "Write something first." in response.get_data(as_text=True)
    response = client.post(url(live, "/posts"), data={"body": "x" * 20_000})
    assert "at most 10000 characters" in response.get_data(as_text=True)
    response = client.post(url(live, "/posts"), data={"body": "a\x00b"})
    assert "control characters" in response.get_data(as_text=True)
    assert mine(live) == []


def test_a_refused_reply_shows_its_form_open_with_the_text(client, live: Cast):
    topic = add_post(live.discussion, live.lucia, "Topic", now_utc())
    response = as_user(client, live.ana).post(
        url(live, f"/posts/{topic.id}/replies"), data={f"reply-{topic.id}-body": "bad\x07"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "control characters" in html
    assert '<details class="discussion-reply-form" open>' in html
    assert [p.id for p in mine(live)] == [topic.id]


def test_a_reply_to_a_hidden_topic_is_refused_to_participants(client, live: Cast):
    topic = add_post(live.discussion, live.lucia, "Spam", now_utc(), hidden_by=live.organiser)
    response = as_user(client, live.ana).post(
        url(live, f"/posts/{topic.id}/replies"), data={f"reply-{topic.id}-body": "Hm"}
    )
    assert response.status_code == 409
    assert "it takes no replies" in response.get_data(as_text=True)


def test_a_reply_to_an_unknown_post_is_not_found(client, live: Cast):
    response = as_user(client, live.ana).post(url(live, "/posts/999999/replies"), data={})
    assert response.status_code == 404


# --- editing ---------------------------------------------------------------------------------


def test_the_author_edits_within_the_window(client, live: Cast):
    post = add_post(live.discussion, live.ana, "Frist", now_utc() - timedelta(minutes=29))
    as_user(client, live.ana)
    html = page(client, url(live))
    assert url(live, f"/posts/{post.id}/edit") in html
    html = page(client, url(live, f"/posts/{post.id}/edit"))
    assert "Frist</textarea>" in html and "You can edit it until" in html
    response = client.post(url(live, f"/posts/{post.id}/edit"), data={"body": "First"})
    assert response.status_code == 302
    assert (mine(live)[0].body, mine(live)[0].edited_at is not None) == ("First", True)
    assert "edited" in page(client, url(live))


def test_past_the_window_the_edit_is_refused_with_a_message(client, live: Cast):
    post = add_post(live.discussion, live.ana, "Old", now_utc() - timedelta(minutes=31))
    as_user(client, live.ana)
    assert url(live, f"/posts/{post.id}/edit") not in page(client, url(live))
    response = client.get(url(live, f"/posts/{post.id}/edit"))
    assert response.status_code == 302
    assert "can no longer change" in page(client, url(live))
    response = client.post(url(live, f"/posts/{post.id}/edit"), data={"body": "New"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "can no longer change" in html and "New</textarea>" in html
    assert mine(live)[0].body == "Old"


def test_someone_else_s_post_cannot_be_edited(client, live: Cast):
    post = add_post(live.discussion, live.ana, "Mine", now_utc())
    for user in (live.lucia, live.organiser):
        as_user(client, user)
        assert client.get(url(live, f"/posts/{post.id}/edit")).status_code == 403
        assert (
            client.post(url(live, f"/posts/{post.id}/edit"), data={"body": "X"}).status_code == 403
        )
    assert mine(live)[0].body == "Mine"


def test_an_invalid_edit_is_shown_again(client, live: Cast):
    post = add_post(live.discussion, live.ana, "Mine", now_utc())
    response = as_user(client, live.ana).post(
        url(live, f"/posts/{post.id}/edit"), data={"body": ""}
    )
    assert response.status_code == 200
    assert "Write something first." in response.get_data(as_text=True)


# --- hiding ----------------------------------------------------------------------------------


def test_the_team_hides_and_shows_a_post(client, live: Cast):
    post = add_post(live.discussion, live.ana, "Off-topic", now_utc())
    as_user(client, live.facilitator)
    response = client.post(url(live, f"/posts/{post.id}/hide"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#post-{post.id}")
    [hidden] = mine(live)
    assert hidden.is_hidden and hidden.hidden_by_id == live.facilitator.id
    assert hidden.hidden_at is not None
    as_user(client, live.organiser)
    assert client.post(url(live, f"/posts/{post.id}/unhide")).status_code == 302
    [shown] = mine(live)
    assert not shown.is_hidden and shown.unhidden_by_id == live.organiser.id
    html = page(client, url(live))
    assert "Hidden by Fatou Facilitator on" in html and "shown again by Olga Organiser" in html


def test_participants_cannot_hide(client, live: Cast):
    post = add_post(live.discussion, live.lucia, "Mine", now_utc())
    as_user(client, live.ana)
    assert client.post(url(live, f"/posts/{post.id}/hide")).status_code == 403
    assert not mine(live)[0].is_hidden
    assert "Hide" not in page(client, url(live)).replace("hidden", "")


# --- the digest ------------------------------------------------------------------------------


def test_a_reader_turns_the_digest_off_and_on(client, live: Cast):
    as_user(client, live.ana)
    assert "Stop the daily digest" in page(client, url(live))
    response = client.post(url(live, "/digest"), data={"turn_off": "Stop the daily digest"})
    assert response.status_code == 302
    assert not services.digest_enabled(live.ana, live.course)
    html = page(client, url(live))
    assert "You will no longer get the daily digest" in html
    assert "Send me the daily digest" in html
    client.post(url(live, "/digest"), data={"turn_on": "Send me the daily digest"})
    db.session.expire_all()
    assert services.digest_enabled(live.ana, live.course)
    assert client.post(url(live, "/digest"), data={}).status_code == 400


def test_the_unsubscribe_link_works_without_logging_in(client, live: Cast):
    token = digest.unsubscribe_token(live.tesfaye, live.course)
    db.session.commit()
    response = client.get(f"/discussions/unsubscribe/{token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Governing migration at the local level" in html
    assert services.digest_enabled(live.tesfaye, live.course)  # a look changes nothing
    response = client.post(f"/discussions/unsubscribe/{token}", data={"turn_off": "Stop"})
    assert response.status_code == 302
    db.session.expire_all()
    preference = db.session.get(DigestPreference, (live.tesfaye.id, live.course.id))
    assert preference is not None and not preference.is_enabled
    assert "You no longer get the daily digest" in page(client, f"/discussions/unsubscribe/{token}")
    client.post(f"/discussions/unsubscribe/{token}", data={"turn_on": "On"})
    db.session.expire_all()
    assert services.digest_enabled(live.tesfaye, live.course)
    assert client.post(f"/discussions/unsubscribe/{token}", data={}).status_code == 400


@pytest.mark.parametrize("token", ["nonsense", "WzEsMl0.forged"])
def test_a_bad_unsubscribe_link_is_not_found(client, live: Cast, token):
    assert client.get(f"/discussions/unsubscribe/{token}").status_code == 404


# --- participation ---------------------------------------------------------------------------


def test_the_team_sees_who_has_taken_part(client, live: Cast):
    add_post(live.discussion, live.lucia, "One", now_utc())
    add_post(live.discussion, live.lucia, "Two", now_utc())
    add_post(live.discussion, live.ana, "Spam", now_utc(), hidden_by=live.organiser)
    live.registration(live.tesfaye).status = RegistrationStatus.CONFIRMED
    html = page(as_user(client, live.facilitator), url(live, "/participation"))
    assert "1 des 3 participants confirmés ont écrit." in html  # in French
    silent = html.split("pas encore écrit")[1]
    assert "Ana Souza" in silent and "Tesfaye Bekele" in silent and "Lucía" not in silent
    assert "Wanda" not in html and "Otto" not in html
    page(as_user(client, live.ana), url(live, "/participation"), 403)
