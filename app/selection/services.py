"""Selection rules: a course's criteria and the committee's reviews.

- Organisers keep each course's criteria (:func:`create_criterion`, :func:`update_criterion`,
  :func:`move_criterion`, :func:`retire_criterion`, :func:`delete_criterion`); a criterion with
  scores is never deleted with them, it is retired (no longer asked nor counted).
- Reviewers, organisers and administrators score an application on every active criterion,
  1 to 5, in one review each (:func:`save_review`), which its author may change until the
  application is decided for good (confirmed, rejected or cancelled).
- A reviewer sees the others' scores of an application only once they have scored it
  themselves; organisers see them all (:func:`may_see_scores`).

The list, the balance and the decisions are in :mod:`app.selection.listing`. Services flush,
never commit, and take the acting user as an argument.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.courses.models import Course
from app.courses.permissions import can_manage_course, can_review
from app.db import now_utc
from app.extensions import db
from app.registration.models import Registration, RegistrationStatus
from app.selection.models import (
    HIGHEST_SCORE,
    LOWEST_SCORE,
    CriterionText,
    Review,
    ReviewScore,
    SelectionCriterion,
)

S = RegistrationStatus

# Applications still to be decided for good: a submitted one, and a waitlisted one (it may
# still be confirmed or rejected). Their reviews may change; a decided one's may not.
UNDECIDED = frozenset({S.SUBMITTED, S.WAITLISTED})
DECIDED = frozenset({S.CONFIRMED, S.REJECTED, S.CANCELLED})
LABEL_MAX = 200
HELP_MAX = 1000
SCORE_COMMENT_MAX = 1000
COMMENT_MAX = 5000

Direction = Literal["up", "down"]


# --- errors -----------------------------------------------------------------------------------


class SelectionError(Exception):
    """A selection rule was broken; ``message`` is for the user (lazy, translated when shown),
    ``errors`` the messages that belong beside one field (its name in the form)."""

    message: Any = _l("This change is not possible.")

    def __init__(self, message: Any = None, *, errors: Mapping[str, Any] | None = None) -> None:
        if message is not None:
            self.message = message
        self.errors = dict(errors or {})
        super().__init__(str(self.message))


class NotAllowed(SelectionError):
    message = _l("Only the course's organisers and reviewers may do this.")


class CriterionHasScores(SelectionError):
    message = _l(
        "This criterion has scores, so it cannot be deleted: retire it instead. "
        "It is then no longer asked, and its scores are kept."
    )


class ReviewsClosed(SelectionError):
    message = _l("This application has been decided: its reviews can no longer change.")


class NoCriteria(SelectionError):
    message = _l("This course has no selection criteria yet: its organisers add them first.")


# --- criteria ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionTextData:
    label: str = ""
    help_text: str = ""


@dataclass
class CriterionData:
    """A criterion's texts by language (``en``, ``fr``, ``es``); empty ones are left out."""

    texts: dict[str, CriterionTextData] = field(default_factory=dict)


def criteria(course: Course) -> list[SelectionCriterion]:
    """The course's criteria in their order, retired ones included."""
    return list(
        db.session.scalars(
            sa.select(SelectionCriterion)
            .where(SelectionCriterion.course_id == course.id)
            .order_by(SelectionCriterion.position, SelectionCriterion.id)
        )
    )


def active_criteria(course: Course) -> list[SelectionCriterion]:
    """The criteria a review scores, in their order."""
    return [criterion for criterion in criteria(course) if not criterion.is_retired]


def score_counts(criteria: Sequence[SelectionCriterion]) -> dict[int, int]:
    """Criterion id → how many scores it has, for those of ``criteria`` that have any."""
    rows = db.session.execute(
        sa.select(ReviewScore.criterion_id, sa.func.count())
        .where(ReviewScore.criterion_id.in_([criterion.id for criterion in criteria]))
        .group_by(ReviewScore.criterion_id)
    )
    return {criterion_id: count for criterion_id, count in rows}


def _has_scores(criterion: SelectionCriterion) -> bool:
    return (
        db.session.scalar(sa.select(sa.exists().where(ReviewScore.criterion_id == criterion.id)))
        is True
    )


def _clean_texts(course: Course, data: CriterionData) -> dict[str, CriterionTextData]:
    texts = {
        locale: CriterionTextData(text.label.strip(), text.help_text.strip())
        for locale, text in data.texts.items()
    }
    texts = {locale: text for locale, text in texts.items() if text.label or text.help_text}
    errors: dict[str, Any] = {}
    for locale, text in texts.items():
        if not text.label:
            errors[f"text_{locale}.label"] = _l("Give the criterion's name in this language too.")
    if not texts.get(course.default_locale):
        # The texts of the main language stand in for a missing translation.
        errors[f"text_{course.default_locale}.label"] = _l(
            "Give the criterion's name in the course's main language."
        )
    if errors:
        raise SelectionError(errors=errors)
    return texts


def _apply_texts(criterion: SelectionCriterion, texts: Mapping[str, CriterionTextData]) -> None:
    rows = {row.locale: row for row in criterion.texts}
    for locale, row in rows.items():
        if locale not in texts:
            criterion.texts.remove(row)
    for locale, text in texts.items():
        if locale in rows:
            rows[locale].label, rows[locale].help_text = text.label, text.help_text
        else:
            criterion.texts.append(
                CriterionText(locale=locale, label=text.label, help_text=text.help_text)
            )


def create_criterion(course: Course, data: CriterionData, *, actor: User) -> SelectionCriterion:
    """A new criterion, last in the course's order."""
    texts = _clean_texts(course, data)
    existing = criteria(course)
    criterion = SelectionCriterion(
        course=course, position=max((c.position for c in existing), default=0) + 1
    )
    _apply_texts(criterion, texts)
    db.session.add(criterion)
    db.session.flush()
    return criterion


def update_criterion(criterion: SelectionCriterion, data: CriterionData, *, actor: User) -> None:
    """New texts for a criterion. Its scores stay: say so where the meaning changes."""
    _apply_texts(criterion, _clean_texts(criterion.course, data))
    criterion.updated_at = now_utc()
    db.session.flush()


def move_criterion(criterion: SelectionCriterion, direction: Direction, *, actor: User) -> None:
    """Swap places with the neighbour above ("up") or below ("down")."""
    ordered = criteria(criterion.course)
    index = ordered.index(criterion)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    db.session.flush()


def retire_criterion(criterion: SelectionCriterion, *, actor: User) -> None:
    """No longer asked nor counted in the means; its scores are kept and shown."""
    criterion.is_retired = True
    db.session.flush()


def restore_criterion(criterion: SelectionCriterion, *, actor: User) -> None:
    """Asked again. Reviews written while it was retired lack its score until edited."""
    criterion.is_retired = False
    db.session.flush()


def delete_criterion(criterion: SelectionCriterion, *, actor: User) -> None:
    """Delete a criterion nobody has scored yet; one with scores raises CriterionHasScores."""
    if _has_scores(criterion):
        raise CriterionHasScores()
    db.session.delete(criterion)
    db.session.flush()


def copy_criteria(source: Course, target: Course) -> list[SelectionCriterion]:
    """The source's criteria for a new edition, in order, retired ones too (as they were)."""
    copies = [
        SelectionCriterion(
            course=target,
            position=criterion.position,
            is_retired=criterion.is_retired,
            texts=[
                CriterionText(locale=t.locale, label=t.label, help_text=t.help_text)
                for t in criterion.texts
            ],
        )
        for criterion in criteria(source)
    ]
    db.session.add_all(copies)
    return copies


# --- reviews ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreData:
    score: int | None
    comment: str = ""


@dataclass
class ReviewData:
    """A reviewer's scores by criterion id, and their comment on the application."""

    scores: dict[int, ScoreData] = field(default_factory=dict)
    comment: str = ""


def score_field(criterion_id: int) -> str:
    """The form field that holds a criterion's score (errors are keyed by it)."""
    return f"score_{criterion_id}"


def is_open_for_review(registration: Registration) -> bool:
    return registration.status in UNDECIDED


def find_review(registration: Registration, reviewer: User) -> Review | None:
    return db.session.scalar(
        sa.select(Review).where(
            Review.registration_id == registration.id, Review.reviewer_id == reviewer.id
        )
    )


def save_review(
    registration: Registration,
    data: ReviewData,
    *,
    actor: User,
    now: datetime | None = None,
) -> Review:
    """Write or change ``actor``'s own review of an application: a score from 1 to 5 on every
    active criterion (each with an optional note) and a comment. Raises NotAllowed for anyone
    who may not review the course, ReviewsClosed once the application is decided, NoCriteria,
    and a SelectionError with a message beside each score that is missing or off the scale."""
    course = registration.course
    if not can_review(actor, course):
        raise NotAllowed()
    if not is_open_for_review(registration):
        raise ReviewsClosed()
    asked = active_criteria(course)
    if not asked:
        raise NoCriteria()
    errors = {}
    for criterion in asked:
        given = data.scores.get(criterion.id)
        if given is None or given.score is None or not LOWEST_SCORE <= given.score <= HIGHEST_SCORE:
            errors[score_field(criterion.id)] = _l(
                "Give a score from %(lowest)d to %(highest)d.",
                lowest=LOWEST_SCORE,
                highest=HIGHEST_SCORE,
            )
    if errors:
        raise SelectionError(errors=errors)

    now = now or now_utc()
    review = find_review(registration, actor)
    if review is None:
        review = Review(registration=registration, reviewer=actor, created_at=now)
        db.session.add(review)
    review.comment = data.comment.strip()
    review.updated_at = now
    for criterion in asked:
        given = data.scores[criterion.id]
        row = review.score_for(criterion.id)
        if row is None:
            row = ReviewScore(criterion=criterion)
            review.scores.append(row)
        row.score = given.score  # type: ignore[assignment]
        row.comment = given.comment.strip()
    db.session.flush()
    return review


def may_see_scores(viewer: Any, registration: Registration, *, has_reviewed: bool) -> bool:
    """Organisers and administrators see every score; a reviewer only those of applications
    they have scored themselves, so that the others' cannot sway them."""
    return can_manage_course(viewer, registration.course) or has_reviewed


def reviews_of(registration: Registration) -> list[Review]:
    """An application's reviews, oldest first, with their reviewers and scores."""
    return list(
        db.session.scalars(
            sa.select(Review)
            .where(Review.registration_id == registration.id)
            .options(joinedload(Review.reviewer))
            .order_by(Review.created_at, Review.id)
        )
    )


def visible_reviews(registration: Registration, viewer: User) -> list[Review]:
    """The reviews ``viewer`` may read: all of them, once they may see the scores; else none
    (their own does not exist yet)."""
    reviews = reviews_of(registration)
    has_reviewed = any(review.reviewer_id == viewer.id for review in reviews)
    if may_see_scores(viewer, registration, has_reviewed=has_reviewed):
        return reviews
    return []
