"""The 2017 Turin course's online phase as it happened, for the demo: materials beside the
modules and sessions, a discussion with topics and replies, session ratings and an anonymous
evaluation answered by most of the group, so that the Materials, Discussions, Results and
Progress pages have something to show on a fresh ``make run``.

Everything goes through the areas' own services at the moment it happened (``now`` in 2017), so
the rules hold for the demo as for real data. Nothing is mailed: 2017's invitations and digests
would only fill the outbox of a new installation.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa

from app.accounts.models import User
from app.core.timeutil import local_to_utc
from app.courses.models import Course
from app.discussions import services as discussions
from app.evaluation import answering, questionnaire, ratings
from app.evaluation import services as evaluations
from app.evaluation.models import QuestionKind
from app.extensions import db
from app.followup.models import ActivityKind
from app.materials import services as materials
from app.registration.models import Registration, RegistrationStatus

TOOLBOX = "https://www.migration4development.org/en/resources/toolbox"

# (module code or None for the whole course, title, address)
MATERIALS = [
    (None, "JMDI toolbox: how to use the modules", f"{TOOLBOX}/introduction"),
    (None, "Course handbook and reading list", "https://docs.example.org/governing-2017/handbook"),
    ("M1", "Module 1 slides: migration and local development", f"{TOOLBOX}/module-1"),
    ("M2", "Module 2 slides: institutional set-up", f"{TOOLBOX}/module-2"),
    ("M3", "Module 3 case studies: partnerships with diasporas", f"{TOOLBOX}/module-3"),
]

# (author index among the participants, or None for the organiser; text; replies by index)
TOPICS = [
    (
        0,
        "Our draft plan for Quito's migrant services office is here: "
        "https://docs.example.org/quito-plan. The hardest part is the budget line for "
        "interpreters; how did your towns pay for theirs?",
        [
            (3, "We shared a pool of interpreters with two neighbouring municipalities."),
            (None, "A good question for the live session on the 14th: please bring it up."),
        ],
    ),
    (
        2,
        "Has anyone set up a one-stop shop for returnees? We start in March and would like "
        "to learn from what went wrong elsewhere.",
        [
            (
                5,
                "Dakar did in 2016: the lesson was to involve the regional employment agency "
                "from the start.",
            ),
            (1, "Same experience in Tunis. Happy to share our terms of reference."),
        ],
    ),
    (
        4,
        "A short note on how we consulted migrant associations for the plan, in case it is "
        "useful to others.",
        [],
    ),
]

# Scores given to the evaluation's rating questions, one row per participant who answered.
EVALUATION_SCORES = [5, 4, 5, 4, 3, 5, 4, 4, 5]
EVALUATION_COMMENTS = [
    "More time for the study visit, and the case studies sent before the course.",
    "",
    "A session on financing earlier in the week would help us plan with our mayors.",
]


def seed_online_phase(course: Course, organiser: User) -> None:
    """Materials, discussion, session ratings and evaluation of the 2017 course."""
    participants = list(
        db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.course_id == course.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            .order_by(Registration.id)
        )
    )
    _materials(course, organiser)
    _discussion(course, organiser, participants)
    _session_ratings(course, organiser, participants)
    _evaluation(course, organiser, participants)
    db.session.flush()


def _at(course: Course, day_offset: int, hour: int, *, after_end: bool = False) -> datetime:
    base = course.end_date if after_end else course.start_date
    return local_to_utc(base + timedelta(days=day_offset), time(hour), course.timezone)


def _materials(course: Course, organiser: User) -> None:
    modules = {m.code: m for m in materials.course_modules(course)}
    now = _at(course, -7, 10)
    for code, title, url in MATERIALS:
        module = modules.get(code) if code else None
        if code and module is None:
            continue
        place = f"{materials.MODULE_PREFIX}{module.id}" if module else materials.COURSE_PLACE
        materials.add_material(
            course,
            materials.MaterialData(
                title=title,
                url=url,
                place=place,
                visibility=(
                    materials.MaterialVisibility.PUBLIC.value
                    if code is None and "toolbox" in url
                    else materials.MaterialVisibility.PARTICIPANTS.value
                ),
            ),
            actor=organiser,
            now=now,
        )


def _discussion(course: Course, organiser: User, participants: list[Registration]) -> None:
    activity = next((a for a in course.activities if a.kind == ActivityKind.DISCUSSION), None)
    if activity is None or course.followup_opens_on is None:
        return
    opens = local_to_utc(course.followup_opens_on, time(9), course.timezone)

    def author(index: int | None) -> User:
        return organiser if index is None else participants[index % len(participants)].user

    for day, (index, body, replies) in enumerate(TOPICS):
        topic = discussions.create_post(
            activity, body, actor=author(index), now=opens + timedelta(days=day, hours=index or 0)
        )
        for hours, (reply_index, text) in enumerate(replies, start=1):
            discussions.create_post(
                activity,
                text,
                actor=author(reply_index),
                parent=topic,
                now=opens + timedelta(days=day + 1, hours=hours),
            )


def _session_ratings(course: Course, organiser: User, participants: list[Registration]) -> None:
    ratings.set_enabled(course, True, actor=organiser, now=_at(course, -7, 10))
    rated = [s for s in ratings.ratable_sessions(course)][:6]
    for number, session in enumerate(rated):
        for index, registration in enumerate(participants[:8]):
            if (index + number) % 3 == 2:
                continue  # not everyone rates every session
            ratings.rate_session(
                registration,
                session,
                3 + (index + number) % 3,
                "Very practical." if index == number else "",
                actor=registration.user,
                now=session.ends_at + timedelta(minutes=5),
            )


def _evaluation(course: Course, organiser: User, participants: list[Registration]) -> None:
    evaluation = questionnaire.create_evaluation(course, actor=organiser, now=_at(course, -10, 9))
    # Opened on the last afternoon and closed two weeks later, as `flask tick` would have done,
    # but without mailing 2017's invitations.
    evaluation.opened_at = _at(course, 0, 14, after_end=True)
    evaluation.opened_by_id = organiser.id
    db.session.flush()
    for index, (registration, score) in enumerate(
        zip(participants, EVALUATION_SCORES, strict=False)
    ):
        answers: dict[str, object] = {}
        for question in evaluation.questions:
            if question.kind == QuestionKind.RATING:
                answers[answering.field_name(question)] = str(
                    max(1, score - (question.id + index) % 2)
                )
            elif index < len(EVALUATION_COMMENTS) and EVALUATION_COMMENTS[index]:
                answers[answering.field_name(question)] = EVALUATION_COMMENTS[index]
        answering.submit_answers(
            evaluation, registration, answers, now=_at(course, 1 + index, 11, after_end=True)
        )
    evaluation.closed_at = evaluations.closes_at(evaluation)
