"""Invitation letters: the participant's request and letter, the organisers' tab, and the
public verification page.

A participant's pages answer 404 to anyone but the registration's own user (the letter's PDF
also to the course's organisers and administrators), so a registration number reveals nothing.
The organisers' tab is for the course's organisers and administrators only: it shows passport
details, which facilitators and reviewers never see. Verification is public: the code is the
secret, and the page shows no passport detail.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.certificates.services import format_code
from app.core.rules import FieldErrors
from app.courses.models import Course
from app.courses.permissions import can_manage_course, get_managed_course_or_403
from app.db import now_utc
from app.extensions import db
from app.registration.forms import country_name
from app.registration.models import Registration
from app.visas import services
from app.visas.details import clean_details
from app.visas.forms import (
    DeclineForm,
    IssueAllForm,
    IssueForm,
    RevokeForm,
    VisaRequestForm,
    WithdrawForm,
)
from app.visas.models import VisaLetterRequest, VisaRequestStatus
from app.visas.pdf import render_letter_pdf
from app.visas.retention import retention_days

bp = Blueprint("visas", __name__)


def _apply_errors(form, refused: FieldErrors) -> None:
    for name, messages in refused.errors.items():
        target = form._fields.get(name) if name else None
        if target is None:
            form.form_errors.extend(messages)
        else:
            target.errors = [*target.errors, *messages]


# --- the participant -------------------------------------------------------------------------


def _own_registration(registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.user_id != current_user.id:
        abort(404)
    return registration


@bp.route("/my/registrations/<int:registration_id>/visa-letter", methods=["GET", "POST"])
@login_required
def my_request(registration_id: int) -> ResponseReturnValue:
    registration = _own_registration(registration_id)
    course = registration.course
    if not services.applies_to(course):
        abort(404)
    current = services.request_of(registration)
    form = VisaRequestForm(
        locale=str(_ui_locale()),
        default_language=services.default_language(registration),
        current=current,
        nationality=registration.nationality,
    )
    refusal = services.request_refusal(registration, now=now_utc())
    if form.validate_on_submit():
        try:
            saved = services.request_letter(
                registration, form.to_details(), actor=current_user, now=now_utc()
            )
        except services.NotAllowed as refused:
            db.session.rollback()
            flash(str(refused.message), "error")
            return redirect(url_for("visas.my_request", registration_id=registration.id))
        except FieldErrors as refused:
            db.session.rollback()
            _apply_errors(form, refused)
        else:
            db.session.commit()
            flash(
                _("Your corrections are saved.")
                if saved.requested_at != saved.updated_at
                else _("Your request is sent to the organisers."),
                "success",
            )
            return redirect(url_for("visas.my_request", registration_id=registration.id))
    elif request.method == "POST" and refusal is not None:
        flash(str(refusal), "error")
        return redirect(url_for("visas.my_request", registration_id=registration.id))
    elif request.method == "POST":
        if "csrf_token" in form.errors:
            abort(400)
        _rule_errors_too(form, course)
    return render_template(
        "visas/my_request.html",
        registration=registration,
        course=course,
        letter=current,
        form=form,
        refusal=refusal,
        withdraw_form=WithdrawForm(),
        country_name=lambda code: country_name(code, _ui_locale()),
    )


def _rule_errors_too(form: VisaRequestForm, course: Course) -> None:
    """A form refused for one field also shows what the rules say of the others (a date of
    birth in the future beside a passport number too short), so all is corrected at once."""
    try:
        clean_details(form.to_details(), course, today=now_utc().date())
    except FieldErrors as refused:
        for name, messages in refused.errors.items():
            target = form._fields.get(name) if name else None
            if target is not None and not target.errors:
                target.errors = list(messages)


def _ui_locale() -> str:
    return str(get_locale() or "en")


@bp.post("/my/registrations/<int:registration_id>/visa-letter/withdraw")
@login_required
def withdraw(registration_id: int) -> ResponseReturnValue:
    registration = _own_registration(registration_id)
    letter = services.request_of(registration)
    if letter is None:
        abort(404)
    if not WithdrawForm().validate_on_submit():
        abort(400)
    try:
        services.withdraw(letter, actor=current_user, now=now_utc())
    except services.NotAllowed as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
    else:
        db.session.commit()
        flash(_("Your request is withdrawn."), "success")
    return redirect(url_for("visas.my_request", registration_id=registration.id))


@bp.get("/my/registrations/<int:registration_id>/visa-letter.pdf")
@login_required
def download(registration_id: int) -> ResponseReturnValue:
    """The issued letter: for its participant and the course's organisers."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or not (
        registration.user_id == current_user.id
        or can_manage_course(current_user, registration.course)
    ):
        abort(404)
    letter = services.request_of(registration)
    if letter is None or not letter.is_issued:
        abort(404)
    if letter.is_revoked or letter.is_erased:
        return render_template(
            "visas/unavailable.html", letter=letter, course=registration.course
        ), 410
    response = Response(render_letter_pdf(letter), mimetype="application/pdf")
    response.headers.set(
        "Content-Disposition", "inline", filename=f"invitation-letter-{letter.reference}.pdf"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- public verification ---------------------------------------------------------------------


@bp.get("/letters/<code>")
def verify(code: str) -> ResponseReturnValue:
    letter = services.find_letter(code)
    if letter is None:
        return render_template("visas/unknown.html", code=code), 404
    return render_template(
        "visas/verify.html",
        letter=letter,
        course=letter.registration.course,
        code=format_code(letter.code or ""),
    )


# --- the organisers' tab ---------------------------------------------------------------------


def _managed_course(slug: str) -> Course:
    course = get_managed_course_or_403(slug)
    if not services.applies_to(course):
        abort(404)  # online: no visas
    return course


def _course_request_or_404(course: Course, visa_request_id: int) -> VisaLetterRequest:
    letter = db.session.get(VisaLetterRequest, visa_request_id)
    if letter is None or letter.registration.course_id != course.id:
        abort(404)
    return letter


@bp.get("/courses/<slug>/visa-letters")
@login_required
def index(slug: str) -> ResponseReturnValue:
    course = _managed_course(slug)
    status = request.args.get("status", "all")
    if status not in services.FILTERS:
        status = "all"
    return render_template(
        "visas/index.html",
        course=course,
        letters=services.course_requests(course, status),
        counts=services.counts(course),
        filters=services.filter_labels(),
        status=status,
        issue_all_form=IssueAllForm(),
        country_name=lambda code: country_name(code, _ui_locale()),
    )


def _show(course: Course, letter: VisaLetterRequest, **forms) -> str:
    return render_template(
        "visas/show.html",
        course=course,
        letter=letter,
        issue_form=forms.get("issue_form") or IssueForm(),
        decline_form=forms.get("decline_form") or DeclineForm(formdata=None),
        revoke_form=forms.get("revoke_form") or RevokeForm(formdata=None),
        country_name=lambda code: country_name(code, _ui_locale()),
        code=format_code(letter.code) if letter.code else None,
        verification_url=services.verification_url(letter) if letter.code else None,
        retention_days=retention_days(),
    )


@bp.get("/courses/<slug>/visa-letters/<int:visa_request_id>")
@login_required
def show(slug: str, visa_request_id: int) -> ResponseReturnValue:
    course = _managed_course(slug)
    return _show(course, _course_request_or_404(course, visa_request_id))


def _back(course: Course, letter: VisaLetterRequest) -> Response:
    return redirect(url_for("visas.show", slug=course.slug, visa_request_id=letter.id))


@bp.post("/courses/<slug>/visa-letters/<int:visa_request_id>/issue")
@login_required
def issue(slug: str, visa_request_id: int) -> ResponseReturnValue:
    course = _managed_course(slug)
    letter = _course_request_or_404(course, visa_request_id)
    if not IssueForm().validate_on_submit():
        abort(400)
    try:
        services.issue(letter, actor=current_user, now=now_utc())
    except services.NotAllowed as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
    else:
        db.session.commit()
        flash(
            _(
                "The letter %(reference)s is issued; %(name)s is told by mail.",
                reference=letter.reference,
                name=letter.registration.certificate_name,
            ),
            "success",
        )
    return _back(course, letter)


@bp.post("/courses/<slug>/visa-letters/<int:visa_request_id>/decline")
@login_required
def decline(slug: str, visa_request_id: int) -> ResponseReturnValue:
    course = _managed_course(slug)
    letter = _course_request_or_404(course, visa_request_id)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            services.decline(letter, form.reason.data or "", actor=current_user, now=now_utc())
        except services.NotAllowed as refused:
            db.session.rollback()
            flash(str(refused.message), "error")
            return _back(course, letter)
        except FieldErrors as refused:
            db.session.rollback()
            _apply_errors(form, refused)
        else:
            db.session.commit()
            flash(
                _(
                    "The request of %(name)s is declined; they are told by mail.",
                    name=letter.registration.certificate_name,
                ),
                "success",
            )
            return _back(course, letter)
    elif "csrf_token" in form.errors:
        abort(400)
    return _show(course, letter, decline_form=form)


@bp.post("/courses/<slug>/visa-letters/<int:visa_request_id>/revoke")
@login_required
def revoke(slug: str, visa_request_id: int) -> ResponseReturnValue:
    course = _managed_course(slug)
    letter = _course_request_or_404(course, visa_request_id)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke(letter, form.reason.data or "", actor=current_user, now=now_utc())
        except services.NotAllowed as refused:
            db.session.rollback()
            flash(str(refused.message), "error")
            return _back(course, letter)
        except FieldErrors as refused:
            db.session.rollback()
            _apply_errors(form, refused)
        else:
            db.session.commit()
            flash(_("The letter %(reference)s is revoked.", reference=letter.reference), "success")
            return _back(course, letter)
    elif "csrf_token" in form.errors:
        abort(400)
    return _show(course, letter, revoke_form=form)


@bp.post("/courses/<slug>/visa-letters/issue-all")
@login_required
def issue_all(slug: str) -> ResponseReturnValue:
    course = _managed_course(slug)
    if not IssueAllForm().validate_on_submit():
        abort(400)
    issued = services.issue_all(course, actor=current_user, now=now_utc())
    db.session.commit()
    if issued:
        flash(
            ngettext(
                "%(num)d letter issued; the participant is told by mail.",
                "%(num)d letters issued; each participant is told by mail.",
                len(issued),
            ),
            "success",
        )
    else:
        flash(_("No request is pending."), "warning")
    return redirect(url_for("visas.index", slug=course.slug, status=VisaRequestStatus.ISSUED.value))
