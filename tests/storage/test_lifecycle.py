"""Rows and bytes in step, on the real database: nothing orphaned, nothing deleted too soon."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.storage import services
from app.storage.backends import LocalStorage
from app.storage.models import StoredFile
from app.storage.services import store_upload
from tests.factories import make_user
from tests.storage import samples
from tests.storage.conftest import files_in, upload


def stored(name: str = "cv.pdf", data: bytes | None = None) -> StoredFile:
    return store_upload(upload(data or samples.pdf(name), name), actor=None)


def blob(uploads: Path, row: StoredFile) -> Path:
    return LocalStorage(uploads).path(row.storage_key)


def keys() -> set[str]:
    return set(db.session.scalars(sa.select(StoredFile.storage_key)))


# --- saved, then committed or not ------------------------------------------------------------


def test_a_committed_file_keeps_its_bytes(uploads):
    row = stored()
    db.session.commit()
    assert files_in(uploads) == [blob(uploads, row)]
    assert keys() == {row.storage_key}


def test_a_rolled_back_file_loses_its_bytes(uploads):
    stored("a.pdf")
    stored("b.pdf")
    assert len(files_in(uploads)) == 2
    db.session.rollback()
    assert files_in(uploads) == []
    assert keys() == set()


def test_a_session_closed_without_commit_loses_its_bytes(uploads):
    stored()
    db.session.remove()
    assert files_in(uploads) == []
    assert keys() == set()


def test_a_failure_later_in_the_transaction_loses_the_bytes(uploads):
    user = make_user()
    db.session.commit()
    stored()
    db.session.add(User(email=user.email, name="Same address", password_hash="x"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert files_in(uploads) == []
    assert keys() == set()


def test_a_commit_forgets_the_files_it_kept(uploads):
    kept = stored("kept.pdf")
    db.session.commit()
    stored("dropped.pdf")
    db.session.rollback()
    assert files_in(uploads) == [blob(uploads, kept)]
    assert keys() == {kept.storage_key}


def test_an_upload_before_the_transaction_began_is_rolled_back_too(uploads):
    db.session.commit()  # no transaction open: the upload starts one
    assert db.session().get_transaction() is None
    stored()
    db.session.rollback()
    assert files_in(uploads) == []


# --- savepoints ------------------------------------------------------------------------------


def test_a_rolled_back_savepoint_loses_only_its_own_bytes(uploads):
    outside = stored("outside.pdf")
    savepoint = db.session.begin_nested()
    stored("inside.pdf")
    savepoint.rollback()
    assert files_in(uploads) == [blob(uploads, outside)]
    db.session.commit()
    assert files_in(uploads) == [blob(uploads, outside)]
    assert keys() == {outside.storage_key}


def test_a_savepoint_inside_a_savepoint(uploads):
    first = db.session.begin_nested()
    kept = stored("kept.pdf")
    second = db.session.begin_nested()
    stored("dropped.pdf")
    second.rollback()
    first.commit()
    db.session.commit()
    assert files_in(uploads) == [blob(uploads, kept)]


def test_a_rolled_back_savepoint_takes_the_savepoints_inside_it(uploads):
    outer = db.session.begin_nested()
    stored("outer.pdf")
    inner = db.session.begin_nested()
    stored("inner.pdf")
    inner.commit()
    outer.rollback()
    assert files_in(uploads) == []
    db.session.commit()
    assert keys() == set()


def test_a_deletion_outside_a_rolled_back_savepoint_still_happens(uploads):
    row = stored()
    db.session.commit()
    db.session.delete(row)
    db.session.flush()
    savepoint = db.session.begin_nested()
    stored("dropped.pdf")
    savepoint.rollback()
    db.session.commit()
    assert files_in(uploads) == []
    assert keys() == set()


def test_a_committed_savepoint_still_rolls_back_with_its_transaction(uploads):
    savepoint = db.session.begin_nested()
    stored()
    savepoint.commit()
    assert len(files_in(uploads)) == 1
    db.session.rollback()
    assert files_in(uploads) == []


def test_a_committed_savepoint_is_kept_when_its_transaction_commits(uploads):
    savepoint = db.session.begin_nested()
    row = stored()
    savepoint.commit()
    db.session.commit()
    assert files_in(uploads) == [blob(uploads, row)]


def test_a_row_deleted_in_a_rolled_back_savepoint_keeps_its_bytes(uploads):
    row = stored()
    db.session.commit()
    savepoint = db.session.begin_nested()
    db.session.delete(row)
    db.session.flush()
    savepoint.rollback()
    db.session.commit()
    assert files_in(uploads) == [blob(uploads, row)]
    assert keys() == {row.storage_key}


def test_a_row_deleted_in_a_committed_savepoint_loses_its_bytes_at_the_commit(uploads):
    row = stored()
    db.session.commit()
    path = blob(uploads, row)
    savepoint = db.session.begin_nested()
    db.session.delete(row)
    savepoint.commit()
    assert path.exists()
    db.session.commit()
    assert not path.exists()


# --- deleted ---------------------------------------------------------------------------------


def test_a_deleted_row_loses_its_bytes_only_once_committed(uploads):
    row = stored()
    other = stored("other.pdf")
    db.session.commit()
    path = blob(uploads, row)
    db.session.delete(row)
    db.session.flush()
    assert path.exists()
    db.session.commit()
    assert not path.exists()
    assert files_in(uploads) == [blob(uploads, other)]
    assert keys() == {other.storage_key}


def test_a_deletion_rolled_back_keeps_the_bytes(uploads):
    row = stored()
    db.session.commit()
    db.session.delete(row)
    db.session.flush()
    db.session.rollback()
    assert files_in(uploads) == [blob(uploads, row)]
    assert keys() == {row.storage_key}
    # The rolled-back deletion is forgotten: a later commit leaves the file alone.
    db.session.add(make_user())
    db.session.commit()
    assert files_in(uploads) == [blob(uploads, row)]


def test_a_deletion_in_a_session_closed_without_commit_keeps_the_bytes(uploads):
    row = stored()
    db.session.commit()
    path = blob(uploads, row)
    db.session.delete(row)
    db.session.flush()
    db.session.remove()
    assert path.exists()
    db.session.add(make_user())
    db.session.commit()
    assert path.exists()


def test_a_file_saved_and_deleted_in_one_transaction_leaves_nothing(uploads):
    row = stored()
    db.session.flush()
    db.session.delete(row)
    db.session.commit()
    assert files_in(uploads) == []
    assert keys() == set()


def test_replacing_a_file_removes_the_old_bytes_after_the_commit(uploads):
    old = stored("old.pdf")
    db.session.commit()
    old_path = blob(uploads, old)
    new = stored("new.pdf")
    db.session.delete(old)
    db.session.flush()
    assert old_path.exists()
    db.session.commit()
    assert files_in(uploads) == [blob(uploads, new)]
    assert keys() == {new.storage_key}


def test_a_replacement_rolled_back_keeps_the_old_file_only(uploads):
    old = stored("old.pdf")
    db.session.commit()
    stored("new.pdf")
    db.session.delete(old)
    db.session.flush()
    db.session.rollback()
    assert files_in(uploads) == [blob(uploads, old)]
    assert keys() == {old.storage_key}


def test_bytes_that_cannot_be_deleted_are_logged_and_the_commit_stands(
    uploads, monkeypatch, caplog
):
    row = stored()
    db.session.commit()
    key = row.storage_key

    def refuse(self, key):  # type: ignore[no-untyped-def]
        raise PermissionError("read-only volume")

    monkeypatch.setattr(LocalStorage, "delete", refuse)
    db.session.delete(row)
    with caplog.at_level(logging.ERROR, logger="app.storage.services"):
        db.session.commit()
    assert keys() == set()
    assert [r.getMessage() for r in caplog.records] == [f"could not delete stored file {key}"]


def test_a_deletion_outside_any_session_is_ignored():
    # The event is for rows the session deletes; a row never added has none.
    services._row_deleted(None, None, StoredFile(storage_key="0" * 32))


def test_the_uploader_may_go_and_the_file_stays(uploads):
    user = make_user()
    row = store_upload(upload(samples.pdf()), actor=user)
    db.session.commit()
    db.session.execute(sa.delete(User).where(User.id == user.id))
    db.session.commit()
    db.session.expire_all()
    assert row.uploaded_by_id is None
    assert files_in(uploads) == [blob(uploads, row)]


# --- owned by another row --------------------------------------------------------------------


class OwnerBase(DeclarativeBase):
    pass


class Holder(OwnerBase):
    """Stands for what will own files (an answer): its file goes with it, or when replaced."""

    __tablename__ = "test_storage_holder"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int | None] = mapped_column(sa.ForeignKey(StoredFile.__table__.c.id))
    file: Mapped[StoredFile | None] = relationship(
        StoredFile, cascade="all, delete-orphan", single_parent=True
    )


@pytest.fixture
def holders(db) -> Iterator[None]:  # type: ignore[no-untyped-def]
    OwnerBase.metadata.create_all(db.engine)
    yield
    db.session.remove()
    OwnerBase.metadata.drop_all(db.engine)


def test_a_file_goes_with_its_owner(uploads, holders):
    holder = Holder(file=stored())
    kept = Holder(file=stored("kept.pdf"))
    db.session.add_all([holder, kept])
    db.session.commit()
    path = blob(uploads, holder.file)
    db.session.delete(holder)
    db.session.flush()
    assert path.exists()
    db.session.commit()
    assert files_in(uploads) == [blob(uploads, kept.file)]
    assert keys() == {kept.file.storage_key}


def test_a_file_replaced_on_its_owner_loses_the_old_bytes(uploads, holders):
    holder = Holder(file=stored("old.pdf"))
    db.session.add(holder)
    db.session.commit()
    old_path = blob(uploads, holder.file)
    holder.file = stored("new.pdf")
    db.session.commit()
    assert files_in(uploads) == [blob(uploads, holder.file)]
    assert not old_path.exists()
