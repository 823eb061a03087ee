"""The Invoices tab (the course's organisers and administrators) and the participant's download.

A participant downloads their own documents only: anyone else's, or an unknown number, answers
404, so an id reveals nothing.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.audit.services import record_export
from app.core.rules import FieldErrors
from app.core.timeutil import local_date
from app.courses.models import Course
from app.courses.permissions import get_managed_course_or_403
from app.db import now_utc
from app.extensions import db
from app.finance.money import format_money, parse_amount
from app.invoices import exports, services
from app.invoices.dues import accounts
from app.invoices.forms import CancelForm, IssueForm, PaymentForm
from app.invoices.mail import recipient_of
from app.invoices.models import DocumentKind, Invoice, InvoiceState, PaymentMethod
from app.invoices.pdf import render_document_pdf
from app.registration.models import Registration, RegistrationStatus

bp = Blueprint("invoices", __name__)
# Amounts in the reader's language (and on "My courses" too).
bp.add_app_template_filter(format_money, "invoice_money")
# The participant's desk page shows their account (templates/invoices/_desk.html).
bp.add_app_template_global(services.account, "invoice_account")

FILTERS = {
    "issued": (InvoiceState.ISSUED,),
    "partly_paid": (InvoiceState.PARTLY_PAID,),
    "unpaid": (InvoiceState.ISSUED, InvoiceState.PARTLY_PAID),
    "paid": (InvoiceState.PAID,),
    "cancelled": (InvoiceState.CANCELLED,),
    "proforma": (InvoiceState.PROFORMA,),
    "credit": (InvoiceState.CREDIT,),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _pdf_response(document: Invoice) -> Response:
    response = Response(render_document_pdf(document), mimetype="application/pdf")
    response.headers.set("Content-Disposition", "inline", filename=f"{document.number_text}.pdf")
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------
# The participant's


@bp.get("/my/invoices/<int:invoice_id>.pdf")
@login_required
def my_pdf(invoice_id: int) -> ResponseReturnValue:
    document = db.session.get(Invoice, invoice_id)
    if document is None or document.registration.user_id != current_user.id:
        abort(404)
    return _pdf_response(document)


# ---------------------------------------------------------------------------
# The organisers'


def _document_or_404(course: Course, invoice_id: int) -> Invoice:
    document = db.session.get(Invoice, invoice_id)
    if document is None or document.registration.course_id != course.id:
        abort(404)
    return document


def _registration_or_404(course: Course, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.course_id != course.id:
        abort(404)
    return registration


def _owing(course: Course) -> list[tuple[Registration, services.Account]]:
    """Confirmed participants, and cancelled ones who may owe the cancellation share, with their
    accounts; only those with something due, invoiced or paid."""
    registrations = list(
        db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.course_id == course.id,
                Registration.status.in_(
                    [RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED]
                ),
            )
            .order_by(Registration.certificate_name, Registration.id)
        )
    )
    found = accounts(registrations)
    return [
        (r, found[r.id])
        for r in registrations
        if found[r.id].balance.due > 0 or found[r.id].documents
    ]


@bp.get("/courses/<slug>/invoices")
@login_required
def index(slug: str) -> ResponseReturnValue:
    course = get_managed_course_or_403(slug)
    state = request.args.get("state", "")
    if state and state not in FILTERS:
        state = ""
    everything = services.course_documents(course)
    shown = [d for d in everything if not state or d.state in FILTERS[state]]
    return render_template(
        "invoices/index.html",
        course=course,
        documents=shown,
        state=state,
        filters=FILTERS,
        totals=services.totals(shown),
        owing=_owing(course),
    )


def _issue_form(registration: Registration, account: services.Account) -> IssueForm:
    if request.method == "POST":
        return IssueForm()
    billing = services.default_billing(registration)
    return IssueForm(
        data={
            "kind": request.args.get("kind", DocumentKind.INVOICE.value),
            "amount": str(account.to_invoice),
            "payer_kind": billing.payer_kind.value,
            "billing_name": billing.name,
            "billing_address": billing.address,
            "billing_email": billing.email,
            "billing_tax_id": billing.tax_id,
            "billing_reference": billing.reference,
        }
    )


def _show_errors(form, refused: FieldErrors) -> None:
    for name, messages in refused.errors.items():
        target = form._fields.get(name) if name else None
        if target is None:
            form.form_errors.extend(str(m) for m in messages)
        else:
            target.errors = [*target.errors, *(str(m) for m in messages)]


@bp.route("/courses/<slug>/invoices/new/<int:registration_id>", methods=["GET", "POST"])
@login_required
def issue(slug: str, registration_id: int) -> ResponseReturnValue:
    course = get_managed_course_or_403(slug)
    registration = _registration_or_404(course, registration_id)
    account = services.account(registration)
    form = _issue_form(registration, account)
    if form.validate_on_submit():
        try:
            amount = parse_amount(
                form.amount.data, account.balance.currency or "EUR", field="amount"
            )
            document = services.issue(
                registration,
                kind=DocumentKind(form.kind.data),
                amount=amount,
                billing=form.billing(),
                actor=current_user,
                now=now_utc(),
            )
        except FieldErrors as refused:
            db.session.rollback()
            _show_errors(form, refused)
        except services.NothingToInvoice as refused:
            db.session.rollback()
            form.form_errors.append(str(refused.message))
        else:
            db.session.commit()
            flash(
                _(
                    "%(document)s %(number)s is issued and mailed to %(email)s.",
                    document=document.kind.label,
                    number=document.number_text,
                    email=recipient_of(document),
                ),
                "success",
            )
            return redirect(url_for("invoices.show", slug=course.slug, invoice_id=document.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "invoices/issue.html",
        course=course,
        registration=registration,
        account=account,
        form=form,
    ), status


def _show(course: Course, document: Invoice, **forms) -> str:
    return render_template(
        "invoices/show.html",
        course=course,
        document=document,
        payment_form=forms.get("payment_form") or PaymentForm(data={"paid_on": _today(course)}),
        cancel_form=forms.get("cancel_form") or CancelForm(),
    )


def _today(course: Course) -> date:
    return local_date(now_utc(), course.timezone)


@bp.get("/courses/<slug>/invoices/<int:invoice_id>")
@login_required
def show(slug: str, invoice_id: int) -> ResponseReturnValue:
    course = get_managed_course_or_403(slug)
    return _show(course, _document_or_404(course, invoice_id))


@bp.get("/courses/<slug>/invoices/<int:invoice_id>.pdf")
@login_required
def pdf(slug: str, invoice_id: int) -> ResponseReturnValue:
    course = get_managed_course_or_403(slug)
    return _pdf_response(_document_or_404(course, invoice_id))


@bp.post("/courses/<slug>/invoices/<int:invoice_id>/payments")
@login_required
def record_payment(slug: str, invoice_id: int) -> ResponseReturnValue:
    course = get_managed_course_or_403(slug)
    document = _document_or_404(course, invoice_id)
    form = PaymentForm()
    if form.validate_on_submit():
        try:
            amount = parse_amount(form.amount.data, document.currency, field="amount")
            payment = services.record_payment(
                document,
                amount=amount,
                paid_on=form.paid_on.data,
                method=PaymentMethod(form.method.data),
                reference=form.reference.data or "",
                actor=current_user,
                now=now_utc(),
            )
        except FieldErrors as refused:
            db.session.rollback()
            _show_errors(form, refused)
        else:
            db.session.commit()
            flash(
                _(
                    "A payment of %(amount)s on %(number)s is recorded.",
                    amount=format_money(payment.amount, document.currency),
                    number=document.number_text,
                ),
                "success",
            )
            return redirect(url_for("invoices.show", slug=course.slug, invoice_id=document.id))
    document = _document_or_404(course, invoice_id)
    return _show(course, document, payment_form=form), 422


@bp.post("/courses/<slug>/invoices/<int:invoice_id>/cancel")
@login_required
def cancel(slug: str, invoice_id: int) -> ResponseReturnValue:
    course = get_managed_course_or_403(slug)
    document = _document_or_404(course, invoice_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            credit = services.cancel(document, form.reason.data or "", actor=current_user)
        except FieldErrors as refused:
            db.session.rollback()
            _show_errors(form, refused)
        else:
            db.session.commit()
            flash(
                _(
                    "%(number)s is cancelled by credit note %(credit)s, mailed to %(email)s.",
                    number=document.number_text,
                    credit=credit.number_text,
                    email=recipient_of(credit),
                ),
                "success",
            )
            return redirect(url_for("invoices.show", slug=course.slug, invoice_id=credit.id))
    document = _document_or_404(course, invoice_id)
    return _show(course, document, cancel_form=form), 422


def _export_documents(course: Course) -> list[Invoice]:
    return list(
        db.session.scalars(
            sa.select(Invoice)
            .join(Invoice.registration)
            .where(Registration.course_id == course.id)
            .options(
                selectinload(Invoice.payments),
                selectinload(Invoice.credit_note),
                selectinload(Invoice.credits),
                selectinload(Invoice.issued_by),
            )
            .order_by(Invoice.series, Invoice.year, Invoice.number)
        )
    )


def _download(content: bytes, filename: str, mimetype: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/courses/<slug>/invoices.csv", defaults={"fmt": "csv"})
@bp.get("/courses/<slug>/invoices.xlsx", defaults={"fmt": "xlsx"})
@login_required
def export_invoices(slug: str, fmt: str) -> ResponseReturnValue:
    course = get_managed_course_or_403(slug)
    table = exports.documents_table(course, _export_documents(course))
    name = f"{course.slug}-invoices.{fmt}"
    record_export(current_user, course.slug, "invoices", fmt, len(table[1]))
    db.session.commit()
    if fmt == "csv":
        return _download(exports.to_csv(table), name, "text/csv; charset=utf-8")
    return _download(exports.to_xlsx(table, _("Invoices")), name, XLSX)


@bp.get("/courses/<slug>/payments.csv", defaults={"fmt": "csv"})
@bp.get("/courses/<slug>/payments.xlsx", defaults={"fmt": "xlsx"})
@login_required
def export_payments(slug: str, fmt: str) -> ResponseReturnValue:
    course = get_managed_course_or_403(slug)
    table = exports.payments_table(course, _export_documents(course))
    name = f"{course.slug}-payments.{fmt}"
    record_export(current_user, course.slug, "payments", fmt, len(table[1]))
    db.session.commit()
    if fmt == "csv":
        return _download(exports.to_csv(table), name, "text/csv; charset=utf-8")
    return _download(exports.to_xlsx(table, _("Payments")), name, XLSX)
