"""``flask tick``: offers expire, reminders go out once, the outbox is delivered to a real SMTP
server (aiosmtpd on 127.0.0.1), and a second run sends nothing twice."""

from __future__ import annotations

import email
from datetime import UTC, date, datetime, timedelta
from email import policy

import pytest
import sqlalchemy as sa
from flask import Flask

from app.courses.models import CourseStatus
from app.extensions import db
from app.followup.services import apply_followup_defaults
from app.mail.models import OutboxMessage, OutboxStatus
from app.registration.models import Registration, RegistrationStatus
from app.reminders import run_tick
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.mail.conftest import SmtpServer, smtp, smtp_server  # noqa: F401 - fixtures used below

S = RegistrationStatus
START = date(2030, 3, 4)  # a Monday; midnight in Turin is 2030-03-03 23:00 UTC
# The follow-up phase then runs 22 March to 18 April 2030.
FOLLOWUP_OPENS_AT = datetime(2030, 3, 21, 23, 0, tzinfo=UTC)  # midnight in Turin (CET)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def parsed(row: OutboxMessage) -> email.message.EmailMessage:
    return email.message_from_bytes(row.raw, policy=policy.default)


def reload(registration: Registration) -> Registration:
    db.session.expire_all()
    return db.session.get(Registration, registration.id)


@pytest.fixture
def course():
    course = make_course(slug="governing-2030", start=START, venue=make_venue("Europe/Rome"))
    apply_followup_defaults(course)
    db.session.commit()
    return course


@pytest.fixture
def confirmed(course) -> Registration:
    registration = make_registration(course, make_user(email="ana@example.org"))
    db.session.commit()
    return registration


# --- the start reminder ----------------------------------------------------------------------


def test_start_reminder_is_sent_once(course, confirmed):
    now = at(2030, 2, 27, 12)
    first = run_tick(now)
    second = run_tick(now + timedelta(hours=1))
    assert (first.start_reminders, second.start_reminders) == (1, 0)
    [row] = outbox()
    assert row.recipient == "ana@example.org"
    assert row.subject == "Governing migration at the local level starts on March 4, 2030"
    body = parsed(row).get_body(preferencelist=("plain",)).get_content()
    assert "Mar 4" in body and "8, 2030" in body
    assert "Venue: ITC-ILO campus" in body
    assert "starts on March 4, 2030" in body
    assert "http://atelier.test/courses/governing-2030" in body
    assert reload(confirmed).start_reminder_sent_at == now


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (at(2030, 2, 24, 22, 59), False),  # 7 days and a minute before midnight in Turin
        (at(2030, 2, 24, 23, 0), True),  # exactly 7 days before
        (at(2030, 3, 3, 22, 59), True),  # the last minute before it starts
        (at(2030, 3, 3, 23, 0), False),  # started: too late for a reminder
    ],
)
def test_start_reminder_window_is_seven_days_at_the_venue(course, confirmed, now, due):
    assert run_tick(now).start_reminders == (1 if due else 0)


def test_start_reminder_is_in_the_registrations_language(course):
    make_registration(course, make_user(locale="en"), language="fr")
    db.session.commit()
    run_tick(at(2030, 2, 27, 12))
    [row] = outbox()
    message = parsed(row)
    assert message["Content-Language"] == "fr"
    assert "4 mars 2030" in row.subject


@pytest.mark.parametrize("status", [S.WAITLISTED, S.CANCELLED, S.SUBMITTED, S.REJECTED])
def test_only_confirmed_participants_are_reminded(course, status):
    make_registration(course, status=status)
    db.session.commit()
    report = run_tick(at(2030, 2, 27, 12))
    assert report.start_reminders == 0
    assert outbox() == []


@pytest.mark.parametrize("status", [CourseStatus.DRAFT, CourseStatus.CANCELLED])
def test_only_published_courses(course, confirmed, status):
    course.status = status
    db.session.commit()
    assert run_tick(at(2030, 2, 27, 12)).start_reminders == 0
    assert run_tick(FOLLOWUP_OPENS_AT).followup_reminders == 0
    assert outbox() == []


# --- the follow-up reminder ------------------------------------------------------------------


def test_followup_reminder_when_the_phase_opens_at_the_venue(course, confirmed):
    assert run_tick(FOLLOWUP_OPENS_AT - timedelta(minutes=1)).followup_reminders == 0
    report = run_tick(FOLLOWUP_OPENS_AT)
    assert report.followup_reminders == 1
    assert run_tick(FOLLOWUP_OPENS_AT + timedelta(days=2)).followup_reminders == 0
    # The first tick since the course ended also opened its evaluation (app.evaluation).
    invitation, row = outbox()
    assert invitation.subject == "Your evaluation of Governing migration at the local level"
    assert row.subject == (
        "The online follow-up phase of Governing migration at the local level is open"
    )
    body = parsed(row).get_body(preferencelist=("plain",)).get_content()
    assert "http://atelier.test/courses/governing-2030/followup/mine" in body
    assert reload(confirmed).followup_reminder_sent_at == FOLLOWUP_OPENS_AT


def test_no_followup_reminder_once_the_phase_has_closed(course, confirmed):
    assert run_tick(at(2030, 4, 19, 12)).followup_reminders == 0
    assert outbox() == []


def test_each_reminder_once_per_registration_and_kind(course):
    people = [make_registration(course) for _ in range(3)]
    db.session.commit()
    for now in (at(2030, 2, 26, 8), at(2030, 2, 27, 8), FOLLOWUP_OPENS_AT, at(2030, 3, 25, 8)):
        run_tick(now)
    rows = outbox()
    # Before the start, the follow-up phase, and the evaluation's invitation (app.evaluation).
    assert len(rows) == 9
    by_recipient: dict[str, int] = {}
    for row in rows:
        by_recipient[row.recipient] = by_recipient.get(row.recipient, 0) + 1
    assert by_recipient == {p.email: 3 for p in people}


# --- offers ----------------------------------------------------------------------------------


def test_an_expired_offer_passes_the_seat_on():
    course = make_course(start=START, capacity=1, venue=make_venue("Europe/Rome"))
    course.waitlist_offers = True
    now = at(2030, 2, 1, 12)
    holder = make_registration(course, status=S.WAITLISTED)
    holder.offer_expires_at = now - timedelta(hours=1)
    holder.waitlist_position = 1
    next_in_line = make_registration(course, status=S.WAITLISTED)
    next_in_line.waitlist_position = 2
    db.session.commit()

    report = run_tick(now)

    assert report.offers_expired == 1
    assert reload(holder).status == S.CANCELLED
    passed_on = reload(next_in_line)
    assert passed_on.status == S.WAITLISTED
    assert passed_on.offer_expires_at == now + timedelta(hours=course.offer_hours)
    assert [r.recipient for r in outbox()] == [holder.email, next_in_line.email]
    # The new offer is still open: a second run changes nothing.
    assert run_tick(now + timedelta(hours=1)).offers_expired == 0
    assert len(outbox()) == 2


# --- delivery --------------------------------------------------------------------------------


def test_reminders_reach_a_real_smtp_server_once(course, smtp_server: SmtpServer):  # noqa: F811
    people = [make_registration(course) for _ in range(2)]
    db.session.commit()
    report = run_tick(at(2030, 2, 27, 12))
    assert (report.start_reminders, report.delivery.sent, report.delivery.pending) == (2, 2, 0)
    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == sorted(p.email for p in people)
    assert all(row.status == OutboxStatus.SENT for row in outbox())

    again = run_tick(at(2030, 2, 27, 13))
    assert (again.start_reminders, again.delivery.sent) == (0, 0)
    assert len(smtp_server.envelopes) == 2


def test_a_failed_delivery_does_not_queue_the_reminder_again(
    course,
    confirmed,
    smtp: SmtpServer,  # noqa: F811
):
    """The server is down on the first run: the reminder stays queued (and stamped) and goes
    out on a later run, once."""
    first = run_tick(at(2030, 2, 27, 12))
    assert (first.start_reminders, first.delivery.sent, first.delivery.failed) == (1, 0, 1)
    assert reload(confirmed).start_reminder_sent_at is not None
    [row] = outbox()
    row.next_attempt_at = at(2000, 1, 1)  # due again now rather than after the retry delay
    db.session.commit()

    smtp.start()
    second = run_tick(at(2030, 2, 27, 12, 5))
    assert (second.start_reminders, second.delivery.sent) == (0, 1)
    assert [e.rcpt_tos for e in smtp.envelopes] == [[confirmed.email]]
    assert len(outbox()) == 1


# --- the command -----------------------------------------------------------------------------


def test_flask_tick_prints_a_one_line_summary(app: Flask):
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Offers expired: 0; reminders queued: 0 before the start")
