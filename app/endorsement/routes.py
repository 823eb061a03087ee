"""The endorsement's pages: the endorser's (behind the secret link, no account), the
applicant's (naming another endorser) and the organisers' override. The rules live in
:mod:`app.endorsement.services`."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.courses.permissions import get_managed_course_or_403
from app.endorsement import services
from app.endorsement.forms import EndorserForm, RespondForm, WaiveForm
from app.extensions import db, limiter
from app.registration.desk import get_registration_or_404
from app.registration.routes import get_own_registration_or_404
from app.registration.services import RegistrationError

bp = Blueprint("endorsement", __name__)

# The link's secret is the key: guessing it is what the limit slows down (as for password
# reset links), on every method since even a page view tells a valid link from another.
LINK_LIMIT = "10/minute;50/hour"
NO_REFERRER = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _invalid_link(exc: services.InvalidLink) -> tuple[str, int, dict[str, str]]:
    page = render_template("endorsement/invalid.html", message=exc.problem.message)
    return page, exc.problem.http_status, NO_REFERRER


@bp.route("/endorse/<token>", methods=["GET", "POST"])
@limiter.limit(LINK_LIMIT)
def respond(token: str) -> tuple[str, int, dict[str, str]]:
    try:
        endorsement = services.find_by_link(token)
    except services.InvalidLink as exc:
        return _invalid_link(exc)
    form = RespondForm()
    if form.validate_on_submit():
        endorse = bool(form.endorse.data)
        try:
            services.respond(token, endorse=endorse, comment=form.comment.data or "")
        except services.InvalidLink as exc:
            db.session.rollback()
            return _invalid_link(exc)
        db.session.commit()
        page = render_template("endorsement/answered.html", endorsed=endorse)
        return page, 200, NO_REFERRER
    registration = endorsement.registration
    course = registration.course
    page = render_template(
        "endorsement/respond.html",
        form=form,
        endorsement=endorsement,
        registration=registration,
        course=course,
        course_title=course.title(str(get_locale())),
    )
    return page, 200, NO_REFERRER


@bp.route("/my/registrations/<int:registration_id>/endorser", methods=["GET", "POST"])
@login_required
def endorser(registration_id: int) -> Response | str:
    registration = get_own_registration_or_404(registration_id)
    endorsement = services.endorsement_of(registration)
    my_courses = url_for("registration.my_courses", _anchor=f"registration-{registration.id}")
    if not services.can_name_endorser(registration, endorsement):
        flash(_("This application no longer needs an endorser."), "info")
        return redirect(my_courses)
    own = frozenset({registration.email.lower(), current_user.email.lower()})
    form = EndorserForm(own_emails=own)
    if not form.is_submitted() and endorsement is not None:
        form.endorser_name.data = endorsement.endorser_name
        form.endorser_position.data = endorsement.endorser_position
        form.endorser_email.data = endorsement.endorser_email
    if form.validate_on_submit():
        try:
            services.request_endorsement(
                registration, form.endorser_data(), actor=current_user._get_current_object()
            )
        except RegistrationError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                _(
                    "We have sent %(name)s a new link to endorse your application; any earlier "
                    "link no longer works.",
                    name=form.endorser_name.data,
                ),
                "success",
            )
            return redirect(my_courses)
    course = registration.course
    return render_template(
        "endorsement/endorser.html",
        form=form,
        registration=registration,
        endorsement=endorsement,
        course=course,
        course_title=course.title(str(get_locale())),
    )


@bp.post("/courses/<slug>/participants/<int:registration_id>/endorsement/waive")
@login_required
def waive(slug: str, registration_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    registration = get_registration_or_404(course, registration_id)
    target = url_for("desk.show", slug=course.slug, registration_id=registration.id)
    form = WaiveForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(target)
    try:
        services.waive(registration, actor=current_user._get_current_object(), note=form.note.data)
    except RegistrationError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(
            _(
                "%(name)s: the endorsement is waived, and the registration rules now apply.",
                name=registration.certificate_name,
            ),
            "success",
        )
    return redirect(target)
