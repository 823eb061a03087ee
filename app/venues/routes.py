"""Venues and their rooms: administrators only."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts.auth import admin_required
from app.extensions import db
from app.venues.forms import VenueForm, country_choices
from app.venues.models import Venue
from app.venues.services import (
    RoomInUse,
    RoomNameTaken,
    UnknownRoom,
    UnknownTimeZone,
    create_venue,
    list_venues,
    timezone_suggestions,
    update_venue,
)

bp = Blueprint("venues", __name__, url_prefix="/venues")


def _render_form(template: str, form: VenueForm, **context: object) -> str:
    return render_template(template, form=form, timezone_names=timezone_suggestions(), **context)


def _refused(form: VenueForm, error: Exception) -> None:
    """Put a refusal from the service beside the field it concerns (a race with another edit,
    since the form checks the same things first)."""
    if isinstance(error, UnknownTimeZone):
        form.timezone.errors.append(_("This is not a time zone we know."))
    elif isinstance(error, RoomInUse):
        form.form_errors.append(
            _("The room %(room)s is used by sessions and cannot be removed.", room=error.room.name)
        )
    elif isinstance(error, RoomNameTaken):
        form.form_errors.append(_("Two rooms would be called %(name)s.", name=error.name))
    else:
        form.form_errors.append(_("The rooms changed while you were editing. Please try again."))


@bp.get("/")
@admin_required
def index() -> str:
    countries = dict(country_choices())
    return render_template("venues/index.html", venues=list_venues(), countries=countries)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new() -> str | Response:
    form = VenueForm(
        data=VenueForm.initial_data(timezone=current_app.config["DEFAULT_VENUE_TIMEZONE"])
    )
    if form.validate_on_submit():
        try:
            venue = create_venue(form.to_data(), actor=current_user)
        except (UnknownTimeZone, RoomNameTaken, UnknownRoom) as error:
            db.session.rollback()
            _refused(form, error)
        else:
            db.session.commit()
            flash(_("Venue %(name)s added.", name=venue.name), "success")
            return redirect(url_for(".edit", venue_id=venue.id))
    return _render_form("venues/new.html", form)


@bp.route("/<int:venue_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(venue_id: int) -> str | Response:
    venue = db.get_or_404(Venue, venue_id)
    form = VenueForm(venue=venue, data=VenueForm.initial_data(venue))
    if form.validate_on_submit():
        old_timezone = venue.timezone
        try:
            update_venue(venue, form.to_data(), actor=current_user)
        except (UnknownTimeZone, RoomInUse, RoomNameTaken, UnknownRoom) as error:
            db.session.rollback()
            _refused(form, error)
        else:
            db.session.commit()
            flash(_("Venue %(name)s saved.", name=venue.name), "success")
            if venue.timezone != old_timezone:
                flash(
                    _(
                        "The time zone changed. Sessions keep their moment in time, so their "
                        "local times at this venue are now shown in %(zone)s: check the "
                        "timetables of its courses.",
                        zone=venue.timezone,
                    ),
                    "warning",
                )
            return redirect(url_for(".edit", venue_id=venue.id))
    return _render_form("venues/edit.html", form, venue=venue)
