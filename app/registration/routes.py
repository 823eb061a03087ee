"""The participant's side of registration: applying, "My courses", offers, cancelling, needs.

Each view loads (or 404s), checks that the registration is the viewer's own (404 otherwise, so
nobody learns which ids exist), validates its form, calls a service, commits once, flashes and
redirects. The rules live in :mod:`app.registration.services`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from sqlalchemy.orm import contains_eager
from werkzeug.wrappers import Response

from app.accounts import services as accounts
from app.accounts.models import User
from app.alumni import services as alumni
from app.alumni.forms import prefill
from app.announcements import services as announcements
from app.applications import answering
from app.applications import services as applications
from app.applications.answer_forms import with_questions
from app.applications.checks import InvalidAnswers
from app.applications.exports import ShownAnswer, answers_by_registration, shown_answers
from app.applications.models import ApplicationQuestion
from app.checkin import services as checkin_services
from app.checkin.qr import qr_svg_data_uri
from app.core.rules import FieldErrors
from app.core.security import accepts_uploads
from app.courses.models import Course, CourseStatus, CourseTeamMember, RegistrationMode
from app.courses.permissions import get_course_or_404
from app.db import now_utc
from app.endorsement import services as endorsement
from app.endorsement.forms import EndorserFields, with_endorser
from app.evaluation import ratings as session_ratings
from app.evaluation import services as evaluation_services
from app.extensions import db, limiter
from app.finance import fees as finance_fees
from app.finance import requests as finance_requests
from app.finance import services as finance
from app.finance.forms import FinanceFields, add_field_errors, with_finance
from app.followup.models import FollowupActivity
from app.followup.services import PhaseState, activities_in_order, phase_state, venue_today
from app.invoices import dues as invoice_dues
from app.progress.services import Checklist, checklist
from app.registration import services
from app.registration.forms import (
    AccountFields,
    ApplicationForm,
    ConfirmForm,
    RsvpForm,
    SignupApplicationForm,
    SignupRsvpForm,
    SpecialNeedsForm,
    country_name,
)
from app.registration.models import Registration
from app.registration.models import RegistrationStatus as S
from app.registration.services import RegistrationClosedReason
from app.visas import services as visa_services

bp = Blueprint("registration", __name__)

# Applications and RSVPs per client address (each may create an account too); pages are free.
APPLY_LIMIT = "10/minute"
# The follow-up activities appear on "My courses" this long before the phase opens.
FOLLOWUP_SHOWN_BEFORE = timedelta(days=14)
# States in which a participant may still withdraw or change their needs (the services decide;
# these only choose which buttons to show).
ACTIVE = (S.SUBMITTED, S.CONFIRMED, S.WAITLISTED)


def _locale() -> str:
    return str(get_locale())


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _my_courses(registration: Registration | None = None) -> Response:
    anchor = f"registration-{registration.id}" if registration is not None else None
    return redirect(url_for("registration.my_courses", _anchor=anchor))


def get_own_registration_or_404(registration_id: int) -> Registration:
    """The viewer's registration; anyone else's is "not found", not "forbidden"."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.user_id != current_user.id:
        abort(404)
    return registration


# ---------------------------------------------------------------------------
# Applying


def _closed_page(course: Course, reason: RegistrationClosedReason, status: int) -> tuple[str, int]:
    page = render_template(
        "registration/closed.html",
        course=course,
        course_title=course.title(_locale()),
        reason=reason,
    )
    return page, status


def _already_applied(registration: Registration) -> Response:
    is_event = registration.course.kind.is_event
    if registration.status == S.CANCELLED:
        if is_event:
            message = _(
                "You have cancelled your registration for this event. To register again, write "
                "to the organisers."
            )
        else:
            message = _(
                "You have cancelled your registration for this course. To apply again, write "
                "to the course team."
            )
        flash(message, "info")
    elif is_event:
        flash(_("You have already registered for this event: here is your registration."), "info")
    else:
        flash(_("You have already applied to this course: here is your registration."), "info")
    return _my_courses(registration)


def _outcome_message(registration: Registration, title: str) -> str:
    if registration.status == S.CONFIRMED:
        return _(
            "Your place on “%(course)s” is confirmed. We have sent you an email with the "
            "practical details.",
            course=title,
        )
    if registration.status == S.WAITLISTED:
        if registration.course.kind.is_event:
            return _(
                "“%(course)s” is full: you are number %(position)d on the waiting list. We "
                "will write to you if a place becomes free.",
                course=title,
                position=services.waitlist_position(registration) or 0,
            )
        return _(
            "The course “%(course)s” is full: you are number %(position)d on the waiting list. "
            "We will write to you if a seat becomes free.",
            course=title,
            position=services.waitlist_position(registration) or 0,
        )
    if endorsement.is_pending(endorsement.endorsement_of(registration)):
        return _(
            "Your application to “%(course)s” is submitted and waits for your employer's "
            "endorsement: we have sent your endorser a link.",
            course=title,
        )
    return _(
        "Your application to “%(course)s” has been submitted for approval. We will write to you "
        "when the course team has decided.",
        course=title,
    )


def _registration_form(
    course: Course, *, anonymous: bool, questions: list[ApplicationQuestion]
) -> ApplicationForm | RsvpForm:
    """The event's simple RSVP or the full application, with the account fields for a
    visitor who is not signed in, then the course's own questions; prefilled from the user's
    account on first display."""
    form_class: type[ApplicationForm | RsvpForm]
    if course.registration_mode == RegistrationMode.RSVP:
        form_class = SignupRsvpForm if anonymous else RsvpForm
    else:
        form_class = SignupApplicationForm if anonymous else ApplicationForm
        if endorsement.is_required(course):
            own = frozenset() if anonymous else frozenset({current_user.email.lower()})
            form_class = with_endorser(form_class, own)
        if finance_fees.fees_of(course) is not None:
            form_class = with_finance(form_class)
    form: ApplicationForm | RsvpForm = with_questions(form_class, questions, _locale())(
        locale=_locale()
    )
    if not form.is_submitted():
        form.language.data = _locale()
        if not anonymous:
            form.certificate_name.data = current_user.name
            form.email.data = current_user.email
            if isinstance(form, RsvpForm):
                form.organisation.data = services.latest_organisation(_user())
            previous = alumni.previous_application(_user())
            if previous is not None:
                # Back for another course: the details of the last application, not its
                # motivation, funding or consents (app.alumni.services.PREFILLED).
                prefill(form, alumni.prefill_values(previous))
    return form


@bp.route("/courses/<slug>/register", methods=["GET", "POST"])
@accepts_uploads
@limiter.limit(APPLY_LIMIT, methods=["POST"])
def apply(slug: str) -> Response | str | tuple[str, int]:
    course = get_course_or_404(slug)
    if course.registration_mode == RegistrationMode.NONE:
        # Open to all: there is nothing to register for (the course page says so).
        abort(404)
    title = course.title(_locale())
    if current_user.is_authenticated:
        existing = services.find_registration(course, _user())
        if existing is not None:
            return _already_applied(existing)
    reason = services.closed_reason(course)
    if reason is not None:
        return _closed_page(course, reason, 409 if request.method == "POST" else 200)

    anonymous = not current_user.is_authenticated
    form = _registration_form(
        course, anonymous=anonymous, questions=applications.asked_questions(course)
    )

    if form.validate_on_submit():
        try:
            if anonymous:
                assert isinstance(form, AccountFields)
                user = accounts.sign_up(
                    name=form.signup_name(),
                    email=form.email.data,
                    password=form.password.data,
                    locale=form.language.data,
                )
            else:
                user = _user()
            registration = answering.apply_with_answers(
                course,
                user,
                form.application_data(),
                form.answer_values(),  # type: ignore[union-attr]
            )
            if isinstance(form, EndorserFields):
                endorsement.request_endorsement(registration, form.endorser_data(), actor=user)
            if isinstance(form, FinanceFields):
                finance_requests.save_request(
                    registration,
                    wants_fellowship=bool(form.wants_fellowship.data),
                    justification=form.justification.data or "",
                    billing=form.billing_details(),
                    actor=user,
                )
        except FieldErrors as exc:
            # The fellowship request or the billing details (app.finance.services).
            db.session.rollback()
            add_field_errors(form, exc)
        except InvalidAnswers as exc:
            # The questions changed between the form's check and ours.
            db.session.rollback()
            form.add_answer_errors(exc)  # type: ignore[union-attr]
        except accounts.EmailTaken:
            # Someone created the account between the form's check and ours.
            db.session.rollback()
            assert isinstance(form, AccountFields)
            form.email_has_account = True
            form.email.errors.append(str(form.account_exists_message))
        except services.AlreadyRegistered as exc:
            db.session.rollback()
            return _already_applied(exc.existing)
        except services.RegistrationClosed as exc:
            db.session.rollback()
            return _closed_page(course, exc.reason, 409)
        except services.RegistrationError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            if anonymous:
                login_user(user)
            flash(_outcome_message(registration, title), "success")
            return _my_courses(registration)

    return render_template(
        "registration/rsvp.html" if isinstance(form, RsvpForm) else "registration/apply.html",
        form=form,
        course=course,
        course_title=title,
        anonymous=anonymous,
        seats_left=services.seats_left(course),
    )


# ---------------------------------------------------------------------------
# My courses


@dataclass
class MyCourse:
    """One line of "My courses": a registration and what the page shows beside it."""

    registration: Registration
    title: str
    position: int | None
    can_cancel: bool
    can_change_needs: bool
    followup_state: PhaseState
    followup_activities: list[FollowupActivity] = field(default_factory=list)
    # For confirmed participants of a course: what the certificate needs, met or not.
    progress: Checklist | None = None
    # Answers to the course's own questions, and whether they may still change.
    answers: list[ShownAnswer] = field(default_factory=list)
    can_change_answers: bool = False
    # The end-of-course evaluation, once it has opened: "open", "answered" or "closed".
    evaluation: str | None = None

    @property
    def course(self) -> Course:
        return self.registration.course


def _my_course(
    registration: Registration,
    locale: str,
    answers: list[ShownAnswer],
    asking: set[int],
) -> MyCourse:
    course = registration.course
    today = venue_today(course)
    state = phase_state(course, today)
    followup_near = state == "open" or (
        state == "upcoming"
        and course.followup_opens_on is not None
        and course.followup_opens_on - today <= FOLLOWUP_SHOWN_BEFORE
    )
    confirmed = registration.status == S.CONFIRMED
    return MyCourse(
        registration=registration,
        title=course.title(locale),
        position=services.waitlist_position(registration),
        can_cancel=registration.status in ACTIVE and now_utc() < services.course_start_utc(course),
        can_change_needs=registration.status in ACTIVE,
        followup_state=state,
        followup_activities=activities_in_order(course) if confirmed and followup_near else [],
        progress=checklist(registration),
        answers=answers,
        can_change_answers=course.id in asking and answering.can_edit_answers(registration),
    )


@bp.get("/my/courses")
@login_required
def my_courses() -> str:
    stmt = (
        sa.select(Registration)
        .join(Registration.course)
        .where(Registration.user_id == current_user.id)
        .options(contains_eager(Registration.course).joinedload(Course.venue))
        .order_by(Course.start_date.desc(), Registration.id)
    )
    locale = _locale()
    registrations = list(db.session.scalars(stmt).unique())
    answers = answers_by_registration([r.id for r in registrations])
    endorsements = endorsement.endorsements_by_registration([r.id for r in registrations])
    asking = applications.courses_asking([r.course_id for r in registrations])
    rating = session_ratings.enabled_course_ids(r.course_id for r in registrations)
    items = [
        _my_course(r, locale, shown_answers(answers.get(r.id, []), locale), asking)
        for r in registrations
    ]
    # Check-in codes for the on-site courses one is confirmed on, drawn on first view (and
    # committed once the page is rendered: committing earlier would expire what it shows).
    checkin_codes = checkin_services.codes_for(
        r
        for r in registrations
        if not r.course.is_online and r.course.status == CourseStatus.PUBLISHED
    )
    evaluations = evaluation_services.participant_states(registrations)
    accounts = invoice_dues.accounts(registrations)
    my_accounts = {
        registration_id: account
        for registration_id, account in accounts.items()
        if account.balance.due > 0 or account.documents
    }
    for item in items:
        item.evaluation = evaluations.get(item.registration.id)
    # Courses the user helps run (facilitators have no other way in to the desk).
    team_courses = db.session.scalars(
        sa.select(Course)
        .join(CourseTeamMember)
        .where(CourseTeamMember.user_id == current_user.id)
        .order_by(Course.start_date.desc())
    ).all()
    page = render_template(
        "registration/my_courses.html",
        items=items,
        my_announcements=announcements.for_my_courses(_user(), now=now_utc()),
        team_courses=team_courses,
        country_name=lambda code: country_name(code, locale),
        endorsements=endorsements,
        rating_course_ids=rating,
        can_name_endorser=endorsement.can_name_endorser,
        checkin_codes=checkin_codes,
        finances=finance.for_my_courses(
            registrations, {rid: a.balance for rid, a in accounts.items()}, now=now_utc()
        ),
        format_code=checkin_services.format_code,
        qr_svg_data_uri=qr_svg_data_uri,
        my_accounts=my_accounts,
        visa_letters=visa_services.requests_by_registration([r.id for r in registrations]),
        visa_open={
            r.id for r in registrations if visa_services.request_refusal(r, now=now_utc()) is None
        },
    )
    db.session.commit()
    return page


def _change_own(
    registration_id: int,
    change: Callable[[Registration], None],
    done: Callable[[str], str],
) -> Response:
    """Apply a participant's own change (cancel, accept or decline an offer) and report it."""
    registration = get_own_registration_or_404(registration_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return _my_courses(registration)
    title = registration.course.title(_locale())
    try:
        change(registration)
    except services.OfferExpired as exc:
        # The offer has been withdrawn and passed on: that change stands.
        db.session.commit()
        flash(str(exc), "error")
        return _my_courses(registration)
    except services.RegistrationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _my_courses(registration)
    db.session.commit()
    flash(done(title), "success")
    return _my_courses(registration)


@bp.post("/my/registrations/<int:registration_id>/cancel")
@login_required
def cancel(registration_id: int) -> Response:
    return _change_own(
        registration_id,
        lambda registration: services.cancel(registration, actor=_user()),
        lambda title: _(
            "Your registration for “%(course)s” is cancelled. We have sent you a confirmation "
            "by email.",
            course=title,
        ),
    )


@bp.post("/my/registrations/<int:registration_id>/accept")
@login_required
def accept_offer(registration_id: int) -> Response:
    return _change_own(
        registration_id,
        lambda registration: services.accept_offer(registration, actor=_user()),
        lambda title: _(
            "You have accepted the seat: your place on “%(course)s” is confirmed. We have sent "
            "you an email with the practical details.",
            course=title,
        ),
    )


@bp.post("/my/registrations/<int:registration_id>/decline")
@login_required
def decline_offer(registration_id: int) -> Response:
    return _change_own(
        registration_id,
        lambda registration: services.decline_offer(registration, actor=_user()),
        lambda title: _(
            "You have declined the seat on “%(course)s”; it goes to the next person waiting. "
            "Thank you for letting us know.",
            course=title,
        ),
    )


@bp.route("/my/registrations/<int:registration_id>/needs", methods=["GET", "POST"])
@login_required
def needs(registration_id: int) -> Response | str:
    registration = get_own_registration_or_404(registration_id)
    form = SpecialNeedsForm(obj=registration)
    if form.validate_on_submit():
        try:
            services.update_special_needs(
                registration,
                diet=form.diet.data or "",
                accessibility=form.accessibility.data or "",
                actor=_user(),
            )
        except services.RegistrationError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return _my_courses(registration)
        db.session.commit()
        flash(_("Your dietary and accessibility needs are saved."), "success")
        return _my_courses(registration)
    return render_template(
        "registration/needs.html",
        form=form,
        registration=registration,
        course=registration.course,
        course_title=registration.course.title(_locale()),
    )
