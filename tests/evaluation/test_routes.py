"""The evaluation's pages through HTTP: the organisers' editor and the participant's form."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.courses.models import CourseKind
from app.evaluation import opening, questionnaire, services
from app.evaluation.answering import submit_answers
from app.evaluation.models import Evaluation, EvaluationCompletion, QuestionArea
from app.extensions import db
from app.registration.models import RegistrationStatus
from tests.conftest import login
from tests.evaluation.conftest import rating_answers
from tests.factories import make_course, make_registration, make_user


@pytest.fixture
def organiser_client(client, workshop):
    db.session.commit()
    return login(client, workshop.organiser)


def _editor(workshop) -> str:
    return f"/courses/{workshop.course.slug}/evaluation"


def _evaluation(workshop) -> Evaluation:
    db.session.expire_all()
    return services.evaluation_for(workshop.course)


def test_organisers_set_it_up_from_the_template(organiser_client, workshop):
    page = organiser_client.get(_editor(workshop)).get_data(as_text=True)
    assert "Set up the evaluation" in page
    response = organiser_client.post(f"{_editor(workshop)}/create")
    assert response.status_code == 302
    evaluation = _evaluation(workshop)
    assert len(evaluation.questions) == 8
    assert evaluation.created_by_id == workshop.organiser.id
    page = organiser_client.get(_editor(workshop)).get_data(as_text=True)
    assert "Overall, how satisfied are you with the course?" in page
    assert "Migration and local governance" in page
    assert 'aria-current="page"' in page and ">Evaluation<" in page
    # Twice: still one.
    organiser_client.post(f"{_editor(workshop)}/create")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation)) == 2


def test_settings_errors_show_beside_their_fields(organiser_client, workshop):
    questionnaire.create_evaluation(workshop.course, actor=None)
    db.session.commit()
    response = organiser_client.post(
        f"{_editor(workshop)}/settings",
        data={"closes_on": "2017-11-20", "reminder_days_before_close": "3"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="closes_on-errors">\s*<li>The evaluation cannot close before', page)
    response = organiser_client.post(
        f"{_editor(workshop)}/settings", data={"reminder_days_before_close": "0"}
    )
    assert response.status_code == 422
    assert 'id="reminder_days_before_close-errors"' in response.get_data(as_text=True)
    response = organiser_client.post(
        f"{_editor(workshop)}/settings",
        data={
            "is_anonymous": "",
            "required_for_certificate": "y",
            "opens_at_time": "15:30",
            "closes_on": "2017-12-01",
            "reminder_days_before_close": "2",
        },
    )
    assert response.status_code == 302
    evaluation = _evaluation(workshop)
    assert (evaluation.is_anonymous, evaluation.required_for_certificate) == (False, True)
    assert evaluation.closes_on == date(2017, 12, 1)
    assert evaluation.opens_at_time.hour == 15


def test_add_edit_move_and_remove_a_question(organiser_client, workshop):
    questionnaire.create_evaluation(workshop.course, actor=None)
    db.session.commit()
    form = organiser_client.get(f"{_editor(workshop)}/questions/new").get_data(as_text=True)
    assert "Question (English)" in form and "Question (Français)" in form
    response = organiser_client.post(
        f"{_editor(workshop)}/questions/new",
        data={"kind": "rating", "label_en": "", "label_fr": "Utile ?"},
    )
    assert response.status_code == 422
    assert "Write the question in the course" in response.get_data(as_text=True)
    response = organiser_client.post(
        f"{_editor(workshop)}/questions/new",
        data={
            "kind": "text",
            "is_required": "y",
            "label_en": "What will you do first back at work?",
            "help_en": "One or two sentences.",
        },
    )
    assert response.status_code == 302
    evaluation = _evaluation(workshop)
    added = services.questions_in_order(evaluation)[-1]
    assert (added.area, added.is_required) == (QuestionArea.CUSTOM, True)
    assert response.headers["Location"].endswith(f"#question-{added.id}")

    base = f"{_editor(workshop)}/questions/{added.id}"
    assert "What will you do first" in organiser_client.get(f"{base}/edit").get_data(as_text=True)
    organiser_client.post(
        f"{base}/edit", data={"kind": "rating", "label_en": "How ready are you?", "label_fr": ""}
    )
    organiser_client.post(f"{base}/move", data={"direction": "up"})
    evaluation = _evaluation(workshop)
    moved = services.questions_in_order(evaluation)[-2]
    assert (moved.id, moved.label("en"), moved.is_required) == (
        added.id,
        "How ready are you?",
        False,
    )
    assert organiser_client.post(f"{base}/move", data={"direction": "left"}).status_code == 400
    organiser_client.post(f"{base}/delete")
    assert len(_evaluation(workshop).questions) == 8
    assert organiser_client.get(f"{_editor(workshop)}/questions/999999/edit").status_code == 404


def test_once_open_the_editor_refuses_changes_and_says_why(organiser_client, workshop):
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None)
    evaluation.closes_on = date(2099, 1, 1)
    opening.open_evaluation(evaluation, actor=None, now=services.opens_at(evaluation))
    first = services.questions_in_order(evaluation)[0]
    db.session.commit()
    response = organiser_client.get(f"{_editor(workshop)}/questions/new", follow_redirects=True)
    assert "can no longer change" in response.get_data(as_text=True)
    organiser_client.post(f"{_editor(workshop)}/questions/{first.id}/delete")
    assert len(_evaluation(workshop).questions) == 8
    page = organiser_client.get(_editor(workshop)).get_data(as_text=True)
    assert "Add a question" not in page and "Close now" in page
    organiser_client.post(f"{_editor(workshop)}/close")
    assert _evaluation(workshop).closed_by_id == workshop.organiser.id
    organiser_client.post(f"{_editor(workshop)}/open")
    assert _evaluation(workshop).is_open


def test_facilitators_and_events(client, workshop):
    questionnaire.create_evaluation(workshop.course, actor=None)
    panel = make_course(slug="panel", organisers=(workshop.organiser,))
    panel.kind = CourseKind.PANEL
    db.session.commit()
    login(client, workshop.facilitator)
    assert client.get(_editor(workshop)).status_code == 403
    login(client, workshop.organiser)
    assert client.get("/courses/panel/evaluation").status_code == 404


# --- the participant -------------------------------------------------------------------------


@pytest.fixture
def open_evaluation(workshop) -> Evaluation:
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None)
    evaluation.closes_on = date(2099, 1, 1)
    opening.open_evaluation(evaluation, actor=None, now=services.opens_at(evaluation))
    return evaluation


def test_a_participant_answers_in_their_language_and_then_sees_thanks(
    client, workshop, open_evaluation
):
    claire = make_user(name="Claire", locale="fr")
    make_registration(workshop.course, claire, language="fr")
    db.session.commit()
    login(client, claire)
    url = f"/courses/{workshop.course.slug}/evaluation/answer"
    page = client.get(url).get_data(as_text=True)
    assert "Dans l’ensemble, dans quelle mesure êtes-vous satisfait·e du cours ?" in page
    assert page.count("<fieldset") == 7 and page.count("<legend>") == 7
    assert "1 – Très insuffisant" in page
    first, second = services.questions_in_order(open_evaluation)[:2]
    answers = rating_answers(open_evaluation)
    del answers[f"q{first.id}"]
    response = client.post(url, data=answers)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(rf'id="q{first.id}-errors">\s*<li>Choisissez une note\.', page)
    assert f'id="q{second.id}-errors"' not in page
    # What she had chosen stays chosen.
    assert re.search(
        rf'<input checked id="q{second.id}-3" name="q{second.id}" [^>]*value="4"', page
    )

    response = client.post(url, data=rating_answers(open_evaluation, 5, "Plus de pauses."))
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Merci : vous avez répondu le" in page
    assert "Envoyer mes réponses" not in page
    # A second post changes nothing.
    client.post(url, data=rating_answers(open_evaluation, 1))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvaluationCompletion)) == 2


def test_who_may_answer(client, workshop, open_evaluation, neighbour):
    url = f"/courses/{workshop.course.slug}/evaluation/answer"
    waiting = make_registration(workshop.course, status=RegistrationStatus.WAITLISTED)
    db.session.commit()
    for user in (
        waiting.user,
        workshop.facilitator,
        workshop.organiser,
        neighbour.registrations[1].user,
    ):
        login(client, user)
        assert client.get(url).status_code == 403
        assert client.post(url, data=rating_answers(open_evaluation)).status_code == 403


def test_before_opening_and_after_closing(client, workshop):
    ana = make_registration(workshop.course)
    db.session.commit()
    login(client, ana.user)
    url = f"/courses/{workshop.course.slug}/evaluation/answer"
    assert "opens on the last on-site day" in client.get(url).get_data(as_text=True)
    evaluation = questionnaire.create_evaluation(workshop.course, actor=None)
    db.session.commit()
    assert client.post(url, data=rating_answers(evaluation)).status_code == 302
    evaluation.closes_on = date(2099, 1, 1)
    opening.open_evaluation(evaluation, actor=None, now=services.opens_at(evaluation))
    opening.close_evaluation(evaluation, actor=None, now=services.opens_at(evaluation))
    db.session.commit()
    assert "has closed" in client.get(url).get_data(as_text=True)
    client.post(url, data=rating_answers(evaluation))
    assert not services.has_completed(ana)


def test_my_courses_links_to_the_open_evaluation(client, workshop, open_evaluation):
    ana = make_registration(workshop.course)
    db.session.commit()
    login(client, ana.user)
    page = client.get("/my/courses").get_data(as_text=True)
    assert f'href="/courses/{workshop.course.slug}/evaluation/answer"' in page


def test_my_work_links_to_the_open_evaluation_until_answered(client, workshop, open_evaluation):
    ana = make_registration(workshop.course)
    db.session.commit()
    login(client, ana.user)
    link = f'href="/courses/{workshop.course.slug}/evaluation/answer"'
    assert link in client.get(f"/courses/{workshop.course.slug}/followup/mine").get_data(
        as_text=True
    )
    client.post(
        f"/courses/{workshop.course.slug}/evaluation/answer",
        data=rating_answers(open_evaluation),
    )
    page = client.get(f"/courses/{workshop.course.slug}/followup/mine").get_data(as_text=True)
    assert link not in page


def test_the_editor_counts_answers_of_confirmed_participants_only(
    organiser_client, workshop, open_evaluation, neighbour
):
    """Three confirmed participants (two named Awa Diouf), two answer, then one of those two
    cancels: 1 of 2, not 2 of 3 nor 2 of 2. A waitlisted applicant counts in neither."""
    evaluation = open_evaluation
    first, second, third = (
        make_registration(workshop.course, make_user(name=name))
        for name in ("Awa Diouf", "Awa Dioufa", "Bruno Souza")
    )
    make_registration(
        workshop.course, make_user(name="Awa Diouf"), status=RegistrationStatus.WAITLISTED
    )
    db.session.flush()
    submit_answers(evaluation, first, rating_answers(evaluation))
    submit_answers(evaluation, second, rating_answers(evaluation))
    db.session.commit()
    page = organiser_client.get(_editor(workshop)).get_data(as_text=True)
    assert "Answered: 2 of 3 confirmed participants." in page

    second.status = RegistrationStatus.CANCELLED
    db.session.commit()
    page = organiser_client.get(_editor(workshop)).get_data(as_text=True)
    assert "Answered: 1 of 2 confirmed participants." in page
    assert services.answered_tally(workshop.course) == (1, 2)
    assert third.id not in services.completed_registration_ids(workshop.course)
