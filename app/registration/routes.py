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
from flask_login import current_user, login_required
from sqlalchemy.orm import contains_eager
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from app.accounts import identity
from app.accounts import services as accounts
from app.accounts.identity_routes import invalid_link_page
from app.accounts.models import ConfirmationPurpose, User
from app.accounts.routes import NO_REFERRER, _finish_login
from app.accounts.services import WeakPassword
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
    course: Course,
    *,
    user: User | None,
    questions: list[ApplicationQuestion],
    formdata: MultiDict[str, str] | None = None,
) -> ApplicationForm | RsvpForm:
    """The event's simple RSVP or the full application, with the account fields for a
    visitor who is not signed in, then the course's own questions; prefilled from the user's
    account on first display. ``formdata``: answers kept while the applicant confirmed their
    address, replayed without a CSRF token (the confirmation's own form carried one)."""
    anonymous = user is None
    form_class: type[ApplicationForm | RsvpForm]
    if course.registration_mode == RegistrationMode.RSVP:
        form_class = SignupRsvpForm if anonymous else RsvpForm
    else:
        form_class = SignupApplicationForm if anonymous else ApplicationForm
        if endorsement.is_required(course):
            own = frozenset() if user is None else frozenset({user.email})
            form_class = with_endorser(form_class, own)
        if finance_fees.fees_of(course) is not None:
            form_class = with_finance(form_class)
    bound = with_questions(form_class, questions, _locale())
    form: ApplicationForm | RsvpForm = (
        bound(locale=_locale())
        if formdata is None
        else bound(formdata=formdata, locale=_locale(), meta={"csrf": False})
    )
    if user is not None:
        # The account's verified address, whatever was posted: the site writes to no other.
        form.email.data = user.email
        form.email.raw_data = [user.email]
        form.email.render_kw = {**(form.email.render_kw or {}), "readonly": True}
        form.email.description = _(
            "Your account's address. To change it, change it on your account page first."
        )
    if not form.is_submitted():
        form.language.data = _locale()
        if user is not None:
            form.certificate_name.data = user.name
            if isinstance(form, RsvpForm):
                form.organisation.data = services.latest_organisation(user)
            previous = alumni.previous_application(user)
            if previous is not None:
                # Back for another course: the details of the last application, not its
                # motivation, funding or consents (app.alumni.services.PREFILLED).
                prefill(form, alumni.prefill_values(previous))
    return form


Outcome = Response | tuple[str, int]


def _submit(
    course: Course, user: User, form: ApplicationForm | RsvpForm
) -> Registration | Outcome | None:
    """Apply with a valid form: the registration (not committed), a page to answer with, or
    None when the form now carries errors to show. Rolls back on every refusal."""
    try:
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
        return registration
    return None


def _form_page(
    course: Course, form: ApplicationForm | RsvpForm, *, anonymous: bool, title: str
) -> str:
    return render_template(
        "registration/rsvp.html" if isinstance(form, RsvpForm) else "registration/apply.html",
        form=form,
        course=course,
        course_title=title,
        anonymous=anonymous,
        seats_left=services.seats_left(course),
    )


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
        if existing is not None and not services.can_apply_again(existing):
            return _already_applied(existing)
    reason = services.closed_reason(course)
    if reason is not None:
        return _closed_page(course, reason, 409 if request.method == "POST" else 200)

    user = _user() if current_user.is_authenticated else None
    form = _registration_form(course, user=user, questions=applications.asked_questions(course))

    if form.validate_on_submit():
        if user is None:
            # A visitor: the answers wait for the address to be confirmed (or, if the address
            # has an account, its owner is told). The same page either way.
            assert isinstance(form, AccountFields)
            try:
                identity.start_signup(
                    name=form.signup_name(),
                    email=form.email.data,
                    password=form.password.data,
                    locale=form.language.data,
                    course=course,
                    course_title=title,
                    application=identity.kept_answers(request.form),
                )
            except WeakPassword as exc:
                form.password.errors.append(exc.message)
                return _form_page(course, form, anonymous=True, title=title)
            db.session.commit()
            return redirect(url_for("accounts.signup_sent", applying="1"))
        outcome = _submit(course, user, form)
        if isinstance(outcome, Registration):
            db.session.commit()
            flash(_outcome_message(outcome, title), "success")
            return _my_courses(outcome)
        if outcome is not None:
            return outcome

    return _form_page(course, form, anonymous=user is None, title=title)


@bp.route("/courses/<slug>/register/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(APPLY_LIMIT, methods=["POST"])
def confirm_signup(slug: str, token: str) -> Response | str | tuple[str, int, dict[str, str]]:
    """The link mailed to a visitor who applied with a new address: confirming it creates
    the account, then submits the kept answers under the rules of this moment (seats, waiting
    list, closing date). The account stands even if the application is then refused: the form
    comes back, filled in, to check and send again."""
    course = get_course_or_404(slug)
    try:
        pending = identity.find_confirmation(token, ConfirmationPurpose.SIGNUP)
    except identity.InvalidConfirmation as exc:
        return invalid_link_page(exc)
    if pending.course_id != course.id:
        abort(404)
    title = course.title(_locale())
    confirm = ConfirmForm()
    if not confirm.validate_on_submit():
        page = render_template(
            "accounts/confirm_signup.html",
            form=confirm,
            email=pending.email,
            course_title=title,
            is_rsvp=course.registration_mode == RegistrationMode.RSVP,
        )
        return page, 200, NO_REFERRER
    try:
        user, pending = identity.confirm_signup(token)
    except identity.InvalidConfirmation as exc:
        db.session.rollback()
        return invalid_link_page(exc)
    except accounts.EmailTaken:
        db.session.rollback()
        flash(_("This address has an account already: log in with it, then apply."), "info")
        return redirect(url_for("accounts.login", next=url_for("registration.apply", slug=slug)))
    answers = MultiDict([(key, value) for key, value in pending.application or []])
    # Committed on its own: a refused application below must not undo the confirmed account.
    db.session.commit()
    _finish_login(user)  # every way in ends there
    if services.closed_reason(course) is not None:
        # The form page says why (closed, full without a waiting list, cancelled...).
        flash(
            _(
                "Your address is confirmed and your account is ready, but your application "
                "could not be submitted: this course no longer takes applications."
            ),
            "error",
        )
        return redirect(url_for("registration.apply", slug=slug))
    form = _registration_form(
        course, user=user, questions=applications.asked_questions(course), formdata=answers
    )
    if form.validate():
        outcome = _submit(course, user, form)
        if isinstance(outcome, Registration):
            db.session.commit()
            flash(_outcome_message(outcome, title), "success")
            return _my_courses(outcome)
        if outcome is not None:
            return outcome
    flash(
        _(
            "Your address is confirmed and your account is ready, but your application could "
            "not be submitted as it was: check the form below and send it again."
        ),
        "error",
    )
    return _form_page(course, form, anonymous=False, title=title)


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
    # Cancelled, yet the course takes applications and the person may send one again.
    can_apply_again: bool
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
        can_apply_again=services.closed_reason(course) is None
        and services.can_apply_again(registration),
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
