"""The standard template, and editing an evaluation before it opens."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from app.courses.models import CourseKind, CourseModule
from app.evaluation import questionnaire, services
from app.evaluation.models import (
    MIN_BREAKDOWN,
    Evaluation,
    QuestionArea,
    QuestionKind,
)
from app.evaluation.questionnaire import QuestionData
from app.evaluation.services import EvaluationLocked, InvalidEvaluation, SettingsData
from app.extensions import db
from tests.factories import make_course

NOW = datetime(2017, 11, 1, 9, 0, tzinfo=UTC)


def _areas(evaluation: Evaluation) -> list[QuestionArea]:
    return [q.area for q in services.questions_in_order(evaluation)]


def test_the_template_asks_the_standard_questions_one_per_module_in_each_language(workshop):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=workshop.organiser, now=NOW)

    questions = services.questions_in_order(evaluation)
    assert _areas(evaluation) == [
        QuestionArea.OVERALL,
        QuestionArea.RELEVANCE,
        QuestionArea.MODULE,
        QuestionArea.MODULE,
        QuestionArea.MODULE,
        QuestionArea.FACILITATION,
        QuestionArea.ORGANISATION,
        QuestionArea.CHANGE,
    ]
    assert [q.position for q in questions] == list(range(8))
    assert [q.kind for q in questions] == [QuestionKind.RATING] * 7 + [QuestionKind.TEXT]
    assert [q.is_required for q in questions] == [True] * 7 + [False]
    focuses = workshop.course.focuses
    assert [q.course_module_id for q in questions[2:5]] == [f.id for f in focuses]
    assert all(q.course_module_id is None for q in questions[:2] + questions[5:])
    # English and French (the course's languages), not Spanish.
    for question in questions:
        assert sorted(t.locale for t in question.texts) == ["en", "fr"]
    assert questions[0].label("en") == "Overall, how satisfied are you with the course?"
    assert (
        questions[0].label("fr")
        == "Dans l’ensemble, dans quelle mesure êtes-vous satisfait·e du cours ?"
    )
    assert questions[2].label("en") == (
        "How well did the module “Migration and local governance” achieve its objectives?"
    )
    assert questions[2].label("fr") == (
        "Dans quelle mesure le module « Migration et gouvernance locale » a-t-il atteint ses "
        "objectifs ?"
    )
    # No French title for the second module: its English one, inside the French question.
    assert "« Inclusive service delivery »" in questions[3].label("fr")
    assert "Working with diasporas" in questions[4].label("en")
    # Spanish readers get the main language.
    assert questions[7].label("es") == "What would you change to make the course better?"
    assert evaluation.created_by_id == workshop.organiser.id
    assert evaluation.created_at == NOW
    assert evaluation.is_anonymous is True
    assert evaluation.required_for_certificate is False
    assert MIN_BREAKDOWN == 5


def test_a_spanish_course_gets_the_spanish_template(workshop):
    course = make_course(slug="gobernanza", title="Gobernanza de la migración")
    course.default_locale = "es"
    course.languages = "es"
    evaluation = questionnaire.create_evaluation(course, actor=None, now=NOW)
    first = services.questions_in_order(evaluation)[0]
    assert [t.locale for t in first.texts] == ["es"]
    assert first.label("en") == "En general, ¿qué tan satisfecho/a está con el curso?"
    assert evaluation.created_by_id is None


def test_keys_line_questions_up_across_editions(workshop):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None, now=NOW)
    keys = [q.key for q in services.questions_in_order(evaluation)]
    first, second = (f.module_id for f in workshop.course.focuses[:2])
    assert keys == [
        "overall",
        "relevance",
        f"module:{first}",
        f"module:{second}",
        "module:theme:working with diasporas",
        "facilitation",
        "organisation",
        "change",
    ]


def test_making_it_twice_keeps_the_first_and_events_have_none(workshop):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None, now=NOW)
    assert questionnaire.create_evaluation(workshop.course, actor=None, now=NOW) is evaluation
    assert services.evaluation_for(workshop.course) is evaluation
    panel = make_course(slug="panel")
    panel.kind = CourseKind.PANEL
    with pytest.raises(InvalidEvaluation, match="Events have no"):
        questionnaire.create_evaluation(panel, actor=None, now=NOW)
    assert services.evaluation_for(panel) is None


def _data(**overrides) -> QuestionData:
    values = {
        "kind": QuestionKind.RATING,
        "is_required": True,
        "labels": {"en": "How useful was the study visit?", "fr": "La visite était-elle utile ?"},
        "help_texts": {"en": "The Thursday visit to Porta Palazzo.", "fr": ""},
    }
    values.update(overrides)
    return QuestionData(**values)


def test_organisers_add_edit_move_and_remove_questions(workshop):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None, now=NOW)
    question = questionnaire.add_question(evaluation, _data(), actor=workshop.organiser, now=NOW)
    assert question.area == QuestionArea.CUSTOM
    assert question.position == 8
    assert question.label("fr") == "La visite était-elle utile ?"
    assert question.text("en").help_text == "The Thursday visit to Porta Palazzo."
    assert question.key == "custom:8"

    questionnaire.move_question(question, "up", actor=workshop.organiser)
    assert _areas(evaluation)[-2:] == [QuestionArea.CUSTOM, QuestionArea.CHANGE]
    assert not questionnaire.can_move(services.questions_in_order(evaluation)[0], "up")
    assert not questionnaire.can_move(services.questions_in_order(evaluation)[-1], "down")
    with pytest.raises(InvalidEvaluation, match="already at that end"):
        questionnaire.move_question(services.questions_in_order(evaluation)[-1], "down", actor=None)
    with pytest.raises(ValueError):
        questionnaire.move_question(question, "sideways", actor=None)  # type: ignore[arg-type]

    questionnaire.update_question(
        question,
        _data(
            kind=QuestionKind.TEXT,
            is_required=False,
            labels={"en": "What did the visit teach you?"},
        ),
        actor=workshop.organiser,
    )
    assert question.kind == QuestionKind.TEXT
    assert question.is_required is False
    # The French text left empty: French readers get the English one.
    assert [t.locale for t in question.texts] == ["en"]
    assert question.label("fr") == "What did the visit teach you?"

    overall = services.questions_in_order(evaluation)[0]
    questionnaire.remove_question(overall, actor=workshop.organiser)
    assert _areas(evaluation)[0] == QuestionArea.RELEVANCE
    assert [q.position for q in services.questions_in_order(evaluation)] == list(range(8))


def test_a_question_needs_the_main_language_and_fitting_texts(workshop):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None, now=NOW)
    with pytest.raises(InvalidEvaluation) as caught:
        questionnaire.add_question(
            evaluation,
            _data(labels={"en": "  ", "fr": "x" * 301}, help_texts={"en": "y" * 1001, "fr": ""}),
            actor=None,
        )
    assert set(caught.value.errors) == {"label_en", "label_fr", "help_en"}
    with pytest.raises(InvalidEvaluation) as caught:
        questionnaire.add_question(
            evaluation, _data(labels={"en": "Fine"}, help_texts={"fr": "Orphan help"}), actor=None
        )
    assert set(caught.value.errors) == {"label_fr"}
    assert len(evaluation.questions) == 8
    # At the limits: taken.
    question = questionnaire.add_question(
        evaluation, _data(labels={"en": "x" * 300}, help_texts={"en": "y" * 1000}), actor=None
    )
    assert len(question.label("en")) == 300


def test_everything_about_the_questions_locks_once_it_opens(workshop):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None, now=NOW)
    evaluation.opened_at = NOW
    question = services.questions_in_order(evaluation)[1]
    attempts = [
        lambda: questionnaire.add_question(evaluation, _data(), actor=None),
        lambda: questionnaire.update_question(question, _data(), actor=None),
        lambda: questionnaire.remove_question(question, actor=None),
        lambda: questionnaire.move_question(question, "up", actor=None),
        lambda: questionnaire.add_module_questions(evaluation, actor=None),
    ]
    for attempt in attempts:
        with pytest.raises(EvaluationLocked, match="has opened"):
            attempt()
    assert len(evaluation.questions) == 8
    assert question.position == 1


def test_modules_added_later_can_be_asked_about(workshop):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None, now=NOW)
    assert questionnaire.missing_module_questions(evaluation) == []
    assert questionnaire.add_module_questions(evaluation, actor=None) == []
    workshop.course.focuses.append(CourseModule(position=3, theme="Data on migration"))
    db.session.flush()
    assert [f.theme for f in questionnaire.missing_module_questions(evaluation)] == [
        "Data on migration"
    ]
    added = questionnaire.add_module_questions(evaluation, actor=workshop.organiser)
    assert [q.position for q in added] == [5]
    assert "Data on migration" in added[0].label("en")
    assert _areas(evaluation)[5:] == [
        QuestionArea.MODULE,
        QuestionArea.FACILITATION,
        QuestionArea.ORGANISATION,
        QuestionArea.CHANGE,
    ]
    assert questionnaire.missing_module_questions(evaluation) == []


def _settings(**overrides) -> SettingsData:
    values = {
        "is_anonymous": True,
        "required_for_certificate": False,
        "opens_at_time": None,
        "closes_on": None,
        "reminder_days_before_close": 3,
    }
    values.update(overrides)
    return SettingsData(**values)


def test_anonymity_and_opening_time_lock_once_it_opens_the_rest_does_not(workshop):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None, now=NOW)
    services.update_settings(
        evaluation,
        _settings(is_anonymous=False, opens_at_time=time(14, 0)),
        actor=workshop.organiser,
    )
    assert evaluation.is_anonymous is False
    evaluation.opened_at = NOW
    with pytest.raises(InvalidEvaluation) as caught:
        services.update_settings(
            evaluation, _settings(is_anonymous=True, opens_at_time=time(9, 0)), actor=None
        )
    assert set(caught.value.errors) == {"is_anonymous", "opens_at_time"}
    assert evaluation.is_anonymous is False
    later = workshop.course.end_date.replace(day=30)
    services.update_settings(
        evaluation,
        _settings(
            is_anonymous=False,
            opens_at_time=time(14, 0),
            required_for_certificate=True,
            closes_on=later,
            reminder_days_before_close=5,
        ),
        actor=None,
    )
    assert (evaluation.required_for_certificate, evaluation.closes_on) == (True, later)
    assert evaluation.reminder_days_before_close == 5


def test_settings_refuse_dates_and_reminders_out_of_range(workshop):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None, now=NOW)
    end = workshop.course.end_date
    with pytest.raises(InvalidEvaluation) as caught:
        services.update_settings(
            evaluation,
            _settings(closes_on=end.replace(day=23), reminder_days_before_close=0),
            actor=None,
        )
    assert set(caught.value.errors) == {"closes_on", "reminder_days_before_close"}
    with pytest.raises(InvalidEvaluation):
        services.update_settings(evaluation, _settings(reminder_days_before_close=31), actor=None)
    services.update_settings(
        evaluation, _settings(closes_on=end, reminder_days_before_close=30), actor=None
    )
    services.update_settings(evaluation, _settings(reminder_days_before_close=1), actor=None)
    assert evaluation.closes_on is None
    assert evaluation.reminder_days_before_close == 1


def test_module_questions_added_later_are_required_and_in_each_language(workshop):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None, now=NOW)
    # Every question before facilitation removed: the new module question goes first.
    for question in services.questions_in_order(evaluation)[:5]:
        questionnaire.remove_question(question, actor=None)
    module = workshop.course.focuses[0].module
    workshop.course.focuses.append(CourseModule(position=3, module=module))
    db.session.flush()
    missing = questionnaire.missing_module_questions(evaluation)
    assert len(missing) == 4
    added = questionnaire.add_module_questions(evaluation, actor=None)
    assert [q.position for q in added] == [0, 1, 2, 3]
    assert all(q.is_required is True and q.kind == QuestionKind.RATING for q in added)
    assert added[0].label("fr") == (
        "Dans quelle mesure le module « Migration et gouvernance locale » a-t-il atteint ses "
        "objectifs ?"
    )
    assert _areas(evaluation) == [QuestionArea.MODULE] * 4 + [
        QuestionArea.FACILITATION,
        QuestionArea.ORGANISATION,
        QuestionArea.CHANGE,
    ]
