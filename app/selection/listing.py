"""The selection list, the balance of the confirmed group, and the organisers' decisions
from the list.

- :func:`selection_rows` gives each application's number of reviews, the mean score per active
  criterion and overall, and the spread, in a fixed number of queries however many there
  are; a reviewer sees the scores only of the applications they have scored.
- :func:`balance` counts the confirmed group by country, type of organisation and gender in
  one query.
- :func:`decide` confirms, waitlists or rejects through the registration rules, under their
  lock, so capacity holds whatever the route to "confirmed"; the optional message reaches the
  applicant's mail and the registration's history.

Services flush, never commit, and take the acting user as an argument.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.courses.models import Course
from app.courses.permissions import can_manage_course
from app.extensions import db
from app.registration import services as registration_services
from app.registration.exports import ParticipantSummary, Share, country_name
from app.registration.models import Gender, OrganisationType, Registration, RegistrationStatus
from app.selection.models import Review, ReviewScore, SelectionCriterion
from app.selection.services import (
    DECIDED,
    UNDECIDED,
    NotAllowed,
    SelectionError,
    active_criteria,
)

S = RegistrationStatus
# Reviewers disagree on an application when two of them scored the same criterion this many
# points apart, or more (a 2 and a 4, a 1 and a 5).
DISAGREEMENT = 2
# The decision's message is kept whole in the registration's history (its note column).
MESSAGE_MAX = 500


# --- the selection list -----------------------------------------------------------------------


class Show(enum.StrEnum):
    """Which applications the list shows."""

    UNDECIDED = "undecided"
    DECIDED = "decided"
    ALL = "all"

    @property
    def label(self) -> str:
        return {
            Show.UNDECIDED: _l("To decide (submitted and on the waiting list)"),
            Show.DECIDED: _l("Decided (confirmed, not accepted or cancelled)"),
            Show.ALL: _l("All applications"),
        }[self]

    @property
    def statuses(self) -> frozenset[RegistrationStatus]:
        return {Show.UNDECIDED: UNDECIDED, Show.DECIDED: DECIDED, Show.ALL: UNDECIDED | DECIDED}[
            self
        ]


@dataclass
class ApplicationRow:
    """One application on the selection list, with what ``viewer`` may see of its scores."""

    registration: Registration
    review_count: int = 0
    reviewed_by_viewer: bool = False
    # Hidden from a reviewer who has not scored the application yet.
    scores_hidden: bool = False
    means: dict[int, float] = field(default_factory=dict)  # by criterion id
    spreads: dict[int, int] = field(default_factory=dict)  # max − min, by criterion id
    overall: float | None = None  # the mean of the criteria's means

    @property
    def spread(self) -> int | None:
        """The widest disagreement on one criterion (max − min), or None before two scores."""
        return max(self.spreads.values(), default=None)

    @property
    def disagree(self) -> bool:
        return self.spread is not None and self.spread >= DISAGREEMENT


SortKey = str  # "overall", "reviews", "spread", "name", "applied" or "criterion-<id>"


def _aggregates(criterion_ids: list[int]) -> dict[int, dict[int, tuple[float, int, int]]]:
    """Registration id → criterion id → (mean, min, max) of the scores on ``criterion_ids``
    (one course's criteria, so of its applications only), in one query."""
    rows = db.session.execute(
        sa.select(
            Review.registration_id,
            ReviewScore.criterion_id,
            sa.func.avg(ReviewScore.score),
            sa.func.min(ReviewScore.score),
            sa.func.max(ReviewScore.score),
        )
        .join(Review.scores)
        .where(ReviewScore.criterion_id.in_(criterion_ids))
        .group_by(Review.registration_id, ReviewScore.criterion_id)
    )
    found: dict[int, dict[int, tuple[float, int, int]]] = {}
    for registration_id, criterion_id, mean, lowest, highest in rows:
        found.setdefault(registration_id, {})[criterion_id] = (float(mean), lowest, highest)
    return found


def _overall(means: Iterable[float]) -> float | None:
    """The overall mean: the mean of the criteria's means, each criterion weighing alike."""
    values = list(means)
    return sum(values) / len(values) if values else None


SORT_VALUES: dict[str, Callable[[ApplicationRow], Any]] = {
    "overall": lambda row: row.overall,
    "reviews": lambda row: row.review_count,
    "spread": lambda row: row.spread,
    "name": lambda row: row.registration.certificate_name.casefold(),
    "applied": lambda row: row.registration.created_at,
}


def _sort_value(key: SortKey) -> Callable[[ApplicationRow], Any]:
    """How to sort by ``key``: one of SORT_VALUES, or ``criterion-<id>``; else ValueError."""
    if key in SORT_VALUES:
        return SORT_VALUES[key]
    if not key.startswith("criterion-"):
        raise ValueError(f"no such sort key: {key!r}")
    criterion_id = int(key.removeprefix("criterion-"))
    return lambda row: row.means.get(criterion_id)


def sort_rows(
    rows: list[ApplicationRow], key: SortKey, *, descending: bool
) -> list[ApplicationRow]:
    """Rows by ``key``; those without a value (not scored, or hidden from the viewer) last
    whichever the direction, and ties in the order the applications came in."""
    value = _sort_value(key)
    valued = [row for row in rows if value(row) is not None]
    rest = [row for row in rows if value(row) is None]
    # Python's sort is stable, reversed too: ties keep the list's order (by application).
    valued.sort(key=value, reverse=descending)
    return valued + rest


def selection_rows(
    course: Course,
    viewer: User,
    *,
    show: Show = Show.UNDECIDED,
    sort: SortKey = "overall",
    descending: bool = True,
    asked: list[SelectionCriterion] | None = None,
) -> list[ApplicationRow]:
    """The applications ``show`` asks for with their number of reviews, means per active
    criterion and overall, and spreads, in four queries whatever their number. A reviewer
    sees the scores only of the applications they have scored, and sorting by a score they
    may not see puts those applications last, as if unscored."""
    if asked is None:
        asked = active_criteria(course)
    # Each application with its number of reviews and whether the viewer wrote one of them.
    listed = db.session.execute(
        sa.select(
            Registration,
            sa.func.count(Review.id),
            # The outer join's empty row has no reviewer: the filter leaves it out.
            sa.func.count().filter(Review.reviewer_id == viewer.id),
        )
        .outerjoin(Review)
        .where(Registration.course_id == course.id, Registration.status.in_(show.statuses))
        .group_by(Registration.id)
        .order_by(Registration.created_at, Registration.id)
    ).all()
    aggregates = _aggregates([criterion.id for criterion in asked])
    is_manager = can_manage_course(viewer, course)
    rows = []
    for registration, count, own in listed:
        row = ApplicationRow(registration, review_count=count, reviewed_by_viewer=own > 0)
        if not (is_manager or row.reviewed_by_viewer):
            row.scores_hidden = True
        else:
            for criterion_id, (mean, lowest, highest) in aggregates.get(
                registration.id, {}
            ).items():
                row.means[criterion_id] = mean
                row.spreads[criterion_id] = highest - lowest
            row.overall = _overall(row.means.values())
        rows.append(row)
    return sort_rows(rows, sort, descending=descending)


# --- balance of the confirmed group -----------------------------------------------------------


def _shares(
    rows: list[tuple[str | None, int]], label: Callable[[str], str], total: int
) -> list[Share]:
    """Shares of the values given, largest first (ties by name), then "not given"."""
    shares = sorted(
        (
            Share(key=key, label=label(key), count=count, fraction=count / total)
            for key, count in rows
            if key is not None
        ),
        key=lambda share: (-share.count, share.label),
    )
    not_given = sum(count for key, count in rows if key is None)
    if not_given:
        shares.append(
            Share(key="", label=_("Not given"), count=not_given, fraction=not_given / total)
        )
    return shares


def balance(course: Course) -> ParticipantSummary:
    """The confirmed group by country of residence, type of organisation and gender, with
    each value's share of the group, in one query."""
    confirmed = (Registration.course_id == course.id, Registration.status == S.CONFIRMED)

    def counted(name: str, column: Any) -> sa.Select[Any]:
        return (
            sa.select(sa.literal_column(f"'{name}'"), sa.cast(column, sa.String), sa.func.count())
            .where(*confirmed)
            .group_by(column)
        )

    stmt = sa.union_all(
        counted("country", Registration.country),
        counted("organisation_type", Registration.organisation_type),
        counted("gender", Registration.gender),
    )
    by: dict[str, list[tuple[str | None, int]]] = {
        "country": [],
        "organisation_type": [],
        "gender": [],
    }
    for dimension, value, count in db.session.execute(stmt):
        by[dimension].append((value, count))
    total = sum(count for _value, count in by["country"])
    return ParticipantSummary(
        total=total,
        by_country=_shares(by["country"], country_name, total),
        by_organisation_type=_shares(
            by["organisation_type"], lambda v: str(OrganisationType(v).label), total
        ),
        by_gender=_shares(by["gender"], lambda v: str(Gender(v).label), total),
    )


# --- decisions --------------------------------------------------------------------------------


class Decision(enum.StrEnum):
    CONFIRM = "confirm"
    WAITLIST = "waitlist"
    REJECT = "reject"

    @property
    def label(self) -> str:
        return {
            Decision.CONFIRM: _l("Confirm"),
            Decision.WAITLIST: _l("Put on the waiting list"),
            Decision.REJECT: _l("Reject"),
        }[self]


@dataclass
class DecisionOutcome:
    done: list[Registration] = field(default_factory=list)
    refused: list[tuple[Registration, str]] = field(default_factory=list)  # with the reason


def _overall_means(course: Course) -> dict[int, float | None]:
    """Registration id → its overall mean on the active criteria, for those scored."""
    found = _aggregates([criterion.id for criterion in active_criteria(course)])
    return {
        registration_id: _overall(mean for mean, _lowest, _highest in by_criterion.values())
        for registration_id, by_criterion in found.items()
    }


def decision_order(course: Course, registrations: Sequence[Registration]) -> list[Registration]:
    """The order decisions are taken in: the highest overall score first (so that when seats
    run out, the best-scored are confirmed), the unscored last, ties by application date."""
    means = _overall_means(course)
    by_date = sorted(registrations, key=lambda r: (r.created_at, r.id))
    scored = [r for r in by_date if r.id in means]
    scored.sort(key=lambda r: means[r.id], reverse=True)
    return scored + [r for r in by_date if r.id not in means]


def decide(
    course: Course,
    registrations: Sequence[Registration],
    decision: Decision,
    *,
    actor: User,
    message: str = "",
) -> DecisionOutcome:
    """Confirm, waitlist or reject each application of ``course`` in :func:`decision_order`
    through the registration rules (confirmations under the course's seat lock), with
    ``message`` in each decision's mail and history. A refusal (no seat left, a state that
    does not allow it) leaves that application as it was and the others go on."""
    if not can_manage_course(actor, course):
        raise NotAllowed(_l("Only the course's organisers decide on applications."))
    if any(registration.course_id != course.id for registration in registrations):
        raise SelectionError(_l("Some of the selected applications are not of this course."))
    message = message.strip()
    act = {
        Decision.CONFIRM: registration_services.confirm,
        Decision.WAITLIST: registration_services.put_on_waitlist,
        Decision.REJECT: registration_services.reject,
    }[decision]
    outcome = DecisionOutcome()
    for registration in decision_order(course, registrations):
        try:
            act(registration, actor=actor, message=message)
        except registration_services.RegistrationError as exc:
            outcome.refused.append((registration, str(exc.message)))
        else:
            outcome.done.append(registration)
    return outcome
