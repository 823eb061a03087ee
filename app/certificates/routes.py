"""Certificates: the participant's download, the public verification page, the organisers'
overview of a course, with issuing them all, revoking one, and the course's design.

The download answers 404 to anyone but the registration's own user and the course's organisers
(and administrators), so a registration number reveals nothing. Verification is public: the
code is the secret.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.certificates import design as design_rules
from app.certificates import services
from app.certificates.forms import (
    CodeLookupForm,
    DesignForm,
    IssueAllForm,
    ReinstateForm,
    RevokeForm,
)
from app.certificates.models import Certificate
from app.certificates.pdf import certificates_zip, render_certificate_pdf, render_certificates_pdf
from app.core.rules import FieldErrors
from app.core.security import accepts_uploads
from app.courses.models import Course
from app.courses.permissions import can_manage_course, get_managed_course_or_403
from app.db import now_utc
from app.extensions import db
from app.registration.models import Registration
from app.storage.serving import DOWNLOAD_HEADERS, content_disposition

bp = Blueprint("certificates", __name__)


@bp.get("/my/registrations/<int:registration_id>/certificate.pdf")
@login_required
def download(registration_id: int) -> ResponseReturnValue:
    registration = db.session.get(Registration, registration_id)
    if registration is None or not (
        registration.user_id == current_user.id
        or can_manage_course(current_user, registration.course)
    ):
        abort(404)
    if registration.course.kind.is_event:
        abort(404)  # events have no certificates
    certificate = services.existing_certificate(registration)
    if certificate is None:
        eligibility = services.certificate_eligibility(registration)
        if not eligibility:
            return render_template(
                "certificates/not_eligible.html",
                registration=registration,
                course=registration.course,
                eligibility=eligibility,
                is_own=registration.user_id == current_user.id,
            ), 403
        certificate = services.issue_certificate(registration, actor=current_user)
        db.session.commit()
    if certificate.is_revoked:
        return render_template(
            "certificates/revoked.html",
            certificate=certificate,
            course=registration.course,
            is_own=registration.user_id == current_user.id,
        ), 403
    response = Response(render_certificate_pdf(certificate), mimetype="application/pdf")
    response.headers.set(
        "Content-Disposition",
        "inline",
        filename=f"certificate-{registration.course.slug}-{services.format_code(certificate.code)}.pdf",
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/certificates")
def lookup() -> ResponseReturnValue:
    """A form to type the code of a printed certificate."""
    form = CodeLookupForm(request.args)
    if request.args and form.validate():
        return redirect(url_for("certificates.verify", code=form.code.data.strip()))
    return render_template("certificates/lookup.html", form=form)


@bp.get("/certificates/<code>")
def verify(code: str) -> ResponseReturnValue:
    certificate = services.find_certificate(code)
    if certificate is None:
        return render_template("certificates/unknown.html", code=code), 404
    registration = certificate.registration
    return render_template(
        "certificates/revoked_verify.html"
        if certificate.is_revoked
        else "certificates/verify.html",
        certificate=certificate,
        course=registration.course,
        days_attended=services.days_attended(registration),
        code=services.format_code(certificate.code),
    )


@bp.get("/courses/<slug>/certificates")
@login_required
def course_overview(slug: str) -> ResponseReturnValue:
    course = _managed_course(slug)
    rows = services.course_certificates(course)
    return render_template(
        "certificates/course_overview.html",
        course=course,
        rows=rows,
        eligible=sum(1 for _registration, eligibility, _c in rows if eligibility),
        issued=sum(1 for *_rest, certificate in rows if certificate is not None),
        format_code=services.format_code,
        issue_all_form=IssueAllForm(),
        revoke_form=RevokeForm(),
        reinstate_form=ReinstateForm(),
        design=design_rules.design_of(course),
    )


def _managed_course(slug: str) -> Course:
    course = get_managed_course_or_403(slug)
    if course.kind.is_event:
        abort(404)  # events have no certificates
    return course


def _course_certificate_or_404(course: Course, certificate_id: int) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.registration.course_id != course.id:
        abort(404)
    return certificate


def _overview(course: Course, certificate: Certificate | None = None) -> Response:
    anchor = f"#registration-{certificate.registration_id}" if certificate else ""
    return redirect(url_for("certificates.course_overview", slug=course.slug) + anchor)


def _attachment(body: bytes, *, content_type: str, filename: str) -> Response:
    response = Response(body, mimetype=content_type)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers.update(DOWNLOAD_HEADERS)
    return response


@bp.post("/courses/<slug>/certificates/issue-all")
@login_required
def issue_all(slug: str) -> ResponseReturnValue:
    course = _managed_course(slug)
    form = IssueAllForm()
    if not form.validate_on_submit():
        abort(400)
    certificates = services.issue_all(course, actor=current_user, now=now_utc())
    db.session.commit()
    if not certificates:
        flash(_("No participant qualifies for a certificate yet."), "warning")
        return _overview(course)
    if form.as_zip.data:
        return _attachment(
            certificates_zip(certificates),
            content_type="application/zip",
            filename=f"certificates-{course.slug}.zip",
        )
    return _attachment(
        render_certificates_pdf(certificates),
        content_type="application/pdf",
        filename=f"certificates-{course.slug}.pdf",
    )


@bp.post("/courses/<slug>/certificates/<int:certificate_id>/revoke")
@login_required
def revoke(slug: str, certificate_id: int) -> ResponseReturnValue:
    course = _managed_course(slug)
    certificate = _course_certificate_or_404(course, certificate_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        # The form is one per row of the overview: its messages come back there.
        for message in form.reason.errors:
            flash(str(message), "error")
        return _overview(course, certificate)
    try:
        services.revoke_certificate(
            certificate, form.reason.data or "", actor=current_user, now=now_utc()
        )
    except FieldErrors as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(_("The certificate of %(name)s is revoked.", name=certificate.name), "success")
    return _overview(course, certificate)


@bp.post("/courses/<slug>/certificates/<int:certificate_id>/reinstate")
@login_required
def reinstate(slug: str, certificate_id: int) -> ResponseReturnValue:
    course = _managed_course(slug)
    certificate = _course_certificate_or_404(course, certificate_id)
    if not ReinstateForm().validate_on_submit():
        abort(400)
    try:
        services.reinstate_certificate(certificate, actor=current_user, now=now_utc())
    except FieldErrors as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(_("The certificate of %(name)s is valid again.", name=certificate.name), "success")
    return _overview(course, certificate)


@bp.route("/courses/<slug>/certificates/design", methods=["GET", "POST"])
@accepts_uploads
@login_required
def design(slug: str) -> ResponseReturnValue:
    course = _managed_course(slug)
    current = design_rules.design_of(course)
    form = DesignForm(obj=current)
    if form.validate_on_submit():
        try:
            design_rules.update_design(course, form.to_change(), actor=current_user)
        except FieldErrors as refused:
            db.session.rollback()
            for name, messages in refused.errors.items():
                target = form._fields.get(name) if name else None
                if target is None:
                    form.form_errors.extend(messages)
                else:
                    target.errors = [*target.errors, *messages]
        else:
            db.session.commit()
            flash(_("The certificate design is saved."), "success")
            return redirect(url_for("certificates.design", slug=course.slug))
    return render_template("certificates/design.html", course=course, form=form, design=current)
