"""An applicant's answers on "My courses", and changing them while the application is
undecided."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.applications import answering
from app.applications.models import Answer, QuestionKind
from app.extensions import db
from app.registration.models import RegistrationEvent, RegistrationStatus
from tests.applications.conftest import REGIONS, add_question
from tests.conftest import login
from tests.factories import make_registration
from tests.registration.conftest import open_course

K = QuestionKind
S = RegistrationStatus


@pytest.fixture
def asked(course):
    return {
        "city": add_question(course, K.SHORT_TEXT, "Which city?", is_required=True),
        "region": add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS),
        "years": add_question(course, K.NUMBER, "Years of experience", max_value=40),
    }


@pytest.fixture
def applied(course, asked, ana):
    registration = make_registration(course, ana, status=S.SUBMITTED)
    answering.update_answers(
        registration,
        {asked["city"].id: "Recife", asked["region"].id: str(asked["region"].options[2].id)},
        actor=ana,
    )
    db.session.commit()
    return registration


@pytest.fixture
def as_ana(client, ana):
    db.session.commit()
    return login(client, ana)


def url(registration) -> str:
    return f"/my/registrations/{registration.id}/answers"


def post_data(asked, **values):
    data = {f"question_{asked['city'].id}": "Recife"}
    data.update({f"question_{asked[key].id}": value for key, value in values.items()})
    return data


def value_of(registration, question):
    return db.session.scalar(
        sa.select(Answer.value).where(
            Answer.registration_id == registration.id, Answer.question_id == question.id
        )
    )


# --- My courses --------------------------------------------------------------------------------


def test_my_courses_shows_my_answers(as_ana, applied):
    html = as_ana.get("/my/courses").get_data(as_text=True)
    assert "Your answers to the course&#39;s questions" in html or (
        "Your answers to the course's questions" in html
    )
    assert "<dt>Which city?</dt>" in html and "<dd>Recife</dd>" in html
    assert "<dd>Asia and the Pacific</dd>" in html


def test_an_undecided_application_offers_to_change_the_answers(as_ana, applied):
    html = as_ana.get("/my/courses").get_data(as_text=True)
    assert f'href="{url(applied)}"' in html


@pytest.mark.parametrize("status", [S.CONFIRMED, S.REJECTED, S.CANCELLED])
def test_a_decided_application_does_not(as_ana, applied, status):
    applied.status = status
    db.session.commit()
    assert f'href="{url(applied)}"' not in as_ana.get("/my/courses").get_data(as_text=True)


def test_a_course_without_questions_does_not(as_ana, ana):
    registration = make_registration(open_course(), ana, status=S.SUBMITTED)
    db.session.commit()
    assert url(registration) not in as_ana.get("/my/courses").get_data(as_text=True)


def test_my_courses_reads_answers_in_a_fixed_number_of_queries(
    as_ana, course, asked, ana, organiser
):
    from tests.courses.test_query_counts import count_queries

    def count() -> int:
        as_ana.get("/my/courses")
        with count_queries() as statements:
            assert as_ana.get("/my/courses").status_code == 200
        return len(statements)

    first = make_registration(course, ana, status=S.SUBMITTED)
    answering.update_answers(first, {asked["city"].id: "Recife"}, actor=ana)
    db.session.commit()
    ana_id, organiser_id = ana.id, organiser.id
    one = count()
    ana, organiser = db.session.get(User, ana_id), db.session.get(User, organiser_id)
    for _n in range(3):
        other = open_course()
        question = add_question(other, K.SHORT_TEXT, "City", actor=organiser)
        registration = make_registration(other, ana, status=S.SUBMITTED)
        answering.update_answers(registration, {question.id: "Quito"}, actor=ana)
    db.session.commit()
    assert count() == one


# --- changing them -----------------------------------------------------------------------------


def test_the_page_shows_my_answers_to_change(as_ana, applied, asked):
    html = as_ana.get(url(applied)).get_data(as_text=True)
    assert 'value="Recife"' in html
    assert f'checked id="question_{asked["region"].id}-2"' in html


def test_changed_answers_are_saved(as_ana, applied, asked):
    response = as_ana.post(url(applied), data=post_data(asked, years="12"))
    assert response.headers["Location"].endswith(f"/my/courses#registration-{applied.id}")
    assert value_of(applied, asked["years"]) == "12"
    assert "Your answers are saved." in as_ana.get("/my/courses").get_data(as_text=True)


def test_the_same_answers_are_said_to_change_nothing(as_ana, applied, asked):
    data = post_data(asked, region=str(asked["region"].options[2].id))
    as_ana.post(url(applied), data=data)
    html = as_ana.get("/my/courses").get_data(as_text=True)
    assert "Nothing changed in your answers." in html
    events = db.session.scalars(
        sa.select(RegistrationEvent.action).where(RegistrationEvent.registration_id == applied.id)
    ).all()
    assert events.count("answers_updated") == 1  # the fixture's only


def test_a_refused_answer_is_said_beside_it_and_nothing_changes(as_ana, applied, asked):
    response = as_ana.post(url(applied), data=post_data(asked, city="", years="41"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<ul class="errors" id="question_{asked["years"].id}-errors">' in html
    assert "Enter a number of at most 40." in html and "Answer this question." in html
    assert value_of(applied, asked["city"]) == "Recife"


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_decided_application_sends_me_back_with_why(as_ana, applied, asked, method):
    applied.status = S.CONFIRMED
    db.session.commit()
    response = getattr(as_ana, method)(url(applied), data=post_data(asked, city="Olinda"))
    assert response.headers["Location"].endswith(f"/my/courses#registration-{applied.id}")
    assert value_of(applied, asked["city"]) == "Recife"
    assert (
        "The course team has decided on this application: its answers can no longer change."
        in as_ana.get("/my/courses").get_data(as_text=True)
    )


def test_a_course_without_questions_sends_me_back(as_ana, ana):
    registration = make_registration(open_course(), ana, status=S.SUBMITTED)
    db.session.commit()
    response = as_ana.get(url(registration))
    assert response.status_code == 302
    assert "This course asks no questions of its own." in as_ana.get("/my/courses").get_data(
        as_text=True
    )


def test_someone_else_s_answers_are_not_found(client, applied, ana_sousa, asked):
    db.session.commit()
    login(client, ana_sousa)
    assert client.get(url(applied)).status_code == 404
    assert client.post(url(applied), data=post_data(asked, city="Quito")).status_code == 404
    assert value_of(applied, asked["city"]) == "Recife"


def test_a_retired_option_i_chose_is_still_offered_to_me(as_ana, applied, asked, ana_sousa):
    chosen = asked["region"].options[2]
    chosen.is_retired = True
    db.session.commit()
    assert f'value="{chosen.id}"' in as_ana.get(url(applied)).get_data(as_text=True)
    other = make_registration(applied.course, ana_sousa, status=S.SUBMITTED)
    db.session.commit()
    login(as_ana, ana_sousa)
    assert f'value="{chosen.id}"' not in as_ana.get(url(other)).get_data(as_text=True)
