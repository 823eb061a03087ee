"""A course's selection criteria: texts in its languages, order, retiring what has scores, and
the copy of a new edition."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.courses.editions import copy_as_new_edition
from app.extensions import db
from app.selection import services
from app.selection.models import CriterionText, SelectionCriterion
from app.selection.services import CriterionData, CriterionTextData
from tests.selection.conftest import criterion_data, review


def labels(course, locale="en"):
    return [c.label(locale) for c in services.criteria(course)]


def test_a_new_criterion_comes_last_with_its_texts_in_each_language(course, organiser, criteria):
    added = services.create_criterion(
        course,
        criterion_data(
            "Experience with migrants",
            "Expérience auprès des migrants",
            "Experiencia con migrantes",
            help_text="Years of work with migrants or diaspora groups.",
        ),
        actor=organiser,
    )

    assert labels(course)[-1] == "Experience with migrants"
    assert added.position > criteria[-1].position
    assert added.label("fr") == "Expérience auprès des migrants"
    assert added.label("es") == "Experiencia con migrantes"
    assert added.text("en").help_text == "Years of work with migrants or diaspora groups."
    assert not added.is_retired


def test_the_first_criterion_of_a_course_comes_first(course, organiser):
    first = services.create_criterion(course, criterion_data("Motivation"), actor=organiser)
    second = services.create_criterion(course, criterion_data("Regional balance"), actor=organiser)
    assert (first.position, second.position) == (1, 2)


def test_texts_are_stored_without_surrounding_spaces(course, organiser):
    added = services.create_criterion(
        course,
        CriterionData({"en": CriterionTextData("  Motivation \n", "  Why now?  ")}),
        actor=organiser,
    )
    assert (added.label("en"), added.text("en").help_text) == ("Motivation", "Why now?")


def test_a_criterion_needs_a_name_in_the_course_s_main_language(course, organiser):
    with pytest.raises(services.SelectionError) as refused:
        services.create_criterion(
            course, criterion_data("", fr="Motivation", es="Motivación"), actor=organiser
        )
    assert set(refused.value.errors) == {"text_en.label"}
    assert "main language" in str(refused.value.errors["text_en.label"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CriterionText)) == 2


def test_the_main_language_is_the_course_s_own(course, organiser):
    course.default_locale = "fr"
    added = services.create_criterion(course, criterion_data("", fr="Motivation"), actor=organiser)
    assert added.label("en") == "Motivation"


def test_a_translation_with_guidance_but_no_name_is_refused_beside_it(course, organiser):
    data = criterion_data("Motivation")
    data.texts["fr"] = CriterionTextData("", "Pourquoi ce cours ?")
    with pytest.raises(services.SelectionError) as refused:
        services.create_criterion(course, data, actor=organiser)
    assert {k: str(v) for k, v in refused.value.errors.items()} == {
        "text_fr.label": "Give the criterion's name in this language too."
    }


def test_a_language_left_empty_is_not_stored(course, organiser):
    data = criterion_data("Motivation")
    data.texts["es"] = CriterionTextData("  ", "")
    added = services.create_criterion(course, data, actor=organiser)
    assert [t.locale for t in added.texts] == ["en"]


def test_a_missing_translation_falls_back_to_the_course_s_main_language(course, criteria):
    services.update_criterion(
        criteria[0], criterion_data("Relevance of the job"), actor=course.team[0].user
    )
    assert criteria[0].label("es") == "Relevance of the job"
    assert criteria[1].label("es") == "Motivación"


def test_editing_a_criterion_replaces_its_texts_and_drops_an_emptied_language(
    course, organiser, criteria
):
    services.update_criterion(
        criteria[0],
        criterion_data("Relevance of the position", "Pertinence de la fonction"),
        actor=organiser,
    )
    db.session.expire_all()
    edited = db.session.get(SelectionCriterion, criteria[0].id)
    assert sorted((t.locale, t.label) for t in edited.texts) == [
        ("en", "Relevance of the position"),
        ("fr", "Pertinence de la fonction"),
    ]


def test_editing_a_criterion_keeps_when_it_was_made_and_dates_the_change(
    course, organiser, criteria
):
    made = criteria[1].created_at
    before = criteria[1].updated_at
    services.update_criterion(criteria[1], criterion_data("Motivation and fit"), actor=organiser)
    assert criteria[1].created_at == made
    assert criteria[1].updated_at > before


def test_an_invalid_edit_changes_nothing(course, organiser, criteria):
    with pytest.raises(services.SelectionError):
        services.update_criterion(criteria[1], criterion_data(""), actor=organiser)
    assert criteria[1].label("fr") == "Motivation"
    assert criteria[1].label("es") == "Motivación"


@pytest.mark.parametrize(
    ("index", "direction", "expected"),
    [
        (1, "up", ["Motivation", "Relevance of the job", "Regional balance"]),
        (1, "down", ["Relevance of the job", "Regional balance", "Motivation"]),
        (0, "up", ["Relevance of the job", "Motivation", "Regional balance"]),
        (2, "down", ["Relevance of the job", "Motivation", "Regional balance"]),
    ],
)
def test_criteria_move_one_place_and_stop_at_the_ends(
    course, organiser, criteria, index, direction, expected
):
    services.move_criterion(criteria[index], direction, actor=organiser)
    db.session.expire_all()
    assert labels(course) == expected


def test_moving_renumbers_criteria_that_shared_a_place(course, organiser, criteria):
    for criterion in criteria:
        criterion.position = 7
    services.move_criterion(criteria[2], "up", actor=organiser)
    db.session.expire_all()
    assert labels(course) == ["Relevance of the job", "Regional balance", "Motivation"]
    assert [c.position for c in services.criteria(course)] == [1, 2, 3]


def test_a_criterion_nobody_scored_can_be_deleted(course, organiser, criteria):
    services.delete_criterion(criteria[2], actor=organiser)
    assert labels(course) == ["Relevance of the job", "Motivation"]


def test_a_criterion_with_scores_cannot_be_deleted_and_says_to_retire_it(
    course, organiser, reviewer, criteria, applicants
):
    review(applicants[0], reviewer, 4, 5, 3)
    with pytest.raises(services.CriterionHasScores) as refused:
        services.delete_criterion(criteria[2], actor=organiser)
    assert "retire it instead" in str(refused.value.message)
    # The error reads as its message in logs and tracebacks too.
    assert str(refused.value) == str(refused.value.message)
    assert len(services.criteria(course)) == 3


def test_the_database_itself_keeps_a_scored_criterion(
    course, organiser, reviewer, criteria, applicants
):
    review(applicants[0], reviewer, 4, 5, 3)
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(
            sa.delete(SelectionCriterion).where(SelectionCriterion.id == criteria[0].id)
        )
        db.session.flush()
    db.session.rollback()


def test_a_retired_criterion_is_no_longer_asked_but_keeps_its_scores(
    course, organiser, reviewer, criteria, applicants
):
    review(applicants[0], reviewer, 4, 5, 3)
    services.retire_criterion(criteria[2], actor=organiser)
    assert [c.id for c in services.active_criteria(course)] == [criteria[0].id, criteria[1].id]
    assert services.score_counts(services.criteria(course)) == {
        criteria[0].id: 1,
        criteria[1].id: 1,
        criteria[2].id: 1,
    }


def test_a_restored_criterion_is_asked_again(course, organiser, criteria):
    services.retire_criterion(criteria[0], actor=organiser)
    services.restore_criterion(criteria[0], actor=organiser)
    assert services.active_criteria(course) == criteria


def test_score_counts_count_each_criterion_s_scores_and_leave_out_the_unscored(
    course, organiser, reviewer, second_reviewer, criteria, applicants
):
    review(applicants[0], reviewer, 4, 5, 3)
    review(applicants[0], second_reviewer, 2, 2, 2)
    review(applicants[1], reviewer, 1, 1, 1)
    services.retire_criterion(criteria[2], actor=organiser)
    extra = services.create_criterion(course, criterion_data("Languages"), actor=organiser)
    counts = services.score_counts(services.criteria(course))
    assert counts == {criteria[0].id: 3, criteria[1].id: 3, criteria[2].id: 3}
    assert extra.id not in counts


def test_a_new_edition_copies_the_criteria_in_order_with_their_texts(course, organiser, criteria):
    services.move_criterion(criteria[2], "up", actor=organiser)
    services.retire_criterion(criteria[0], actor=organiser)
    services.update_criterion(
        criteria[1],
        criterion_data("Motivation", "Motivation", help_text="A plan for the way back home."),
        actor=organiser,
    )

    edition = copy_as_new_edition(
        course, course.start_date + timedelta(weeks=52), slug="governing-2032", actor=organiser
    )

    copied = services.criteria(edition)
    assert [(c.label("en"), c.label("fr"), c.is_retired) for c in copied] == [
        ("Relevance of the job", "Pertinence du poste", True),
        ("Regional balance", "Équilibre régional", False),
        ("Motivation", "Motivation", False),
    ]
    assert [c.position for c in copied] == [1, 2, 3]
    assert copied[2].text("en").help_text == "A plan for the way back home."
    assert {c.id for c in copied}.isdisjoint({c.id for c in criteria})
    # The original keeps its own.
    assert len(services.criteria(course)) == 3


def test_a_new_edition_of_a_course_without_criteria_has_none(course, organiser):
    edition = copy_as_new_edition(
        course, date(2032, 11, 15), slug="governing-2032", actor=organiser
    )
    assert services.criteria(edition) == []
