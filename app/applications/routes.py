"""The question builder, for a course's organisers, and an applicant's own answers.

The builder's pages are for the course's organisers and administrators (403 for anyone else
signed in, 404 for a question of another course). An applicant changes only their own answers
(anyone else's registration is "not found"). A document is sent to those who may read it
(:func:`app.applications.documents.can_read_documents`); to anyone else, signed in or not, it
does not exist. Each handler loads, checks access, validates, calls a service, commits once and
redirects.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.applications import answering, documents, services
from app.applications.answer_forms import AnswersForm, answer_data, with_questions
from app.applications.checks import AnswersLocked, InvalidAnswers
from app.applications.forms import MoveQuestionForm, QuestionForm, add_service_errors
from app.applications.models import ApplicationQuestion, QuestionKind
from app.core.security import accepts_uploads
from app.courses.models import Course
from app.courses.permissions import get_managed_course_or_403
from app.extensions import db
from app.registration.models import Registration
from app.storage.serving import send_stored_file

bp = Blueprint("applications", __name__)


def _locale() -> str:
    return str(get_locale())


@bp.app_template_filter("filesize")
def filesize(size: int) -> str:
    """A file's size for people, in the reader's language: ``820 KB``, ``2.4 MB``."""
    if size < 1024 * 1024:
        return _("%(size)s KB", size=format_decimal(max(1, round(size / 1024))))
    return _("%(size)s MB", size=format_decimal(round(size / (1024 * 1024), 1)))


def _question_of(course: Course, question_id: int) -> ApplicationQuestion:
    question = db.session.get(ApplicationQuestion, question_id)
    if question is None or question.course_id != course.id:
        abort(404)
    return question


def _list_url(course: Course, question: ApplicationQuestion | None = None) -> str:
    anchor = f"question-{question.id}" if question is not None else None
    return url_for("applications.index", slug=course.slug, _anchor=anchor)


def _kind_from_query() -> QuestionKind:
    try:
        return QuestionKind(request.args.get("kind", QuestionKind.SHORT_TEXT.value))
    except ValueError:
        abort(404)


@bp.get("/courses/<slug>/questions")
@login_required
def index(slug: str) -> ResponseReturnValue:
    course = get_managed_course_or_403(slug)
    return render_template(
        "applications/index.html",
        course=course,
        questions=services.questions_in_order(course),
        answers=services.answer_counts(course),
        kinds=list(QuestionKind),
    )


@bp.route("/courses/<slug>/questions/new", methods=["GET", "POST"])
@login_required
def new(slug: str) -> ResponseReturnValue:
    course = get_managed_course_or_403(slug)
    form = QuestionForm(course=course, kind=_kind_from_query())
    if form.validate_on_submit():
        try:
            question = services.create_question(course, form.to_data(), actor=current_user)
        except services.InvalidQuestion as exc:
            add_service_errors(form, exc)
        else:
            db.session.commit()
            flash(
                _("The question “%(label)s” was added.", label=question.label(_locale())), "success"
            )
            return redirect(_list_url(course, question))
    return render_template(
        "applications/question.html",
        course=course,
        form=form,
        question=None,
    )


@bp.route("/courses/<slug>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, question_id: int) -> ResponseReturnValue:
    course = get_managed_course_or_403(slug)
    question = _question_of(course, question_id)
    form = QuestionForm(course=course, question=question, answers=services.answer_count(question))
    if form.validate_on_submit():
        try:
            services.update_question(question, form.to_data(), actor=current_user)
        except services.InvalidQuestion as exc:
            db.session.rollback()
            add_service_errors(form, exc)
        else:
            db.session.commit()
            flash(
                _("The question “%(label)s” was saved.", label=question.label(_locale())), "success"
            )
            return redirect(_list_url(course, question))
    return render_template(
        "applications/question.html",
        course=course,
        form=form,
        question=question,
    )


@bp.post("/courses/<slug>/questions/<int:question_id>/move")
@login_required
def move(slug: str, question_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    question = _question_of(course, question_id)
    form = MoveQuestionForm()
    if not form.validate():
        abort(400)
    services.move_question(question, form.direction.data, actor=current_user)
    db.session.commit()
    return redirect(_list_url(course, question))


@bp.post("/courses/<slug>/questions/<int:question_id>/retire")
@login_required
def retire(slug: str, question_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    question = _question_of(course, question_id)
    services.retire_question(question, actor=current_user)
    db.session.commit()
    flash(
        _(
            "“%(label)s” is retired: new applicants no longer see it; its answers are kept.",
            label=question.label(_locale()),
        ),
        "success",
    )
    return redirect(_list_url(course, question))


@bp.post("/courses/<slug>/questions/<int:question_id>/restore")
@login_required
def restore(slug: str, question_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    question = _question_of(course, question_id)
    services.restore_question(question, actor=current_user)
    db.session.commit()
    flash(
        _("“%(label)s” is asked again.", label=question.label(_locale())),
        "success",
    )
    return redirect(_list_url(course, question))


@bp.post("/courses/<slug>/questions/<int:question_id>/delete")
@login_required
def delete(slug: str, question_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    question = _question_of(course, question_id)
    label = question.label(_locale())
    try:
        services.delete_question(question, actor=current_user)
    except services.QuestionHasAnswers as exc:
        flash(str(exc), "error")
        return redirect(_list_url(course, question))
    db.session.commit()
    flash(_("The question “%(label)s” was deleted.", label=label), "success")
    return redirect(_list_url(course))


# --- applicants: their own answers --------------------------------------------------------------


def _own_registration_or_404(registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.user_id != current_user.id:
        abort(404)
    return registration


def _my_courses(registration: Registration) -> Response:
    return redirect(url_for("registration.my_courses", _anchor=f"registration-{registration.id}"))


@bp.route("/my/registrations/<int:registration_id>/answers", methods=["GET", "POST"])
@accepts_uploads
@login_required
def my_answers(registration_id: int) -> ResponseReturnValue:
    registration = _own_registration_or_404(registration_id)
    course = registration.course
    questions = services.asked_questions(course)
    if not answering.can_edit_answers(registration) or not questions:
        flash(
            _("The course team has decided on this application: its answers can no longer change.")
            if questions
            else _("This course asks no questions of its own."),
            "info",
        )
        return _my_courses(registration)
    form_class = with_questions(AnswersForm, questions, _locale(), registration=registration)
    data = (
        None
        if request.method == "POST"
        else answer_data(answering.answers_of(registration), questions)
    )
    form = form_class(data=data)
    if form.validate_on_submit():
        try:
            changed = answering.update_answers(
                registration, form.answer_values(), actor=current_user
            )
        except AnswersLocked as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return _my_courses(registration)
        except InvalidAnswers as exc:
            db.session.rollback()
            form.add_answer_errors(exc)
        else:
            db.session.commit()
            flash(
                _("Your answers are saved.") if changed else _("Nothing changed in your answers."),
                "success" if changed else "info",
            )
            return _my_courses(registration)
    return render_template(
        "applications/my_answers.html",
        form=form,
        registration=registration,
        course=course,
        course_title=course.title(_locale()),
    )


# --- documents -------------------------------------------------------------------------------


@bp.get("/registrations/<int:registration_id>/documents/<int:question_id>")
def document(registration_id: int, question_id: int) -> Response:
    """One document, as a download; 404 for anyone who may not read it, signed in or not."""
    stored = documents.readable_document(registration_id, question_id, actor=current_user)
    if stored is None:
        abort(404)
    return send_stored_file(stored)
