"""The letter's paragraph on who pays for what, in the letter's language (called inside
``force_locale``): the course's fees from :func:`app.finance.services.balance` (tuition and
subsistence, what a fellowship covers and from which funder, what is left to pay), and who pays
the rest, travel and the visa as the application says (``registration.funding``)."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _

from app.finance.money import format_money
from app.finance.services import Balance, balance
from app.registration.models import Funding, Registration


def payer(registration: Registration) -> str:
    """Who pays what the centre does not cover, as the application says."""
    if registration.funding == Funding.EMPLOYER:
        if registration.organisation:
            return _(
                "the participant's employer, %(organisation)s",
                organisation=registration.organisation,
            )
        return _("the participant's employer")
    if registration.funding == Funding.SPONSORED:
        return _("the participant's sponsor")
    return _("the participant")


def _fees_sentence(costs: Balance, money) -> str:
    if costs.tuition and costs.subsistence:
        return _(
            "The course's tuition fee is %(tuition)s and its subsistence cost (accommodation and "
            "meals) %(subsistence)s, %(total)s in all.",
            tuition=money(costs.tuition),
            subsistence=money(costs.subsistence),
            total=money(costs.total),
        )
    if costs.tuition:
        return _("The course's tuition fee is %(tuition)s.", tuition=money(costs.tuition))
    return _(
        "The course's subsistence cost (accommodation and meals) is %(subsistence)s.",
        subsistence=money(costs.subsistence),
    )


def cost_paragraph(registration: Registration, centre: str) -> str:
    """Who pays for the course and the stay."""
    costs = balance(registration)
    who = payer(registration)
    if not costs.has_fees:
        fees = _("The course charges no tuition fee and no subsistence cost.")
        rest = _(
            "Travel, accommodation, living expenses and the visa fee are paid by %(payer)s.",
            payer=who,
        )
        return f"{fees} {rest}"
    locale = str(get_locale() or "en")

    def money(amount) -> str:
        return format_money(amount, costs.currency, locale)

    funder = costs.fellowship_funder or centre
    if costs.fellowship >= costs.total:
        covered = _(
            "A fellowship from %(funder)s covers all of it: the participant owes %(centre)s "
            "nothing for the course.",
            funder=funder,
            centre=centre,
        )
    elif costs.fellowship > 0:
        covered = _(
            "A fellowship from %(funder)s covers %(fellowship)s of it; the remaining %(due)s "
            "is paid by %(payer)s.",
            funder=funder,
            fellowship=money(costs.fellowship),
            due=money(costs.due),
            payer=who,
        )
    else:
        covered = _("It is paid by %(payer)s.", payer=who)
    travel = _("Travel to the venue and the visa fee are paid by %(payer)s.", payer=who)
    return f"{_fees_sentence(costs, money)} {covered} {travel}"
