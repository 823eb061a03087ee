"""Rules of stored files: what an upload must be to be kept, and how rows and bytes stay in step.

An upload is checked by its content, never by its name or the browser's claim: its kind is read
from its bytes (the ``pure-magic-rs`` library, libmagic's rules, for PDF, JPEG, PNG and for
naming what a refused file is; for ZIP packages, the type that the package itself declares, as
DOCX and ODT are defined). Anything refused raises :class:`FileRefused` with a message to show
beside the field, and nothing is stored.

No orphan, nothing half-written: the bytes of a file saved in a transaction that rolls back
are deleted; the bytes of a ``StoredFile`` row deleted through the session go only once that
deletion is committed. Session events do both (:func:`track_saved`, at the end of this module).

Services flush but never commit, and take the acting user as an argument.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import IO, TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import LazyString, format_decimal
from flask_babel import lazy_gettext as _l
from pure_magic_rs import MagicDb
from sqlalchemy.orm import Session, SessionTransaction
from werkzeug.datastructures import FileStorage

from app.db import mark_written
from app.extensions import db
from app.storage.backends import CHUNK_SIZE, Storage, get_storage
from app.storage.models import FILENAME_MAX_LENGTH, StoredFile

if TYPE_CHECKING:
    from app.accounts.models import User

logger = logging.getLogger(__name__)

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MB
# Uploads up to this size are checked in memory, larger ones in a temporary file.
IN_MEMORY_BYTES = MB
# How much of the start of a file the magic rules read.
HEAD_BYTES = 256 * 1024
# The most read of one member of a ZIP package (its declared type): a small file, and a
# compressed bomb named like it cannot make us read more.
MEMBER_BYTES = MB
ZIP_SIGNATURE = b"PK\x03\x04"
ZIP = "application/zip"
DAMAGED = "damaged"
UNKNOWN = "application/octet-stream"


# --- kinds of file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FileKind:
    code: str
    label: Any  # lazy: "Word (DOCX)", listed among the accepted kinds
    described: Any  # lazy: "a Word document (DOCX)", what a file is
    content_type: str
    extensions: tuple[str, ...]  # lower case, the usual one first


PDF = FileKind("pdf", _l("PDF"), _l("a PDF document"), "application/pdf", ("pdf",))
DOCX = FileKind(
    "docx",
    _l("Word (DOCX)"),
    _l("a Word document (DOCX)"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ("docx",),
)
ODT = FileKind(
    "odt",
    _l("OpenDocument text (ODT)"),
    _l("an OpenDocument text (ODT)"),
    "application/vnd.oasis.opendocument.text",
    ("odt",),
)
JPEG = FileKind("jpeg", _l("JPEG"), _l("a JPEG image"), "image/jpeg", ("jpg", "jpeg", "jfif"))
PNG = FileKind("png", _l("PNG"), _l("a PNG image"), "image/png", ("png",))

ACCEPTED_KINDS: tuple[FileKind, ...] = (PDF, DOCX, ODT, JPEG, PNG)
KINDS_BY_CODE = {kind.code: kind for kind in ACCEPTED_KINDS}
KINDS_BY_TYPE = {kind.content_type: kind for kind in ACCEPTED_KINDS}

# What a refused file is, for the message beside the field.
SPREADSHEET = _l("a spreadsheet")
PRESENTATION = _l("a presentation")
PROGRAM = _l("a program")
FOUND: dict[str, Any] = {
    "text/html": _l("an HTML page"),
    "text/plain": _l("a plain text file"),
    ZIP: _l("a ZIP archive"),
    DAMAGED: _l("a damaged or incomplete file"),
    "image/gif": _l("a GIF image"),
    "image/webp": _l("a WebP image"),
    "image/heic": _l("a HEIC photo"),
    "image/svg+xml": _l("an SVG image"),
    "text/rtf": _l("an RTF document"),
    "application/x-dosexec": PROGRAM,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": SPREADSHEET,
    "application/vnd.oasis.opendocument.spreadsheet": SPREADSHEET,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": PRESENTATION,
    "application/vnd.oasis.opendocument.presentation": PRESENTATION,
}

# An Office Open XML package declares its main part's type in [Content_Types].xml.
OOXML_MAIN_TYPES = {
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        DOCX.content_type
    ),
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}


# --- errors ----------------------------------------------------------------------------------


class FileRefused(Exception):
    """An upload that is not kept. ``message`` is lazy: translated when shown, beside the
    field that received the file."""

    def __init__(self, message: Any) -> None:
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.message)


class _Listing:
    """Lazy strings joined only when shown, so each is translated in the reader's language."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = tuple(items)

    def __str__(self) -> str:
        return ", ".join(str(item) for item in self.items)


def megabytes(size: int) -> LazyString:
    """``size`` in MB (of 1024 × 1024 bytes) for people: at most one decimal, rounded down, so
    that what is left is never overstated; written when shown, in the reader's language."""
    return LazyString(format_decimal, math.floor(size * 10 / MB) / 10)


# --- names -----------------------------------------------------------------------------------

# Control, format (the bidi overrides among them), separator, surrogate, private-use and
# unassigned characters: invisible, or able to make a name read as another.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Not allowed in file names on Windows, where the file will be saved.
_RESERVED = frozenset('<>:"|?*')
_PATH_SEPARATORS = re.compile(r"[/\\]")
# An extension: up to five letters or digits after the last dot, at least one a letter
# ("cv v1.2" has none).
_EXTENSION = re.compile(r"(.+)\.([0-9]*[A-Za-z][A-Za-z0-9]*)")
_EXTENSION_MAX_LENGTH = 5


def split_extension(name: str) -> tuple[str, str]:
    """``("cv", "pdf")`` for ``cv.pdf``, ``("cv v1.2", "")`` when there is no extension."""
    match = _EXTENSION.fullmatch(name)
    if match is None or len(match.group(2)) > _EXTENSION_MAX_LENGTH:
        return name, ""
    return match.group(1), match.group(2)


def safe_filename(name: str, max_length: int = FILENAME_MAX_LENGTH) -> str:
    """A name safe to show and to offer as a download name, keeping the extension.

    Only the last part of a path is kept; hidden and bidi control characters go; characters
    Windows refuses become ``_``; runs of white space become one space; leading and trailing
    dots and spaces go (``..`` is nothing). Never used to build a path.
    """
    name = _PATH_SEPARATORS.split(name)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(" " if char.isspace() else char for char in name)
    name = "".join(
        "_" if char in _RESERVED else char
        for char in name
        if unicodedata.category(char) not in _HIDDEN_CATEGORIES
    )
    name = " ".join(name.split()).strip(" .")
    stem, extension = split_extension(name)
    suffix = f".{extension}" if extension else ""
    stem = stem[: max_length - len(suffix)].rstrip(" .") or "file"
    return stem + suffix


# --- content ---------------------------------------------------------------------------------


@cache
def _magic() -> MagicDb:
    return MagicDb()


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as member:
        return member.read(MEMBER_BYTES)


def _package_type(fh: IO[bytes]) -> str:
    """The type a ZIP package declares: an OpenDocument file names it in its ``mimetype``
    member, an Office Open XML file declares its main part in ``[Content_Types].xml``. Magic
    rules only guess these from the first few member names, which writers order differently."""
    try:
        with zipfile.ZipFile(fh) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                return _member(archive, "mimetype").decode("ascii", "replace").strip()
            if "[Content_Types].xml" in names:
                declared = _member(archive, "[Content_Types].xml")
                for main_type, content_type in OOXML_MAIN_TYPES.items():
                    if main_type in declared:
                        return content_type
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
        # Cut short, corrupt, encrypted or compressed in a way Python cannot read.
        return DAMAGED
    return ZIP


def detect_content_type(fh: IO[bytes]) -> str:
    """The content type of the whole of ``fh``, read from its bytes."""
    fh.seek(0)
    head = fh.read(HEAD_BYTES)
    if head.startswith(ZIP_SIGNATURE):
        # ZipFile reads the archive's directory from its end, wherever fh stands.
        return _package_type(fh)
    try:
        return _magic().first_magic_buffer(head, None).mime_type
    except ValueError:
        return UNKNOWN


# --- checks ----------------------------------------------------------------------------------


def _receive(stream: IO[bytes], spool: IO[bytes], *, limit: int) -> tuple[int, str]:
    """Copy ``stream`` into ``spool`` while hashing it, reading at most ``limit + 1`` bytes:
    enough to know it is too large without reading the rest. Returns the size read and the
    SHA-256 in hex."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(min(CHUNK_SIZE, limit + 1 - size)):
        size += len(chunk)
        digest.update(chunk)
        spool.write(chunk)
    return size, digest.hexdigest()


def _not_accepted(
    content_type: str, kind: FileKind | None, allowed: tuple[FileKind, ...]
) -> FileRefused:
    accepted = _Listing(k.label for k in allowed)
    found = kind.described if kind is not None else FOUND.get(content_type)
    if found is None:
        return FileRefused(
            _l("This kind of file is not accepted here; accepted: %(accepted)s.", accepted=accepted)
        )
    return FileRefused(
        _l("This file is %(found)s; accepted: %(accepted)s.", found=found, accepted=accepted)
    )


def _matching_name(filename: str, kind: FileKind) -> str:
    """The name with the kind's extension added when it has none; refused when its extension
    says another kind (a DOCX named cv.pdf would open in the wrong program, or not at all)."""
    _stem, extension = split_extension(filename)
    if not extension:
        return safe_filename(f"{filename}.{kind.extensions[0]}")
    if extension.lower() not in kind.extensions:
        raise FileRefused(
            _l(
                "The file name ends in .%(extension)s but the file is %(found)s. Rename it or "
                "choose the right file.",
                extension=extension,
                found=kind.described,
            )
        )
    return filename


def store_upload(
    file: FileStorage | None,
    *,
    actor: User | None,
    allowed: Iterable[FileKind] = ACCEPTED_KINDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    remaining_bytes: int | None = None,
) -> StoredFile:
    """Check an uploaded file and store it; raise :class:`FileRefused` and store nothing when
    it is empty, over ``max_bytes``, over the ``remaining_bytes`` the caller still allows (the
    rest of a total per application), not of an ``allowed`` kind, or named as another kind.

    The new row is flushed, not committed; if the transaction rolls back, the stored bytes are
    deleted with it.
    """
    if file is None or not file.filename:
        raise FileRefused(_l("Choose a file to upload."))
    allowed = tuple(allowed)
    filename = safe_filename(file.filename)
    limit = max_bytes if remaining_bytes is None else min(max_bytes, remaining_bytes)
    with tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES) as spool:
        size, sha256 = _receive(file.stream, spool, limit=max(limit, 0))
        if size > max_bytes:
            raise FileRefused(
                _l(
                    "This file is larger than %(limit)s MB, the most accepted here.",
                    limit=megabytes(max_bytes),
                )
            )
        if remaining_bytes is not None and size > remaining_bytes:
            raise FileRefused(
                _l(
                    "This file is larger than the %(left)s MB still free for the documents of "
                    "this application.",
                    left=megabytes(max(remaining_bytes, 0)),
                )
            )
        if size == 0:
            raise FileRefused(_l("This file is empty."))
        content_type = detect_content_type(spool)
        kind = KINDS_BY_TYPE.get(content_type)
        if kind is None or kind not in allowed:
            raise _not_accepted(content_type, kind, allowed)
        filename = _matching_name(filename, kind)
        spool.seek(0)
        storage = get_storage()
        key = storage.save(spool)
    track_saved(db.session(), storage, key)
    stored = StoredFile(
        storage_key=key,
        filename=filename,
        content_type=kind.content_type,
        size=size,
        sha256=sha256,
        uploaded_by=actor,
    )
    db.session.add(stored)
    db.session.flush()
    return stored


# --- rows and bytes in step ------------------------------------------------------------------

# session.info keys: bytes saved in the session's open transaction, and bytes of rows deleted in
# it. Each entry remembers the (sub)transaction it happened in, so that a rolled-back savepoint
# undoes only its own.
SAVED = "atelier.storage.saved"
DELETED = "atelier.storage.deleted"


@dataclass(frozen=True)
class _Blob:
    transaction: SessionTransaction | None
    storage: Storage
    key: str

    def remove(self) -> None:
        try:
            self.storage.delete(self.key)
        except OSError:
            # The transaction's outcome stands; a file left behind is only wasted space.
            logger.exception("could not delete stored file %s", self.key)


def _note(session: Session, bucket: str, storage: Storage, key: str) -> None:
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(bucket, []).append(_Blob(transaction, storage, key))


def track_saved(session: Session, storage: Storage, key: str) -> None:
    """Delete the bytes under ``key`` unless the session's transaction commits."""
    _note(session, SAVED, storage, key)
    mark_written(session)


def _inside(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def _undo(session: Session, ended: SessionTransaction) -> None:
    """``ended`` did not commit: bytes saved in it go, rows deleted in it are back."""
    everything = ended.parent is None

    def undone(blob: _Blob) -> bool:
        return everything or _inside(blob.transaction, ended)

    saved = session.info.get(SAVED, [])
    for blob in saved:
        if undone(blob):
            blob.remove()
    session.info[SAVED] = [blob for blob in saved if not undone(blob)]
    session.info[DELETED] = [blob for blob in session.info.get(DELETED, []) if not undone(blob)]


def _row_deleted(_mapper: Any, _connection: Any, stored: StoredFile) -> None:
    session = sa.orm.object_session(stored)
    if session is not None:
        _note(session, DELETED, get_storage(), stored.storage_key)


def _committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the enclosing transaction decides
    session.info.pop(SAVED, None)
    for blob in session.info.pop(DELETED, []):
        blob.remove()


def _rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    _undo(session, previous_transaction)


def _ended(session: Session, transaction: SessionTransaction) -> None:
    # A session closed without committing rolls back too (its connection is reset).
    if transaction.parent is None:
        _undo(session, transaction)


sa.event.listen(StoredFile, "after_delete", _row_deleted)
sa.event.listen(Session, "after_commit", _committed)
sa.event.listen(Session, "after_soft_rollback", _rolled_back)
sa.event.listen(Session, "after_transaction_end", _ended)
