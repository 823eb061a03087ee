"""Two-factor pages: the second step of a log-in, the account's set-up, recovery codes and
turning it off, and the administrators' security settings.

The code page signs the person in through :func:`app.accounts.routes._finish_login`, like every
other way in. Staff who must use two-factor log-in and have not set it up are held on the set-up
page by :func:`hold_staff_without_two_factor`.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.accounts.auth import admin_required
from app.accounts.models import User
from app.accounts.routes import LOGIN_LIMIT, _finish_login, _home, _landing
from app.extensions import client_key, db, limiter
from app.twofactor import login as pending_login
from app.twofactor import services
from app.twofactor.forms import CodeForm, ConfirmSetupForm, ProofForm, SecuritySettingsForm

bp = Blueprint("twofactor", __name__)

# Codes are six digits: per address as for passwords, and per account whatever the address,
# so that a million codes cannot be tried from many places within a code's window.
CODE_LIMIT = LOGIN_LIMIT
ACCOUNT_CODE_LIMIT = "10/minute;30/hour"
# Pages that never show recovery codes or secrets may be cached; these may not.
NO_STORE = {"Cache-Control": "no-store"}
# What staff held for the set-up may still open.
OPEN_WHILE_HELD = frozenset(
    {"twofactor.setup", "twofactor.status", "accounts.logout", "static", "core.set_language"}
)


def pending_account_key() -> str:
    """The rate limits' key of the account waiting for its code (the address if none)."""
    state = pending_login.pending()
    return f"account:{state.user.id}" if state is not None else client_key()


@bp.before_app_request
def hold_staff_without_two_factor() -> Response | None:
    """When the administrators require it, staff without two-factor log-in set it up first."""
    if not current_user.is_authenticated or request.endpoint in OPEN_WHILE_HELD:
        return None
    user: User = current_user._get_current_object()
    if not user.is_organiser or not services.must_use_two_factor(user):
        return None
    if services.is_enabled(user):
        return None
    flash(
        _(
            "Administrators and organisers must use two-factor log-in on this site. Set it up "
            "to continue."
        ),
        "info",
    )
    return redirect(url_for("twofactor.setup"))


# --- The second step of a log-in ---------------------------------------------------------------


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(CODE_LIMIT, methods=["POST"])
@limiter.limit(ACCOUNT_CODE_LIMIT, methods=["POST"], key_func=pending_account_key)
def verify() -> Response | tuple[str, int, dict[str, str]]:
    if current_user.is_authenticated:
        return redirect(_home())
    state = pending_login.pending()
    if state is None:
        flash(_("Your log-in took too long. Enter your email and password again."), "info")
        return redirect(url_for("accounts.login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            kind = services.verify_login(state.user, form.code.data)
        except services.InvalidCode:
            db.session.commit()  # the audit event of the failure
            form.code.errors.append(
                _("This code is not right, or it has been used already. Try the next one.")
            )
        else:
            db.session.commit()
            pending_login.clear()
            _finish_login(state.user, remember=state.remember)
            if kind == "recovery":
                left = services.recovery_codes_left(state.user)
                flash(
                    _(
                        "You logged in with a recovery code; it cannot be used again. "
                        "%(left)d are left: make new ones on your account page if needed.",
                        left=left,
                    ),
                    "warning",
                )
            flash(_("You are logged in."), "success")
            return redirect(state.next_url or _landing(state.user))
    return render_template("twofactor/verify.html", form=form), 200, NO_STORE


# --- The account's own set-up ------------------------------------------------------------------


@bp.get("/account/two-factor")
@login_required
def status() -> str:
    user: User = current_user._get_current_object()
    return render_template(
        "twofactor/status.html",
        enabled=services.is_enabled(user),
        left=services.recovery_codes_left(user),
        required=services.must_use_two_factor(user),
        regenerate_form=ProofForm(prefix="regenerate"),
        disable_form=ProofForm(prefix="disable"),
    )


@bp.route("/account/two-factor/setup", methods=["GET", "POST"])
@login_required
@limiter.limit(CODE_LIMIT, methods=["POST"])
def setup() -> Response | tuple[str, int, dict[str, str]]:
    user: User = current_user._get_current_object()
    try:
        found = services.begin_setup(user, actor=user)
    except services.AlreadyEnabled:
        return redirect(url_for("twofactor.status"))
    form = ConfirmSetupForm()
    if form.validate_on_submit():
        try:
            codes = services.confirm_setup(user, form.code.data, actor=user)
        except services.InvalidCode:
            form.code.errors.append(
                _("This code is not right. Check the time on your phone and try the next one.")
            )
        else:
            db.session.commit()
            flash(_("Two-factor log-in is on."), "success")
            # Shown once, in this answer: never stored in a readable form, never redirected to.
            return render_template("twofactor/codes.html", codes=codes), 200, NO_STORE
    db.session.commit()  # the new secret, so that reloading the page shows the same QR code
    page = render_template(
        "twofactor/setup.html",
        form=form,
        qr=services.qr_svg_data_uri(found),
        secret=services.grouped_secret(found.secret),
        required=services.must_use_two_factor(user),
    )
    return page, 200, NO_STORE


@bp.post("/account/two-factor/recovery-codes")
@login_required
@limiter.limit(CODE_LIMIT)
def regenerate() -> Response | tuple[str, int, dict[str, str]]:
    user: User = current_user._get_current_object()
    form = ProofForm(prefix="regenerate")
    if not form.validate_on_submit():
        flash(_("Enter your password or a code from your app."), "error")
        return redirect(url_for("twofactor.status"))
    try:
        codes = services.regenerate_recovery_codes(user, form.proof.data, actor=user)
    except services.NotEnabled:
        return redirect(url_for("twofactor.status"))
    except services.InvalidCode:
        db.session.commit()
        flash(_("This is neither your password nor a current code from your app."), "error")
        return redirect(url_for("twofactor.status"))
    db.session.commit()
    flash(_("New recovery codes are ready; the old ones no longer work."), "success")
    return render_template("twofactor/codes.html", codes=codes), 200, NO_STORE


@bp.post("/account/two-factor/disable")
@login_required
@limiter.limit(CODE_LIMIT)
def disable() -> Response:
    user: User = current_user._get_current_object()
    form = ProofForm(prefix="disable")
    if not form.validate_on_submit():
        flash(_("Enter your password or a code from your app."), "error")
        return redirect(url_for("twofactor.status"))
    if services.must_use_two_factor(user):
        flash(
            _("Administrators and organisers must use two-factor log-in on this site."),
            "error",
        )
        return redirect(url_for("twofactor.status"))
    try:
        services.disable(user, form.proof.data, actor=user)
    except services.NotEnabled:
        return redirect(url_for("twofactor.status"))
    except services.InvalidCode:
        db.session.commit()
        flash(_("This is neither your password nor a current code from your app."), "error")
        return redirect(url_for("twofactor.status"))
    db.session.commit()
    flash(_("Two-factor log-in is off."), "success")
    return redirect(url_for("twofactor.status"))


# --- Administrators ----------------------------------------------------------------------------


@bp.route("/admin/security", methods=["GET", "POST"])
@admin_required
def admin_settings() -> Response | str:
    current = services.settings()
    form = SecuritySettingsForm(
        data={"staff_two_factor_required": current.is_staff_two_factor_required}
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        services.set_staff_requirement(
            bool(form.staff_two_factor_required.data), actor=current_user._get_current_object()
        )
        db.session.commit()
        flash(_("The security settings are saved."), "success")
        return redirect(url_for("twofactor.admin_settings"))
    return render_template("twofactor/admin_settings.html", form=form, settings=current)
