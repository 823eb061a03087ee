"""The check-in page of a course's team (organisers and facilitators, administrators): scan
or type a participant's code, or find them by name, to mark them present today; and the
badges to print. Thin: the rules are in app.checkin.services."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.checkin import services
from app.checkin.badges import render_badges
from app.checkin.forms import BadgeForm, BadgeLayout, CodeForm, PersonForm, SearchForm
from app.checkin.services import CheckinResult, Outcome
from app.core.security import PERMISSIONS_POLICY
from app.core.templating import localdate, localtime
from app.db import now_utc
from app.extensions import db
from app.registration import exports
from app.registration.desk import get_registration_or_404, get_team_course_or_403, team_may

bp = Blueprint("checkin", __name__)

# The page's own scanner needs the camera, which the site otherwise switches off.
CAMERA_POLICY = PERMISSIONS_POLICY.replace("camera=()", "camera=(self)")


def _say(result: CheckinResult, tz: str) -> None:
    """What the person at the desk reads once the page comes back."""
    if result.outcome == Outcome.NOT_A_COURSE_DAY:
        flash(
            _(
                "Today (%(day)s) is not one of the course's on-site days: nobody can be "
                "checked in.",
                day=localdate(result.day, fmt="full"),
            ),
            "error",
        )
    elif result.outcome == Outcome.NOT_A_PARTICIPANT or result.registration is None:
        flash(_("Not a participant of this course."), "error")
    elif result.outcome == Outcome.ALREADY:
        flash(
            _(
                "Already checked in at %(time)s: %(name)s",
                time=localtime(result.at, tz, "HH:mm"),
                name=result.registration.certificate_name,
            ),
            "warning",
        )
    else:
        flash(_("Checked in: %(name)s", name=result.registration.certificate_name), "success")


def _back_to_page(slug: str, search: str = "") -> Response:
    return redirect(url_for("checkin.page", slug=slug, q=search or None))


@bp.get("/courses/<slug>/check-in")
@team_may("GET")
@login_required
def page(slug: str) -> Response:
    course = get_team_course_or_403(slug)
    now = now_utc()
    search_form = SearchForm(formdata=request.args)
    searched = "q" in request.args and search_form.validate()
    matches = services.search(course, search_form.q.data or "") if searched else []
    response = Response(
        render_template(
            "checkin/page.html",
            course=course,
            code_form=CodeForm(),
            search_form=search_form,
            searched=searched,
            matches=matches,
            present=services.present_today(course, [m.id for m in matches], now),
            person_form=PersonForm(q=search_form.q.data or ""),
            today=services.venue_today(course, now),
            is_course_day=services.is_course_day(course, now),
        )
    )
    response.headers["Permissions-Policy"] = CAMERA_POLICY
    return response


@bp.post("/courses/<slug>/check-in")
@team_may("POST")
@login_required
def by_code(slug: str) -> Response:
    course = get_team_course_or_403(slug)
    form = CodeForm()
    if not form.validate_on_submit():
        flash(_("Type or scan a check-in code."), "error")
        return _back_to_page(course.slug)
    result = services.check_in_by_code(course, form.code.data, actor=current_user, now=now_utc())
    db.session.commit()
    _say(result, course.timezone)
    return _back_to_page(course.slug)


@bp.post("/courses/<slug>/check-in/<int:registration_id>")
@team_may("POST")
@login_required
def person(slug: str, registration_id: int) -> Response:
    course = get_team_course_or_403(slug)
    form = PersonForm()
    if not form.validate_on_submit():
        abort(400)
    # Another course's registration is not found here, as on the desk.
    registration = get_registration_or_404(course, registration_id)
    result = services.check_in(course, registration, actor=current_user, now=now_utc())
    db.session.commit()
    _say(result, course.timezone)
    return _back_to_page(course.slug, form.q.data or "")


@bp.get("/courses/<slug>/badges.pdf")
@team_may("GET")
@login_required
def badges(slug: str) -> Response:
    """Badges of every confirmed participant, or of those ticked (``registration_id``)."""
    course = get_team_course_or_403(slug)
    form = BadgeForm(formdata=request.args)
    if not form.validate():
        abort(400)
    registrations = exports.confirmed_registrations(course)
    wanted = {
        int(v) for v in request.args.getlist("registration_id") if v.isascii() and v.isdigit()
    }
    if wanted:
        registrations = [r for r in registrations if r.id in wanted]
    codes = services.codes_for(registrations)
    content = render_badges(course, registrations, codes, BadgeLayout(form.layout.data))
    # Committed after rendering: a commit expires the rows, and reading them again would cost
    # a query per badge.
    db.session.commit()
    response = Response(content, mimetype="application/pdf")
    filename = f"{course.slug}-badges.pdf"
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response.headers["Cache-Control"] = "private, no-store"
    return response
