"""The shape of one proposed day (four sessions around two coffee breaks and lunch, on 5-minute
marks), the days a short one is refused, and the kind a suggested session title implies."""

from datetime import time

import pytest

from app.schedule.models import SessionKind
from app.schedule.proposal import day_window_error, guess_kind, plan_day
from app.schedule.services import InvalidDayWindow

S, C, L = "session", "coffee", "lunch"
TOO_SHORT = (
    "The day is too short for four sessions, two coffee breaks and lunch: allow at least "
    "195 minutes."
)


def shape(slots):
    return [(f"{s.start:%H:%M}", f"{s.end:%H:%M}", s.kind) for s in slots]


def test_a_day_half_an_hour_shorter_shortens_lunch_and_the_sessions_not_the_coffee():
    assert shape(plan_day(time(9, 0), time(17, 0))) == [
        ("09:00", "10:25", S),
        ("10:25", "10:55", C),
        ("10:55", "12:20", S),
        ("12:20", "13:45", L),
        ("13:45", "15:10", S),
        ("15:10", "15:40", C),
        ("15:40", "17:00", S),  # the five minutes left over go to the first sessions
    ]


def test_five_minutes_more_go_to_the_first_session():
    assert shape(plan_day(time(9, 0), time(17, 35))) == [
        ("09:00", "10:35", S),
        ("10:35", "11:05", C),
        ("11:05", "12:35", S),
        ("12:35", "14:05", L),
        ("14:05", "15:35", S),
        ("15:35", "16:05", C),
        ("16:05", "17:35", S),
    ]


def test_the_shortest_day_has_half_hour_sessions_and_the_shortest_breaks():
    assert shape(plan_day(time(9, 0), time(12, 15))) == [
        ("09:00", "09:30", S),
        ("09:30", "09:45", C),
        ("09:45", "10:15", S),
        ("10:15", "11:00", L),
        ("11:00", "11:30", S),
        ("11:30", "11:45", C),
        ("11:45", "12:15", S),
    ]


def test_a_long_day_gives_its_extra_time_to_the_sessions_not_the_breaks():
    assert shape(plan_day(time(8, 0), time(18, 45))) == [
        ("08:00", "10:05", S),
        ("10:05", "10:35", C),
        ("10:35", "12:40", S),
        ("12:40", "14:10", L),
        ("14:10", "16:15", S),
        ("16:15", "16:45", C),
        ("16:45", "18:45", S),
    ]


def test_an_evening_until_midnight_ends_at_five_to_midnight():
    # Midnight is not a time of the same day; the breaks are between the shortest and the
    # model ones, and the two sessions left over get five minutes more.
    assert shape(plan_day(time(18, 30), time(23, 59))) == [
        ("18:30", "19:30", S),
        ("19:30", "19:50", C),
        ("19:50", "20:50", S),
        ("20:50", "21:45", L),
        ("21:45", "22:40", S),
        ("22:40", "23:00", C),
        ("23:00", "23:55", S),
    ]


@pytest.mark.parametrize(
    ("start", "end", "first", "last"),
    [
        # 09:02 and 17:28 are nearer 09:00 and 17:30…
        (time(9, 2), time(17, 28), "09:00", "17:30"),
        # …09:03 and 17:33 nearer 09:05 and 17:35.
        (time(9, 3), time(17, 33), "09:05", "17:35"),
    ],
)
def test_the_window_is_rounded_to_the_nearest_five_minute_marks(start, end, first, last):
    slots = shape(plan_day(start, end))

    assert slots[0][0] == first
    assert slots[-1][1] == last
    assert slots[1] == (slots[0][1], slots[2][0], C)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (time(9, 0), time(9, 0), "The day must end after it starts."),
        (time(17, 0), time(9, 0), "The day must end after it starts."),
        # 09:02 rounds to 09:00: a day of no time at all.
        (time(9, 0), time(9, 2), "The day must end after it starts."),
        # Five minutes short of four half-hour sessions, two short coffees and a short lunch.
        (time(9, 0), time(12, 10), TOO_SHORT),
    ],
)
def test_a_day_that_cannot_hold_the_plan_is_refused_with_the_reason(start, end, message):
    with pytest.raises(InvalidDayWindow) as caught:
        plan_day(start, end)

    assert str(caught.value) == message
    assert str(day_window_error(start, end)) == message


def test_a_day_that_holds_the_plan_has_no_error():
    assert day_window_error(time(9, 0), time(12, 15)) is None


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Role play: negotiating a bilateral labour agreement", SessionKind.ROLE_PLAY),
        ("Role-play", SessionKind.ROLE_PLAY),
        ("Jeu de rôle : le conseil municipal", SessionKind.ROLE_PLAY),
        ("Jeux de rôle", SessionKind.ROLE_PLAY),
        ("Juego de rol", SessionKind.ROLE_PLAY),
        ("Study visit to the City of Turin", SessionKind.STUDY_VISIT),
        ("Visite de la mairie", SessionKind.STUDY_VISIT),
        ("Visita al ayuntamiento", SessionKind.STUDY_VISIT),
        ("CASE STUDIES FROM ECUADOR", SessionKind.CASE_STUDY),
        ("Case study: Morocco", SessionKind.CASE_STUDY),
        ("Étude de cas", SessionKind.CASE_STUDY),
        ("Études de cas", SessionKind.CASE_STUDY),
        ("Estudio de caso", SessionKind.CASE_STUDY),
        ("Group work", SessionKind.GROUP_WORK),
        ("Working groups on action plans", SessionKind.GROUP_WORK),
        ("Travail de groupe", SessionKind.GROUP_WORK),
        ("Trabajo en grupo", SessionKind.GROUP_WORK),
        ("Trabajo de grupo", SessionKind.GROUP_WORK),
        ("Panel of mayors", SessionKind.PANEL),
        ("Panel debate", SessionKind.PANEL),  # the first kind named wins
        ("Debate", SessionKind.DEBATE),
        ("Débat", SessionKind.DEBATE),
        ("Plenary discussion", SessionKind.DEBATE),
        ("Discusión", SessionKind.DEBATE),
        ("Networking", SessionKind.NETWORKING),
        ("Réseautage", SessionKind.NETWORKING),
        ("The migration cycle", SessionKind.PLENARY),
    ],
)
def test_a_suggested_title_sets_the_kind_it_names(title, kind):
    assert guess_kind(title) == kind


def test_a_title_naming_no_kind_keeps_the_kind_asked_for():
    assert guess_kind("Welcome and introductions", SessionKind.OPENING) == SessionKind.OPENING
