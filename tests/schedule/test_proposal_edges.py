"""Proposing a timetable at the edges: a one-day and a two-day course, the shortest and the
longest day, a module with a short or a long outline, a course with no focus, a French course,
and the proposals that must leave the current timetable alone."""

from datetime import date, time

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.core.timeutil import to_local
from app.extensions import db
from app.modules.models import ModuleTranslation
from app.schedule.models import CourseSession, SessionKind
from app.schedule.proposal import propose_timetable
from app.schedule.services import (
    InvalidDayWindow,
    InvalidSession,
    TimetableExists,
    day_focuses,
    sessions_by_day,
)
from tests.factories import make_course, make_module, make_venue

ROME = "Europe/Rome"


def outline(code, lines=4):
    return "\n".join(f"{code} session {n}" for n in range(1, lines + 1))


def modules(count):
    return tuple(make_module(f"M{n}", outline=outline(f"M{n}")) for n in range(1, count + 1))


def day_plan(sessions):
    """A day as it reads: local times, title and kind."""
    return [
        (
            f"{to_local(s.starts_at, ROME):%H:%M}",
            f"{to_local(s.ends_at, ROME):%H:%M}",
            s.title,
            s.kind,
        )
        for s in sessions
    ]


def working(sessions):
    return [s for s in sessions if not s.kind.is_break]


def stored_titles(course):
    return db.session.scalars(
        sa.select(CourseSession.title)
        .where(CourseSession.course_id == course.id)
        .order_by(CourseSession.starts_at)
    ).all()


def test_a_one_day_course_opens_and_closes_on_the_same_day():
    course = make_course(modules=modules(1))
    course.days = 1

    created = propose_timetable(course)

    assert day_plan(created) == [
        ("09:00", "09:30", "Opening and introductions", SessionKind.OPENING),
        ("09:30", "10:30", "M1 session 1", SessionKind.PLENARY),
        ("10:30", "11:00", "Coffee break", SessionKind.BREAK),
        ("11:00", "12:30", "M1 session 2", SessionKind.PLENARY),
        ("12:30", "14:00", "Lunch", SessionKind.LUNCH),
        ("14:00", "15:30", "M1 session 3", SessionKind.PLENARY),
        ("15:30", "16:00", "Coffee break", SessionKind.BREAK),
        ("16:00", "16:45", "Course evaluation", SessionKind.EVALUATION),
        ("16:45", "17:30", "Closing and certificates", SessionKind.CLOSING),
    ]


def test_a_two_day_course_with_five_modules_shares_each_day_among_them():
    # Three focuses on the first day and two on the last: the first of a day's focuses takes
    # the morning, the others share the afternoon.
    mods = modules(5)
    course = make_course(modules=mods)
    course.days = 2

    propose_timetable(course)

    first, last = (working(sessions) for _day, sessions in sessions_by_day(course))
    assert [(s.title, s.module_id) for s in first[1:]] == [
        ("M1 session 1", mods[0].id),
        ("M1 session 2", mods[0].id),
        ("M2 session 1", mods[1].id),
        ("M3 session 1", mods[2].id),
    ]
    assert [(s.title, s.module_id) for s in last[:-2]] == [
        ("M4 session 1", mods[3].id),
        ("M4 session 2", mods[3].id),
        ("M5 session 1", mods[4].id),
    ]
    assert day_focuses(course, "en") == {
        date(2017, 11, 20): ["Module M1", "Module M2", "Module M3"],
        date(2017, 11, 21): ["Module M4", "Module M5"],
    }


def test_the_opening_takes_a_third_of_the_first_session_on_a_short_day():
    course = make_course(modules=modules(5))

    propose_timetable(course, day_start=time(9, 0), day_end=time(12, 15))

    days = sessions_by_day(course)
    assert day_plan(days[0][1][:2]) == [
        ("09:00", "09:10", "Opening and introductions", SessionKind.OPENING),
        ("09:10", "09:30", "M1 session 1", SessionKind.PLENARY),
    ]
    assert day_plan(days[-1][1][-2:]) == [
        ("11:45", "12:00", "Course evaluation", SessionKind.EVALUATION),
        ("12:00", "12:15", "Closing and certificates", SessionKind.CLOSING),
    ]


def test_the_opening_takes_no_more_than_half_an_hour_on_a_long_day():
    course = make_course(modules=modules(5))

    propose_timetable(course, day_start=time(8, 0), day_end=time(18, 45))

    days = sessions_by_day(course)
    assert day_plan(days[0][1][:2]) == [
        ("08:00", "08:30", "Opening and introductions", SessionKind.OPENING),
        ("08:30", "10:05", "M1 session 1", SessionKind.PLENARY),
    ]
    assert day_plan(days[-1][1][-2:]) == [
        ("16:45", "17:45", "Course evaluation", SessionKind.EVALUATION),
        ("17:45", "18:45", "Closing and certificates", SessionKind.CLOSING),
    ]
    # Only the first day opens and only the last one closes.
    kinds = [{s.kind for s in sessions} for _day, sessions in days]
    assert [SessionKind.OPENING in found for found in kinds] == [True] + [False] * 4
    assert [SessionKind.CLOSING in found for found in kinds] == [False] * 4 + [True]


def test_a_short_outline_is_completed_with_generic_sessions():
    module = make_module(
        "M1", outline="Partnerships in practice\nRole play: a bilateral labour agreement"
    )
    course = make_course(modules=(make_module("M0"), module))

    propose_timetable(course)

    tuesday = working(sessions_by_day(course)[1][1])
    assert [(s.title, s.kind, s.module_id) for s in tuesday] == [
        ("Partnerships in practice", SessionKind.PLENARY, module.id),
        ("Role play: a bilateral labour agreement", SessionKind.ROLE_PLAY, module.id),
        ("Group work", SessionKind.GROUP_WORK, module.id),
        ("Plenary discussion and wrap-up", SessionKind.DEBATE, module.id),
    ]


def test_only_the_first_four_lines_of_a_long_outline_are_used():
    course = make_course(modules=(make_module("M0"), make_module("M1", outline=outline("M1", 6))))

    propose_timetable(course)

    tuesday = working(sessions_by_day(course)[1][1])
    assert [s.title for s in tuesday] == [f"M1 session {n}" for n in range(1, 5)]


def test_a_course_without_focuses_plans_action_planning_every_day():
    course = make_course()

    created = propose_timetable(course)

    for _day, sessions in sessions_by_day(course):
        assert "Introduction: Action planning" in [s.title for s in sessions]
    assert {s.module_id for s in created} == {None}
    assert day_focuses(course, "en") == {}


def test_breaks_and_lunch_have_their_titles_and_no_room():
    venue = make_venue(rooms=("Auditorium",))
    course = make_course(venue=venue, modules=modules(5))

    created = propose_timetable(course, room=venue.rooms[0])

    breaks = [s for s in created if s.kind.is_break]
    assert {(s.title, s.kind) for s in breaks} == {
        ("Coffee break", SessionKind.BREAK),
        ("Lunch", SessionKind.LUNCH),
    }
    assert len(breaks) == 15
    assert {(s.room_id, s.module_id) for s in breaks} == {(None, None)}


def test_the_proposal_comes_back_in_time_order():
    course = make_course(modules=modules(5))

    created = propose_timetable(course)

    assert [s.starts_at for s in created] == sorted(s.starts_at for s in created)
    assert created[0].title == "Opening and introductions"
    assert created[-1].title == "Closing and certificates"
    assert len(created) == len(stored_titles(course)) == 37


def test_a_french_course_gets_every_title_in_french():
    course = make_course()
    course.default_locale = "fr"
    course.days = 1

    created = propose_timetable(course)

    assert [s.title for s in created] == [
        "Ouverture et présentations",
        "Introduction\u00a0: Élaboration des plans d'action",
        "Pause café",
        "Études de cas",
        "Déjeuner",
        "Travail de groupe",
        "Pause café",
        "Évaluation du cours",
        "Clôture et remise des certificats",
    ]


def test_a_french_course_names_its_module_in_french_in_the_generic_titles():
    module = make_module("M1", title="Managing the link between migration and development")
    module.translations.append(
        ModuleTranslation(
            locale="fr", title="Gérer le lien entre migration et développement", summary="."
        )
    )
    course = make_course(modules=(module,))
    course.default_locale = "fr"
    course.days = 2
    db.session.flush()

    propose_timetable(course)

    monday = working(sessions_by_day(course)[0][1])
    assert monday[1].title == ("Introduction\u00a0: Gérer le lien entre migration et développement")
    assert monday[1].module_id == module.id


def test_a_course_whose_days_are_not_set_has_no_focus_to_show():
    course = make_course(modules=modules(2))
    course.days = 0

    assert day_focuses(course, "en") == {}


def test_the_focus_of_each_day_is_named_in_the_language_asked_for():
    module = make_module("M1", title="Managing the link between migration and development")
    module.translations.append(
        ModuleTranslation(
            locale="fr", title="Gérer le lien entre migration et développement", summary="."
        )
    )
    course = make_course(modules=(module,))
    db.session.flush()

    assert day_focuses(course, "fr") == {
        date(2017, 11, 20): ["Gérer le lien entre migration et développement"]
    }
    assert day_focuses(course, "es") == {
        date(2017, 11, 20): ["Managing the link between migration and development"]
    }


# Proposals that leave the current timetable alone ---------------------------------------


@pytest.fixture
def planned():
    """A course with a proposed timetable, kept in the database."""
    course = make_course(modules=modules(5))
    propose_timetable(course)
    db.session.commit()
    return course


def test_a_second_proposal_needs_to_be_asked_to_replace(planned):
    before = stored_titles(planned)

    with pytest.raises(TimetableExists) as caught:
        propose_timetable(planned)

    assert str(caught.value) == (
        "This course already has a timetable. Choose to replace it to propose a new one."
    )
    assert stored_titles(planned) == before


def test_a_replacing_proposal_deletes_the_old_sessions(planned):
    old_uids = {s.uid for s in planned.sessions}

    propose_timetable(planned, day_start=time(8, 30), day_end=time(16, 30), replace=True)

    kept = db.session.scalars(sa.select(CourseSession.id).where(CourseSession.uid.in_(old_uids)))
    assert kept.all() == []
    assert len(stored_titles(planned)) == 37


def test_a_day_too_short_keeps_the_current_timetable(planned):
    before = stored_titles(planned)

    with pytest.raises(InvalidDayWindow):
        propose_timetable(planned, day_start=time(9), day_end=time(10), replace=True)

    assert stored_titles(planned) == before


def test_a_room_of_another_venue_keeps_the_current_timetable(planned):
    before = stored_titles(planned)
    elsewhere = make_venue(rooms=("Sala Rossa",)).rooms[0]

    with pytest.raises(InvalidSession) as caught:
        propose_timetable(planned, room=elsewhere, replace=True)

    assert str(caught.value.errors["room"]) == "Choose a room at the course's venue."
    assert stored_titles(planned) == before


def test_a_day_starting_in_the_hour_skipped_by_daylight_saving_is_refused():
    # Thursday 22 to Monday 26 March 2018 in Turin: on Sunday the clocks skip 02:00-03:00.
    course = make_course(start=date(2018, 3, 22), modules=modules(5))

    with pytest.raises(InvalidSession) as caught:
        propose_timetable(course, day_start=time(2, 0), day_end=time(10, 0))

    assert {k: str(v) for k, v in caught.value.errors.items()} == {
        "day_start": "The day cannot start or end in the hour skipped when daylight saving "
        "time starts (2018-03-25). Choose other times."
    }


def test_the_skipped_hour_message_is_in_the_organisers_language():
    course = make_course(start=date(2018, 3, 22))

    with pytest.raises(InvalidSession) as caught:
        propose_timetable(course, day_start=time(2, 30), day_end=time(10, 0))

    with force_locale("fr"):
        assert str(caught.value.errors["day_start"]) == (
            "La journée ne peut ni commencer ni se terminer pendant l'heure sautée lors du "
            "passage à l'heure d'été (2018-03-25). Choisissez d'autres heures."
        )
