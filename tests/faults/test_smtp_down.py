"""The mail server is down while people register: registrations go through, their messages
wait in the outbox (each failed attempt recorded), and once the server is back the next
delivery sends each message exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.db import now_utc
from app.extensions import db
from app.mail import services as mail_services
from app.mail.models import OutboxMessage, OutboxStatus
from app.registration import services
from app.registration.models import Registration, RegistrationStatus
from tests.conftest import login
from tests.factories import application_data, make_user
from tests.registration.conftest import open_course
from tests.registration.test_apply_routes import form_data

PEOPLE = 6


class Clock:
    """The outbox's idea of now, moved forward by the test as cron runs come and go."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self):  # type: ignore[no-untyped-def]
        return now_utc() + self.offset


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(mail_services, "now_utc", clock)
    return clock


def _mail_send(app) -> str:
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def _outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_registrations_go_through_while_smtp_is_down_and_mail_goes_out_once_it_is_back(
    app, client, smtp, clock
):
    course = open_course(capacity=10)
    people = [make_user() for _ in range(PEOPLE)]
    db.session.commit()
    emails = [person.email for person in people]

    # Nothing listens on the mail port: registering never waits for it.
    login(client, people[0])
    response = client.post(f"/courses/{course.slug}/register", data=form_data(email=emails[0]))
    assert response.status_code == 302
    for person in people[1:]:
        services.apply(course, person, application_data(email=person.email))
        db.session.commit()
    db.session.expire_all()
    statuses = db.session.scalars(
        sa.select(Registration.status).where(Registration.course_id == course.id)
    ).all()
    assert statuses == [RegistrationStatus.CONFIRMED] * PEOPLE

    # Cron runs `flask mail send` every few minutes while the server is down.
    runs_while_down = 3
    for _ in range(runs_while_down):
        output = _mail_send(app)
        assert f"Sent 0, failed 1 (will be retried), still pending {PEOPLE}." in output
        clock.offset += timedelta(minutes=5)
    rows = _outbox()
    assert sorted(row.recipient for row in rows) == sorted(emails)
    assert all(row.status == OutboxStatus.PENDING and row.sent_at is None for row in rows)
    # A run stops at the first refused connection instead of waiting on every message.
    assert sum(row.attempts for row in rows) == runs_while_down
    for row in rows:
        if row.attempts:
            assert "ConnectionRefusedError" in row.last_error
            assert row.next_attempt_at > now_utc()
        else:
            assert row.last_error == ""
    assert smtp.envelopes == []

    # The server comes back; the next run (an hour on, every retry due) sends everything.
    smtp.start()
    clock.offset += timedelta(hours=1)
    assert f"Sent {PEOPLE}, failed 0 (will be retried), still pending 0." in _mail_send(app)
    clock.offset += timedelta(hours=1)
    assert "Sent 0, failed 0 (will be retried), still pending 0." in _mail_send(app)

    received = Counter(rcpt for envelope in smtp.envelopes for rcpt in envelope.rcpt_tos)
    assert received == dict.fromkeys(emails, 1)
    rows = _outbox()
    assert all(row.status == OutboxStatus.SENT and row.last_error == "" for row in rows)
    assert all(row.subject.startswith("Your place is confirmed") for row in rows)
