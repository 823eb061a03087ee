"""The timetable of a course: the management page, the proposal of a week, one session.

Every handler loads the course (404), checks that the visitor manages it (403), validates the
form, calls a service, commits once, flashes and redirects.

Times are shown and typed in ``display_timezone(course, current_user)``: the venue's zone on
site; for an online activity the organiser's own zone (their account's), else UTC. Events
get their sessions one by one: the proposal of a five-day week is a course tool.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.core.templating import localdate
from app.core.timeutil import display_timezone
from app.core.urls import MAX_ID
from app.courses.models import Course
from app.courses.permissions import get_managed_course_or_403
from app.extensions import db
from app.schedule import proposal, services, zones
from app.schedule.forms import ProposeForm, SessionForm
from app.schedule.models import CourseSession

bp = Blueprint("schedule", __name__)

# What the public partial ``schedule/_timetable.html`` may call from any page.
bp.add_app_template_global(services.sessions_by_day, "timetable_sessions_by_day")
bp.add_app_template_global(services.day_focuses, "timetable_day_focuses")
bp.add_app_template_global(zones.zone_label, "timetable_zone_label")
bp.add_app_template_global(zones.zone_note, "timetable_zone_note")
bp.add_app_template_global(zones.entry_zone_hint, "timetable_entry_hint")


def _zone(course: Course) -> str:
    """The zone the current organiser sees and types this course's times in."""
    return display_timezone(course, current_user)


def _get_session_or_404(course: Course, session_id: int) -> CourseSession:
    session = db.session.get(CourseSession, session_id)
    if session is None or session.course_id != course.id:
        abort(404)
    return session


def _timetable_url(course: Course, day: date | None = None) -> str:
    anchor = f"day-{day.isoformat()}" if day else None
    return url_for("schedule.timetable", slug=course.slug, _anchor=anchor)


def _saved_url(session: CourseSession, day: date | None) -> str:
    """Back to the timetable, opened at the session's day; when it overlaps another, that day
    shows the warning under its heading (``?saved=``) and the rows below are marked."""
    course = session.course
    if not services.overlapping_sessions(session):
        return _timetable_url(course, day)
    anchor = f"day-{day.isoformat()}" if day else "overlap-warning"
    return url_for("schedule.timetable", slug=course.slug, saved=session.id, _anchor=anchor)


def _saved_overlaps(course: Course) -> tuple[CourseSession, list[CourseSession]] | None:
    """The session just saved (``?saved=<id>``, one of this course's) and those it
    overlaps, or None; anything else in the address is ignored."""
    saved = request.args.get("saved", "")
    # A row id: PostgreSQL refuses a number past its integer column's range.
    if not (saved.isascii() and saved.isdigit() and len(saved) <= 10 and int(saved) <= MAX_ID):
        return None
    session = db.session.get(CourseSession, int(saved))
    if session is None or session.course_id != course.id:
        return None
    others = services.overlapping_sessions(session)
    return (session, others) if others else None


def _render_timetable(course: Course, propose_form: ProposeForm | None) -> str:
    tz = _zone(course)
    overlaps = services.find_room_overlaps(course)
    saved = _saved_overlaps(course)
    return render_template(
        "schedule/timetable.html",
        course=course,
        tz=tz,
        course_days=services.course_days(course, tz),
        timetable_days=services.sessions_by_day(course, tz),
        overlaps=overlaps,
        # Both sessions of every conflict are marked in the table.
        overlapping_ids={s.id for pair in overlaps for s in pair},
        saved_overlaps=saved,
        saved_day=services.local_times(saved[0], tz)[0] if saved else None,
        propose_form=propose_form,
    )


@bp.get("/courses/<slug>/timetable")
@login_required
def timetable(slug: str) -> str:
    course = get_managed_course_or_403(slug)
    return _render_timetable(course, None if course.kind.is_event else ProposeForm(course=course))


@bp.post("/courses/<slug>/timetable/propose")
@login_required
def propose(slug: str) -> Response | str:
    course = get_managed_course_or_403(slug)
    if course.kind.is_event:
        abort(404)  # a five-day course tool: events get their sessions one by one
    form = ProposeForm(course=course)
    if not form.validate():
        return _render_timetable(course, form)
    try:
        sessions = proposal.propose_timetable(
            course,
            day_start=form.day_start.data,
            day_end=form.day_end.data,
            room=form.selected_room,
            replace=form.replace.data,
        )
    except services.TimetableExists as error:
        form.replace.errors.append(str(error))
        return _render_timetable(course, form)
    except services.InvalidSession as error:
        db.session.rollback()
        for name, message in error.errors.items():
            getattr(form, name, form.day_start).errors.append(str(message))
        return _render_timetable(course, form)
    db.session.commit()
    flash(
        _(
            "A timetable of %(count)d sessions has been proposed. Change it as you need.",
            count=len(sessions),
        ),
        "success",
    )
    return redirect(_timetable_url(course))


@bp.route("/courses/<slug>/sessions/new", methods=["GET", "POST"])
@login_required
def new_session(slug: str) -> Response | str:
    course = get_managed_course_or_403(slug)
    tz = _zone(course)
    form = SessionForm(course=course, zone=tz)
    if not form.is_submitted():
        chosen = request.args.get("day", "")
        try:
            day = date.fromisoformat(chosen)
        except ValueError:
            day = None
        if day in services.course_days(course, tz):
            form.day.data = day
    if form.validate_on_submit():
        try:
            session = services.create_session(course, form.to_data(), actor=current_user)
        except services.InvalidSession as error:
            for name, message in error.errors.items():
                getattr(form, name).errors.append(str(message))
        else:
            db.session.commit()
            flash(_("The session “%(title)s” has been added.", title=session.title), "success")
            return redirect(_saved_url(session, form.day.data))
    return render_template("schedule/new_session.html", course=course, form=form)


@bp.route("/courses/<slug>/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit_session(slug: str, session_id: int) -> Response | str:
    course = get_managed_course_or_403(slug)
    session = _get_session_or_404(course, session_id)
    form = SessionForm(course=course, session=session, zone=_zone(course))
    if form.validate_on_submit():
        try:
            services.update_session(session, form.to_data(), actor=current_user)
        except services.InvalidSession as error:
            for name, message in error.errors.items():
                getattr(form, name).errors.append(str(message))
        else:
            db.session.commit()
            flash(_("The session “%(title)s” has been saved.", title=session.title), "success")
            return redirect(_saved_url(session, form.day.data))
    return render_template(
        "schedule/edit_session.html", course=course, course_session=session, form=form
    )


@bp.post("/courses/<slug>/sessions/<int:session_id>/delete")
@login_required
def delete_session(slug: str, session_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    session = _get_session_or_404(course, session_id)
    title, day = session.title, services.local_times(session, _zone(course))[0]
    services.delete_session(session, actor=current_user)
    db.session.commit()
    flash(_("The session “%(title)s” has been deleted.", title=title), "success")
    return redirect(_timetable_url(course, day))


@bp.post("/courses/<slug>/sessions/<int:session_id>/cancel")
@login_required
def cancel_session(slug: str, session_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    session = _get_session_or_404(course, session_id)
    services.cancel_session(session, actor=current_user)
    db.session.commit()
    flash(
        _(
            "The session “%(title)s” on %(day)s is marked as cancelled.",
            title=session.title,
            day=localdate(session.starts_at, _zone(course)),
        ),
        "success",
    )
    return redirect(_timetable_url(course, services.local_times(session, _zone(course))[0]))


@bp.post("/courses/<slug>/sessions/<int:session_id>/restore")
@login_required
def restore_session(slug: str, session_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    session = _get_session_or_404(course, session_id)
    services.restore_session(session, actor=current_user)
    db.session.commit()
    flash(_("The session “%(title)s” is back in the timetable.", title=session.title), "success")
    return redirect(_saved_url(session, services.local_times(session, _zone(course))[0]))
