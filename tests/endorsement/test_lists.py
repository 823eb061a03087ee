"""The endorsement in lists: the desk's filter, the CSV and XLSX exports, the selection list
and application page."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from app.courses.models import CourseTeamMember, TeamRole
from app.db import now_utc
from app.endorsement import services
from app.endorsement.models import EndorsementStatus
from app.extensions import db
from app.registration.exports import DeskFilters, desk_registrations, export_table
from app.registration.models import RegistrationStatus
from tests.conftest import login
from tests.endorsement.conftest import applicant, apply_with_endorser
from tests.factories import make_registration, make_user

E = EndorsementStatus


@pytest.fixture
def five(course, organiser):
    """Five applications: awaiting, endorsed, declined, waived, expired; and one applicant who
    applied before the course asked for endorsement."""
    now = now_utc()
    people = {}
    for key, name in [
        ("awaiting", "Ana Souza"),
        ("endorsed", "Ana Sousa"),
        ("declined", "Anna Souza"),
        ("waived", "Ana Suza"),
        ("expired", "Ana Souza Lima"),
    ]:
        user = applicant(f"{key}@example.org", name)
        people[key] = apply_with_endorser(
            course, user, endorser_email=f"boss.{key}@example.org", now=now - timedelta(days=1)
        )
    course.requires_approval = True  # endorsed ones stay submitted, so all five are listed
    services.respond(people["endorsed"][2], endorse=True, comment="=SUM(A1)", now=now)
    services.respond(people["declined"][2], endorse=False, comment="No.", now=now)
    services.waive(people["waived"][0], actor=organiser, now=now)
    people["expired"][1].expires_at = now - timedelta(seconds=1)
    people["plain"] = (
        make_registration(course, make_user(), status=RegistrationStatus.SUBMITTED),
        None,
        None,
    )
    db.session.commit()
    return people


@pytest.mark.parametrize("state", list(EndorsementStatus))
def test_desk_filter_by_endorsement(course, five, state):
    found = desk_registrations(course, DeskFilters(endorsement=state))
    assert found == [five[state.value][0]]


def test_desk_filter_through_the_page(client, course, five, organiser):
    login(client, organiser)
    page = client.get(f"/courses/{course.slug}/participants?endorsement=expired")
    text = page.get_data(as_text=True)
    assert "Ana Souza Lima" in text and "Anna Souza" not in text
    assert 'name="endorsement"' in text
    assert "endorsement=expired" in text  # kept in the export links
    everyone = client.get(f"/courses/{course.slug}/participants?endorsement=bogus")
    assert "Anna Souza" in everyone.get_data(as_text=True)


def test_no_filter_for_a_course_without_endorsement(client, organiser):
    from tests.registration.conftest import open_course

    other = open_course(organisers=(organiser,))
    db.session.commit()
    login(client, organiser)
    text = client.get(f"/courses/{other.slug}/participants").get_data(as_text=True)
    assert 'name="endorsement"' not in text


def test_export_columns(course, five, organiser):
    header, rows = export_table(course, desk_registrations(course))
    start = header.index("Endorsement")
    assert header[start : start + 8] == [
        "Endorsement",
        "Endorser's name",
        "Endorser's position",
        "Endorser's email address",
        "Endorsement link sent on",
        "Endorsed or declined on",
        "Endorser's comment",
        "Endorsement waived by",
    ]
    by_name = {row[0]: row[start : start + 8] for row in rows}
    endorsed = by_name["Ana Sousa"]
    assert endorsed[0] == "Endorsed"
    assert endorsed[3] == "boss.endorsed@example.org"
    assert endorsed[5] is not None and endorsed[5].tzinfo is None  # the venue's wall clock
    assert endorsed[6] == "=SUM(A1)"
    assert by_name["Ana Suza"][0] == "Endorsement waived by the organisers"
    assert by_name["Ana Suza"][7] == "Olga Organiser"
    assert by_name["Ana Souza Lima"][0] == "Endorsement link expired"
    assert by_name["Anna Souza"][:1] == ["Endorsement declined"]
    plain = [row for row in rows if row[0] not in by_name or row[0].startswith("Test User")]
    assert all(value is None for value in plain[0][start : start + 8])


def test_csv_and_xlsx_carry_the_columns_safely(client, course, five, organiser):
    login(client, organiser)
    response = client.get(f"/courses/{course.slug}/participants.csv")
    header, *rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert "Endorser's comment" in header
    comments = [row[header.index("Endorser's comment")] for row in rows]
    assert "'=SUM(A1)" in comments  # never a formula
    response = client.get(f"/courses/{course.slug}/participants.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    titles = [cell.value for cell in sheet[1]]
    assert "Endorsement" in titles


def test_no_columns_for_a_course_without_endorsement(organiser):
    from tests.registration.conftest import open_course

    other = open_course(organisers=(organiser,))
    make_registration(other, make_user())
    header, _ = export_table(other, desk_registrations(other))
    assert "Endorsement" not in header


def test_selection_list_and_application_page(client, course, five, organiser):
    reviewer = make_user(name="Rania Reviewer")
    course.team.append(CourseTeamMember(user=reviewer, role=TeamRole.REVIEWER))
    db.session.commit()
    for user in (organiser, reviewer):
        login(client, user)
        text = client.get(f"/courses/{course.slug}/selection").get_data(as_text=True)
        for state in ("awaiting", "endorsed", "declined", "waived", "expired"):
            assert f'data-endorsement="{state}"' in text
    registration = five["declined"][0]
    page = client.get(f"/courses/{course.slug}/selection/{registration.id}")
    text = page.get_data(as_text=True)
    assert "Endorsement declined" in text
    assert "boss.declined@example.org" in text
    assert "No." in text


def test_bulk_decisions_refuse_the_unendorsed_and_go_on(course, five, organiser):
    from app.registration.desk import apply_to_many
    from app.registration.desk_forms import DeskAction
    from app.selection.listing import Decision, decide

    course.capacity = 10
    waiting = [five[key][0] for key in ("awaiting", "declined", "expired")]
    ready = [five[key][0] for key in ("endorsed", "waived", "plain")]
    outcome = decide(course, waiting + ready[:1], Decision.CONFIRM, actor=organiser)
    assert outcome.done == ready[:1]
    assert {r for r, _ in outcome.refused} == set(waiting)
    assert all("not endorsed yet" in reason for _, reason in outcome.refused)
    result = apply_to_many(waiting + ready[1:], DeskAction.WAITLIST, actor=organiser)
    assert result.done == ready[1:]
    assert [r for r, _ in result.refused] == waiting
    assert all(r.status == RegistrationStatus.SUBMITTED for r in waiting)
