"""The online follow-up phase: its dates and activities (the participants' work and the
team's feedback are in :mod:`app.followup.handin_routes`, on the same blueprint).

The management pages are for the course's organisers and administrators (403 for anyone else
signed in). Each handler loads, checks access, validates, calls a service, commits once and
redirects.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.courses.models import Course
from app.courses.permissions import get_managed_course_or_403
from app.extensions import db
from app.followup import services
from app.followup.forms import (
    ActivityForm,
    FollowupPhaseForm,
    MoveActivityForm,
    add_service_errors,
)
from app.followup.models import ActivityKind, FollowupActivity

bp = Blueprint("followup", __name__)


def _activity_of(course: Course, activity_id: int) -> FollowupActivity:
    activity = db.session.get(FollowupActivity, activity_id)
    if activity is None or activity.course_id != course.id:
        abort(404)
    return activity


def _manage_url(course: Course) -> str:
    return url_for("followup.manage", slug=course.slug)


@bp.route("/courses/<slug>/followup", methods=["GET", "POST"])
@login_required
def manage(slug: str) -> ResponseReturnValue:
    course = get_managed_course_or_403(slug)
    form = FollowupPhaseForm(course=course)
    if form.validate_on_submit():
        try:
            services.update_followup_phase(
                course, form.opens_on.data, form.closes_on.data, actor=current_user
            )
        except services.InvalidPhaseDates as exc:
            add_service_errors(form, exc)
        else:
            db.session.commit()
            flash(_("The dates of the follow-up phase were saved."), "success")
            return redirect(_manage_url(course))
    default_opens, default_closes = services.default_followup_window(course.end_date)
    return render_template(
        "followup/manage.html",
        course=course,
        form=form,
        state=services.phase_state(course, services.venue_today(course)),
        default_opens=default_opens,
        default_closes=default_closes,
        activities=services.activities_in_order(course),
        kinds=list(ActivityKind),
    )


@bp.post("/courses/<slug>/followup/reset")
@login_required
def reset_phase(slug: str) -> Response:
    course = get_managed_course_or_403(slug)
    try:
        services.reset_followup_phase(course, actor=current_user)
    except services.InvalidPhaseDates as exc:
        for message in exc.messages:
            flash(message, "error")
    else:
        db.session.commit()
        flash(_("The follow-up phase is back on its default dates."), "success")
    return redirect(_manage_url(course))


def _kind_from_query() -> ActivityKind:
    try:
        return ActivityKind(request.args.get("kind", ActivityKind.WEBINAR.value))
    except ValueError:
        abort(404)


@bp.route("/courses/<slug>/followup/activities/new", methods=["GET", "POST"])
@login_required
def new_activity(slug: str) -> ResponseReturnValue:
    course = get_managed_course_or_403(slug)
    form = ActivityForm(course=course, kind=_kind_from_query())
    if form.validate_on_submit():
        try:
            activity = services.create_activity(course, form.to_data(), actor=current_user)
        except services.InvalidActivity as exc:
            add_service_errors(form, exc)
        else:
            db.session.commit()
            flash(_("“%(title)s” was added.", title=activity.title), "success")
            return redirect(_manage_url(course))
    return render_template("followup/activity_form.html", course=course, form=form, activity=None)


@bp.route("/courses/<slug>/followup/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit_activity(slug: str, activity_id: int) -> ResponseReturnValue:
    course = get_managed_course_or_403(slug)
    activity = _activity_of(course, activity_id)
    form = ActivityForm(
        course=course,
        kind=activity.kind,
        obj=services.ActivityData.from_activity(activity),
    )
    if form.validate_on_submit():
        try:
            services.update_activity(activity, form.to_data(), actor=current_user)
        except services.InvalidActivity as exc:
            add_service_errors(form, exc)
        else:
            db.session.commit()
            flash(_("“%(title)s” was saved.", title=activity.title), "success")
            return redirect(_manage_url(course))
    return render_template(
        "followup/activity_form.html", course=course, form=form, activity=activity
    )


@bp.post("/courses/<slug>/followup/activities/<int:activity_id>/delete")
@login_required
def delete_activity(slug: str, activity_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    activity = _activity_of(course, activity_id)
    title = activity.title
    services.delete_activity(activity, actor=current_user)
    db.session.commit()
    flash(_("“%(title)s” was removed.", title=title), "success")
    return redirect(_manage_url(course))


@bp.post("/courses/<slug>/followup/activities/<int:activity_id>/move")
@login_required
def move_activity(slug: str, activity_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    activity = _activity_of(course, activity_id)
    form = MoveActivityForm()
    if not form.validate():
        abort(400)
    try:
        services.move_activity(activity, form.direction.data, actor=current_user)
    except services.ActivityNotMovable as exc:
        for message in exc.messages:
            flash(message, "error")
    else:
        db.session.commit()
    return redirect(_manage_url(course) + f"#activity-{activity.id}")
