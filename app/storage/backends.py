"""Where the bytes of stored files live: one small interface, chosen by ``STORAGE_BACKEND``.

Modelled on Indico's storage backends: the database keeps a file's description and an opaque
key; the backend turns the key into bytes. ``LocalStorage`` keeps them in a folder
(``UPLOAD_FOLDER``, by default ``instance/uploads``) that several app servers can share on one
mounted volume.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import IO

from flask import Flask, current_app

# Bytes copied at a time: large enough to be quick, small enough for many uploads at once.
CHUNK_SIZE = 64 * 1024
# 128 random bits in hex: unguessable, and safe as a file name on every file system.
KEY_PATTERN = re.compile(r"[0-9a-f]{32}")


class Storage(ABC):
    """A place for file contents, addressed by keys the storage itself chooses."""

    @abstractmethod
    def save(self, fileobj: IO[bytes]) -> str:
        """Store the rest of ``fileobj`` under a new random key and return the key. The file
        appears whole or not at all."""

    @abstractmethod
    def open(self, key: str) -> IO[bytes]:
        """The stored bytes for reading; ``FileNotFoundError`` when there are none."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the stored bytes; a key with nothing stored is not an error."""

    @abstractmethod
    def size(self, key: str) -> int:
        """The number of stored bytes; ``FileNotFoundError`` when there are none."""


class LocalStorage(Storage):
    """Files in a folder, under random names sharded in two levels of sub-folders
    (``ab/cd/abcd…``), so that no folder grows to hundreds of thousands of entries."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        # Keys are checked, never trusted: whatever reaches here cannot name another path.
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key[:2] / key[2:4] / key

    def save(self, fileobj: IO[bytes]) -> str:
        # A clash of 128 random bits is not worth a check that would race anyway.
        key = secrets.token_hex(16)
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written under a temporary name in the same folder, then renamed: a reader (another
        # server on the shared volume) sees the whole file or none, never half of it.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(fileobj, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
        return key

    def open(self, key: str) -> IO[bytes]:
        return self.path(key).open("rb")

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size


# STORAGE_BACKEND names one of these; each builds its backend from the app's configuration.
BACKENDS: dict[str, Callable[[Flask], Storage]] = {
    "local": lambda app: LocalStorage(app.config["UPLOAD_FOLDER"]),
}


def get_storage() -> Storage:
    """The current app's storage backend."""
    name = current_app.config["STORAGE_BACKEND"]
    try:
        factory = BACKENDS[name]
    except KeyError:
        raise RuntimeError(
            f"STORAGE_BACKEND is {name!r}; known backends: {', '.join(sorted(BACKENDS))}"
        ) from None
    return factory(current_app)
