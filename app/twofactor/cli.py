"""``flask two-factor-off EMAIL``: for someone who lost their phone and their recovery codes."""

from __future__ import annotations

import click
from flask_babel import gettext as _

from app.accounts.services import find_user_by_email
from app.extensions import db
from app.twofactor.services import turn_off_for_lost_device


@click.command("two-factor-off")
@click.argument("email")
def two_factor_off_command(email: str) -> None:
    """Turn off two-factor log-in for the account with this email (check who asks first)."""
    user = find_user_by_email(email)
    if user is None:
        raise click.BadParameter(_("No account uses %(email)s.", email=email), param_hint="EMAIL")
    if not turn_off_for_lost_device(user):
        click.echo(_("Two-factor log-in was not on for %(email)s.", email=user.email))
        return
    db.session.commit()
    click.echo(
        _(
            "Two-factor log-in is off for %(email)s: the password alone opens the account until "
            "its owner sets it up again.",
            email=user.email,
        )
    )
