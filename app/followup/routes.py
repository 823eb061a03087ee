"""The online follow-up phase: its dates and activities, and the participants' work.

The management pages are for the course's organisers and administrators (403 for anyone else
signed in); "my work" is for the course's confirmed participants (403 for anyone else).
Each handler loads, checks access, validates, calls a service, commits once and redirects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.certificates import services as certificate_services
from app.courses.models import Course
from app.courses.permissions import get_course_or_404, get_managed_course_or_403
from app.extensions import db
from app.followup import services
from app.followup import submissions as work
from app.followup.forms import (
    ActivityForm,
    CompletionForm,
    FollowupPhaseForm,
    MoveActivityForm,
    SubmissionForm,
    add_service_errors,
)
from app.followup.models import ActivityKind, FollowupActivity, Submission
from app.registration.models import Registration, RegistrationStatus
from app.registration.services import find_registration

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


# --- participants: their own work ------------------------------------------------------------


def _participation_or_403(course: Course) -> Registration:
    """The signed-in user's confirmed registration to ``course``; 403 for anyone else."""
    registration = find_registration(course, current_user)
    if registration is None or registration.status != RegistrationStatus.CONFIRMED:
        abort(403)
    return registration


def _my_work_url(course: Course, activity: FollowupActivity | None = None) -> str:
    anchor = f"#activity-{activity.id}" if activity is not None else ""
    return url_for("followup.my_work", slug=course.slug) + anchor


def _submission_prefix(activity: FollowupActivity) -> str:
    return f"activity-{activity.id}"


@dataclass
class WorkItem:
    """One activity on the "my work" page, with the participant's submission and form."""

    activity: FollowupActivity
    submission: Submission | None
    form: SubmissionForm | None
    closed_reason: Any


def _render_my_work(
    course: Course,
    registration: Registration,
    posted: tuple[int, SubmissionForm] | None = None,
) -> str:
    today = services.venue_today(course)
    items = []
    for activity, submission in work.my_activities(registration):
        form = reason = None
        if activity.kind == ActivityKind.ASSIGNMENT:
            reason = work.submission_closed_reason(registration, activity, submission)
            if reason is None and posted is not None and posted[0] == activity.id:
                form = posted[1]
            elif reason is None:
                form = SubmissionForm(
                    formdata=None,
                    prefix=_submission_prefix(activity),
                    data={
                        "text": submission.text if submission else "",
                        "link": submission.link if submission else "",
                    },
                )
        items.append(WorkItem(activity, submission, form, reason))
    state = services.phase_state(course, today)
    certificate = certificate_services.existing_certificate(registration)
    eligibility = None
    if certificate is None:
        eligibility = certificate_services.certificate_eligibility(registration)
    return render_template(
        "followup/my_work.html",
        certificate=certificate,
        eligibility=eligibility,
        course=course,
        registration=registration,
        items=items,
        state=state,
        visible=state == "closed" or work.phase_visible(course, today),
        visible_from=(
            course.followup_opens_on - work.PHASE_NOTICE if course.followup_opens_on else None
        ),
    )


@bp.get("/courses/<slug>/followup/mine")
@login_required
def my_work(slug: str) -> ResponseReturnValue:
    course = get_course_or_404(slug)
    registration = _participation_or_403(course)
    return _render_my_work(course, registration)


@bp.post("/courses/<slug>/followup/mine/<int:activity_id>/submit")
@login_required
def submit_work(slug: str, activity_id: int) -> ResponseReturnValue:
    course = get_course_or_404(slug)
    registration = _participation_or_403(course)
    activity = _activity_of(course, activity_id)
    form = SubmissionForm(prefix=_submission_prefix(activity))
    if form.validate_on_submit():
        try:
            work.submit_work(
                registration,
                activity,
                text=form.text.data or "",
                link=form.link.data or "",
                actor=current_user,
            )
        except work.SubmissionNotAllowed as exc:
            for message in exc.messages:
                flash(message, "error")
            return redirect(_my_work_url(course, activity))
        except work.InvalidSubmission as exc:
            add_service_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Your work on “%(title)s” was submitted.", title=activity.title), "success")
            return redirect(_my_work_url(course, activity))
    return _render_my_work(course, registration, posted=(activity.id, form))


# --- organisers: the participants' work on one activity --------------------------------------


@bp.get("/courses/<slug>/followup/activities/<int:activity_id>/submissions")
@login_required
def submissions(slug: str, activity_id: int) -> ResponseReturnValue:
    course = get_managed_course_or_403(slug)
    activity = _activity_of(course, activity_id)
    rows = work.activity_submissions(activity)
    return render_template(
        "followup/submissions.html",
        course=course,
        activity=activity,
        rows=rows,
        completed=sum(1 for _registration, s in rows if s is not None and s.is_complete),
    )


@bp.post("/courses/<slug>/followup/activities/<int:activity_id>/submissions/<int:registration_id>")
@login_required
def set_completion(slug: str, activity_id: int, registration_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    activity = _activity_of(course, activity_id)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.course_id != course.id:
        abort(404)
    form = CompletionForm()
    if not form.validate():
        abort(400)
    name = registration.certificate_name
    if form.state.data == "complete":
        submission = work.ensure_submission(registration, activity)
        work.mark_complete(submission, actor=current_user)
        message = _(
            "“%(title)s” is marked as completed for %(name)s.", title=activity.title, name=name
        )
    else:
        found = work.find_submission(registration, activity)
        if found is not None:
            work.mark_incomplete(found, actor=current_user)
        message = _(
            "“%(title)s” is marked as not completed for %(name)s.", title=activity.title, name=name
        )
    db.session.commit()
    flash(message, "success")
    return redirect(
        url_for("followup.submissions", slug=course.slug, activity_id=activity.id)
        + f"#registration-{registration.id}"
    )
