"""Quick per-session ratings: the switch, who may rate and when (venue time, a DST week), one
rating per person, the rating stored apart from the person, and the pages that show them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.core.timeutil import local_to_utc
from app.evaluation import ratings
from app.evaluation.rating_models import SessionRating, SessionRatingDone, SessionRatingSwitch
from app.extensions import db
from app.registration.models import RegistrationStatus
from app.schedule.models import CourseSession, SessionKind, SessionStatus
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.neighbours import Neighbour, guard, make_busy_course

ROME = "Europe/Rome"


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    yield from guard(make_busy_course(date(2017, 10, 30)))


def add_session(course, day: date, start: time, end: time, title: str, **kwargs) -> CourseSession:
    session = CourseSession(
        course=course,
        title=title,
        starts_at=local_to_utc(day, start, course.timezone),
        ends_at=local_to_utc(day, end, course.timezone),
        **kwargs,
    )
    db.session.add(session)
    db.session.flush()
    return session


@pytest.fixture
def turin():
    """Governing migration, Turin, 20–24 November 2017 (CET), ratings on, a participant."""
    organiser = make_user(Role.ORGANISER, name="Olga Organiser")
    course = make_course(
        slug="governing-2017",
        start=date(2017, 11, 20),
        venue=make_venue(ROME),
        organisers=(organiser,),
    )
    monday = add_session(
        course, date(2017, 11, 20), time(9, 0), time(10, 30), "Opening and introductions"
    )
    coffee = add_session(
        course,
        date(2017, 11, 20),
        time(10, 30),
        time(11, 0),
        "Coffee break",
        kind=SessionKind.BREAK,
    )
    afternoon = add_session(
        course, date(2017, 11, 20), time(14, 0), time(15, 30), "Migration and local development"
    )
    tuesday = add_session(course, date(2017, 11, 21), time(9, 0), time(10, 30), "Policy coherence")
    cancelled = add_session(
        course,
        date(2017, 11, 21),
        time(14, 0),
        time(15, 30),
        "Study visit",
        status=SessionStatus.CANCELLED,
    )
    ratings.set_enabled(course, True, actor=organiser, now=datetime(2017, 11, 1, tzinfo=UTC))
    participant = make_user(name="Ana Souza")
    registration = make_registration(course, participant)
    return {
        "course": course,
        "organiser": organiser,
        "monday": monday,
        "coffee": coffee,
        "afternoon": afternoon,
        "tuesday": tuesday,
        "cancelled": cancelled,
        "participant": participant,
        "registration": registration,
    }


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A venue wall-clock time in Turin as the UTC instant."""
    return local_to_utc(day, time(hour, minute, second), ROME)


# --- the switch ---------------------------------------------------------------------------------


def test_ratings_are_off_until_organisers_switch_them_on(turin):
    other = make_course(slug="other")
    assert not ratings.is_enabled(other)
    assert ratings.is_enabled(turin["course"])


def test_the_switch_records_who_and_when(turin):
    course, organiser = turin["course"], turin["organiser"]
    when = datetime(2017, 11, 2, 8, 30, tzinfo=UTC)
    ratings.set_enabled(course, False, actor=organiser, now=when)
    switch = db.session.scalar(
        sa.select(SessionRatingSwitch).where(SessionRatingSwitch.course_id == course.id)
    )
    assert (switch.is_enabled, switch.changed_by_id, switch.changed_at) == (
        False,
        organiser.id,
        when,
    )
    assert not ratings.is_enabled(course)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionRatingSwitch)) == 1


def test_switched_off_ratings_are_refused(turin):
    ratings.set_enabled(
        turin["course"], False, actor=turin["organiser"], now=at(date(2017, 11, 20), 8)
    )
    with pytest.raises(ratings.RatingRefused) as refused:
        rate(turin, "monday", at(date(2017, 11, 20), 11))
    assert refused.value.message == "This course does not ask for session ratings."


# --- the window ---------------------------------------------------------------------------------


def rate(world, key, now, score=4, comment="", registration=None, actor=None):
    registration = registration or world["registration"]
    ratings.rate_session(
        registration, world[key], score, comment, actor=actor or registration.user, now=now
    )


def test_a_session_can_be_rated_from_its_start_in_venue_time(turin):
    monday = date(2017, 11, 20)
    with pytest.raises(ratings.RatingRefused) as refused:
        rate(turin, "monday", at(monday, 8, 59, 59))
    assert refused.value.message == (
        "You can rate “Opening and introductions” once it has started: "
        "from November 20, 2017 at 9:00\u202fAM (time at the venue)."
    )
    rate(turin, "monday", at(monday, 9, 0))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionRating)) == 1


def test_ratings_close_at_the_end_of_the_fourteenth_day_after_the_course(turin):
    course = turin["course"]
    # Last day Friday 24 November; the fourteenth day after is 8 December (Turin midnight).
    assert ratings.closes_at(course) == at(date(2017, 12, 9), 0)
    rate(turin, "monday", at(date(2017, 12, 8), 23, 59, 59))
    with pytest.raises(
        ratings.RatingRefused, match=r"^The session ratings of this course are closed\.$"
    ):
        rate(turin, "tuesday", at(date(2017, 12, 9), 0))


def test_window_states_either_side_of_start_and_close():
    session = CourseSession(starts_at=datetime(2017, 11, 20, 8, tzinfo=UTC))
    closes = datetime(2017, 12, 8, 23, tzinfo=UTC)
    assert (
        ratings.window_state(session, closes, datetime(2017, 11, 20, 7, 59, 59, tzinfo=UTC))
        == "upcoming"
    )
    assert ratings.window_state(session, closes, datetime(2017, 11, 20, 8, tzinfo=UTC)) == "open"
    assert (
        ratings.window_state(session, closes, datetime(2017, 12, 8, 22, 59, 59, tzinfo=UTC))
        == "open"
    )
    assert ratings.window_state(session, closes, closes) == "closed"


def test_in_a_daylight_saving_week_the_session_opens_at_its_local_start():
    """Clocks go forward in Turin on Sunday 29 March 2026: the Monday session at 09:00 opens
    at 07:00 UTC (CEST), not 08:00 as in the Thursday before (CET)."""
    organiser = make_user(Role.ORGANISER)
    course = make_course(slug="spring-2026", start=date(2026, 3, 26), venue=make_venue(ROME))
    thursday = add_session(course, date(2026, 3, 26), time(9, 0), time(10, 30), "Thursday plenary")
    monday = add_session(course, date(2026, 3, 30), time(9, 0), time(10, 30), "Monday plenary")
    ratings.set_enabled(course, True, actor=organiser, now=datetime(2026, 3, 1, tzinfo=UTC))
    registration = make_registration(course, make_user(name="Tesfaye Bekele"))
    world = {"thursday": thursday, "monday": monday, "registration": registration}

    with pytest.raises(ratings.RatingRefused, match="from March 26, 2026 at 9:00"):
        rate(world, "thursday", datetime(2026, 3, 26, 7, 59, tzinfo=UTC))
    rate(world, "thursday", datetime(2026, 3, 26, 8, 0, tzinfo=UTC))

    with pytest.raises(ratings.RatingRefused, match="from March 30, 2026 at 9:00"):
        rate(world, "monday", datetime(2026, 3, 30, 6, 59, 59, tzinfo=UTC))
    rate(world, "monday", datetime(2026, 3, 30, 7, 0, tzinfo=UTC))
    done = db.session.scalars(
        sa.select(SessionRatingDone.done_on).where(
            SessionRatingDone.registration_id == registration.id
        )
    ).all()
    assert sorted(done) == [date(2026, 3, 26), date(2026, 3, 30)]


def test_the_day_recorded_is_the_venue_day(turin):
    # 00:30 on Tuesday in Turin is still Monday in UTC.
    rate(turin, "monday", datetime(2017, 11, 20, 23, 30, tzinfo=UTC))
    done = db.session.scalar(sa.select(SessionRatingDone))
    assert done.done_on == date(2017, 11, 21)


# --- who ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [RegistrationStatus.WAITLISTED, RegistrationStatus.CANCELLED, RegistrationStatus.SUBMITTED],
)
def test_only_confirmed_participants_rate(turin, status):
    registration = make_registration(turin["course"], make_user(name="Ana Sousa"), status=status)
    with pytest.raises(ratings.RatingRefused) as refused:
        rate(turin, "monday", at(date(2017, 11, 20), 11), registration=registration)
    assert refused.value.message == "Only the course's confirmed participants rate its sessions."


def test_nobody_rates_for_someone_else(turin):
    with pytest.raises(ratings.RatingRefused, match="confirmed participants"):
        rate(turin, "monday", at(date(2017, 11, 20), 11), actor=turin["organiser"])


@pytest.mark.parametrize("key", ["coffee", "cancelled"])
def test_breaks_and_cancelled_sessions_are_not_rated(turin, key):
    with pytest.raises(ratings.RatingRefused) as refused:
        rate(turin, key, at(date(2017, 11, 22), 11))
    assert refused.value.message == "This session is not rated."


def test_a_session_of_another_course_is_not_rated_here(turin, neighbour):
    other_session = neighbour.course.sessions[0]
    with pytest.raises(ratings.RatingRefused, match="not rated"):
        ratings.rate_session(
            turin["registration"],
            other_session,
            3,
            actor=turin["participant"],
            now=at(date(2017, 11, 22), 9),
        )


def test_one_rating_per_person_per_session(turin):
    rate(turin, "monday", at(date(2017, 11, 20), 11), score=5)
    with pytest.raises(
        ratings.RatingRefused, match=r"^You have already rated “Opening and introductions”\.$"
    ):
        rate(turin, "monday", at(date(2017, 11, 20), 12), score=1)
    # Someone else still may.
    other = make_registration(turin["course"], make_user(name="Anna Souza"))
    rate(turin, "monday", at(date(2017, 11, 20), 12), score=1, registration=other)
    assert sorted(db.session.scalars(sa.select(SessionRating.score))) == [1, 5]


@pytest.mark.parametrize("score", [0, 6, -1])
def test_a_score_off_the_scale_is_refused(turin, score):
    with pytest.raises(ratings.RatingRefused, match=r"^Choose a rating from 1 to 5\.$"):
        rate(turin, "monday", at(date(2017, 11, 20), 11), score=score)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionRatingDone)) == 0


def test_a_long_comment_is_refused_and_nothing_written(turin):
    with pytest.raises(ratings.RatingRefused, match=r"^Keep the comment under 2000 characters\.$"):
        rate(turin, "monday", at(date(2017, 11, 20), 11), comment="x" * 2001)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionRating)) == 0
    rate(turin, "monday", at(date(2017, 11, 20), 11), comment="  " + "x" * 2000 + " ")
    assert db.session.scalar(sa.select(SessionRating.comment)) == "x" * 2000


# --- anonymity ----------------------------------------------------------------------------------


def test_the_rating_keeps_no_person_and_no_time(turin):
    rate(turin, "monday", at(date(2017, 11, 20), 11), score=2, comment="Too long")
    columns = set(SessionRating.__table__.columns.keys())
    assert columns == {"id", "session_id", "score", "comment"}
    rating = db.session.scalar(sa.select(SessionRating))
    assert (rating.session_id, rating.score, rating.comment) == (turin["monday"].id, 2, "Too long")
    assert len(rating.id) == 32 and not rating.id.isdigit()
    done = db.session.scalar(sa.select(SessionRatingDone))
    assert (done.registration_id, done.session_id) == (turin["registration"].id, turin["monday"].id)
    assert set(SessionRatingDone.__table__.columns.keys()) == {
        "id",
        "session_id",
        "registration_id",
        "done_on",
    }


def test_rating_keys_are_random_not_in_order(turin):
    keys = []
    for n in range(6):
        registration = make_registration(turin["course"], make_user(name=f"Lucía Pérez {n}"))
        rate(turin, "monday", at(date(2017, 11, 20), 11), registration=registration)
    keys = list(db.session.scalars(sa.select(SessionRating.id)))
    assert len(set(keys)) == 6
    assert keys != sorted(keys) or keys != sorted(keys, reverse=True)


# --- what participants see ----------------------------------------------------------------------


def test_session_lines_tell_each_session_its_state(turin):
    rate(turin, "monday", at(date(2017, 11, 20), 11))
    lines = ratings.session_lines(turin["registration"], now=at(date(2017, 11, 21), 8))
    assert [(line.session.title, line.state, line.day) for line in lines] == [
        ("Opening and introductions", "rated", date(2017, 11, 20)),
        ("Migration and local development", "open", date(2017, 11, 20)),
        ("Policy coherence", "upcoming", date(2017, 11, 21)),
    ]


def test_the_page_lists_today_then_earlier_unrated(turin):
    rate(turin, "monday", at(date(2017, 11, 20), 11))
    page = ratings.rating_page(turin["registration"], now=at(date(2017, 11, 21), 9, 30))
    assert [line.session.title for line in page.today] == ["Policy coherence"]
    assert [line.session.title for line in page.earlier] == ["Migration and local development"]
    assert (page.rated, page.ratable, page.is_closed) == (1, 3, False)
    closed = ratings.rating_page(turin["registration"], now=at(date(2017, 12, 9), 0))
    assert closed.is_closed and closed.earlier == []


def test_states_for_the_timetable_only_for_confirmed_participants(turin):
    now = at(date(2017, 11, 20), 15)
    assert ratings.states_for(turin["registration"], now=now) == {
        turin["monday"].id: "open",
        turin["afternoon"].id: "open",
        turin["tuesday"].id: "upcoming",
    }
    assert ratings.states_for(None, now=now) == {}
    waiting = make_registration(turin["course"], status=RegistrationStatus.WAITLISTED)
    assert ratings.states_for(waiting, now=now) == {}
    ratings.set_enabled(turin["course"], False, actor=turin["organiser"], now=now)
    assert ratings.states_for(turin["registration"], now=now) == {}


def test_enabled_course_ids_lists_the_courses_asking(turin, neighbour):
    assert ratings.enabled_course_ids([turin["course"].id, neighbour.course.id]) == {
        turin["course"].id
    }
    assert ratings.enabled_course_ids([]) == set()


def test_ratings_given_counts_per_registration(turin):
    other = make_registration(turin["course"], make_user(name="Anna Souza"))
    rate(turin, "monday", at(date(2017, 11, 20), 11))
    rate(turin, "afternoon", at(date(2017, 11, 20), 15))
    assert ratings.ratings_given([turin["registration"], other]) == {
        turin["registration"].id: 2,
        other.id: 0,
    }
    assert ratings.ratings_given([]) == {}


# --- what organisers see ------------------------------------------------------------------------


def test_summaries_count_each_session_and_sort_comments_by_text(turin, neighbour):
    people = [
        make_registration(turin["course"], make_user(name=f"Participant {n}")) for n in range(4)
    ]
    for registration, score, comment in zip(
        people, (5, 3, 5, 4), ("Very clear", "", "A bit long", "Useful cases"), strict=True
    ):
        rate(
            turin,
            "monday",
            at(date(2017, 11, 20), 11),
            score=score,
            comment=comment,
            registration=registration,
        )
    rate(turin, "afternoon", at(date(2017, 11, 20), 16), score=2, registration=people[0])
    summaries = ratings.session_summaries(turin["course"])
    assert [s.session.title for s in summaries] == [
        "Opening and introductions",
        "Migration and local development",
        "Policy coherence",
    ]
    monday, afternoon, tuesday = summaries
    assert monday.distribution.counts == (0, 0, 1, 1, 2)
    assert monday.responses == 4
    assert monday.comments == ["A bit long", "Useful cases", "Very clear"]
    assert afternoon.distribution.counts == (0, 1, 0, 0, 0)
    assert tuesday.responses == 0 and tuesday.comments == []


# --- the pages ----------------------------------------------------------------------------------


def freeze(monkeypatch, now: datetime) -> None:
    monkeypatch.setattr("app.evaluation.ratings_routes.now_utc", lambda: now)
    monkeypatch.setattr("app.courses.routes.now_utc", lambda: now)


def test_the_page_offers_the_started_sessions_of_today(client, turin, monkeypatch):
    freeze(monkeypatch, at(date(2017, 11, 20), 12))
    db.session.commit()
    login(client, turin["participant"])
    html = client.get("/courses/governing-2017/ratings").text
    assert "<h1>Rate today's sessions</h1>" in html
    assert f'action="/courses/governing-2017/sessions/{turin["monday"].id}/rating"' in html
    assert f'id="session-{turin["monday"].id}-score-0"' in html
    # The afternoon session has not started: its time, no form.
    assert f"/sessions/{turin['afternoon'].id}/rating" not in html
    assert (
        "You can rate this session once it has started: from 2:00\u202fPM (time at the venue)."
        in html
    )
    assert "Coffee break" not in html and "Study visit" not in html
    assert "You have rated 0 of 3 sessions." in html


def test_rating_through_the_page(client, turin, monkeypatch):
    freeze(monkeypatch, at(date(2017, 11, 20), 12))
    db.session.commit()
    login(client, turin["participant"])
    monday = turin["monday"]
    response = client.post(
        f"/courses/governing-2017/sessions/{monday.id}/rating",
        data={
            f"session-{monday.id}-score": "5",
            f"session-{monday.id}-comment": "Great <b>start</b>",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/courses/governing-2017/ratings")
    rating = db.session.scalar(sa.select(SessionRating))
    assert (rating.score, rating.comment) == (5, "Great <b>start</b>")
    html = client.get("/courses/governing-2017/ratings").text
    assert "your rating of “Opening and introductions” was saved" in html
    assert "You have rated 1 of 3 sessions." in html


def test_a_rating_before_the_start_is_refused_with_the_time(client, turin, monkeypatch):
    freeze(monkeypatch, at(date(2017, 11, 20), 12))
    db.session.commit()
    login(client, turin["participant"])
    afternoon = turin["afternoon"]
    response = client.post(
        f"/courses/governing-2017/sessions/{afternoon.id}/rating",
        data={f"session-{afternoon.id}-score": "3"},
        follow_redirects=True,
    )
    assert (
        "You can rate “Migration and local development” once it has started: "
        "from November 20, 2017 at 2:00\u202fPM" in response.text
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionRating)) == 0


def test_a_rating_without_a_score_is_sent_back_with_the_message(client, turin, monkeypatch):
    freeze(monkeypatch, at(date(2017, 11, 20), 12))
    db.session.commit()
    login(client, turin["participant"])
    monday = turin["monday"]
    response = client.post(
        f"/courses/governing-2017/sessions/{monday.id}/rating",
        data={f"session-{monday.id}-comment": "No score"},
    )
    assert response.status_code == 400
    assert f'id="session-{monday.id}-score-errors"' in response.text
    assert "Choose a rating from 1 to 5." in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionRatingDone)) == 0


def test_a_session_of_another_course_is_not_found(client, turin, neighbour, monkeypatch):
    freeze(monkeypatch, at(date(2017, 11, 20), 12))
    db.session.commit()
    login(client, turin["participant"])
    other = neighbour.course.sessions[0]
    response = client.post(
        f"/courses/governing-2017/sessions/{other.id}/rating",
        data={f"session-{other.id}-score": "3"},
    )
    assert response.status_code == 404


def test_the_timetable_shows_rate_and_rated_beside_sessions(client, turin, monkeypatch):
    freeze(monkeypatch, at(date(2017, 11, 20), 15))
    rate(turin, "monday", at(date(2017, 11, 20), 11))
    db.session.commit()
    login(client, turin["participant"])
    html = client.get("/courses/governing-2017").text
    assert f'href="/courses/governing-2017/ratings#session-{turin["afternoon"].id}"' in html
    assert f'#session-{turin["tuesday"].id}"' not in html
    assert ">Rated</span>" in html
    # Someone without a confirmed place sees no such links.
    login(client, make_user(name="Visitor"))
    db.session.commit()
    assert "Rate this session" not in client.get("/courses/governing-2017").text


def test_my_courses_links_to_the_rating_page(client, turin, neighbour):
    db.session.commit()
    login(client, turin["participant"])
    html = client.get("/my/courses").text
    assert 'href="/courses/governing-2017/ratings"' in html
    login(client, neighbour.registrations[0].user)
    assert "/ratings" not in client.get("/my/courses").text


def test_organisers_switch_ratings_on_and_off(client, turin):
    db.session.commit()
    login(client, turin["organiser"])
    page = client.get("/courses/governing-2017/ratings/settings")
    assert page.status_code == 200
    assert "until December 8, 2017" not in page.text  # the close is the start of the 9th
    assert "until December 9, 2017 at 12:00\u202fAM" in page.text
    response = client.post("/courses/governing-2017/ratings/settings", data={"submit": "Save"})
    assert response.status_code == 302
    assert not ratings.is_enabled(turin["course"])
    client.post("/courses/governing-2017/ratings/settings", data={"is_enabled": "y"})
    assert ratings.is_enabled(turin["course"])
    switch = db.session.scalar(
        sa.select(SessionRatingSwitch).where(SessionRatingSwitch.course_id == turin["course"].id)
    )
    assert switch.changed_by_id == turin["organiser"].id


def test_with_an_evaluation_ratings_close_when_it_closes(turin):
    from app.evaluation.questionnaire import create_evaluation

    course = turin["course"]
    evaluation = create_evaluation(course, actor=turin["organiser"], now=at(date(2017, 11, 1), 9))
    evaluation.closes_on = date(2017, 11, 30)
    assert ratings.closes_at(course) == at(date(2017, 12, 1), 0)
    rate(turin, "monday", at(date(2017, 11, 30), 23, 59))
    with pytest.raises(
        ratings.RatingRefused, match=r"^The session ratings of this course are closed\.$"
    ):
        rate(turin, "tuesday", at(date(2017, 12, 1), 0))
    # Closed early by the organisers: the ratings close with it.
    evaluation.closed_at = at(date(2017, 11, 27), 12)
    assert ratings.closes_at(course) == at(date(2017, 11, 27), 12)
    page = ratings.rating_page(turin["registration"], now=at(date(2017, 11, 27), 12))
    assert page.is_closed


def test_nobody_signed_out_rates(turin):
    with pytest.raises(ratings.RatingRefused) as refused:
        ratings.rate_session(
            turin["registration"], turin["monday"], 4, actor=None, now=at(date(2017, 11, 20), 11)
        )
    assert refused.value.message == "Only the course's confirmed participants rate its sessions."


def test_a_session_just_after_midnight_is_announced_on_its_venue_day(turin):
    late = add_session(turin["course"], date(2017, 11, 22), time(0, 30), time(1, 0), "Night walk")
    with pytest.raises(ratings.RatingRefused) as refused:
        rate({**turin, "late": late}, "late", at(date(2017, 11, 22), 0, 29))
    assert refused.value.message == (
        "You can rate “Night walk” once it has started: "
        "from November 22, 2017 at 12:30\u202fAM (time at the venue)."
    )


def test_only_switched_on_courses_that_were_asked_about_are_listed(turin, neighbour):
    ratings.set_enabled(
        neighbour.course, True, actor=turin["organiser"], now=at(date(2017, 11, 1), 9)
    )
    off = make_course(slug="switched-off")
    ratings.set_enabled(off, False, actor=turin["organiser"], now=at(date(2017, 11, 1), 9))
    assert ratings.enabled_course_ids([turin["course"].id, off.id]) == {turin["course"].id}
    ratings.set_enabled(
        neighbour.course, False, actor=turin["organiser"], now=at(date(2017, 11, 1), 9)
    )


def test_ratings_given_counts_each_registration_apart(turin):
    other = make_registration(turin["course"], make_user(name="Anna Souza"))
    rate(turin, "monday", at(date(2017, 11, 20), 11))
    rate(turin, "afternoon", at(date(2017, 11, 20), 15))
    rate(turin, "monday", at(date(2017, 11, 20), 11), registration=other)
    assert ratings.ratings_given([turin["registration"], other]) == {
        turin["registration"].id: 2,
        other.id: 1,
    }


def test_a_rating_without_a_comment_keeps_none(turin):
    ratings.rate_session(
        turin["registration"],
        turin["monday"],
        3,
        actor=turin["participant"],
        now=at(date(2017, 11, 20), 11),
    )
    assert db.session.scalar(sa.select(SessionRating.comment)) == ""
