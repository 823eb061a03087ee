"""Rules of the end-of-course evaluation: making it from the standard template, editing it,
its calendar, opening and closing it, and what other areas ask of it.

Services flush but never commit: the caller (a route or ``flask tick``) commits once. They take
the acting user and ``now`` as keyword arguments and never read the request.

For other areas (the results pages, the certificate, the progress checklist):

- :func:`evaluation_for` (course) → the course's :class:`Evaluation` or ``None``;
- :func:`has_completed` (registration) and :func:`completed_registration_ids` (course, one
  query) → who completed it;
- :func:`is_required_for_certificate` (course) and :func:`blocks_certificate` (registration);
- :func:`questions_in_order` (evaluation) → its questions by position; each has ``kind``,
  ``area``, ``course_module_id``, ``key`` (lines questions up across editions),
  ``label(locale)``; :data:`app.evaluation.models.RATING_LABELS` and
  :data:`app.evaluation.models.MIN_BREAKDOWN`;
- answers: :mod:`app.evaluation.answering` (:func:`~app.evaluation.answering.answers_for`,
  :func:`~app.evaluation.answering.response_count`).

The calendar, in the venue's zone (``course.timezone``): the evaluation opens on the last
on-site day (``course.end_date``), at the start of that day or at ``opens_at_time``; it closes
at the end of ``closes_on`` (by default the 14th day after the last on-site day); the one
reminder goes at the start of the day ``reminder_days_before_close`` days before it closes (so
with 3, participants have three full days left), and never within a day of the opening. Dates
follow the course when its dates move, as long as the organisers have not fixed them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app.core.rules import FieldErrors
from app.core.timeutil import NonexistentLocalTime, day_start_utc, local_to_utc
from app.courses.models import Course
from app.db import now_utc
from app.evaluation.models import (
    Evaluation,
    EvaluationCompletion,
    EvaluationQuestion,
    EvaluationQuestionText,
    QuestionArea,
    QuestionKind,
)
from app.extensions import db
from app.registration.models import Registration, RegistrationStatus

logger = logging.getLogger(__name__)

# By default the evaluation stays open for this many days after the last on-site day.
DEFAULT_OPEN_DAYS = 14
DEFAULT_REMINDER_DAYS = 3
MAX_REMINDER_DAYS = 30
# The reminder never follows the invitation within this time.
REMINDER_MIN_GAP = timedelta(days=1)
LABEL_MAX_LENGTH = 300
HELP_MAX_LENGTH = 1000

Direction = Literal["up", "down"]


# --- errors ----------------------------------------------------------------------------------


class EvaluationError(FieldErrors):
    """An evaluation rule was broken (messages by field)."""


class EvaluationLocked(EvaluationError):
    """The evaluation has opened: its questions and its anonymity can no longer change."""


class InvalidEvaluation(EvaluationError):
    """Settings or a question's fields break a rule."""


def locked_error() -> EvaluationLocked:
    return EvaluationLocked.single(
        _l(
            "The evaluation has opened: its questions and whether it is anonymous can no "
            "longer change, so that every participant answers the same form."
        )
    )


def _check_editable(evaluation: Evaluation) -> None:
    if evaluation.has_opened:
        raise locked_error()


# --- lookups for other areas -----------------------------------------------------------------


def evaluation_for(course: Course) -> Evaluation | None:
    """The course's evaluation, if it has one (events never do)."""
    return db.session.scalar(sa.select(Evaluation).where(Evaluation.course_id == course.id))


def questions_in_order(evaluation: Evaluation) -> list[EvaluationQuestion]:
    return sorted(evaluation.questions, key=lambda q: (q.position, q.id))


def has_completed(registration: Registration) -> bool:
    """Whether this registration completed its course's evaluation."""
    stmt = (
        sa.select(EvaluationCompletion.id)
        .join(Evaluation, EvaluationCompletion.evaluation_id == Evaluation.id)
        .where(
            Evaluation.course_id == registration.course_id,
            EvaluationCompletion.registration_id == registration.id,
        )
    )
    return db.session.scalar(stmt) is not None


def completed_registration_ids(course: Course) -> set[int]:
    """The registrations that completed the course's evaluation, in one query."""
    stmt = (
        sa.select(EvaluationCompletion.registration_id)
        .join(Evaluation, EvaluationCompletion.evaluation_id == Evaluation.id)
        .where(Evaluation.course_id == course.id)
    )
    return set(db.session.scalars(stmt))


def answered_tally(course: Course) -> tuple[int, int]:
    """(confirmed participants who answered, confirmed participants): someone who answered and
    then cancelled counts in neither, so the first never exceeds the second."""
    confirmed = set(
        db.session.scalars(
            sa.select(Registration.id).where(
                Registration.course_id == course.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
    )
    return len(confirmed & completed_registration_ids(course)), len(confirmed)


def is_required_for_certificate(course: Course) -> bool:
    """Whether completing the evaluation is a condition of the course's certificate."""
    stmt = sa.select(Evaluation.required_for_certificate).where(Evaluation.course_id == course.id)
    return bool(db.session.scalar(stmt))


def blocks_certificate(registration: Registration) -> bool:
    """Whether the evaluation still stands between this registration and its certificate."""
    return is_required_for_certificate(registration.course) and not has_completed(registration)


def participant_states(registrations: list[Registration]) -> dict[int, str]:
    """For "My courses", in two queries: each confirmed registration whose course's evaluation
    has opened → "answered", "open" (may answer now) or "closed" (did not answer)."""
    confirmed = {r.id: r for r in registrations if r.status == RegistrationStatus.CONFIRMED}
    if not confirmed:
        return {}
    course_ids = {r.course_id for r in confirmed.values()}
    evaluations = {
        e.course_id: e
        for e in db.session.scalars(
            sa.select(Evaluation).where(
                Evaluation.course_id.in_(course_ids), Evaluation.opened_at.is_not(None)
            )
        )
    }
    if not evaluations:
        return {}
    done = set(
        db.session.scalars(
            sa.select(EvaluationCompletion.registration_id).where(
                EvaluationCompletion.registration_id.in_(confirmed)
            )
        )
    )
    states: dict[int, str] = {}
    for registration_id, registration in confirmed.items():
        evaluation = evaluations.get(registration.course_id)
        if evaluation is None:
            continue
        if registration_id in done:
            states[registration_id] = "answered"
        else:
            states[registration_id] = "closed" if evaluation.is_closed else "open"
    return states


# --- the calendar ----------------------------------------------------------------------------


def closes_on(evaluation: Evaluation) -> date:
    """The last day (venue calendar) participants may answer."""
    if evaluation.closes_on is not None:
        return evaluation.closes_on
    return evaluation.course.end_date + timedelta(days=DEFAULT_OPEN_DAYS)


def opens_at(evaluation: Evaluation) -> datetime:
    """When the tick opens it: on the last on-site day, at its start or at ``opens_at_time``."""
    course = evaluation.course
    if evaluation.opens_at_time is None:
        return day_start_utc(course.end_date, course.timezone)
    try:
        return local_to_utc(course.end_date, evaluation.opens_at_time, course.timezone)
    except NonexistentLocalTime:
        # The clocks skip that time that day (the course moved onto a daylight-saving change
        # after the time was set): open an hour later, just after the jump.
        later = time((evaluation.opens_at_time.hour + 1) % 24, evaluation.opens_at_time.minute)
        return local_to_utc(course.end_date, later, course.timezone)


def closes_at(evaluation: Evaluation) -> datetime:
    """When the tick closes it: the end of :func:`closes_on` at the venue."""
    return day_start_utc(closes_on(evaluation) + timedelta(days=1), evaluation.course.timezone)


def reminder_at(evaluation: Evaluation) -> datetime:
    """When the one reminder goes: the start of the day that leaves
    ``reminder_days_before_close`` full days."""
    day = closes_on(evaluation) + timedelta(days=1 - evaluation.reminder_days_before_close)
    return day_start_utc(day, evaluation.course.timezone)


EvaluationState = Literal["not_opened", "open", "closed"]


def state(evaluation: Evaluation) -> EvaluationState:
    if evaluation.is_closed:
        return "closed"
    if evaluation.is_open:
        return "open"
    return "not_opened"


# --- the standard template -------------------------------------------------------------------


def _template_label(area: QuestionArea, module: str = "") -> str:
    """The template's question for ``area`` in the current language."""
    if area == QuestionArea.MODULE:
        return str(
            _l(
                "How well did the module “%(module)s” achieve its objectives?",
                module=module,
            )
        )
    return str(
        {
            QuestionArea.OVERALL: _l("Overall, how satisfied are you with the course?"),
            QuestionArea.RELEVANCE: _l("How relevant is the course to your job?"),
            QuestionArea.FACILITATION: _l("How would you rate the quality of the facilitation?"),
            QuestionArea.ORGANISATION: _l(
                "How would you rate the organisation and logistics (venue, travel, materials)?"
            ),
            QuestionArea.CHANGE: _l("What would you change to make the course better?"),
        }[area]
    )


def course_locales(course: Course) -> list[str]:
    """The languages the evaluation is written in: the course's main language first, then its
    other languages of instruction that the site speaks."""
    supported = list(current_app.config["LANGUAGES"])
    found: list[str] = []
    for code in (course.default_locale, *course.language_list):
        if code in supported and code not in found:
            found.append(code)
    return found or [supported[0]]


def _texts(course: Course, make: Any) -> list[EvaluationQuestionText]:
    texts = []
    for locale in course_locales(course):
        with force_locale(locale):
            texts.append(
                EvaluationQuestionText(locale=locale, label=make(locale)[:LABEL_MAX_LENGTH])
            )
    return texts


def template_questions(course: Course) -> list[EvaluationQuestion]:
    """The standard questions for ``course`` (not yet added to a session): overall
    satisfaction, relevance to the job, one per module (or theme) on its objectives, the
    facilitation, the organisation and logistics (ratings, required), and what to change (an
    open answer, optional)."""
    plan: list[tuple[QuestionArea, QuestionKind, bool, Any]] = [
        (QuestionArea.OVERALL, QuestionKind.RATING, True, None),
        (QuestionArea.RELEVANCE, QuestionKind.RATING, True, None),
    ]
    plan += [(QuestionArea.MODULE, QuestionKind.RATING, True, focus) for focus in course.focuses]
    plan += [
        (QuestionArea.FACILITATION, QuestionKind.RATING, True, None),
        (QuestionArea.ORGANISATION, QuestionKind.RATING, True, None),
        (QuestionArea.CHANGE, QuestionKind.TEXT, False, None),
    ]
    questions = []
    for position, (area, kind, required, focus) in enumerate(plan):
        if focus is None:
            texts = _texts(course, lambda _locale, area=area: _template_label(area))
        else:
            texts = _texts(
                course,
                lambda locale, area=area, focus=focus: _template_label(area, focus.title(locale)),
            )
        questions.append(
            EvaluationQuestion(
                position=position,
                kind=kind,
                area=area,
                course_module=focus,
                is_required=required,
                texts=texts,
            )
        )
    return questions


def create_evaluation(course: Course, *, actor: Any, now: datetime | None = None) -> Evaluation:
    """The course's evaluation, made from the standard template if it has none yet."""
    if course.kind.is_event:
        raise InvalidEvaluation.single(_l("Events have no end-of-course evaluation."))
    found = evaluation_for(course)
    if found is not None:
        return found
    evaluation = Evaluation(
        course=course,
        created_at=now or now_utc(),
        created_by_id=_actor_id(actor),
        questions=template_questions(course),
    )
    db.session.add(evaluation)
    db.session.flush()
    logger.info("evaluation %s made for %s by %s", evaluation.id, course.slug, _actor_id(actor))
    return evaluation


def missing_module_questions(evaluation: Evaluation) -> list[Any]:
    """The course's modules (focuses) the evaluation asks nothing about: added to the course
    after the evaluation was made."""
    asked = {q.course_module_id for q in evaluation.questions if q.area == QuestionArea.MODULE}
    return [focus for focus in evaluation.course.focuses if focus.id not in asked]


def add_module_questions(evaluation: Evaluation, *, actor: Any) -> list[EvaluationQuestion]:
    """Ask about the modules added since the evaluation was made, each after the last module
    question (or, with none left, after the relevance question)."""
    _check_editable(evaluation)
    missing = missing_module_questions(evaluation)
    if not missing:
        return []
    ordered = questions_in_order(evaluation)
    anchors = [
        i
        for i, q in enumerate(ordered)
        if q.area in (QuestionArea.MODULE, QuestionArea.OVERALL, QuestionArea.RELEVANCE)
    ]
    insert_at = anchors[-1] + 1 if anchors else 0
    course = evaluation.course
    added = [
        EvaluationQuestion(
            kind=QuestionKind.RATING,
            area=QuestionArea.MODULE,
            course_module=focus,
            is_required=True,
            texts=_texts(
                course,
                lambda locale, focus=focus: _template_label(
                    QuestionArea.MODULE, focus.title(locale)
                ),
            ),
        )
        for focus in missing
    ]
    ordered[insert_at:insert_at] = added
    for question in added:
        evaluation.questions.append(question)
    _renumber(ordered)
    db.session.flush()
    logger.info(
        "evaluation %s: %d module questions added by %s",
        evaluation.id,
        len(added),
        _actor_id(actor),
    )
    return added


# --- editing questions -----------------------------------------------------------------------


@dataclass
class QuestionData:
    """A question as the editor's form hands it over: texts per language (``label`` empty for
    a language the organisers leave to the main language)."""

    kind: QuestionKind
    is_required: bool
    labels: dict[str, str]
    help_texts: dict[str, str]


def _check_question(evaluation: Evaluation, data: QuestionData) -> dict[str, tuple[str, str]]:
    """The texts to keep, per language; raises :class:`InvalidEvaluation`."""
    course = evaluation.course
    locales = course_locales(course)
    main = locales[0]
    errors: dict[str | None, list[Any]] = {}
    texts: dict[str, tuple[str, str]] = {}
    for locale in locales:
        label = (data.labels.get(locale) or "").strip()
        help_text = (data.help_texts.get(locale) or "").strip()
        if len(label) > LABEL_MAX_LENGTH:
            errors.setdefault(f"label_{locale}", []).append(
                _l("At most %(max)d characters.", max=LABEL_MAX_LENGTH)
            )
        if len(help_text) > HELP_MAX_LENGTH:
            errors.setdefault(f"help_{locale}", []).append(
                _l("At most %(max)d characters.", max=HELP_MAX_LENGTH)
            )
        if not label and help_text:
            errors.setdefault(f"label_{locale}", []).append(
                _l("Write the question in this language too, or remove its explanation.")
            )
        if label:
            texts[locale] = (label, help_text)
    if main not in texts:
        errors.setdefault(f"label_{main}", []).append(
            _l("Write the question in the course's main language.")
        )
    if data.kind not in (QuestionKind.RATING, QuestionKind.TEXT):
        errors.setdefault("kind", []).append(_l("Choose a rating or an open answer."))
    if errors:
        raise InvalidEvaluation(errors)
    return texts


def _apply_texts(question: EvaluationQuestion, texts: dict[str, tuple[str, str]]) -> None:
    by_locale = {t.locale: t for t in question.texts}
    for locale, existing in by_locale.items():
        if locale not in texts:
            question.texts.remove(existing)
    for locale, (label, help_text) in texts.items():
        if locale in by_locale:
            by_locale[locale].label = label
            by_locale[locale].help_text = help_text
        else:
            question.texts.append(
                EvaluationQuestionText(locale=locale, label=label, help_text=help_text)
            )


def add_question(
    evaluation: Evaluation, data: QuestionData, *, actor: Any, now: datetime | None = None
) -> EvaluationQuestion:
    """An own question, at the end."""
    _check_editable(evaluation)
    texts = _check_question(evaluation, data)
    question = EvaluationQuestion(
        kind=data.kind,
        area=QuestionArea.CUSTOM,
        is_required=data.is_required,
        position=len(evaluation.questions),
        created_at=now or now_utc(),
    )
    _apply_texts(question, texts)
    evaluation.questions.append(question)
    _renumber(questions_in_order(evaluation))
    db.session.flush()
    logger.info(
        "evaluation %s: question %s added by %s", evaluation.id, question.id, _actor_id(actor)
    )
    return question


def update_question(question: EvaluationQuestion, data: QuestionData, *, actor: Any) -> None:
    """Change a question's texts, kind or whether it must be answered."""
    evaluation = question.evaluation
    _check_editable(evaluation)
    texts = _check_question(evaluation, data)
    question.kind = data.kind
    question.is_required = data.is_required
    _apply_texts(question, texts)
    db.session.flush()
    logger.info("evaluation question %s changed by %s", question.id, _actor_id(actor))


def remove_question(question: EvaluationQuestion, *, actor: Any) -> None:
    evaluation = question.evaluation
    _check_editable(evaluation)
    evaluation.questions.remove(question)
    db.session.delete(question)
    _renumber(questions_in_order(evaluation))
    db.session.flush()
    logger.info("evaluation question %s removed by %s", question.id, _actor_id(actor))


def can_move(question: EvaluationQuestion, direction: Direction) -> bool:
    ordered = questions_in_order(question.evaluation)
    index = ordered.index(question)
    return index > 0 if direction == "up" else index < len(ordered) - 1


def move_question(question: EvaluationQuestion, direction: Direction, *, actor: Any) -> None:
    """Swap the question with the one before ("up") or after ("down") it."""
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', not {direction!r}")
    evaluation = question.evaluation
    _check_editable(evaluation)
    if not can_move(question, direction):
        raise InvalidEvaluation.single(_l("This question is already at that end."))
    ordered = questions_in_order(evaluation)
    i = ordered.index(question)
    j = i - 1 if direction == "up" else i + 1
    ordered[i], ordered[j] = ordered[j], ordered[i]
    _renumber(ordered)
    db.session.flush()
    logger.info("evaluation question %s moved %s by %s", question.id, direction, _actor_id(actor))


def _renumber(ordered: list[EvaluationQuestion]) -> None:
    for position, question in enumerate(ordered):
        question.position = position


# --- settings --------------------------------------------------------------------------------


@dataclass
class SettingsData:
    is_anonymous: bool
    required_for_certificate: bool
    opens_at_time: time | None
    closes_on: date | None
    reminder_days_before_close: int


def update_settings(evaluation: Evaluation, data: SettingsData, *, actor: Any) -> None:
    """Change the evaluation's settings. Anonymity and the opening time only before it opens;
    the closing date, the reminder and the certificate condition at any time (a closed
    evaluation given a later closing date can then be opened again by hand)."""
    course = evaluation.course
    errors: dict[str | None, list[Any]] = {}
    if evaluation.has_opened:
        if data.is_anonymous != evaluation.is_anonymous:
            errors.setdefault("is_anonymous", []).append(
                _l("The evaluation has opened: whether it is anonymous can no longer change.")
            )
        if data.opens_at_time != evaluation.opens_at_time:
            errors.setdefault("opens_at_time", []).append(_l("The evaluation has already opened."))
    elif data.opens_at_time is not None:
        try:
            local_to_utc(course.end_date, data.opens_at_time, course.timezone)
        except NonexistentLocalTime:
            errors.setdefault("opens_at_time", []).append(
                _l("The clocks skip this time that day at the venue; choose another.")
            )
    if data.closes_on is not None and data.closes_on < course.end_date:
        errors.setdefault("closes_on", []).append(
            _l("The evaluation cannot close before the last on-site day.")
        )
    if not 1 <= data.reminder_days_before_close <= MAX_REMINDER_DAYS:
        errors.setdefault("reminder_days_before_close", []).append(
            _l("Between 1 and %(max)d days.", max=MAX_REMINDER_DAYS)
        )
    if errors:
        raise InvalidEvaluation(errors)
    evaluation.is_anonymous = data.is_anonymous
    evaluation.required_for_certificate = data.required_for_certificate
    evaluation.opens_at_time = data.opens_at_time
    evaluation.closes_on = data.closes_on
    evaluation.reminder_days_before_close = data.reminder_days_before_close
    db.session.flush()
    logger.info("evaluation %s settings changed by %s", evaluation.id, _actor_id(actor))


def _actor_id(actor: Any) -> Any:
    return getattr(actor, "id", actor)
