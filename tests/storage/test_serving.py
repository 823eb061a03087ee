"""Sending stored files: one as a download, many as a ZIP; uploads too large for the app."""

from __future__ import annotations

import io
import zipfile

import pytest
from flask import request, url_for
from werkzeug.exceptions import NotFound
from werkzeug.test import Client
from werkzeug.wsgi import FileWrapper

from app.storage import serving
from app.storage.backends import CHUNK_SIZE, LocalStorage
from app.storage.services import store_upload
from app.storage.serving import content_disposition, send_stored_file, send_zip, zip_stored_files
from tests.storage import samples
from tests.storage.conftest import upload


def stored(name: str, data: bytes | None = None):  # type: ignore[no-untyped-def]
    return store_upload(upload(data or samples.pdf(name), name), actor=None)


def fetch(response):  # type: ignore[no-untyped-def]
    """Run the response as the WSGI server would, and read all of it."""
    return Client(response).get("/", buffered=True)


# --- one file --------------------------------------------------------------------------------


def test_a_stored_file_is_sent_as_a_download_nobody_caches_or_sniffs(app):
    data = samples.pdf()
    row = stored("cv.pdf", data)
    with app.test_request_context():
        answer = fetch(send_stored_file(row))
    assert answer.status_code == 200
    assert answer.get_data() == data
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Content-Length"] == str(len(data))
    assert answer.headers["Content-Disposition"] == 'attachment; filename="cv.pdf"'
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_stored_type_is_sent_without_a_charset(app):
    row = stored("photo.png", samples.png())
    with app.test_request_context():
        response = send_stored_file(row)
        assert response.headers["Content-Type"] == "image/png"
        response.close()


def test_a_large_file_is_streamed_not_read_whole(app):
    data = samples.pdf() + b"%" + b"x" * (1024 * 1024)
    row = stored("big.pdf", data)
    with app.test_request_context():
        response = send_stored_file(row)
        chunks = list(response.response)
        response.close()
    assert b"".join(chunks) == data
    assert max(len(chunk) for chunk in chunks) == CHUNK_SIZE


def test_the_file_is_handed_to_the_server_as_a_file(app):
    # A WSGI server can then send it with sendfile(), without going through Python.
    row = stored("cv.pdf")
    with app.test_request_context():
        response = send_stored_file(row)
        assert isinstance(response.get_app_iter(request.environ), FileWrapper)
        response.close()


def test_a_file_whose_bytes_are_missing_is_not_found_and_logged(app, uploads, caplog):
    row = stored("cv.pdf")
    LocalStorage(uploads).delete(row.storage_key)
    with app.test_request_context(), pytest.raises(NotFound):
        send_stored_file(row)
    assert [record.getMessage() for record in caplog.records] == [
        f"stored file {row.id} ({row.storage_key}) has no bytes"
    ]


@pytest.mark.parametrize(
    ("filename", "header"),
    [
        ("cv.pdf", 'attachment; filename="cv.pdf"'),
        ("my cv; final.pdf", 'attachment; filename="my cv; final.pdf"'),
        (
            "Lucía Pérez – CV.pdf",
            "attachment; filename=\"Lucia Perez  CV.pdf\"; filename*=UTF-8''"
            "Luc%C3%ADa%20P%C3%A9rez%20%E2%80%93%20CV.pdf",
        ),
        (
            "履歴書.pdf",
            "attachment; filename=\"file.pdf\"; filename*=UTF-8''%E5%B1%A5%E6%AD%B4%E6%9B%B8.pdf",
        ),
        ("履歴書", "attachment; filename=\"file\"; filename*=UTF-8''%E5%B1%A5%E6%AD%B4%E6%9B%B8"),
        (
            "Xavier. 履歴書.pdf",
            "attachment; filename=\"Xavier.pdf\"; filename*=UTF-8''"
            "Xavier.%20%E5%B1%A5%E6%AD%B4%E6%9B%B8.pdf",
        ),
        (
            "a/b é.pdf",
            "attachment; filename=\"a/b e.pdf\"; filename*=UTF-8''a%2Fb%20%C3%A9.pdf",
        ),
        (
            'Ünïcödé\'s "cv" a\\b.pdf',
            "attachment; filename=\"Unicode's _cv_ a_b.pdf\"; filename*=UTF-8''"
            "%C3%9Cn%C3%AFc%C3%B6d%C3%A9%27s%20%22cv%22%20a%5Cb.pdf",
        ),
    ],
)
def test_the_download_name_is_given_for_old_and_new_browsers(filename, header):
    assert content_disposition(filename) == header


def test_the_download_name_is_read_back_by_werkzeug():
    from werkzeug.http import parse_options_header

    value, options = parse_options_header(content_disposition("Lucía – CV.pdf"))
    assert value == "attachment"
    assert options["filename"] == "Lucía – CV.pdf"


# --- many files as a ZIP ---------------------------------------------------------------------


def read_zip(archive) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    data = b"".join(archive)
    with zipfile.ZipFile(io.BytesIO(data)) as opened:
        assert opened.testzip() is None
        return {info.filename: opened.read(info) for info in opened.infolist()}


def test_a_zip_holds_each_file_under_its_name(app):
    cv, letter, photo = samples.pdf("cv"), samples.docx(), samples.jpeg()
    a = stored("cv.pdf", cv)
    b = stored("letter.docx", letter)
    c = stored("photo.jpg", photo)
    archive = zip_stored_files(
        [("Ana Souza/cv.pdf", a), ("Ana Souza/letter.docx", b), ("Tesfaye Bekele/photo.jpg", c)]
    )
    size = len(archive)
    content = b"".join(archive)
    assert len(content) == size
    with zipfile.ZipFile(io.BytesIO(content)) as opened:
        assert opened.testzip() is None
        assert opened.namelist() == [
            "Ana Souza/cv.pdf",
            "Ana Souza/letter.docx",
            "Tesfaye Bekele/photo.jpg",
        ]
        assert opened.read("Ana Souza/cv.pdf") == cv
        assert opened.read("Ana Souza/letter.docx") == letter
        assert opened.read("Tesfaye Bekele/photo.jpg") == photo
        assert {info.compress_type for info in opened.infolist()} == {zipfile.ZIP_STORED}


def test_duplicate_names_in_a_zip_are_numbered(app):
    files = [stored(f"cv{n}.pdf") for n in range(5)]
    names = ["Ana/cv.pdf", "Ana/cv.pdf", "Ana/CV.pdf", "Ana/cv (2).pdf", "Ana/cv.pdf"]
    content = read_zip(zip_stored_files(zip(names, files, strict=True)))
    assert list(content) == [
        "Ana/cv.pdf",
        "Ana/cv (2).pdf",
        "Ana/CV (3).pdf",
        "Ana/cv (2) (2).pdf",
        "Ana/cv (4).pdf",
    ]
    assert list(content.values()) == [samples.pdf(f"cv{n}.pdf") for n in range(5)]


def test_duplicates_without_folder_or_extension_are_numbered(app):
    files = [stored(f"n{n}.pdf") for n in range(3)]
    content = read_zip(zip_stored_files(zip(["notes", "notes", "cv.pdf"], files, strict=True)))
    assert list(content) == ["notes", "notes (2)", "cv.pdf"]


def test_names_in_a_zip_are_made_safe(app):
    files = [stored(f"f{n}.pdf") for n in range(4)]
    names = ["../../etc/x.pdf", "C:\\Users\\a\\y.pdf", "/Ana\u202e/ /./z.pdf", "", "X/Y.pdf"]
    files.append(stored("f4.pdf"))
    content = read_zip(zip_stored_files(zip(names, files, strict=True)))
    assert list(content) == ["etc/x.pdf", "C_/Users/a/y.pdf", "Ana/z.pdf", "f3.pdf", "X/Y.pdf"]


def test_a_zip_reads_each_file_only_when_it_is_reached(app, monkeypatch):
    opened: list[str] = []
    real_open = LocalStorage.open

    def tracking_open(self, key):  # type: ignore[no-untyped-def]
        opened.append(key)
        return real_open(self, key)

    monkeypatch.setattr(LocalStorage, "open", tracking_open)
    files = [stored(f"cv{n}.pdf") for n in range(3)]
    archive = iter(zip_stored_files((f"{n}.pdf", f) for n, f in enumerate(files)))
    assert opened == []
    b"".join(archive)
    assert opened == [f.storage_key for f in files]


def test_a_zip_reads_files_a_chunk_at_a_time(app):
    data = samples.pdf() + b"%" + b"x" * (1024 * 1024)
    archive = zip_stored_files([("big.pdf", stored("big.pdf", data))])
    chunks = list(archive)
    assert max(len(chunk) for chunk in chunks) == CHUNK_SIZE
    assert read_zip(chunks) == {"big.pdf": data}


def test_a_zip_is_sent_as_a_download(app):
    a = stored("cv.pdf")
    with app.test_request_context():
        answer = fetch(send_zip([("Ana Souza/cv.pdf", a)], "Dossiers – Turin 2027.zip"))
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/zip"
    assert answer.headers["Content-Length"] == str(len(answer.get_data()))
    assert answer.headers["Content-Disposition"] == (
        "attachment; filename=\"Dossiers  Turin 2027.zip\"; filename*=UTF-8''"
        "Dossiers%20%E2%80%93%20Turin%202027.zip"
    )
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "no-store"
    assert read_zip([answer.get_data()]) == {"Ana Souza/cv.pdf": samples.pdf("cv.pdf")}


def test_the_zips_download_name_is_made_safe(app):
    with app.test_request_context():
        response = send_zip([], "../../x\u202e.zip")
        assert response.headers["Content-Disposition"] == 'attachment; filename="x.zip"'
        assert read_zip(response.response) == {}


def test_serving_uses_the_apps_storage(app, uploads):
    assert serving.get_storage().root == uploads  # type: ignore[attr-defined]


# --- uploads too large for the app -----------------------------------------------------------


def test_a_2_gb_upload_is_answered_413_without_being_read(app, client):
    with app.test_request_context():
        login = url_for("accounts.login")
    answer = client.post(
        login,
        data=b"email=x",
        content_type="application/x-www-form-urlencoded",
        environ_overrides={"CONTENT_LENGTH": str(2 * 1024**3)},
    )
    assert answer.status_code == 413
    assert "Request too large" in answer.get_data(as_text=True)
    assert answer.headers["Content-Type"].startswith("text/html")


def test_a_body_over_the_limit_is_answered_413(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    with app.test_request_context():
        login = url_for("accounts.login")
    answer = client.post(
        login,
        data={"email": "a@example.org", "file": (io.BytesIO(b"x" * 2000), "cv.pdf")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 413
    assert "Request too large" in answer.get_data(as_text=True)
