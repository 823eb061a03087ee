"""``flask create-admin EMAIL``."""

from __future__ import annotations

import click
from flask_babel import gettext as _

from app.accounts.services import (
    MIN_PASSWORD_LENGTH,
    WeakPassword,
    create_or_promote_admin,
    find_user_by_email,
)
from app.extensions import db


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="Name for a new account (default: the part before @).")
@click.option(
    "--password", default=None, help="Password for a new account (asked for if not given)."
)
def create_admin_command(email: str, name: str, password: str | None) -> None:
    """Create an administrator, or promote the existing account with this email."""
    if password is None and find_user_by_email(email) is None:
        password = click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(
            _("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            param_hint="--password",
        )
    try:
        user, created = create_or_promote_admin(email, name=name, password=password)
    except WeakPassword as exc:
        raise click.BadParameter(exc.message, param_hint="--password") from exc
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="EMAIL") from exc
    db.session.commit()
    if created:
        click.echo(_("Created administrator %(email)s.", email=user.email))
    else:
        click.echo(_("Promoted administrator %(email)s.", email=user.email))
