"""Hostile file names become safe display names that keep their extension."""

from __future__ import annotations

import pytest

from app.storage.services import safe_filename, split_extension


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("cv.pdf", "cv.pdf"),
        ("Curriculum vitae – Lucía Pérez.docx", "Curriculum vitae – Lucía Pérez.docx"),
        ("履歴書.pdf", "履歴書.pdf"),
        # Paths: only the last part, whatever the separator.
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("C:\\Users\\ana\\Documents\\cv.pdf", "cv.pdf"),
        ("/cv.pdf", "cv.pdf"),
        ("cv.pdf/", "file"),
        ("..", "file"),
        ("...", "file"),
        ("", "file"),
        (".htaccess", "htaccess"),
        (" . cv.pdf . ", "cv.pdf"),
        # NUL and other control characters go; tabs and line breaks are spaces.
        ("cv\x00.pdf", "cv.pdf"),
        ("cv\x00/evil.pdf", "evil.pdf"),
        ("c\x07v\x1b.p\x7fdf", "cv.pdf"),
        ("my\tcv\r\nfinal.pdf", "my cv final.pdf"),
        ("my   cv\u00a0\u2003final.pdf", "my cv final.pdf"),
        ("cv\u2028x.pdf", "cv x.pdf"),
        # Right-to-left override and the other bidi controls: "cv‮fdp.exe" reads "cvexe.pdf".
        ("cv\u202efdp.exe", "cvfdp.exe"),
        ("\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200fcv.pdf", "cv.pdf"),
        ("cv\u200b\ufeff.pdf", "cv.pdf"),
        # Surrogates, private-use and unassigned code points.
        ("cv\ud800\ue000\U000e0001\u0378.pdf", "cv.pdf"),
        # Characters Windows refuses in a file name.
        ('a<b>c:d"e|f?g*h.pdf', "a_b_c_d_e_f_g_h.pdf"),
        # Dots and spaces at either end go, other characters stay.
        ("Xavier.pdf", "Xavier.pdf"),
        ("Photo X.jpg", "Photo X.jpg"),
        ("cv..pdf", "cv.pdf"),
        ("cv .pdf", "cv.pdf"),
        # Composed and decomposed accents are one name.
        ("Pe\u0301rez.pdf", "Pérez.pdf"),
    ],
)
def test_hostile_names_are_made_safe(name, safe):
    assert safe_filename(name) == safe


def test_a_long_name_is_cut_keeping_its_extension():
    safe = safe_filename("a" * 500 + ".pdf")
    assert safe == "a" * 196 + ".pdf"
    assert len(safe) == 200


def test_a_name_of_exactly_the_limit_is_kept():
    name = "b" * 196 + ".pdf"
    assert safe_filename(name) == name


def test_a_long_name_without_extension_is_cut_to_the_limit():
    assert safe_filename("c" * 500) == "c" * 200


def test_a_cut_name_does_not_end_in_a_space_or_dot():
    assert safe_filename("a" * 195 + " .x.pdf") == "a" * 195 + ".pdf"


def test_a_name_cut_just_after_a_dot_loses_the_dot():
    assert safe_filename("a" * 195 + ". x.pdf") == "a" * 195 + ".pdf"


def test_the_limit_can_be_smaller():
    assert safe_filename("curriculum.pdf", max_length=8) == "curr.pdf"


def test_a_long_name_of_only_hidden_characters_is_named_file():
    assert safe_filename("\u202e" * 500 + ".pdf") == "pdf"
    assert safe_filename("\x00\x01") == "file"
    assert safe_filename(" .pdf") == "pdf"
    assert safe_filename("\x00.pdf") == "pdf"
    assert safe_filename("..pdf") == "pdf"
    assert safe_filename("\u202e.p") == "p"


def test_only_the_name_is_kept_of_a_name_that_is_all_path():
    assert safe_filename("a/b/c.d/") == "file"


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("cv.pdf", ("cv", "pdf")),
        ("cv.final.docx", ("cv.final", "docx")),
        ("photo.JPEG", ("photo", "JPEG")),
        ("video.mp4", ("video", "mp4")),
        ("J.Smith", ("J", "Smith")),
        ("cv", ("cv", "")),
        ("cv v1.2", ("cv v1.2", "")),
        ("report 2024.01", ("report 2024.01", "")),
        ("notes.markdown", ("notes.markdown", "")),
        ("archive.tar.gz", ("archive.tar", "gz")),
        ("cv. pdf", ("cv. pdf", "")),
        ("cv.p-f", ("cv.p-f", "")),
        ("cv.", ("cv.", "")),
        (".pdf", (".pdf", "")),
        ("a.b1234", ("a", "b1234")),
        ("a.b12345", ("a.b12345", "")),
        ("a.12345", ("a.12345", "")),
        ("a.1a", ("a", "1a")),
    ],
)
def test_the_extension_is_up_to_five_letters_or_digits_with_a_letter(name, parts):
    assert split_extension(name) == parts
