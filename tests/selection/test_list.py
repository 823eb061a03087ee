"""The selection list: each application with its number of reviews, the mean per criterion and
overall, the spread where reviewers disagree, sortable, and what a reviewer may see of it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.registration.models import RegistrationStatus
from app.selection import listing, services
from app.selection.listing import Show, selection_rows
from tests.selection.conftest import criterion_data, review


def names(rows):
    return [row.registration.certificate_name for row in rows]


def row_of(rows, registration):
    [found] = [row for row in rows if row.registration.id == registration.id]
    return found


def test_the_list_follows_when_they_applied_not_when_they_were_entered(
    organiser, applicants, criteria
):
    applicants[5].created_at = applicants[0].created_at - timedelta(days=2)
    applicants[4].created_at = applicants[0].created_at - timedelta(days=1)
    rows = selection_rows(applicants[0].course, organiser, sort="reviews")
    assert names(rows)[:3] == ["Jean-Pierre Mbala", "Lucía Pérez", "Ana Souza"]


def test_the_list_shows_the_applications_still_to_decide_in_the_order_they_came(
    organiser, applicants, criteria
):
    applicants[1].status = RegistrationStatus.WAITLISTED
    applicants[2].status = RegistrationStatus.CONFIRMED
    applicants[3].status = RegistrationStatus.REJECTED
    applicants[4].status = RegistrationStatus.CANCELLED
    rows = selection_rows(applicants[0].course, organiser, sort="applied", descending=False)
    assert names(rows) == ["Ana Souza", "Ana Sousa", "Jean-Pierre Mbala"]


def test_the_decided_filter_shows_the_confirmed_rejected_and_cancelled(
    organiser, applicants, criteria
):
    applicants[1].status = RegistrationStatus.WAITLISTED
    applicants[2].status = RegistrationStatus.CONFIRMED
    applicants[3].status = RegistrationStatus.REJECTED
    applicants[4].status = RegistrationStatus.CANCELLED
    rows = selection_rows(
        applicants[0].course, organiser, show=Show.DECIDED, sort="applied", descending=False
    )
    assert names(rows) == ["Anna Souza", "Tesfaye Bekele", "Lucía Pérez"]


def test_showing_all_lists_every_application_of_the_course(organiser, applicants, criteria):
    applicants[2].status = RegistrationStatus.CONFIRMED
    rows = selection_rows(applicants[0].course, organiser, show=Show.ALL)
    assert len(rows) == len(applicants)


def test_each_application_shows_its_number_of_reviews_and_mean_per_criterion(
    organiser, reviewer, second_reviewer, criteria, applicants
):
    review(applicants[0], reviewer, 4, 5, 1)
    review(applicants[0], second_reviewer, 3, 4, 2)
    review(applicants[1], reviewer, 2, 2, 2)

    rows = selection_rows(applicants[0].course, organiser)

    first = row_of(rows, applicants[0])
    assert first.review_count == 2
    assert first.means == {criteria[0].id: 3.5, criteria[1].id: 4.5, criteria[2].id: 1.5}
    assert first.overall == pytest.approx(19 / 6)
    assert row_of(rows, applicants[1]).review_count == 1
    unscored = row_of(rows, applicants[2])
    assert (unscored.review_count, unscored.means, unscored.overall) == (0, {}, None)


def test_the_overall_mean_weighs_each_criterion_alike(
    organiser, reviewer, second_reviewer, criteria, applicants
):
    """A criterion added after the first review has fewer scores; it still counts as much as
    the others in the overall mean (the mean of the criteria's means)."""
    course = applicants[0].course
    review(applicants[0], reviewer, 1, 1, 1)
    services.create_criterion(course, criterion_data("Languages"), actor=organiser)
    review(applicants[0], second_reviewer, 1, 1, 1, 5)

    [row] = [r for r in selection_rows(course, organiser) if r.review_count]
    assert row.overall == pytest.approx((1 + 1 + 1 + 5) / 4)


def test_a_retired_criterion_counts_in_no_mean(organiser, reviewer, criteria, applicants):
    review(applicants[0], reviewer, 2, 4, 5)
    services.retire_criterion(criteria[2], actor=organiser)

    row = row_of(selection_rows(applicants[0].course, organiser), applicants[0])

    assert row.means == {criteria[0].id: 2, criteria[1].id: 4}
    assert row.overall == 3
    assert row.spread is None or criteria[2].id not in row.spreads


def test_the_spread_is_the_widest_gap_between_two_reviewers_on_one_criterion(
    organiser, reviewer, second_reviewer, criteria, applicants
):
    review(applicants[0], reviewer, 5, 3, 2)
    review(applicants[0], second_reviewer, 4, 3, 5)
    row = row_of(selection_rows(applicants[0].course, organiser), applicants[0])
    assert row.spreads == {criteria[0].id: 1, criteria[1].id: 0, criteria[2].id: 3}
    assert row.spread == 3


def test_one_review_has_no_disagreement(organiser, reviewer, criteria, applicants):
    review(applicants[0], reviewer, 1, 5, 3)
    row = row_of(selection_rows(applicants[0].course, organiser), applicants[0])
    assert (row.spread, row.disagree) == (0, False)


def test_an_unscored_application_has_no_spread(organiser, criteria, applicants):
    row = row_of(selection_rows(applicants[0].course, organiser), applicants[0])
    assert (row.spread, row.disagree) == (None, False)


@pytest.mark.parametrize(("other", "disagree"), [(4, False), (5, True), (1, True), (2, False)])
def test_reviewers_disagree_from_two_points_apart_on_one_criterion(
    organiser, reviewer, second_reviewer, criteria, applicants, other, disagree
):
    assert listing.DISAGREEMENT == 2
    review(applicants[0], reviewer, 3, 3, 3)
    review(applicants[0], second_reviewer, 3, other, 3)
    row = row_of(selection_rows(applicants[0].course, organiser), applicants[0])
    assert row.disagree is disagree


# --- sorting ------------------------------------------------------------------------------------


@pytest.fixture
def scored(organiser, reviewer, second_reviewer, criteria, applicants):
    """Ana Souza 3.0 overall, Ana Sousa 5.0, Anna Souza unscored, Tesfaye Bekele 3.0 (a tie
    with the first, who applied earlier, but his reviewers are 4 points apart), Lucía Pérez 1.0,
    Jean-Pierre Mbala unscored."""
    review(applicants[0], reviewer, 3, 3, 3)
    review(applicants[1], reviewer, 5, 5, 5)
    review(applicants[1], second_reviewer, 5, 5, 5)
    review(applicants[3], second_reviewer, 1, 5, 3)
    review(applicants[3], reviewer, 5, 1, 3)
    review(applicants[4], reviewer, 1, 1, 1)
    return applicants


def test_sorting_by_the_overall_mean_puts_the_best_first_and_the_unscored_last(organiser, scored):
    rows = selection_rows(scored[0].course, organiser, sort="overall", descending=True)
    assert names(rows) == [
        "Ana Sousa",
        "Ana Souza",
        "Tesfaye Bekele",
        "Lucía Pérez",
        "Anna Souza",
        "Jean-Pierre Mbala",
    ]


def test_sorting_lowest_first_still_puts_the_unscored_last(organiser, scored):
    rows = selection_rows(scored[0].course, organiser, sort="overall", descending=False)
    assert names(rows) == [
        "Lucía Pérez",
        "Ana Souza",
        "Tesfaye Bekele",
        "Ana Sousa",
        "Anna Souza",
        "Jean-Pierre Mbala",
    ]


def test_sorting_by_one_criterion(organiser, reviewer, criteria, applicants):
    review(applicants[0], reviewer, 1, 5, 5)  # overall 3.7, relevance 1
    review(applicants[1], reviewer, 4, 1, 1)  # overall 2.0, relevance 4
    review(applicants[2], reviewer, 3, 3, 3)  # overall 3.0, relevance 3
    rows = selection_rows(
        applicants[0].course, organiser, sort=f"criterion-{criteria[0].id}", descending=True
    )
    assert names(rows)[:3] == ["Ana Sousa", "Anna Souza", "Ana Souza"]


def test_sorting_by_the_number_of_reviews(organiser, scored):
    rows = selection_rows(scored[0].course, organiser, sort="reviews", descending=True)
    assert names(rows) == [
        "Ana Sousa",
        "Tesfaye Bekele",
        "Ana Souza",
        "Lucía Pérez",
        "Anna Souza",
        "Jean-Pierre Mbala",
    ]


def test_sorting_by_the_spread_puts_the_widest_disagreement_first(organiser, scored):
    rows = selection_rows(scored[0].course, organiser, sort="spread", descending=True)
    # The others agree (a spread of 0): ties keep the list's order, the unscored come last.
    assert names(rows) == [
        "Tesfaye Bekele",
        "Ana Souza",
        "Ana Sousa",
        "Lucía Pérez",
        "Anna Souza",
        "Jean-Pierre Mbala",
    ]


def test_sorting_by_name_ignores_case(organiser, applicants, criteria):
    applicants[2].certificate_name = "anna souza"
    rows = selection_rows(applicants[0].course, organiser, sort="name", descending=False)
    assert names(rows) == [
        "Ana Sousa",
        "Ana Souza",
        "anna souza",
        "Jean-Pierre Mbala",
        "Lucía Pérez",
        "Tesfaye Bekele",
    ]


def test_sorting_by_date_of_application_latest_first(organiser, applicants, criteria):
    rows = selection_rows(applicants[0].course, organiser, sort="applied", descending=True)
    assert names(rows) == [
        "Jean-Pierre Mbala",
        "Lucía Pérez",
        "Tesfaye Bekele",
        "Anna Souza",
        "Ana Sousa",
        "Ana Souza",
    ]


@pytest.mark.parametrize("key", ["nonsense", "12", "criterion-", "Overall"])
def test_an_unknown_sort_key_is_a_mistake_of_the_caller(organiser, scored, key):
    with pytest.raises(ValueError, match=r"sort key|invalid literal"):
        selection_rows(scored[0].course, organiser, sort=key)


def test_the_list_is_sorted_by_the_overall_mean_unless_asked_otherwise(organiser, scored):
    rows = selection_rows(scored[0].course, organiser)
    assert names(rows)[:2] == ["Ana Sousa", "Ana Souza"]


# --- what a reviewer sees -------------------------------------------------------------------------


def test_a_reviewer_sees_the_scores_only_of_applications_they_have_scored(
    reviewer, second_reviewer, criteria, applicants
):
    review(applicants[0], reviewer, 4, 4, 4)
    review(applicants[0], second_reviewer, 2, 2, 2)
    review(applicants[1], second_reviewer, 5, 5, 5)

    rows = selection_rows(applicants[0].course, reviewer)

    mine = row_of(rows, applicants[0])
    assert (mine.scores_hidden, mine.reviewed_by_viewer, mine.overall) == (False, True, 3)
    theirs = row_of(rows, applicants[1])
    assert (theirs.scores_hidden, theirs.reviewed_by_viewer) == (True, False)
    nobody_s = row_of(rows, applicants[2])
    assert (nobody_s.scores_hidden, nobody_s.reviewed_by_viewer) == (True, False)
    assert (theirs.means, theirs.spreads, theirs.overall) == ({}, {}, None)
    # How many reviews there are is no score: it shows.
    assert theirs.review_count == 1


def test_sorting_does_not_reveal_scores_a_reviewer_may_not_see(
    reviewer, second_reviewer, criteria, applicants
):
    review(applicants[5], reviewer, 1, 1, 1)
    for applicant in applicants[:5]:
        review(applicant, second_reviewer, 5, 5, 5)
    rows = selection_rows(applicants[0].course, reviewer, sort="overall", descending=True)
    # The only score this reviewer sees comes first; the others stay in the order they came.
    assert names(rows) == [
        "Jean-Pierre Mbala",
        "Ana Souza",
        "Ana Sousa",
        "Anna Souza",
        "Tesfaye Bekele",
        "Lucía Pérez",
    ]


def test_the_neighbour_s_reviews_count_for_nothing_here(organiser, criteria, applicants):
    rows = selection_rows(applicants[0].course, organiser, show=Show.ALL)
    assert [row.review_count for row in rows] == [0] * len(applicants)
