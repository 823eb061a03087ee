"""The organisers' page inviting a past course's participants, and the participant's consent.

``alumni.invite``: organisers of the course (and administrators) choose a past course, see who
would be invited (GET, nothing changes), then send (POST). ``alumni.consent``: a person gives
or withdraws their consent on one of their registrations ("not found" for anyone else's).
The rules live in :mod:`app.alumni.services`.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.alumni import services
from app.alumni.forms import ConsentForm, InviteForm, SourceForm
from app.courses.models import Course
from app.courses.permissions import get_managed_course_or_403
from app.db import now_utc
from app.extensions import db
from app.registration.routes import get_own_registration_or_404

bp = Blueprint("alumni", __name__)


def _source_or_none(sources: list[Course], source_id: object) -> Course | None:
    for course in sources:
        if str(course.id) == str(source_id):
            return course
    return None


@bp.route("/courses/<slug>/alumni", methods=["GET", "POST"])
@login_required
def invite(slug: str) -> Response | tuple[str, int]:
    course = get_managed_course_or_403(slug)
    now = now_utc()
    locale = str(get_locale())
    sources = services.source_courses(course, current_user, now=now)
    invite_form = InviteForm()
    if request.method == "POST":
        source = _source_or_none(sources, invite_form.source.data)
        if not invite_form.validate_on_submit() or source is None:
            flash(_("Choose a past course from the list, then send again."), "error")
            return redirect(url_for("alumni.invite", slug=course.slug))
        try:
            sent = services.invite(source, course, actor=current_user, now=now)
        except services.AlumniError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for("alumni.invite", slug=course.slug, source=source.id))
        db.session.commit()
        flash(
            ngettext(
                "%(num)d invitation is on its way.",
                "%(num)d invitations are on their way.",
                len(sent),
            ),
            "success",
        )
        return redirect(url_for("alumni.invite", slug=course.slug))

    form = SourceForm(request.args, sources=sources, locale=locale)
    status = 200
    preview = None
    chosen = None
    if "source" in request.args:
        if form.validate():
            chosen = _source_or_none(sources, form.source.data)
            preview = services.preview(chosen, course) if chosen is not None else None
        else:
            status = 400
    if chosen is not None:
        invite_form.source.data = str(chosen.id)
    return render_template(
        "alumni/invite.html",
        course=course,
        form=form,
        invite_form=invite_form,
        chosen=chosen,
        preview=preview,
        takes_applications=services.takes_applications(course, now),
        invitations=services.invitations_to(course),
    ), status


@bp.post("/my/registrations/<int:registration_id>/alumni-consent")
@login_required
def consent(registration_id: int) -> Response:
    registration = get_own_registration_or_404(registration_id)
    form = ConsentForm()
    target = url_for("registration.my_courses", _anchor=f"registration-{registration.id}")
    if not form.validate_on_submit() or not (form.give.data or form.withdraw.data):
        flash(_("The form has expired. Please try again."), "error")
        return redirect(target)
    give = bool(form.give.data)
    services.set_consent(registration, give, actor=current_user, now=now_utc())
    db.session.commit()
    if give:
        flash(
            _("Thank you: the organisers may tell you about later editions and related events."),
            "success",
        )
    else:
        flash(_("Done: you will not be told about later editions and related events."), "success")
    return redirect(target)
