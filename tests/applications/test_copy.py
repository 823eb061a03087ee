""" "Copy as a new edition" copies the questions asked, with their texts and options, and
leaves the answers (and what was retired) behind."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.applications import answering, services
from app.applications.models import Answer, ApplicationQuestion, QuestionKind
from app.applications.options import OptionData
from app.applications.services import TextData
from app.courses import editions
from app.courses.models import Course
from app.extensions import db
from app.registration.models import RegistrationStatus
from tests.applications.conftest import REGIONS, add_question, rows_of, same_as
from tests.conftest import login
from tests.factories import make_registration

K = QuestionKind


@pytest.fixture
def asked(course, organiser):
    region = add_question(
        course,
        K.SINGLE_CHOICE,
        "Which region do you work in?",
        fr="Dans quelle région travaillez-vous ?",
        help_text="Your employer's region.",
        is_required=True,
        options=[OptionData({"en": "Africa", "fr": "Afrique"}), *REGIONS[1:]],
    )
    years = add_question(course, K.NUMBER, "Years of experience", min_value=2, max_value=40)
    cv = add_question(course, K.FILE, "Your CV", max_size_mb=5)
    retired = add_question(course, K.YES_NO, "Have you been to Turin?")
    services.retire_question(retired, actor=organiser)
    rows = rows_of(region, Europe={"is_retired": True})
    services.update_question(region, same_as(region, options=rows), actor=organiser)
    return {"region": region, "years": years, "cv": cv, "retired": retired}


def copy(course, organiser) -> Course:
    return editions.copy_as_new_edition(
        course, course.start_date + timedelta(weeks=52), slug=None, actor=organiser
    )


def test_the_new_edition_asks_the_same_questions_in_order(course, organiser, asked):
    new = copy(course, organiser)
    copied = services.questions_in_order(new)
    assert [(q.position, q.kind, q.label("en")) for q in copied] == [
        (0, K.SINGLE_CHOICE, "Which region do you work in?"),
        (1, K.NUMBER, "Years of experience"),
        (2, K.FILE, "Your CV"),
    ]
    assert {q.course_id for q in copied} == {new.id}


def test_the_copies_keep_their_texts_and_settings(course, organiser, asked):
    region, years, cv = services.questions_in_order(copy(course, organiser))
    assert {(t.locale, t.label, t.help_text) for t in region.texts} == {
        ("en", "Which region do you work in?", "Your employer's region."),
        ("fr", "Dans quelle région travaillez-vous ?", ""),
    }
    assert region.is_required is True
    assert (years.min_value, years.max_value, years.is_required) == (2, 40, False)
    assert cv.max_size_mb == 5


def test_the_copies_keep_the_options_offered(course, organiser, asked):
    region = services.questions_in_order(copy(course, organiser))[0]
    assert [(o.position, o.label("en"), o.label("fr")) for o in region.options] == [
        (0, "Africa", "Afrique"),
        (1, "Americas", "Americas"),
        (2, "Asia and the Pacific", "Asia and the Pacific"),
    ]
    assert not any(o.is_retired for o in region.options)


def test_retired_questions_stay_with_the_old_edition(course, organiser, asked):
    new = copy(course, organiser)
    labels = [q.label("en") for q in services.questions_in_order(new)]
    assert "Have you been to Turin?" not in labels
    assert services.questions_in_order(course)[-1] == asked["retired"]


def test_the_answers_stay_with_the_old_edition(course, organiser, asked, ana):
    registration = make_registration(course, ana, status=RegistrationStatus.SUBMITTED)
    region = asked["region"]
    answering.update_answers(
        registration,
        {region.id: str(region.options[0].id), asked["years"].id: "12"},
        actor=ana,
    )
    new = copy(course, organiser)
    assert services.answer_counts(new) == {}
    assert services.answer_counts(course) == {region.id: 1, asked["years"].id: 1}


def test_the_copies_are_questions_of_their_own(course, organiser, asked):
    new = copy(course, organiser)
    copied = services.questions_in_order(new)[0]
    assert copied.id != asked["region"].id
    assert {o.id for o in copied.options}.isdisjoint({o.id for o in asked["region"].options})
    services.update_question(
        copied,
        same_as(copied, texts={"en": TextData("Region of your employer")}),
        actor=organiser,
    )
    db.session.expire_all()
    assert asked["region"].label("en") == "Which region do you work in?"


def test_a_course_without_questions_copies_none(course, organiser):
    new = copy(course, organiser)
    assert services.questions_in_order(new) == []
    total = db.session.scalar(sa.select(sa.func.count()).select_from(ApplicationQuestion))
    assert total == 2  # the neighbour's own


def test_the_copy_page_carries_the_questions(client, course, organiser, asked):
    db.session.commit()
    login(client, organiser)
    response = client.post(
        f"/courses/{course.slug}/copy",
        data={"start_date": (course.start_date + timedelta(weeks=52)).isoformat(), "slug": ""},
    )
    assert response.status_code == 302
    new = db.session.scalar(sa.select(Course).where(Course.edition_of_id == course.id))
    assert len(services.questions_in_order(new)) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 6  # neighbour's


def test_a_retired_question_first_in_the_list_holds_back_only_itself(course, organiser, asked):
    services.move_question(asked["retired"], "up", actor=organiser)
    services.move_question(asked["retired"], "up", actor=organiser)
    services.move_question(asked["retired"], "up", actor=organiser)
    assert services.questions_in_order(course)[0] == asked["retired"]
    new = copy(course, organiser)
    assert [(q.position, q.label("en")) for q in services.questions_in_order(new)] == [
        (0, "Which region do you work in?"),
        (1, "Years of experience"),
        (2, "Your CV"),
    ]
