"""``flask backup``: a consistent SQLite copy while the app runs; pg_dump's line for PostgreSQL."""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path

import flask
import pytest

from app import create_app
from app.extensions import db
from tests.factories import make_user


@pytest.fixture
def sqlite_path(app) -> Path:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the SQLite copy; PostgreSQL is backed up with pg_dump")
    return Path(db.engine.url.database)


def _backup(app, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["backup", *args])


def _emails(connection: sqlite3.Connection) -> list[str]:
    return [row[0] for row in connection.execute("SELECT email FROM user ORDER BY id")]


def test_backup_copies_every_row(app, sqlite_path, tmp_path):
    for _ in range(5):
        make_user()
    db.session.commit()
    copy = tmp_path / "copy.db"

    result = _backup(app, "--output", str(copy))

    assert result.exit_code == 0, result.output
    assert str(copy) in result.output
    assert f"{copy.stat().st_size:,} bytes" in result.output
    assert "integrity check: ok" in result.output
    with sqlite3.connect(copy) as copied, sqlite3.connect(sqlite_path) as source:
        assert copied.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert len(_emails(copied)) == 5
        assert _emails(copied) == _emails(source)
        tables = [
            row[0] for row in source.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        for table in tables:
            count = f'SELECT count(*) FROM "{table}"'
            assert copied.execute(count).fetchone() == source.execute(count).fetchone(), table
    copied.close()
    source.close()
    assert list(tmp_path.iterdir()) == [copy]  # no partial file left behind


def test_backup_goes_to_instance_backups_by_default(app, sqlite_path, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))

    result = _backup(app)

    assert result.exit_code == 0, result.output
    [copy] = (tmp_path / "backups").iterdir()
    assert re.fullmatch(r"atelier-\d{8}T\d{6}Z\.db", copy.name)
    assert str(copy) in result.output


def test_backup_never_overwrites_a_file(app, sqlite_path, tmp_path):
    existing = tmp_path / "keep.db"
    existing.write_bytes(b"an older backup")

    result = _backup(app, "--output", str(existing))

    assert result.exit_code != 0
    assert "already exists" in result.output
    assert existing.read_bytes() == b"an older backup"


def test_backup_is_consistent_while_another_worker_writes(app, sqlite_path, tmp_path):
    """A writer adds people two at a time, each pair in one transaction, all through the
    backups: every copy holds whole pairs only, and exactly the rows the database held."""
    base = [make_user().email for _ in range(3)]
    db.session.commit()
    stop = threading.Event()
    pairs: list[int] = []
    errors: list[str] = []

    def writer() -> None:
        with app.app_context():
            try:
                while not stop.is_set():
                    make_user()
                    make_user()
                    db.session.commit()
                    pairs.append(1)
            except Exception as exc:  # recorded and asserted on below
                errors.append(f"{type(exc).__name__}: {exc}")
            finally:
                db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    copies = []
    try:
        for n in range(5):
            written = len(pairs)
            while len(pairs) < written + 3 and thread.is_alive():
                stop.wait(0.005)  # let the writer commit a few pairs between two copies
            copy = tmp_path / f"copy-{n}.db"
            result = _backup(app, "--output", str(copy))
            assert result.exit_code == 0, result.output
            copies.append(copy)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert errors == []
    assert len(pairs) >= 15

    with sqlite3.connect(sqlite_path) as source:
        everyone = _emails(source)
    source.close()
    seen = []
    for copy in copies:
        with sqlite3.connect(copy) as copied:
            emails = _emails(copied)
        copied.close()
        assert emails[: len(base)] == base
        assert (len(emails) - len(base)) % 2 == 0, "a transaction was copied in half"
        assert emails == everyone[: len(emails)]
        seen.append(len(emails))
    # The copies are snapshots taken one after the other while the writer kept going.
    assert seen == sorted(seen) and seen[0] < seen[-1]


def test_postgres_is_backed_up_with_pg_dump(tmp_path, monkeypatch):
    """No dump is made: the command prints the pg_dump line (never the password) and fails,
    so a backup job does not quietly do nothing."""
    monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(tmp_path))
    pg_app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": "postgres://atelier:s3cret@db.example.org:5433/atelier",
        }
    )

    output = tmp_path / "atelier.dump"
    # Its own app context: a command uses the app of the context it runs in.
    with pg_app.app_context():
        result = pg_app.test_cli_runner().invoke(args=["backup", "--output", str(output)])
        db.engine.dispose()

    assert result.exit_code == 1
    assert (
        f"pg_dump --format=custom --file={output} postgresql://atelier@db.example.org:5433/atelier"
    ) in result.output
    assert "pg_restore" in result.output
    assert "s3cret" not in result.output
    assert not output.exists()
