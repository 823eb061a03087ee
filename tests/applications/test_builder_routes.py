"""The question builder's pages, through the test client, as the Turin workshop's organiser."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.applications import services
from app.applications.models import Answer, ApplicationQuestion, QuestionKind
from app.db import now_utc
from app.extensions import db
from tests.applications.conftest import REGIONS, add_question
from tests.conftest import login
from tests.factories import make_registration

K = QuestionKind


def text_post(label="Which city do you work for?", **extra):
    data = {
        "kind": "short_text",
        "text_en-label": label,
        "text_en-help_text": "",
        "text_fr-label": "",
        "text_fr-help_text": "",
        "text_es-label": "",
        "text_es-help_text": "",
    }
    data.update(extra)
    return data


def choice_post(labels=REGIONS, **extra):
    data = text_post("Which region do you work in?", kind="single_choice")
    for n, label in enumerate(labels):
        data[f"options-{n}-option_id"] = ""
        data[f"options-{n}-label_en"] = label
        data[f"options-{n}-label_fr"] = ""
        data[f"options-{n}-label_es"] = ""
    data.update(extra)
    return data


def edit_post(question, **extra):
    """The edit form as the page sends it back unchanged."""
    data = text_post(question.label("en"), kind=question.kind.value)
    for text in question.texts:
        data[f"text_{text.locale}-label"] = text.label
        data[f"text_{text.locale}-help_text"] = text.help_text
    if question.is_required:
        data["is_required"] = "y"
    for n, option in enumerate(question.options):
        data[f"options-{n}-option_id"] = str(option.id)
        for text in option.texts:
            data[f"options-{n}-label_{text.locale}"] = text.label
        if option.is_retired:
            data[f"options-{n}-is_retired"] = "y"
    data.update(extra)
    return data


def answer(question, registration, value="", options=()):
    stamp = now_utc()
    db.session.add(
        Answer(
            registration=registration,
            question=question,
            value=value,
            options=list(options),
            created_at=stamp,
            updated_at=stamp,
        )
    )
    db.session.flush()


@pytest.fixture
def as_organiser(client, course, organiser):
    db.session.commit()
    return login(client, organiser)


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# --- the list ----------------------------------------------------------------------------------


def test_the_list_shows_the_questions_in_order_with_their_kind(as_organiser, course):
    add_question(course, K.YES_NO, "Do you need a visa?", is_required=True)
    add_question(course, K.NUMBER, "Years of experience", min_value=2, max_value=40)
    db.session.commit()
    html = page(as_organiser, f"/courses/{course.slug}/questions")
    assert html.index("Do you need a visa?") < html.index("Years of experience")
    assert "From 2 to 40" in html
    assert "Required" in html


def test_the_list_is_a_tab_of_the_course_s_management_pages(as_organiser, course):
    html = page(as_organiser, f"/courses/{course.slug}/edit")
    assert f'href="/courses/{course.slug}/questions"' in html


def test_the_list_shows_texts_in_the_viewer_s_language_else_the_main_one(client, course, organiser):
    add_question(course, label="Which city?", fr="Quelle ville ?")
    add_question(course, K.YES_NO, "Do you need a visa?")
    organiser.locale = "fr"
    db.session.commit()
    html = page(login(client, organiser), f"/courses/{course.slug}/questions")
    assert "Quelle ville ?" in html
    assert '<span lang="en">Do you need a visa?</span>' in html


def test_an_answered_question_offers_retire_not_delete(as_organiser, course, ana):
    question = add_question(course, K.YES_NO, "Do you need a visa?")
    answer(question, make_registration(course, ana), "yes")
    db.session.commit()
    html = page(as_organiser, f"/courses/{course.slug}/questions")
    assert f"/questions/{question.id}/delete" not in html
    assert f"/questions/{question.id}/retire" in html
    assert "Answered by 1 applicant: it cannot be deleted with the answer." in html


def test_an_unanswered_question_can_be_deleted_from_the_list(as_organiser, course):
    question = add_question(course, K.YES_NO, "Do you need a visa?")
    db.session.commit()
    html = page(as_organiser, f"/courses/{course.slug}/questions")
    assert f"/questions/{question.id}/delete" in html


def test_file_questions_show_their_size(as_organiser, course):
    add_question(course, K.FILE, "Your CV")
    db.session.commit()
    html = page(as_organiser, f"/courses/{course.slug}/questions")
    assert "Up to 10 MB" in html


# --- adding ------------------------------------------------------------------------------------


def test_the_new_page_shows_the_settings_of_the_kind_asked(as_organiser, course):
    html = page(as_organiser, f"/courses/{course.slug}/questions/new?kind=number")
    assert 'name="min_value"' in html and 'name="max_value"' in html
    assert 'name="options-0-label_en"' not in html
    html = page(as_organiser, f"/courses/{course.slug}/questions/new?kind=multiple_choice")
    assert 'name="options-2-label_en"' in html
    assert 'name="min_value"' not in html


def test_an_unknown_kind_is_not_found(as_organiser, course):
    assert as_organiser.get(f"/courses/{course.slug}/questions/new?kind=essay").status_code == 404


def test_a_question_is_added_and_the_list_shown(as_organiser, course):
    response = as_organiser.post(
        f"/courses/{course.slug}/questions/new", data=text_post(is_required="y")
    )
    [question] = services.questions_in_order(course)
    assert response.headers["Location"].endswith(
        f"/courses/{course.slug}/questions#question-{question.id}"
    )
    assert (question.kind, question.is_required, question.label("en")) == (
        K.SHORT_TEXT,
        True,
        "Which city do you work for?",
    )
    assert "The question “Which city do you work for?” was added." in page(
        as_organiser, f"/courses/{course.slug}/questions"
    )


def test_a_choice_question_is_added_with_its_options(as_organiser, course):
    data = choice_post(["Africa", "Europe", ""], **{"options-1-label_fr": "Europe (UE)"})
    as_organiser.post(f"/courses/{course.slug}/questions/new", data=data)
    [question] = services.questions_in_order(course)
    assert [o.label("fr") for o in question.options] == ["Africa", "Europe (UE)"]


def test_a_missing_label_is_said_beside_the_field_and_values_are_kept(as_organiser, course):
    data = text_post("", **{"text_fr-label": "Quelle ville ?", "text_fr-help_text": "<b>Ville</b>"})
    response = as_organiser.post(f"/courses/{course.slug}/questions/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert services.questions_in_order(course) == []
    assert 'class="form-errors"' in html
    assert '<ul class="errors" id="text_en-label-errors">' in html
    assert "Give the question in the course's main language (English)." in html
    assert 'value="Quelle ville ?"' in html
    assert "&lt;b&gt;Ville&lt;/b&gt;" in html


def test_too_few_options_are_said_above_the_form(as_organiser, course):
    response = as_organiser.post(
        f"/courses/{course.slug}/questions/new", data=choice_post(["Africa"])
    )
    html = response.get_data(as_text=True)
    assert "Give at least 2 options that applicants can choose." in html
    assert 'value="Africa"' in html


def test_the_main_language_is_asked_first(as_organiser, course):
    course.default_locale = "es"
    db.session.commit()
    html = page(as_organiser, f"/courses/{course.slug}/questions/new")
    assert html.index('name="text_es-label"') < html.index('name="text_en-label"')


# --- editing -----------------------------------------------------------------------------------


def test_the_edit_page_is_filled_in(as_organiser, course):
    question = add_question(
        course, K.SINGLE_CHOICE, "Region", fr="Région", options=REGIONS, is_required=True
    )
    db.session.commit()
    html = page(as_organiser, f"/courses/{course.slug}/questions/{question.id}/edit")
    assert 'value="Région"' in html
    assert 'value="Asia and the Pacific"' in html
    assert f'value="{question.options[3].id}"' in html
    assert 'checked id="is_required"' in html
    # Three empty rows for new options.
    assert 'name="options-6-label_en"' in html
    assert 'name="options-7-label_en"' not in html


def test_a_question_is_changed(as_organiser, course):
    question = add_question(course, label="Which city?")
    db.session.commit()
    data = edit_post(question, **{"text_en-label": "Which city or region?"})
    response = as_organiser.post(f"/courses/{course.slug}/questions/{question.id}/edit", data=data)
    assert response.status_code == 302
    assert question.label("en") == "Which city or region?"


def test_an_answered_question_s_page_says_why_its_kind_is_fixed(as_organiser, course, ana):
    question = add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS)
    answer(question, make_registration(course, ana), options=[question.options[0]])
    db.session.commit()
    html = page(as_organiser, f"/courses/{course.slug}/questions/{question.id}/edit")
    assert "1 applicant has answered this question. Its kind can no longer change" in html
    assert '<select id="kind"' not in html
    assert "chosen by 1 applicant" in html
    # The chosen option can be retired, not removed; the others can be removed.
    assert 'name="options-0-remove"' not in html
    assert 'name="options-0-is_retired"' in html
    assert 'name="options-1-remove"' in html


def test_a_crafted_kind_change_of_an_answered_question_is_refused(as_organiser, course, ana):
    question = add_question(course, K.SHORT_TEXT, "City")
    answer(question, make_registration(course, ana), "Recife")
    db.session.commit()
    data = edit_post(question, kind="long_text")
    response = as_organiser.post(f"/courses/{course.slug}/questions/{question.id}/edit", data=data)
    assert response.status_code == 200
    assert "so its kind cannot change" in response.get_data(as_text=True)
    db.session.refresh(question)
    assert question.kind == K.SHORT_TEXT


def test_removing_a_chosen_option_is_refused_beside_it(as_organiser, course, ana):
    question = add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS)
    answer(question, make_registration(course, ana), options=[question.options[1]])
    db.session.commit()
    data = edit_post(question, **{"options-1-remove": "y"})
    response = as_organiser.post(f"/courses/{course.slug}/questions/{question.id}/edit", data=data)
    html = response.get_data(as_text=True)
    assert '<ul class="errors" id="options-1-remove-errors">' in html
    assert "1 applicant chose this option, so it cannot be removed." in html
    assert len(question.options) == 4


def test_a_chosen_option_is_retired_from_the_page(as_organiser, course, ana):
    question = add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS)
    answer(question, make_registration(course, ana), options=[question.options[1]])
    db.session.commit()
    data = edit_post(question, **{"options-1-is_retired": "y"})
    as_organiser.post(f"/courses/{course.slug}/questions/{question.id}/edit", data=data)
    assert [o.is_retired for o in question.options] == [False, True, False, False]


def test_a_posted_option_id_that_names_nothing_is_refused(as_organiser, course):
    question = add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS)
    db.session.commit()
    data = edit_post(question, **{"options-0-option_id": "²"})
    response = as_organiser.post(f"/courses/{course.slug}/questions/{question.id}/edit", data=data)
    assert "This option is not one of the question's options." in response.get_data(as_text=True)


def test_another_course_s_question_is_not_found(as_organiser, course, neighbour):
    theirs = db.session.scalar(
        sa.select(ApplicationQuestion).where(ApplicationQuestion.course_id == neighbour.course_id)
    )
    for path in ("edit",):
        url = f"/courses/{course.slug}/questions/{theirs.id}/{path}"
        assert as_organiser.get(url).status_code == 404
    for path in ("move", "retire", "restore", "delete"):
        url = f"/courses/{course.slug}/questions/{theirs.id}/{path}"
        assert as_organiser.post(url, data={"direction": "up"}).status_code == 404


# --- order, retiring, deleting -----------------------------------------------------------------


def test_a_question_moves_down_from_the_list(as_organiser, course):
    first = add_question(course, label="City")
    second = add_question(course, K.YES_NO, "Visa?")
    db.session.commit()
    response = as_organiser.post(
        f"/courses/{course.slug}/questions/{first.id}/move", data={"direction": "down"}
    )
    assert response.headers["Location"].endswith(f"#question-{first.id}")
    assert services.questions_in_order(course) == [second, first]


def test_a_move_without_a_direction_is_a_bad_request(as_organiser, course):
    question = add_question(course, label="City")
    db.session.commit()
    url = f"/courses/{course.slug}/questions/{question.id}/move"
    assert as_organiser.post(url, data={"direction": "sideways"}).status_code == 400


def test_a_question_is_retired_then_asked_again(as_organiser, course):
    question = add_question(course, K.YES_NO, "Visa?")
    db.session.commit()
    as_organiser.post(f"/courses/{course.slug}/questions/{question.id}/retire")
    assert question.is_retired is True
    html = page(as_organiser, f"/courses/{course.slug}/questions")
    assert "“Visa?” is retired: new applicants no longer see it; its answers are kept." in html
    as_organiser.post(f"/courses/{course.slug}/questions/{question.id}/restore")
    assert question.is_retired is False
    assert "“Visa?” is asked again." in page(as_organiser, f"/courses/{course.slug}/questions")


def test_a_question_is_deleted(as_organiser, course):
    question = add_question(course, K.YES_NO, "Visa?")
    db.session.commit()
    question_id = question.id
    response = as_organiser.post(f"/courses/{course.slug}/questions/{question_id}/delete")
    assert response.headers["Location"].endswith(f"/courses/{course.slug}/questions")
    assert db.session.get(ApplicationQuestion, question_id) is None
    assert "The question “Visa?” was deleted." in page(
        as_organiser, f"/courses/{course.slug}/questions"
    )


def test_deleting_an_answered_question_says_why_not(as_organiser, course, ana):
    question = add_question(course, K.YES_NO, "Visa?")
    answer(question, make_registration(course, ana), "yes")
    db.session.commit()
    as_organiser.post(f"/courses/{course.slug}/questions/{question.id}/delete")
    assert db.session.get(ApplicationQuestion, question.id) is not None
    html = page(as_organiser, f"/courses/{course.slug}/questions")
    assert "1 applicant has answered this question, so it cannot be deleted with the answer." in (
        html
    )
