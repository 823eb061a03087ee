"""Programme pages: the public list and page of each programme, and their administration."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts.auth import admin_required
from app.core.urls import external_url
from app.courses.models import Programme
from app.courses.windows import registration_windows
from app.extensions import db
from app.feeds.routes import subscription_links
from app.programmes import services
from app.programmes.forms import ProgrammeForm

bp = Blueprint("programmes", __name__, url_prefix="/programmes")


def _locale() -> str:
    return str(get_locale())


def _programme_or_404(slug: str) -> Programme:
    programme = services.find_programme(slug)
    if programme is None:
        abort(404)
    return programme


def _feed(programme: Programme, locale: str) -> dict[str, str]:
    """The addresses of the programme's calendar feed, in the visitor's language."""
    url = external_url(
        "feeds.programme", slug=programme.slug, lang=locale if locale != "en" else None
    )
    return subscription_links(url, programme.title(locale))


# ---------------------------------------------------------------------------
# Public


@bp.get("/")
def index() -> str:
    return render_template("programmes/index.html", programmes=services.list_programmes(_locale()))


@bp.get("/<slug>")
def show(slug: str) -> str:
    programme = _programme_or_404(slug)
    locale = _locale()
    upcoming, past = services.programme_courses(programme)
    return render_template(
        "programmes/show.html",
        programme=programme,
        text=programme.text(locale),
        countries=services.partner_countries(programme, locale),
        upcoming=upcoming,
        past=past,
        windows=registration_windows(upcoming + past),
        feed=_feed(programme, locale),
    )


# ---------------------------------------------------------------------------
# Administrators


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new() -> str | Response:
    form = ProgrammeForm(locale=_locale())
    if form.validate_on_submit():
        try:
            programme = services.create_programme(form.to_data(), actor=current_user)
        except services.ProgrammeError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The programme was created."), "success")
            return redirect(url_for(".show", slug=programme.slug))
    return render_template("programmes/edit.html", form=form, programme=None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@admin_required
def edit(slug: str) -> str | Response:
    programme = _programme_or_404(slug)
    form = ProgrammeForm(
        programme=programme, locale=_locale(), data=ProgrammeForm.initial_data(programme)
    )
    if form.validate_on_submit():
        try:
            services.update_programme(programme, form.to_data(), actor=current_user)
        except services.ProgrammeError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The programme was saved."), "success")
            return redirect(url_for(".show", slug=programme.slug))
    return render_template("programmes/edit.html", form=form, programme=programme)


@bp.post("/<slug>/delete")
@admin_required
def delete(slug: str) -> Response:
    programme = _programme_or_404(slug)
    services.delete_programme(programme, actor=current_user)
    db.session.commit()
    flash(
        _("The programme was deleted. Its courses and events stay, without a programme."), "success"
    )
    return redirect(url_for(".index"))
