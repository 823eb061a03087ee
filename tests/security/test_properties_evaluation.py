"""Arbitrary input to the evaluation's forms (see test_properties.py for what is checked): the
settings, one question (texts per language), and the participant's answers. Never a server
error; a refused post changes nothing; what is stored is plain text and comes back escaped."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from hypothesis import strategies as st

from app.accounts.models import Role
from app.evaluation import opening, questionnaire, services
from app.evaluation.models import (
    Evaluation,
    EvaluationAnswer,
    EvaluationQuestion,
    QuestionArea,
    QuestionKind,
)
from app.extensions import db
from tests.factories import make_course, make_registration, make_user
from tests.security.test_properties import (
    accepted,
    any_text,
    assert_escaped,
    assert_plain,
    boxes,
    choices,
    dates,
    fresh,
    get,
    new_client,  # noqa: F401 - the fixture, used by name
    numbers,
    only,
    post,
    posts,
    run,
    snapshot,
    times,
)


def _course(organiser, *, opened: bool = False):
    course = make_course(slug="evaluated", organisers=(organiser,), start=date(2030, 11, 18))
    course.languages = "en,fr"
    evaluation = questionnaire.create_evaluation(course, actor=organiser)
    if opened:
        evaluation.closes_on = date(2099, 1, 1)
        opening.open_evaluation(
            evaluation, actor=organiser, now=datetime(2030, 11, 22, 9, 0, tzinfo=UTC)
        )
    return course, evaluation


SETTINGS = {
    "is_anonymous": "y",
    "required_for_certificate": "y",
    "opens_at_time": "15:00",
    "closes_on": "2030-12-06",
    "reminder_days_before_close": "3",
}


@run(
    posts(
        SETTINGS,
        structural={
            "is_anonymous": boxes,
            "required_for_certificate": boxes,
            "opens_at_time": times,
            "closes_on": dates,
            "reminder_days_before_close": numbers,
        },
        broken=3,
    ),
    {**SETTINGS, "closes_on": "9999-12-31", "reminder_days_before_close": "30"},
    {**SETTINGS, "closes_on": "2030-11-21", "reminder_days_before_close": "0"},
)
def test_settings(new_client, data):  # noqa: F811
    fresh()
    organiser = make_user(Role.ORGANISER)
    course, _evaluation = _course(organiser)
    client = new_client(organiser)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/evaluation/settings", data)
    if accepted(response, before):
        evaluation = only(Evaluation)
        assert 1 <= evaluation.reminder_days_before_close <= services.MAX_REMINDER_DAYS
        assert evaluation.closes_on is None or evaluation.closes_on >= course.end_date
        get(client, f"/courses/{course.slug}/evaluation")


QUESTION = {
    "kind": "rating",
    "is_required": "y",
    "label_en": "How useful was the <study> visit?",
    "help_en": "The Thursday visit.\r\nPorta Palazzo & co.",
    "label_fr": "La visite était-elle utile ?",
    "help_fr": "",
}


def _check_question_shown(client, course, question: EvaluationQuestion) -> None:
    for text in question.texts:
        assert_plain(text.label)
        assert_plain(text.help_text, multiline=True)
    html = get(client, f"/courses/{course.slug}/evaluation")
    assert_escaped(html, question.label("en"))
    form = get(client, f"/courses/{course.slug}/evaluation/questions/{question.id}/edit")
    for text in question.texts:
        assert_escaped(form, text.label)


question_posts = posts(
    QUESTION,
    free=("label_en", "help_en", "label_fr", "help_fr"),
    structural={"kind": choices("rating", "text"), "is_required": boxes},
)


@run(question_posts, {**QUESTION, "label_en": "x" * 5000, "help_fr": "y" * 5000})
def test_question_new(new_client, data):  # noqa: F811
    fresh()
    organiser = make_user(Role.ORGANISER)
    course, _evaluation = _course(organiser)
    client = new_client(organiser)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/evaluation/questions/new", data)
    if accepted(response, before):
        question = db.session.scalar(
            sa.select(EvaluationQuestion).where(EvaluationQuestion.area == QuestionArea.CUSTOM)
        )
        assert question is not None
        _check_question_shown(client, course, question)


@run(question_posts)
def test_question_edit(new_client, data):  # noqa: F811
    fresh()
    organiser = make_user(Role.ORGANISER)
    course, evaluation = _course(organiser)
    question = services.questions_in_order(evaluation)[0]
    client = new_client(organiser)
    before = snapshot()
    url = f"/courses/{course.slug}/evaluation/questions/{question.id}/edit"
    response = post(client, url, data)
    if accepted(response, before):
        _check_question_shown(client, course, db.session.get(EvaluationQuestion, question.id))


ratings = st.one_of(choices("1", "2", "3", "4", "5"), st.just(""))
# By position: the four ratings and the open answer.
ANSWERS = {"r0": "5", "r1": "4", "r2": "3", "r3": "1", "r4": "More time for the study visit."}


# The template's questions of a course without modules, by position: four ratings and the open
# question (ids differ per example, so the drawn values are given by position).
TEMPLATE = [QuestionKind.RATING] * 4 + [QuestionKind.TEXT]


@run(
    posts(
        ANSWERS,
        free=("r4",),
        structural={f"r{i}": st.one_of(ratings, any_text) for i in range(4)},
    ).map(lambda post: [post.get(f"r{i}", "") for i in range(5)]),
    ["5", "1", "3", "4", "x" * 5001],
    ["5", "1", "3", "4", "Plus de <b>pauses</b>\r\nMerci & à bientôt"],
)
def test_answers(new_client, data):  # noqa: F811
    fresh()
    organiser = make_user(Role.ORGANISER)
    course, evaluation = _course(organiser, opened=True)
    ana = make_registration(course)
    questions = services.questions_in_order(evaluation)
    assert [q.kind for q in questions] == TEMPLATE
    client = new_client(ana.user)
    before = snapshot()
    posted = {f"q{q.id}": value for q, value in zip(questions, data, strict=True)}
    response = post(client, f"/courses/{course.slug}/evaluation/answer", posted)
    if accepted(response, before):
        answers = list(db.session.scalars(sa.select(EvaluationAnswer)))
        for answer in answers:
            assert answer.rating is None or 1 <= answer.rating <= 5
            assert_plain(answer.text, multiline=True)
        assert services.has_completed(ana)
        html = get(client, f"/courses/{course.slug}/evaluation/answer")
        assert "Thank you" in html
    else:
        assert not services.has_completed(ana)
