"""Session ratings: the participants' "Rate today's sessions" page and its forms, and the
organisers' switch. Each handler loads, checks access, validates, calls a rule of
:mod:`app.evaluation.ratings`, commits once and redirects."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.courses.models import Course
from app.courses.permissions import get_course_or_404, get_managed_course_or_403
from app.db import now_utc
from app.evaluation import ratings
from app.evaluation.rating_forms import RatingSwitchForm, SessionRatingForm, rating_prefix
from app.extensions import db
from app.registration.models import Registration, RegistrationStatus
from app.registration.services import find_registration
from app.schedule.models import CourseSession

bp = Blueprint("ratings", __name__)


def _participation_or_403(course: Course) -> Registration:
    """The signed-in user's confirmed registration to ``course``; 403 for anyone else."""
    registration = find_registration(course, current_user)
    if registration is None or registration.status != RegistrationStatus.CONFIRMED:
        abort(403)
    return registration


def _session_of(course: Course, session_id: int) -> CourseSession:
    session = db.session.get(CourseSession, session_id)
    if session is None or session.course_id != course.id:
        abort(404)
    return session


def _page_url(course: Course, session: CourseSession | None = None) -> str:
    anchor = f"session-{session.id}" if session is not None else None
    return url_for("ratings.today", slug=course.slug, _anchor=anchor)


def _render(
    course: Course,
    registration: Registration,
    posted: tuple[int, SessionRatingForm] | None = None,
) -> str:
    page = ratings.rating_page(registration, now=now_utc())
    forms = {
        line.session.id: SessionRatingForm(prefix=rating_prefix(line.session.id), formdata=None)
        for line in page.today + page.earlier
        if line.state == "open"
    }
    if posted is not None:
        forms[posted[0]] = posted[1]
    return render_template(
        "evaluation/ratings_today.html",
        course=course,
        page=page,
        forms=forms,
        is_enabled=ratings.is_enabled(course),
        closes_at=ratings.closes_at(course),
    )


@bp.get("/courses/<slug>/ratings")
@login_required
def today(slug: str) -> ResponseReturnValue:
    course = get_course_or_404(slug)
    registration = _participation_or_403(course)
    return _render(course, registration)


@bp.post("/courses/<slug>/sessions/<int:session_id>/rating")
@login_required
def rate(slug: str, session_id: int) -> ResponseReturnValue:
    course = get_course_or_404(slug)
    # Who may rate first: to anyone else, the course's session ids say nothing.
    registration = _participation_or_403(course)
    session = _session_of(course, session_id)
    form = SessionRatingForm(prefix=rating_prefix(session.id))
    if form.validate_on_submit():
        try:
            ratings.rate_session(
                registration,
                session,
                int(form.score.data),
                form.comment.data or "",
                actor=current_user,
                now=now_utc(),
            )
        except ratings.RatingRefused as exc:
            flash(exc.message, "error")
            return redirect(_page_url(course, session))
        db.session.commit()
        flash(_("Thank you: your rating of “%(title)s” was saved.", title=session.title), "success")
        return redirect(_page_url(course))
    return _render(course, registration, posted=(session.id, form)), 400


@bp.route("/courses/<slug>/ratings/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str) -> ResponseReturnValue:
    course = get_managed_course_or_403(slug)
    form = RatingSwitchForm(is_enabled=ratings.is_enabled(course))
    if form.validate_on_submit():
        ratings.set_enabled(course, form.is_enabled.data, actor=current_user, now=now_utc())
        db.session.commit()
        if form.is_enabled.data:
            flash(_("Participants can now rate each session once it has started."), "success")
        else:
            flash(_("Session ratings are switched off. Ratings already given are kept."), "success")
        return redirect(url_for("ratings.settings", slug=course.slug))
    return render_template(
        "evaluation/ratings_settings.html",
        course=course,
        form=form,
        closes_at=ratings.closes_at(course),
        sessions=len(ratings.ratable_sessions(course)),
    )
