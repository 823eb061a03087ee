"""Exports of the participant desk (CSV, XLSX), the summary and the special-needs list."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import openpyxl
import pytest

from app.accounts.models import Role
from app.courses.models import CourseTeamMember, TeamRole
from app.extensions import db
from app.registration import exports, services
from app.registration.models import Gender, OrganisationType
from app.registration.models import RegistrationStatus as S
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user

BOM = b"\xef\xbb\xbf"


@pytest.fixture(autouse=True)
def _no_mail(monkeypatch):
    monkeypatch.setattr(services, "_notify", lambda *args, **kwargs: None)


@pytest.fixture
def organiser():
    return make_user(Role.ORGANISER, name="Olga Organiser")


@pytest.fixture
def course(organiser):
    return make_course(slug="governing-2017", organisers=(organiser,))


def person(course, name, status=S.CONFIRMED, **overrides):
    user = make_user(name=name, email=f"{'.'.join(name.lower().split())}@example.org")
    return make_registration(course, user, status=status, **overrides)


def read_csv(response):
    assert response.data.startswith(BOM)
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


# ---------------------------------------------------------------------------
# CSV


def test_csv_is_utf8_with_a_bom_and_keeps_accents(client, course, organiser):
    person(course, "María Ñúñez", country="ES", organisation="Ayuntamiento de Málaga")
    db.session.commit()
    login(client, organiser)
    response = client.get("/courses/governing-2017/participants.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="governing-2017-participants.csv"'
    )
    header, row = read_csv(response)
    assert header[:3] == ["Name", "Email", "Country of residence"]
    assert "María Ñúñez".encode() in response.data
    values = dict(zip(header, row, strict=True))
    assert values["Name"] == "María Ñúñez"
    assert values["Country of residence"] == "Spain"
    assert values["Organisation"] == "Ayuntamiento de Málaga"
    assert values["Status"] == "Confirmed"
    assert values["Type of organisation"] == "Local or regional authority"
    assert values["On the participant list"] == "Yes"


@pytest.mark.parametrize(
    "dangerous",
    ['=HYPERLINK("http://evil.example")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"],
)
def test_csv_cells_cannot_become_formulas(client, course, organiser, dangerous):
    registration = person(course, "Eve Example")
    registration.organisation = dangerous  # as stored, whatever the form would have trimmed
    db.session.commit()
    login(client, organiser)
    header, row = read_csv(client.get("/courses/governing-2017/participants.csv"))
    assert dict(zip(header, row, strict=True))["Organisation"] == "'" + dangerous


def test_safe_cell_leaves_ordinary_text_alone():
    assert exports.safe_cell("Ana Souza") == "Ana Souza"
    assert exports.safe_cell("a=b") == "a=b"
    assert exports.safe_cell("") == ""
    assert exports.safe_cell("=1") == "'=1"


def test_csv_follows_the_lists_filters(client, course, organiser):
    person(course, "Ana Souza", country="BR")
    person(course, "Kiprono Mutai", country="KE")
    person(course, "Lena Vogel", S.WAITLISTED, country="DE")
    db.session.commit()
    login(client, organiser)
    rows = read_csv(client.get("/courses/governing-2017/participants.csv?country=KE"))
    assert [row[0] for row in rows[1:]] == ["Kiprono Mutai"]
    rows = read_csv(client.get("/courses/governing-2017/participants.csv?status=waitlisted"))
    assert [row[0] for row in rows[1:]] == ["Lena Vogel"]
    header = rows[0]
    assert rows[1][header.index("Place on the waiting list")] == "1"


def test_csv_times_are_at_the_venue(client, course, organiser):
    registration = person(course, "Ana Souza")
    registration.created_at = datetime(2017, 10, 2, 22, 30, tzinfo=UTC)  # Turin: CEST, +2
    db.session.commit()
    login(client, organiser)
    header, row = read_csv(client.get("/courses/governing-2017/participants.csv"))
    assert row[header.index("Applied on")] == "2017-10-03 00:30"


def test_csv_headers_are_in_the_viewers_language(client, course, organiser):
    organiser.locale = "fr"
    person(course, "Ana Souza")
    db.session.commit()
    login(client, organiser)
    header, _row = read_csv(client.get("/courses/governing-2017/participants.csv"))
    assert header[:2] == ["Nom", "Courriel"]


# ---------------------------------------------------------------------------
# XLSX


def test_xlsx_opens_with_the_right_rows(client, course, organiser):
    person(course, "María Ñúñez", country="ES", gender=Gender.WOMAN)
    person(course, "Kiprono Mutai", S.SUBMITTED, country="KE", organisation="=1+1")
    other = make_course(slug="other-course")
    person(other, "Elsewhere Person")
    db.session.commit()
    login(client, organiser)
    response = client.get("/courses/governing-2017/participants.xlsx")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="governing-2017-participants.xlsx"'
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:2] == ["Name", "Email"]
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_name) == {"María Ñúñez", "Kiprono Mutai"}
    assert by_name["María Ñúñez"]["Country of residence"] == "Spain"
    assert by_name["María Ñúñez"]["Gender"] == "Woman"
    assert by_name["Kiprono Mutai"]["Status"] == "Submitted"
    assert isinstance(by_name["Kiprono Mutai"]["Applied on"], datetime)
    # Stored as text, never as a formula.
    organisation_column = header.index("Organisation") + 1
    cells = [sheet.cell(row=r, column=organisation_column) for r in range(2, 4)]
    formula_cell = next(c for c in cells if "1+1" in str(c.value))
    assert formula_cell.data_type == "s"
    assert formula_cell.value == "'=1+1"


# ---------------------------------------------------------------------------
# Summary


@pytest.fixture
def mixed(course):
    person(course, "A One", country="BR", gender=Gender.WOMAN)
    person(course, "A Two", country="BR", gender=Gender.MAN)
    person(
        course,
        "A Three",
        country="KE",
        gender=Gender.WOMAN,
        organisation_type=OrganisationType.ACADEMIA,
    )
    person(course, "A Four", country="DE", organisation_type=OrganisationType.ACADEMIA)
    # Not confirmed: not counted.
    person(course, "W One", S.WAITLISTED, country="ET", gender=Gender.MAN)
    person(course, "S One", S.SUBMITTED, country="ET")
    return course


def test_summary_counts_confirmed_participants(mixed):
    summary = exports.participant_summary(mixed)
    assert summary.total == 4
    assert [(s.label, s.count) for s in summary.by_country] == [
        ("Brazil", 2),
        ("Germany", 1),
        ("Kenya", 1),
    ]
    assert summary.by_country[0].fraction == 0.5
    assert [(s.label, s.count) for s in summary.by_organisation_type] == [
        ("Academia", 2),
        ("Local or regional authority", 2),
    ]
    assert [(s.label, s.count) for s in summary.by_gender] == [
        ("Woman", 2),
        ("Man", 1),
        ("Not given", 1),
    ]
    assert summary.by_gender[-1].fraction == 0.25


def test_summary_page_shows_numbers_and_percentages(client, organiser, mixed):
    db.session.commit()
    login(client, organiser)
    response = client.get("/courses/governing-2017/participants/summary")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "4 confirmed participants." in html
    assert "Brazil" in html and "50.0%" in html and "25.0%" in html
    assert "Not given" in html
    assert "Ethiopia" not in html  # nobody from there is confirmed


def test_summary_of_an_empty_course(client, organiser, course):
    db.session.commit()
    assert exports.participant_summary(course).total == 0
    login(client, organiser)
    html = client.get("/courses/governing-2017/participants/summary").get_data(as_text=True)
    assert "0 confirmed participants." in html


# ---------------------------------------------------------------------------
# Special needs


def test_special_needs_lists_confirmed_participants_with_a_need(client, organiser, course):
    person(course, "Diet Person", diet="Vegetarian, no nuts")
    person(course, "Access Person", accessibility="Wheelchair access to the rooms")
    person(course, "Plain Person")
    person(course, "Waiting Person", S.WAITLISTED, diet="Halal")
    db.session.commit()
    assert [r.certificate_name for r in exports.special_needs(course)] == [
        "Access Person",
        "Diet Person",
    ]
    login(client, organiser)
    response = client.get("/courses/governing-2017/participants/special-needs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Vegetarian, no nuts" in html and "Wheelchair access to the rooms" in html
    assert "Plain Person" not in html and "Halal" not in html
    assert "/static/css/desk.css" in html  # with the print styles


def test_a_facilitator_may_download_but_a_stranger_may_not(client, course):
    facilitator = make_user()
    course.team.append(CourseTeamMember(user=facilitator, role=TeamRole.FACILITATOR))
    stranger = make_user(Role.ORGANISER)
    db.session.commit()
    login(client, facilitator)
    assert client.get("/courses/governing-2017/participants.csv").status_code == 200
    assert client.get("/courses/governing-2017/participants.xlsx").status_code == 200
    login(client, stranger)
    assert client.get("/courses/governing-2017/participants.csv").status_code == 403
    assert client.get("/courses/governing-2017/participants.xlsx").status_code == 403
