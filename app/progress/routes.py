"""The organisers' progress matrix of a course (the participant's checklist is on "My courses")."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from app.progress import services
from app.registration.desk import get_team_course_or_403, team_may

bp = Blueprint("progress", __name__)


@bp.get("/courses/<slug>/progress")
@login_required
@team_may("GET")
def matrix(slug: str) -> str:
    course = get_team_course_or_403(slug)
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
