"""The organisers' Fellowships tab: the funders' allocations with what is awarded and left,
the requests with their justification, and awarding, changing or withdrawing a fellowship (also
from a participant's desk page). For the course's organisers and administrators; a fund or a
registration of another course is not found. Registered on the finance blueprint."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app.core.rules import FieldErrors
from app.core.urls import safe_next
from app.courses.models import Course, PartnerRole
from app.courses.permissions import get_managed_course_or_403
from app.extensions import db
from app.finance import fees as fee_rules
from app.finance import fellowships, services
from app.finance.forms import AwardForm, FundForm, add_field_errors, amount_text
from app.finance.models import Fellowship, FellowshipFund, FellowshipKind, FinanceRequest
from app.finance.money import parse_amount
from app.finance.routes import _locale, _user, bp
from app.registration.forms import ConfirmForm, country_name
from app.registration.models import Registration


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
