"""The question builder's rules, called without HTTP: texts, kinds, ranges, options, order,
retiring and deleting."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.applications import answering, options, services
from app.applications.checks import InvalidQuestion, QuestionHasAnswers
from app.applications.models import (
    Answer,
    ApplicationQuestion,
    QuestionKind,
    QuestionOption,
)
from app.applications.options import OptionData
from app.applications.services import TextData
from app.db import now_utc
from app.extensions import db
from app.registration.models import RegistrationStatus
from tests.applications.conftest import REGIONS, add_question, question_data, rows_of, same_as
from tests.factories import make_registration, make_user

K = QuestionKind


def errors_of(excinfo: pytest.ExceptionInfo) -> dict[str | None, list[str]]:
    return {name: [str(m) for m in messages] for name, messages in excinfo.value.errors.items()}


def answer(question, registration, value="", options=()):
    stamp = now_utc()
    row = Answer(
        registration=registration,
        question=question,
        value=value,
        options=list(options),
        created_at=stamp,
        updated_at=stamp,
    )
    db.session.add(row)
    db.session.flush()
    return row


def create(course, organiser, data):
    return services.create_question(course, data, actor=organiser)


# --- adding -----------------------------------------------------------------------------------


def test_a_new_question_goes_to_the_end_of_the_list(course, organiser):
    first = add_question(course, label="Which city do you work for?")
    second = add_question(course, K.YES_NO, "Do you need a visa?")
    third = add_question(course, K.NUMBER, "Years of experience")
    assert [first.position, second.position, third.position] == [0, 1, 2]
    assert [q.id for q in services.questions_in_order(course)] == [first.id, second.id, third.id]


def test_a_new_question_is_stored_with_its_settings_and_timestamps(course, organiser):
    before = now_utc()
    question = add_question(course, K.YES_NO, "Do you need a visa?", is_required=True)
    assert (question.course_id, question.kind, question.is_required) == (course.id, K.YES_NO, True)
    assert question.is_retired is False
    assert before <= question.created_at <= now_utc()
    assert question.updated_at == question.created_at


def test_texts_are_kept_per_language_without_surrounding_blanks(course, organiser):
    question = add_question(
        course,
        label="  Which city do you work for? ",
        fr=" Pour quelle ville travaillez-vous ?",
        help_text=" The municipality or region.\r\nNot the country. ",
    )
    texts = {t.locale: (t.label, t.help_text) for t in question.texts}
    assert texts == {
        "en": ("Which city do you work for?", "The municipality or region.\nNot the country."),
        "fr": ("Pour quelle ville travaillez-vous ?", ""),
    }


def test_a_missing_translation_falls_back_to_the_course_s_main_language(course, organiser):
    question = add_question(course, label="Which city?", fr="Quelle ville ?")
    assert question.label("fr") == "Quelle ville ?"
    assert question.label("es") == "Which city?"
    course.default_locale = "fr"
    assert question.label("es") == "Quelle ville ?"


def test_the_label_in_the_main_language_is_required(course, organiser):
    data = question_data(label="   ", fr="Quelle ville ?")
    with pytest.raises(InvalidQuestion) as excinfo:
        create(course, organiser, data)
    assert errors_of(excinfo) == {
        "text_en.label": ["Give the question in the course's main language (English)."]
    }
    assert services.questions_in_order(course) == []


def test_the_main_language_is_the_course_s_own(course, organiser):
    course.default_locale = "fr"
    with pytest.raises(InvalidQuestion) as excinfo:
        create(course, organiser, question_data(label="Which city?"))
    assert errors_of(excinfo) == {
        "text_fr.label": ["Give the question in the course's main language (Français)."]
    }


def test_a_help_text_needs_the_question_in_its_language(course, organiser):
    data = question_data(label="Which city?")
    data = services.QuestionData(
        kind=K.SHORT_TEXT,
        texts={**data.texts, "fr": TextData("", "La municipalité.")},
    )
    with pytest.raises(InvalidQuestion) as excinfo:
        create(course, organiser, data)
    assert errors_of(excinfo) == {
        "text_fr.label": ["Give the question in this language too, or leave its help text empty."]
    }


def test_languages_the_site_does_not_offer_are_left_out(course, organiser):
    data = question_data(label="Which city?")
    data = services.QuestionData(
        kind=K.SHORT_TEXT, texts={**data.texts, "de": TextData("Welche Stadt?")}
    )
    question = create(course, organiser, data)
    assert [t.locale for t in question.texts] == ["en"]


def test_a_translation_cleared_is_removed(course, organiser):
    question = add_question(course, label="Which city?", fr="Quelle ville ?")
    texts = {"en": TextData("Which city?"), "fr": TextData("  ")}
    services.update_question(question, same_as(question, texts=texts), actor=organiser)
    assert [(t.locale, t.label) for t in question.texts] == [("en", "Which city?")]


@pytest.mark.parametrize(("length", "ok"), [(299, True), (300, True), (301, False)])
def test_a_label_has_at_most_300_characters(course, organiser, length, ok):
    data = question_data(label="Q" * length)
    if ok:
        assert create(course, organiser, data).label("en") == "Q" * length
        return
    with pytest.raises(InvalidQuestion) as excinfo:
        create(course, organiser, data)
    assert errors_of(excinfo) == {"text_en.label": ["Use at most 300 characters (this has 301)."]}


@pytest.mark.parametrize(("length", "ok"), [(1000, True), (1001, False)])
def test_a_help_text_has_at_most_1000_characters(course, organiser, length, ok):
    data = question_data(help_text="h" * length)
    if ok:
        assert create(course, organiser, data).text("en").help_text == "h" * length
        return
    with pytest.raises(InvalidQuestion) as excinfo:
        create(course, organiser, data)
    assert errors_of(excinfo) == {
        "text_en.help_text": ["Use at most 1000 characters (this has 1001)."]
    }


def test_a_label_is_one_line_of_plain_text(course, organiser):
    with pytest.raises(InvalidQuestion) as excinfo:
        create(course, organiser, question_data(label="Which\ncity?"))
    assert errors_of(excinfo) == {
        "text_en.label": [
            "This text contains line breaks, tabs or invisible control characters. "
            "Type it again on one line."
        ]
    }


def test_a_help_text_takes_line_breaks_but_no_control_characters(course, organiser):
    assert create(course, organiser, question_data(help_text="One.\nTwo.\tThree."))
    with pytest.raises(InvalidQuestion) as excinfo:
        create(course, organiser, question_data(help_text="One.\x00"))
    assert errors_of(excinfo) == {
        "text_en.help_text": [
            "This text contains invisible control characters. Type it again or paste it as "
            "plain text."
        ]
    }


# --- numbers and files ------------------------------------------------------------------------


def test_a_number_question_keeps_its_range(course, organiser):
    question = add_question(course, K.NUMBER, "Years of experience", min_value=0, max_value=40)
    assert (question.min_value, question.max_value) == (0, 40)


def test_a_range_may_be_a_single_number(course, organiser):
    question = add_question(course, K.NUMBER, "Team size", min_value=3, max_value=3)
    assert (question.min_value, question.max_value) == (3, 3)


def test_the_largest_answer_cannot_be_below_the_smallest(course, organiser):
    with pytest.raises(InvalidQuestion) as excinfo:
        add_question(course, K.NUMBER, "Years", min_value=10, max_value=9)
    assert errors_of(excinfo) == {
        "max_value": ["The largest answer cannot be smaller than the smallest."]
    }


@pytest.mark.parametrize(
    ("name", "value", "ok"),
    [
        ("min_value", -(10**9), True),
        ("min_value", -(10**9) - 1, False),
        ("max_value", 10**9, True),
        ("max_value", 10**9 + 1, False),
    ],
)
def test_a_range_stays_within_a_billion(course, organiser, name, value, ok):
    data = question_data(K.NUMBER, "Budget", **{name: value})
    if ok:
        assert getattr(create(course, organiser, data), name) == value
        return
    with pytest.raises(InvalidQuestion) as excinfo:
        create(course, organiser, data)
    assert errors_of(excinfo) == {name: ["Choose a number between minus and plus one billion."]}


def test_only_a_number_question_keeps_a_range(course, organiser):
    question = add_question(course, K.SHORT_TEXT, "City", min_value=1, max_value=-5)
    assert (question.min_value, question.max_value) == (None, None)


def test_a_file_question_takes_10_mb_unless_told(course, organiser):
    question = add_question(course, K.FILE, "Your CV")
    assert question.max_size_mb == 10


@pytest.mark.parametrize(("size", "ok"), [(0, False), (1, True), (100, True), (101, False)])
def test_a_file_question_takes_1_to_100_mb(course, organiser, size, ok):
    data = question_data(K.FILE, "Nomination letter", max_size_mb=size)
    if ok:
        assert create(course, organiser, data).max_size_mb == size
        return
    with pytest.raises(InvalidQuestion) as excinfo:
        create(course, organiser, data)
    assert errors_of(excinfo) == {"max_size_mb": ["Choose a size from 1 to 100 MB."]}


def test_only_a_file_question_keeps_a_size(course, organiser):
    question = add_question(course, K.LONG_TEXT, "Motivation", max_size_mb=0)
    assert question.max_size_mb is None


# --- options ----------------------------------------------------------------------------------


def test_a_choice_question_keeps_its_options_in_order(course, organiser):
    question = add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS)
    assert [(o.position, o.label("en")) for o in question.options] == list(enumerate(REGIONS))


def test_option_labels_are_kept_per_language_and_fall_back(course, organiser):
    rows = [OptionData({"en": " Africa ", "fr": "Afrique"}), OptionData({"en": "Europe"})]
    question = add_question(course, K.SINGLE_CHOICE, "Region", options=rows)
    assert [o.label("fr") for o in question.options] == ["Afrique", "Europe"]


def test_empty_option_rows_are_left_out(course, organiser):
    rows = ["Africa", OptionData({"en": " ", "fr": ""}), "Europe", OptionData({})]
    question = add_question(course, K.MULTIPLE_CHOICE, "Regions", options=rows)
    assert [o.label("en") for o in question.options] == ["Africa", "Europe"]


@pytest.mark.parametrize("kind", [K.SINGLE_CHOICE, K.MULTIPLE_CHOICE])
def test_a_choice_question_offers_at_least_two_options(course, organiser, kind):
    with pytest.raises(InvalidQuestion) as excinfo:
        add_question(course, kind, "Region", options=["Africa"])
    assert errors_of(excinfo) == {
        "options": ["Give at least 2 options that applicants can choose."]
    }


def test_retired_options_do_not_count_as_offered(course, organiser):
    rows = ["Africa", OptionData({"en": "Europe"}, is_retired=True)]
    with pytest.raises(InvalidQuestion) as excinfo:
        add_question(course, K.SINGLE_CHOICE, "Region", options=rows)
    assert list(errors_of(excinfo)) == ["options"]


def test_an_option_needs_a_label_in_the_main_language(course, organiser):
    rows = ["Africa", "Europe", OptionData({"fr": "Asie"})]
    with pytest.raises(InvalidQuestion) as excinfo:
        add_question(course, K.SINGLE_CHOICE, "Region", options=rows)
    assert errors_of(excinfo) == {
        "options.2.label_en": ["Give the option in the course's main language."]
    }


def test_two_options_cannot_share_a_label(course, organiser):
    rows = [OptionData({"en": "Africa", "fr": "Afrique"}), OptionData({"en": "AFRICA "})]
    with pytest.raises(InvalidQuestion) as excinfo:
        add_question(course, K.SINGLE_CHOICE, "Region", options=rows)
    assert errors_of(excinfo) == {"options.1.label_en": ["Another option has this label."]}


def test_options_may_share_a_label_across_languages(course, organiser):
    rows = [OptionData({"en": "Europe", "fr": "Europe"}), OptionData({"en": "Asia", "fr": "Asie"})]
    question = add_question(course, K.SINGLE_CHOICE, "Region", options=rows)
    assert [o.label("fr") for o in question.options] == ["Europe", "Asie"]


@pytest.mark.parametrize(("length", "ok"), [(200, True), (201, False)])
def test_an_option_label_has_at_most_200_characters(course, organiser, length, ok):
    rows = ["Africa", "E" * length]
    if ok:
        question = add_question(course, K.SINGLE_CHOICE, "Region", options=rows)
        assert question.options[1].label("en") == "E" * length
        return
    with pytest.raises(InvalidQuestion) as excinfo:
        add_question(course, K.SINGLE_CHOICE, "Region", options=rows)
    assert errors_of(excinfo) == {
        "options.1.label_en": ["Use at most 200 characters (this has 201)."]
    }


def test_an_option_label_is_one_line(course, organiser):
    with pytest.raises(InvalidQuestion) as excinfo:
        add_question(course, K.SINGLE_CHOICE, "Region", options=["Africa", "Eu\trope"])
    assert list(errors_of(excinfo)) == ["options.1.label_en"]


def test_options_are_not_kept_for_other_kinds(course, organiser):
    question = add_question(course, K.SHORT_TEXT, "City", options=["Africa"])
    assert question.options == []


def test_a_question_without_answers_may_become_another_kind(course, organiser):
    question = add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS)
    services.update_question(question, same_as(question, kind=K.SHORT_TEXT), actor=organiser)
    assert question.kind == K.SHORT_TEXT
    assert question.options == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionOption)) == len(
        REGIONS
    )  # the neighbour's four only


def test_a_new_option_is_added_after_the_others(course, organiser):
    question = add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS[:2])
    rows = [*rows_of(question), OptionData({"en": "Europe"})]
    services.update_question(question, same_as(question, options=rows), actor=organiser)
    assert [(o.position, o.label("en")) for o in question.options] == [
        (0, "Africa"),
        (1, "Americas"),
        (2, "Europe"),
    ]


def test_an_option_nobody_chose_can_be_removed(course, organiser):
    question = add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS)
    rows = rows_of(question, Americas={"remove": True})
    services.update_question(question, same_as(question, options=rows), actor=organiser)
    assert [(o.position, o.label("en")) for o in question.options] == [
        (0, "Africa"),
        (1, "Asia and the Pacific"),
        (2, "Europe"),
    ]


def test_a_chosen_option_cannot_be_removed(course, organiser, ana, ana_sousa):
    question = add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS)
    americas = question.options[1]
    answer(question, make_registration(course, ana), options=[americas])
    answer(question, make_registration(course, ana_sousa), options=[americas])
    rows = rows_of(question, Americas={"remove": True})
    with pytest.raises(InvalidQuestion) as excinfo:
        services.update_question(question, same_as(question, options=rows), actor=organiser)
    assert errors_of(excinfo) == {
        "options.1.remove": [
            "2 applicants chose this option, so it cannot be removed. Tick “Retire this option” "
            "instead: new applicants no longer see it and the answers are kept."
        ]
    }
    assert americas in question.options


def test_a_chosen_option_can_be_retired_and_its_answers_stay(course, organiser, ana):
    question = add_question(course, K.MULTIPLE_CHOICE, "Regions", options=REGIONS)
    americas = question.options[1]
    chosen = answer(question, make_registration(course, ana), options=[americas])
    rows = rows_of(question, Americas={"is_retired": True})
    services.update_question(question, same_as(question, options=rows), actor=organiser)
    assert americas.is_retired is True
    assert [o.label("en") for o in question.offered_options] == [
        "Africa",
        "Asia and the Pacific",
        "Europe",
    ]
    assert chosen.options == [americas]


def test_a_retired_option_can_be_offered_again(course, organiser):
    rows = [*REGIONS[:3], OptionData({"en": "Europe"}, is_retired=True)]
    question = add_question(course, K.SINGLE_CHOICE, "Region", options=rows)
    rows = rows_of(question, Europe={"is_retired": False})
    services.update_question(question, same_as(question, options=rows), actor=organiser)
    assert [o.is_retired for o in question.options] == [False] * 4


def test_a_new_row_ticked_for_removal_is_left_out(course, organiser):
    question = add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS[:2])
    rows = [*rows_of(question), OptionData({"en": "Europe"}, remove=True)]
    services.update_question(question, same_as(question, options=rows), actor=organiser)
    assert [o.label("en") for o in question.options] == ["Africa", "Americas"]


def test_another_question_s_option_is_refused(course, organiser, neighbour):
    question = add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS[:2])
    theirs = db.session.scalar(
        sa.select(QuestionOption)
        .join(ApplicationQuestion)
        .where(ApplicationQuestion.course_id == neighbour.course_id)
        .limit(1)
    )
    rows = [*rows_of(question), OptionData({"en": "Stolen"}, option_id=theirs.id)]
    with pytest.raises(InvalidQuestion) as excinfo:
        services.update_question(question, same_as(question, options=rows), actor=organiser)
    assert errors_of(excinfo) == {
        "options.2.label_en": ["This option is not one of the question's options."]
    }


def test_an_option_s_labels_can_change(course, organiser):
    question = add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS[:2])
    rows = rows_of(question)
    rows[0] = OptionData({"en": "Africa", "fr": "Afrique"}, option_id=rows[0].option_id)
    option = question.options[0]
    services.update_question(question, same_as(question, options=rows), actor=organiser)
    assert question.options[0] is option
    assert option.label("fr") == "Afrique"


# --- changing ---------------------------------------------------------------------------------


def test_a_change_moves_updated_at_and_keeps_created_at(course, organiser):
    question = add_question(course, label="Which city?")
    created = question.created_at
    question.updated_at = created - timedelta(days=3)
    texts = {"en": TextData("Which city or region?")}
    services.update_question(question, same_as(question, texts=texts), actor=organiser)
    assert question.label("en") == "Which city or region?"
    assert question.created_at == created
    assert question.updated_at >= created


def test_required_can_change_with_answers(course, organiser, ana):
    question = add_question(course, K.YES_NO, "Do you need a visa?")
    answer(question, make_registration(course, ana), "yes")
    services.update_question(question, same_as(question, is_required=True), actor=organiser)
    assert question.is_required is True


def test_a_question_with_answers_keeps_its_kind(course, organiser, ana):
    question = add_question(course, K.SHORT_TEXT, "City")
    answer(question, make_registration(course, ana), "Belo Horizonte")
    with pytest.raises(InvalidQuestion) as excinfo:
        services.update_question(question, same_as(question, kind=K.LONG_TEXT), actor=organiser)
    assert errors_of(excinfo) == {
        "kind": [
            "1 applicant has answered this question, so its kind cannot change. Retire it and "
            "add a new question instead."
        ]
    }
    assert question.kind == K.SHORT_TEXT


# --- retiring, deleting -----------------------------------------------------------------------


def test_a_retired_question_is_no_longer_asked(course, organiser):
    kept = add_question(course, label="City")
    retired = add_question(course, K.YES_NO, "Visa?")
    services.retire_question(retired, actor=organiser)
    assert retired.is_retired is True
    assert services.asked_questions(course) == [kept]
    assert services.questions_in_order(course) == [kept, retired]


def test_retiring_keeps_the_answers(course, organiser, ana):
    question = add_question(course, K.YES_NO, "Visa?")
    given = answer(question, make_registration(course, ana), "no")
    services.retire_question(question, actor=organiser)
    assert db.session.get(Answer, given.id).value == "no"


def test_retiring_moves_updated_at(course, organiser):
    question = add_question(course, K.YES_NO, "Visa?")
    question.updated_at = question.created_at - timedelta(days=1)
    services.retire_question(question, actor=organiser)
    assert question.updated_at >= question.created_at


def test_a_retired_question_can_be_asked_again(course, organiser):
    question = add_question(course, K.YES_NO, "Visa?")
    services.retire_question(question, actor=organiser)
    question.updated_at = question.created_at - timedelta(days=1)
    services.restore_question(question, actor=organiser)
    assert question.is_retired is False
    assert services.asked_questions(course) == [question]
    assert question.updated_at >= question.created_at


def test_file_questions_are_asked_like_the_others(course, organiser):
    text = add_question(course, label="City")
    cv = add_question(course, K.FILE, "Your CV", is_required=True)
    assert services.asked_questions(course) == [text, cv]


def test_a_question_nobody_answered_is_deleted(course, organiser):
    first = add_question(course, label="City")
    doomed = add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS)
    last = add_question(course, K.YES_NO, "Visa?")
    doomed_id = doomed.id
    services.delete_question(doomed, actor=organiser)
    assert db.session.get(ApplicationQuestion, doomed_id) is None
    assert services.questions_in_order(course) == [first, last]
    assert (first.position, last.position) == (0, 1)


def test_a_question_with_answers_cannot_be_deleted(course, organiser, ana, ana_sousa):
    question = add_question(course, K.YES_NO, "Visa?")
    answer(question, make_registration(course, ana), "yes")
    answer(question, make_registration(course, ana_sousa), "no")
    with pytest.raises(QuestionHasAnswers) as excinfo:
        services.delete_question(question, actor=organiser)
    assert excinfo.value.messages == [
        "2 applicants have answered this question, so it cannot be deleted with their answers. "
        "Retire it instead: new applicants no longer see it, and the answers stay on the desk "
        "and in the exports."
    ]
    assert services.questions_in_order(course) == [question]
    assert services.answer_count(question) == 2


def test_a_question_answered_once_says_so_when_it_cannot_be_deleted(course, organiser, ana):
    question = add_question(course, K.YES_NO, "Visa?")
    answer(question, make_registration(course, ana), "yes")
    with pytest.raises(QuestionHasAnswers) as excinfo:
        services.delete_question(question, actor=organiser)
    assert str(excinfo.value).startswith("1 applicant has answered this question")


# --- order ------------------------------------------------------------------------------------


@pytest.fixture
def three(course, organiser):
    return [
        add_question(course, label="City"),
        add_question(course, K.YES_NO, "Visa?"),
        add_question(course, K.NUMBER, "Years"),
    ]


def test_a_question_moves_up(course, organiser, three):
    services.move_question(three[2], "up", actor=organiser)
    assert services.questions_in_order(course) == [three[0], three[2], three[1]]
    assert [q.position for q in services.questions_in_order(course)] == [0, 1, 2]


def test_a_question_moves_down(course, organiser, three):
    services.move_question(three[0], "down", actor=organiser)
    assert services.questions_in_order(course) == [three[1], three[0], three[2]]


def test_the_first_question_cannot_move_up(course, organiser, three):
    services.move_question(three[0], "up", actor=organiser)
    assert services.questions_in_order(course) == three


def test_the_last_question_cannot_move_down(course, organiser, three):
    services.move_question(three[2], "down", actor=organiser)
    assert services.questions_in_order(course) == three
    assert [q.position for q in three] == [0, 1, 2]


def test_moving_renumbers_positions_with_gaps(course, organiser, three):
    for question, position in zip(three, (4, 9, 30), strict=True):
        question.position = position
    services.move_question(three[1], "down", actor=organiser)
    assert [(q.id, q.position) for q in services.questions_in_order(course)] == [
        (three[0].id, 0),
        (three[2].id, 1),
        (three[1].id, 2),
    ]


def test_questions_in_the_same_place_follow_their_creation(course, organiser, three):
    for question in three:
        question.position = 0
    assert services.questions_in_order(course) == three


# --- counts -----------------------------------------------------------------------------------


def test_answers_are_counted_per_question_of_the_course(course, organiser, ana, ana_sousa):
    city, visa, _years = (
        add_question(course, label="City"),
        add_question(course, K.YES_NO, "Visa?"),
        add_question(course, K.NUMBER, "Years"),
    )
    first, second = make_registration(course, ana), make_registration(course, ana_sousa)
    answer(city, first, "Recife")
    answer(visa, first, "yes")
    answer(visa, second, "no")
    assert services.answer_counts(course) == {city.id: 1, visa.id: 2}


def test_choices_are_counted_per_option(course, organiser, ana, ana_sousa):
    question = add_question(course, K.MULTIPLE_CHOICE, "Regions", options=REGIONS)
    africa, americas = question.options[:2]
    answer(question, make_registration(course, ana), options=[africa, americas])
    answer(question, make_registration(course, ana_sousa), options=[americas])
    assert options.option_choice_counts(question) == {africa.id: 1, americas.id: 2}


@pytest.mark.parametrize(
    ("status", "editable"),
    [
        (RegistrationStatus.SUBMITTED, True),
        (RegistrationStatus.WAITLISTED, True),
        (RegistrationStatus.CONFIRMED, False),
        (RegistrationStatus.REJECTED, False),
        (RegistrationStatus.CANCELLED, False),
    ],
)
def test_answers_can_change_only_while_undecided(course, status, editable):
    registration = make_registration(course, make_user(), status=status)
    assert answering.can_edit_answers(registration) is editable


def test_options_the_rows_leave_out_stay_as_they_were(course, organiser, ana):
    question = add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS)
    africa = question.options[0]
    chosen = answer(question, make_registration(course, ana), options=[africa])
    rows = [*rows_of(question)[2:], OptionData({"en": "Oceania"})]
    services.update_question(question, same_as(question, options=rows), actor=organiser)
    assert [(o.position, o.label("en")) for o in question.options] == [
        (0, "Asia and the Pacific"),
        (1, "Europe"),
        (2, "Oceania"),
        (3, "Africa"),
        (4, "Americas"),
    ]
    assert chosen.options == [africa]


# --- what the messages say ---------------------------------------------------------------------


def test_the_main_language_is_named_by_its_code_where_the_site_has_no_name(course, organiser):
    course.default_locale = "pt"
    with pytest.raises(InvalidQuestion) as excinfo:
        create(course, organiser, question_data(label="Which city?"))
    assert errors_of(excinfo) == {
        "text_pt.label": ["Give the question in the course's main language (pt)."]
    }


def test_every_message_of_a_refused_question_is_said(course, organiser):
    data = question_data(K.NUMBER, "Q" * 301, min_value=5, max_value=4)
    with pytest.raises(InvalidQuestion) as excinfo:
        create(course, organiser, data)
    assert str(excinfo.value) == (
        "Use at most 300 characters (this has 301). "
        "The largest answer cannot be smaller than the smallest."
    )


def test_a_question_answered_twice_keeps_its_kind_and_says_so(course, organiser, ana, ana_sousa):
    question = add_question(course, K.SHORT_TEXT, "City")
    answer(question, make_registration(course, ana), "Recife")
    answer(question, make_registration(course, ana_sousa), "Quito")
    with pytest.raises(InvalidQuestion) as excinfo:
        services.update_question(question, same_as(question, kind=K.NUMBER), actor=organiser)
    assert errors_of(excinfo) == {
        "kind": [
            "2 applicants have answered this question, so its kind cannot change. Retire it and "
            "add a new question instead."
        ]
    }


def test_deleting_a_question_answered_once_is_refused_in_words_for_one(course, organiser, ana):
    question = add_question(course, K.YES_NO, "Visa?")
    answer(question, make_registration(course, ana), "yes")
    with pytest.raises(QuestionHasAnswers) as excinfo:
        services.delete_question(question, actor=organiser)
    assert excinfo.value.messages == [
        "1 applicant has answered this question, so it cannot be deleted with the answer. "
        "Retire it instead: new applicants no longer see it, and the answer stays on the desk "
        "and in the exports."
    ]


def test_removing_an_option_chosen_once_is_refused_in_words_for_one(course, organiser, ana):
    question = add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS)
    answer(question, make_registration(course, ana), options=[question.options[0]])
    rows = rows_of(question, Africa={"remove": True})
    with pytest.raises(InvalidQuestion) as excinfo:
        services.update_question(question, same_as(question, options=rows), actor=organiser)
    assert errors_of(excinfo) == {
        "options.0.remove": [
            "1 applicant chose this option, so it cannot be removed. Tick “Retire this option” "
            "instead: new applicants no longer see it and the answers are kept."
        ]
    }


# --- more about options ------------------------------------------------------------------------


def test_an_option_can_be_renamed_in_place(course, organiser):
    question = add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS)
    americas = question.options[1]
    rows = rows_of(question, Americas={"labels": {"en": "Latin America and the Caribbean"}})
    services.update_question(question, same_as(question, options=rows), actor=organiser)
    assert question.options[1] is americas
    assert [t.label for t in americas.texts] == ["Latin America and the Caribbean"]


def test_a_foreign_option_is_refused_wherever_it_is_listed(course, organiser, neighbour):
    question = add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS[:2])
    theirs = db.session.scalar(
        sa.select(QuestionOption)
        .join(ApplicationQuestion)
        .where(ApplicationQuestion.course_id == neighbour.course_id)
        .limit(1)
    )
    rows = [OptionData({"en": "Stolen"}, option_id=theirs.id), *rows_of(question)]
    with pytest.raises(InvalidQuestion) as excinfo:
        services.update_question(question, same_as(question, options=rows), actor=organiser)
    assert errors_of(excinfo) == {
        "options.0.label_en": ["This option is not one of the question's options."]
    }


def test_an_option_listed_twice_is_refused(course, organiser):
    question = add_question(course, K.SINGLE_CHOICE, "Region", options=REGIONS[:2])
    first = rows_of(question)[0]
    rows = [*rows_of(question), OptionData({"en": "Oceania"}, option_id=first.option_id)]
    with pytest.raises(InvalidQuestion) as excinfo:
        services.update_question(question, same_as(question, options=rows), actor=organiser)
    assert errors_of(excinfo) == {
        "options.2.label_en": ["This option is not one of the question's options."]
    }
    assert [o.label("en") for o in question.options] == ["Africa", "Americas"]


# --- more about order and asking ----------------------------------------------------------------


def test_the_second_question_moves_up_to_the_top(course, organiser, three):
    services.move_question(three[1], "up", actor=organiser)
    assert services.questions_in_order(course) == [three[1], three[0], three[2]]


def test_a_course_asks_questions_while_one_is_not_retired(course, organiser, neighbour):
    retired = add_question(course, K.YES_NO, "Visa?")
    services.retire_question(retired, actor=organiser)
    assert services.courses_asking([course.id]) == set()
    add_question(course, label="City")
    assert services.courses_asking([course.id]) == {course.id}
    assert services.courses_asking([course.id, neighbour.course_id]) == {
        course.id,
        neighbour.course_id,
    }


def test_a_course_asking_only_for_files_asks(course, organiser):
    add_question(course, K.FILE, "Your CV")
    assert services.courses_asking([course.id]) == {course.id}
