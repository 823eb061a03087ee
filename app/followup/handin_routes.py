"""The participants' work in the follow-up phase and the course team's feedback on it.

"My work" is for the course's confirmed participants (403 for anyone else). The team's pages
(everyone's hand-ins on an assignment, their files as one ZIP, feedback) are for the course's
organisers, facilitators and administrators (403 for anyone else signed in, reviewers too);
marking any activity complete or not stays with organisers and administrators. A hand-in's
file is sent to its participant and the team, and is "not found" for anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.certificates import services as certificate_services
from app.core.security import accepts_uploads
from app.courses.models import Course
from app.courses.permissions import can_manage_course, get_course_or_404, get_managed_course_or_403
from app.evaluation import services as evaluation_services
from app.extensions import db
from app.followup import handins, services
from app.followup import submissions as work
from app.followup.forms import CompletionForm, FeedbackForm, SubmissionForm, add_service_errors
from app.followup.models import ActivityKind, FeedbackDecision, FollowupActivity, Submission
from app.followup.routes import _activity_of, bp
from app.progress.services import checklist
from app.registration.desk import team_may
from app.registration.models import Registration, RegistrationStatus
from app.registration.services import find_registration
from app.storage.serving import send_stored_file, send_zip


def _team_course_or_403(slug: str) -> Course:
    """A course for the team's pages: 404 if unknown (or an invisible draft), else 403 for
    anyone not on its team as organiser or facilitator (administrators may)."""
    course = get_course_or_404(slug)
    if not handins.is_course_team(current_user, course):
        abort(403)
    return course


def _assignment_of(course: Course, activity_id: int) -> FollowupActivity:
    activity = _activity_of(course, activity_id)
    if activity.kind != ActivityKind.ASSIGNMENT:
        abort(404)
    return activity


def _registration_of(course: Course, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.course_id != course.id:
        abort(404)
    return registration


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


def _offer_kept_files(form: SubmissionForm, submission: Submission | None) -> None:
    """Offer the current version's files to keep (all ticked when the form is new)."""
    current = submission.current_version if submission is not None else None
    links = current.files if current is not None else []
    form.keep_files.choices = [
        (str(link.stored_file_id), link.stored_file.filename) for link in links
    ]
    if not form.is_submitted():
        form.keep_files.data = [str(link.stored_file_id) for link in links]


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
                current = submission.current_version if submission else None
                form = SubmissionForm(
                    formdata=None,
                    prefix=_submission_prefix(activity),
                    data={
                        "text": current.text if current else "",
                        "link": current.link if current else "",
                    },
                )
            if form is not None:
                _offer_kept_files(form, submission)
        items.append(WorkItem(activity, submission, form, reason))
    state = services.phase_state(course, today)
    certificate = certificate_services.existing_certificate(registration)
    eligibility = progress = None
    if certificate is None:
        eligibility = certificate_services.certificate_eligibility(registration)
        if not eligibility:
            progress = checklist(registration)
    return render_template(
        "followup/my_work.html",
        certificate=certificate,
        eligibility=eligibility,
        progress=progress,
        course=course,
        registration=registration,
        items=items,
        state=state,
        visible=state == "closed" or work.phase_visible(course, today),
        visible_from=(
            course.followup_opens_on - work.PHASE_NOTICE if course.followup_opens_on else None
        ),
        # "open", "answered" or "closed" once the course's evaluation has opened.
        evaluation_state=evaluation_services.participant_states([registration]).get(
            registration.id
        ),
    )


@bp.get("/courses/<slug>/followup/mine")
@login_required
def my_work(slug: str) -> ResponseReturnValue:
    course = get_course_or_404(slug)
    registration = _participation_or_403(course)
    return _render_my_work(course, registration)


@bp.post("/courses/<slug>/followup/mine/<int:activity_id>/submit")
@accepts_uploads
@login_required
def submit_work(slug: str, activity_id: int) -> ResponseReturnValue:
    course = get_course_or_404(slug)
    registration = _participation_or_403(course)
    activity = _activity_of(course, activity_id)
    form = SubmissionForm(prefix=_submission_prefix(activity))
    _offer_kept_files(form, work.find_submission(registration, activity))
    if form.validate_on_submit():
        try:
            version = handins.hand_in(
                registration,
                activity,
                text=form.text.data or "",
                link=form.link.data or "",
                files=form.files.data or [],
                keep_file_ids=form.kept_ids(),
                actor=current_user,
            )
        except work.SubmissionNotAllowed as exc:
            db.session.rollback()
            for message in exc.messages:
                flash(message, "error")
            return redirect(_my_work_url(course, activity))
        except work.InvalidSubmission as exc:
            # Files stored before the refusal go with the rollback.
            db.session.rollback()
            add_service_errors(form, exc)
        else:
            db.session.commit()
            if version.is_late:
                message = _(
                    "Your work on “%(title)s” was handed in (version %(number)d), after the "
                    "due time: it is marked late.",
                    title=activity.title,
                    number=version.number,
                )
            else:
                message = _(
                    "Your work on “%(title)s” was handed in (version %(number)d).",
                    title=activity.title,
                    number=version.number,
                )
            flash(message, "success")
            return redirect(_my_work_url(course, activity))
    return _render_my_work(course, registration, posted=(activity.id, form))


@bp.get(
    "/courses/<slug>/followup/activities/<int:activity_id>/work/<int:registration_id>"
    "/files/<int:file_id>"
)
def handin_file(slug: str, activity_id: int, registration_id: int, file_id: int) -> Response:
    """One file of a hand-in, as a download; 404 for anyone who may not read it."""
    course = get_course_or_404(slug)
    stored = handins.readable_file(
        course, activity_id, registration_id, file_id, actor=current_user
    )
    if stored is None:
        abort(404)
    return send_stored_file(stored)


# --- the course team: everyone's work on one activity ----------------------------------------


@bp.get("/courses/<slug>/followup/handins")
@team_may("GET")
@login_required
def handins_overview(slug: str) -> ResponseReturnValue:
    """The course's assignments, each with how many participants are at each state."""
    course = _team_course_or_403(slug)
    states = handins.handin_states(course)
    assignments = [
        a for a in services.activities_in_order(course) if a.kind == ActivityKind.ASSIGNMENT
    ]
    counts = {
        a.id: {
            state: sum(1 for (_r, act), s in states.items() if act == a.id and s == state)
            for state in handins.HandinState
        }
        for a in assignments
    }
    return render_template(
        "followup/handins.html",
        course=course,
        assignments=assignments,
        counts=counts,
        states=list(handins.HandinState),
        participants=len({r for r, _a in states}),
    )


def _shown_filter() -> str:
    show = request.args.get("show", "all")
    return show if show in handins.FILTERS else "all"


def _render_submissions(
    course: Course,
    activity: FollowupActivity,
    posted: tuple[int, FeedbackForm] | None = None,
) -> str:
    rows = work.activity_submissions(activity) if activity.kind != ActivityKind.ASSIGNMENT else []
    handin_rows = handins.assignment_rows(activity)
    show = _shown_filter()
    forms = {}
    for row in handin_rows:
        if row.current is None:
            continue
        if posted is not None and posted[0] == row.registration.id:
            forms[row.registration.id] = posted[1]
        else:
            forms[row.registration.id] = FeedbackForm(
                formdata=None, prefix=f"feedback-{row.registration.id}", version_id=row.current.id
            )
    return render_template(
        "followup/submissions.html",
        course=course,
        activity=activity,
        rows=rows,
        handin_rows=handins.filter_rows(handin_rows, show),
        all_rows=handin_rows,
        counts=handins.filter_counts(handin_rows),
        filters=handins.FILTERS,
        show=show,
        feedback_forms=forms,
        may_manage=can_manage_course(current_user, course),
        completed=sum(1 for row in handin_rows if row.state == handins.HandinState.COMPLETE),
    )


@bp.get("/courses/<slug>/followup/activities/<int:activity_id>/submissions")
@team_may("GET")
@login_required
def submissions(slug: str, activity_id: int) -> ResponseReturnValue:
    course = _team_course_or_403(slug)
    activity = _activity_of(course, activity_id)
    return _render_submissions(course, activity)


@bp.get("/courses/<slug>/followup/activities/<int:activity_id>/submissions.zip")
@team_may("GET")
@login_required
def submissions_zip(slug: str, activity_id: int) -> Response:
    """The files of the current versions shown by the filter, as one ZIP."""
    course = _team_course_or_403(slug)
    activity = _assignment_of(course, activity_id)
    rows = handins.filter_rows(handins.assignment_rows(activity), _shown_filter())
    entries = handins.zip_entries(rows)
    if not entries:
        flash(_("No files to download."), "info")
        return redirect(url_for("followup.submissions", slug=course.slug, activity_id=activity.id))
    name = f"{course.slug} - {activity.title} - {_('hand-ins')}.zip"
    return send_zip(entries, name)


@bp.post(
    "/courses/<slug>/followup/activities/<int:activity_id>/submissions/<int:registration_id>"
    "/feedback"
)
@team_may("POST")
@login_required
def give_feedback(slug: str, activity_id: int, registration_id: int) -> ResponseReturnValue:
    course = _team_course_or_403(slug)
    activity = _assignment_of(course, activity_id)
    registration = _registration_of(course, registration_id)
    back = (
        url_for("followup.submissions", slug=course.slug, activity_id=activity.id)
        + f"#registration-{registration.id}"
    )
    form = FeedbackForm(prefix=f"feedback-{registration.id}")
    if form.validate_on_submit():
        submission = work.find_submission(registration, activity)
        try:
            if submission is None:
                raise handins.FeedbackNotAllowed.single(_("Nothing has been handed in yet."))
            handins.give_feedback(
                submission,
                version_id=form.version(),
                decision=FeedbackDecision(form.decision.data),
                comment=form.comment.data or "",
                actor=current_user,
            )
        except handins.FeedbackNotAllowed as exc:
            db.session.rollback()
            for message in exc.messages:
                flash(message, "error")
            return redirect(back)
        except handins.InvalidFeedback as exc:
            db.session.rollback()
            add_service_errors(form, exc)
        else:
            db.session.commit()
            flash(
                _(
                    "Your feedback to %(name)s was sent.",
                    name=registration.certificate_name,
                ),
                "success",
            )
            return redirect(back)
    return _render_submissions(course, activity, posted=(registration.id, form))


@bp.post("/courses/<slug>/followup/activities/<int:activity_id>/submissions/<int:registration_id>")
@login_required
def set_completion(slug: str, activity_id: int, registration_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    activity = _activity_of(course, activity_id)
    registration = _registration_of(course, registration_id)
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
