"""The daily digest of new posts, sent by ``flask tick``, and its unsubscribe link.

Who gets it: the confirmed participants and the organisers and facilitators of a published
course (administrators and reviewers only if they are also on its team as one of those). What
it holds: the posts made since the person's last digest (the first one: the last day's; a
course whose digest was turned back on: from then), in every discussion of every course they
follow, except their own, hidden ones and those of courses they turned the digest off for;
posts older than ``MAX_AGE`` are left out, so a digest stays readable after a long pause.

When: at most once a day for each person, one mail for all their courses, once their local
time is past ``DISCUSSION_DIGEST_HOUR`` (07:00 by default). Their day is the zone they chose
in their profile, else the venue's zone of the first course in the digest. Nothing new, no
mail (and the day is not used up).

Language: the person's registration language in the first course of the digest where they
are a participant (as all mail about a course), else their account's language.

The unsubscribe link carries a token signed with the app's secret key (itsdangerous, which
Flask uses for its session): the person and the course, nothing secret; it needs no log-in and
no stored row, and a changed secret key invalidates it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core.timeutil import is_timezone, to_local
from app.core.urls import external_url
from app.courses.models import Course, CourseStatus, CourseTeamMember, TeamRole
from app.db import now_utc
from app.discussions.models import DigestPreference, DigestState, DiscussionPost
from app.extensions import db
from app.followup.models import ActivityKind, FollowupActivity
from app.mail.services import queue_mail
from app.registration.models import Registration, RegistrationStatus

logger = logging.getLogger(__name__)

# The first digest holds the last day's posts; none holds posts older than a week.
FIRST_WINDOW = timedelta(days=1)
MAX_AGE = timedelta(days=7)
# A long post is cut in the mail; the whole is a click away.
EXCERPT_LENGTH = 600
TOKEN_SALT = "discussion-digest-unsubscribe"


# --- the unsubscribe link --------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=TOKEN_SALT)


def unsubscribe_token(user: User, course: Course) -> str:
    return _serializer().dumps([user.id, course.id])


def read_unsubscribe_token(raw: str) -> tuple[User, Course] | None:
    """The person and the course a link stands for, or None (forged, mangled, or either one
    gone)."""
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return None
    if not (isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value)):
        return None
    user = db.session.get(User, value[0])
    course = db.session.get(Course, value[1])
    if user is None or course is None:
        return None
    return user, course


# --- when ------------------------------------------------------------------------------------


def digest_due(last_sent_at: datetime | None, zone: str, now: datetime) -> bool:
    """Whether a digest may go now to someone whose day is in ``zone``: past the digest hour
    there, and none sent yet on that day."""
    local_now = to_local(now, zone)
    if local_now.hour < current_app.config["DISCUSSION_DIGEST_HOUR"]:
        return False
    return last_sent_at is None or to_local(last_sent_at, zone).date() < local_now.date()


# --- what ------------------------------------------------------------------------------------


@dataclass
class DigestActivity:
    activity: FollowupActivity
    posts: list[DiscussionPost]
    url: str


@dataclass
class DigestCourse:
    course: Course
    registration: Registration | None
    activities: list[DigestActivity]
    unsubscribe_url: str

    @property
    def count(self) -> int:
        return sum(len(item.posts) for item in self.activities)


@dataclass
class _Follower:
    user: User
    # course id -> the person's confirmed registration there (None: on the team).
    courses: dict[int, Registration | None] = field(default_factory=dict)


def _recent_posts(now: datetime) -> list[DiscussionPost]:
    return list(
        db.session.scalars(
            sa.select(DiscussionPost)
            .join(FollowupActivity, DiscussionPost.activity_id == FollowupActivity.id)
            .join(Course, FollowupActivity.course_id == Course.id)
            .where(
                Course.status == CourseStatus.PUBLISHED,
                FollowupActivity.kind == ActivityKind.DISCUSSION,
                DiscussionPost.is_hidden.is_(False),
                DiscussionPost.created_at > now - MAX_AGE,
                DiscussionPost.created_at <= now,
            )
            .order_by(DiscussionPost.created_at, DiscussionPost.id)
            .options(
                selectinload(DiscussionPost.author),
                selectinload(DiscussionPost.parent).selectinload(DiscussionPost.author),
                selectinload(DiscussionPost.activity)
                .selectinload(FollowupActivity.course)
                .selectinload(Course.venue),
            )
        )
    )


def _followers(course_ids: list[int]) -> dict[int, _Follower]:
    """Who follows those courses' discussions, by user id: confirmed participants, then
    organisers and facilitators."""
    found: dict[int, _Follower] = {}
    registrations = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.course_id.in_(course_ids),
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .options(selectinload(Registration.user))
    )
    for registration in registrations:
        follower = found.setdefault(registration.user_id, _Follower(registration.user))
        follower.courses[registration.course_id] = registration
    members = db.session.scalars(
        sa.select(CourseTeamMember).where(
            CourseTeamMember.course_id.in_(course_ids),
            CourseTeamMember.role.in_([TeamRole.ORGANISER, TeamRole.FACILITATOR]),
        )
    )
    for member in members:
        follower = found.setdefault(member.user_id, _Follower(member.user))
        follower.courses.setdefault(member.course_id, None)
    return found


def _since(
    state: DigestState | None, preference: DigestPreference | None, now: datetime
) -> datetime:
    since = state.last_sent_at if state is not None and state.last_sent_at else now - FIRST_WINDOW
    if preference is not None and preference.changed_at > since:
        since = preference.changed_at
    return since


def _gather(
    follower: _Follower,
    posts_by_course: dict[int, list[DiscussionPost]],
    state: DigestState | None,
    preferences: dict[tuple[int, int], DigestPreference],
    now: datetime,
) -> list[DigestCourse]:
    user = follower.user
    sections = []
    for course_id in sorted(follower.courses):
        preference = preferences.get((user.id, course_id))
        if preference is not None and not preference.is_enabled:
            continue
        since = _since(state, preference, now)
        by_activity: dict[int, list[DiscussionPost]] = defaultdict(list)
        for post in posts_by_course[course_id]:
            if post.created_at > since and post.author_id != user.id:
                by_activity[post.activity_id].append(post)
        if not by_activity:
            continue
        course = posts_by_course[course_id][0].activity.course
        items = [
            DigestActivity(
                posts[0].activity,
                posts,
                external_url("discussions.thread", slug=course.slug, activity_id=activity_id),
            )
            for activity_id, posts in by_activity.items()
        ]
        sections.append(
            DigestCourse(
                course,
                follower.courses[course_id],
                items,
                external_url("discussions.unsubscribe", token=unsubscribe_token(user, course)),
            )
        )
    return sections


def digest_zone(user: User, sections: list[DigestCourse]) -> str:
    return user.timezone if is_timezone(user.timezone) else sections[0].course.timezone


def digest_language(user: User, sections: list[DigestCourse]) -> str:
    for section in sections:
        if section.registration is not None:
            return section.registration.language
    return user.locale


def _ensure_state(user_id: int) -> None:
    """The person's state row, made unless it exists: INSERT … ON CONFLICT DO NOTHING, so
    two runs at once never fail on it."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(DigestState).values(user_id=user_id, last_sent_at=None).on_conflict_do_nothing()
    )


def _claim(user_id: int, zone: str, now: datetime) -> DigestState | None:
    """This run's hold on the person's digest: their state row, locked (PostgreSQL; a row
    another run holds is skipped), if a digest is still due; else None."""
    _ensure_state(user_id)
    state = db.session.scalar(
        sa.select(DigestState)
        .where(DigestState.user_id == user_id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    if state is None or not digest_due(state.last_sent_at, zone, now):
        return None
    return state


def excerpt(text: str) -> str:
    """A post as the mail shows it: whole up to EXCERPT_LENGTH characters, else cut there."""
    if len(text) <= EXCERPT_LENGTH:
        return text
    return text[:EXCERPT_LENGTH].rstrip() + "…"


def send_digests(now: datetime | None = None) -> int:
    """Queue the digests due now (the caller commits); returns how many."""
    now = now or now_utc()
    posts = _recent_posts(now)
    posts_by_course: dict[int, list[DiscussionPost]] = defaultdict(list)
    for post in posts:
        posts_by_course[post.activity.course_id].append(post)
    if not posts_by_course:
        return 0
    course_ids = sorted(posts_by_course)
    followers = _followers(course_ids)
    states = {
        state.user_id: state
        for state in db.session.scalars(
            sa.select(DigestState).where(DigestState.user_id.in_(list(followers)))
        )
    }
    preferences = {
        (p.user_id, p.course_id): p
        for p in db.session.scalars(
            sa.select(DigestPreference).where(
                DigestPreference.user_id.in_(list(followers)),
                DigestPreference.course_id.in_(course_ids),
            )
        )
    }
    sent = 0
    for user_id in sorted(followers):
        follower = followers[user_id]
        if not follower.user.is_active:
            continue
        state = states.get(user_id)
        sections = _gather(follower, posts_by_course, state, preferences, now)
        if not sections:
            continue
        zone = digest_zone(follower.user, sections)
        if not digest_due(state.last_sent_at if state else None, zone, now):
            continue
        claimed = _claim(user_id, zone, now)
        if claimed is None:
            continue
        _queue(follower.user, sections)
        claimed.last_sent_at = now
        sent += 1
    db.session.flush()
    return sent


def _queue(user: User, sections: list[DigestCourse]) -> None:
    language = digest_language(user, sections)
    queue_mail(
        user.email,
        "discussion_digest",
        locale=language,
        user=user,
        sections=sections,
        count=sum(section.count for section in sections),
        language=language,
        excerpt=excerpt,
    )
    logger.info("discussion digest queued for %s", user.id)
