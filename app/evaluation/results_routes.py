"""The results pages of a course's evaluation and session ratings, their CSV export and the
comparison of editions: for the course's organisers and facilitators (and administrators),
never for participants or reviewers. Read-only: load, authorise, ask
:mod:`app.evaluation.results`, render."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template
from flask_babel import format_decimal, get_locale
from flask_login import current_user, login_required

from app.audit.services import record_export
from app.evaluation import charts, results
from app.evaluation.models import MIN_BREAKDOWN, RATING_LABELS
from app.evaluation.services import evaluation_for
from app.extensions import db
from app.registration.desk import get_team_course_or_403, team_may

bp = Blueprint("results", __name__)


def _locale() -> str:
    return str(get_locale() or "en")


def _number(value: float) -> str:
    return format_decimal(value, format="0.0")


def _chart_tools() -> dict[str, Any]:
    """What the templates draw charts and their tables with (evaluation/_charts.html)."""
    labels = [f"{point} – {label}" for point, label in sorted(RATING_LABELS.items())]

    def chart(distribution: charts.Distribution, title: str, key: str) -> Any:
        return charts.distribution_svg(distribution, labels, title=title, key=key, number=_number)

    def multiples(panels: list[tuple[str, charts.Distribution]], title: str, key: str) -> Any:
        return charts.small_multiples(panels, question=title, key=key, number=_number)

    return {
        "chart": chart,
        "multiples": multiples,
        "chart_rows": lambda distribution: charts.chart_rows(distribution, labels),
        "number": _number,
        "percent": charts.percent,
        "min_breakdown": MIN_BREAKDOWN,
    }


@bp.get("/courses/<slug>/results")
@login_required
@team_may("GET")
def show(slug: str) -> str:
    course = get_team_course_or_403(slug)
    return render_template(
        "evaluation/results.html",
        course=course,
        results=results.course_results(course, _locale()),
        has_editions=bool(results.other_editions(course)),
        **_chart_tools(),
    )


@bp.get("/courses/<slug>/results.csv")
@login_required
@team_may("GET")
def export_csv(slug: str) -> Response:
    course = get_team_course_or_403(slug)
    evaluation = evaluation_for(course)
    if evaluation is None:
        abort(404)
    header, lines = results.export_rows(evaluation, _locale())
    record_export(current_user, course.slug, "evaluation", "csv", len(lines))
    db.session.commit()
    response = Response(results.to_csv(header, lines), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{course.slug}-evaluation.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/courses/<slug>/results/editions")
@login_required
@team_may("GET")
def compare(slug: str) -> str:
    course = get_team_course_or_403(slug)
    return render_template(
        "evaluation/results_editions.html",
        course=course,
        comparison=results.compare_editions(course, current_user, _locale()),
        **_chart_tools(),
    )
