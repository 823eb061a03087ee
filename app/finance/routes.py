"""The organisers' pages of a course's money: its fees and cancellation policy, its funders'
allocations and the fellowships awarded from them; and the participant's billing details.

Course pages are for the course's organisers and administrators (403 for anyone else signed in,
404 for an unknown course or a fund or registration of another course). The billing details are
the participant's own (404 for anyone else's). The rules live in fees.py, fellowships.py and
services.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app.accounts.models import User
from app.core.rules import FieldErrors
from app.core.urls import safe_next
from app.courses.models import Course, PartnerRole
from app.courses.permissions import get_managed_course_or_403
from app.extensions import db
from app.finance import fees as fee_rules
from app.finance import fellowships, services
from app.finance.forms import (
    AwardForm,
    BillingForm,
    FeesForm,
    FundForm,
    PolicyForm,
    add_field_errors,
    amount_text,
)
from app.finance.models import Fellowship, FellowshipFund, FellowshipKind, FinanceRequest
from app.finance.money import currency_name, format_money, parse_amount
from app.registration.forms import ConfirmForm, country_name
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
# Funders and fellowships


def _fund_or_404(course: Course, fund_id: int) -> FellowshipFund:
    fund = db.session.get(FellowshipFund, fund_id)
    if fund is None or fund.course_id != course.id:
        abort(404)
    return fund


def _registration_or_404(course: Course, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.course_id != course.id:
        abort(404)
    return registration


def funder_suggestions(course: Course) -> list[str]:
    """The course's partners in the role of funder, for the funder field's suggestions."""
    return [
        p.organisation.name
        for p in sorted(course.partners, key=lambda p: p.position)
        if p.role == PartnerRole.FUNDER
    ]


def _save_fund(course: Course, form: FundForm, fund: FellowshipFund | None) -> bool:
    """Save the form's allocation; False (errors on the form) if refused."""
    fees = fee_rules.fees_of(course)
    try:
        budget = None
        if form.budget.data:
            if fees is None:
                raise FieldErrors.single(_("Set the course's fees before a budget."), "budget")
            budget = parse_amount(form.budget.data, fees.currency, field="budget")
        fellowships.save_fund(
            course,
            funder=form.funder.data or "",
            full_count=form.full_count.data,
            partial_count=form.partial_count.data,
            budget=budget,
            fund=fund,
            actor=_user(),
        )
    except FieldErrors as exc:
        db.session.rollback()
        add_field_errors(form, exc)
        return False
    db.session.commit()
    return True


def award_form_for(
    course: Course, registration: Registration, funds: list[FellowshipFund], *, bound: bool
) -> AwardForm:
    """A participant's award form (its fields prefixed by the registration, as many are on one
    page): ``bound`` to what was posted, or showing their fellowship as it stands."""
    prefix = f"r{registration.id}"
    form = AwardForm(prefix=prefix) if bound else AwardForm(formdata=None, prefix=prefix)
    form.fund.choices = [SelectChoice(f.id, f.funder) for f in funds]
    if not bound:
        current = fellowships.fellowship_of(registration)
        fees = fee_rules.fees_of(course)
        if current is not None:
            form.fund.data = current.fund_id
            form.kind.data = current.kind.value
            if current.amount is not None and fees is not None:
                form.amount.data = amount_text(current.amount, fees.currency)
    return form


def _requests(course: Course) -> list[tuple[Registration, FinanceRequest | None]]:
    """Who asked for a fellowship or has one, by name."""
    rows = db.session.execute(
        sa.select(Registration, FinanceRequest)
        .outerjoin(FinanceRequest, FinanceRequest.registration_id == Registration.id)
        .outerjoin(Fellowship, Fellowship.registration_id == Registration.id)
        .where(
            Registration.course_id == course.id,
            sa.or_(FinanceRequest.wants_fellowship.is_(True), Fellowship.id.is_not(None)),
        )
        .order_by(Registration.certificate_name, Registration.id)
    ).all()
    return [(r, fr) for r, fr in rows]


def _fellowships_page(course: Course, form: FundForm, status: int = 200) -> Any:
    lines = fellowships.summaries(course)
    funds = [line.fund for line in lines]
    requests = _requests(course)
    registrations = [r for r, _ in requests]
    awarded = {
        f.registration_id: f
        for f in db.session.scalars(
            sa.select(Fellowship)
            .where(Fellowship.registration_id.in_([r.id for r in registrations]))
            .options(joinedload(Fellowship.fund))
        )
    }
    return render_template(
        "finance/fellowships.html",
        course=course,
        fees=fee_rules.fees_of(course),
        lines=lines,
        totals=fellowships.totals(lines),
        form=form,
        suggestions=funder_suggestions(course),
        requests=requests,
        awarded=awarded,
        balances=services.balances(course, registrations),
        award_forms={r.id: award_form_for(course, r, funds, bound=False) for r in registrations},
        country_name=lambda code: country_name(code, _locale()),
    ), status


@bp.route("/courses/<slug>/fellowships", methods=["GET", "POST"])
@login_required
def fellowships_page(slug: str) -> Any:
    course = get_managed_course_or_403(slug)
    form = FundForm()
    if form.validate_on_submit():
        if _save_fund(course, form, None):
            flash(_("The allocation of %(funder)s is saved.", funder=form.funder.data), "success")
            return redirect(url_for("finance.fellowships_page", slug=course.slug))
        return _fellowships_page(course, form, 400)
    if form.is_submitted():
        return _fellowships_page(course, form, 400)
    return _fellowships_page(course, form)


@bp.route("/courses/<slug>/fellowships/funds/<int:fund_id>", methods=["GET", "POST"])
@login_required
def edit_fund(slug: str, fund_id: int) -> Any:
    course = get_managed_course_or_403(slug)
    fund = _fund_or_404(course, fund_id)
    fees = fee_rules.fees_of(course)
    form = FundForm(
        data={
            "funder": fund.funder,
            "full_count": fund.full_count,
            "partial_count": fund.partial_count,
            "budget": amount_text(fund.budget, fees.currency) if fees else "",
        }
    )
    status = 200
    if form.validate_on_submit():
        if _save_fund(course, form, fund):
            flash(_("The allocation of %(funder)s is saved.", funder=fund.funder), "success")
            return redirect(url_for("finance.fellowships_page", slug=course.slug))
        status = 400
    elif form.is_submitted():
        status = 400
    return render_template(
        "finance/edit_fund.html",
        course=course,
        fund=fund,
        form=form,
        suggestions=funder_suggestions(course),
        used=fellowships.usage(fund),
        fees=fees,
    ), status


@bp.post("/courses/<slug>/fellowships/funds/<int:fund_id>/delete")
@login_required
def delete_fund(slug: str, fund_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    fund = _fund_or_404(course, fund_id)
    target = url_for("finance.fellowships_page", slug=course.slug)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(target)
    funder = fund.funder
    try:
        fellowships.delete_fund(fund, actor=_user())
    except fellowships.FellowshipUnavailable as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(target)
    db.session.commit()
    flash(_("The allocation of %(funder)s is removed.", funder=funder), "success")
    return redirect(target)


def _back(course: Course) -> str:
    return safe_next(request.form.get("next")) or url_for(
        "finance.fellowships_page", slug=course.slug
    )


@bp.post("/courses/<slug>/fellowships/<int:registration_id>/award")
@login_required
def award(slug: str, registration_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    registration = _registration_or_404(course, registration_id)
    funds = fellowships.funds(course)
    form = award_form_for(course, registration, funds, bound=True)
    target = _back(course)
    name = registration.certificate_name
    if not form.validate_on_submit():
        reasons = [str(e) for f in form for e in f.errors] or [_("This action is not possible.")]
        flash(_("%(name)s: %(reason)s", name=name, reason=" ".join(reasons)), "error")
        return redirect(target)
    fund = _fund_or_404(course, form.fund.data)
    kind = FellowshipKind(form.kind.data)
    fees = fee_rules.fees_of(course)
    try:
        amount = None
        if kind == FellowshipKind.PARTIAL:
            if fees is None:
                raise fellowships.FellowshipUnavailable(_("The course has no fees to cover."))
            amount = parse_amount(form.amount.data, fees.currency, field="amount", allow_zero=False)
        fellowships.award(registration, fund, kind, amount=amount, actor=_user())
    except FieldErrors as exc:
        db.session.rollback()
        flash(_("%(name)s: %(reason)s", name=name, reason=str(exc)), "error")
    except fellowships.FellowshipUnavailable as exc:
        db.session.rollback()
        flash(_("%(name)s: %(reason)s", name=name, reason=str(exc.message)), "error")
    else:
        db.session.commit()
        flash(
            _(
                "%(name)s: %(fellowship)s from %(funder)s.",
                name=name,
                fellowship=kind.label,
                funder=fund.funder,
            ),
            "success",
        )
    return redirect(target)


@bp.post("/courses/<slug>/fellowships/<int:registration_id>/withdraw")
@login_required
def withdraw(slug: str, registration_id: int) -> Response:
    course = get_managed_course_or_403(slug)
    registration = _registration_or_404(course, registration_id)
    target = _back(course)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(target)
    try:
        fellowships.withdraw(registration, actor=_user())
    except fellowships.FellowshipUnavailable as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(target)
    db.session.commit()
    flash(_("%(name)s's fellowship is withdrawn.", name=registration.certificate_name), "success")
    return redirect(target)


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
            services.update_request(registration, form.billing_details(), actor=_user())
        except FieldErrors as exc:
            db.session.rollback()
            add_field_errors(form, exc)
            status = 400
        except services.BillingLocked as exc:
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
