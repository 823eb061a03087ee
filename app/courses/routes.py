"""Course pages: the public catalogue and course page, and the organisers' course builder."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.accounts.auth import organiser_required
from app.accounts.services import find_user_by_email
from app.core.timeutil import local_date
from app.courses import services
from app.courses.forms import CourseForm, CourseModulesForm, EditionForm, TeamMemberForm
from app.courses.models import Course, CourseStatus, CourseTeamMember, PartnerRole, TeamRole
from app.courses.permissions import (
    get_course_or_404,
    get_managed_course_or_403,
    managed_courses_query,
)
from app.db import now_utc
from app.extensions import db
from app.followup.services import activities_in_order, phase_state
from app.modules.models import Module
from app.registration.services import (
    closed_reason,
    find_registration,
    seats_left,
    waitlist_position,
)
from app.schedule.services import sessions_by_day
from app.venues.models import Venue

bp = Blueprint("courses", __name__)


def _locale() -> str:
    return str(get_locale())


def _venue_today(course: Course | None = None) -> date:
    return local_date(now_utc(), course.timezone if course else "UTC")


# ---------------------------------------------------------------------------
# Public


@bp.get("/")
def index() -> str:
    month = request.args.get("month", "")
    filters = services.CatalogueFilters(
        language=request.args.get("language") or None,
        module=request.args.get("module") or None,
        month=month if services.is_month(month) else None,
        past=request.args.get("when") == "past",
    )
    courses = services.catalogue(filters, today=_venue_today())
    recent = []
    if not filters.past:
        past = services.CatalogueFilters(
            language=filters.language, module=filters.module, month=filters.month, past=True
        )
        recent = services.catalogue(past, today=_venue_today())[:4]
    modules = db.session.scalars(sa.select(Module).order_by(Module.position, Module.code)).all()
    return render_template(
        "courses/index.html",
        courses=courses,
        recent=recent,
        filters=filters,
        modules=modules,
        months=services.course_months(),
        windows=services.registration_windows(courses + recent),
    )


@bp.get("/courses/<slug>")
def show(slug: str) -> str:
    course = get_course_or_404(slug)
    registration = (
        find_registration(course, current_user) if current_user.is_authenticated else None
    )
    return render_template(
        "courses/show.html",
        course=course,
        text=course.text(_locale()),
        timetable_days=sessions_by_day(course),
        followup_activities=activities_in_order(course),
        followup_state=phase_state(course, _venue_today(course)),
        state=services.registration_window(course),
        seats_left=seats_left(course),
        registration=registration,
        closed_reason=closed_reason(course),
        waitlist_position=waitlist_position(registration) if registration else None,
        editions=services.other_editions(course),
    )


# ---------------------------------------------------------------------------
# Organisers


@bp.get("/manage/courses")
@organiser_required
def manage() -> str:
    stmt = managed_courses_query(current_user).order_by(Course.start_date.desc())
    courses = db.session.scalars(stmt).unique().all()
    return render_template("courses/manage.html", courses=courses)


def _details_from(form: CourseForm) -> services.CourseDetails:
    return services.CourseDetails(
        venue=db.session.get(Venue, form.venue_id.data) if form.venue_id.data else None,
        start_date=form.start_date.data,
        days=form.days.data,
        capacity=form.capacity.data,
        requires_approval=form.requires_approval.data,
        waitlist_offers=form.waitlist_offers.data,
        offer_hours=form.offer_hours.data,
        min_attendance_days=form.min_attendance_days.data,
        default_locale=form.default_locale.data,
        languages=list(form.languages.data or []),
        registration_opens_on=form.registration_opens_on.data,
        registration_closes_on=form.registration_closes_on.data,
        contact_name=form.contact_name.data or "",
        contact_email=form.contact_email.data or "",
        status=CourseStatus(form.status.data),
        texts={
            locale: services.CourseText(
                title=sub.form.title.data or "",
                summary=sub.form.summary.data or "",
                description=sub.form.description.data or "",
            )
            for locale, sub in form.text_forms()
        },
        partners=[
            (entry.form.organisation.data or "", PartnerRole(entry.form.role.data))
            for entry in form.partners
        ],
    )


def _fill_form(form: CourseForm, course: Course) -> None:
    """Put a course's values into the form on GET (FormField/FieldList need it done by hand)."""
    form.default_locale.data = course.default_locale
    form.languages.data = course.language_list
    form.slug.data = course.slug
    form.venue_id.data = course.venue_id
    form.start_date.data = course.start_date
    form.days.data = course.days
    form.capacity.data = course.capacity
    form.requires_approval.data = course.requires_approval
    form.waitlist_offers.data = course.waitlist_offers
    form.offer_hours.data = course.offer_hours
    form.min_attendance_days.data = course.min_attendance_days
    tz = course.timezone
    form.registration_opens_on.data = (
        local_date(course.registration_opens_at, tz) if course.registration_opens_at else None
    )
    form.registration_closes_on.data = (
        local_date(course.registration_closes_at, tz) if course.registration_closes_at else None
    )
    form.contact_name.data = course.contact_name
    form.contact_email.data = course.contact_email
    form.status.data = course.status.value
    by_locale = {t.locale: t for t in course.translations}
    for locale, sub in form.text_forms():
        text = by_locale.get(locale)
        sub.form.title.data = text.title if text else ""
        sub.form.summary.data = text.summary if text else ""
        sub.form.description.data = text.description if text else ""
    while len(form.partners.entries):
        form.partners.pop_entry()
    for partner in course.partners:
        form.partners.append_entry(
            {"organisation": partner.organisation.name, "role": partner.role.value}
        )
    for _blank in range(2):
        form.partners.append_entry()


@bp.route("/courses/new", methods=["GET", "POST"])
@organiser_required
def new() -> str | Response:
    form = CourseForm()
    if not form.is_submitted():
        form.default_locale.data = _locale()
        form.languages.data = [_locale()]
        form.status.data = CourseStatus.DRAFT.value
        turin = services.default_venue()
        if turin is not None:
            form.venue_id.data = turin.id
    if form.validate_on_submit():
        try:
            course = services.create_course(
                _details_from(form), slug=form.slug.data or None, actor=current_user
            )
        except services.CourseError as exc:
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The course was created. Now choose its modules."), "success")
            return redirect(url_for("courses.edit_modules", slug=course.slug))
    return render_template("courses/edit.html", form=form, course=None)


@bp.route("/courses/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> str | Response:
    course = get_managed_course_or_403(slug)
    form = CourseForm(course=course)
    if not form.is_submitted():
        _fill_form(form, course)
    if form.validate_on_submit():
        moved = form.start_date.data != course.start_date
        try:
            services.update_course(
                course, _details_from(form), slug=form.slug.data or course.slug, actor=current_user
            )
        except services.CourseError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The course was saved."), "success")
            if moved:
                flash(_("The timetable and the follow-up phase moved with the new dates."), "info")
            return redirect(url_for("courses.edit", slug=course.slug))
    return render_template("courses/edit.html", form=form, course=course)


@bp.route("/courses/<slug>/modules", methods=["GET", "POST"])
@login_required
def edit_modules(slug: str) -> str | Response:
    course = get_managed_course_or_403(slug)
    if request.method == "GET":
        rows = [{"module_id": f.module_id or 0, "theme": f.theme or ""} for f in course.focuses]
        rows += [{"module_id": 0, "theme": ""}] * max(2, course.days - len(rows))
        form = CourseModulesForm(data={"focuses": rows}, course=course, locale=_locale())
    else:
        form = CourseModulesForm(course=course, locale=_locale())
    if form.validate_on_submit():
        focuses = [
            services.Focus(
                module=form.module_ids.get(entry.form.module_id.data),
                theme=entry.form.theme.data,
            )
            for entry in form.focuses
        ]
        if request.form.get("move"):
            focuses = services.move_focus(focuses, request.form["move"])
        services.set_focuses(course, focuses, actor=current_user)
        db.session.commit()
        if request.form.get("move"):
            return redirect(url_for("courses.edit_modules", slug=course.slug))
        flash(_("The course's modules were saved."), "success")
        return redirect(url_for("courses.edit_modules", slug=course.slug))
    return render_template("courses/modules.html", form=form, course=course)


@bp.route("/courses/<slug>/team", methods=["GET", "POST"])
@login_required
def team(slug: str) -> str | Response:
    course = get_managed_course_or_403(slug)
    form = TeamMemberForm()
    if form.validate_on_submit():
        user = find_user_by_email(form.email.data)
        if user is None:
            form.email.errors.append(
                _("There is no account with this email. Ask the person to sign up first.")
            )
        else:
            services.add_team_member(course, user, TeamRole(form.role.data), actor=current_user)
            db.session.commit()
            flash(_("%(name)s is now on the team.", name=user.name), "success")
            return redirect(url_for("courses.team", slug=course.slug))
    return render_template("courses/team.html", form=form, course=course)


@bp.post("/courses/<slug>/team/<int:member_id>/remove")
@login_required
def remove_team_member(slug: str, member_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    member = db.session.get(CourseTeamMember, member_id)
    if member is None or member.course_id != course.id:
        abort(404)
    try:
        services.remove_team_member(course, member, actor=current_user)
    except services.TeamError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("%(name)s has left the team.", name=member.user.name), "success")
    return redirect(url_for("courses.team", slug=course.slug))


@bp.route("/courses/<slug>/copy", methods=["GET", "POST"])
@login_required
def copy(slug: str) -> str | Response:
    course = get_managed_course_or_403(slug)
    form = EditionForm(course=course)
    if form.validate_on_submit():
        new = services.copy_as_new_edition(
            course, form.start_date.data, slug=form.slug.data or None, actor=current_user
        )
        db.session.commit()
        flash(
            _("The new edition was created as a draft. Check its dates and publish it."), "success"
        )
        return redirect(url_for("courses.edit", slug=new.slug))
    return render_template("courses/copy.html", form=form, course=course)
