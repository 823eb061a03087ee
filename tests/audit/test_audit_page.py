"""The administrators' audit log (issue 15): what is recorded for role changes,
(de)activations and exports of participants' data, and the page that lists it, newest first,
filtered by action, person and UTC dates, paginated with bounded page numbers."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.accounts import services as accounts
from app.accounts.models import Role
from app.audit.models import AuditAction, AuditEvent
from app.audit.services import EVENTS_PER_PAGE, record
from app.extensions import db
from tests.conftest import login as _login
from tests.factories import make_course, make_registration, make_user


def login(client, user):
    """Sign in without a trace in the log: tests.conftest.login starts a real session, which
    is audited as a log-in, and these tests count the events of their own worlds."""
    last = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
    signed_in = _login(client, user)
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id > last))
    db.session.commit()
    return signed_in


def events() -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))


@pytest.fixture
def people(db):
    admin = make_user(Role.ADMIN, name="Ada Admin", email="ada@example.org")
    admin.timezone = "America/Guayaquil"
    alves = make_user(name="Ana Alves", email="ana.alves@example.org")
    alvarez = make_user(name="Ana Álvarez", email="ana.alvarez@example.org")
    return admin, alves, alvarez


# --- What is recorded -------------------------------------------------------------------------


def test_a_role_change_records_old_and_new(people):
    admin, alves, _alvarez = people
    accounts.change_role(alves, Role.ORGANISER, actor=admin)
    [event] = events()
    assert (event.action, event.actor_id, event.subject_id) == (
        AuditAction.ROLE_CHANGED,
        admin.id,
        alves.id,
    )
    assert event.detail == {"old": "participant", "new": "organiser"}
    assert event.at is not None and event.at.tzinfo is not None


def test_the_same_role_again_records_nothing(people):
    admin, alves, _alvarez = people
    accounts.change_role(alves, Role.PARTICIPANT, actor=admin)
    assert events() == []


def test_deactivation_and_reactivation_are_recorded_once_each(people):
    admin, alves, _alvarez = people
    accounts.set_active(alves, False, actor=admin)
    accounts.set_active(alves, False, actor=admin)
    accounts.set_active(alves, True, actor=admin)
    assert [(e.action, e.actor_id, e.subject_id) for e in events()] == [
        (AuditAction.ACCOUNT_DEACTIVATED, admin.id, alves.id),
        (AuditAction.ACCOUNT_REACTIVATED, admin.id, alves.id),
    ]


def test_a_refused_change_records_nothing(people):
    _admin, alves, alvarez = people
    with pytest.raises(accounts.NotAllowed):
        accounts.change_role(alvarez, Role.ADMIN, actor=alves)
    assert events() == []


@pytest.mark.parametrize(
    ("url", "export", "fmt"),
    [
        ("/courses/governing-2027/participants.csv", "participants", "csv"),
        ("/courses/governing-2027/participants.xlsx", "participants", "xlsx"),
        ("/courses/governing-2027/invoices.csv", "invoices", "csv"),
        ("/courses/governing-2027/payments.xlsx", "payments", "xlsx"),
    ],
)
def test_every_export_of_participants_data_is_recorded(client, people, url, export, fmt):
    _admin, alves, alvarez = people
    olga = make_user(Role.ORGANISER, name="Olga Organiser")
    course = make_course(slug="governing-2027", organisers=(olga,))
    other = make_course(slug="mainstreaming-2027")
    make_registration(course, alves)
    make_registration(course, alvarez)
    make_registration(other, make_user(name="Carla Souza"))
    db.session.commit()
    login(client, olga)
    assert client.get(url).status_code == 200
    [event] = [e for e in events() if e.action == AuditAction.PARTICIPANTS_EXPORTED]
    assert event.actor_id == olga.id and event.subject_id == olga.id
    assert event.detail["course"] == "governing-2027"
    assert (event.detail["export"], event.detail["format"]) == (export, fmt)
    if export == "participants":
        assert event.detail["rows"] == 2


# --- The page ---------------------------------------------------------------------------------


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def logged(people):
    admin, alves, alvarez = people
    for when, action, actor, subject in (
        (at(2027, 3, 1, 23, 59), AuditAction.LOGGED_IN, alves, alves),
        (at(2027, 3, 2, 0, 0), AuditAction.ROLE_CHANGED, admin, alvarez),
        (at(2027, 3, 2, 23, 59, 59), AuditAction.ACCOUNT_DEACTIVATED, admin, alves),
        (at(2027, 3, 3, 0, 0), AuditAction.LOGIN_FAILED, None, alvarez),
    ):
        event = record(action, actor=actor, subject=subject, ip="203.0.113.7")
        event.at = when
    db.session.commit()
    return people


def rows(html: str) -> list[str]:
    body = html.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in html else ""
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("<tr>")[1:]
    ]


def page(client, query: str = "") -> str:
    response = client.get(f"/admin/audit{query}")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    return response.get_data(as_text=True)


def test_newest_first_in_the_admin_s_time_zone(client, logged):
    admin, *_ = logged
    login(client, admin)
    found = rows(page(client))
    assert [r.split(" 2027")[0] for r in found]  # every row has a time
    assert "Log-in failed" in found[0] and "Log-in failed" not in found[1]
    assert "Logged in" in found[-1]
    # 3 March 00:00 UTC is 2 March 19:00 in Guayaquil.
    assert "Mar 2, 2027, 7:00:00" in found[0]
    assert "Ana Álvarez" in found[0] and "203.0.113.7" in found[0]
    assert "new" not in found[0]


def test_filter_by_action(client, logged):
    login(client, logged[0])
    found = rows(page(client, "?action=role_changed"))
    assert len(found) == 1 and "Role changed" in found[0]


@pytest.mark.parametrize(
    ("person", "count"),
    [
        ("Ana Alves", 2),
        ("Álvarez", 2),
        ("ALVES", 2),
        ("ana.alvarez@", 2),
        ("Ada", 2),
        ("ana", 4),
        ("zoe", 0),
    ],
)
def test_filter_by_person_as_actor_or_account(client, logged, person, count):
    login(client, logged[0])
    assert len(rows(page(client, f"?person={person}"))) == count


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("?since=2027-03-02", 3),
        ("?until=2027-03-02", 3),
        ("?since=2027-03-02&until=2027-03-02", 2),
        ("?since=2027-03-03", 1),
        ("?until=2027-03-01", 1),
        ("?since=2027-03-04", 0),
    ],
)
def test_filter_by_utc_dates_both_included(client, logged, query, count):
    login(client, logged[0])
    assert len(rows(page(client, query))) == count


def test_an_end_before_the_start_is_said_beside_the_field(client, logged):
    login(client, logged[0])
    html = page(client, "?since=2027-03-03&until=2027-03-01")
    assert 'id="until-errors"' in html
    assert "The end date is before the start date." in html


def test_pages_are_bounded(client, people):
    admin, alves, _alvarez = people
    for _ in range(EVENTS_PER_PAGE + 1):
        record(AuditAction.LOGGED_IN, actor=alves)
    db.session.commit()
    login(client, admin)
    assert len(rows(page(client))) == EVENTS_PER_PAGE
    assert len(rows(page(client, "?page=2"))) == 1
    assert len(rows(page(client, "?page=99999999999999999999"))) == 0
    assert len(rows(page(client, "?page=-1"))) == EVENTS_PER_PAGE


def test_linked_from_the_users_page_and_closed_to_others(client, people):
    admin, alves, _alvarez = people
    db.session.commit()
    login(client, admin)
    assert 'href="/admin/audit"' in client.get("/admin/users").get_data(as_text=True)
    login(client, alves)
    assert client.get("/admin/audit").status_code == 403
