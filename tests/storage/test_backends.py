"""The local storage backend and the configuration that chooses it."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from app import create_app
from app.storage import backends
from app.storage.backends import LocalStorage, Storage, get_storage
from tests.storage.conftest import files_in


def test_a_saved_file_is_read_back_whole(tmp_path):
    storage = LocalStorage(tmp_path)
    data = os.urandom(3 * backends.CHUNK_SIZE + 17)
    key = storage.save(io.BytesIO(data))
    with storage.open(key) as fh:
        assert fh.read() == data
    assert storage.size(key) == len(data)


def test_files_go_under_random_names_in_two_levels_of_folders(tmp_path):
    storage = LocalStorage(tmp_path)
    keys = {storage.save(io.BytesIO(b"same bytes")) for _ in range(20)}
    assert len(keys) == 20
    for key in keys:
        assert re.fullmatch(r"[0-9a-f]{32}", key)
        assert storage.path(key) == tmp_path / key[:2] / key[2:4] / key
        assert storage.path(key).read_bytes() == b"same bytes"
    assert len(files_in(tmp_path)) == 20


def test_the_rest_of_the_stream_is_saved(tmp_path):
    storage = LocalStorage(tmp_path)
    stream = io.BytesIO(b"skipped|kept")
    stream.read(8)
    key = storage.save(stream)
    assert storage.path(key).read_bytes() == b"kept"


def test_files_can_share_a_folder(tmp_path, monkeypatch):
    keys = iter(["abcd" + "1" * 28, "abcd" + "2" * 28])
    monkeypatch.setattr(backends.secrets, "token_hex", lambda n: next(keys))
    storage = LocalStorage(tmp_path)
    first, second = storage.save(io.BytesIO(b"1")), storage.save(io.BytesIO(b"2"))
    assert storage.path(first).parent == storage.path(second).parent == tmp_path / "ab" / "cd"
    assert storage.path(second).read_bytes() == b"2"


def test_the_folder_is_created_when_missing(tmp_path):
    storage = LocalStorage(tmp_path / "not" / "yet")
    key = storage.save(io.BytesIO(b"x"))
    assert (tmp_path / "not" / "yet" / key[:2] / key[2:4] / key).exists()


class Broken(io.BytesIO):
    """A stream that fails half-way, as a dropped connection or a full disk would."""

    def read(self, size: int | None = -1) -> bytes:
        if self.tell() > 0:
            raise OSError("connection lost")
        return super().read(10)


def test_a_file_that_fails_half_way_leaves_nothing(tmp_path):
    storage = LocalStorage(tmp_path)
    with pytest.raises(OSError, match="connection lost"):
        storage.save(Broken(b"0123456789" * 10))
    assert files_in(tmp_path) == []


def test_a_file_appears_only_once_whole(tmp_path, monkeypatch):
    """Until the rename, the bytes are under a temporary name in the same folder."""
    storage = LocalStorage(tmp_path)
    seen: list[tuple[Path, Path, bytes]] = []
    real_replace = os.replace

    def replace(source, destination):  # type: ignore[no-untyped-def]
        seen.append((Path(source), Path(destination), Path(source).read_bytes()))
        assert not Path(destination).exists()
        return real_replace(source, destination)

    monkeypatch.setattr(backends.os, "replace", replace)
    key = storage.save(io.BytesIO(b"whole"))
    [(source, destination, data)] = seen
    assert destination == storage.path(key)
    assert source.parent == destination.parent
    assert source.name.startswith(".part-")
    assert data == b"whole"
    assert files_in(tmp_path) == [destination]


def test_the_bytes_reach_the_disk_before_the_rename(tmp_path, monkeypatch):
    synced: list[int] = []
    monkeypatch.setattr(backends.os, "fsync", synced.append)
    LocalStorage(tmp_path).save(io.BytesIO(b"x"))
    assert len(synced) == 1


def test_delete_removes_the_file_and_ignores_a_missing_one(tmp_path):
    storage = LocalStorage(tmp_path)
    key = storage.save(io.BytesIO(b"x"))
    other = storage.save(io.BytesIO(b"y"))
    storage.delete(key)
    assert not storage.path(key).exists()
    assert storage.path(other).exists()
    storage.delete(key)


def test_missing_bytes_are_not_found(tmp_path):
    storage = LocalStorage(tmp_path)
    with pytest.raises(FileNotFoundError):
        storage.open("0" * 32)
    with pytest.raises(FileNotFoundError):
        storage.size("0" * 32)


@pytest.mark.parametrize(
    "key",
    ["../../etc/passwd", "0" * 31, "0" * 33, "A" * 32, "/" + "0" * 31, "", None, "0" * 31 + "\n"],
)
def test_a_key_that_is_not_one_of_ours_names_no_path(tmp_path, key):
    storage = LocalStorage(tmp_path)
    for use in (storage.path, storage.open, storage.delete, storage.size):
        with pytest.raises(ValueError, match="not a storage key"):
            use(key)


def test_the_app_stores_in_its_upload_folder(app, uploads):
    storage = get_storage()
    assert isinstance(storage, LocalStorage)
    assert storage.root == uploads


def test_an_unknown_backend_is_a_clear_error(app, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_BACKEND", "s3")
    with pytest.raises(RuntimeError) as error:
        get_storage()
    assert str(error.value) == "STORAGE_BACKEND is 's3'; known backends: local"
    monkeypatch.setitem(backends.BACKENDS, "memory", lambda app: None)
    with pytest.raises(RuntimeError) as error:
        get_storage()
    assert str(error.value) == "STORAGE_BACKEND is 's3'; known backends: local, memory"


def test_a_backend_is_chosen_by_name(app, monkeypatch):
    class Memory(Storage):
        def save(self, fileobj):  # type: ignore[no-untyped-def]
            return "k"

        def open(self, key):  # type: ignore[no-untyped-def]
            return io.BytesIO()

        def delete(self, key):  # type: ignore[no-untyped-def]
            pass

        def size(self, key):  # type: ignore[no-untyped-def]
            return 0

    memory = Memory()
    monkeypatch.setitem(backends.BACKENDS, "memory", lambda app: memory)
    monkeypatch.setitem(app.config, "STORAGE_BACKEND", "memory")
    assert get_storage() is memory


def test_the_default_folder_is_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("UPLOAD_FOLDER", raising=False)
    monkeypatch.delenv("MAX_CONTENT_LENGTH", raising=False)
    monkeypatch.delenv("MAX_UPLOAD_LENGTH", raising=False)
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["UPLOAD_FOLDER"] == str(Path(app.instance_path) / "uploads")
    assert app.config["STORAGE_BACKEND"] == "local"
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    assert app.config["MAX_UPLOAD_LENGTH"] == 60 * 1024 * 1024


def test_the_folder_and_the_request_limit_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("UPLOAD_FOLDER", str(tmp_path / "shared"))
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "1000")
    monkeypatch.setenv("MAX_UPLOAD_LENGTH", "2000")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["UPLOAD_FOLDER"] == str(tmp_path / "shared")
    assert app.config["MAX_CONTENT_LENGTH"] == 1000
    assert app.config["MAX_UPLOAD_LENGTH"] == 2000
