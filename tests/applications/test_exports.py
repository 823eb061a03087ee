"""Answers in the desk's CSV and XLSX exports: one column per question, in the exporter's
language, safe from formulas."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest

from app.applications import answering
from app.applications.models import QuestionKind
from app.extensions import db
from app.registration.exports import COLUMNS
from app.registration.models import RegistrationStatus
from tests.applications.conftest import REGIONS, add_question, upload
from tests.conftest import login
from tests.factories import make_registration
from tests.storage.samples import pdf

K = QuestionKind
STANDARD = len(COLUMNS)


@pytest.fixture
def asked(course):
    return {
        "city": add_question(course, K.SHORT_TEXT, "Which city?", fr="Quelle ville ?"),
        "regions": add_question(course, K.MULTIPLE_CHOICE, "Regions", options=REGIONS),
        "visa": add_question(course, K.YES_NO, "Do you need a visa?", fr="Visa ?"),
        "years": add_question(course, K.NUMBER, "Years of experience"),
        "since": add_question(course, K.DATE, "In this job since"),
        "employer": add_question(course, K.COUNTRY, "Country of your employer"),
        "cv": add_question(course, K.FILE, "Your CV"),
    }


@pytest.fixture
def applicants(course, asked, ana, ana_sousa):
    regions = asked["regions"].options
    first = make_registration(course, ana, status=RegistrationStatus.SUBMITTED)
    answering.update_answers(
        first,
        {
            asked["city"].id: '=HYPERLINK("http://evil.example")',
            asked["regions"].id: [str(regions[0].id), str(regions[3].id)],
            asked["visa"].id: "yes",
            asked["years"].id: "-3",
            asked["since"].id: "2015-03-01",
            asked["employer"].id: "BR",
            asked["cv"].id: upload(pdf(), '=HYPERLINK("evil") cv.pdf'),
        },
        actor=ana,
    )
    second = make_registration(course, ana_sousa, status=RegistrationStatus.SUBMITTED)
    answering.update_answers(second, {asked["visa"].id: "no"}, actor=ana_sousa)
    db.session.commit()
    return first, second


def read_csv(client, course, **args):
    response = client.get(f"/courses/{course.slug}/participants.csv", query_string=args)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def read_xlsx(client, course):
    response = client.get(f"/courses/{course.slug}/participants.xlsx")
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.data)).active


@pytest.fixture
def as_organiser(client, organiser, course):
    db.session.commit()
    return login(client, organiser)


def test_each_question_has_a_column_after_the_standard_ones(as_organiser, course, applicants):
    header, *_rows = read_csv(as_organiser, course)
    assert header[STANDARD:] == [
        "Which city?",
        "Regions",
        "Do you need a visa?",
        "Years of experience",
        "In this job since",
        "Country of your employer",
        "Your CV",
    ]


def test_the_answers_fill_each_registration_s_row(as_organiser, course, applicants):
    _header, first, second = read_csv(as_organiser, course)
    assert first[0] == "Ana Souza"
    assert first[STANDARD:] == [
        '\'=HYPERLINK("http://evil.example")',
        "Africa; Europe",
        "Yes",
        "-3",
        "2015-03-01",
        "Brazil",
        # The document's own name, never a formula.
        "'=HYPERLINK(_evil_) cv.pdf",
    ]
    assert second[0] == "Ana Sousa"
    assert second[STANDARD:] == ["", "", "No", "", "", "", ""]


def test_the_columns_are_in_the_exporter_s_language(client, course, organiser, applicants):
    organiser.locale = "fr"
    db.session.commit()
    header, first, _second = read_csv(login(client, organiser), course)
    assert header[STANDARD : STANDARD + 3] == ["Quelle ville ?", "Regions", "Visa ?"]
    assert first[STANDARD + 2] == "Oui"
    assert first[STANDARD + 5] == "Brésil"


def test_a_retired_question_keeps_its_column(as_organiser, course, asked, applicants):
    asked["visa"].is_retired = True
    db.session.commit()
    header, first, _second = read_csv(as_organiser, course)
    assert header[STANDARD + 2] == "Do you need a visa?"
    assert first[STANDARD + 2] == "Yes"


def test_a_question_label_cannot_become_a_formula(as_organiser, course, applicants):
    add_question(course, K.SHORT_TEXT, "@SUM(1+1)*cmd")
    db.session.commit()
    header, *_rows = read_csv(as_organiser, course)
    assert header[-1] == "'@SUM(1+1)*cmd"
    sheet = read_xlsx(as_organiser, course)
    cell = sheet.cell(row=1, column=len(header))
    assert (cell.value, cell.data_type) == ("'@SUM(1+1)*cmd", "s")


def test_the_export_follows_the_answer_filters(as_organiser, course, asked, applicants):
    rows = read_csv(as_organiser, course, **{f"answer_{asked['visa'].id}": "no"})
    assert [row[0] for row in rows[1:]] == ["Ana Sousa"]


def test_xlsx_keeps_numbers_and_dates_as_such_and_text_as_text(as_organiser, course, applicants):
    sheet = read_xlsx(as_organiser, course)
    header = [cell.value for cell in sheet[1]]
    row = {header[n]: cell for n, cell in enumerate(sheet[2])}
    assert row["Years of experience"].value == -3
    # openpyxl reads a date cell back as a (naive) datetime at midnight.
    assert row["In this job since"].value.date() == date(2015, 3, 1)
    assert row["In this job since"].is_date
    assert row["In this job since"].number_format == "yyyy-mm-dd"
    city = row["Which city?"]
    assert (city.value, city.data_type) == ('\'=HYPERLINK("http://evil.example")', "s")
    assert row["Regions"].value == "Africa; Europe"
    cv = row["Your CV"]
    assert (cv.value, cv.data_type) == ("'=HYPERLINK(_evil_) cv.pdf", "s")
    assert sheet.cell(row=3, column=header.index("Years of experience") + 1).value is None


def test_the_answers_of_other_courses_stay_out(as_organiser, course, applicants, neighbour):
    header, *rows = read_csv(as_organiser, course)
    assert "Which region do you work in?" not in header  # the neighbour's question
    assert len(rows) == 2


def test_dates_export_as_written(course, applicants):
    from app.registration import exports

    _header, rows = exports.export_table(course, list(applicants))
    assert rows[0][STANDARD + 4] == date(2015, 3, 1)
