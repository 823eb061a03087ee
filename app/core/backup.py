"""``flask backup``: a consistent copy of the database, taken while the app keeps running.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies every page in one step
under a single read transaction, so the copy is the database as it stood at one instant,
whatever other workers write meanwhile (their commits wait a moment, within SQLite's busy
timeout). The copy is written under a temporary name, checked with ``PRAGMA integrity_check``,
and only then given its final name.

PostgreSQL: ``pg_dump`` does this job (it reads one snapshot too); the command prints the line to
run, with the password left to ``PGPASSWORD`` or ``~/.pgpass``, and exits with an error so that
a cron job set up for SQLite does not silently stop backing up after a move to PostgreSQL.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _

from app.db import now_utc
from app.extensions import db

# How long the copy waits for a writer that is committing before giving up, in seconds.
BUSY_TIMEOUT = 30.0


class BackupError(Exception):
    """The backup could not be made; the message says why."""


def default_backup_path(suffix: str = ".db") -> Path:
    """``instance/backups/atelier-<UTC timestamp><suffix>``."""
    stamp = now_utc().strftime("%Y%m%dT%H%M%SZ")
    return Path(current_app.instance_path) / "backups" / f"atelier-{stamp}{suffix}"


def backup_sqlite(source: Path, output: Path) -> int:
    """Copy the SQLite database at ``source`` to ``output`` (which must not exist yet) and
    check the copy. Returns the copy's size in bytes."""
    if not source.is_file():
        raise BackupError(_("There is no database file at %(path)s.", path=source))
    if output.exists():
        raise BackupError(_("%(path)s already exists; choose another --output.", path=output))
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(source, timeout=BUSY_TIMEOUT)
        try:
            dest = sqlite3.connect(partial)
            try:
                src.backup(dest)  # all pages in one step: one consistent snapshot
                problems = [row[0] for row in dest.execute("PRAGMA integrity_check")]
            finally:
                dest.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(_("The copy failed: %(error)s", error=exc)) from exc
    if problems != ["ok"]:
        partial.unlink(missing_ok=True)
        raise BackupError(
            _("The copy failed its integrity check: %(problems)s", problems="; ".join(problems))
        )
    os.replace(partial, output)
    return output.stat().st_size


def pg_dump_instructions(url: sa.URL, output: Path) -> str:
    """The pg_dump (and pg_restore) lines for this database; the password is never shown."""
    target = sa.URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    ).render_as_string()
    dump = shlex.join(["pg_dump", "--format=custom", f"--file={output}", target])
    restore = shlex.join(["pg_restore", "--clean", "--if-exists", "--no-owner", "-d", target])
    return _(
        "The database is PostgreSQL: back it up with pg_dump, which copies one consistent "
        "snapshot while the app runs. Run:\n\n    %(dump)s\n\n"
        "The password comes from PGPASSWORD or ~/.pgpass. To restore the dump (it replaces "
        "the tables the database holds):\n\n    %(restore)s %(file)s\n",
        dump=dump,
        restore=restore,
        file=shlex.quote(str(output)),
    )


@click.command("backup")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the copy (default: instance/backups/atelier-<UTC time>.db).",
)
def backup_command(output: Path | None) -> None:
    """Copy the database consistently while the app runs (SQLite); for PostgreSQL, print the
    pg_dump command to use."""
    url = db.engine.url
    backend = url.get_backend_name()
    if backend == "postgresql":
        if output is None:
            output = default_backup_path(".dump")
            output.parent.mkdir(parents=True, exist_ok=True)  # ready for pg_dump to write in
        click.echo(pg_dump_instructions(url, output), err=True)
        raise click.exceptions.Exit(1)
    if backend != "sqlite":
        raise click.ClickException(
            _("flask backup knows SQLite and PostgreSQL, not %(backend)s.", backend=backend)
        )
    if not url.database or url.database == ":memory:":
        raise click.ClickException(_("An in-memory database cannot be backed up."))
    output = output or default_backup_path()
    try:
        size = backup_sqlite(Path(url.database), output)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        _(
            "Backed up the database to %(path)s (%(size)s bytes); integrity check: ok.",
            path=output,
            size=format_decimal(size),
        )
    )
