"""The organisers' mail pages: write (with a preview and a test copy), the course's history,
one message with each recipient's delivery status, and cancelling a scheduled one.

The recipients are the desk's: its filters come in the query string (the same names as on
the participants list), ``missing`` narrows to who still misses a requirement of the progress
matrix, and the participants ticked on the list come as ``registration_ids``.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from app.core.timeutil import display_timezone
from app.courses.models import Course
from app.courses.permissions import get_managed_course_or_403
from app.db import now_utc
from app.extensions import db
from app.messages import placeholders, services
from app.messages.forms import CancelForm, ComposeForm, compose_form
from app.messages.models import CourseMessage, CourseMessageRecipient, MessageStatus
from app.progress import services as progress
from app.registration import exports
from app.registration.desk import filter_form_for, filter_query
from app.registration.desk_forms import DeskFilterForm
from app.registration.models import Registration

bp = Blueprint("messages", __name__)


@bp.context_processor
def _helpers() -> dict[str, object]:
    return {"language_name": exports.language_name}


def _get_message_or_404(course: Course, message_id: int) -> CourseMessage:
    # The page lists every recipient with their registration and outbox copy: load them
    # together, or each row costs two queries more.
    message = db.session.get(
        CourseMessage,
        message_id,
        options=[
            selectinload(CourseMessage.recipients).options(
                joinedload(CourseMessageRecipient.registration),
                joinedload(CourseMessageRecipient.outbox),
            )
        ],
    )
    if message is None or message.course_id != course.id:
        abort(404)
    return message


def _missing(course: Course) -> tuple[str | None, str]:
    """The progress matrix's column asked for in ``missing`` (courses only), and its title."""
    wanted = request.args.get("missing", "")
    if not wanted or course.kind.is_event:
        return None, ""
    titles = dict(progress.columns(course, progress.required_evaluation(course)))
    titles[progress.ANY] = _("any requirement")
    return (wanted, str(titles[wanted])) if wanted in titles else (None, "")


def _audience(filter_form: DeskFilterForm, missing_title: str, ticked: int) -> str:
    """The filters in words, for the history ("Status: Confirmed · Country: Brazil")."""
    parts = []
    shown = [filter_form.status, filter_form.country, filter_form.organisation_type]
    shown += [filter_form.endorsement] + [f for _q, f in filter_form.answer_fields()]
    for field in shown:
        labels = {choice.value: choice.label for choice in field.choices if choice.value}
        if field.data in labels:
            parts.append(f"{field.label.text}: {labels[field.data]}")
    search = (filter_form.q.data or "").strip() if not filter_form.q.errors else ""
    if search:
        parts.append(_("Search: %(text)s", text=search))
    if missing_title:
        parts.append(_("Missing: %(what)s", what=missing_title))
    if ticked:
        parts.append(ngettext("%(num)d selected", "%(num)d selected", ticked))
    return " · ".join(parts) or _("All registrations")


def _add_errors(form: ComposeForm, error: services.MessageError) -> list[str]:
    """Put the rules' messages beside their fields; returns those of the whole form."""
    general = []
    for key, messages in error.errors.items():
        if key is not None and key in form:
            form[key].errors = [*form[key].errors, *messages]
        else:
            general.extend(str(m) for m in messages)
    return general


@bp.route("/courses/<slug>/messages/new", methods=["GET", "POST"])
@login_required
def compose(slug: str) -> str | Response:
    course = get_managed_course_or_403(slug)
    now = now_utc()
    filter_form = filter_form_for(course)
    filters = filter_form.filters()
    missing, missing_title = _missing(course)
    form = compose_form(services.course_languages(course), display_timezone(course, current_user))
    from_desk = request.method == "POST" and not request.form.get("started")
    ticked = [i for i in (form.registration_ids.data or []) if isinstance(i, int)]
    if from_desk and not ticked:
        flash(_("Select at least one participant."), "error")
        return redirect(
            url_for("desk.index", slug=course.slug, **filter_query(filters, filter_form))
        )
    chosen = services.recipients(course, filters, missing=missing, ticked=ticked or None, now=now)
    form.preview_for.choices = [(r.id, r.certificate_name) for r in chosen]
    general: list[str] = []
    preview: services.Rendered | None = None
    shown_for: Registration | None = None
    if not from_desk and form.validate_on_submit():
        versions = form.versions()
        shown_for = next((r for r in chosen if r.id == form.preview_for.data), None)
        shown_for = shown_for or (chosen[0] if chosen else None)
        try:
            if form.send.data:
                message = services.compose(
                    course,
                    versions,
                    chosen,
                    actor=current_user,
                    now=now,
                    send_at=form.send_at,
                    audience=_audience(filter_form, missing_title, len(ticked)),
                )
                db.session.commit()
                if message.status == MessageStatus.SCHEDULED:
                    flash(_("The message is scheduled."), "success")
                else:
                    flash(
                        ngettext(
                            "The message is on its way to %(num)d person.",
                            "The message is on its way to %(num)d people.",
                            len(chosen),
                        ),
                        "success",
                    )
                return redirect(url_for("messages.show", slug=course.slug, message_id=message.id))
            kept = services.check_versions(course, versions)
            if shown_for is None:
                general.append(_("Nobody to write to: no participant matches."))
            elif form.test.data:
                services.send_test(course, kept, shown_for, actor=current_user)
                db.session.commit()
                flash(
                    _("A test copy is on its way to %(email)s.", email=current_user.email),
                    "success",
                )
            else:
                default = services.default_locale(course, kept)
                preview = services.render(kept, shown_for, default)
        except services.MessageError as exc:
            db.session.rollback()
            general += _add_errors(form, exc)
    return render_template(
        "messages/compose.html",
        course=course,
        form=form,
        recipients=chosen,
        ticked=ticked,
        audience=_audience(filter_form, missing_title, len(ticked)),
        filter_args={
            **filter_query(filters, filter_form),
            **({"missing": missing} if missing else {}),
        },
        general_errors=general,
        preview=preview,
        shown_for=shown_for,
        placeholders=placeholders.PLACEHOLDERS,
        timezone=form.timezone,
    )


@bp.get("/courses/<slug>/messages")
@login_required
def index(slug: str) -> str:
    course = get_managed_course_or_403(slug)
    return render_template(
        "messages/index.html",
        course=course,
        messages=services.history(course),
        delivery_counts=services.delivery_counts,
        labels=services.DELIVERY_LABELS,
        locale=str(get_locale()),
    )


@bp.get("/courses/<slug>/messages/<int:message_id>")
@login_required
def show(slug: str, message_id: int) -> str:
    course = get_managed_course_or_403(slug)
    message = _get_message_or_404(course, message_id)
    return render_template(
        "messages/show.html",
        course=course,
        message=message,
        delivery_status=services.delivery_status,
        delivery_counts=services.delivery_counts(message),
        labels=services.DELIVERY_LABELS,
        cancel_form=CancelForm(),
    )


@bp.post("/courses/<slug>/messages/<int:message_id>/cancel")
@login_required
def cancel(slug: str, message_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    message = _get_message_or_404(course, message_id)
    if not CancelForm().validate_on_submit():
        abort(400)
    try:
        services.cancel(message, actor=current_user, now=now_utc())
    except services.MessageError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("The message is cancelled: it will not be sent."), "success")
    return redirect(url_for("messages.show", slug=course.slug, message_id=message_id))
