"""The organisers' page of a course's announcements: post, edit, withdraw.

Organisers of the course and administrators only (403 for anyone else signed in, 404 for an
unknown course or an announcement of another course). What participants see is on the course
page and "My courses". The rules live in :mod:`app.announcements.services`.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.announcements import services
from app.announcements.forms import AnnouncementForm, NewAnnouncementForm, add_field_errors
from app.announcements.models import Announcement
from app.courses.models import Course
from app.courses.permissions import get_managed_course_or_403
from app.db import now_utc
from app.discussions.text import post_html
from app.extensions import db
from app.registration.forms import ConfirmForm

bp = Blueprint("announcements", __name__)
bp.add_app_template_filter(post_html, "announcement_html")


def _announcement_or_404(course: Course, announcement_id: int) -> Announcement:
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None or announcement.course_id != course.id:
        abort(404)
    return announcement


def _index_url(course: Course) -> str:
    return url_for("announcements.manage", slug=course.slug)


@bp.route("/courses/<slug>/announcements", methods=["GET", "POST"])
@login_required
def manage(slug: str) -> Response | tuple[str, int] | str:
    course = get_managed_course_or_403(slug)
    form = NewAnnouncementForm()
    status = 200
    if form.validate_on_submit():
        try:
            announcement = services.post_announcement(
                course,
                title=form.title.data or "",
                body=form.body.data or "",
                send_mail=bool(form.send_mail.data),
                actor=current_user,
                now=now_utc(),
            )
        except services.AnnouncementError as exc:
            db.session.rollback()
            add_field_errors(form, exc)
            status = 400
        else:
            db.session.commit()
            if announcement.mailed_at is not None:
                flash(
                    ngettext(
                        "The announcement is posted and sent by email to %(num)d participant.",
                        "The announcement is posted and sent by email to %(num)d participants.",
                        announcement.mailed_count,
                    ),
                    "success",
                )
            else:
                flash(_("The announcement is posted."), "success")
            return redirect(_index_url(course))
    elif form.is_submitted():
        status = 400
    return render_template(
        "announcements/manage.html",
        course=course,
        form=form,
        announcements=services.course_announcements(course, include_withdrawn=True),
        recipients=len(services.recipients(course)),
    ), status


@bp.route("/courses/<slug>/announcements/<int:announcement_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, announcement_id: int) -> Response | tuple[str, int]:
    course = get_managed_course_or_403(slug)
    announcement = _announcement_or_404(course, announcement_id)
    if announcement.is_withdrawn:
        flash(_("A withdrawn announcement can no longer change."), "error")
        return redirect(_index_url(course))
    form = AnnouncementForm(obj=announcement)
    status = 200
    if form.validate_on_submit():
        try:
            services.edit_announcement(
                announcement,
                title=form.title.data or "",
                body=form.body.data or "",
                actor=current_user,
                now=now_utc(),
            )
        except services.AnnouncementError as exc:
            db.session.rollback()
            add_field_errors(form, exc)
            status = 400
        else:
            db.session.commit()
            flash(_("The announcement is saved."), "success")
            return redirect(_index_url(course))
    elif form.is_submitted():
        status = 400
    return render_template(
        "announcements/edit.html", course=course, form=form, announcement=announcement
    ), status


@bp.post("/courses/<slug>/announcements/<int:announcement_id>/withdraw")
@login_required
def withdraw(slug: str, announcement_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    announcement = _announcement_or_404(course, announcement_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(_index_url(course))
    services.withdraw_announcement(announcement, actor=current_user, now=now_utc())
    db.session.commit()
    flash(_("The announcement is withdrawn: participants no longer see it."), "success")
    return redirect(_index_url(course))
