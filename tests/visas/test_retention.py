"""Passport details are erased by ``flask tick`` VISA_DATA_RETENTION_DAYS (90) whole days after
the course's last day at the venue; the letter stays verifiable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from app.accounts.models import Role
from app.courses.models import CourseTeamMember, TeamRole
from app.extensions import db
from app.mail.models import OutboxMessage
from app.reminders import run_tick
from app.visas import services
from app.visas.models import VisaLetterRequest
from app.visas.retention import erase_due
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.neighbours import Neighbour, guard, make_busy_course
from tests.visas.conftest import details, requests

START = date(2031, 3, 3)  # Monday; the last day is Friday 7 March 2031
ASKED = datetime(2031, 1, 10, 9, 0, tzinfo=UTC)
# 90 whole days after 7 March: the details go at the start of 6 June, at each venue.
AUCKLAND_MIDNIGHT = datetime(2031, 6, 5, 12, 0, tzinfo=UTC)  # NZST, UTC+12
ROME_MIDNIGHT = datetime(2031, 6, 5, 22, 0, tzinfo=UTC)  # CEST, UTC+2
SECOND = timedelta(seconds=1)


def passport(letter: VisaLetterRequest) -> tuple:
    db.session.expire_all()
    return (
        letter.passport_name,
        letter.passport_number,
        letter.birth_date,
        letter.passport_expires_on,
        letter.passport_erased_at,
    )


KEPT = ("Tesfaye Bekele Alemu", "EP1234567", date(1984, 5, 17), date(2032, 1, 31), None)


@pytest.fixture(autouse=True)
def neighbour() -> Iterator[Neighbour]:
    """A busy course two months later (5-9 May 2031) with a pending and an issued request, whose
    details are kept until 8 August."""
    neighbour = make_busy_course(date(2031, 5, 5))
    first, second = neighbour.registrations[:2]
    nina = make_user(Role.ORGANISER, name="Nina Neighbour-Organiser")
    services.request_letter(
        first,
        details(passport_number="NB000001", passport_expires_on=None),
        actor=first.user,
        now=ASKED,
    )
    issued = services.request_letter(
        second,
        details(passport_number="NB000002", passport_expires_on=None),
        actor=second.user,
        now=ASKED,
    )
    services.issue(issued, actor=nina, now=ASKED)
    # No follow-up phase: the tick below has no reminder to send its participants.
    neighbour.course.followup_opens_on = neighbour.course.followup_closes_on = None
    db.session.query(OutboxMessage).delete()
    yield from guard(neighbour)


def neighbour_numbers(neighbour: Neighbour) -> list[str]:
    return sorted(r.passport_number for r in requests(neighbour.course.slug))


@pytest.fixture
def organiser():
    return make_user(Role.ORGANISER, name="Olga Organiser")


def letter_at(timezone: str, organiser, *, name: str, issue: bool = True) -> VisaLetterRequest:
    course = make_course(start=START, venue=make_venue(timezone))
    registration = make_registration(course, make_user(name=name))
    letter = services.request_letter(
        registration,
        details(passport_expires_on=date(2032, 1, 31)),
        actor=registration.user,
        now=ASKED,
    )
    if issue:
        services.issue(letter, actor=organiser, now=ASKED)
    db.session.commit()
    return letter


def test_the_details_go_at_the_start_of_the_venue_s_day_after_the_period(organiser, neighbour):
    auckland = letter_at("Pacific/Auckland", organiser, name="Tesfaye Bekele")
    rome = letter_at("Europe/Rome", organiser, name="Tesfaye Bekele Alemu")
    pending = letter_at("Pacific/Auckland", organiser, name="Ana Souza", issue=False)

    assert erase_due(AUCKLAND_MIDNIGHT - SECOND) == 0
    assert passport(auckland) == KEPT

    report = run_tick(AUCKLAND_MIDNIGHT)
    assert report.visa_passports_erased == 2
    assert "Passport details erased from visa letter requests: 2." in report.summary()
    assert passport(auckland) == ("", "", None, None, AUCKLAND_MIDNIGHT)
    assert passport(pending)[:4] == ("", "", None, None)
    # Still 6 June's eve in Rome.
    assert passport(rome) == KEPT
    assert erase_due(ROME_MIDNIGHT - SECOND) == 0
    assert erase_due(ROME_MIDNIGHT) == 1
    assert passport(rome) == ("", "", None, None, ROME_MIDNIGHT)

    # What a letter is keeps: its state, reference and code, nationality and consulate.
    db.session.expire_all()
    assert auckland.is_issued and auckland.reference.startswith("VISA-2031-")
    assert auckland.code and auckland.nationality == "ET"
    assert auckland.consulate_city == "Addis Ababa"
    # Erased once: a later run finds nothing more to do and keeps the first date.
    assert erase_due(ROME_MIDNIGHT + timedelta(days=30)) == 0
    assert passport(auckland)[4] == AUCKLAND_MIDNIGHT
    assert neighbour_numbers(neighbour) == ["NB000001", "NB000002"]


def test_the_period_is_a_setting(app, organiser):
    letter = letter_at("Europe/Rome", organiser, name="Lucía Pérez")
    app.config["VISA_DATA_RETENTION_DAYS"] = 10
    try:
        # 10 whole days after 7 March: from 18 March, 00:00 in Rome (CET, UTC+1).
        eighteenth = datetime(2031, 3, 17, 23, 0, tzinfo=UTC)
        assert erase_due(eighteenth - SECOND) == 0
        assert erase_due(eighteenth) == 1
    finally:
        app.config["VISA_DATA_RETENTION_DAYS"] = 90
    assert passport(letter)[1] == ""


def test_an_erased_letter_is_still_verified_but_no_longer_downloaded(client, organiser):
    letter = letter_at("Europe/Rome", organiser, name="Tesfaye Bekele")
    erase_due(ROME_MIDNIGHT)
    db.session.commit()
    code = services.format_code(letter.code)
    html = client.get(f"/letters/{code}").get_data(as_text=True)
    assert "Valid invitation letter" in html
    assert "Tesfaye Bekele" in html and "Tesfaye Bekele Alemu" not in html  # the registration's
    assert "EP1234567" not in html
    login(client, letter.registration.user)
    response = client.get(f"/my/registrations/{letter.registration_id}/visa-letter.pdf")
    assert response.status_code == 410
    assert "were erased on" in response.get_data(as_text=True)
    page = client.get(f"/my/registrations/{letter.registration_id}/visa-letter").get_data(
        as_text=True
    )
    assert "Your passport details were erased after the course" in page
    course = letter.registration.course
    course.team.append(CourseTeamMember(user=organiser, role=TeamRole.ORGANISER))
    db.session.commit()
    login(client, organiser)
    detail = client.get(f"/courses/{course.slug}/visa-letters/{letter.id}").get_data(as_text=True)
    assert "The passport details were erased on" in detail and "EP1234567" not in detail
