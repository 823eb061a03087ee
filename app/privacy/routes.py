"""The person's privacy page (export, erasure request), the public notice, the
administrators' erasure requests and notice versions, and a course's retention periods.

Each view loads, checks, validates its form, calls a service, commits once, flashes and
redirects; the rules live in export.py, erasure.py, notices.py and retention.py."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.auth import admin_required
from app.accounts.models import User
from app.audit.models import AuditAction
from app.audit.services import record
from app.courses.permissions import get_managed_course_or_403
from app.db import now_utc
from app.extensions import db, limiter
from app.privacy import erasure, export, notices, retention
from app.privacy.forms import (
    CarryOutForm,
    ErasureRequestForm,
    ExportForm,
    NoticeForm,
    RetentionForm,
)
from app.privacy.models import ErasureRequest
from app.storage.serving import content_disposition

bp = Blueprint("privacy", __name__)


@bp.app_template_global()
def retention_plan(course: object) -> retention.RetentionPlan:
    """For the desk's line saying when the course's data will be deleted."""
    return retention.plan(course)  # type: ignore[arg-type]


def _export_limit() -> str:
    return current_app.config["PERSONAL_DATA_EXPORT_LIMIT"]


def _user_key() -> str:
    # Per person, not per address: the export is costly and one's own.
    return f"user:{current_user.get_id()}" if current_user.is_authenticated else "anonymous"


@bp.get("/privacy")
def notice() -> ResponseReturnValue:
    current = notices.current_notice()
    return render_template(
        "privacy/notice.html",
        notice=current,
        paragraphs=notices.paragraphs(current.body) if current else [],
    )


@bp.get("/account/privacy")
@login_required
def account() -> ResponseReturnValue:
    user: User = current_user._get_current_object()
    return render_template(
        "privacy/account.html",
        export_form=ExportForm(),
        erasure_form=ErasureRequestForm(),
        pending=erasure.pending_request(user),
        consents=notices.consents_of(user),
    )


@bp.post("/account/privacy/export")
@login_required
@limiter.limit(_export_limit, key_func=_user_key)
def export_data() -> ResponseReturnValue:
    user: User = current_user._get_current_object()
    form = ExportForm()
    if not form.validate_on_submit():
        abort(400)
    now = now_utc()
    stream = export.archive(user, now=now)
    record(AuditAction.PERSONAL_DATA_EXPORTED, actor=user, subject=user)
    db.session.commit()
    response = current_app.response_class(
        iter(stream), content_type="application/zip", direct_passthrough=True
    )
    response.content_length = len(stream)
    response.headers["Content-Disposition"] = content_disposition(
        f"atelier-data-{now:%Y-%m-%d}.zip"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/account/privacy/erasure")
@login_required
def request_erasure() -> ResponseReturnValue:
    user: User = current_user._get_current_object()
    form = ErasureRequestForm()
    if form.validate_on_submit():
        try:
            erasure.request_erasure(user)
        except erasure.ErasureError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            flash(
                _("Your request is sent. An administrator will erase your data."),
                "success",
            )
        return redirect(url_for("privacy.account"))
    return (
        render_template(
            "privacy/account.html",
            export_form=ExportForm(),
            erasure_form=form,
            pending=erasure.pending_request(user),
            consents=notices.consents_of(user),
        ),
        400,
    )


# --- administrators ----------------------------------------------------------------------------


@bp.get("/admin/privacy")
@admin_required
def admin_requests() -> ResponseReturnValue:
    requests = erasure.pending_requests()
    return render_template(
        "privacy/admin_requests.html",
        requests=requests,
        carry_out_forms={item.id: _carry_out_form(item.id) for item in requests},
    )


def _carry_out_form(request_id: int) -> CarryOutForm:
    # One form per row: the prefix keeps each box's id (and its label) its own.
    return CarryOutForm(prefix=f"r{request_id}")


@bp.post("/admin/privacy/requests/<int:request_id>/erase")
@admin_required
def carry_out(request_id: int) -> ResponseReturnValue:
    erasure_request = db.get_or_404(ErasureRequest, request_id)
    form = _carry_out_form(erasure_request.id)
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm the erasure."), "error")
        return redirect(url_for("privacy.admin_requests"))
    try:
        erasure.carry_out(erasure_request, actor=current_user._get_current_object())
    except erasure.ErasureError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("The data of account #%(id)d are erased.", id=erasure_request.user_id), "success")
    return redirect(url_for("privacy.admin_requests"))


@bp.route("/admin/privacy/notice", methods=["GET", "POST"])
@admin_required
def admin_notice() -> ResponseReturnValue:
    current = notices.current_notice()
    form = NoticeForm()
    if not form.is_submitted() and current is not None:
        form.body.data = current.body
    if form.validate_on_submit():
        published = notices.publish_notice(form.body.data, actor=current_user._get_current_object())
        db.session.commit()
        flash(
            _("Version %(version)d of the privacy notice is published.", version=published.version),
            "success",
        )
        return redirect(url_for("privacy.admin_notice"))
    return render_template(
        "privacy/admin_notice.html", form=form, versions=notices.notice_versions()
    )


# --- a course's retention ----------------------------------------------------------------------


@bp.route("/courses/<slug>/retention", methods=["GET", "POST"])
@login_required
def course_retention(slug: str) -> ResponseReturnValue:
    course = get_managed_course_or_403(slug)
    own = retention.settings_of(course)
    form = RetentionForm(obj=own)
    if form.validate_on_submit():
        retention.set_course_days(
            course,
            document_days=form.document_days.data,
            special_needs_days=form.special_needs_days.data,
            actor=current_user._get_current_object(),
        )
        db.session.commit()
        flash(_("The retention periods are saved."), "success")
        return redirect(url_for("privacy.course_retention", slug=course.slug))
    return render_template(
        "privacy/course_retention.html",
        course=course,
        form=form,
        plan=retention.plan(course),
        defaults={
            "documents": retention.default_days(retention.DOCUMENTS),
            "special_needs": retention.default_days(retention.SPECIAL_NEEDS),
        },
    )
