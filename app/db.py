"""Database base class, column types and time helpers shared by every area."""

from __future__ import annotations

import enum
import sqlite3
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session

# Every constraint gets a predictable name, so migrations can drop or alter it on any backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


@sa.event.listens_for(sa.Engine, "connect")
def _enforce_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores foreign keys (and so ON DELETE rules) unless asked on every connection.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


# How long a new connection waits, step by step, for a database server that is restarting or
# failing over before the error reaches the request (which then answers 503): about two seconds.
CONNECT_RETRY_DELAYS = (0.1, 0.25, 0.5, 1.0)


def retry_connect(engine: sa.Engine, delays: Sequence[float] = CONNECT_RETRY_DELAYS) -> None:
    """Retry opening a connection to a server that refuses it for a moment.

    Safe because nothing has been sent yet: no statement can run twice. A connection that dies
    inside a transaction is not retried (the request fails and is rolled back); dead pooled
    connections are replaced on checkout thanks to ``pool_pre_ping``, through this same path.
    SQLite opens a file and is left alone.
    """
    if engine.dialect.name == "sqlite":
        return

    @sa.event.listens_for(engine, "do_connect")
    def _connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        for delay in delays:
            try:
                return dialect.connect(*cargs, **cparams)
            except dialect.loaded_dbapi.OperationalError:
                time.sleep(delay)
        # The last attempt is the engine's own: its error goes to the caller.
        return None


# --- Ending a request's transaction ---------------------------------------------------------
# A request's transaction that only read is committed rather than rolled back: the same for
# the data, but psycopg forgets every prepared statement at a rollback, so PostgreSQL would plan
# each query of every page afresh (a fifth of the course page's time). Anything that may have
# written (a flush, an INSERT/UPDATE/DELETE statement, bytes saved to storage) is rolled back
# as before.
WROTE = "atelier_wrote"


def mark_written(session: Session) -> None:
    """Note that ``session``'s transaction changed something (rolled back unless committed)."""
    session.info[WROTE] = True


@sa.event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    mark_written(session)


@sa.event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        mark_written(state.session)


@sa.event.listens_for(Session, "after_commit")
@sa.event.listens_for(Session, "after_rollback")
def _ended(session: Session) -> None:
    session.info.pop(WROTE, None)


def end_request_transaction(session: Session, *, failed: bool = False) -> None:
    """End the request's transaction, committed if it only read and the request did not
    fail, and close ``session``."""
    try:
        if not failed and session.in_transaction() and not session.info.get(WROTE):
            session.commit()
    finally:
        session.close()


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def now_utc() -> datetime:
    """The current time as an aware UTC datetime (never ``datetime.utcnow()``)."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always hands back aware UTC datetimes.

    SQLite keeps no offset, so a naive value read back is UTC by construction. Naive values
    are refused on the way in: they are always a bug (which zone was meant?).
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored; attach a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(cls: type[enum.Enum], length: int = 20) -> sa.Enum:
    """An enum column stored as its plain string values: a new value needs no ALTER TYPE."""
    return sa.Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )
