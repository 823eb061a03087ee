"""Reviews: one per reviewer and application, a score from 1 to 5 on every active criterion,
changed by its author until the application is decided; the others' scores stay hidden from a
reviewer until they have scored it themselves."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.registration.models import RegistrationStatus
from app.selection import services
from app.selection.models import Review, ReviewScore
from app.selection.services import ReviewData, ScoreData
from tests.factories import make_user
from tests.selection.conftest import review

MORNING = datetime(2031, 9, 10, 9, 0, tzinfo=UTC)
EVENING = datetime(2031, 9, 10, 18, 30, tzinfo=UTC)


def scores_of(found: Review) -> dict[int, int]:
    return {s.criterion_id: s.score for s in found.scores}


def test_a_reviewer_scores_every_active_criterion_with_notes_and_a_comment(
    reviewer, criteria, applicants
):
    written = review(
        applicants[0],
        reviewer,
        4,
        5,
        2,
        comment="Runs the city's migrant desk.",
        notes=("Directly relevant.", "", "Brazil is already well represented."),
    )

    db.session.expire_all()
    stored = db.session.get(Review, written.id)
    assert (stored.registration_id, stored.reviewer_id) == (applicants[0].id, reviewer.id)
    assert scores_of(stored) == {criteria[0].id: 4, criteria[1].id: 5, criteria[2].id: 2}
    assert stored.score_for(criteria[2].id).comment == "Brazil is already well represented."
    assert stored.score_for(criteria[1].id).comment == ""
    assert stored.comment == "Runs the city's migrant desk."


def test_the_comment_and_notes_are_stored_without_surrounding_spaces(
    reviewer, criteria, applicants
):
    written = review(applicants[0], reviewer, 3, 3, 3, comment="  Good.\n", notes=("  Fine ",))
    assert written.comment == "Good."
    assert written.score_for(criteria[0].id).comment == "Fine"


def test_scores_at_both_ends_of_the_scale_are_taken(reviewer, criteria, applicants):
    written = review(applicants[0], reviewer, 1, 5, 1)
    assert scores_of(written) == {criteria[0].id: 1, criteria[1].id: 5, criteria[2].id: 1}


@pytest.mark.parametrize("off_the_scale", [0, 6])
def test_a_score_just_off_the_scale_is_refused_beside_its_field(
    reviewer, criteria, applicants, off_the_scale
):
    with pytest.raises(services.SelectionError) as refused:
        review(applicants[0], reviewer, 3, off_the_scale, 3)
    assert refused.value.errors == {
        f"score_{criteria[1].id}": refused.value.errors[f"score_{criteria[1].id}"]
    }
    assert str(refused.value.errors[f"score_{criteria[1].id}"]) == "Give a score from 1 to 5."
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 2  # neighbour's


def test_a_missing_score_is_refused_beside_its_field(reviewer, criteria, applicants):
    data = ReviewData(scores={criteria[0].id: ScoreData(4), criteria[1].id: ScoreData(None)})
    with pytest.raises(services.SelectionError) as refused:
        services.save_review(applicants[0], data, actor=reviewer)
    assert set(refused.value.errors) == {f"score_{criteria[1].id}", f"score_{criteria[2].id}"}


def test_a_reviewer_has_one_review_per_application_which_they_change(
    reviewer, criteria, applicants
):
    first = review(applicants[0], reviewer, 2, 2, 2, comment="Too early to say.")
    second = review(applicants[0], reviewer, 4, 3, 5, comment="After the interview: strong.")

    assert second.id == first.id
    mine = db.session.scalars(sa.select(Review).where(Review.reviewer_id == reviewer.id)).all()
    assert len(mine) == 1
    assert scores_of(mine[0]) == {criteria[0].id: 4, criteria[1].id: 3, criteria[2].id: 5}
    assert mine[0].comment == "After the interview: strong."
    assert db.session.scalar(
        sa.select(sa.func.count()).where(ReviewScore.review_id == first.id)
    ) == len(criteria)


def test_changing_a_review_keeps_when_it_was_written_and_dates_the_change(
    reviewer, criteria, applicants
):
    review(applicants[0], reviewer, 2, 2, 2, now=MORNING)
    changed = review(applicants[0], reviewer, 3, 2, 2, now=EVENING)
    db.session.expire_all()
    stored = db.session.get(Review, changed.id)
    assert (stored.created_at, stored.updated_at) == (MORNING, EVENING)


def test_a_new_review_is_dated_now(reviewer, criteria, applicants):
    written = review(applicants[0], reviewer, 2, 2, 2, now=MORNING)
    assert (written.created_at, written.updated_at) == (MORNING, MORNING)


def test_each_reviewer_writes_their_own_review(reviewer, second_reviewer, criteria, applicants):
    mine = review(applicants[0], reviewer, 5, 5, 5)
    theirs = review(applicants[0], second_reviewer, 1, 1, 1)
    assert mine.id != theirs.id
    assert scores_of(mine) == dict.fromkeys(scores_of(mine), 5)


@pytest.mark.parametrize(
    "decided",
    [RegistrationStatus.CONFIRMED, RegistrationStatus.REJECTED, RegistrationStatus.CANCELLED],
)
def test_reviews_cannot_change_once_the_application_is_decided(
    reviewer, criteria, applicants, decided
):
    written = review(applicants[0], reviewer, 2, 2, 2)
    applicants[0].status = decided
    with pytest.raises(services.ReviewsClosed):
        review(applicants[0], reviewer, 5, 5, 5)
    assert scores_of(written) == dict.fromkeys(scores_of(written), 2)


def test_an_application_on_the_waiting_list_can_still_be_reviewed(reviewer, criteria, applicants):
    applicants[0].status = RegistrationStatus.WAITLISTED
    assert review(applicants[0], reviewer, 4, 4, 4).id is not None


def test_a_facilitator_does_not_review(facilitator, criteria, applicants):
    with pytest.raises(services.NotAllowed):
        review(applicants[0], facilitator, 3, 3, 3)


def test_a_reviewer_of_another_course_does_not_review_here(neighbour, criteria, applicants):
    [referee] = [m.user for m in neighbour.course.team if m.user.email == "ana.referee@example.org"]
    with pytest.raises(services.NotAllowed):
        review(applicants[0], referee, 3, 3, 3)


def test_organisers_may_review_too(organiser, criteria, applicants):
    assert review(applicants[0], organiser, 3, 4, 5).reviewer_id == organiser.id


def test_nothing_is_reviewed_before_the_course_has_criteria(reviewer, applicants):
    with pytest.raises(services.NoCriteria):
        services.save_review(applicants[0], ReviewData(), actor=reviewer)


def test_a_review_scores_the_active_criteria_and_keeps_a_retired_one_s_score(
    organiser, reviewer, criteria, applicants
):
    review(applicants[0], reviewer, 4, 4, 1)
    services.retire_criterion(criteria[2], actor=organiser)

    changed = review(applicants[0], reviewer, 5, 5)

    assert scores_of(changed) == {criteria[0].id: 5, criteria[1].id: 5, criteria[2].id: 1}


# --- who sees what ------------------------------------------------------------------------------


def test_a_reviewer_does_not_see_the_others_reviews_before_scoring(
    reviewer, second_reviewer, criteria, applicants
):
    review(applicants[0], second_reviewer, 1, 1, 1)
    assert services.visible_reviews(applicants[0], reviewer) == []


def test_a_reviewer_sees_every_review_once_they_have_scored(
    reviewer, second_reviewer, criteria, applicants
):
    theirs = review(applicants[0], second_reviewer, 1, 1, 1, now=MORNING)
    mine = review(applicants[0], reviewer, 5, 5, 5, now=EVENING)
    assert services.visible_reviews(applicants[0], reviewer) == [theirs, mine]


def test_having_scored_one_application_shows_nothing_of_another(
    reviewer, second_reviewer, criteria, applicants
):
    review(applicants[0], reviewer, 5, 5, 5)
    review(applicants[1], second_reviewer, 2, 2, 2)
    assert services.visible_reviews(applicants[1], reviewer) == []


def test_organisers_see_every_review_without_scoring(
    organiser, reviewer, second_reviewer, criteria, applicants
):
    first = review(applicants[0], reviewer, 5, 5, 5, now=MORNING)
    second = review(applicants[0], second_reviewer, 1, 1, 1, now=EVENING)
    assert services.visible_reviews(applicants[0], organiser) == [first, second]


def test_an_administrator_sees_every_review(reviewer, criteria, applicants):
    from app.accounts.models import Role

    written = review(applicants[0], reviewer, 3, 3, 3)
    assert services.visible_reviews(applicants[0], make_user(Role.ADMIN)) == [written]


def test_reviews_are_listed_oldest_first_whatever_order_they_were_saved_in(
    reviewer, second_reviewer, organiser, criteria, applicants
):
    later = review(applicants[0], reviewer, 2, 2, 2, now=EVENING)
    earlier = review(applicants[0], second_reviewer, 3, 3, 3, now=MORNING)
    assert services.reviews_of(applicants[0]) == [earlier, later]
