"""``flask create-admin EMAIL``."""

from __future__ import annotations

import click

from app.accounts.services import create_or_promote_admin, find_user_by_email
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
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user, created = create_or_promote_admin(email, name=name, password=password)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="EMAIL") from exc
    db.session.commit()
    click.echo(f"{'Created' if created else 'Promoted'} administrator {user.email}.")
