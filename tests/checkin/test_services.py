"""The check-in rules: codes, finding people, marking today's presence at the venue."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from app.accounts.models import User
from app.checkin import services
from app.checkin.models import CheckinCode
from app.checkin.services import Outcome
from app.core.text import fold
from app.courses.models import Course
from app.extensions import db
from app.registration.attendance import attendance_grid, set_attendance
from app.registration.models import Attendance, Registration
from app.registration.models import RegistrationStatus as S
from tests.checkin.conftest import MONDAY, person
from tests.factories import make_course, make_user, make_venue

TUESDAY, WEDNESDAY = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
# 08:52 in Turin on Wednesday (CET, UTC+1).
WEDNESDAY_0852 = datetime(2017, 11, 22, 7, 52, tzinfo=UTC)


def rows(registration):
    return {
        a.day: a
        for a in db.session.scalars(
            sa.select(Attendance).where(Attendance.registration_id == registration.id)
        )
    }


# --- codes -----------------------------------------------------------------------------------


def test_codes_are_random_distinct_and_kept(course, ana, kip):
    codes = services.codes_for([ana, kip])
    assert set(codes) == {ana.id, kip.id}
    for code in codes.values():
        assert len(code) == 10
        assert set(code) <= set(services.CODE_ALPHABET)
    assert codes[ana.id] != codes[kip.id]
    # Asked again, the same codes: drawn once, stored.
    assert services.codes_for([kip, ana]) == codes
    assert services.code_for(ana) == codes[ana.id]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckinCode)) == 2


def test_codes_are_drawn_by_secrets(monkeypatch, course, ana):
    drawn = iter("ABCDEFGHJK")
    monkeypatch.setattr(services.secrets, "choice", lambda alphabet: next(drawn))
    assert services.code_for(ana) == "ABCDEFGHJK"


def test_only_confirmed_registrations_have_a_code(course):
    waiting = person(course, "Wanjiru Kamau", status=S.WAITLISTED)
    submitted = person(course, "Sofia Rossi", status=S.SUBMITTED)
    cancelled = person(course, "Carlos Pérez", status=S.CANCELLED)
    assert services.codes_for([waiting, submitted, cancelled]) == {}
    assert services.code_for(waiting) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckinCode)) == 0


def test_a_taken_code_is_drawn_again(monkeypatch, course, ana, kip):
    taken = services.code_for(ana)
    draws = iter([taken, taken, "KKKKKMMMMM"])
    monkeypatch.setattr(services, "new_code", lambda: next(draws))
    assert services.code_for(kip) == "KKKKKMMMMM"
    assert services.code_for(ana) == taken


def test_gives_up_after_five_taken_codes(monkeypatch, course, ana, kip):
    taken = services.code_for(ana)
    draws = []

    def always_taken():
        draws.append(taken)
        return taken

    monkeypatch.setattr(services, "new_code", always_taken)
    with pytest.raises(RuntimeError, match=r"^could not find a free check-in code$"):
        services.code_for(kip)
    assert len(draws) == 5


def test_a_code_drawn_on_the_fifth_try_is_kept(monkeypatch, course, ana, kip):
    taken = services.code_for(ana)
    draws = iter([taken, taken, taken, taken, "QQQQQRRRRR"])
    monkeypatch.setattr(services, "new_code", lambda: next(draws))
    assert services.code_for(kip) == "QQQQQRRRRR"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ABCDE-FGHJK", "ABCDEFGHJK"),
        ("abcde fghjk", "ABCDEFGHJK"),
        ("  abcde–fghjk\n", "ABCDEFGHJK"),
        ("ABCDE—FGHJK", "ABCDEFGHJK"),
        ("ab\tcdefghjk", "ABCDEFGHJK"),
    ],
)
def test_codes_as_typed(typed, stored):
    assert services.normalise_code(typed) == stored


def test_codes_are_shown_in_two_groups():
    assert services.format_code("ABCDEFGHJK") == "ABCDE-FGHJK"


# --- finding people --------------------------------------------------------------------------


def test_a_code_finds_its_participant_in_its_own_course_only(course, neighbour, ana, kip):
    code = services.code_for(ana)
    assert services.find_by_code(course, services.format_code(code).lower()) == ana
    assert services.find_by_code(neighbour, code) is None
    other = db.session.scalars(
        sa.select(Registration).where(Registration.course_id == neighbour.id)
    ).first()
    assert services.find_by_code(course, services.code_for(other)) is None
    assert services.find_by_code(course, "NOTAC-ODE22") is None


def test_a_cancelled_participant_s_code_finds_nobody(course, ana):
    code = services.code_for(ana)
    ana.status = S.CANCELLED
    db.session.flush()
    assert services.find_by_code(course, code) is None


def test_search_ignores_case_and_accents(course, neighbour, ana, anabela, kip):
    person(course, "Anaïs Waiting", status=S.WAITLISTED)
    assert services.search(course, "ana") == [ana, anabela]
    assert services.search(course, "NUNEZ") == [anabela]
    assert services.search(course, "  núñez ") == [anabela]
    assert services.search(course, "souza") == [ana]
    # The neighbour's Ana Sousa is not this course's.
    assert services.search(course, "sousa") == []


def test_search_reads_organisation_and_email(course, ana, kip):
    assert services.search(course, "nairobi") == [kip]
    assert services.search(course, "ana.souza@example") == [ana]


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_an_empty_search_finds_nobody(course, ana, text):
    assert services.search(course, text) == []


def test_search_reads_the_first_hundred_signs(course):
    long_name = person(course, "A" * 100 + "B", email="long@example.org")
    assert services.search(course, "A" * 100 + "Z") == [long_name]


def test_search_lists_by_name(course, kip, anabela, ana):
    assert services.search(course, "example.org") == [ana, anabela, kip]


def test_search_reads_letters_that_do_not_decompose(course, ana):
    # Ø, Ł, ß and ı have no accent to strip: the desk's fold (app.core.text) maps them too.
    mette = person(course, "Mette Sørensen", email="mette.s@example.org")
    lukasz = person(course, "Łukasz Wałęsa", email="l.walesa@example.org")
    assert services.search(course, "sorensen") == [mette]
    assert services.search(course, "SØRENSEN") == [mette]
    assert services.search(course, "lukasz walesa") == [lukasz]


def test_folded_text():
    assert fold("  Ñúñez   DE  la Peña ") == "nunez de la pena"
    assert fold("Straße") == "strasse"


# --- checking in -----------------------------------------------------------------------------


def test_check_in_marks_today_at_the_venue(course, facilitator, ana, kip):
    code = services.code_for(ana)
    result = services.check_in_by_code(course, code, actor=facilitator, now=WEDNESDAY_0852)
    assert result.outcome == Outcome.CHECKED_IN
    assert result.registration == ana
    assert result.day == WEDNESDAY
    assert result.at == WEDNESDAY_0852
    row = rows(ana)[WEDNESDAY]
    assert row.is_present is True
    assert row.recorded_by_id == facilitator.id
    assert row.recorded_at == WEDNESDAY_0852
    assert rows(kip) == {}


def test_a_second_check_in_says_when_the_first_was(course, facilitator, organiser, ana):
    code = services.code_for(ana)
    services.check_in_by_code(course, code, actor=facilitator, now=WEDNESDAY_0852)
    later = WEDNESDAY_0852 + timedelta(minutes=20)
    again = services.check_in(course, ana, actor=organiser, now=later)
    assert again.outcome == Outcome.ALREADY
    assert again.at == WEDNESDAY_0852
    assert again.day == WEDNESDAY
    assert again.registration == ana
    row = rows(ana)[WEDNESDAY]
    assert (row.recorded_by_id, row.recorded_at) == (facilitator.id, WEDNESDAY_0852)
    assert len(rows(ana)) == 1


def test_already_tells_this_person_s_time_today(course, facilitator, ana, kip):
    """Kip came first today, Ana was in yesterday too: Ana's second scan tells her own time
    of today."""
    services.check_in(course, ana, actor=facilitator, now=WEDNESDAY_0852 - timedelta(days=1))
    services.check_in(course, kip, actor=facilitator, now=WEDNESDAY_0852 - timedelta(minutes=40))
    services.check_in(course, ana, actor=facilitator, now=WEDNESDAY_0852)
    again = services.check_in(
        course, ana, actor=facilitator, now=WEDNESDAY_0852 + timedelta(hours=1)
    )
    assert (again.outcome, again.at) == (Outcome.ALREADY, WEDNESDAY_0852)


def test_the_grid_shows_a_check_in_at_once(course, facilitator, ana, kip):
    before = attendance_grid(course)
    services.check_in(course, ana, actor=facilitator, now=WEDNESDAY_0852)
    grid = attendance_grid(course)
    marks = {row.registration.id: row.marks for row in grid.rows}
    assert marks[ana.id][WEDNESDAY] is True
    assert marks[kip.id][WEDNESDAY] is None
    assert grid.present_on(WEDNESDAY) == 1
    assert before.present_on(WEDNESDAY) == 0
    assert ana.days_present() == {WEDNESDAY}


def test_checking_in_leaves_other_days_alone(course, organiser, facilitator, ana, kip):
    monday_noon = datetime(2017, 11, 20, 11, tzinfo=UTC)
    set_attendance(course, MONDAY, {kip.id}, actor=organiser)  # Ana absent on Monday
    services.check_in(course, ana, actor=organiser, now=monday_noon + timedelta(days=1))
    before = {day: (a.is_present, a.recorded_by_id, a.recorded_at) for day, a in rows(ana).items()}
    services.check_in(course, ana, actor=facilitator, now=WEDNESDAY_0852)
    after = {day: (a.is_present, a.recorded_by_id, a.recorded_at) for day, a in rows(ana).items()}
    assert after[MONDAY] == before[MONDAY]
    assert after[MONDAY][0] is False
    assert after[TUESDAY] == before[TUESDAY]
    assert after[WEDNESDAY] == (True, facilitator.id, WEDNESDAY_0852)


def test_someone_recorded_absent_today_is_checked_in(course, organiser, facilitator, ana, kip):
    set_attendance(course, WEDNESDAY, {kip.id}, actor=organiser)
    result = services.check_in(course, ana, actor=facilitator, now=WEDNESDAY_0852)
    assert result.outcome == Outcome.CHECKED_IN
    assert result.at == WEDNESDAY_0852
    row = rows(ana)[WEDNESDAY]
    assert (row.is_present, row.recorded_by_id, row.recorded_at) == (
        True,
        facilitator.id,
        WEDNESDAY_0852,
    )
    # Kip, present already, is untouched.
    assert rows(kip)[WEDNESDAY].recorded_by_id == organiser.id


@pytest.mark.parametrize(
    ("now", "day", "is_day"),
    [
        # Monday starts at 23:00 UTC on Sunday in Turin (CET).
        (datetime(2017, 11, 19, 22, 59, tzinfo=UTC), date(2017, 11, 19), False),
        (datetime(2017, 11, 19, 23, 0, tzinfo=UTC), MONDAY, True),
        # Friday ends at 23:00 UTC.
        (datetime(2017, 11, 24, 22, 59, tzinfo=UTC), date(2017, 11, 24), True),
        (datetime(2017, 11, 24, 23, 0, tzinfo=UTC), date(2017, 11, 25), False),
    ],
)
def test_only_on_the_course_s_days_at_the_venue(course, facilitator, ana, now, day, is_day):
    assert services.venue_today(course, now) == day
    assert services.is_course_day(course, now) is is_day
    result = services.check_in(course, ana, actor=facilitator, now=now)
    assert result.day == day
    if is_day:
        assert result.outcome == Outcome.CHECKED_IN
        assert set(rows(ana)) == {day}
    else:
        assert result.outcome == Outcome.NOT_A_COURSE_DAY
        assert result.registration is None
        assert rows(ana) == {}


def test_days_across_the_end_of_summer_time(facilitator):
    """A course of 26–30 October 2017 in Turin: CEST (UTC+2) until Sunday 29 at 03:00."""
    course = make_course(start=date(2017, 10, 26), venue=make_venue("Europe/Rome"))
    ana = person(course, "Ana Souza")
    # Thursday 26 begins at 22:00 UTC on the 25th (summer time)...
    assert services.venue_today(course, datetime(2017, 10, 25, 21, 59, tzinfo=UTC)) == date(
        2017, 10, 25
    )
    first = datetime(2017, 10, 25, 22, 0, tzinfo=UTC)
    assert services.check_in(course, ana, actor=facilitator, now=first).day == date(2017, 10, 26)
    # ...Monday 30 at 23:00 UTC on the 29th (winter time).
    sunday_late = datetime(2017, 10, 29, 22, 59, tzinfo=UTC)
    assert services.check_in(course, ana, actor=facilitator, now=sunday_late).day == date(
        2017, 10, 29
    )
    monday = datetime(2017, 10, 29, 23, 0, tzinfo=UTC)
    assert services.check_in(course, ana, actor=facilitator, now=monday).day == date(2017, 10, 30)
    assert set(rows(ana)) == {date(2017, 10, 26), date(2017, 10, 29), date(2017, 10, 30)}


def test_nobody_outside_the_course_s_confirmed_participants(course, neighbour, facilitator):
    waiting = person(course, "Wanjiru Kamau", status=S.WAITLISTED)
    cancelled = person(course, "Carlos Pérez", status=S.CANCELLED)
    other = db.session.scalars(
        sa.select(Registration).where(Registration.course_id == neighbour.id)
    ).first()
    for registration in (waiting, cancelled, other, None):
        result = services.check_in(course, registration, actor=facilitator, now=WEDNESDAY_0852)
        assert result.outcome == Outcome.NOT_A_PARTICIPANT
        assert result.registration is None
        assert result.day == WEDNESDAY
    # A code of the neighbour course typed here.
    result = services.check_in_by_code(
        course, services.code_for(other), actor=facilitator, now=WEDNESDAY_0852
    )
    assert result.outcome == Outcome.NOT_A_PARTICIPANT
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


def test_not_a_course_day_comes_before_who(course, facilitator):
    sunday = datetime(2017, 11, 19, 12, tzinfo=UTC)
    result = services.check_in_by_code(course, "NOBODY", actor=facilitator, now=sunday)
    assert result.outcome == Outcome.NOT_A_COURSE_DAY


def test_present_today(course, organiser, facilitator, ana, anabela, kip):
    set_attendance(course, WEDNESDAY, {kip.id}, actor=organiser)  # Ana, Anabela absent
    set_attendance(course, TUESDAY, {anabela.id}, actor=organiser)
    services.check_in(course, ana, actor=facilitator, now=WEDNESDAY_0852)
    kip_at = rows(kip)[WEDNESDAY].recorded_at
    present = services.present_today(course, [ana.id, anabela.id, kip.id], WEDNESDAY_0852)
    assert present == {ana.id: WEDNESDAY_0852, kip.id: kip_at}
    assert services.present_today(course, [], WEDNESDAY_0852) == {}
    # Only the registrations asked about.
    assert services.present_today(course, [ana.id], WEDNESDAY_0852) == {ana.id: WEDNESDAY_0852}


# --- two scans at once -----------------------------------------------------------------------


def _scan_in_own_worker(app: Flask, ids: tuple[int, int, int], code: str, barrier, outcomes):
    course_id, actor_id, _ = ids
    with app.app_context():
        try:
            course = db.session.get(Course, course_id)
            actor = db.session.get(User, actor_id)
            db.session.commit()
            barrier.wait(timeout=30)
            result = services.check_in_by_code(course, code, actor=actor, now=WEDNESDAY_0852)
            db.session.commit()
            outcomes.append(result.outcome.value)
        except Exception as exc:  # recorded and asserted on below
            db.session.rollback()
            outcomes.append(f"error: {type(exc).__name__}: {exc}")
        finally:
            db.session.remove()


@pytest.mark.parametrize("absent_first", [False, True])
def test_two_scans_at_once_count_once(app, course, organiser, facilitator, ana, absent_first):
    if absent_first:
        # Recorded absent by the grid this morning: both scans race to turn it present.
        set_attendance(course, WEDNESDAY, set(), actor=organiser)
    code = services.code_for(ana)
    db.session.commit()
    ids = (course.id, facilitator.id, ana.id)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    threads = [
        threading.Thread(target=_scan_in_own_worker, args=(app, ids, code, barrier, outcomes))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["already", "checked_in"], outcomes
    db.session.expire_all()
    assert [(a.day, a.is_present) for a in rows(ana).values()] == [(WEDNESDAY, True)]


def test_two_requests_drawing_a_code_at_once_keep_one(app, course, ana):
    db.session.commit()
    ana_id = ana.id  # read here: the workers must not touch this thread's session
    barrier = threading.Barrier(2)
    codes: list[str] = []

    def draw() -> None:
        with app.app_context():
            try:
                registration = db.session.get(Registration, ana_id)
                db.session.commit()
                barrier.wait(timeout=30)
                codes.append(str(services.code_for(registration)))
                db.session.commit()
            except Exception as exc:  # asserted on below
                db.session.rollback()
                codes.append(f"error: {exc}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=draw) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(set(codes)) == 1, codes
    db.session.expire_all()
    assert db.session.scalars(sa.select(CheckinCode.code)).all() == codes[:1]


def test_an_administrator_is_recorded_too(course, ana):
    # The actor of a check-in is whoever the route passes: a user without a team role here
    # (an administrator) is recorded the same.
    admin = make_user(name="Ada Admin")
    result = services.check_in(course, ana, actor=admin, now=WEDNESDAY_0852)
    assert rows(ana)[WEDNESDAY].recorded_by_id == admin.id
    assert result.outcome == Outcome.CHECKED_IN
