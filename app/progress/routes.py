"""The organisers' progress matrix of a course (the participant's checklist is on "My courses")."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.courses.permissions import can_see_participants, get_course_or_404
from app.progress import services

bp = Blueprint("progress", __name__)


@bp.get("/courses/<slug>/progress")
@login_required
def matrix(slug: str) -> str:
    course = get_course_or_404(slug)
    if not can_see_participants(current_user, course):
        abort(403)
    if course.kind.is_event:
        abort(404)  # events have no certificate to work towards
    missing = request.args.get("missing", "")
    matrix = services.progress_matrix(course, missing=missing or None)
    title = course.title(str(get_locale()))
    known = {key for key, _title in matrix.columns} | {services.ANY}
    return render_template(
        "progress/matrix.html",
        course=course,
        matrix=matrix,
        missing=missing if missing in known else "",
        mailto=services.mailto_link(
            matrix.rows, subject=_("%(course)s: your certificate", course=title)
        ),
    )
