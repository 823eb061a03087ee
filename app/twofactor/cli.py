"""``flask two-factor-off EMAIL``: for someone who lost their phone and their recovery codes.
``flask two-factor-reseal``: every authenticator secret sealed under the current key."""

from __future__ import annotations

import click
from flask_babel import gettext as _

from app.accounts.services import find_user_by_email
from app.extensions import db
from app.twofactor.services import reseal_all, turn_off_for_lost_device


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


@click.command("two-factor-reseal")
def two_factor_reseal_command() -> None:
    """Seal every authenticator secret under the current SECRET_KEY: after rotating it (with
    the old key in SECRET_KEY_FALLBACKS), before removing the old key."""
    done = reseal_all()
    db.session.commit()
    click.echo(
        _(
            "Sealed again under the current key: %(resealed)d. Already under it: %(current)d.",
            resealed=done.resealed,
            current=done.current,
        )
    )
    if done.unreadable:
        click.echo(
            _(
                "No configured key opens the secret of: %(emails)s. Put the SECRET_KEY they "
                "were sealed under in SECRET_KEY_FALLBACKS, or turn their two-factor log-in "
                "off with `flask two-factor-off EMAIL` once you have checked who asks.",
                emails=", ".join(user.email for user in done.unreadable),
            ),
            err=True,
        )
        raise SystemExit(1)
