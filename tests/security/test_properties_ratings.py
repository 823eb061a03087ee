"""Arbitrary input to the session ratings' forms (see test_properties.py for what is checked):
a participant's rating of a session, and the organisers' switch. Never a server error; a
refused post changes nothing; a stored comment is plain text and comes back escaped on the
results page."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from app.accounts.models import Role
from app.core.timeutil import local_to_utc
from app.evaluation import ratings
from app.evaluation.rating_models import SessionRating, SessionRatingDone
from app.extensions import db
from app.schedule.models import CourseSession
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.security.test_properties import (
    accepted,
    assert_escaped,
    assert_plain,
    boxes,
    choices,
    fresh,
    get,
    only,
    post,
    posts,
    run,
    snapshot,
)


def rated_course():
    """A course in Turin that started yesterday, its first session over, ratings on."""
    organiser = make_user(Role.ORGANISER, name="Olga Organiser")
    start = datetime.now(UTC).date() - timedelta(days=1)
    course = make_course(
        slug="rated", start=start, venue=make_venue("Europe/Rome"), organisers=(organiser,)
    )
    session = CourseSession(
        course=course,
        title="Opening <and> introductions",
        starts_at=local_to_utc(start, time(9, 0), course.timezone),
        ends_at=local_to_utc(start, time(10, 30), course.timezone),
    )
    db.session.add(session)
    db.session.flush()
    ratings.set_enabled(course, True, actor=organiser, now=datetime.now(UTC))
    return course, session, organiser


RATING = {"score": "4", "comment": "Clear <b>slides</b> & good cases.\r\nMore time for questions."}


@run(
    posts(RATING, free=("comment",), structural={"score": choices("1", "2", "3", "4", "5")}),
    {"score": "5", "comment": "x" * 2001},
    {"score": "0"},
)
def test_session_rating(client_for, data):
    fresh()
    course, session, organiser = rated_course()
    participant = make_user(name="Ana Souza")
    make_registration(course, participant)
    client = client_for(participant)
    prefix = f"session-{session.id}-"
    before = snapshot()
    response = post(
        client,
        f"/courses/{course.slug}/sessions/{session.id}/rating",
        {prefix + name: value for name, value in data.items()},
    )
    if not accepted(response, before):
        return
    if db.session.scalar(sa.select(sa.func.count()).select_from(SessionRatingDone)) == 0:
        # Refused by the rules (flashed and sent back): nothing written.
        assert snapshot() == before
        return
    rating = only(SessionRating)
    assert 1 <= rating.score <= 5
    assert_plain(rating.comment, multiline=True)
    html = get(client, f"/courses/{course.slug}/ratings")
    assert_escaped(html, session.title)
    # The comment on the results page (a single rating is pooled with the session's others).
    html = get(client_for(organiser), f"/courses/{course.slug}/results")
    for line in rating.comment.split("\n"):
        if line.strip():
            assert_escaped(html, line.strip())


@run(posts({"is_enabled": "y", "submit": "Save"}, structural={"is_enabled": boxes}))
def test_rating_switch(client_for, data):
    fresh()
    course, _session, organiser = rated_course()
    client = client_for(organiser)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/ratings/settings", data)
    if accepted(response, before):
        assert ratings.is_enabled(course) == (data.get("is_enabled") in ("y", "on", "0"))
