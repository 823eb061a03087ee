"""The selection pages: the list of applications with their scores, one application with its
reviews, the organisers' decisions, and each course's criteria.

Who may do what:
- the course's reviewers, organisers and administrators open the list and the applications
  and score them (``can_review``); such views are marked ``@reviewers_may(...)`` with the
  methods reviewers may use, and tests/test_permissions.py checks the marks against what the
  routes answer;
- only organisers and administrators decide and keep the criteria (``can_manage_course``).

Each handler loads, checks access, validates, calls a service, commits once and redirects.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.applications.exports import answers_by_registration, shown_answers
from app.core.urls import safe_next
from app.courses.models import Course
from app.courses.permissions import (
    can_manage_course,
    can_review,
    get_course_or_404,
    get_managed_course_or_403,
)
from app.endorsement import services as endorsement
from app.extensions import db
from app.registration import services as registration_services
from app.registration.exports import country_name, language_name
from app.registration.models import Registration
from app.selection import listing, services
from app.selection.forms import (
    CriterionForm,
    DecisionForm,
    MoveCriterionForm,
    SelectionFilterForm,
    add_service_errors,
    review_form,
)
from app.selection.models import HIGHEST_SCORE, LOWEST_SCORE, SelectionCriterion

bp = Blueprint("selection", __name__)

F = TypeVar("F", bound=Callable[..., Any])


@bp.app_template_filter("score_mean")
def score_mean(value: float) -> str:
    """A mean score with one decimal in the viewer's locale, halves rounded up as a committee
    rounds by hand: 4.25 is 4.3 (Babel alone rounds half to even, and would show 4.2)."""
    rounded = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return format_decimal(rounded, "0.0")


def reviewers_may(*methods: str) -> Callable[[F], F]:
    """Mark a view that the course's reviewers may use with ``methods``; the others are for
    its organisers only. The mark declares, the loaders enforce, the permissions walk checks."""

    def mark(view: F) -> F:
        view.reviewer_methods = frozenset(methods)  # type: ignore[attr-defined]
        return view

    return mark


def get_reviewed_course_or_403(slug: str) -> Course:
    """A course for the selection pages: 404 if unknown (or an invisible draft), 403 for
    anyone who may not review it."""
    course = get_course_or_404(slug)
    if not can_review(current_user, course):
        abort(403)
    return course


def _registration_of(course: Course, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.course_id != course.id:
        abort(404)
    return registration


def _criterion_of(course: Course, criterion_id: int) -> SelectionCriterion:
    criterion = db.session.get(SelectionCriterion, criterion_id)
    if criterion is None or criterion.course_id != course.id:
        abort(404)
    return criterion


def _locale() -> str:
    return str(get_locale())


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "country_name": country_name,
        "language_name": language_name,
        "disagreement": listing.DISAGREEMENT,
        "lowest_score": LOWEST_SCORE,
        "highest_score": HIGHEST_SCORE,
    }


# --- the list ---------------------------------------------------------------------------------


@bp.get("/courses/<slug>/selection")
@reviewers_may("GET")
@login_required
def index(slug: str) -> str:
    course = get_reviewed_course_or_403(slug)
    asked = services.active_criteria(course)
    locale = _locale()
    form = SelectionFilterForm(formdata=request.args, criteria=asked, locale=locale)
    show, sort, descending = form.chosen()
    rows = listing.selection_rows(
        course, current_user, show=show, sort=sort, descending=descending, asked=asked
    )
    may_decide = can_manage_course(current_user, course)
    return render_template(
        "selection/index.html",
        course=course,
        criteria=asked,
        rows=rows,
        form=form,
        show=show,
        sort=sort,
        descending=descending,
        may_decide=may_decide,
        decision_form=DecisionForm(course=course) if may_decide else None,
        endorsements=endorsement.endorsements_by_registration([r.registration.id for r in rows]),
        balance=listing.balance(course),
        seats_left=registration_services.seats_left(course),
    )


# --- one application --------------------------------------------------------------------------


@bp.route("/courses/<slug>/selection/<int:registration_id>", methods=["GET", "POST"])
@reviewers_may("GET", "POST")
@login_required
def review(slug: str, registration_id: int) -> ResponseReturnValue:
    course = get_reviewed_course_or_403(slug)
    registration = _registration_of(course, registration_id)
    asked = services.active_criteria(course)
    own = services.find_review(registration, current_user)
    data = None
    if own is not None and request.method == "GET":
        data = {"comment": own.comment}
        for score in own.scores:
            data[f"score_{score.criterion_id}"] = score.score
            data[f"note_{score.criterion_id}"] = score.comment
    form = review_form(asked, _locale(), data=data)
    if form.validate_on_submit():
        try:
            services.save_review(registration, form.data_for_service(), actor=current_user)
        except services.SelectionError as exc:
            db.session.rollback()
            add_service_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Your review is saved."), "success")
            return redirect(url_for("selection.review", slug=slug, registration_id=registration.id))
    may_decide = can_manage_course(current_user, course)
    return render_template(
        "selection/review.html",
        course=course,
        registration=registration,
        criteria=asked,
        form=form,
        own=own,
        is_open=services.is_open_for_review(registration),
        reviews=services.visible_reviews(registration, current_user),
        review_count=len(services.reviews_of(registration)),
        all_criteria=services.criteria(course),
        answers=shown_answers(
            answers_by_registration([registration.id]).get(registration.id, []), _locale()
        ),
        may_decide=may_decide,
        decision_form=DecisionForm(course=course) if may_decide else None,
        decisions=list(listing.Decision),
        endorsement=endorsement.endorsement_of(registration),
    )


# --- decisions --------------------------------------------------------------------------------


@bp.post("/courses/<slug>/selection/decide")
@login_required
def decide(slug: str) -> Response:
    course = get_managed_course_or_403(slug)
    form = DecisionForm(course=course)
    target = safe_next(form.next.data) or url_for("selection.index", slug=course.slug)
    if not form.validate_on_submit():
        for errors in (form.decision.errors, form.registration_ids.errors, form.message.errors):
            for error in errors:
                flash(str(error), "error")
        return redirect(target)
    outcome = listing.decide(
        course,
        form.registrations,
        listing.Decision(form.decision.data),
        actor=current_user,
        message=form.message.data or "",
    )
    refused = [(r.certificate_name, reason) for r, reason in outcome.refused]
    done = len(outcome.done)
    db.session.commit()
    flash(
        ngettext("%(num)d application decided.", "%(num)d applications decided.", done),
        "success" if done else "info",
    )
    for name, reason in refused:
        flash(_("Not changed: %(name)s. %(reason)s", name=name, reason=reason), "warning")
    return redirect(target)


# --- criteria ---------------------------------------------------------------------------------


def _criteria_url(course: Course) -> str:
    return url_for("selection.criteria", slug=course.slug)


@bp.route("/courses/<slug>/selection/criteria", methods=["GET", "POST"])
@login_required
def criteria(slug: str) -> ResponseReturnValue:
    course = get_managed_course_or_403(slug)
    form = CriterionForm(course=course)
    if form.validate_on_submit():
        try:
            services.create_criterion(course, form.data_for_service(), actor=current_user)
        except services.SelectionError as exc:
            db.session.rollback()
            add_service_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The criterion was added."), "success")
            return redirect(_criteria_url(course))
    return render_template(
        "selection/criteria.html",
        course=course,
        criteria=services.criteria(course),
        score_counts=services.score_counts(services.criteria(course)),
        form=form,
        move_form=MoveCriterionForm(),
    )


@bp.route("/courses/<slug>/selection/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@login_required
def edit_criterion(slug: str, criterion_id: int) -> ResponseReturnValue:
    course = get_managed_course_or_403(slug)
    criterion = _criterion_of(course, criterion_id)
    form = CriterionForm(course=course, criterion=criterion)
    if form.validate_on_submit():
        try:
            services.update_criterion(criterion, form.data_for_service(), actor=current_user)
        except services.SelectionError as exc:
            db.session.rollback()
            add_service_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The criterion was saved."), "success")
            return redirect(_criteria_url(course))
    return render_template(
        "selection/edit_criterion.html",
        course=course,
        criterion=criterion,
        form=form,
        score_count=services.score_counts([criterion]).get(criterion.id, 0),
    )


@bp.post("/courses/<slug>/selection/criteria/<int:criterion_id>/move")
@login_required
def move_criterion(slug: str, criterion_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    criterion = _criterion_of(course, criterion_id)
    form = MoveCriterionForm()
    if not form.validate():
        abort(400)
    services.move_criterion(criterion, form.direction.data, actor=current_user)
    db.session.commit()
    return redirect(_criteria_url(course) + f"#criterion-{criterion.id}")


@bp.post("/courses/<slug>/selection/criteria/<int:criterion_id>/retire")
@login_required
def retire_criterion(slug: str, criterion_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    criterion = _criterion_of(course, criterion_id)
    services.retire_criterion(criterion, actor=current_user)
    db.session.commit()
    flash(
        _("“%(name)s” is retired: no longer asked, its scores kept.", name=_label(criterion)),
        "success",
    )
    return redirect(_criteria_url(course))


@bp.post("/courses/<slug>/selection/criteria/<int:criterion_id>/restore")
@login_required
def restore_criterion(slug: str, criterion_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    criterion = _criterion_of(course, criterion_id)
    services.restore_criterion(criterion, actor=current_user)
    db.session.commit()
    flash(_("“%(name)s” is asked again.", name=_label(criterion)), "success")
    return redirect(_criteria_url(course))


@bp.post("/courses/<slug>/selection/criteria/<int:criterion_id>/delete")
@login_required
def delete_criterion(slug: str, criterion_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    criterion = _criterion_of(course, criterion_id)
    name = _label(criterion)
    try:
        services.delete_criterion(criterion, actor=current_user)
    except services.SelectionError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("“%(name)s” was deleted.", name=name), "success")
    return redirect(_criteria_url(course))


def _label(criterion: SelectionCriterion) -> str:
    return criterion.label(_locale())
