"""CSV exports: no cell is ever a formula, whatever a spreadsheet splits the line on (issue 15).

Every CSV of the app is written by app/core/spreadsheets.py: each cell quoted, and text that
starts like a formula (or any part of it after a comma, semicolon, tab or line end) given a
leading apostrophe. Numbers the app writes (amounts, counts) stay numbers.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.accounts.models import Role
from app.core.spreadsheets import cell_text, safe_cell, to_csv
from app.extensions import db
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user

FORMULA_STARTS = ("=", "+", "-", "@")


def cells_split_on(data: bytes, delimiter: str) -> list[str]:
    """Every cell a spreadsheet splitting on ``delimiter`` (and on line ends) would make of
    the file, ignoring its quotes, as the worst-configured import would."""
    text = data.decode("utf-8-sig")
    cells = []
    for line in text.replace("\r", "\n").split("\n"):
        cells.extend(part.strip('"').strip() for part in line.split(delimiter))
    return cells


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("Ana Alves", "Ana Alves"),
        ("Ana-Maria Álvarez", "Ana-Maria Álvarez"),
        ("a=b", "a=b"),
        ("", ""),
        ("=1+1", "'=1+1"),
        ("+39 011 693 6111", "'+39 011 693 6111"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("  =1+1", "'  =1+1"),
        ("Mallory;=1+1", "Mallory;'=1+1"),
        ("Mallory,=1+1", "Mallory,'=1+1"),
        ("Mallory\t=1+1", "Mallory\t'=1+1"),
        ("Mallory\n@cmd", "Mallory\n'@cmd"),
        ("Mallory\r\n+1", "Mallory\r\n'+1"),
        ("Mallory; =1+1", "Mallory; '=1+1"),
        ("a;b;=c;-d", "a;b;'=c;'-d"),
        ("=a;=b", "'=a;'=b"),
        ("Rome, Italy; Turin", "Rome, Italy; Turin"),
        ("x=1;y", "x=1;y"),
    ],
)
def test_safe_cell(text, safe):
    assert safe_cell(text) == safe


def test_numbers_and_dates_are_written_as_the_app_wrote_them():
    assert cell_text(None) == ""
    assert cell_text(Decimal("-120.50")) == "-120.50"  # a credit note's amount: a number
    assert cell_text(-3) == "-3"
    assert cell_text(date(2027, 11, 22)) == "2027-11-22"
    assert cell_text(datetime(2027, 11, 22, 9, 5, tzinfo=UTC)) == "2027-11-22 09:05"
    assert cell_text("-120.50") == "'-120.50"  # typed by a person: text


def test_every_cell_is_quoted_with_a_bom_and_crlf():
    data = to_csv(["Name", "=Question"], [["Ana", 3, None, Decimal("-1.00")]])
    assert data == '\ufeff"Name","\'=Question"\r\n"Ana","3","","-1.00"\r\n'.encode()


HOSTILE = ("Mallory;=1+1", "Mallory,=1+1", "Mallory\t=1+1", "Mallory\n=HYPERLINK(1)")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_desk_export_has_no_formula_however_it_is_split(client, delimiter):
    organiser = make_user(Role.ORGANISER, name="Olga Organiser")
    course = make_course(slug="governing-2027", organisers=(organiser,))
    other = make_course(slug="mainstreaming-2027")
    for n, text in enumerate(HOSTILE):
        registration = make_registration(course, make_user(name=f"Mallory {n}"))
        registration.organisation = text  # as stored, whatever the form would have trimmed
    make_registration(other, make_user(name="Ana Alves"), organisation="=OTHER")
    db.session.commit()
    login(client, organiser)
    response = client.get("/courses/governing-2027/participants.csv")
    assert response.status_code == 200
    cells = cells_split_on(response.data, delimiter)
    # The part after the separator became a cell of its own: marked as text.
    assert any(c.startswith("'=1+1") for c in cells)
    assert [c for c in cells if c.startswith(FORMULA_STARTS)] == []
    # Read back as a CSV (commas, quotes honoured), each value is whole, only marked.
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    column = rows[0].index("Organisation")
    assert sorted(row[column] for row in rows[1:]) == sorted(
        ["Mallory;'=1+1", "Mallory,'=1+1", "Mallory\t'=1+1", "Mallory\n'=HYPERLINK(1)"]
    )
