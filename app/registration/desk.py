"""The participant desk: the course team's list of registrations, its exports and summary,
attendance on the on-site days, and the participant list confirmed participants see.

Who may do what:
- the whole course team (organisers and facilitators) and administrators see everything here
  and tick attendance; such views are marked ``@team_may(...)`` with the methods the team may
  use, and tests/test_permissions.py checks the marks against what the routes answer;
- only the course's organisers and administrators change registrations (``can_manage_course``);
- confirmed participants see the participant list (those who agreed to appear on it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from werkzeug.routing import BaseConverter, ValidationError

from app.accounts.models import User
from app.applications import documents
from app.applications.exports import answers_by_registration, filterable_questions, shown_answers
from app.audit.services import record_export
from app.core.urls import safe_next
from app.courses.models import Course
from app.courses.permissions import (
    can_manage_course,
    can_see_participants,
    get_course_or_404,
    get_managed_course_or_403,
    is_confirmed_participant,
)
from app.endorsement import services as endorsement
from app.endorsement.forms import WaiveForm
from app.extensions import db
from app.finance import fellowships as finance_fellowships
from app.finance import services as finance_services
from app.finance.desk import finance_panel
from app.messages import services as message_services
from app.registration import exports, services
from app.registration.attendance import (
    AttendanceError,
    attendance_grid,
    days_attended,
    set_attendance_grid,
)
from app.registration.desk_forms import (
    CANCELLABLE,
    ROW_ACTIONS,
    AttendanceForm,
    BulkActionForm,
    DeskAction,
    DeskFilterForm,
    RegistrationActionForm,
    answer_field_name,
    attendance_mark,
    desk_filter_form,
)
from app.registration.models import Registration, RegistrationEvent, RegistrationStatus
from app.registration.services import RegistrationError
from app.storage.serving import send_zip

bp = Blueprint("desk", __name__)

F = TypeVar("F", bound=Callable[..., Any])


class DateConverter(BaseConverter):
    """``<date:day>`` in a URL: an ISO date such as 2017-11-20."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValidationError() from None

    def to_url(self, value: date) -> str:  # type: ignore[override]
        return value.isoformat()


@bp.record_once
def _add_date_converter(state: Any) -> None:
    # Recorded before the routes below, so the converter exists when their rules are added.
    state.app.url_map.converters.setdefault("date", DateConverter)


@bp.context_processor
def _desk_helpers() -> dict[str, Any]:
    return {
        "country_name": exports.country_name,
        "language_name": exports.language_name,
        "row_actions_for": ROW_ACTIONS,
        "cancellable": CANCELLABLE,
    }


# ---------------------------------------------------------------------------
# Access


def team_may(*methods: str) -> Callable[[F], F]:
    """Mark a view that the whole course team, facilitators included, may use with
    ``methods``; every other view of the desk is for the course's organisers only, or (the
    participant list) for its confirmed participants. The mark declares; the loaders below
    enforce, and the permissions walk holds the two together."""

    def mark(view: F) -> F:
        view.team_methods = frozenset(methods)  # type: ignore[attr-defined]
        return view

    return mark


def get_team_course_or_403(slug: str) -> Course:
    """A course for the team's pages: 404 if unknown (or an invisible draft), 403 for anyone
    outside its team who is not an administrator."""
    course = get_course_or_404(slug)
    if not can_see_participants(current_user, course):
        abort(403)
    return course


def get_registration_or_404(course: Course, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.course_id != course.id:
        abort(404)
    return registration


def filter_form_for(course: Course) -> DeskFilterForm:
    """The list's filters as the query string asks, with the course's choice questions."""
    return desk_filter_form(
        filterable_questions(course),
        str(get_locale()),
        formdata=request.args,
        countries=exports.course_countries(course),
    )


def filter_query(filters: exports.DeskFilters, form: DeskFilterForm) -> dict[str, str]:
    """The query string that asks for ``filters`` again (for the export links)."""
    args = {
        "q": filters.search,
        "status": filters.status.value if filters.status else "",
        "country": filters.country or "",
        "organisation_type": filters.organisation_type.value if filters.organisation_type else "",
        "endorsement": filters.endorsement.value if filters.endorsement else "",
    }
    questions = {question.id: question for question in form.answer_questions}
    for question_id, wanted in filters.answers:
        args[answer_field_name(questions[question_id])] = wanted
    return {key: value for key, value in args.items() if value}


def _back(next_url: str | None, course: Course) -> str:
    return safe_next(next_url) or url_for("desk.index", slug=course.slug)


# ---------------------------------------------------------------------------
# Actions (callable without HTTP)


def apply_action(registration: Registration, action: DeskAction, *, actor: User) -> None:
    """Apply one desk action through the registration rules; they record who and when.
    Raises a RegistrationError (CourseFull, NotAllowed…) when the rules refuse it."""
    if action == DeskAction.CONFIRM:
        services.confirm(registration, actor=actor)
    elif action == DeskAction.WAITLIST:
        services.put_on_waitlist(registration, actor=actor)
    elif action == DeskAction.REJECT:
        services.reject(registration, actor=actor)
    elif action == DeskAction.CANCEL:
        services.cancel(registration, actor=actor)
    else:
        services.move_on_waitlist(
            registration, "up" if action == DeskAction.MOVE_UP else "down", actor=actor
        )


@dataclass
class BulkOutcome:
    done: list[Registration] = field(default_factory=list)
    refused: list[tuple[Registration, str]] = field(default_factory=list)  # with the reason


def apply_to_many(
    registrations: Iterable[Registration], action: DeskAction, *, actor: User
) -> BulkOutcome:
    """Apply ``action`` to each registration in turn. A refusal (the course is full, a state
    that does not allow it) leaves that registration as it was and the others go on."""
    outcome = BulkOutcome()
    for registration in registrations:
        try:
            apply_action(registration, action, actor=actor)
        except RegistrationError as exc:
            outcome.refused.append((registration, str(exc.message)))
        else:
            outcome.done.append(registration)
    return outcome


def _done_message(action: DeskAction, name: str) -> str:
    if action == DeskAction.CONFIRM:
        return _("%(name)s is confirmed.", name=name)
    if action == DeskAction.WAITLIST:
        return _("%(name)s is on the waiting list.", name=name)
    if action == DeskAction.REJECT:
        return _("%(name)s was not accepted.", name=name)
    if action == DeskAction.CANCEL:
        return _("The registration of %(name)s was cancelled.", name=name)
    return _("%(name)s moved on the waiting list.", name=name)


EVENT_LABELS = {
    "submitted": _l("Applied"),
    "reapplied": _l("Applied again"),
    "confirmed": _l("Confirmed"),
    "waitlisted": _l("Put on the waiting list"),
    "rejected": _l("Not accepted"),
    "cancelled": _l("Cancelled"),
    "promoted": _l("Given a seat from the waiting list"),
    "offered": _l("Offered a seat"),
    "offer_accepted": _l("Accepted the offered seat"),
    "offer_declined": _l("Declined the offered seat"),
    "offer_expired": _l("Offer expired"),
    "moved_up": _l("Moved up the waiting list"),
    "moved_down": _l("Moved down the waiting list"),
    "needs_updated": _l("Special needs updated"),
    "answers_updated": _l("Answers to the course's questions changed"),
    "endorsement_requested": _l("Endorsement requested"),
    "endorser_changed": _l("Endorser changed"),
    "endorsed": _l("Endorsed by the employer"),
    "endorsement_declined": _l("Endorsement declined"),
    "endorsement_waived": _l("Endorsement waived"),
    "fellowship_awarded": _l("Fellowship awarded"),
    "fellowship_changed": _l("Fellowship changed"),
    "fellowship_withdrawn": _l("Fellowship withdrawn"),
    "billing_updated": _l("Billing details changed"),
}


# ---------------------------------------------------------------------------
# The list


@bp.get("/courses/<slug>/participants")
@team_may("GET")
@login_required
def index(slug: str) -> str:
    course = get_team_course_or_403(slug)
    form = filter_form_for(course)
    filters = form.filters()
    waitlist = services.waitlist(course)
    registrations = exports.desk_registrations(course, filters)
    return render_template(
        "desk/index.html",
        course=course,
        form=form,
        filters=filters,
        registrations=registrations,
        endorsements=endorsement.endorsements_by_registration([r.id for r in registrations]),
        counts=exports.status_counts(course),
        seats_left=services.seats_left(course),
        waitlist=waitlist,
        positions={r.id: n for n, r in enumerate(waitlist, start=1)},
        can_manage=can_manage_course(current_user, course),
        action_form=RegistrationActionForm(),
        bulk_form=BulkActionForm(course=course),
        filter_args=filter_query(filters, form),
        statuses=list(RegistrationStatus),
        has_documents=documents.asks_documents(course),
        balances=finance_services.balances(course, registrations),
        fund_lines=finance_fellowships.summaries(course),
    )


@bp.get("/courses/<slug>/participants/<int:registration_id>")
@team_may("GET")
@login_required
def show(slug: str, registration_id: int) -> str:
    course = get_team_course_or_403(slug)
    registration = db.session.scalar(
        sa.select(Registration)
        .where(Registration.id == registration_id, Registration.course_id == course.id)
        .options(
            selectinload(Registration.events).joinedload(RegistrationEvent.actor),
            selectinload(Registration.attendance),
        )
    )
    if registration is None:
        abort(404)
    return render_template(
        "desk/show.html",
        course=course,
        registration=registration,
        position=services.waitlist_position(registration),
        days_attended=days_attended(registration),
        event_labels=EVENT_LABELS,
        can_manage=can_manage_course(current_user, course),
        action_form=RegistrationActionForm(),
        answers=shown_answers(
            answers_by_registration([registration.id]).get(registration.id, []),
            str(get_locale()),
        ),
        endorsement=endorsement.endorsement_of(registration),
        waive_form=WaiveForm(),
        messages=message_services.received(registration),
        finance=finance_panel(course, registration),
    )


@bp.post("/courses/<slug>/participants/<int:registration_id>/action")
@login_required
def act(slug: str, registration_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    registration = get_registration_or_404(course, registration_id)
    form = RegistrationActionForm()
    target = _back(form.next.data, course)
    if not form.validate_on_submit():
        flash(_("This action is not possible."), "error")
        return redirect(target)
    action = DeskAction(form.action.data)
    name = registration.certificate_name
    try:
        apply_action(registration, action, actor=current_user)
    except RegistrationError as exc:
        db.session.rollback()
        flash(_("%(name)s: %(reason)s", name=name, reason=exc.message), "error")
    else:
        db.session.commit()
        flash(_done_message(action, name), "success")
    return redirect(target)


@bp.post("/courses/<slug>/participants/bulk")
@login_required
def bulk(slug: str) -> Response:
    course = get_managed_course_or_403(slug)
    form = BulkActionForm(course=course)
    target = _back(form.next.data, course)
    if not form.validate_on_submit():
        for errors in (form.action.errors, form.registration_ids.errors):
            for error in errors:
                flash(str(error), "error")
        return redirect(target)
    outcome = apply_to_many(form.registrations, DeskAction(form.action.data), actor=current_user)
    names = [(r.certificate_name, reason) for r, reason in outcome.refused]
    db.session.commit()
    done = len(outcome.done)
    flash(
        ngettext("%(num)d registration changed.", "%(num)d registrations changed.", done),
        "success" if done else "info",
    )
    for name, reason in names:
        flash(_("Not changed: %(name)s. %(reason)s", name=name, reason=reason), "warning")
    return redirect(target)


# ---------------------------------------------------------------------------
# Exports, summary and lists


def _filtered(course: Course) -> list[Registration]:
    return exports.desk_registrations(course, filter_form_for(course).filters())


@bp.get("/courses/<slug>/participants/documents.zip")
@login_required
def documents_zip(slug: str) -> Response:
    """Every document of the listed applicants (the list's filters apply), as one ZIP."""
    course = get_managed_course_or_403(slug)
    listed = _filtered(course)
    entries = documents.zip_entries(course, listed, str(get_locale()))
    record_export(current_user, course.slug, "documents", "zip", len(listed))
    db.session.commit()
    return send_zip(entries, f"{course.slug}-documents.zip")


def _download(content: bytes, filename: str, mimetype: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/courses/<slug>/participants.csv")
@team_may("GET")
@login_required
def export_csv(slug: str) -> Response:
    course = get_team_course_or_403(slug)
    listed = _filtered(course)
    content = exports.to_csv(course, listed)
    record_export(current_user, course.slug, "participants", "csv", len(listed))
    db.session.commit()
    return _download(content, f"{course.slug}-participants.csv", "text/csv; charset=utf-8")


@bp.get("/courses/<slug>/participants.xlsx")
@team_may("GET")
@login_required
def export_xlsx(slug: str) -> Response:
    course = get_team_course_or_403(slug)
    listed = _filtered(course)
    content = exports.to_xlsx(course, listed)
    record_export(current_user, course.slug, "participants", "xlsx", len(listed))
    db.session.commit()
    return _download(
        content,
        f"{course.slug}-participants.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.get("/courses/<slug>/participants/summary")
@team_may("GET")
@login_required
def summary(slug: str) -> str:
    course = get_team_course_or_403(slug)
    return render_template(
        "desk/summary.html", course=course, summary=exports.participant_summary(course)
    )


@bp.get("/courses/<slug>/participants/special-needs")
@team_may("GET")
@login_required
def special_needs(slug: str) -> str:
    course = get_team_course_or_403(slug)
    return render_template(
        "desk/special_needs.html", course=course, registrations=exports.special_needs(course)
    )


@bp.get("/courses/<slug>/participants/list")
@team_may("GET")
@login_required
def public_list(slug: str) -> str:
    course = get_course_or_404(slug)
    if not (
        can_see_participants(current_user, course) or is_confirmed_participant(current_user, course)
    ):
        abort(403)
    return render_template(
        "desk/public_list.html", course=course, registrations=exports.public_listing(course)
    )


# ---------------------------------------------------------------------------
# Attendance


@bp.route("/courses/<slug>/attendance", methods=["GET", "POST"])
@team_may("GET", "POST")
@login_required
def attendance(slug: str) -> str | Response:
    course = get_team_course_or_403(slug)
    grid = attendance_grid(course)
    form = AttendanceForm(
        days=grid.days, registration_ids=[row.registration.id for row in grid.rows]
    )
    if form.validate_on_submit():
        try:
            saved = set_attendance_grid(course, form.present_by_day(), actor=current_user)
        except AttendanceError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            if saved:
                flash(_("Attendance saved."), "success")
            else:
                flash(_("Nothing to save: tick who was present first."), "info")
        return redirect(url_for("desk.attendance", slug=course.slug))
    if not form.is_submitted():
        form.marks.data = [
            attendance_mark(day, row.registration.id)
            for row in grid.rows
            for day, present in row.marks.items()
            if present
        ]
    return render_template(
        "desk/attendance.html",
        course=course,
        grid=grid,
        form=form,
        attendance_mark=attendance_mark,
    )


@bp.get("/courses/<slug>/attendance/<date:day>/sheet")
@team_may("GET")
@login_required
def sign_in_sheet(slug: str, day: date) -> str:
    course = get_team_course_or_403(slug)
    if day not in course.day_dates:
        abort(404)
    return render_template(
        "desk/sign_in_sheet.html",
        course=course,
        day=day,
        registrations=exports.confirmed_registrations(course),
    )
