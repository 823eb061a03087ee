"""``flask mail``: deliver the outbox (meant for cron, safe to run concurrently), list the
messages given up, and put them back in the queue."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.extensions import db
from app.mail.services import deliver_outbox, failed_messages, retry_messages

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
    if report.given_up:
        click.echo(
            _(
                "Given up %(count)d (refused for good, or not delivered for three days): "
                "see flask mail failed.",
                count=report.given_up,
            )
        )


@mail_cli.command("failed")
@click.option("--limit", default=100, show_default=True, help="Most messages to list.")
def failed_command(limit: int) -> None:
    """List the messages given up, newest first, with the server's last answer."""
    rows = failed_messages(limit)
    if not rows:
        click.echo(_("No message was given up."))
        return
    for row in rows:
        click.echo(f"{row.id}\t{row.created_at:%Y-%m-%d %H:%M}\t{row.recipient}\t{row.subject}")
        click.echo(f"\t{row.last_error}")


@mail_cli.command("retry")
@click.argument("ids", nargs=-1, type=int, required=True)
def retry_command(ids: tuple[int, ...]) -> None:
    """Put messages given up back in the queue (once their cause is mended)."""
    count = retry_messages(ids)
    db.session.commit()
    click.echo(_("%(count)d messages are back in the queue.", count=count))
