"""Real-looking evaluation results for the results tests: the Turin workshop's 2017 and 2018
editions (30 confirmed participants in 2017, names close to each other), their evaluations
answered, session ratings, beside the busy sister course of tests/evaluation/conftest.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from app.accounts.models import Role
from app.core.timeutil import local_to_utc
from app.courses.models import Course, CourseStatus
from app.evaluation import ratings
from app.evaluation.models import (
    Evaluation,
    EvaluationAnswer,
    EvaluationCompletion,
    EvaluationQuestion,
    EvaluationResponse,
    QuestionArea,
)
from app.evaluation.questionnaire import create_evaluation
from app.evaluation.rating_models import SessionRating, SessionRatingDone
from app.extensions import db
from app.registration.models import Registration, RegistrationStatus
from app.schedule.models import CourseSession
from tests.factories import make_course, make_module, make_registration, make_user, make_venue

FIRST_NAMES = (
    "Ana",
    "Anna",
    "Tesfaye",
    "Lucía",
    "Lucia",
    "Amina",
    "Amina",
    "Kwame",
    "Rosa",
    "Rosa",
)
LAST_NAMES = ("Souza", "Sousa", "Bekele")


@dataclass
class Edition:
    course: Course
    evaluation: Evaluation
    organiser: object
    facilitator: object
    participants: list[Registration]
    sessions: list[CourseSession] = field(default_factory=list)
    responses: list[EvaluationResponse] = field(default_factory=list)

    def question(self, area: QuestionArea, nth: int = 0) -> EvaluationQuestion:
        return [q for q in self.evaluation.questions if q.area == area][nth]


def make_edition(
    slug: str,
    start: date,
    *,
    participants: int,
    edition_of: Course | None = None,
    modules=(),
    organiser=None,
    facilitator=None,
    anonymous: bool = True,
    languages: str = "en",
) -> Edition:
    organiser = organiser or make_user(Role.ORGANISER, name=f"Olga Organiser {slug}")
    facilitator = facilitator or make_user(name=f"Fatou Facilitator {slug}")
    course = make_course(
        slug=slug,
        title="Governing migration at the local level",
        start=start,
        venue=make_venue("Europe/Rome"),
        organisers=(organiser,),
        facilitators=(facilitator,),
        modules=modules,
        capacity=40,
    )
    course.edition_of = edition_of
    course.languages = languages
    registrations = [
        make_registration(
            course,
            make_user(
                name=f"{FIRST_NAMES[n % 10]} {LAST_NAMES[n % 3]} {slug[-4:]}-{n}",
                email=f"p{n}.{slug}@example.org",
            ),
        )
        for n in range(participants)
    ]
    make_registration(
        course, make_user(name=f"Ana Waiting {slug}"), status=RegistrationStatus.WAITLISTED
    )
    make_registration(
        course, make_user(name=f"Ana Cancelled {slug}"), status=RegistrationStatus.CANCELLED
    )
    evaluation = create_evaluation(course, actor=organiser, now=datetime(2017, 11, 1, tzinfo=UTC))
    evaluation.is_anonymous = anonymous
    sessions = []
    for day, title in zip(
        course.day_dates[:2], ("Opening and introductions", "Policy coherence"), strict=True
    ):
        session = CourseSession(
            course=course,
            title=title,
            starts_at=local_to_utc(day, time(9, 0), course.timezone),
            ends_at=local_to_utc(day, time(10, 30), course.timezone),
        )
        db.session.add(session)
        sessions.append(session)
    db.session.flush()
    return Edition(course, evaluation, organiser, facilitator, registrations, sessions)


def respond(
    edition: Edition,
    registration: Registration,
    ratings_by_area: dict[QuestionArea, int | None],
    text: str = "",
    module_ratings: tuple[int | None, ...] = (),
) -> EvaluationResponse:
    """One participant's answers, written as the core's answering does: the completion apart,
    linked to the response only for a named evaluation."""
    evaluation = edition.evaluation
    response = EvaluationResponse(evaluation_id=evaluation.id)
    db.session.add(response)
    db.session.flush()
    modules = iter(module_ratings)
    for question in sorted(evaluation.questions, key=lambda q: q.position):
        if question.area == QuestionArea.MODULE:
            value = next(modules, None)
            if value is not None:
                db.session.add(
                    EvaluationAnswer(response_id=response.id, question_id=question.id, rating=value)
                )
        elif question.area == QuestionArea.CHANGE:
            if text:
                db.session.add(
                    EvaluationAnswer(response_id=response.id, question_id=question.id, text=text)
                )
        else:
            value = ratings_by_area.get(question.area)
            if value is not None:
                db.session.add(
                    EvaluationAnswer(response_id=response.id, question_id=question.id, rating=value)
                )
    db.session.add(
        EvaluationCompletion(
            evaluation_id=evaluation.id,
            registration_id=registration.id,
            completed_at=datetime(2017, 11, 24, 16, tzinfo=UTC),
            response_id=None if evaluation.is_anonymous else response.id,
        )
    )
    db.session.flush()
    return response


def rate_session(
    edition: Edition,
    session: CourseSession,
    registration: Registration,
    score: int,
    comment: str = "",
) -> None:
    """A session rating as the rules write it (two unlinked rows)."""
    db.session.add(
        SessionRatingDone(
            session_id=session.id, registration_id=registration.id, done_on=date(2017, 11, 20)
        )
    )
    db.session.add(SessionRating(session_id=session.id, score=score, comment=comment))
    db.session.flush()


def switch_ratings_on(edition: Edition) -> None:
    ratings.set_enabled(
        edition.course, True, actor=edition.organiser, now=datetime(2017, 11, 1, tzinfo=UTC)
    )


OVERALL = QuestionArea.OVERALL
RELEVANCE = QuestionArea.RELEVANCE
FACILITATION = QuestionArea.FACILITATION
ORGANISATION = QuestionArea.ORGANISATION

# Twelve responses of the 2017 edition: overall, relevance, facilitation, organisation, the two
# modules, and what to change.
ANSWERS_2017 = [
    (5, 4, 5, 3, (5, 4), "More time for the study visit"),
    (4, 4, 4, 2, (4, 4), '=HYPERLINK("http://evil.example","click")'),
    (5, 5, 5, 4, (5, 3), ""),
    (4, 3, 4, 3, (3, 3), "Shorter lunch breaks"),
    (3, 3, 4, 2, (4, None), "+33 1 23 45 67 89 is the hotel, it was far"),
    (5, 5, 5, 5, (5, 5), ""),
    (4, None, 4, 3, (4, 4), "@organisers: more interpretation booths"),
    (2, 3, 3, 1, (2, 2), "-"),
    (5, 4, 5, 4, (5, 4), "<script>alert('x')</script> and more case studies"),
    (4, 4, 4, 3, (4, 4), ""),
    (5, 5, 4, 4, (4, 5), "A follow-up webinar with the same group"),
    (4, 4, 5, 3, (5, 4), ""),
]


def answer_all(edition: Edition, answers=ANSWERS_2017) -> list[EvaluationResponse]:
    found = []
    for registration, (overall, relevance, facilitation, organisation, modules, text) in zip(
        edition.participants, answers, strict=False
    ):
        found.append(
            respond(
                edition,
                registration,
                {
                    OVERALL: overall,
                    RELEVANCE: relevance,
                    FACILITATION: facilitation,
                    ORGANISATION: organisation,
                },
                text,
                modules,
            )
        )
    return found


def two_editions() -> tuple[Edition, Edition]:
    """2017 (30 confirmed, twelve answered) and its 2018 copy (six confirmed, five answered)."""
    modules = (
        make_module("M1", title="Migration and local governance"),
        make_module("M2", title="Inclusive service delivery"),
    )
    first = make_edition("governing-2017", date(2017, 11, 20), participants=30, modules=modules)
    first.responses = answer_all(first)
    second = make_edition(
        "governing-2018",
        date(2018, 11, 19),
        participants=6,
        edition_of=first.course,
        modules=modules,
        organiser=first.organiser,
    )
    second.course.status = CourseStatus.PUBLISHED
    answer_all(
        second,
        [
            (5, 5, 5, 5, (5, 5), ""),
            (4, 5, 4, 4, (4, 4), ""),
            (5, 4, 5, 4, (5, 5), ""),
            (3, 4, 4, 3, (4, 3), ""),
            (5, 5, 5, 5, (5, 4), "Great"),
        ],
    )
    return first, second
