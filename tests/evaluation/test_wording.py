"""The exact words: every template question, every refusal beside its field, and the audit
lines in the log (who did what to which evaluation)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time

import pytest

from app.courses.models import CourseModule
from app.evaluation import answering, opening, questionnaire, services
from app.evaluation.models import QuestionKind
from app.evaluation.questionnaire import QuestionData
from app.evaluation.services import InvalidEvaluation, SettingsData
from app.extensions import db
from app.registration.models import RegistrationStatus
from tests.evaluation.conftest import rating_answers
from tests.factories import make_registration

NOW = datetime(2017, 11, 1, 9, 0, tzinfo=UTC)


def _messages(exc) -> dict[str | None, list[str]]:
    return {field: [str(m) for m in messages] for field, messages in exc.errors.items()}


def test_every_template_question_in_english_and_french(workshop):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None, now=NOW)
    questions = services.questions_in_order(evaluation)
    assert [q.label("en") for q in questions] == [
        "Overall, how satisfied are you with the course?",
        "How relevant is the course to your job?",
        "How well did the module “Migration and local governance” achieve its objectives?",
        "How well did the module “Inclusive service delivery” achieve its objectives?",
        "How well did the module “Working with diasporas” achieve its objectives?",
        "How would you rate the quality of the facilitation?",
        "How would you rate the organisation and logistics (venue, travel, materials)?",
        "What would you change to make the course better?",
    ]
    assert [q.label("fr") for q in questions][5:] == [
        "Comment évaluez-vous la qualité de l’animation ?",
        "Comment évaluez-vous l’organisation et la logistique (lieu, voyage, supports) ?",
        "Que changeriez-vous pour améliorer le cours ?",
    ]
    assert all(t.help_text == "" for q in questions for t in q.texts)
    assert questionnaire.course_locales(workshop.course) == ["en", "fr"]


def test_languages_the_site_does_not_speak_are_left_out(workshop):
    workshop.course.default_locale = "fr"
    workshop.course.languages = "de,fr,en,fr"
    assert questionnaire.course_locales(workshop.course) == ["fr", "en"]
    workshop.course.default_locale = "de"
    workshop.course.languages = "it"
    assert questionnaire.course_locales(workshop.course) == ["en"]


def test_the_words_of_each_refusal(workshop):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None, now=NOW)
    with pytest.raises(InvalidEvaluation) as caught:
        questionnaire.add_question(
            evaluation,
            QuestionData(
                kind=QuestionKind.RATING,
                is_required=False,
                labels={"en": "", "fr": "x" * 301},
                help_texts={"en": "Help without a question", "fr": "y" * 1001},
            ),
            actor=None,
        )
    assert _messages(caught.value) == {
        "label_en": [
            "Write the question in this language too, or remove its explanation.",
            "Write the question in the course's main language.",
        ],
        "label_fr": ["At most 300 characters."],
        "help_fr": ["At most 1000 characters."],
    }
    with pytest.raises(InvalidEvaluation) as caught:
        questionnaire.add_question(
            evaluation,
            QuestionData(kind="yes_no", is_required=False, labels={"en": "Q"}, help_texts={}),  # type: ignore[arg-type]
            actor=None,
        )
    assert _messages(caught.value) == {"kind": ["Choose a rating or an open answer."]}

    end = workshop.course.end_date
    with pytest.raises(InvalidEvaluation) as caught:
        services.update_settings(
            evaluation,
            SettingsData(True, False, None, date(2017, 11, 23), 31),
            actor=None,
        )
    assert _messages(caught.value) == {
        "closes_on": ["The evaluation cannot close before the last on-site day."],
        "reminder_days_before_close": ["Between 1 and 30 days."],
    }
    evaluation.opened_at = NOW
    with pytest.raises(InvalidEvaluation) as caught:
        services.update_settings(
            evaluation, SettingsData(False, False, time(9), end, 3), actor=None
        )
    assert _messages(caught.value) == {
        "is_anonymous": [
            "The evaluation has opened: whether it is anonymous can no longer change."
        ],
        "opens_at_time": ["The evaluation has already opened."],
    }
    with pytest.raises(services.EvaluationLocked) as caught:
        questionnaire.add_module_questions(evaluation, actor=None)
    assert str(caught.value) == (
        "The evaluation has opened: its questions and whether it is anonymous can no longer "
        "change, so that every participant answers the same form."
    )
    assert caught.value.messages == [str(caught.value)]


def test_the_log_says_who_did_what(workshop, caplog):
    caplog.set_level(logging.INFO, logger="app.evaluation")
    organiser = workshop.organiser
    evaluation = questionnaire.create_evaluation(workshop.course, actor=organiser, now=NOW)
    data = QuestionData(QuestionKind.TEXT, False, {"en": "Anything else?"}, {})
    question = questionnaire.add_question(evaluation, data, actor=organiser)
    questionnaire.update_question(question, data, actor=organiser)
    questionnaire.move_question(question, "up", actor=organiser)
    questionnaire.remove_question(question, actor=organiser)
    workshop.course.focuses.append(CourseModule(position=5, theme="Data"))
    db.session.flush()
    questionnaire.add_module_questions(evaluation, actor=organiser)
    services.update_settings(evaluation, SettingsData(True, True, None, None, 3), actor=organiser)
    ana = _participant(workshop)
    opening.open_evaluation(evaluation, actor=organiser, now=services.opens_at(evaluation))
    answering.submit_answers(evaluation, ana, _all_fours(evaluation), now=NOW)
    opening.close_evaluation(evaluation, actor=None, now=NOW)
    e, q, o = evaluation.id, question.id, organiser.id
    assert [r.getMessage() for r in caplog.records] == [
        f"evaluation {e} made for {workshop.course.slug} by {o}",
        f"evaluation {e}: question {q} added by {o}",
        f"evaluation question {q} changed by {o}",
        f"evaluation question {q} moved up by {o}",
        f"evaluation question {q} removed by {o}",
        f"evaluation {e}: 1 module questions added by {o}",
        f"evaluation {e} settings changed by {o}",
        f"evaluation {e} opened by {o}, 1 invited",
        f"evaluation {e} completed by registration {ana.id}",
        f"evaluation {e} closed by the tick",
    ]


def _participant(workshop):
    return make_registration(workshop.course)


def _all_fours(evaluation):
    return rating_answers(evaluation)


def test_answering_twice_and_every_error_at_once(workshop, monkeypatch):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None, now=NOW)
    change = services.questions_in_order(evaluation)[-1]
    for _step in range(7):
        questionnaire.move_question(change, "up", actor=None)
    opening.open_evaluation(evaluation, actor=None, now=services.opens_at(evaluation))
    ana = make_registration(workshop.course)
    answers = rating_answers(evaluation)
    answers[f"q{change.id}"] = "x" * 5001
    overall = services.questions_in_order(evaluation)[1]
    del answers[f"q{overall.id}"]
    with pytest.raises(answering.InvalidAnswers) as caught:
        answering.submit_answers(evaluation, ana, answers, now=NOW)
    # The long text first, and the missing rating after it is still named.
    assert _messages(caught.value) == {
        f"q{change.id}": ["At most 5000 characters."],
        f"q{overall.id}": ["Choose a rating."],
    }
    answering.submit_answers(evaluation, ana, rating_answers(evaluation), now=NOW)
    with pytest.raises(answering.AlreadyAnswered) as caught:
        answering.submit_answers(evaluation, ana, rating_answers(evaluation), now=NOW)
    assert caught.value.messages == ["You have already answered this evaluation. Thank you!"]
    # The same words when another request got there between the look and the write.
    monkeypatch.setattr(answering, "find_completion", lambda *_args: None)
    with pytest.raises(answering.AlreadyAnswered) as caught:
        answering.submit_answers(evaluation, ana, rating_answers(evaluation), now=NOW)
    assert caught.value.messages == ["You have already answered this evaluation. Thank you!"]


def test_the_words_of_each_refusal_to_answer(workshop, neighbour):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None, now=NOW)
    waiting = make_registration(workshop.course, status=RegistrationStatus.WAITLISTED)
    ana = make_registration(workshop.course)
    assert str(answering.refusal(evaluation, neighbour.registrations[1])) == (
        "This evaluation belongs to another course."
    )
    assert str(answering.refusal(evaluation, waiting)) == (
        "Only confirmed participants answer the course evaluation."
    )
    assert str(answering.refusal(evaluation, ana)) == "The evaluation is not open yet."
    opening.open_evaluation(evaluation, actor=None, now=services.opens_at(evaluation))
    assert answering.refusal(evaluation, ana) is None
    opening.close_evaluation(evaluation, actor=None, now=services.opens_at(evaluation))
    assert str(answering.refusal(evaluation, ana)) == "The evaluation has closed."
