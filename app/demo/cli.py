"""``flask seed-demo``: load the demo data (safe to run twice)."""

from __future__ import annotations

import click
from flask import current_app

from app.core.timeutil import local_date
from app.db import now_utc
from app.demo.services import seed_demo
from app.extensions import db


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo modules, venue, courses and accounts; existing ones are kept."""
    if current_app.config["PRODUCTION"]:
        # Its accounts have published passwords (printed below): never on a real site.
        raise click.ClickException(
            "seed-demo refuses to run in production: the demo accounts' passwords are public. "
            "Load the demo data on a development or staging copy only."
        )
    report = seed_demo(local_date(now_utc(), "Europe/Rome"))
    db.session.commit()
    if report.created:
        click.echo("Created: " + ", ".join(report.created) + ".")
    else:
        click.echo("The demo data was already there; nothing changed.")
    click.echo(f"Upcoming edition open for registration: /courses/{report.upcoming_slug}")
    click.echo("Demo accounts (for trying Atelier out only; change or remove them in production):")
    for email, role, password in report.accounts:
        click.echo(f"  {role:<12} {email:<26} password: {password}")
