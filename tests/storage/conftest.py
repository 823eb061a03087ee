"""Stored-file tests write into a folder of their own, and check it is left as it should be."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage


@pytest.fixture(autouse=True)
def uploads(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """The upload folder of this test."""
    folder = tmp_path / "uploads"
    previous = app.config["UPLOAD_FOLDER"]
    app.config["UPLOAD_FOLDER"] = str(folder)
    yield folder
    app.config["UPLOAD_FOLDER"] = previous


def files_in(folder: Path) -> list[Path]:
    """Every file under ``folder``, temporary ones included."""
    return sorted(path for path in folder.rglob("*") if path.is_file())


def upload(data: bytes, filename: str = "cv.pdf", content_type: str = "application/pdf"):  # type: ignore[no-untyped-def]
    """A file as the browser sent it (its content type is only its claim)."""
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)
