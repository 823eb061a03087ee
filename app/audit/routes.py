"""The audit log page for administrators: /admin/audit."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from app.accounts.auth import admin_required
from app.audit import services
from app.audit.forms import AuditFilterForm
from app.audit.models import detail_items
from app.core.urls import other_query_args, page_number
from app.extensions import db

bp = Blueprint("audit", __name__)


@bp.get("/admin/audit")
@admin_required
def index() -> str:
    form = AuditFilterForm(request.args)
    if request.args:
        form.validate()
    page = db.paginate(
        services.events_query(form.filters()),
        page=page_number(),
        per_page=services.EVENTS_PER_PAGE,
        error_out=False,
    )
    return render_template(
        "audit/index.html",
        form=form,
        page=page,
        page_args=other_query_args("page"),
        tz=current_user.timezone,
        detail_items=detail_items,
    )
