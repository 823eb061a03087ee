"""Materials of a course: the list everyone sees (each their share), a file, the ZIP of all
of them; and the team's page to add, change, move and delete them.

The list, a file and the ZIP follow the course page: 404 for a draft outside its team. A
participants-only file is 404 for whoever may not see it, as if it did not exist. The team's
pages are for the course's organisers and facilitators and administrators (403 for anyone else
signed in). Each handler loads, checks access, validates, calls a service, commits once and
redirects.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.core.security import accepts_uploads
from app.core.timeutil import display_timezone
from app.courses.models import Course
from app.courses.permissions import get_course_or_404
from app.db import now_utc
from app.extensions import db
from app.materials import reading, services
from app.materials.forms import (
    DeleteMaterialForm,
    MaterialForm,
    MoveMaterialForm,
    add_service_errors,
)
from app.materials.models import Material
from app.registration.desk import team_may
from app.storage.serving import send_stored_file, send_zip

bp = Blueprint("materials", __name__)


def _locale() -> str:
    return str(get_locale())


def _team_course_or_403(slug: str) -> Course:
    course = get_course_or_404(slug)
    if not reading.can_edit_materials(current_user, course):
        abort(403)
    return course


def _material_of(course: Course, material_id: int) -> Material:
    material = reading.course_material(course, material_id)
    if material is None:
        abort(404)
    return material


def _manage_url(course: Course, material: Material | None = None) -> str:
    anchor = f"material-{material.id}" if material is not None else None
    return url_for("materials.manage", slug=course.slug, _anchor=anchor)


@bp.get("/courses/<slug>/materials")
def index(slug: str) -> str:
    course = get_course_or_404(slug)
    tz = display_timezone(course, current_user)
    return render_template(
        "materials/index.html",
        course=course,
        tz=tz,
        materials=reading.material_list(course, current_user, tz),
        sees_all=reading.sees_all_materials(current_user, course),
    )


@bp.get("/courses/<slug>/materials/<int:material_id>/file")
def download(slug: str, material_id: int) -> Response:
    course = get_course_or_404(slug)
    stored = reading.readable_file(course, material_id, actor=current_user)
    if stored is None:
        abort(404)
    return send_stored_file(stored)


@bp.get("/courses/<slug>/materials.zip")
def download_all(slug: str) -> Response:
    """Every file the viewer may see, as one ZIP named by day, session and title."""
    course = get_course_or_404(slug)
    tz = display_timezone(course, current_user)
    grouped = reading.material_list(course, current_user, tz)
    entries = reading.zip_entries(grouped, tz, _locale())
    return send_zip(entries, f"{course.slug}-materials.zip")


@bp.route("/courses/<slug>/materials/manage", methods=["GET", "POST"])
@accepts_uploads
@team_may("GET", "POST")
@login_required
def manage(slug: str) -> ResponseReturnValue:
    course = _team_course_or_403(slug)
    tz = display_timezone(course, current_user)
    form = MaterialForm(course=course, locale=_locale(), tz=tz)
    if form.validate_on_submit():
        try:
            material = services.add_material(
                course, form.to_data(), actor=current_user, now=now_utc()
            )
        except services.InvalidMaterial as exc:
            db.session.rollback()
            add_service_errors(form, exc)
        else:
            db.session.commit()
            flash(_("“%(title)s” was added.", title=material.title), "success")
            return redirect(_manage_url(course, material))
    materials = reading.all_materials(course)
    return render_template(
        "materials/manage.html",
        course=course,
        tz=tz,
        form=form,
        materials=materials,
        grouped=reading.group_materials(course, materials, tz),
    )


@bp.route("/courses/<slug>/materials/<int:material_id>/edit", methods=["GET", "POST"])
@accepts_uploads
@team_may("GET", "POST")
@login_required
def edit(slug: str, material_id: int) -> ResponseReturnValue:
    course = _team_course_or_403(slug)
    material = _material_of(course, material_id)
    tz = display_timezone(course, current_user)
    form = MaterialForm(course=course, locale=_locale(), tz=tz, material=material)
    if form.validate_on_submit():
        try:
            services.update_material(material, form.to_data(), actor=current_user, now=now_utc())
        except services.InvalidMaterial as exc:
            db.session.rollback()
            add_service_errors(form, exc)
        else:
            db.session.commit()
            flash(_("“%(title)s” was saved.", title=material.title), "success")
            return redirect(_manage_url(course, material))
    return render_template(
        "materials/edit.html", course=course, tz=tz, form=form, material=material
    )


@bp.post("/courses/<slug>/materials/<int:material_id>/delete")
@team_may("POST")
@login_required
def delete(slug: str, material_id: int) -> Response:
    course = _team_course_or_403(slug)
    form = DeleteMaterialForm()
    if not form.validate_on_submit():
        abort(400)
    material = _material_of(course, material_id)
    title = material.title
    services.delete_material(material, actor=current_user)
    db.session.commit()
    flash(_("“%(title)s” was deleted.", title=title), "success")
    return redirect(_manage_url(course))


@bp.post("/courses/<slug>/materials/<int:material_id>/move")
@team_may("POST")
@login_required
def move(slug: str, material_id: int) -> Response:
    course = _team_course_or_403(slug)
    form = MoveMaterialForm()
    if not form.validate_on_submit():
        abort(400)
    material = _material_of(course, material_id)
    if services.move_material(material, form.direction.data, actor=current_user, now=now_utc()):
        db.session.commit()
    return redirect(_manage_url(course, material))


# Templates name a material's kind and size the same way everywhere.
bp.add_app_template_global(reading.kind_label, "material_kind")
bp.add_app_template_global(reading.size_label, "material_size")
bp.add_app_template_global(reading.can_edit_materials, "can_edit_materials")
