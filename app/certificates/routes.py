"""Certificates: the participant's download, the public verification page, the organisers'
overview of a course.

The download answers 404 to anyone but the registration's own user and the course's organisers
(and administrators), so a registration number reveals nothing. Verification is public: the
code is the secret.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.certificates import services
from app.certificates.forms import CodeLookupForm
from app.certificates.pdf import render_certificate_pdf
from app.courses.permissions import can_manage_course, get_managed_course_or_403
from app.extensions import db
from app.registration.models import Registration

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
        "certificates/verify.html",
        certificate=certificate,
        course=registration.course,
        days_attended=services.days_attended(registration),
        code=services.format_code(certificate.code),
    )


@bp.get("/courses/<slug>/certificates")
@login_required
def course_overview(slug: str) -> ResponseReturnValue:
    course = get_managed_course_or_403(slug)
    if course.kind.is_event:
        abort(404)  # events have no certificates
    rows = services.course_certificates(course)
    return render_template(
        "certificates/course_overview.html",
        course=course,
        rows=rows,
        eligible=sum(1 for _registration, eligibility, _c in rows if eligibility),
        issued=sum(1 for *_rest, certificate in rows if certificate is not None),
        format_code=services.format_code,
    )
