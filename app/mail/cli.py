"""``flask mail send``: deliver the outbox (meant for cron, safe to run concurrently)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.mail.services import deliver_outbox

mail_cli = AppGroup("mail", help="Outgoing mail.")


@mail_cli.command("send")
@click.option("--limit", default=500, show_default=True, help="Most messages to send in this run.")
def send_command(limit: int) -> None:
    """Deliver the messages that are due; failures are retried on a later run."""
    report = deliver_outbox(limit=limit)
    click.echo(
        _(
            "Sent %(sent)d, failed %(failed)d (will be retried), still pending %(pending)d.",
            sent=report.sent,
            failed=report.failed,
            pending=report.pending,
        )
    )
