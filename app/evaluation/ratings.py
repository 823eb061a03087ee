"""Rules of the quick per-session ratings: 1 to 5 and an optional comment for each session of
the timetable, when the course's organisers switch them on.

Who and when: the course's confirmed participants rate a session from the moment it starts
(its start is an instant: stored in UTC, shown and explained in the venue's time), once each,
until the ratings close. They close with the course's evaluation when it has a closing time,
and otherwise at the end of the fourteenth day after the last on-site day in the venue's
calendar (``CLOSE_AFTER_DAYS``): long enough for the participants of the follow-up phase's
first week, short enough that a rating still speaks of the session. Breaks, lunches and
cancelled sessions are not rated.

Anonymity: rating a session writes two rows that nothing joins (app/evaluation/rating_models.py):
that this registration rated this session on this venue day (``SessionRatingDone``), and the
score and comment with no person and no time (``SessionRating``, a random key). The results
list ratings by their content only.

Services take ``actor`` and ``now``, flush and never commit, and raise :class:`RatingRefused`
with a message for the participant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.templating import localdate, localtime
from app.core.timeutil import day_start_utc, local_date
from app.courses.models import Course
from app.evaluation import services as evaluation_services
from app.evaluation.charts import Distribution, distribution_of
from app.evaluation.rating_models import (
    COMMENT_LIMIT,
    SessionRating,
    SessionRatingDone,
    SessionRatingSwitch,
)
from app.extensions import db
from app.registration.models import Registration, RegistrationStatus
from app.schedule.models import CourseSession

CLOSE_AFTER_DAYS = 14
SCORES = (1, 2, 3, 4, 5)

WindowState = Literal["upcoming", "open", "closed"]
LineState = Literal["upcoming", "open", "closed", "rated"]


class RatingRefused(Exception):
    """A rating that may not be given; ``message`` says why, for the participant."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- the switch ---------------------------------------------------------------------------------


def _switch(course: Course) -> SessionRatingSwitch | None:
    return db.session.scalar(
        sa.select(SessionRatingSwitch).where(SessionRatingSwitch.course_id == course.id)
    )


def is_enabled(course: Course) -> bool:
    """Whether the course asks its participants to rate its sessions."""
    switch = _switch(course)
    return switch is not None and switch.is_enabled


def set_enabled(course: Course, enabled: bool, *, actor: Any, now: datetime) -> SessionRatingSwitch:
    """Switch the ratings on or off (ratings already given are kept either way)."""
    switch = _switch(course)
    if switch is None:
        switch = SessionRatingSwitch(course_id=course.id)
        db.session.add(switch)
    switch.is_enabled = enabled
    switch.changed_by_id = actor.id
    switch.changed_at = now
    db.session.flush()
    return switch


# --- the window ---------------------------------------------------------------------------------


def is_ratable(session: CourseSession) -> bool:
    return not session.is_break and not session.is_cancelled


def ratable_sessions(course: Course) -> list[CourseSession]:
    """The sessions participants may rate, in timetable order."""
    return [s for s in course.sessions if is_ratable(s)]


def closes_at(course: Course) -> datetime:
    """When ratings close: when the course's evaluation closed or will close, else at the end
    of the fourteenth day after the last on-site day (venue calendar)."""
    evaluation = evaluation_services.evaluation_for(course)
    if evaluation is not None:
        if evaluation.closed_at is not None:
            return evaluation.closed_at
        return evaluation_services.closes_at(evaluation)
    return day_start_utc(course.end_date + timedelta(days=CLOSE_AFTER_DAYS + 1), course.timezone)


def window_state(session: CourseSession, closes: datetime, now: datetime) -> WindowState:
    if now < session.starts_at:
        return "upcoming"
    if now < closes:
        return "open"
    return "closed"


def _not_open_message(session: CourseSession, tz: str) -> str:
    return _(
        "You can rate “%(title)s” once it has started: from %(date)s at %(time)s "
        "(time at the venue).",
        title=session.title,
        date=localdate(session.starts_at, tz),
        time=localtime(session.starts_at, tz),
    )


def _done(registration: Registration, session: CourseSession) -> bool:
    return (
        db.session.scalar(
            sa.select(SessionRatingDone.id).where(
                SessionRatingDone.registration_id == registration.id,
                SessionRatingDone.session_id == session.id,
            )
        )
        is not None
    )


def check_can_rate(
    registration: Registration, session: CourseSession, *, actor: Any, now: datetime
) -> None:
    """Raise :class:`RatingRefused` unless ``actor`` may rate ``session`` now."""
    course = registration.course
    if (
        registration.user_id != getattr(actor, "id", None)
        or registration.status != RegistrationStatus.CONFIRMED
    ):
        raise RatingRefused(_("Only the course's confirmed participants rate its sessions."))
    if session.course_id != course.id or not is_ratable(session):
        raise RatingRefused(_("This session is not rated."))
    if not is_enabled(course):
        raise RatingRefused(_("This course does not ask for session ratings."))
    state = window_state(session, closes_at(course), now)
    if state == "upcoming":
        raise RatingRefused(_not_open_message(session, course.timezone))
    if state == "closed":
        raise RatingRefused(_("The session ratings of this course are closed."))
    if _done(registration, session):
        raise RatingRefused(_("You have already rated “%(title)s”.", title=session.title))


def rate_session(
    registration: Registration,
    session: CourseSession,
    score: int,
    comment: str = "",
    *,
    actor: Any,
    now: datetime,
) -> None:
    """Record that the participant rated the session, and the rating apart from it."""
    check_can_rate(registration, session, actor=actor, now=now)
    if score not in SCORES:
        raise RatingRefused(_("Choose a rating from 1 to 5."))
    comment = comment.strip()
    if len(comment) > COMMENT_LIMIT:
        raise RatingRefused(_("Keep the comment under %(limit)d characters.", limit=COMMENT_LIMIT))
    db.session.add(
        SessionRatingDone(
            session_id=session.id,
            registration_id=registration.id,
            done_on=local_date(now, registration.course.timezone),
        )
    )
    db.session.add(SessionRating(session_id=session.id, score=score, comment=comment))
    db.session.flush()


# --- what participants see ----------------------------------------------------------------------


@dataclass(frozen=True)
class SessionLine:
    session: CourseSession
    state: LineState
    day: date  # in the venue's calendar


def rated_session_ids(registration: Registration) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(SessionRatingDone.session_id).where(
                SessionRatingDone.registration_id == registration.id
            )
        )
    )


def session_lines(registration: Registration, *, now: datetime) -> list[SessionLine]:
    """Each ratable session of the registration's course and where its rating stands."""
    course = registration.course
    closes = closes_at(course)
    rated = rated_session_ids(registration)
    tz = course.timezone
    return [
        SessionLine(
            session=s,
            state="rated" if s.id in rated else window_state(s, closes, now),
            day=local_date(s.starts_at, tz),
        )
        for s in ratable_sessions(course)
    ]


@dataclass(frozen=True)
class RatingPage:
    """The "Rate today's sessions" page: today's sessions (venue day), then earlier ones still
    waiting for a rating."""

    today: list[SessionLine]
    earlier: list[SessionLine]
    rated: int
    ratable: int
    is_closed: bool


def rating_page(registration: Registration, *, now: datetime) -> RatingPage:
    course = registration.course
    lines = session_lines(registration, now=now)
    today = local_date(now, course.timezone)
    return RatingPage(
        today=[line for line in lines if line.day == today],
        earlier=[line for line in lines if line.day < today and line.state == "open"],
        rated=sum(line.state == "rated" for line in lines),
        ratable=len(lines),
        is_closed=now >= closes_at(course),
    )


def states_for(registration: Registration | None, *, now: datetime) -> dict[int, LineState]:
    """For the timetable: each ratable session's state for the viewer's own registration
    when it is confirmed and the course asks for ratings, else nothing."""
    if (
        registration is None
        or registration.status != RegistrationStatus.CONFIRMED
        or not is_enabled(registration.course)
    ):
        return {}
    return {line.session.id: line.state for line in session_lines(registration, now=now)}


def enabled_course_ids(course_ids: Iterable[int]) -> set[int]:
    """Of these courses, those asking for session ratings (one query, for "My courses")."""
    ids = list(course_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(SessionRatingSwitch.course_id).where(
                SessionRatingSwitch.course_id.in_(ids), SessionRatingSwitch.is_enabled
            )
        )
    )


# --- what organisers see ------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionSummary:
    session: CourseSession
    distribution: Distribution
    comments: list[str] = field(default_factory=list)

    @property
    def responses(self) -> int:
        return self.distribution.total


def session_summaries(course: Course) -> list[SessionSummary]:
    """Every ratable session with its ratings' distribution and comments (two queries in all).

    Comments come sorted by their text: an order that says nothing of who wrote them or when."""
    ratings: dict[int, list[SessionRating]] = defaultdict(list)
    stmt = (
        sa.select(SessionRating)
        .join(SessionRating.session)
        .where(CourseSession.course_id == course.id)
    )
    for rating in db.session.scalars(stmt):
        ratings[rating.session_id].append(rating)
    return [
        SessionSummary(
            session=s,
            distribution=distribution_of(r.score for r in ratings[s.id]),
            comments=sorted(r.comment for r in ratings[s.id] if r.comment),
        )
        for s in ratable_sessions(course)
    ]


def ratings_given(registrations: Iterable[Registration]) -> dict[int, int]:
    """How many sessions each registration rated (for progress pages), one query."""
    ids = [r.id for r in registrations]
    if not ids:
        return {}
    stmt = (
        sa.select(SessionRatingDone.registration_id, sa.func.count())
        .where(SessionRatingDone.registration_id.in_(ids))
        .group_by(SessionRatingDone.registration_id)
    )
    found: dict[int, int] = {row[0]: row[1] for row in db.session.execute(stmt)}
    return {i: found.get(i, 0) for i in ids}
