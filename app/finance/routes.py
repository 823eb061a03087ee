"""The organisers' pages of a course's fees and cancellation policy, and the participant's
billing details; the funders' and fellowships' pages are in fellowship_routes.py, on the same
blueprint.

Course pages are for the course's organisers and administrators (403 for anyone else signed in,
404 for an unknown course or a fund or registration of another course). The billing details are
the participant's own (404 for anyone else's). The rules live in fees.py, fellowships.py and
services.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import User
from app.core.rules import FieldErrors
from app.courses.models import Course
from app.courses.permissions import get_managed_course_or_403
from app.extensions import db
from app.finance import fees as fee_rules
from app.finance import requests, services
from app.finance.forms import (
    BillingForm,
    FeesForm,
    PolicyForm,
    add_field_errors,
    amount_text,
)
from app.finance.money import currency_name, format_money, parse_amount
from app.registration.models import Registration

bp = Blueprint("finance", __name__)


@bp.app_template_filter("money")
def money_filter(amount: Decimal, currency: str) -> str:
    return format_money(amount, currency)


@bp.app_context_processor
def _finance_helpers() -> dict[str, Any]:
    return {
        "course_fees": fee_rules.fees_of,
        "policy_sentences": fee_rules.policy_sentences,
    }


def _locale() -> str:
    return str(get_locale() or "en")


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------
# Fees and cancellation policy


def _fees_form(course: Course, *, bound: bool) -> FeesForm:
    """The fees form: ``bound`` to what was posted, or showing the fees as they stand."""
    form = FeesForm(locale=_locale()) if bound else FeesForm(formdata=None, locale=_locale())
    fees = fee_rules.fees_of(course)
    if not bound:
        if fees is not None:
            form.currency.data = fees.currency
            form.tuition.data = amount_text(fees.tuition, fees.currency)
            form.subsistence.data = amount_text(fees.subsistence, fees.currency)
        else:
            form.currency.data, form.tuition.data, form.subsistence.data = "EUR", "0", "0"
    return form


def _policy_form(course: Course, *, bound: bool) -> PolicyForm:
    if bound:
        form = PolicyForm()
    else:
        rules = fee_rules.cancellation_rules(course)
        form = PolicyForm(
            formdata=None,
            data={"rules": [{"days_before": r.days_before, "percent": r.percent} for r in rules]},
        )
    return form


def _fees_page(course: Course, fees_form: FeesForm, policy_form: PolicyForm, status: int) -> Any:
    return render_template(
        "finance/fees.html",
        course=course,
        fees=fee_rules.fees_of(course),
        fees_form=fees_form,
        policy_form=policy_form,
        sentences=fee_rules.policy_sentences(course),
    ), status


@bp.route("/courses/<slug>/fees", methods=["GET", "POST"])
@login_required
def fees(slug: str) -> Any:
    course = get_managed_course_or_403(slug)
    form = _fees_form(course, bound=request.method == "POST")
    status = 200
    if form.validate_on_submit():
        currency = form.currency.data or ""
        errors: dict[str | None, list] = {}
        amounts: dict[str, Decimal] = {}
        for name in ("tuition", "subsistence"):
            try:
                amounts[name] = parse_amount(form[name].data, currency, field=name)
            except FieldErrors as exc:
                errors.update(exc.errors)
        try:
            if errors:
                raise FieldErrors(errors)
            saved = fee_rules.set_fees(course, currency=currency, **amounts, actor=_user())
        except FieldErrors as exc:
            db.session.rollback()
            add_field_errors(form, exc)
            status = 400
        else:
            db.session.commit()
            flash(
                _("The fees are saved.") if saved else _("The course is free: no fees."),
                "success",
            )
            return redirect(url_for("finance.fees", slug=course.slug))
    elif form.is_submitted():
        status = 400
    return _fees_page(course, form, _policy_form(course, bound=False), status)


@bp.post("/courses/<slug>/fees/policy")
@login_required
def policy(slug: str) -> Any:
    course = get_managed_course_or_403(slug)
    form = _policy_form(course, bound=True)
    fees_form = _fees_form(course, bound=False)
    if form.add_row.data:
        # One more empty row, nothing saved (the page works without JavaScript).
        form.rules.append_entry()
        return _fees_page(course, fees_form, form, 200)
    if not form.validate_on_submit():
        return _fees_page(course, fees_form, form, 400)
    pairs = form.pairs()
    if form.has_row_errors():
        return _fees_page(course, fees_form, form, 400)
    try:
        fee_rules.set_cancellation_policy(course, pairs, actor=_user())
    except FieldErrors as exc:
        db.session.rollback()
        form.form_errors.extend(exc.errors.get("rules", []))
        return _fees_page(course, fees_form, form, 400)
    db.session.commit()
    flash(
        _("The cancellation policy is saved.")
        if pairs
        else _("No cancellation policy: cancelling costs nothing."),
        "success",
    )
    return redirect(url_for("finance.fees", slug=course.slug) + "#policy")


# ---------------------------------------------------------------------------
# The participant's billing details


@bp.route("/my/registrations/<int:registration_id>/billing", methods=["GET", "POST"])
@login_required
def billing(registration_id: int) -> Any:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.user_id != current_user.id:
        abort(404)
    course = registration.course
    fees = fee_rules.fees_of(course)
    if fees is None:
        abort(404)
    current = services.request_of(registration)
    form = BillingForm(obj=current)
    status = 200
    if form.validate_on_submit():
        try:
            requests.update_request(registration, form.billing_details(), actor=_user())
        except FieldErrors as exc:
            db.session.rollback()
            add_field_errors(form, exc)
            status = 400
        except requests.BillingLocked as exc:
            db.session.rollback()
            form.form_errors.append(str(exc.message))
            status = 409
        else:
            db.session.commit()
            flash(_("Your billing details are saved."), "success")
            return redirect(url_for("registration.my_courses") + f"#registration-{registration.id}")
    elif form.is_submitted():
        status = 400
    return render_template(
        "finance/billing.html",
        registration=registration,
        course=course,
        form=form,
        owed=services.balance(registration),
        currency_name=currency_name(fees.currency, _locale()),
    ), status
