"""The catalogue's page: the home page of the site."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, render_template, request
from flask_babel import get_locale

from app.catalogue import services
from app.core.timeutil import local_date
from app.core.urls import other_query_args, page_number
from app.courses.windows import registration_windows
from app.db import now_utc

bp = Blueprint("catalogue", __name__)


@bp.get("/")
def index() -> str:
    """The catalogue: courses and events together, filtered as asked (unknown values ignored)."""
    choices = services.catalogue_choices(str(get_locale()))
    filters = services.catalogue_filters(request.args, choices)
    today = local_date(now_utc(), "UTC")
    page = services.catalogue_page(filters, today, page_number())
    recent = []
    if not filters.past and not page.has_next:
        # Under the last page of what is coming, a glimpse of what was held.
        recent = services.catalogue(replace(filters, past=True), today=today, limit=4)
    # Past matches count as matches: an empty list with filters says where the matches are.
    upcoming_match = bool(
        filters.past
        and filters.narrowed
        and not page.courses
        and services.catalogue(replace(filters, past=False), today=today, limit=1)
    )
    page_args = other_query_args("page")
    return render_template(
        "catalogue/index.html",
        courses=page.courses,
        page=page,
        page_args=page_args,
        other_view_args={k: v for k, v in page_args.items() if k != "when"},
        recent=recent,
        upcoming_match=upcoming_match,
        filters=filters,
        choices=choices,
        windows=registration_windows(page.courses + recent),
    )
