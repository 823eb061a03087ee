"""The end-of-course evaluation: the organisers' editor and the participant's form.

The editor is for the course's organisers and administrators (403 for anyone else signed in,
facilitators and reviewers included); the form is for the course's confirmed participants (403
for anyone else). Events have no evaluation (404). Each handler loads, checks access,
validates, calls a service, commits once and redirects.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.i18n import LANGUAGE_NAMES
from app.courses.models import Course
from app.courses.permissions import get_course_or_404, get_managed_course_or_403
from app.db import now_utc
from app.evaluation import answering, opening, questionnaire, services
from app.evaluation.forms import (
    ActionForm,
    MoveForm,
    SettingsForm,
    add_service_errors,
    answer_form,
    question_form,
)
from app.evaluation.models import RATING_LABELS, Evaluation, EvaluationQuestion, QuestionKind
from app.extensions import db
from app.registration.models import Registration, RegistrationStatus
from app.registration.services import find_registration

bp = Blueprint("evaluation", __name__)


def _course(slug: str, *, manage: bool) -> Course:
    course = get_managed_course_or_403(slug) if manage else get_course_or_404(slug)
    if course.kind.is_event:
        abort(404)
    return course


def _evaluation_or_404(course: Course) -> Evaluation:
    evaluation = services.evaluation_for(course)
    if evaluation is None:
        abort(404)
    return evaluation


def _question_of(evaluation: Evaluation, question_id: int) -> EvaluationQuestion:
    question = db.session.get(EvaluationQuestion, question_id)
    if question is None or question.evaluation_id != evaluation.id:
        abort(404)
    return question


def _editor_url(course: Course, anchor: str = "") -> str:
    url = url_for("evaluation.manage", slug=course.slug)
    return f"{url}#{anchor}" if anchor else url


def _flash_errors(exc: services.EvaluationError) -> None:
    for message in exc.messages:
        flash(message, "error")


# --- organisers ------------------------------------------------------------------------------


def _render_editor(course: Course, evaluation: Evaluation | None, **forms: Any) -> str:
    context: dict[str, Any] = {"course": course, "evaluation": evaluation}
    if evaluation is not None:
        context.update(
            questions=services.questions_in_order(evaluation),
            state=services.state(evaluation),
            opens_at=services.opens_at(evaluation),
            closes_on=services.closes_on(evaluation),
            reminder_at=services.reminder_at(evaluation),
            missing_modules=questionnaire.missing_module_questions(evaluation),
            tally=services.answered_tally(course),
            settings_form=forms.get("settings_form") or SettingsForm(evaluation=evaluation),
            locales=questionnaire.course_locales(course),
            language_names=LANGUAGE_NAMES,
            can_move=questionnaire.can_move,
        )
    context["action_form"] = ActionForm()
    return render_template("evaluation/manage.html", **context)


@bp.get("/courses/<slug>/evaluation")
@login_required
def manage(slug: str) -> ResponseReturnValue:
    course = _course(slug, manage=True)
    return _render_editor(course, services.evaluation_for(course))


@bp.post("/courses/<slug>/evaluation/create")
@login_required
def create(slug: str) -> ResponseReturnValue:
    course = _course(slug, manage=True)
    if not ActionForm().validate_on_submit():
        abort(400)
    questionnaire.create_evaluation(course, actor=current_user, now=now_utc())
    db.session.commit()
    flash(_("The evaluation was made from the standard questions; adapt them below."), "success")
    return redirect(_editor_url(course))


@bp.post("/courses/<slug>/evaluation/settings")
@login_required
def settings(slug: str) -> ResponseReturnValue:
    course = _course(slug, manage=True)
    evaluation = _evaluation_or_404(course)
    form = SettingsForm(evaluation=evaluation)
    if form.validate_on_submit():
        try:
            services.update_settings(evaluation, form.to_data(), actor=current_user)
        except services.InvalidEvaluation as exc:
            add_service_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The evaluation's settings were saved."), "success")
            return redirect(_editor_url(course))
    return _render_editor(course, evaluation, settings_form=form), 422


def _render_question(course: Course, evaluation: Evaluation, form: Any, question: Any) -> str:
    return render_template(
        "evaluation/question.html",
        course=course,
        evaluation=evaluation,
        question=question,
        form=form,
        locales=questionnaire.course_locales(course),
        language_names=LANGUAGE_NAMES,
    )


@bp.route("/courses/<slug>/evaluation/questions/new", methods=["GET", "POST"])
@login_required
def new_question(slug: str) -> ResponseReturnValue:
    course = _course(slug, manage=True)
    evaluation = _evaluation_or_404(course)
    if evaluation.has_opened:
        flash(str(services.locked_error()), "error")
        return redirect(_editor_url(course))
    form = question_form(questionnaire.course_locales(course))
    if form.validate_on_submit():
        try:
            question = questionnaire.add_question(
                evaluation, form.to_data(), actor=current_user, now=now_utc()
            )
        except services.EvaluationError as exc:
            add_service_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The question was added."), "success")
            return redirect(_editor_url(course, f"question-{question.id}"))
    status = 422 if request.method == "POST" else 200
    return _render_question(course, evaluation, form, None), status


@bp.route("/courses/<slug>/evaluation/questions/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
def edit_question(slug: str, question_id: int) -> ResponseReturnValue:
    course = _course(slug, manage=True)
    evaluation = _evaluation_or_404(course)
    question = _question_of(evaluation, question_id)
    if evaluation.has_opened:
        flash(str(services.locked_error()), "error")
        return redirect(_editor_url(course))
    form = question_form(questionnaire.course_locales(course), question)
    if form.validate_on_submit():
        try:
            questionnaire.update_question(question, form.to_data(), actor=current_user)
        except services.EvaluationError as exc:
            add_service_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The question was saved."), "success")
            return redirect(_editor_url(course, f"question-{question.id}"))
    status = 422 if request.method == "POST" else 200
    return _render_question(course, evaluation, form, question), status


@bp.post("/courses/<slug>/evaluation/questions/<int:question_id>/move")
@login_required
def move_question(slug: str, question_id: int) -> ResponseReturnValue:
    course = _course(slug, manage=True)
    evaluation = _evaluation_or_404(course)
    question = _question_of(evaluation, question_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        questionnaire.move_question(question, form.direction.data, actor=current_user)
    except services.EvaluationError as exc:
        _flash_errors(exc)
    else:
        db.session.commit()
    return redirect(_editor_url(course, f"question-{question.id}"))


@bp.post("/courses/<slug>/evaluation/questions/<int:question_id>/delete")
@login_required
def delete_question(slug: str, question_id: int) -> ResponseReturnValue:
    course = _course(slug, manage=True)
    evaluation = _evaluation_or_404(course)
    question = _question_of(evaluation, question_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        questionnaire.remove_question(question, actor=current_user)
    except services.EvaluationError as exc:
        _flash_errors(exc)
    else:
        db.session.commit()
        flash(_("The question was removed."), "success")
    return redirect(_editor_url(course))


@bp.post("/courses/<slug>/evaluation/modules")
@login_required
def add_modules(slug: str) -> ResponseReturnValue:
    course = _course(slug, manage=True)
    evaluation = _evaluation_or_404(course)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        added = questionnaire.add_module_questions(evaluation, actor=current_user)
    except services.EvaluationError as exc:
        _flash_errors(exc)
    else:
        db.session.commit()
        flash(_("Questions added: %(count)d.", count=len(added)), "success")
    return redirect(_editor_url(course))


@bp.post("/courses/<slug>/evaluation/open")
@login_required
def open_now(slug: str) -> ResponseReturnValue:
    course = _course(slug, manage=True)
    evaluation = _evaluation_or_404(course)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        invited = opening.open_evaluation(evaluation, actor=current_user, now=now_utc())
    except services.EvaluationError as exc:
        _flash_errors(exc)
    else:
        db.session.commit()
        flash(
            _("The evaluation is open; participants invited: %(count)d.", count=invited),
            "success",
        )
    return redirect(_editor_url(course))


@bp.post("/courses/<slug>/evaluation/close")
@login_required
def close_now(slug: str) -> ResponseReturnValue:
    course = _course(slug, manage=True)
    evaluation = _evaluation_or_404(course)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        opening.close_evaluation(evaluation, actor=current_user, now=now_utc())
    except services.EvaluationError as exc:
        _flash_errors(exc)
    else:
        db.session.commit()
        flash(_("The evaluation is closed."), "success")
    return redirect(_editor_url(course))


# --- participants ----------------------------------------------------------------------------


def _participant_or_403(course: Course) -> Registration:
    registration = find_registration(course, current_user)
    if registration is None or registration.status != RegistrationStatus.CONFIRMED:
        abort(403)
    return registration


@bp.route("/courses/<slug>/evaluation/answer", methods=["GET", "POST"])
@login_required
def answer(slug: str) -> ResponseReturnValue:
    course = _course(slug, manage=False)
    registration = _participant_or_403(course)
    evaluation = services.evaluation_for(course)
    # The questions in the language the page speaks (the participant's own, when set).
    locale = str(get_locale())
    context: dict[str, Any] = {
        "course": course,
        "evaluation": evaluation,
        "registration": registration,
        "locale": locale,
    }
    if evaluation is None or answering.refusal(evaluation, registration) is not None:
        context["completion"] = (
            answering.find_completion(evaluation, registration) if evaluation else None
        )
        if request.method == "POST":
            flash(_("The evaluation is not open."), "error")
            return redirect(url_for("evaluation.answer", slug=course.slug))
        return render_template("evaluation/answer.html", **context)
    completion = answering.find_completion(evaluation, registration)
    if completion is not None:
        if request.method == "POST":
            flash(_("You have already answered this evaluation. Thank you!"), "info")
            return redirect(url_for("evaluation.answer", slug=course.slug))
        return render_template("evaluation/answer.html", completion=completion, **context)
    questions = services.questions_in_order(evaluation)
    form = answer_form(evaluation, questions, locale)
    if form.validate_on_submit():
        raw = {answering.field_name(q): form[answering.field_name(q)].data for q in questions}
        try:
            answering.submit_answers(evaluation, registration, raw, now=now_utc())
        except answering.InvalidAnswers as exc:
            add_service_errors(form, exc)
        except services.EvaluationError as exc:
            db.session.rollback()
            _flash_errors(exc)
            return redirect(url_for("evaluation.answer", slug=course.slug))
        else:
            db.session.commit()
            flash(_("Thank you: your answers were received."), "success")
            return redirect(url_for("evaluation.answer", slug=course.slug))
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "evaluation/answer.html",
            form=form,
            questions=questions,
            field_name=answering.field_name,
            rating_kind=QuestionKind.RATING,
            rating_labels=RATING_LABELS,
            closes_on=services.closes_on(evaluation),
            completion=None,
            **context,
        ),
        status,
    )
