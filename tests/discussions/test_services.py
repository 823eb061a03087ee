"""The discussion rules, called without HTTP: who reads and posts when, editing within the
window, hiding and showing posts with their audit fields, threads, participation counts and
the digest preference."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_login import AnonymousUserMixin

from app.courses.models import CourseTeamMember, TeamRole
from app.discussions import services
from app.discussions.models import DigestPreference, DiscussionPost
from app.extensions import db
from app.followup.models import ActivityKind, FollowupActivity
from app.registration.models import RegistrationStatus
from tests.discussions.conftest import Cast, add_post, at
from tests.factories import make_registration, make_user

DURING = at(2017, 12, 11, 9, 0)  # a Monday of the phase, 10:00 in Turin
NOT_A_READER = (
    "Only the confirmed participants and the team of the course take part in its discussions."
)
CLOSED = (
    "The follow-up phase has closed: the discussion can still be read, but it takes no new posts."
)


def posts() -> list[DiscussionPost]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(DiscussionPost).order_by(DiscussionPost.id)))


# --- reading ---------------------------------------------------------------------------------


def test_the_confirmed_participants_and_the_team_read(cast: Cast):
    for user in (cast.ana, cast.lucia, cast.organiser, cast.facilitator, cast.admin):
        assert services.can_read(user, cast.discussion), user.name


def test_waiting_cancelled_reviewers_other_courses_and_visitors_do_not_read(cast: Cast):
    for user in (cast.waitlisted, cast.cancelled, cast.reviewer, cast.outsider):
        assert not services.can_read(user, cast.discussion), user.name
        reason = services.posting_closed_reason(user, cast.discussion, now=DURING)
        assert str(reason) == NOT_A_READER
    assert not services.can_read(AnonymousUserMixin(), cast.discussion)
    assert not services.can_read(None, cast.discussion)  # no one (a command, no request)


def test_a_participant_once_cancelled_reads_no_more(cast: Cast):
    cast.registration(cast.ana).status = RegistrationStatus.CANCELLED
    db.session.flush()
    assert not services.can_read(cast.ana, cast.discussion)


def test_an_assignment_is_no_discussion(cast: Cast):
    assert not services.can_read(cast.ana, cast.assignment)
    assert not services.can_read(cast.organiser, cast.assignment)


def test_a_reviewer_who_is_also_facilitator_elsewhere_does_not_read_here(cast: Cast):
    other = FollowupActivity(course=cast.course, kind=ActivityKind.DISCUSSION, title="Other")
    db.session.add(other)
    cast.course.team.append(CourseTeamMember(user=cast.outsider, role=TeamRole.REVIEWER))
    db.session.flush()
    assert not services.can_read(cast.outsider, other)


# --- when participants post ------------------------------------------------------------------


def test_participants_post_from_the_phase_s_first_midnight_at_the_venue(cast: Cast):
    opens = cast.opens_at
    assert opens == at(2017, 12, 7, 23, 0)  # midnight in Turin (CET)
    second = timedelta(seconds=1)
    reason = services.posting_closed_reason(cast.ana, cast.discussion, now=opens - second)
    assert str(reason) == "The discussion opens with the follow-up phase, on December 8, 2017."
    assert services.posting_closed_reason(cast.ana, cast.discussion, now=opens) is None
    with pytest.raises(services.PostingClosed, match="opens with the follow-up phase"):
        services.create_post(cast.discussion, "Too early", actor=cast.ana, now=opens - second)
    post = services.create_post(cast.discussion, "Hello all", actor=cast.ana, now=opens)
    assert post.created_at == opens and post.author_id == cast.ana.id


def test_participants_post_until_the_last_day_s_end_at_the_venue(cast: Cast):
    closes = cast.closes_at
    assert closes == at(2018, 1, 4, 23, 0)
    second = timedelta(seconds=1)
    services.create_post(cast.discussion, "Last word", actor=cast.lucia, now=closes - second)
    with pytest.raises(services.PostingClosed) as caught:
        services.create_post(cast.discussion, "Too late", actor=cast.lucia, now=closes)
    assert str(caught.value) == CLOSED
    assert [p.body for p in posts() if p.activity_id == cast.discussion.id] == ["Last word"]


def test_a_discussion_with_an_opening_time_opens_then(cast: Cast):
    cast.discussion.starts_at = at(2017, 12, 12, 14, 0)
    db.session.flush()
    second = timedelta(seconds=1)
    with pytest.raises(services.PostingClosed) as caught:
        early = at(2017, 12, 12, 14) - second
        services.create_post(cast.discussion, "Hi", actor=cast.ana, now=early)
    # 15:00 in Turin, in the reader's language.
    assert str(caught.value) == "This discussion opens on Dec 12, 2017, 3:00:00\u202fPM."
    services.create_post(cast.discussion, "Hi", actor=cast.ana, now=at(2017, 12, 12, 14, 0))
    assert services.posting_closed_reason(cast.tesfaye, cast.discussion, now=DURING + second)


def test_a_phase_without_dates_takes_no_participant_posts(cast: Cast):
    cast.course.followup_opens_on = None
    cast.course.followup_closes_on = None
    db.session.flush()
    reason = services.posting_closed_reason(cast.ana, cast.discussion, now=DURING)
    assert str(reason) == "The discussion opens with the follow-up phase."


def test_the_team_posts_before_during_and_after_the_phase(cast: Cast):
    for when in (at(2017, 11, 1), DURING, at(2018, 6, 1)):
        for user in (cast.organiser, cast.facilitator, cast.admin):
            assert services.posting_closed_reason(user, cast.discussion, now=when) is None
    services.create_post(cast.discussion, "Welcome!", actor=cast.facilitator, now=at(2017, 11, 1))
    assert posts()[-1].author_id == cast.facilitator.id


def test_outsiders_cannot_post(cast: Cast):
    for user in (cast.waitlisted, cast.cancelled, cast.reviewer, cast.outsider):
        with pytest.raises(services.PostingClosed) as caught:
            services.create_post(cast.discussion, "Me too", actor=user, now=DURING)
        assert str(caught.value) == NOT_A_READER


# --- text ------------------------------------------------------------------------------------


def test_a_post_is_stored_as_typed_with_one_kind_of_line_break(cast: Cast):
    body = "  <b>Bold?</b> & more\r\nsecond line\rthird\n\n  "
    post = services.create_post(cast.discussion, body, actor=cast.ana, now=DURING)
    assert post.body == "<b>Bold?</b> & more\nsecond line\nthird"


CONTROLS = (
    "This text contains invisible control characters. Type it again or paste it as plain text."
)


@pytest.mark.parametrize(
    "body, message",
    [
        ("", "Write something first."),
        (" \r\n\t ", "Write something first."),
        ("x" * 10_001, "A post can have at most 10000 characters."),
        ("a\x00b", CONTROLS),
        ("evil\u202e", CONTROLS),
        ("bell\x07", CONTROLS),
    ],
)
def test_bad_text_is_refused_beside_the_field(cast: Cast, body, message):
    with pytest.raises(services.InvalidPost) as caught:
        services.create_post(cast.discussion, body, actor=cast.ana, now=DURING)
    assert caught.value.errors == {"body": [message]}
    assert str(caught.value) == message
    assert posts() == [] or all(p.activity_id != cast.discussion.id for p in posts())


def test_the_longest_post_and_tabs_are_taken(cast: Cast):
    post = services.create_post(cast.discussion, "x" * 10_000, actor=cast.ana, now=DURING)
    assert len(post.body) == 10_000
    post = services.create_post(cast.discussion, "a\tb", actor=cast.ana, now=DURING)
    assert post.body == "a\tb"


# --- replies ---------------------------------------------------------------------------------


def test_replies_join_their_topic_one_level_deep(cast: Cast):
    topic = services.create_post(cast.discussion, "Topic", actor=cast.ana, now=DURING)
    first = services.create_post(
        cast.discussion, "Reply", actor=cast.lucia, parent=topic, now=DURING
    )
    second = services.create_post(
        cast.discussion, "Reply to reply", actor=cast.tesfaye, parent=first, now=DURING
    )
    assert first.parent_id == topic.id
    assert second.parent_id == topic.id  # not first.id


def test_a_reply_to_another_discussion_s_post_is_refused(cast: Cast, neighbour):
    [theirs] = [p for p in posts() if p.activity.course_id == neighbour.course_id][:1]
    with pytest.raises(services.PostingClosed) as caught:
        services.create_post(cast.discussion, "Hi", actor=cast.ana, parent=theirs, now=DURING)
    assert str(caught.value) == "This post belongs to another discussion."


def test_a_hidden_topic_takes_replies_from_the_team_only(cast: Cast):
    topic = add_post(cast.discussion, cast.ana, "Spam", DURING, hidden_by=cast.organiser)
    with pytest.raises(services.PostingClosed) as caught:
        services.create_post(cast.discussion, "Re", actor=cast.lucia, parent=topic, now=DURING)
    assert str(caught.value) == "This topic was hidden by the organisers: it takes no replies."
    reply = services.create_post(
        cast.discussion, "Removed.", actor=cast.facilitator, parent=topic, now=DURING
    )
    assert reply.parent_id == topic.id


# --- editing ---------------------------------------------------------------------------------


def test_the_author_edits_up_to_the_last_second_of_the_window(cast: Cast, app: Flask):
    post = services.create_post(cast.discussion, "Frist draft", actor=cast.ana, now=DURING)
    window = timedelta(minutes=30)
    assert services.edit_deadline(post) == DURING + window
    edited_at = DURING + window - timedelta(seconds=1)
    services.edit_post(post, "First draft", actor=cast.ana, now=edited_at)
    assert (post.body, post.edited_at) == ("First draft", edited_at)
    services.edit_post(post, "First draft!", actor=cast.ana, now=DURING + window)
    assert post.body == "First draft!"
    with pytest.raises(services.EditRefused) as caught:
        late = DURING + window + timedelta(seconds=1)
        services.edit_post(post, "Later", actor=cast.ana, now=late)
    assert str(caught.value) == (
        "A post can be edited for 30 minutes after it is published: this one can no longer change."
    )
    db.session.expire_all()
    assert (post.body, post.edited_at) == ("First draft!", DURING + window)


def test_the_window_follows_the_configuration(cast: Cast, app: Flask, monkeypatch):
    monkeypatch.setitem(app.config, "DISCUSSION_EDIT_MINUTES", 5)
    post = services.create_post(cast.discussion, "Short", actor=cast.ana, now=DURING)
    assert services.edit_deadline(post) == DURING + timedelta(minutes=5)
    later = DURING + timedelta(minutes=5, seconds=1)
    assert "5 minutes" in str(services.edit_refused_reason(post, cast.ana, now=later))
    assert services.can_edit(post, cast.ana, now=DURING + timedelta(minutes=5))


def test_the_same_text_again_is_no_edit(cast: Cast):
    post = services.create_post(cast.discussion, "Same", actor=cast.ana, now=DURING)
    services.edit_post(post, "  Same\r\n", actor=cast.ana, now=DURING + timedelta(minutes=1))
    assert post.edited_at is None


def test_only_the_author_edits(cast: Cast):
    post = services.create_post(cast.discussion, "Mine", actor=cast.ana, now=DURING)
    for user in (cast.lucia, cast.organiser, cast.admin):
        with pytest.raises(services.EditRefused) as caught:
            services.edit_post(post, "Theirs", actor=user, now=DURING)
        assert str(caught.value) == "Only its author can edit a post."
        assert not services.can_edit(post, user, now=DURING)
    assert post.body == "Mine"


def test_an_author_no_longer_confirmed_cannot_edit(cast: Cast):
    post = services.create_post(cast.discussion, "Mine", actor=cast.ana, now=DURING)
    cast.registration(cast.ana).status = RegistrationStatus.CANCELLED
    db.session.flush()
    with pytest.raises(services.EditRefused) as caught:
        services.edit_post(post, "Changed", actor=cast.ana, now=DURING)
    assert str(caught.value) == "Only its author can edit a post."


def test_a_hidden_post_cannot_be_edited(cast: Cast):
    post = services.create_post(cast.discussion, "Oops", actor=cast.ana, now=DURING)
    services.hide_post(post, actor=cast.organiser, now=DURING)
    with pytest.raises(services.EditRefused) as caught:
        services.edit_post(post, "Fixed", actor=cast.ana, now=DURING)
    assert str(caught.value) == (
        "This post was hidden by the organisers: it can no longer be edited."
    )


def test_an_edit_takes_the_text_rules(cast: Cast):
    post = services.create_post(cast.discussion, "Mine", actor=cast.ana, now=DURING)
    with pytest.raises(services.InvalidPost):
        services.edit_post(post, "   ", actor=cast.ana, now=DURING)
    assert post.body == "Mine"


def test_editable_ids_are_the_reader_s_own_visible_posts_in_the_window(cast: Cast):
    mine = add_post(cast.discussion, cast.ana, "Mine", DURING)
    old = add_post(cast.discussion, cast.ana, "Old", DURING - timedelta(minutes=31))
    hidden = add_post(cast.discussion, cast.ana, "Hidden", DURING, hidden_by=cast.organiser)
    reply = add_post(cast.discussion, cast.ana, "Reply", DURING, parent=old)
    add_post(cast.discussion, cast.lucia, "Hers", DURING)
    topics = services.thread(cast.discussion)
    now = DURING + timedelta(minutes=1)
    assert services.editable_ids(topics, cast.ana, now=now) == {mine.id, reply.id}
    # Up to and including the window's last second.
    last = DURING + timedelta(minutes=30)
    assert services.editable_ids(topics, cast.ana, now=last) == {mine.id, reply.id}
    assert services.editable_ids(topics, cast.ana, now=last + timedelta(seconds=1)) == set()
    assert hidden.id not in services.editable_ids(topics, cast.ana, now=now)
    assert services.editable_ids(topics, cast.waitlisted, now=now) == set()
    assert services.editable_ids([], cast.ana, now=now) == set()


# --- hiding ----------------------------------------------------------------------------------


def test_hiding_keeps_the_post_with_who_and_when(cast: Cast):
    post = add_post(cast.discussion, cast.ana, "Off-topic", DURING)
    hidden_at = DURING + timedelta(hours=2)
    services.hide_post(post, actor=cast.facilitator, now=hidden_at)
    db.session.expire_all()
    assert post.is_hidden and post.body == "Off-topic"
    assert (post.hidden_at, post.hidden_by_id) == (hidden_at, cast.facilitator.id)
    assert (post.unhidden_at, post.unhidden_by_id) == (None, None)


def test_hiding_twice_keeps_the_first(cast: Cast):
    post = add_post(cast.discussion, cast.ana, "Off-topic", DURING)
    services.hide_post(post, actor=cast.facilitator, now=DURING)
    services.hide_post(post, actor=cast.organiser, now=DURING + timedelta(hours=1))
    assert (post.hidden_at, post.hidden_by_id) == (DURING, cast.facilitator.id)


def test_showing_again_records_who_beside_who_hid(cast: Cast):
    post = add_post(cast.discussion, cast.ana, "Fine after all", DURING)
    services.hide_post(post, actor=cast.facilitator, now=DURING)
    shown_at = DURING + timedelta(days=1)
    services.unhide_post(post, actor=cast.admin, now=shown_at)
    db.session.expire_all()
    assert not post.is_hidden
    assert (post.hidden_at, post.hidden_by_id) == (DURING, cast.facilitator.id)
    assert (post.unhidden_at, post.unhidden_by_id) == (shown_at, cast.admin.id)
    # Showing a post that is not hidden changes nothing.
    services.unhide_post(post, actor=cast.organiser, now=shown_at + timedelta(days=1))
    assert (post.unhidden_at, post.unhidden_by_id) == (shown_at, cast.admin.id)
    # Hidden again: the new hiding is recorded, the last showing kept.
    again = shown_at + timedelta(days=2)
    services.hide_post(post, actor=cast.organiser, now=again)
    assert post.is_hidden
    assert (post.hidden_at, post.hidden_by_id) == (again, cast.organiser.id)
    assert post.unhidden_by_id == cast.admin.id


def test_participants_and_reviewers_cannot_hide_or_show(cast: Cast):
    post = add_post(cast.discussion, cast.ana, "Mine", DURING)
    for user in (cast.ana, cast.lucia, cast.reviewer, cast.outsider):
        with pytest.raises(services.NotModerator) as caught:
            services.hide_post(post, actor=user, now=DURING)
        assert str(caught.value) == "Only the course team can hide or show posts."
    services.hide_post(post, actor=cast.organiser, now=DURING)
    with pytest.raises(services.NotModerator) as caught:
        services.unhide_post(post, actor=cast.ana, now=DURING)
    assert str(caught.value) == "Only the course team can hide or show posts."
    assert post.is_hidden and post.unhidden_at is None


# --- reading the thread ----------------------------------------------------------------------


def test_the_thread_lists_topics_newest_first_with_replies_oldest_first(cast: Cast):
    first = add_post(cast.discussion, cast.ana, "First topic", DURING)
    second = add_post(cast.discussion, cast.lucia, "Second topic", DURING + timedelta(hours=1))
    late = add_post(cast.discussion, cast.tesfaye, "Late", DURING + timedelta(hours=3), first)
    early = add_post(cast.discussion, cast.lucia, "Early", DURING + timedelta(hours=2), first)
    topics = services.thread(cast.discussion)
    assert [t.post.id for t in topics] == [second.id, first.id]
    assert [r.id for r in topics[1].replies] == [early.id, late.id]
    assert topics[1].last_activity_at == late.created_at
    assert topics[0].last_activity_at == second.created_at


def test_the_thread_holds_only_its_own_posts(cast: Cast):
    other = FollowupActivity(course=cast.course, kind=ActivityKind.DISCUSSION, title="Other")
    db.session.add(other)
    db.session.flush()
    add_post(other, cast.ana, "Elsewhere", DURING)
    mine = add_post(cast.discussion, cast.ana, "Here", DURING)
    assert [t.post.id for t in services.thread(cast.discussion)] == [mine.id]
    assert services.find_post(cast.discussion, mine.id) is mine
    assert services.find_post(other, mine.id) is None
    assert services.find_post(cast.discussion, 999_999) is None


def test_topics_at_the_same_time_come_by_id(cast: Cast):
    a = add_post(cast.discussion, cast.ana, "A", DURING)
    b = add_post(cast.discussion, cast.lucia, "B", DURING)
    assert [t.post.id for t in services.thread(cast.discussion)] == [b.id, a.id]


def test_the_course_s_discussions_with_their_counts(cast: Cast):
    later = FollowupActivity(
        course=cast.course,
        kind=ActivityKind.DISCUSSION,
        title="Questions to the experts",
        position=2,
    )
    db.session.add(later)
    db.session.flush()
    topic = add_post(cast.discussion, cast.ana, "A", DURING)
    add_post(cast.discussion, cast.lucia, "B", DURING + timedelta(hours=2), topic)
    add_post(cast.discussion, cast.lucia, "Spam", DURING + timedelta(hours=5), hidden_by=cast.admin)
    summaries = services.discussions_of(cast.course)
    assert [s.activity.id for s in summaries] == [cast.discussion.id, later.id]
    first, second = summaries
    assert (first.topics, first.posts, first.last_post_at) == (1, 2, DURING + timedelta(hours=2))
    assert (second.topics, second.posts, second.last_post_at) == (0, 0, None)
    # Each discussion counts its own.
    add_post(later, cast.tesfaye, "C", DURING + timedelta(days=1))
    first, second = services.discussions_of(cast.course)
    assert (first.topics, first.posts) == (1, 2)
    assert (second.topics, second.posts, second.last_post_at) == (1, 1, DURING + timedelta(1))


# --- participation ---------------------------------------------------------------------------


def test_posts_count_by_registration(cast: Cast):
    topic = add_post(cast.discussion, cast.ana, "Topic", DURING)
    add_post(cast.discussion, cast.ana, "More", DURING, topic)
    add_post(cast.discussion, cast.lucia, "Reply", DURING, topic)
    add_post(cast.discussion, cast.lucia, "Hidden", DURING, hidden_by=cast.organiser)
    add_post(cast.discussion, cast.organiser, "Team", DURING)
    add_post(cast.discussion, cast.waitlisted, "Before the waiting list", DURING)
    other = FollowupActivity(course=cast.course, kind=ActivityKind.DISCUSSION, title="Other")
    db.session.add(other)
    db.session.flush()
    add_post(other, cast.tesfaye, "Elsewhere", DURING)
    counts = services.posts_count_by_registration(cast.discussion)
    assert counts == {
        cast.registration(cast.ana).id: 2,
        cast.registration(cast.lucia).id: 1,
        cast.registration(cast.tesfaye).id: 0,
    }


def test_participation_by_name_whatever_the_case_with_the_silent(cast: Cast):
    add_post(cast.discussion, cast.tesfaye, "Hello", DURING)
    # Registered last, listed by name: "da Silva" between Ana and Lucía, not after Tesfaye.
    make_registration(cast.course, make_user(name="da Silva"))
    make_registration(cast.course, make_user(name="Abebe Girma"))
    rows = services.participation(cast.discussion)
    assert [(r.certificate_name, n) for r, n in rows] == [
        ("Abebe Girma", 0),
        ("Ana Souza", 0),
        ("da Silva", 0),
        ("Lucía Peres", 0),
        ("Tesfaye Bekele", 1),
    ]


def test_participants_of_the_same_name_come_by_registration(cast: Cast):
    first = make_registration(cast.course, make_user(name="Ana Souza", email="ana2@example.org"))
    rows = services.participation(cast.discussion)
    same = [r.id for r, _ in rows if r.certificate_name == "Ana Souza"]
    assert same == [cast.registration(cast.ana).id, first.id]


# --- the digest preference -------------------------------------------------------------------


def test_the_digest_is_on_until_turned_off_and_back_on(cast: Cast):
    assert services.digest_enabled(cast.ana, cast.course)
    services.set_digest(cast.ana, cast.course, True, actor=cast.ana, now=DURING)
    assert db.session.get(DigestPreference, (cast.ana.id, cast.course.id)) is None
    services.set_digest(cast.ana, cast.course, False, actor=cast.ana, now=DURING)
    assert not services.digest_enabled(cast.ana, cast.course)
    assert services.digest_enabled(cast.lucia, cast.course)
    preference = db.session.get(DigestPreference, (cast.ana.id, cast.course.id))
    assert (preference.is_enabled, preference.changed_at) == (False, DURING)
    services.set_digest(cast.ana, cast.course, False, actor=cast.ana, now=DURING + timedelta(1))
    assert preference.changed_at == DURING  # the same choice again changes nothing
    back = DURING + timedelta(days=2)
    services.set_digest(cast.ana, cast.course, True, actor=cast.ana, now=back)
    assert (preference.is_enabled, preference.changed_at) == (True, back)
    assert services.digest_enabled(cast.ana, cast.course)


def test_only_the_person_changes_their_digest(cast: Cast):
    with pytest.raises(services.DiscussionError) as caught:
        services.set_digest(cast.ana, cast.course, False, actor=cast.organiser, now=DURING)
    assert str(caught.value) == "Only you can change your own digest."
    assert services.digest_enabled(cast.ana, cast.course)


# --- the log ---------------------------------------------------------------------------------


def test_every_change_is_logged_with_who(cast: Cast, caplog):
    caplog.set_level(logging.INFO, logger="app.discussions.services")
    post = services.create_post(cast.discussion, "Hello", actor=cast.ana, now=DURING)
    services.edit_post(post, "Hello all", actor=cast.ana, now=DURING)
    services.hide_post(post, actor=cast.facilitator, now=DURING)
    services.unhide_post(post, actor=cast.organiser, now=DURING)
    services.set_digest(cast.ana, cast.course, False, actor=cast.ana, now=DURING)
    services.set_digest(cast.ana, cast.course, True, actor=cast.ana, now=DURING)
    a, f, o = cast.ana.id, cast.facilitator.id, cast.organiser.id
    assert [r.getMessage() for r in caplog.records] == [
        f"discussion post {post.id} in activity {cast.discussion.id} by {a}",
        f"discussion post {post.id} edited by {a}",
        f"discussion post {post.id} hidden by {f}",
        f"discussion post {post.id} shown again by {o}",
        f"discussion digest of governing-2017 off for {a}",
        f"discussion digest of governing-2017 on for {a}",
    ]
