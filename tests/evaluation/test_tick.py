"""``flask tick`` and the evaluation: made and opened on the last on-site day, one reminder to
those who have not answered, closed at the end of the closing day; all in the venue's zone,
on both sides of each moment, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app.courses.models import CourseKind, CourseStatus
from app.evaluation import answering, opening, questionnaire, services
from app.evaluation.models import Evaluation
from app.evaluation.services import InvalidEvaluation
from app.extensions import db
from app.mail.models import OutboxMessage
from app.registration.models import RegistrationStatus
from tests.evaluation.conftest import rating_answers
from tests.factories import make_course, make_registration, make_user, make_venue

S = RegistrationStatus
SECOND = timedelta(seconds=1)
# Turin is on CET (UTC+1) in late November: the last day, Friday 24, starts at 23:00 UTC.
LAST_DAY_STARTS = datetime(2017, 11, 23, 23, 0, tzinfo=UTC)
# Closing day by default: Friday 8 December, over at 23:00 UTC; reminder 3 days before.
CLOSES = datetime(2017, 12, 8, 23, 0, tzinfo=UTC)
REMINDER = datetime(2017, 12, 5, 23, 0, tzinfo=UTC)


def recipients() -> list[str]:
    return sorted(db.session.scalars(sa.select(OutboxMessage.recipient)))


def subjects() -> list[str]:
    return sorted(db.session.scalars(sa.select(OutboxMessage.subject)))


@pytest.fixture
def people(workshop):
    """Two confirmed participants, one waiting, one cancelled."""
    ana = make_registration(workshop.course, make_user(email="ana@example.org"))
    ben = make_registration(workshop.course, make_user(email="ben@example.org"))
    make_registration(workshop.course, make_user(email="wait@example.org"), status=S.WAITLISTED)
    make_registration(workshop.course, make_user(email="gone@example.org"), status=S.CANCELLED)
    return ana, ben


def test_made_and_opened_at_the_start_of_the_last_day_with_invitations(workshop, people):
    counts = opening.run_due(LAST_DAY_STARTS - SECOND)
    assert (counts.created, counts.opened) == (0, 0)
    assert services.evaluation_for(workshop.course) is None

    counts = opening.run_due(LAST_DAY_STARTS)
    evaluation = services.evaluation_for(workshop.course)
    assert evaluation is not None
    assert (counts.created, counts.opened, counts.invitations) == (1, 1, 2)
    assert evaluation.opened_at == LAST_DAY_STARTS
    assert evaluation.opened_by_id is None
    assert evaluation.created_by_id is None
    assert recipients() == ["ana@example.org", "ben@example.org"]
    assert subjects() == ["Your evaluation of Governing migration at the local level"] * 2

    again = opening.run_due(LAST_DAY_STARTS + timedelta(minutes=5))
    assert (again.created, again.opened, again.invitations) == (0, 0, 0)
    assert len(recipients()) == 2


def test_an_evaluation_set_up_earlier_opens_at_the_time_organisers_chose(workshop, people):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=workshop.organiser)
    evaluation.opens_at_time = time(14, 0)
    opens = datetime(2017, 11, 24, 13, 0, tzinfo=UTC)
    assert services.opens_at(evaluation) == opens
    assert opening.run_due(opens - SECOND).opened == 0
    assert not evaluation.has_opened
    assert opening.run_due(opens).opened == 1
    assert evaluation.opened_at == opens


def test_nothing_opens_for_drafts_cancelled_courses_or_events(workshop, people):
    workshop.course.status = CourseStatus.DRAFT
    cancelled = make_course(slug="cancelled", start=date(2017, 11, 20))
    cancelled.status = CourseStatus.CANCELLED
    make_registration(cancelled)
    panel = make_course(slug="panel", start=date(2017, 11, 24))
    panel.kind = CourseKind.PANEL
    panel.days = 1
    prepared = questionnaire.create_evaluation(cancelled, actor=None)
    counts = opening.run_due(LAST_DAY_STARTS + timedelta(hours=10))
    assert (counts.created, counts.opened) == (0, 0)
    assert services.evaluation_for(workshop.course) is None
    assert services.evaluation_for(panel) is None
    assert not prepared.has_opened
    assert recipients() == []


def test_a_course_whose_window_has_passed_gets_none(workshop, people):
    assert opening.run_due(CLOSES - SECOND).created == 1
    db.session.delete(services.evaluation_for(workshop.course))
    db.session.flush()
    assert opening.run_due(CLOSES).created == 0


def _opened(workshop) -> Evaluation:
    opening.run_due(LAST_DAY_STARTS)
    evaluation = services.evaluation_for(workshop.course)
    db.session.execute(sa.delete(OutboxMessage))
    return evaluation


def test_one_reminder_to_those_who_have_not_answered(workshop, people):
    ana, _ben = people
    evaluation = _opened(workshop)
    answering.submit_answers(evaluation, ana, rating_answers(evaluation), now=LAST_DAY_STARTS)
    assert services.reminder_at(evaluation) == REMINDER

    assert opening.run_due(REMINDER - SECOND).reminders == 0
    assert evaluation.reminder_sent_at is None
    counts = opening.run_due(REMINDER)
    assert counts.reminders == 1
    assert evaluation.reminder_sent_at == REMINDER
    assert recipients() == ["ben@example.org"]
    assert subjects() == ["Reminder: your evaluation of Governing migration at the local level"]
    assert opening.run_due(REMINDER + timedelta(days=1)).reminders == 0
    assert len(recipients()) == 1


def test_the_reminder_waits_a_day_after_a_late_opening(workshop, people):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None)
    late = REMINDER + timedelta(hours=5)
    opening.open_evaluation(evaluation, actor=workshop.organiser, now=late)
    assert evaluation.opened_by_id == workshop.organiser.id
    assert opening.run_due(late + timedelta(days=1) - SECOND).reminders == 0
    assert opening.run_due(late + timedelta(days=1)).reminders == 2


def test_the_reminder_days_are_the_organisers(workshop, people):
    evaluation = _opened(workshop)
    evaluation.reminder_days_before_close = 7
    reminder = datetime(2017, 12, 1, 23, 0, tzinfo=UTC)
    assert opening.run_due(reminder - SECOND).reminders == 0
    assert opening.run_due(reminder).reminders == 2


def test_closed_at_the_end_of_the_closing_day(workshop, people):
    evaluation = _opened(workshop)
    evaluation.reminder_sent_at = LAST_DAY_STARTS
    assert opening.run_due(CLOSES - SECOND).closed == 0
    assert evaluation.is_open
    assert opening.run_due(CLOSES).closed == 1
    assert evaluation.closed_at == CLOSES
    assert evaluation.closed_by_id is None
    assert services.state(evaluation) == "closed"
    # Closed without a reminder ever going: none goes after.
    evaluation.reminder_sent_at = None
    assert opening.run_due(CLOSES + timedelta(days=1)).reminders == 0


def test_a_late_tick_closes_without_reminding(workshop, people):
    evaluation = _opened(workshop)
    counts = opening.run_due(CLOSES + timedelta(hours=2))
    assert (counts.reminders, counts.closed) == (0, 1)
    assert recipients() == []
    assert evaluation.reminder_sent_at is None


def test_an_organisers_closing_date(workshop, people):
    evaluation = _opened(workshop)
    evaluation.closes_on = date(2017, 11, 30)
    closes = datetime(2017, 11, 30, 23, 0, tzinfo=UTC)
    reminder = datetime(2017, 11, 27, 23, 0, tzinfo=UTC)
    assert services.closes_at(evaluation) == closes
    assert services.reminder_at(evaluation) == reminder
    assert opening.run_due(closes - SECOND).closed == 0
    assert opening.run_due(closes).closed == 1


# --- a daylight-saving week ------------------------------------------------------------------


@pytest.fixture
def autumn_course():
    """Wednesday 25 to Sunday 29 October 2017 in Turin: the clocks go back on the last day."""
    course = make_course(slug="autumn", start=date(2017, 10, 25), venue=make_venue("Europe/Rome"))
    make_registration(course, make_user(email="carla@example.org"))
    return course


def test_opening_time_on_the_day_the_clocks_go_back(autumn_course):
    evaluation = questionnaire.create_evaluation(autumn_course, actor=None)
    # Midnight is still summer time (UTC+2)...
    assert services.opens_at(evaluation) == datetime(2017, 10, 28, 22, 0, tzinfo=UTC)
    evaluation.opens_at_time = time(9, 0)
    # ...09:00 is winter time (UTC+1).
    opens = datetime(2017, 10, 29, 8, 0, tzinfo=UTC)
    assert services.opens_at(evaluation) == opens
    assert opening.run_due(opens - SECOND).opened == 0
    assert opening.run_due(opens).opened == 1


def test_reminder_and_closing_across_the_spring_change():
    # Monday 19 to Friday 23 March 2018 in Turin; summer time starts Sunday 25 March.
    course = make_course(slug="spring", start=date(2018, 3, 19), venue=make_venue("Europe/Rome"))
    make_registration(course, make_user(email="dawit@example.org"))
    evaluation = questionnaire.create_evaluation(course, actor=None)
    evaluation.closes_on = date(2018, 3, 27)
    evaluation.reminder_days_before_close = 2
    opening.open_evaluation(evaluation, actor=None, now=datetime(2018, 3, 23, 8, 0, tzinfo=UTC))
    # Monday 26 March starts at 22:00 UTC on the 25th (CEST), not 23:00 as a week before.
    reminder = datetime(2018, 3, 25, 22, 0, tzinfo=UTC)
    assert opening.run_due(reminder - SECOND).reminders == 0
    assert opening.run_due(reminder).reminders == 1
    closes = datetime(2018, 3, 27, 22, 0, tzinfo=UTC)
    assert opening.run_due(closes - SECOND).closed == 0
    assert opening.run_due(closes).closed == 1


def test_an_opening_time_the_clocks_skip_opens_just_after_the_jump():
    # A course whose last day became Sunday 25 March 2018 after its time was set: 02:30 does
    # not exist in Turin that day.
    course = make_course(slug="skipped", start=date(2018, 3, 21), venue=make_venue("Europe/Rome"))
    evaluation = questionnaire.create_evaluation(course, actor=None)
    evaluation.opens_at_time = time(2, 30)
    assert services.opens_at(evaluation) == datetime(2018, 3, 25, 1, 30, tzinfo=UTC)
    with pytest.raises(InvalidEvaluation) as caught:
        services.update_settings(
            evaluation,
            services.SettingsData(
                is_anonymous=True,
                required_for_certificate=False,
                opens_at_time=time(2, 30),
                closes_on=None,
                reminder_days_before_close=3,
            ),
            actor=None,
        )
    assert set(caught.value.errors) == {"opens_at_time"}


# --- by hand ---------------------------------------------------------------------------------


def test_organisers_open_close_and_open_again(workshop, people):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None)
    early = datetime(2017, 11, 22, 15, 0, tzinfo=UTC)
    assert opening.open_evaluation(evaluation, actor=workshop.organiser, now=early) == 2
    with pytest.raises(InvalidEvaluation, match="already open"):
        opening.open_evaluation(evaluation, actor=workshop.organiser, now=early)
    later = early + timedelta(hours=2)
    opening.close_evaluation(evaluation, actor=workshop.organiser, now=later)
    assert (evaluation.closed_at, evaluation.closed_by_id) == (later, workshop.organiser.id)
    with pytest.raises(InvalidEvaluation, match="not open"):
        opening.close_evaluation(evaluation, actor=workshop.organiser, now=later)
    # The tick does not reopen what organisers closed.
    assert opening.run_due(LAST_DAY_STARTS).opened == 0
    assert evaluation.is_closed
    # Open again: no second invitation, the first opening kept.
    assert opening.open_evaluation(evaluation, actor=workshop.facilitator, now=later) == 0
    assert evaluation.is_open
    assert (evaluation.opened_at, evaluation.opened_by_id) == (early, workshop.organiser.id)
    assert (evaluation.closed_at, evaluation.closed_by_id) == (None, None)
    assert len(recipients()) == 2


def test_opening_by_hand_needs_a_future_closing_a_published_course_and_questions(workshop):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None)
    with pytest.raises(InvalidEvaluation, match="closing date has passed") as caught:
        opening.open_evaluation(evaluation, actor=None, now=CLOSES)
    assert set(caught.value.errors) == {"closes_on"}
    opening.open_evaluation(evaluation, actor=None, now=CLOSES - SECOND)
    opening.close_evaluation(evaluation, actor=None, now=CLOSES)
    with pytest.raises(InvalidEvaluation, match="closing date has passed"):
        opening.open_evaluation(evaluation, actor=None, now=CLOSES)
    evaluation.closes_on = date(2017, 12, 10)
    opening.open_evaluation(evaluation, actor=None, now=CLOSES)
    assert evaluation.is_open

    other = make_course(slug="draft-course")
    other.status = CourseStatus.DRAFT
    draft = questionnaire.create_evaluation(other, actor=None)
    with pytest.raises(InvalidEvaluation, match="published"):
        opening.open_evaluation(draft, actor=None, now=LAST_DAY_STARTS)
    empty = questionnaire.create_evaluation(make_course(slug="empty"), actor=None)
    for question in list(empty.questions):
        questionnaire.remove_question(question, actor=None)
    with pytest.raises(InvalidEvaluation, match="at least one question"):
        opening.open_evaluation(empty, actor=None, now=LAST_DAY_STARTS)
    assert not draft.has_opened and not empty.has_opened


# --- refusals, the log, and which courses the tick looks at (survivors of make mutate) ----------


def test_each_refusal_says_why_in_its_own_words(workshop):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None)
    with pytest.raises(InvalidEvaluation) as caught:
        opening.close_evaluation(evaluation, actor=None, now=LAST_DAY_STARTS)
    assert caught.value.messages == ["The evaluation is not open."]
    opening.open_evaluation(evaluation, actor=None, now=LAST_DAY_STARTS)
    with pytest.raises(InvalidEvaluation) as caught:
        opening.open_evaluation(evaluation, actor=None, now=LAST_DAY_STARTS)
    assert caught.value.messages == ["The evaluation is already open."]
    opening.close_evaluation(evaluation, actor=None, now=CLOSES - SECOND)
    with pytest.raises(InvalidEvaluation) as caught:
        opening.open_evaluation(evaluation, actor=None, now=CLOSES)
    assert caught.value.errors == {
        "closes_on": ["Its closing date has passed: set a later closing date first."]
    }

    draft_course = make_course(slug="draft-2017")
    draft_course.status = CourseStatus.DRAFT
    draft = questionnaire.create_evaluation(draft_course, actor=None)
    with pytest.raises(InvalidEvaluation) as caught:
        opening.open_evaluation(draft, actor=None, now=LAST_DAY_STARTS)
    assert caught.value.messages == ["Only a published course's evaluation can open."]
    empty = questionnaire.create_evaluation(make_course(slug="empty-2017"), actor=None)
    for question in list(empty.questions):
        questionnaire.remove_question(question, actor=None)
    with pytest.raises(InvalidEvaluation) as caught:
        opening.open_evaluation(empty, actor=None, now=LAST_DAY_STARTS)
    assert caught.value.messages == ["Add at least one question first."]


def test_the_log_says_who_opened_and_closed_and_whether_again(workshop, people, caplog):
    organiser = workshop.organiser
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None)
    caplog.set_level("INFO", logger="app.evaluation.opening")
    opening.open_evaluation(evaluation, actor=None, now=LAST_DAY_STARTS)
    opening.close_evaluation(evaluation, actor=organiser, now=LAST_DAY_STARTS + SECOND)
    opening.open_evaluation(evaluation, actor=organiser, now=LAST_DAY_STARTS + 2 * SECOND)
    opening.close_evaluation(evaluation, actor=None, now=CLOSES)
    assert [r.getMessage() for r in caplog.records if r.name == "app.evaluation.opening"] == [
        f"evaluation {evaluation.id} opened by the tick, 2 invited",
        f"evaluation {evaluation.id} closed by {organiser.id}",
        f"evaluation {evaluation.id} opened again by {organiser.id}, 0 invited",
        f"evaluation {evaluation.id} closed by the tick",
    ]


def test_the_tick_makes_one_for_each_course_in_its_window_at_the_tick_s_moment():
    """A one-day course in Auckland (UTC+13 in December) whose day starts on the previous UTC
    date, and a 63-day course in Turin on the last day of its window (76 days after its start):
    both get their evaluation, made at the tick's moment."""
    auckland = make_course(
        slug="auckland-day", start=date(2017, 12, 1), venue=make_venue("Pacific/Auckland")
    )
    auckland.days = 1
    long_course = make_course(
        slug="long-course", start=date(2017, 9, 1), venue=make_venue("Europe/Rome")
    )
    long_course.days = 63  # last on-site day: 2 November 2017
    db.session.flush()
    # Auckland's 1 December starts at 11:00 UTC on 30 November.
    day_starts = datetime(2017, 11, 30, 11, 0, tzinfo=UTC)
    assert opening.run_due(day_starts - SECOND).created == 0
    assert opening.run_due(day_starts).created == 1
    made = services.evaluation_for(auckland)
    assert made is not None and made.created_at == day_starts
    # 16 November 2017 in Turin is the last day of the long course's window (2 + 14).
    last_window_day = datetime(2017, 11, 16, 12, 0, tzinfo=UTC)
    assert (last_window_day.date() - long_course.start_date).days == 76
    assert opening.run_due(last_window_day).created == 1
    assert services.evaluation_for(long_course).created_at == last_window_day


def test_two_courses_due_at_once_are_counted_two():
    """Two Turin courses of the same week, with two and one confirmed participants: every
    count of the tick adds up both, and nothing happens at the closing moment's second."""
    for slug, people in (("turin-a", 2), ("turin-b", 1)):
        course = make_course(slug=slug, start=date(2017, 11, 20), venue=make_venue("Europe/Rome"))
        course.days = 5
        for n in range(people):
            make_registration(course, make_user(email=f"{slug}-{n}@example.org"))
    db.session.flush()
    counts = opening.run_due(LAST_DAY_STARTS)
    assert (counts.created, counts.opened, counts.invitations) == (2, 2, 3)
    assert opening.run_due(REMINDER).reminders == 3
    assert opening.run_due(CLOSES - SECOND).closed == 0
    assert opening.run_due(CLOSES).closed == 2


def test_no_reminder_at_the_closing_moment(workshop, people):
    evaluation = _opened(workshop)
    evaluation.reminder_days_before_close = 1
    closes = opening.closes_at(evaluation)
    assert opening.reminder_due(evaluation, closes - SECOND)
    assert not opening.reminder_due(evaluation, closes)


def test_my_courses_states_skip_courses_whose_evaluation_has_not_opened(workshop, people):
    """Ana is confirmed on three courses: one without an evaluation, one whose evaluation is
    made but not open, and the workshop, open: only the workshop has a state."""
    ana = people[0]
    # Both in March 2018: the tick of November 2017 leaves them alone.
    no_evaluation = make_registration(
        make_course(slug="no-evaluation", start=date(2018, 3, 5)), ana.user
    )
    made = make_course(slug="made-not-open", start=date(2018, 3, 5))
    questionnaire.create_evaluation(made, actor=None)
    not_open = make_registration(made, ana.user)
    opening.run_due(LAST_DAY_STARTS)
    states = services.participant_states([no_evaluation, not_open, ana])
    assert states == {ana.id: "open"}


def test_a_tick_at_the_closing_moment_does_not_open_what_never_opened(workshop, people):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None)
    counts = opening.run_due(CLOSES)
    assert (counts.opened, counts.invitations) == (0, 0)
    assert not evaluation.has_opened and recipients() == []
