"""store_upload: what is kept (and how it is described), what is refused (and what it says)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.extensions import db
from app.storage import services
from app.storage.models import StoredFile
from app.storage.services import (
    DOCX,
    JPEG,
    MB,
    ODT,
    PDF,
    PNG,
    FileRefused,
    detect_content_type,
    store_upload,
)
from tests.factories import make_user
from tests.storage import samples
from tests.storage.conftest import files_in, upload

ACCEPTED = "accepted: PDF, Word (DOCX), OpenDocument text (ODT), JPEG, PNG."


def refusal(data: bytes, filename: str = "cv.pdf", **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(FileRefused) as refused:
        store_upload(upload(data, filename), actor=None, **kwargs)
    return str(refused.value)


def rows() -> list[StoredFile]:
    return list(db.session.scalars(sa.select(StoredFile)))


# --- kept ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "content_type"),
    [
        (samples.pdf(), "cv.pdf", "application/pdf"),
        (samples.docx(), "cv.docx", samples.DOCX_TYPE),
        (samples.docx_libreoffice(), "cv.docx", samples.DOCX_TYPE),
        (samples.odt(), "cv.odt", samples.ODT_TYPE),
        (samples.jpeg(), "photo.jpg", "image/jpeg"),
        (samples.png(), "photo.png", "image/png"),
    ],
    ids=["pdf", "docx", "docx-libreoffice", "odt", "jpeg", "png"],
)
def test_each_accepted_kind_is_stored_with_its_description(uploads, data, filename, content_type):
    user = make_user()
    before = datetime.now(UTC)
    # The browser's claim is ignored: the stored type is the one read from the bytes.
    stored = store_upload(
        upload(data, filename, content_type="application/octet-stream"), actor=user
    )
    db.session.commit()
    db.session.expire_all()

    [row] = rows()
    assert row.id == stored.id
    assert row.filename == filename
    assert row.content_type == content_type
    assert row.size == len(data)
    assert row.sha256 == hashlib.sha256(data).hexdigest()
    assert row.uploaded_by == user
    assert before - timedelta(seconds=1) <= row.created_at <= datetime.now(UTC)
    assert row.created_at.tzinfo is not None
    [path] = files_in(uploads)
    assert path.read_bytes() == data
    assert path.name == row.storage_key
    assert row.filename not in str(path)


def test_a_file_is_stored_without_an_uploader(uploads):
    stored = store_upload(upload(samples.pdf()), actor=None)
    assert stored.uploaded_by is None
    assert stored.uploaded_by_id is None


@pytest.mark.parametrize("filename", ["photo.jpg", "photo.JPEG", "photo.jfif", "PHOTO.Jpg"])
def test_jpeg_takes_its_usual_extensions_in_any_case(filename):
    assert store_upload(upload(samples.jpeg(), filename), actor=None).filename == filename


@pytest.mark.parametrize(
    ("data", "filename", "stored_as"),
    [
        (samples.pdf(), "cv", "cv.pdf"),
        (samples.docx(), "CV v1.2", "CV v1.2.docx"),
        (samples.jpeg(), "photo.", "photo.jpg"),
        (samples.odt(), "motivation", "motivation.odt"),
    ],
)
def test_a_name_without_extension_gets_the_kinds_own(data, filename, stored_as):
    assert store_upload(upload(data, filename), actor=None).filename == stored_as


def test_a_long_name_without_extension_keeps_the_added_one_within_the_limit():
    stored = store_upload(upload(samples.pdf(), "x" * 300), actor=None)
    assert stored.filename == "x" * 196 + ".pdf"


def test_a_hostile_name_is_stored_made_safe(uploads):
    stored = store_upload(upload(samples.pdf(), "../../etc/\u202egpj.pdf"), actor=None)
    assert stored.filename == "gpj.pdf"
    [path] = files_in(uploads)
    assert path.is_relative_to(uploads)


def test_only_the_allowed_kinds_are_taken():
    stored = store_upload(upload(samples.png(), "p.png"), actor=None, allowed=[PNG])
    assert stored.content_type == "image/png"
    message = refusal(samples.pdf(), allowed=[JPEG, PNG])
    assert message == "This file is a PDF document; accepted: JPEG, PNG."


def test_a_file_of_exactly_the_limit_is_kept():
    data = samples.pdf()
    assert store_upload(upload(data), actor=None, max_bytes=len(data)).size == len(data)


def test_a_file_of_exactly_what_is_left_is_kept():
    data = samples.pdf()
    stored = store_upload(upload(data), actor=None, remaining_bytes=len(data))
    assert stored.size == len(data)


def test_a_large_file_is_hashed_whole(uploads):
    # Larger than the in-memory spool and than one chunk: every chunk counts.
    data = samples.pdf() + b"%" + b"x" * (3 * MB)
    stored = store_upload(upload(data), actor=None)
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    [path] = files_in(uploads)
    assert path.read_bytes() == data


# --- refused ---------------------------------------------------------------------------------


@pytest.mark.parametrize("file", [None, upload(b"", filename="")])
def test_no_file_is_refused(file):
    with pytest.raises(FileRefused) as refused:
        store_upload(file, actor=None)
    assert str(refused.value) == "Choose a file to upload."


def test_an_empty_file_is_refused(uploads):
    assert refusal(b"") == "This file is empty."
    assert rows() == []
    assert files_in(uploads) == []


def test_a_file_over_the_limit_is_refused_with_the_limit_in_mb(uploads):
    data = samples.pdf()
    assert refusal(data, max_bytes=len(data) - 1) == (
        "This file is larger than 0 MB, the most accepted here."
    )
    assert refusal(data + b"x" * (10 * MB)) == (
        "This file is larger than 10 MB, the most accepted here."
    )
    assert rows() == []
    assert files_in(uploads) == []


@pytest.mark.parametrize(
    ("limit", "shown"),
    [
        (10 * MB, "10"),
        (MB + MB // 2, "1.5"),
        (2 * MB - 1, "1.9"),
        (MB // 10 + 1, "0.1"),
        (MB // 10, "0"),
    ],
)
def test_the_limit_is_shown_in_mb_rounded_down(limit, shown):
    data = b"%PDF-1.4\n" + b"x" * limit
    assert refusal(data, max_bytes=limit) == (
        f"This file is larger than {shown} MB, the most accepted here."
    )


def test_megabytes_are_written_in_the_readers_language():
    size = 1234 * MB + MB // 2
    assert str(services.megabytes(size)) == "1,234.5"
    with force_locale("fr"):
        assert str(services.megabytes(size)) == "1\u202f234,5"
    with force_locale("es"):
        assert str(services.megabytes(size)) == "1.234,5"


def test_a_refusal_carries_its_message():
    refused = FileRefused("Too big.")
    assert refused.message == "Too big."
    assert refused.args == ("Too big.",)
    assert str(refused) == "Too big."


def test_the_limit_is_shown_in_the_readers_language():
    data = b"%PDF-1.4\n" + b"x" * (2 * MB)
    with pytest.raises(FileRefused) as refused:
        store_upload(upload(data), actor=None, max_bytes=MB + MB // 2)
    with force_locale("fr"):
        assert str(refused.value) == "Ce fichier dépasse 1,5 Mo, le maximum accepté ici."


class CountingStream(io.BytesIO):
    """Counts what is read of it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.consumed = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk


def test_a_large_upload_is_read_no_further_than_past_the_limit(uploads):
    stream = CountingStream(b"%PDF-1.4\n" + b"x" * (5 * MB))
    file = upload(b"")
    file.stream = stream
    with pytest.raises(FileRefused):
        store_upload(file, actor=None, max_bytes=MB)
    assert stream.consumed == MB + 1
    assert files_in(uploads) == []


def test_the_total_left_for_an_application_is_read_no_further(uploads):
    stream = CountingStream(b"%PDF-1.4\n" + b"x" * (5 * MB))
    file = upload(b"")
    file.stream = stream
    with pytest.raises(FileRefused) as refused:
        store_upload(file, actor=None, max_bytes=4 * MB, remaining_bytes=MB // 2)
    assert stream.consumed == MB // 2 + 1
    assert str(refused.value) == (
        "This file is larger than the 0.5 MB still free for the documents of this application."
    )


def test_nothing_more_than_a_byte_is_read_when_nothing_is_left(uploads):
    stream = CountingStream(samples.pdf())
    file = upload(b"")
    file.stream = stream
    with pytest.raises(FileRefused):
        store_upload(file, actor=None, remaining_bytes=0)
    assert stream.consumed == 1


def test_a_file_over_what_is_left_of_the_total_is_refused(uploads):
    data = samples.pdf()
    assert refusal(data, remaining_bytes=len(data) - 1) == (
        "This file is larger than the 0 MB still free for the documents of this application."
    )
    assert refusal(data, remaining_bytes=-5) == (
        "This file is larger than the 0 MB still free for the documents of this application."
    )
    assert rows() == []
    assert files_in(uploads) == []


def test_the_files_own_limit_is_told_when_it_is_over_it():
    data = samples.pdf()
    size = len(data)
    too_large = "This file is larger than 0 MB, the most accepted here."
    over_total = (
        "This file is larger than the 0 MB still free for the documents of this application."
    )
    assert refusal(data, max_bytes=size - 1, remaining_bytes=size - 1) == too_large
    assert refusal(data, max_bytes=size - 1, remaining_bytes=10 * MB) == too_large
    assert refusal(data, max_bytes=size, remaining_bytes=size - 1) == over_total


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (samples.HTML, "an HTML page"),
        (b"<html><body><script>alert(1)</script></body></html>", "an HTML page"),
        (b"Curriculum vitae\nAna Souza\n", "a plain text file"),
        (samples.plain_zip(), "a ZIP archive"),
        (samples.xlsx(), "a spreadsheet"),
        (samples.opendocument("application/vnd.oasis.opendocument.spreadsheet"), "a spreadsheet"),
        (samples.pptx(), "a presentation"),
        (
            samples.opendocument("application/vnd.oasis.opendocument.presentation"),
            "a presentation",
        ),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "a GIF image"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + bytes(24), "a WebP image"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "a HEIC photo"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "an SVG image"),
        (b"{\\rtf1\\ansi Curriculum vitae}", "an RTF document"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(48), "a program"),
        (b"PK\x03\x04" + bytes(40), "a damaged or incomplete file"),
        (samples.docx()[:-30], "a damaged or incomplete file"),
    ],
    ids=[
        "html",
        "html-script",
        "text",
        "zip",
        "xlsx",
        "ods",
        "pptx",
        "odp",
        "gif",
        "webp",
        "heic",
        "svg",
        "rtf",
        "exe",
        "zip-header-only",
        "truncated-docx",
    ],
)
def test_a_file_of_another_kind_is_refused_saying_what_it_is(uploads, data, found):
    # Named .pdf: the name does not decide.
    assert refusal(data, "cv.pdf") == f"This file is {found}; {ACCEPTED}"
    assert rows() == []
    assert files_in(uploads) == []


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 4,
        bytes(100),
        samples.opendocument("application/vnd.oasis.opendocument.text-template"),
        samples.opendocument("application/epub+zip"),
    ],
    ids=["binary", "zeros", "odt-template", "epub"],
)
def test_a_file_of_an_unknown_kind_is_refused_saying_what_is_accepted(data):
    assert refusal(data) == f"This kind of file is not accepted here; {ACCEPTED}"


def test_the_accepted_kinds_listed_are_those_allowed():
    assert refusal(samples.HTML, allowed=[PDF, DOCX, ODT]) == (
        "This file is an HTML page; accepted: PDF, Word (DOCX), OpenDocument text (ODT)."
    )
    assert refusal(bytes(10), allowed=[PDF]) == (
        "This kind of file is not accepted here; accepted: PDF."
    )


def test_a_refusal_is_translated_when_shown():
    with pytest.raises(FileRefused) as refused:
        store_upload(upload(samples.HTML), actor=None)
    with force_locale("fr"):
        french = str(refused.value)
    with force_locale("es"):
        spanish = str(refused.value)
    assert french == (
        "Ce fichier est une page HTML ; acceptés : PDF, Word (DOCX), texte OpenDocument (ODT), "
        "JPEG, PNG."
    )
    assert spanish == (
        "Este archivo es una página HTML; se aceptan: PDF, Word (DOCX), texto OpenDocument "
        "(ODT), JPEG, PNG."
    )


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (
            samples.docx(),
            "cv.pdf",
            "The file name ends in .pdf but the file is a Word document (DOCX).",
        ),
        (
            samples.odt(),
            "cv.docx",
            "The file name ends in .docx but the file is an OpenDocument text (ODT).",
        ),
        (samples.pdf(), "cv.odt", "The file name ends in .odt but the file is a PDF document."),
        (samples.png(), "photo.jpg", "The file name ends in .jpg but the file is a PNG image."),
        (samples.jpeg(), "photo.png", "The file name ends in .png but the file is a JPEG image."),
        (samples.pdf(), "cv.exe", "The file name ends in .exe but the file is a PDF document."),
        (samples.pdf(), "J.Smith", "The file name ends in .Smith but the file is a PDF document."),
    ],
)
def test_a_name_that_says_another_kind_is_refused(uploads, data, filename, message):
    assert refusal(data, filename) == f"{message} Rename it or choose the right file."
    assert rows() == []
    assert files_in(uploads) == []


# --- detection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (samples.docx(), samples.DOCX_TYPE),
        (samples.docx_libreoffice(), samples.DOCX_TYPE),
        (samples.odt(), samples.ODT_TYPE),
        (samples.plain_zip(), "application/zip"),
        (samples.pdf(), "application/pdf"),
        (samples.HTML, "text/html"),
        (samples.png(), "image/png"),
        (samples.jpeg(), "image/jpeg"),
    ],
)
def test_the_content_type_is_read_from_the_bytes(data, expected):
    assert detect_content_type(io.BytesIO(data)) == expected


def test_detection_reads_from_the_start_whatever_was_read_before():
    fh = io.BytesIO(samples.docx())
    fh.read(10)
    assert detect_content_type(fh) == samples.DOCX_TYPE
    fh = io.BytesIO(samples.pdf())
    fh.read(10)
    assert detect_content_type(fh) == "application/pdf"


def test_a_package_is_judged_by_its_declaration_not_its_member_names():
    # "word/" members but no Word main part declared: not a Word document.
    fake = samples.ooxml(main_type="application/xml")
    assert detect_content_type(io.BytesIO(fake)) == "application/zip"


def test_a_compressed_bomb_in_the_declaration_is_read_no_further_than_a_megabyte():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", b" " * (3 * MB) + samples.ODT_TYPE.encode())
    # Past the first megabyte it is never read: not an ODT, and quickly.
    assert detect_content_type(io.BytesIO(buffer.getvalue())) == ""


def test_a_declaration_that_is_not_ascii_is_an_unknown_kind():
    data = samples.opendocument(samples.ODT_TYPE + "\u00e9")
    assert detect_content_type(io.BytesIO(data)) == samples.ODT_TYPE + "\ufffd\ufffd"
    assert refusal(data, "cv.odt") == f"This kind of file is not accepted here; {ACCEPTED}"


def test_the_magic_rules_read_only_the_start_of_a_file():
    stream = CountingStream(samples.pdf() + b"%" + b"x" * (2 * MB))
    assert detect_content_type(stream) == "application/pdf"
    assert stream.consumed == services.HEAD_BYTES


def test_a_type_the_magic_rules_cannot_read_is_unknown(monkeypatch):
    class Failing:
        def first_magic_buffer(self, data, extension):  # type: ignore[no-untyped-def]
            raise ValueError("no magic")

    monkeypatch.setattr(services, "_magic", lambda: Failing())
    assert detect_content_type(io.BytesIO(b"something")) == "application/octet-stream"


def test_the_kinds_have_their_codes():
    assert services.KINDS_BY_CODE == {
        "pdf": PDF,
        "docx": DOCX,
        "odt": ODT,
        "jpeg": JPEG,
        "png": PNG,
    }
