"""The letter's paragraph on who pays for what, in the letter's language (called inside
``force_locale``)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.registration.models import Funding, Registration


def payer(registration: Registration) -> str:
    """Who pays what the course does not cover, as the application says."""
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


def cost_paragraph(registration: Registration, centre: str) -> str:
    """Who pays for the course and the stay, from how the application says it is funded."""
    if registration.funding is None:
        return _(
            "%(centre)s covers none of the participant's costs unless it has confirmed so in "
            "writing.",
            centre=centre,
        )
    return _(
        "The course fees, travel, accommodation and living expenses during the stay are paid "
        "by %(payer)s.",
        payer=payer(registration),
    )
