"""Shared set-up for the discussion tests: a course with its team and its people, beside the
busy neighbour course (whose discussion no rule here may touch or mail)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Role, User
from app.core.timeutil import local_date, local_to_utc
from app.courses.models import Course, CourseTeamMember, TeamRole
from app.db import now_utc
from app.discussions.models import DiscussionPost
from app.extensions import db
from app.followup.models import ActivityKind, FollowupActivity
from app.followup.services import apply_followup_defaults
from app.mail.models import OutboxMessage
from app.registration.models import Registration, RegistrationStatus
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.neighbours import Neighbour, guard, make_busy_course

S = RegistrationStatus
TURIN = "Europe/Rome"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    """The sister course three weeks before, with a discussion of its own: two of its
    participants posted in it (long ago for any digest here)."""
    busy = make_busy_course(date(2017, 10, 30))
    talk = FollowupActivity(
        course=busy.course, kind=ActivityKind.DISCUSSION, title="Sharing your action plans"
    )
    db.session.add(talk)
    db.session.flush()
    for registration in busy.registrations[:2]:
        add_post(talk, registration.user, "Our plan is ready.", at(2017, 11, 1, 10))
    yield from guard(busy)


@dataclass
class Cast:
    course: Course
    discussion: FollowupActivity
    assignment: FollowupActivity
    organiser: User
    facilitator: User
    reviewer: User
    admin: User
    ana: User  # writes in French
    lucia: User  # in Spanish
    tesfaye: User  # in English
    waitlisted: User
    cancelled: User
    outsider: User  # confirmed in another course only

    def registration(self, user: User) -> Registration:
        return db.session.scalars(
            sa.select(Registration).where(
                Registration.course_id == self.course.id, Registration.user_id == user.id
            )
        ).one()

    @property
    def opens_at(self) -> datetime:
        """The first instant of the follow-up phase: its first day's midnight at the venue."""
        assert self.course.followup_opens_on is not None
        return local_to_utc(self.course.followup_opens_on, time(0), self.course.timezone)

    @property
    def closes_at(self) -> datetime:
        """The first instant after the phase: midnight after its last day at the venue."""
        assert self.course.followup_closes_on is not None
        day = self.course.followup_closes_on + timedelta(days=1)
        return local_to_utc(day, time(0), self.course.timezone)


def make_cast(start: date, slug: str = "governing-2017", tag: str = "") -> Cast:
    """The course and its people; ``tag`` goes into the addresses of a second cast."""
    organiser = make_user(Role.ORGANISER, name="Olga Organiser", email=f"olga{tag}@example.org")
    facilitator = make_user(name="Fatou Facilitator", email=f"fatou{tag}@example.org", locale="fr")
    reviewer = make_user(name="Rania Reviewer", email=f"rania{tag}@example.org")
    admin = make_user(Role.ADMIN, name="Ada Admin", email=f"ada{tag}@example.org")
    course = make_course(
        slug=slug,
        start=start,
        venue=make_venue(TURIN),
        organisers=(organiser,),
        facilitators=(facilitator,),
    )
    course.team.append(CourseTeamMember(user=reviewer, role=TeamRole.REVIEWER))
    apply_followup_defaults(course)
    # Names close to the neighbour's people ("Ana Sousa", "Lucía Pérez", "Tesfaye Bekele").
    ana = make_user(name="Ana Souza", email=f"ana.souza{tag}@example.org", locale="en")
    lucia = make_user(name="Lucía Peres", email=f"lucia{tag}@example.org")
    tesfaye = make_user(name="Tesfaye Bekele", email=f"tesfaye{tag}@example.org")
    make_registration(course, ana, language="fr")
    make_registration(course, lucia, language="es")
    make_registration(course, tesfaye, language="en")
    waitlisted = make_user(name="Wanda Waiting", email=f"wanda{tag}@example.org")
    make_registration(course, waitlisted, status=S.WAITLISTED)
    cancelled = make_user(name="Carl Cancelled", email=f"carl{tag}@example.org")
    make_registration(course, cancelled, status=S.CANCELLED)
    other = make_course(slug=f"{slug}-other", title="Another course", start=start)
    outsider = make_user(name="Otto Outsider", email=f"otto{tag}@example.org")
    make_registration(other, outsider)
    discussion = FollowupActivity(
        course=course,
        kind=ActivityKind.DISCUSSION,
        title="Sharing your action plans",
        description="Tell the others where your plan stands.",
        position=1,
    )
    assignment = FollowupActivity(
        course=course,
        kind=ActivityKind.ASSIGNMENT,
        title="Local action plan",
        due_at=local_to_utc(course.followup_opens_on + timedelta(days=10), time(23, 59), TURIN),
        position=0,
    )
    db.session.add_all([discussion, assignment])
    db.session.commit()
    return Cast(
        course,
        discussion,
        assignment,
        organiser,
        facilitator,
        reviewer,
        admin,
        ana,
        lucia,
        tesfaye,
        waitlisted,
        cancelled,
        outsider,
    )


@pytest.fixture
def cast() -> Cast:
    """Governing migration at the local level, Turin, 20-24 November 2017; its follow-up phase
    runs 8 December 2017 to 4 January 2018 (CET)."""
    return make_cast(date(2017, 11, 20))


@pytest.fixture
def live() -> Cast:
    """The same course on site 20 days ago: its follow-up phase opened two days ago."""
    today = local_date(now_utc(), TURIN)
    return make_cast(today - timedelta(days=20), slug="governing-now")


def add_post(
    activity: FollowupActivity,
    author: User | None,
    body: str,
    created_at: datetime,
    parent: DiscussionPost | None = None,
    *,
    hidden_by: User | None = None,
) -> DiscussionPost:
    """A post written directly (no rules)."""
    post = DiscussionPost(
        activity_id=activity.id,
        author_id=author.id if author else None,
        body=body,
        created_at=created_at,
        parent_id=parent.id if parent else None,
    )
    if hidden_by is not None:
        post.is_hidden = True
        post.hidden_at = created_at + timedelta(hours=1)
        post.hidden_by_id = hidden_by.id
    db.session.add(post)
    db.session.flush()
    return post


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))
