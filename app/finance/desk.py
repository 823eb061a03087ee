"""The money part of a participant's desk page: what they owe, their fellowship request and
award, and (for the course's organisers) the form to award, change or withdraw it."""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import current_user

from app.courses.models import Course
from app.courses.permissions import can_manage_course
from app.finance import fees as fee_rules
from app.finance import fellowships, services
from app.finance.forms import AwardForm
from app.finance.models import CourseFees, Fellowship, FinanceRequest
from app.registration.models import Registration


@dataclass
class FinancePanel:
    fees: CourseFees
    owed: services.Balance
    request: FinanceRequest | None
    fellowship: Fellowship | None
    award_form: AwardForm | None  # for the course's organisers, when funds exist


def finance_panel(course: Course, registration: Registration) -> FinancePanel | None:
    fees = fee_rules.fees_of(course)
    if fees is None:
        return None
    from app.finance.fellowship_routes import award_form_for

    funds = fellowships.funds(course)
    form = None
    if funds and can_manage_course(current_user, course):
        form = award_form_for(course, registration, funds, bound=False)
    return FinancePanel(
        fees=fees,
        owed=services.balance(registration),
        request=services.request_of(registration),
        fellowship=fellowships.fellowship_of(registration),
        award_form=form,
    )
