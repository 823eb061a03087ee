"""How a request's transaction ends (app.db.end_request_transaction): committed when it only
read, so that psycopg keeps its prepared statements (a rollback makes it forget them all);
rolled back, as before, whenever it may have written anything or the request failed."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.accounts.models import User
from app.courses.models import Course
from app.db import end_request_transaction
from app.extensions import db
from app.storage import services as storage
from app.storage.backends import get_storage
from tests.factories import make_course, make_user
from tests.storage.conftest import files_in


class Endings:
    """COMMITs and ROLLBACKs that reach the database through a connection while the block
    runs (a connection closed in a transaction is rolled back by the pool: not counted)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def _commit(self, _conn) -> None:
        self.seen.append("commit")

    def _rollback(self, _conn) -> None:
        self.seen.append("rollback")

    def __enter__(self) -> Endings:
        sa.event.listen(Engine, "commit", self._commit)
        sa.event.listen(Engine, "rollback", self._rollback)
        return self

    def __exit__(self, *_exc) -> None:
        sa.event.remove(Engine, "commit", self._commit)
        sa.event.remove(Engine, "rollback", self._rollback)


@pytest.fixture
def uploads(app, tmp_path) -> Iterator[Path]:
    folder = tmp_path / "uploads"
    previous = app.config["UPLOAD_FOLDER"]
    app.config["UPLOAD_FOLDER"] = str(folder)
    yield folder
    app.config["UPLOAD_FOLDER"] = previous


@pytest.fixture
def world() -> Iterator[tuple[Course, User]]:
    course = make_course(title="Governing migration at the local level", start=date(2027, 11, 20))
    make_course(title="Mainstreaming migration into development planning")  # the busy other one
    person = make_user(name="Amina Diallo")
    db.session.commit()
    yield course, person


def name_in_database(person_id: int) -> str:
    with db.engine.connect() as conn:
        return conn.scalar(sa.select(User.name).where(User.id == person_id))


def test_a_transaction_that_only_read_is_committed(world):
    course, _person = world
    db.session.scalar(sa.select(Course.slug).where(Course.id == course.id))
    with Endings() as endings:
        end_request_transaction(db.session())
    assert endings.seen == ["commit"]


def test_a_flushed_change_is_rolled_back(world):
    _course, person = world
    person_id = person.id
    person.name = "Amina Diallo-Sow"
    db.session.flush()
    with Endings() as endings:
        end_request_transaction(db.session())
    assert "commit" not in endings.seen
    assert name_in_database(person_id) == "Amina Diallo"


def test_an_update_statement_is_rolled_back(world):
    _course, person = world
    person_id = person.id
    db.session.execute(sa.update(User).where(User.id == person_id).values(name="Aminata Diallo"))
    with Endings() as endings:
        end_request_transaction(db.session())
    assert "commit" not in endings.seen
    assert name_in_database(person_id) == "Amina Diallo"


def test_bytes_saved_without_a_row_are_rolled_back_and_deleted(world, uploads):
    course, _person = world
    db.session.get(Course, course.id)  # the request read first: its transaction is open
    key = get_storage().save(io.BytesIO(b"%PDF-1.4 not kept"))
    storage.track_saved(db.session(), get_storage(), key)
    assert len(files_in(uploads)) == 1
    with Endings() as endings:
        end_request_transaction(db.session())
    assert "commit" not in endings.seen
    assert files_in(uploads) == []


def test_a_failed_request_is_rolled_back_even_if_it_only_read(world):
    course, _person = world
    db.session.get(Course, course.id)
    with Endings() as endings:
        end_request_transaction(db.session(), failed=True)
    assert "commit" not in endings.seen


def test_after_a_commit_the_next_transaction_starts_clean(world):
    _course, person = world
    person_id = person.id
    person.name = "Amina Diallo-Sow"
    db.session.commit()  # a write, committed by the view
    db.session.get(User, person_id)  # then only reads
    with Endings() as endings:
        end_request_transaction(db.session())
    assert endings.seen == ["commit"]
    assert name_in_database(person_id) == "Amina Diallo-Sow"
