"""The module catalogue: public pages, and administrators' create, edit, retire and restore."""

from __future__ import annotations

import click
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts.auth import admin_required
from app.extensions import db
from app.modules.forms import ModuleForm
from app.modules.models import Module
from app.modules.services import (
    EnglishTextMissing,
    ModuleCodeTaken,
    create_module,
    get_module,
    list_modules,
    next_position,
    published_courses_using,
    restore_module,
    retire_module,
    seed_modules,
    update_module,
)

bp = Blueprint("modules", __name__, url_prefix="/modules")


def _is_admin() -> bool:
    return bool(current_user.is_authenticated and current_user.is_admin)


def get_module_or_404(code: str) -> Module:
    module = get_module(code)
    if module is None:
        abort(404)
    return module


@bp.get("/")
def index() -> str:
    # Administrators also see retired modules (marked), so they can restore them.
    modules = list_modules(include_retired=_is_admin())
    return render_template("modules/index.html", modules=modules)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new() -> str | Response:
    form = ModuleForm(data={"position": next_position()})
    if form.validate_on_submit():
        try:
            module = create_module(form.to_data(), actor=current_user)
        except ModuleCodeTaken:
            form.code.errors.append(
                _("Another module already uses the code %(code)s.", code=form.code.data)
            )
        except EnglishTextMissing:
            form.en.form.title.errors.append(_("Give the module a title in English."))
        else:
            db.session.commit()
            flash(_("Module %(code)s added to the catalogue.", code=module.code), "success")
            return redirect(url_for(".show", code=module.code))
    return render_template("modules/new.html", form=form)


@bp.get("/<code>")
def show(code: str) -> str:
    # A retired module keeps its page: courses that still use it link here.
    module = get_module_or_404(code)
    courses = published_courses_using(module)
    return render_template("modules/show.html", module=module, courses=courses)


@bp.route("/<code>/edit", methods=["GET", "POST"])
@admin_required
def edit(code: str) -> str | Response:
    module = get_module_or_404(code)
    form = ModuleForm(module=module, data=ModuleForm.initial_data(module))
    if form.validate_on_submit():
        try:
            update_module(module, form.to_data(), actor=current_user)
        except ModuleCodeTaken:
            form.code.errors.append(
                _("Another module already uses the code %(code)s.", code=form.code.data)
            )
        except EnglishTextMissing:
            form.en.form.title.errors.append(_("Give the module a title in English."))
        else:
            db.session.commit()
            flash(_("Module %(code)s saved.", code=module.code), "success")
            return redirect(url_for(".show", code=module.code))
    return render_template("modules/edit.html", form=form, module=module)


@bp.post("/<code>/retire")
@admin_required
def retire(code: str) -> Response:
    module = get_module_or_404(code)
    retire_module(module, actor=current_user)
    db.session.commit()
    flash(
        _(
            "Module %(code)s retired. Courses that use it keep it, but it is no longer offered "
            "for new courses.",
            code=module.code,
        ),
        "success",
    )
    return redirect(url_for(".show", code=module.code))


@bp.post("/<code>/restore")
@admin_required
def restore(code: str) -> Response:
    module = get_module_or_404(code)
    restore_module(module, actor=current_user)
    db.session.commit()
    flash(
        _("Module %(code)s restored: it can be chosen for courses again.", code=module.code),
        "success",
    )
    return redirect(url_for(".show", code=module.code))


# `flask modules seed`: the blueprint's own command group, so the catalogue can be loaded at
# deploy time without the demo data.
@bp.cli.command("seed")
def seed_command() -> None:
    """Add the toolbox modules that are missing (never changes existing ones)."""
    created = seed_modules()
    db.session.commit()
    click.echo(f"{created} module(s) created.")
