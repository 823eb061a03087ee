"""Course pages: the public catalogue and course page, and the organisers' course builder."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.accounts.auth import organiser_required
from app.accounts.services import find_user_by_email
from app.announcements.services import shown_on_course_page
from app.core.timeutil import display_timezone, local_date
from app.core.urls import external_url
from app.courses import editions, groups, services, windows
from app.courses.event_programme import with_side_events
from app.courses.forms import CourseForm, CourseModulesForm, EditionForm, TeamMemberForm
from app.courses.models import (
    Course,
    CourseKind,
    CourseStatus,
    CourseTeamMember,
    PartnerRole,
    RegistrationMode,
    TeamRole,
)
from app.courses.permissions import (
    can_see_join_links,
    can_see_online_link,
    get_course_or_404,
    get_managed_course_or_403,
    managed_courses_query,
)
from app.courses.publishing import publication_warnings
from app.db import now_utc
from app.evaluation import ratings as session_ratings
from app.extensions import db
from app.feeds.links import (
    google_subscribe_url,
    outlook_subscribe_url,
    webcal_url,
)
from app.followup.services import activities_in_order, phase_state
from app.materials.reading import material_list
from app.registration.exports import pending_counts
from app.registration.services import (
    closed_reason,
    confirmed_count,
    find_registration,
    seats_left,
    waitlist_position,
)
from app.schedule.models import CourseSession
from app.schedule.services import sessions_by_day
from app.venues.models import Venue

bp = Blueprint("courses", __name__)


def _locale() -> str:
    return str(get_locale())


def _venue_today(course: Course | None = None) -> date:
    return local_date(now_utc(), course.timezone if course else "UTC")


# ---------------------------------------------------------------------------
# Public


def _feed_language(course: Course, locale: str) -> str | None:
    """``?lang=`` of the calendar links: the visitor's language, unless it is the course's."""
    return locale if locale != course.default_locale else None


def _course_feed(course: Course, locale: str) -> dict[str, str]:
    """The addresses of the course's calendar feed, for ``feeds/_subscribe.html``."""
    url = external_url("feeds.course", slug=course.slug, lang=_feed_language(course, locale))
    name = course.title(locale)
    return {
        "url": url,
        "webcal": webcal_url(url),
        "google": google_subscribe_url(url),
        "outlook": outlook_subscribe_url(url, name),
        "outlook_personal": outlook_subscribe_url(url, name, personal=True),
    }


def _session_links(
    course: Course, sessions: list[CourseSession], locale: str
) -> dict[int, dict[str, str]]:
    """The "Add to calendar" links of each session that has them (not breaks, not cancelled),
    by id, for ``feeds/_add_to_calendar.html``: the session's download, and the addresses that
    send the visitor on to Google's or Outlook's page for it (feeds.session_add)."""
    lang = _feed_language(course, locale)
    links = {}
    for s in sessions:
        if s.is_break or s.is_cancelled:
            continue
        ids = {"slug": course.slug, "session_id": s.id, "lang": lang}
        links[s.id] = {
            "ics": url_for("feeds.session", **ids),
            "google": url_for("feeds.session_add", service="google", **ids),
            "outlook": url_for("feeds.session_add", service="outlook", **ids),
        }
    return links


@bp.get("/courses/<slug>")
def show(slug: str) -> str:
    course = get_course_or_404(slug)
    registration = (
        find_registration(course, current_user) if current_user.is_authenticated else None
    )
    locale = _locale()
    # Times in the venue's zone; an online activity's in the visitor's (their account's, or UTC).
    zone = display_timezone(course, current_user)
    timetable_days = sessions_by_day(course, zone)
    # Calendars only for published courses: a draft has no feed, a cancelled one nothing to add.
    published = course.status == CourseStatus.PUBLISHED
    sessions = [s for _day, day_sessions in timetable_days for s in day_sessions]
    context = {
        "course": course,
        "text": course.text(locale),
        "timetable_days": timetable_days,
        "materials": material_list(course, current_user, zone),
        "course_feed": _course_feed(course, locale) if published else None,
        "session_calendar_links": _session_links(course, sessions, locale) if published else {},
        "calendar_subscribe_url": "#course-calendar" if published else None,
        "state": windows.registration_window(course),
        "seats_left": seats_left(course),
        "registration": registration,
        "closed_reason": closed_reason(course),
        "waitlist_position": waitlist_position(registration) if registration else None,
        "session_rating_states": session_ratings.states_for(registration, now=now_utc()),
        "announcements": shown_on_course_page(course, current_user),
    }
    if course.kind.is_event:
        # An event lists the days that have sessions only.
        context["timetable_days"] = [(day, found) for day, found in timetable_days if found]
        side_events = (
            groups.published_side_events(course) if course.kind == CourseKind.CONFERENCE else []
        )
        if side_events:
            # One programme in time order: the host's sessions and its side events together.
            context["timetable_days"] = with_side_events(timetable_days, side_events, zone)
        return render_template(
            "courses/event.html",
            **context,
            side_events=side_events,
            online_link_visible=can_see_online_link(current_user, course, registration),
            programme_url=(
                url_for("programmes.show", slug=course.programme.slug) if course.programme else None
            ),
        )
    return render_template(
        "courses/show.html",
        **context,
        followup_activities=activities_in_order(course),
        followup_links_visible=can_see_join_links(current_user, course, registration),
        followup_state=phase_state(course, _venue_today(course)),
        editions=editions.other_editions(course),
    )


# ---------------------------------------------------------------------------
# Organisers


@bp.get("/manage/courses")
@organiser_required
def manage() -> str:
    stmt = (
        managed_courses_query(current_user)
        .order_by(Course.start_date.desc())
        # The links each row offers depend on the viewer's role in its team.
        .options(selectinload(Course.team))
    )
    courses = db.session.scalars(stmt).unique().all()
    return render_template(
        "courses/manage.html", courses=courses, pending=pending_counts([c.id for c in courses])
    )


def _details_from(form: CourseForm) -> services.CourseDetails:
    return services.CourseDetails(
        kind=form.selected_kind,
        is_online=form.is_online.data,
        online_url=form.online_url.data or "",
        registration_mode=RegistrationMode(form.registration_mode.data),
        host_event=form.host_event,
        programme=form.programme,
        venue=db.session.get(Venue, form.venue_id.data) if form.venue_id.data else None,
        start_date=form.start_date.data,
        days=form.days.data,
        capacity=form.capacity.data,
        requires_approval=form.requires_approval.data,
        requires_endorsement=form.requires_endorsement.data,
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
    form.kind.data = course.kind.value
    form.is_online.data = course.is_online
    form.online_url.data = course.online_url
    form.registration_mode.data = course.registration_mode.value
    form.host_event_id.data = course.host_event_id or 0
    form.programme_id.data = course.programme_id or 0
    form.default_locale.data = course.default_locale
    form.languages.data = course.language_list
    form.slug.data = course.slug
    form.venue_id.data = course.venue_id or 0
    form.start_date.data = course.start_date
    form.days.data = course.days
    form.capacity.data = course.capacity
    form.requires_approval.data = course.requires_approval
    form.requires_endorsement.data = course.requires_endorsement
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
    """A new course, or an event with ``?kind=side_event`` (any kind)."""
    form = CourseForm()
    if not form.is_submitted():
        kind = request.args.get("kind", "")
        form.kind.data = kind if kind in set(CourseKind) else CourseKind.COURSE.value
        form.default_locale.data = _locale()
        form.languages.data = [_locale()]
        form.status.data = CourseStatus.DRAFT.value
        turin = services.default_venue()
        if turin is not None:
            form.venue_id.data = turin.id
        if form.selected_kind.is_event:
            # A day, no seat limit, a simple RSVP: change them as needed.
            form.days.data = 1
            form.capacity.data = None
            form.registration_mode.data = RegistrationMode.RSVP.value
    if form.validate_on_submit():
        try:
            course = services.create_course(
                _details_from(form), slug=form.slug.data or None, actor=current_user
            )
        except services.CourseError as exc:
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            if course.kind.is_event:
                flash(_("The event was created. Now add its sessions."), "success")
                return redirect(url_for("schedule.timetable", slug=course.slug))
            flash(_("The course was created. Now choose its modules."), "success")
            return redirect(url_for("courses.edit_modules", slug=course.slug))
    return render_template("courses/edit.html", form=form, course=None)


def _to_confirm(course: Course, form: CourseForm, details: services.CourseDetails) -> dict:
    """What saving ``form`` needs the organiser to confirm first, for courses/edit.html (empty
    when nothing or all of it was confirmed): new dates that confirmed participants will be
    mailed, and the warnings of publishing. ``form.confirm`` then carries what the
    confirmation's button acknowledges."""
    acknowledged = set((form.confirm.data or "").split())
    tokens, asked = [], {}
    new_dates = f"move:{details.start_date.isoformat()}/{details.days}"
    if new_dates != f"move:{course.start_date.isoformat()}/{course.days}":
        count = confirmed_count(course)
        if count:
            tokens.append(new_dates)
            if new_dates not in acknowledged:
                asked["move_to_confirm"] = count
    if details.status == CourseStatus.PUBLISHED and course.status != CourseStatus.PUBLISHED:
        warnings = publication_warnings(course, details)
        if warnings:
            tokens.append("publish")
            if "publish" not in acknowledged:
                asked["publish_warnings"] = warnings
    if asked:
        form.confirm.data = " ".join(tokens)
    return asked


@bp.route("/courses/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> str | Response:
    course = get_managed_course_or_403(slug)
    form = CourseForm(course=course)
    if not form.is_submitted():
        _fill_form(form, course)
    if form.validate_on_submit():
        moved = form.start_date.data != course.start_date
        details = _details_from(form)
        asked = _to_confirm(course, form, details)
        if asked:
            return render_template("courses/edit.html", form=form, course=course, **asked)
        try:
            services.update_course(
                course, details, slug=form.slug.data or course.slug, actor=current_user
            )
        except services.CourseError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                _("The event was saved.") if course.kind.is_event else _("The course was saved."),
                "success",
            )
            if moved:
                flash(_("The timetable and the follow-up phase moved with the new dates."), "info")
            if "move:" in (form.confirm.data or ""):
                flash(_("The confirmed participants were told the new dates by email."), "info")
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
        new = editions.copy_as_new_edition(
            course, form.start_date.data, slug=form.slug.data or None, actor=current_user
        )
        db.session.commit()
        if new.kind.is_event:
            flash(
                _("The copy was created as a draft. Check its title and dates and publish it."),
                "success",
            )
        else:
            flash(
                _(
                    "The new edition “%(title)s” was created as a draft. Check its title and "
                    "dates and publish it.",
                    title=new.title(new.default_locale),
                ),
                "success",
            )
        return redirect(url_for("courses.edit", slug=new.slug))
    return render_template("courses/copy.html", form=form, course=course)
