"""Sign-up, log-in, the account pages, password reset and the administrators' user list.

Each view loads, checks, validates its form, calls a service, commits once, flashes and
redirects; the rules live in :mod:`app.accounts.services`.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from app.accounts import identity, services
from app.accounts.auth import admin_required
from app.accounts.forms import (
    ChangePasswordForm,
    ChangeRoleForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignupForm,
    UserSearchForm,
    UserStatusForm,
)
from app.accounts.models import Role, User
from app.core.timeutil import user_timezone
from app.core.urls import other_query_args, page_number, safe_next
from app.extensions import client_key, db, limiter
from app.sessions import web as sessions_web
from app.sessions.models import EndReason
from app.sessions.services import end_sessions
from app.twofactor import login as twofactor_login
from app.twofactor import services as twofactor_services

bp = Blueprint("accounts", __name__)

# Reset links carry a secret in the URL: never pass it on to another site in a Referer header.
NO_REFERRER = {"Referrer-Policy": "no-referrer"}

# Posts per client address: enough for a person who mistypes, too few for guessing passwords,
# flooding someone's inbox with reset mail or creating accounts in bulk. Pages are not limited.
LOGIN_LIMIT = "10/minute;50/hour"
# Also for forms that check a password or a reset link: the same guessing, another door.
PASSWORD_LIMIT = LOGIN_LIMIT
RESET_REQUEST_LIMIT = "5/minute;20/hour"
SIGNUP_LIMIT = "10/minute"
# Per account too (the email posted), whatever the address: guesses spread over many addresses
# still meet a ceiling, and one inbox cannot be flooded with reset mail from many.
ACCOUNT_LOGIN_LIMIT = "10/minute;30/hour"
ACCOUNT_RESET_REQUEST_LIMIT = "3/minute;10/hour"


def posted_account_key() -> str:
    """The rate limits' key of the account a form names: its normalised email (the client's
    address when none is posted, so an empty form is still counted)."""
    email = request.form.get("email", "")
    if not isinstance(email, str) or not email.strip():
        return client_key()
    return "account:" + services.normalise_email(email)[:254]


def _home() -> str:
    return url_for("catalogue.index")


def _landing(user: User) -> str:
    """Where a log-in without a ``next`` lands: organisers on their courses (what they came
    to run), everyone else (participants, administrators) on the catalogue."""
    if user.role == Role.ORGANISER:
        return url_for("courses.manage")
    return _home()


def _finish_login(user: User, *, remember: bool = False) -> None:
    """Sign the user in on this browser: every way in (log-in, sign-up, a second factor) ends
    here, so what a new session needs is done in one place: a session row on the server
    (audited as LOGGED_IN) whose key alone the cookie holds."""
    sessions_web.sign_in(user, remember=remember)
    db.session.commit()


# --- Sign-up, log-in, log-out ------------------------------------------------------------------


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(SIGNUP_LIMIT, methods=["POST"])
def signup() -> Response | str:
    if current_user.is_authenticated:
        return redirect(_home())
    form = SignupForm()
    if request.method == "GET":
        form.locale.data = str(get_locale())
    if form.validate_on_submit():
        try:
            identity.start_signup(
                name=form.name.data,
                email=form.email.data,
                password=form.password.data,
                locale=form.locale.data,
            )
        except services.WeakPassword as exc:
            # Judged on the password and the name alone: it tells nothing about the address.
            form.password.errors.append(exc.message)
        else:
            db.session.commit()
            # The same page for a new address and a known one: nobody learns who has an account.
            return redirect(url_for("accounts.signup_sent"))
    return render_template("accounts/signup.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
@limiter.limit(ACCOUNT_LOGIN_LIMIT, methods=["POST"], key_func=posted_account_key)
def login() -> Response | str:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or _home())
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.InvalidCredentials:
            db.session.commit()  # the audit event of the failure
            flash(_("Wrong email or password."), "error")
        except services.AccountInactive:
            db.session.commit()
            flash(
                _("This account has been deactivated. Contact an administrator to reopen it."),
                "error",
            )
        else:
            db.session.commit()
            next_url = safe_next(request.args.get("next"))
            if twofactor_services.is_enabled(user):
                # The password was right; the session is opened only after the second factor.
                twofactor_login.start_pending(user, remember=form.remember.data, next_url=next_url)
                return redirect(url_for("twofactor.verify"))
            _finish_login(user, remember=form.remember.data)
            flash(_("You are logged in."), "success")
            return redirect(next_url or _landing(user))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        sessions_web.end_current(current_user._get_current_object())
        db.session.commit()
        logout_user()
        flash(_("You are logged out."), "info")
    return redirect(_home())


# --- The user's own account --------------------------------------------------------------------


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile() -> Response | str:
    user: User = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        services.update_profile(user, name=form.name.data, locale=form.locale.data, actor=user)
        services.set_timezone(user, form.timezone.data or None, actor=user)
        db.session.commit()
        flash(_("Your account details are saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, user=user)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(PASSWORD_LIMIT, methods=["POST"])
def change_password() -> Response | str:
    user: User = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                user,
                current_password=form.current_password.data,
                new_password=form.password.data,
                actor=user,
            )
        except services.WrongPassword:
            form.current_password.errors.append(_("This is not your current password."))
        except services.WeakPassword as exc:
            form.password.errors.append(exc.message)
        else:
            # Every other browser is signed out; this one stays.
            end_sessions(
                user,
                actor=user,
                reason=EndReason.PASSWORD_CHANGED,
                keep=sessions_web.current_session(),
            )
            db.session.commit()
            flash(
                _(
                    "Your password has been changed. Other browsers signed in to your account "
                    "are signed out."
                ),
                "success",
            )
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)


# --- Password reset ----------------------------------------------------------------------------


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit(RESET_REQUEST_LIMIT, methods=["POST"])
@limiter.limit(ACCOUNT_RESET_REQUEST_LIMIT, methods=["POST"], key_func=posted_account_key)
def reset_request() -> Response | str:
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        # The same answer whether or not the account exists: nobody learns who has one.
        flash(
            _(
                "If an account uses %(email)s, we have sent it a link to choose a new password. "
                "The link works once, for %(minutes)d minutes.",
                email=form.email.data,
                minutes=current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"],
            ),
            "info",
        )
        return redirect(url_for("accounts.reset_request"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(PASSWORD_LIMIT, methods=["POST"])
def reset_password(token: str) -> Response | tuple[str, int, dict[str, str]]:
    try:
        services.find_reset_token(token)
    except services.InvalidResetToken as exc:
        return _invalid_reset_link(exc)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except services.InvalidResetToken as exc:
            db.session.rollback()
            return _invalid_reset_link(exc)
        except services.WeakPassword as exc:
            form.password.errors.append(exc.message)
            return render_template("accounts/reset_password.html", form=form), 200, NO_REFERRER
        end_sessions(user, actor=user, reason=EndReason.PASSWORD_RESET)
        db.session.commit()
        if current_user.is_authenticated:
            logout_user()
        flash(_("Your new password is set. You can log in with it now."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form), 200, NO_REFERRER


def _invalid_reset_link(exc: services.InvalidResetToken) -> tuple[str, int, dict[str, str]]:
    messages = {
        services.ResetTokenProblem.UNKNOWN: _(
            "This password reset link is not valid. Check that you copied the whole address "
            "from the email."
        ),
        services.ResetTokenProblem.USED: _(
            "This password reset link has already been used, or a newer one replaced it. Each "
            "link works only once."
        ),
        services.ResetTokenProblem.EXPIRED: _("This password reset link has expired."),
    }
    page = render_template("accounts/reset_invalid.html", message=messages[exc.problem])
    return page, 400, NO_REFERRER


# --- Administration ----------------------------------------------------------------------------


@bp.get("/admin/users")
@admin_required
def users() -> str:
    search = UserSearchForm(request.args)
    filters = services.UserFilter(search=search.search_text(), role=search.selected_role())
    page = db.paginate(
        services.users_query(filters),
        page=page_number(),
        per_page=services.USERS_PER_PAGE,
        error_out=False,
    )
    here = request.full_path if request.query_string else request.path
    role_forms = {
        user.id: ChangeRoleForm(formdata=None, data={"role": user.role.value})
        for user in page.items
    }
    return render_template(
        "accounts/users.html",
        search=search,
        page=page,
        role_forms=role_forms,
        # The admin's own zone when chosen, else the site's (UTC): named on the page.
        zone=user_timezone(current_user) or current_app.config["BABEL_DEFAULT_TIMEZONE"],
        here=here,
        page_args=other_query_args("page"),
    )


def _back_to_users(next_url: str | None) -> Response:
    target = safe_next(next_url)
    if not target or not target.startswith(url_for("accounts.users")):
        target = url_for("accounts.users")
    return redirect(target)


@bp.post("/admin/users/<int:user_id>/role")
@admin_required
def change_role(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    form = ChangeRoleForm()
    if not form.validate_on_submit():
        flash(_("Choose one of the roles in the list."), "error")
        return _back_to_users(form.next.data)
    try:
        services.change_role(user, Role(form.role.data), actor=current_user._get_current_object())
    except services.SelfLockout:
        flash(
            _(
                "You cannot take the administrator role away from yourself. Ask another "
                "administrator to do it."
            ),
            "error",
        )
        return _back_to_users(form.next.data)
    db.session.commit()
    flash(
        _("%(name)s is now: %(role)s.", name=user.name, role=user.role.label),
        "success",
    )
    return _back_to_users(form.next.data)


@bp.post("/admin/users/<int:user_id>/deactivate")
@admin_required
def deactivate_user(user_id: int) -> Response:
    return _set_active(user_id, active=False)


@bp.post("/admin/users/<int:user_id>/reactivate")
@admin_required
def reactivate_user(user_id: int) -> Response:
    return _set_active(user_id, active=True)


def _set_active(user_id: int, *, active: bool) -> Response:
    user = db.get_or_404(User, user_id)
    form = UserStatusForm()
    if not form.validate_on_submit():
        return _back_to_users(None)
    try:
        services.set_active(user, active, actor=current_user._get_current_object())
    except services.SelfLockout:
        flash(_("You cannot deactivate your own account."), "error")
        return _back_to_users(form.next.data)
    db.session.commit()
    if active:
        flash(_("%(name)s can log in again.", name=user.name), "success")
    else:
        flash(_("%(name)s can no longer log in.", name=user.name), "success")
    return _back_to_users(form.next.data)
