"""Answers that send stored files: one file, or a ZIP of many, always as a download.

Who may fetch what is the callers' business (their routes answer 404 to everyone else); these
only build the response. Every answer is an attachment that browsers must not sniff into
something else (an HTML page served inline from our origin) nor keep in a cache.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Iterator
from urllib.parse import quote

from flask import Response, abort, current_app, request
from werkzeug.wsgi import wrap_file
from zipstream import ZipStream

from app.storage.backends import CHUNK_SIZE, Storage, get_storage
from app.storage.models import StoredFile
from app.storage.services import safe_filename, split_extension

logger = logging.getLogger(__name__)

DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def content_disposition(filename: str) -> str:
    """``attachment`` with the name; a name that is not plain ASCII also goes in
    ``filename*`` (RFC 6266 and 5987), with an ASCII approximation for old clients."""
    stem, extension = split_extension(filename)
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    stem = stem.replace("\\", "_").replace('"', "_").strip(" .") or "file"
    fallback = f"{stem}.{extension}" if extension else stem
    value = f'attachment; filename="{fallback}"'
    if fallback != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value


def _download(body: object, *, content_type: str, size: int, filename: str) -> Response:
    response = current_app.response_class(body, content_type=content_type, direct_passthrough=True)
    response.content_length = size
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers.update(DOWNLOAD_HEADERS)
    return response


def send_stored_file(stored_file: StoredFile) -> Response:
    """The file as a download, streamed from the storage backend; 404 when its bytes are
    missing (logged: that is lost data)."""
    try:
        fh = get_storage().open(stored_file.storage_key)
    except FileNotFoundError:
        logger.error("stored file %s (%s) has no bytes", stored_file.id, stored_file.storage_key)
        abort(404)
    return _download(
        wrap_file(request.environ, fh, CHUNK_SIZE),
        content_type=stored_file.content_type,
        size=stored_file.size,
        filename=stored_file.filename,
    )


# --- ZIP of many files -----------------------------------------------------------------------


def _chunks(storage: Storage, key: str) -> Iterator[bytes]:
    # Opened only when the ZIP reaches this file, so one file at a time is open.
    with storage.open(key) as fh:
        while chunk := fh.read(CHUNK_SIZE):
            yield chunk


def _path_in_zip(name: str, stored_file: StoredFile) -> str:
    """Each folder and the file name made safe; never an absolute path nor ``..``."""
    parts = [safe_filename(part) for part in name.replace("\\", "/").split("/") if part.strip(" .")]
    return "/".join(parts) or stored_file.filename


def _unique(path: str, taken: set[str]) -> str:
    """``cv.pdf``, then ``cv (2).pdf``, ``cv (3).pdf``…; names differing only in case clash
    too, as they do on Windows and macOS."""
    # An extension never holds a "/", so the folders stay in the stem.
    stem, extension = split_extension(path)
    suffix = f".{extension}" if extension else ""
    candidate, number = path, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{stem} ({number}){suffix}"
    taken.add(candidate.casefold())
    return candidate


def zip_stored_files(entries: Iterable[tuple[str, StoredFile]]) -> ZipStream:
    """A ZIP of the files, each under its name (``"Ana Souza/cv.pdf"``), built while it is
    sent: files are read one at a time from the storage, nothing is held whole in memory or
    on disk. Stored uncompressed, as PDF, DOCX, ODT, JPEG and PNG are compressed already,
    which also gives the ZIP's size before it is built."""
    storage = get_storage()
    archive = ZipStream(sized=True)  # stored, ZipStream's default
    taken: set[str] = set()
    for name, stored_file in entries:
        path = _unique(_path_in_zip(name, stored_file), taken)
        archive.add(_chunks(storage, stored_file.storage_key), path, size=stored_file.size)
    return archive


def send_zip(entries: Iterable[tuple[str, StoredFile]], filename: str) -> Response:
    """The ZIP of :func:`zip_stored_files` as a download named ``filename``."""
    archive = zip_stored_files(entries)
    return _download(
        iter(archive),
        content_type="application/zip",
        size=len(archive),
        filename=safe_filename(filename),
    )
