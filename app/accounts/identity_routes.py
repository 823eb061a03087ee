"""Pages of email confirmation: "check your mail" after a sign-up, the sign-up link, and
changing one's address (the form and its link).

A link's page only shows a button: opening it changes nothing, since mail scanners open links;
pressing the button (a POST with a CSRF token) does. The views are on the ``accounts``
blueprint; the rules are in :mod:`app.accounts.identity`.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.accounts import identity, services
from app.accounts.forms import ChangeEmailForm, ConfirmLinkForm
from app.accounts.models import ConfirmationPurpose, User
from app.accounts.routes import NO_REFERRER, PASSWORD_LIMIT, _finish_login, _home, bp
from app.extensions import db, limiter

Page = tuple[str, int, dict[str, str]]


def invalid_link_page(exc: identity.InvalidConfirmation) -> Page:
    """The 400 page of a confirmation link that is unknown, used or expired."""
    messages = {
        services.ResetTokenProblem.UNKNOWN: _(
            "This confirmation link is not valid. Check that you copied the whole address from "
            "the email."
        ),
        services.ResetTokenProblem.USED: _(
            "This confirmation link has already been used. Each link works only once."
        ),
        services.ResetTokenProblem.EXPIRED: _(
            "This confirmation link has expired. Start again to receive a new one."
        ),
    }
    page = render_template("accounts/confirm_invalid.html", message=messages[exc.problem])
    return page, 400, NO_REFERRER


@bp.get("/signup/sent")
def signup_sent() -> str:
    return render_template(
        "accounts/signup_sent.html",
        applying=request.args.get("applying") == "1",
        hours=identity.max_age_minutes() // 60,
    )


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(PASSWORD_LIMIT, methods=["POST"])
def confirm_signup(token: str) -> Response | Page:
    try:
        pending = identity.find_confirmation(token, ConfirmationPurpose.SIGNUP)
    except identity.InvalidConfirmation as exc:
        return invalid_link_page(exc)
    if pending.course_id is not None:
        # A sign-up made while applying: its own page submits the application too.
        from app.courses.models import Course

        course = db.session.get(Course, pending.course_id)
        if course is not None:
            return redirect(url_for("registration.confirm_signup", slug=course.slug, token=token))
    form = ConfirmLinkForm()
    if form.validate_on_submit():
        try:
            user, _pending = identity.confirm_signup(token)
        except identity.InvalidConfirmation as exc:
            db.session.rollback()
            return invalid_link_page(exc)
        except services.EmailTaken:
            db.session.rollback()
            flash(_("This address has an account already: log in with it."), "info")
            return redirect(url_for("accounts.login"))
        db.session.commit()
        _finish_login(user)
        flash(_("Welcome, %(name)s! Your account is ready.", name=user.name), "success")
        return redirect(_home())
    page = render_template(
        "accounts/confirm_signup.html",
        form=form,
        email=pending.email,
        course_title=None,
        is_rsvp=False,
    )
    return page, 200, NO_REFERRER


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@limiter.limit(PASSWORD_LIMIT, methods=["POST"])
def change_email() -> Response | str:
    user: User = current_user._get_current_object()
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            identity.request_email_change(
                user,
                new_email=form.email.data,
                password=form.current_password.data,
                actor=user,
            )
        except services.WrongPassword:
            form.current_password.errors.append(_("This is not your current password."))
        except identity.SameEmail:
            form.email.errors.append(_("This is already your email address."))
        else:
            db.session.commit()
            # The same answer whether or not another account has the address.
            flash(
                _(
                    "We have sent a link to %(email)s. Your address changes when you open it, "
                    "within %(hours)d hours; until then we keep writing to %(old)s.",
                    email=services.normalise_email(form.email.data),
                    hours=identity.max_age_minutes() // 60,
                    old=user.email,
                ),
                "info",
            )
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_email.html", form=form, user=user)


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(PASSWORD_LIMIT, methods=["POST"])
def confirm_email_change(token: str) -> Response | Page:
    try:
        pending = identity.find_confirmation(token, ConfirmationPurpose.EMAIL_CHANGE)
    except identity.InvalidConfirmation as exc:
        return invalid_link_page(exc)
    form = ConfirmLinkForm()
    if form.validate_on_submit():
        try:
            user = identity.confirm_email_change(token)
        except identity.InvalidConfirmation as exc:
            db.session.rollback()
            return invalid_link_page(exc)
        except services.EmailTaken:
            db.session.rollback()
            flash(
                _("This address has an account already: it cannot be used for a second one."),
                "error",
            )
            return redirect(_home())
        db.session.commit()
        flash(_("Your email address is now %(email)s.", email=user.email), "success")
        return redirect(url_for("accounts.profile") if current_user.is_authenticated else _home())
    page = render_template("accounts/confirm_email.html", form=form, email=pending.email)
    return page, 200, NO_REFERRER
