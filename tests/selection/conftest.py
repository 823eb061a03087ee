"""Shared set-up for the selection: the Turin workshop taking applications, its team (an
organiser, two reviewers, a facilitator), and the busy neighbour course that no test may
change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Role, User
from app.courses.models import Course, CourseTeamMember, TeamRole
from app.db import now_utc
from app.extensions import db
from app.registration.models import Gender, OrganisationType, Registration, RegistrationStatus
from app.selection import services
from app.selection.models import CriterionText, Review, ReviewScore, SelectionCriterion
from app.selection.services import CriterionData, CriterionTextData, ReviewData, ScoreData
from tests.factories import make_registration, make_user
from tests.neighbours import Neighbour, guard, make_busy_course
from tests.registration.conftest import open_course


def _neighbour_selection(neighbour: Neighbour) -> None:
    """The neighbour's own committee: two criteria, and its reviewer's scores of the two
    applications it still has to decide (one waiting on the list, one submitted)."""
    course = neighbour.course
    referee = make_user(name="Ana Souza-Reviewer", email="ana.referee@example.org")
    course.team.append(CourseTeamMember(user=referee, role=TeamRole.REVIEWER))
    marks = [
        SelectionCriterion(
            course=course, position=n, texts=[CriterionText(locale="en", label=label)]
        )
        for n, label in enumerate(("Relevance of the job", "Motivation"), start=1)
    ]
    db.session.add_all(marks)
    stamp = datetime(2030, 1, 15, 9, 0, tzinfo=UTC)
    for registration in neighbour.registrations[4:6]:
        db.session.add(
            Review(
                registration=registration,
                reviewer=referee,
                comment="Strong profile.",
                created_at=stamp,
                updated_at=stamp,
                scores=[ReviewScore(criterion=mark, score=5) for mark in marks],
            )
        )
    db.session.flush()


def _selection_snapshot(course_id: int) -> dict[str, list[tuple]]:
    criterion_ids = sa.select(SelectionCriterion.id).where(
        SelectionCriterion.course_id == course_id
    )
    review_ids = (
        sa.select(Review.id).join(Review.registration).where(Registration.course_id == course_id)
    )

    def rows(stmt: sa.Select) -> list[tuple]:
        return [tuple(row) for row in db.session.execute(stmt)]

    return {
        "criteria": rows(
            sa.select(
                SelectionCriterion.id,
                SelectionCriterion.position,
                SelectionCriterion.is_retired,
                SelectionCriterion.updated_at,
            )
            .where(SelectionCriterion.id.in_(criterion_ids))
            .order_by(SelectionCriterion.id)
        ),
        "texts": rows(
            sa.select(CriterionText.criterion_id, CriterionText.locale, CriterionText.label)
            .where(CriterionText.criterion_id.in_(criterion_ids))
            .order_by(CriterionText.id)
        ),
        "reviews": rows(
            sa.select(Review.id, Review.registration_id, Review.comment, Review.updated_at)
            .where(Review.id.in_(review_ids))
            .order_by(Review.id)
        ),
        "scores": rows(
            sa.select(ReviewScore.review_id, ReviewScore.criterion_id, ReviewScore.score)
            .where(ReviewScore.review_id.in_(review_ids))
            .order_by(ReviewScore.id)
        ),
    }


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    """A busy course taking applications at the same time, with a committee of its own, which
    no test may change."""
    busy = make_busy_course((now_utc() + timedelta(days=50)).date())
    _neighbour_selection(busy)
    db.session.commit()
    before = _selection_snapshot(busy.course_id)
    yield from guard(busy)
    # What the test flushed counts, committed or not; only a broken transaction is dropped.
    try:
        after = _selection_snapshot(busy.course_id)
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        after = _selection_snapshot(busy.course_id)
    assert after == before, "the other course's selection was changed"


@pytest.fixture
def organiser() -> User:
    return make_user(Role.ORGANISER, name="Olga Rossi", email="olga.rossi@example.org")


@pytest.fixture
def reviewer() -> User:
    return make_user(name="Rania Haddad", email="rania.haddad@example.org")


@pytest.fixture
def second_reviewer() -> User:
    return make_user(name="Kwame Mensah", email="kwame.mensah@example.org")


@pytest.fixture
def facilitator() -> User:
    return make_user(name="Fatou Diallo", email="fatou.diallo@example.org")


@pytest.fixture
def course(organiser: User, reviewer: User, second_reviewer: User, facilitator: User) -> Course:
    """Governing migration at the local level, in Turin, taking applications for three seats
    that organisers approve one by one."""
    course = open_course(capacity=3, organisers=(organiser,), facilitators=(facilitator,))
    course.slug = "governing-migration-2031"
    course.requires_approval = True
    course.team.extend(
        CourseTeamMember(user=user, role=TeamRole.REVIEWER) for user in (reviewer, second_reviewer)
    )
    db.session.flush()
    return course


# --- criteria, applicants and reviews ---------------------------------------------------------

# The Turin workshop's criteria, in English, French and Spanish.
CRITERIA = (
    ("Relevance of the job", "Pertinence du poste", "Pertinencia del puesto"),
    ("Motivation", "Motivation", "Motivación"),
    ("Regional balance", "Équilibre régional", "Equilibrio regional"),
)


def criterion_data(en: str, fr: str = "", es: str = "", *, help_text: str = "") -> CriterionData:
    texts = {"en": CriterionTextData(en, help_text)}
    if fr:
        texts["fr"] = CriterionTextData(fr)
    if es:
        texts["es"] = CriterionTextData(es)
    return CriterionData(texts=texts)


@pytest.fixture
def criteria(course: Course, organiser: User) -> list[SelectionCriterion]:
    return [
        services.create_criterion(course, criterion_data(*texts), actor=organiser)
        for texts in CRITERIA
    ]


# Applicants with similar names, from several regions, in three languages.
APPLICANTS = (
    # name, email, country, organisation type, gender, language
    (
        "Ana Souza",
        "ana.souza@example.org",
        "BR",
        OrganisationType.LOCAL_GOVERNMENT,
        Gender.WOMAN,
        "en",
    ),
    (
        "Ana Sousa",
        "ana.sousa@example.com",
        "PT",
        OrganisationType.CIVIL_SOCIETY,
        Gender.WOMAN,
        "fr",
    ),
    ("Anna Souza", "anna.souza@example.com", "IT", OrganisationType.ACADEMIA, None, "en"),
    (
        "Tesfaye Bekele",
        "tesfaye.bekele@example.org",
        "ET",
        OrganisationType.NATIONAL_GOVERNMENT,
        Gender.MAN,
        "en",
    ),
    (
        "Lucía Pérez",
        "lucia.perez@example.com",
        "CO",
        OrganisationType.LOCAL_GOVERNMENT,
        Gender.WOMAN,
        "es",
    ),
    (
        "Jean-Pierre Mbala",
        "jp.mbala@example.org",
        "CD",
        OrganisationType.CIVIL_SOCIETY,
        Gender.MAN,
        "fr",
    ),
)
# When the first of them applied; the others an hour apart each.
FIRST_APPLIED = datetime(2031, 9, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def applicants(course: Course) -> list[Registration]:
    """Six applications waiting for a decision, in the order they came in."""
    made = []
    for n, (name, email, country, kind, gender, language) in enumerate(APPLICANTS):
        registration = make_registration(
            course,
            make_user(name=name, email=email),
            status=RegistrationStatus.SUBMITTED,
            country=country,
            nationality=country,
            organisation_type=kind,
            gender=gender,
            language=language,
            motivation=f"I coordinate migrant services in my city ({name}).",
        )
        registration.created_at = FIRST_APPLIED + timedelta(hours=n)
        made.append(registration)
    db.session.flush()
    return made


def review(
    registration: Registration,
    reviewer: User,
    *scores: int,
    comment: str = "",
    notes: tuple[str, ...] = (),
    now: datetime | None = None,
) -> Review:
    """``reviewer``'s review of ``registration``: ``scores`` in the order of the active
    criteria."""
    asked = services.active_criteria(registration.course)
    assert len(scores) == len(asked), "one score per active criterion"
    return services.save_review(
        registration,
        ReviewData(
            scores={
                c.id: ScoreData(score, notes[i] if i < len(notes) else "")
                for i, (c, score) in enumerate(zip(asked, scores, strict=True))
            },
            comment=comment,
        ),
        actor=reviewer,
        now=now,
    )
