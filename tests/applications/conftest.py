"""Shared set-up for the application questions: the Turin workshop taking applications, its
organiser, two applicants with similar names, and the busy neighbour course with questions and
answers of its own that no test may change."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Role, User
from app.applications import services
from app.applications.models import (
    Answer,
    ApplicationQuestion,
    OptionText,
    QuestionKind,
    QuestionOption,
    QuestionText,
    answer_option,
)
from app.applications.options import OptionData
from app.applications.services import QuestionData, TextData
from app.courses.models import Course, CourseTeamMember, TeamRole
from app.db import now_utc
from app.extensions import db
from tests.factories import make_user
from tests.neighbours import Neighbour, guard, make_busy_course
from tests.registration.conftest import open_course

# The storage tests' upload folder per test (autouse), its listing and a browser's upload.
from tests.storage.conftest import files_in, upload, uploads  # noqa: F401


def question_data(
    kind: QuestionKind = QuestionKind.SHORT_TEXT,
    label: str = "Which city do you work for?",
    *,
    fr: str = "",
    help_text: str = "",
    options: Sequence[str | OptionData] = (),
    **settings: object,
) -> QuestionData:
    """A question as the builder form hands it over: English (and French) texts; options
    given as English labels or as rows."""
    texts = {"en": TextData(label, help_text)}
    if fr:
        texts["fr"] = TextData(fr)
    rows = tuple(
        option if isinstance(option, OptionData) else OptionData({"en": option})
        for option in options
    )
    return QuestionData(kind=kind, texts=texts, options=rows, **settings)  # type: ignore[arg-type]


def add_question(
    course: Course,
    kind: QuestionKind = QuestionKind.SHORT_TEXT,
    label: str = "Which city do you work for?",
    *,
    actor: User | None = None,
    **kwargs: object,
) -> ApplicationQuestion:
    actor = actor or course.members(TeamRole.ORGANISER)[0]
    return services.create_question(course, question_data(kind, label, **kwargs), actor=actor)


def rows_of(question: ApplicationQuestion, **changes: Mapping[str, object]) -> list[OptionData]:
    """The question's options as the edit form sends them back unchanged; ``changes`` keyed by
    English label alter a row (``{"Africa": {"remove": True}}``)."""
    rows = []
    for option in question.options:
        labels = {t.locale: t.label for t in option.texts}
        values: dict[str, object] = {
            "labels": labels,
            "option_id": option.id,
            "is_retired": option.is_retired,
            **changes.get(labels.get("en", ""), {}),
        }
        rows.append(OptionData(**values))  # type: ignore[arg-type]
    return rows


def same_as(question: ApplicationQuestion, **overrides: object) -> QuestionData:
    """The question's own data, as its edit form would send it unchanged, with overrides."""
    values: dict[str, object] = {
        "kind": question.kind,
        "texts": {t.locale: TextData(t.label, t.help_text) for t in question.texts},
        "is_required": question.is_required,
        "min_value": question.min_value,
        "max_value": question.max_value,
        "max_size_mb": question.max_size_mb,
        "options": rows_of(question),
    }
    values.update(overrides)
    return QuestionData(**values)  # type: ignore[arg-type]


REGIONS = ("Africa", "Americas", "Asia and the Pacific", "Europe")


@pytest.fixture
def organiser() -> User:
    return make_user(Role.ORGANISER, name="Olga Organiser", email="olga@example.org")


@pytest.fixture
def course(organiser: User) -> Course:
    """The Turin workshop, two months ahead, taking applications (approved one by one)."""
    course = open_course(capacity=30)
    course.requires_approval = True
    course.languages = "en,fr"
    course.team.append(CourseTeamMember(user=organiser, role=TeamRole.ORGANISER))
    db.session.flush()
    return course


@pytest.fixture
def ana() -> User:
    return make_user(name="Ana Souza", email="ana.souza@example.org")


@pytest.fixture
def ana_sousa() -> User:
    """Another applicant, with a name one letter away."""
    return make_user(name="Ana Sousa", email="ana.sousa@example.com")


# --- the neighbour ----------------------------------------------------------------------------


def _neighbour_questions(course: Course) -> None:
    """A required region question and a years-of-experience question on the neighbour, each
    answered by its first three registrations."""
    region = ApplicationQuestion(
        course=course,
        kind=QuestionKind.SINGLE_CHOICE,
        position=0,
        is_required=True,
        texts=[QuestionText(locale="en", label="Which region do you work in?")],
        options=[
            QuestionOption(position=n, texts=[OptionText(locale="en", label=label)])
            for n, label in enumerate(REGIONS)
        ],
    )
    years = ApplicationQuestion(
        course=course,
        kind=QuestionKind.NUMBER,
        position=1,
        min_value=0,
        max_value=50,
        texts=[QuestionText(locale="en", label="Years of experience")],
    )
    db.session.add_all([region, years])
    db.session.flush()
    stamp = now_utc() - timedelta(days=20)
    registrations = sorted(course_registrations(course), key=lambda r: r.id)[:3]
    for n, registration in enumerate(registrations):
        db.session.add_all(
            [
                Answer(
                    registration=registration,
                    question=region,
                    options=[region.options[n]],
                    created_at=stamp,
                    updated_at=stamp,
                ),
                Answer(
                    registration=registration,
                    question=years,
                    value=str(5 + n),
                    created_at=stamp,
                    updated_at=stamp,
                ),
            ]
        )
    db.session.flush()


def course_registrations(course: Course) -> list:
    from app.registration.models import Registration

    return list(
        db.session.scalars(sa.select(Registration).where(Registration.course_id == course.id))
    )


def _questions_snapshot(course_id: int) -> dict[str, list[tuple]]:
    question_ids = sa.select(ApplicationQuestion.id).where(
        ApplicationQuestion.course_id == course_id
    )

    def rows(stmt: sa.Select) -> list[tuple]:
        return [tuple(row) for row in db.session.execute(stmt)]

    return {
        "questions": rows(
            sa.select(
                ApplicationQuestion.id,
                ApplicationQuestion.kind,
                ApplicationQuestion.position,
                ApplicationQuestion.is_retired,
                ApplicationQuestion.updated_at,
            )
            .where(ApplicationQuestion.course_id == course_id)
            .order_by(ApplicationQuestion.id)
        ),
        "texts": rows(
            sa.select(QuestionText.question_id, QuestionText.locale, QuestionText.label)
            .where(QuestionText.question_id.in_(question_ids))
            .order_by(QuestionText.id)
        ),
        "options": rows(
            sa.select(QuestionOption.id, QuestionOption.position, QuestionOption.is_retired)
            .where(QuestionOption.question_id.in_(question_ids))
            .order_by(QuestionOption.id)
        ),
        "answers": rows(
            sa.select(Answer.id, Answer.registration_id, Answer.value, Answer.updated_at)
            .where(Answer.question_id.in_(question_ids))
            .order_by(Answer.id)
        ),
        "chosen": rows(
            sa.select(answer_option.c.answer_id, answer_option.c.option_id)
            .join(Answer, Answer.id == answer_option.c.answer_id)
            .where(Answer.question_id.in_(question_ids))
            .order_by(answer_option.c.answer_id, answer_option.c.option_id)
        ),
    }


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    """A busy course opening for applications at the same time, with questions and answers of
    its own: no test may change any of it."""
    busy = make_busy_course((now_utc() + timedelta(days=50)).date())
    _neighbour_questions(busy.course)
    guarded = guard(busy)
    yield_value = next(guarded)  # commits what was built
    before = _questions_snapshot(busy.course_id)
    yield yield_value
    try:
        after = _questions_snapshot(busy.course_id)
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        after = _questions_snapshot(busy.course_id)
    changed = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
    assert not changed, f"the other course's questions were changed: {changed}"
    for _rest in guarded:  # the guard's own checks
        pass
