"""Rules of the discussions: who reads and posts, editing, hiding, participation, preferences.

A discussion activity of the follow-up phase is a thread space. It is read by the course's
confirmed participants and its team (organisers and facilitators; administrators): reviewers,
waiting, cancelled or rejected applicants and anyone else may not. Reading stays possible
after the course.

Posting: the team may post at any time (a welcome topic before the phase opens, an answer
after it closes). Participants post while the follow-up phase is open (its dates, at the venue)
and, for a discussion given an opening time, from that time: the phase is when the course
asks them to work online, and a discussion read after the course is its record.

Threads have one level: topics, and replies to a topic. A reply to a reply joins the same
topic, below the others, so a long exchange stays readable on a phone.

An author may edit their post for ``DISCUSSION_EDIT_MINUTES`` (30 by default) after
publishing it, up to and including the last second; after that the post stays as it is. The
team hides a post (it is kept, with who hid it and when) and shows it again (recorded too).

Services flush but never commit, take the acting user as an argument and accept ``now``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app.core.forms import is_control
from app.courses.models import Course
from app.courses.permissions import can_see_participants
from app.db import now_utc
from app.discussions.models import DigestPreference, DiscussionPost
from app.extensions import db
from app.followup.models import ActivityKind, FollowupActivity
from app.followup.services import FollowupError, phase_state, venue_today
from app.registration.models import Registration, RegistrationStatus

logger = logging.getLogger(__name__)

BODY_MAX_LENGTH = 10_000


# --- errors ----------------------------------------------------------------------------------


class DiscussionError(FollowupError):
    """A discussion rule was broken; ``errors`` maps a field name (or None) to messages."""


class InvalidPost(DiscussionError):
    """The text of a post breaks a rule (empty, too long, control characters)."""


class PostingClosed(DiscussionError):
    """The person may not post here now (phase not open, not a reader, hidden topic…)."""


class EditRefused(DiscussionError):
    """The post cannot be edited by this person now (not theirs, hidden, window passed)."""


class NotModerator(DiscussionError):
    """Only the course team hides and shows posts."""


# --- who may do what -------------------------------------------------------------------------


def is_moderator(user: Any, course: Course) -> bool:
    """Organisers and facilitators of the course, and administrators: they read, post at any
    time and hide posts. Reviewers are on the team for the selection only."""
    return can_see_participants(user, course)


def confirmed_registration(user: Any, course: Course) -> Registration | None:
    """``user``'s registration to ``course`` if it is confirmed."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.course_id == course.id,
            Registration.user_id == user.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    )


def is_discussion(activity: FollowupActivity) -> bool:
    return activity.kind == ActivityKind.DISCUSSION


def can_read_course(user: Any, course: Course) -> bool:
    """Whether ``user`` reads the course's discussions: its team or a confirmed participant."""
    return is_moderator(user, course) or confirmed_registration(user, course) is not None


def can_read(user: Any, activity: FollowupActivity) -> bool:
    return is_discussion(activity) and can_read_course(user, activity.course)


def _when(value: datetime, tz: str) -> LazyString:
    # Formatted when shown, in the reader's language (services may run outside a request).
    from app.core.templating import localdt

    return LazyString(localdt, value, tz)


def _day(value: Any) -> LazyString:
    from app.core.templating import localdate

    return LazyString(localdate, value)


def posting_closed_reason(
    user: Any, activity: FollowupActivity, *, now: datetime | None = None
) -> Any | None:
    """Why ``user`` may not start a topic or reply in ``activity`` now, or None when they may."""
    course = activity.course
    if not can_read(user, activity):
        return _l(
            "Only the confirmed participants and the team of the course take part in its "
            "discussions."
        )
    if is_moderator(user, course):
        return None
    now = now or now_utc()
    state = phase_state(course, venue_today(course, now))
    if state == "closed":
        return _l(
            "The follow-up phase has closed: the discussion can still be read, but it takes "
            "no new posts."
        )
    if state != "open":
        if course.followup_opens_on is None:
            return _l("The discussion opens with the follow-up phase.")
        return _l(
            "The discussion opens with the follow-up phase, on %(date)s.",
            date=_day(course.followup_opens_on),
        )
    if activity.starts_at is not None and now < activity.starts_at:
        return _l(
            "This discussion opens on %(date)s.", date=_when(activity.starts_at, course.timezone)
        )
    return None


def edit_minutes() -> int:
    return int(current_app.config["DISCUSSION_EDIT_MINUTES"])


def edit_window() -> timedelta:
    return timedelta(minutes=edit_minutes())


def edit_deadline(post: DiscussionPost) -> datetime:
    """The last instant at which its author may still edit ``post``."""
    return post.created_at + edit_window()


def edit_refused_reason(
    post: DiscussionPost, user: Any, *, now: datetime | None = None
) -> Any | None:
    """Why ``user`` may not edit ``post`` now, or None when they may."""
    if not can_read(user, post.activity) or post.author_id != user.id:
        return _l("Only its author can edit a post.")
    if post.is_hidden:
        return _l("This post was hidden by the organisers: it can no longer be edited.")
    if (now or now_utc()) > edit_deadline(post):
        return _l(
            "A post can be edited for %(minutes)d minutes after it is published: this one can "
            "no longer change.",
            minutes=edit_minutes(),
        )
    return None


def can_edit(post: DiscussionPost, user: Any, *, now: datetime | None = None) -> bool:
    return edit_refused_reason(post, user, now=now) is None


def editable_ids(topics: list[Topic], user: Any, *, now: datetime | None = None) -> set[int]:
    """The posts of a thread that ``user`` may edit now (for its page: the access check is
    made once, not per post)."""
    if not topics or not can_read(user, topics[0].post.activity):
        return set()
    now = now or now_utc()
    return {
        post.id
        for topic in topics
        for post in (topic.post, *topic.replies)
        if post.author_id == user.id and not post.is_hidden and now <= edit_deadline(post)
    }


# --- posting ---------------------------------------------------------------------------------


def clean_body(body: str) -> str:
    """The text of a post as stored: one kind of line break, no surrounding blanks. Raises
    :class:`InvalidPost` for an empty or too long text or one with control characters (the
    form refuses them first; this guards every other caller)."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise InvalidPost.single(_l("Write something first."), "body")
    if len(text) > BODY_MAX_LENGTH:
        raise InvalidPost.single(
            _l("A post can have at most %(count)d characters.", count=BODY_MAX_LENGTH), "body"
        )
    if any(is_control(char, multiline=True) for char in text):
        raise InvalidPost.single(
            _l(
                "This text contains invisible control characters. Type it again or paste it "
                "as plain text."
            ),
            "body",
        )
    return text


def create_post(
    activity: FollowupActivity,
    body: str,
    *,
    actor: Any,
    parent: DiscussionPost | None = None,
    now: datetime | None = None,
) -> DiscussionPost:
    """Start a topic in ``activity``, or reply to ``parent`` (a reply to a reply joins its
    topic). Raises :class:`PostingClosed` or :class:`InvalidPost`."""
    now = now or now_utc()
    reason = posting_closed_reason(actor, activity, now=now)
    if reason is not None:
        raise PostingClosed.single(reason)
    if parent is not None:
        if parent.activity_id != activity.id:
            raise PostingClosed.single(_l("This post belongs to another discussion."))
        if parent.parent is not None:
            parent = parent.parent
        if parent.is_hidden and not is_moderator(actor, activity.course):
            raise PostingClosed.single(
                _l("This topic was hidden by the organisers: it takes no replies.")
            )
    text = clean_body(body)
    post = DiscussionPost(
        activity_id=activity.id,
        parent_id=parent.id if parent is not None else None,
        author_id=actor.id,
        body=text,
        created_at=now,
    )
    db.session.add(post)
    db.session.flush()
    logger.info("discussion post %s in activity %s by %s", post.id, activity.id, actor.id)
    return post


def edit_post(
    post: DiscussionPost, body: str, *, actor: Any, now: datetime | None = None
) -> DiscussionPost:
    """Its author changes a post within the edit window. Raises :class:`EditRefused` or
    :class:`InvalidPost`; the same text again changes nothing."""
    now = now or now_utc()
    reason = edit_refused_reason(post, actor, now=now)
    if reason is not None:
        raise EditRefused.single(reason)
    text = clean_body(body)
    if text != post.body:
        post.body = text
        post.edited_at = now
        db.session.flush()
        logger.info("discussion post %s edited by %s", post.id, actor.id)
    return post


def hide_post(post: DiscussionPost, *, actor: Any, now: datetime | None = None) -> None:
    """The team hides a post: it is kept, marked hidden, with who did it and when (a hidden
    post stays as it was hidden)."""
    if not is_moderator(actor, post.activity.course):
        raise NotModerator.single(_l("Only the course team can hide or show posts."))
    if post.is_hidden:
        return
    post.is_hidden = True
    post.hidden_at = now or now_utc()
    post.hidden_by_id = actor.id
    db.session.flush()
    logger.info("discussion post %s hidden by %s", post.id, actor.id)


def unhide_post(post: DiscussionPost, *, actor: Any, now: datetime | None = None) -> None:
    """The team shows a hidden post again; who hid it and when stays beside who showed it."""
    if not is_moderator(actor, post.activity.course):
        raise NotModerator.single(_l("Only the course team can hide or show posts."))
    if not post.is_hidden:
        return
    post.is_hidden = False
    post.unhidden_at = now or now_utc()
    post.unhidden_by_id = actor.id
    db.session.flush()
    logger.info("discussion post %s shown again by %s", post.id, actor.id)


# --- reading ---------------------------------------------------------------------------------


@dataclass
class Topic:
    post: DiscussionPost
    replies: list[DiscussionPost]

    @property
    def last_activity_at(self) -> datetime:
        return self.replies[-1].created_at if self.replies else self.post.created_at


def thread(activity: FollowupActivity) -> list[Topic]:
    """The discussion's topics, the newest first, each with its replies, the oldest first; in
    a fixed number of queries whatever the number of posts."""
    posts = db.session.scalars(
        sa.select(DiscussionPost)
        .where(DiscussionPost.activity_id == activity.id)
        .order_by(DiscussionPost.created_at, DiscussionPost.id)
        # Joined: one query whatever the posts hold (a selectin load is skipped when no post
        # was ever hidden, so the count would move with the data).
        .options(
            joinedload(DiscussionPost.author),
            joinedload(DiscussionPost.hidden_by),
            joinedload(DiscussionPost.unhidden_by),
        )
    )
    topics: dict[int, Topic] = {}
    for post in posts:
        if post.parent_id is None:
            topics[post.id] = Topic(post, [])
        else:
            topics[post.parent_id].replies.append(post)
    return sorted(topics.values(), key=lambda t: (t.post.created_at, t.post.id), reverse=True)


def find_post(activity: FollowupActivity, post_id: int) -> DiscussionPost | None:
    """A post of ``activity`` by its id (None for another discussion's)."""
    post = db.session.get(DiscussionPost, post_id)
    if post is None or post.activity_id != activity.id:
        return None
    return post


@dataclass
class DiscussionSummary:
    activity: FollowupActivity
    topics: int
    posts: int
    last_post_at: datetime | None


def discussions_of(course: Course) -> list[DiscussionSummary]:
    """The course's discussion activities in the phase's order, each with its number of
    topics and posts and the time of the last (hidden posts not counted)."""
    from app.followup.services import activities_in_order

    activities = [a for a in activities_in_order(course) if is_discussion(a)]
    counts = {
        activity_id: (topics, posts, last)
        for activity_id, topics, posts, last in db.session.execute(
            sa.select(
                DiscussionPost.activity_id,
                sa.func.count().filter(DiscussionPost.parent_id.is_(None)),
                sa.func.count(),
                sa.func.max(DiscussionPost.created_at),
            )
            .where(
                DiscussionPost.activity_id.in_([a.id for a in activities]),
                DiscussionPost.is_hidden.is_(False),
            )
            .group_by(DiscussionPost.activity_id)
        )
    }
    summaries = []
    for activity in activities:
        topics, posts, last = counts.get(activity.id, (0, 0, None))
        summaries.append(DiscussionSummary(activity, topics, posts, last))
    return summaries


# --- participation ---------------------------------------------------------------------------


def posts_count_by_registration(activity: FollowupActivity) -> dict[int, int]:
    """For the progress checklist and matrix: every confirmed registration of the activity's
    course, by id, with its number of posts in this discussion (topics and replies; hidden
    posts not counted), 0 for those who have not posted. In one query."""
    stmt = (
        sa.select(Registration.id, sa.func.count(DiscussionPost.id))
        .select_from(Registration)
        .outerjoin(
            DiscussionPost,
            sa.and_(
                DiscussionPost.author_id == Registration.user_id,
                DiscussionPost.activity_id == activity.id,
                DiscussionPost.is_hidden.is_(False),
            ),
        )
        .where(
            Registration.course_id == activity.course_id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .group_by(Registration.id)
    )
    return {registration_id: count for registration_id, count in db.session.execute(stmt)}


def participation(activity: FollowupActivity) -> list[tuple[Registration, int]]:
    """The course's confirmed participants by name, each with their number of posts in the
    discussion (see :func:`posts_count_by_registration`)."""
    counts = posts_count_by_registration(activity)
    registrations = db.session.scalars(
        sa.select(Registration)
        .where(Registration.id.in_(list(counts)))
        .order_by(sa.func.lower(Registration.certificate_name), Registration.id)
    )
    return [(registration, counts[registration.id]) for registration in registrations]


# --- the digest preference -------------------------------------------------------------------


def digest_enabled(user: Any, course: Course) -> bool:
    """Whether ``user`` gets the daily digest of ``course``'s discussions (on unless turned
    off)."""
    preference = db.session.get(DigestPreference, (user.id, course.id))
    return preference is None or preference.is_enabled


def set_digest(
    user: Any, course: Course, enabled: bool, *, actor: Any, now: datetime | None = None
) -> None:
    """Turn ``user``'s digest of ``course`` on or off (the same choice again changes nothing:
    turned back on, the digest holds the posts made from then on)."""
    if actor.id != user.id:
        raise DiscussionError.single(_l("Only you can change your own digest."))
    preference = db.session.get(DigestPreference, (user.id, course.id))
    if preference is None:
        if enabled:
            return
        preference = DigestPreference(user_id=user.id, course_id=course.id)
        db.session.add(preference)
    elif preference.is_enabled == enabled:
        return
    preference.is_enabled = enabled
    preference.changed_at = now or now_utc()
    db.session.flush()
    state = "on" if enabled else "off"
    logger.info("discussion digest of %s %s for %s", course.slug, state, user.id)
