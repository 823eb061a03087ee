"""The outbox: messages exist only if their transaction commits, and are delivered once."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy

import sqlalchemy as sa

from app.db import now_utc
from app.mail.models import OutboxMessage, OutboxStatus
from app.mail.services import Attachment, deliver_outbox, queue_mail, retry_delay
from tests.factories import make_user

RESET_URL = "http://atelier.test/reset-password/abc123"


def _queue(recipient: str = "ana@example.org", *, locale: str = "en", **kwargs) -> OutboxMessage:
    user = make_user(email=recipient, name="Ana Rossi", locale=locale)
    return queue_mail(
        user.email, "password_reset", locale=locale, reset_url=RESET_URL, user=user, **kwargs
    )


def _rows(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


# --- Queueing ----------------------------------------------------------------------------------


def test_queued_message_disappears_when_the_transaction_rolls_back(db):
    _queue()
    db.session.flush()
    assert len(_rows(db)) == 1

    db.session.rollback()

    assert _rows(db) == []


def test_queued_message_is_a_complete_email(db):
    row = _queue(locale="en")
    db.session.commit()

    parsed = email.message_from_bytes(row.raw, policy=policy.default)
    assert parsed["To"] == "ana@example.org"
    assert parsed["Subject"] == row.subject == "Choose a new password for Atelier"
    assert parsed["From"] == "Atelier <no-reply@atelier.example.org>"
    assert parsed["Content-Language"] == "en"
    assert parsed["Message-ID"].endswith("@atelier.test>")
    assert RESET_URL in parsed.get_body(preferencelist=("plain",)).get_content()
    assert RESET_URL in parsed.get_body(preferencelist=("html",)).get_content()


def test_content_language_survives_attachments(db):
    row = _queue(
        attachments=[
            Attachment("course.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
        ]
    )

    parsed = email.message_from_bytes(row.raw, policy=policy.default)
    assert parsed.get_content_type() == "multipart/mixed"
    assert parsed["Content-Language"] == "en"
    [attachment] = list(parsed.iter_attachments())
    assert attachment.get_filename() == "course.ics"


# --- Delivery over SMTP ------------------------------------------------------------------------


def test_deliver_sends_a_committed_message_once(db, smtp_server):
    _queue()
    db.session.commit()

    report = deliver_outbox()

    assert (report.sent, report.failed, report.pending) == (1, 0, 0)
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["ana@example.org"]
    assert envelope.mail_from == "no-reply@atelier.example.org"
    received = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert received["Subject"] == "Choose a new password for Atelier"
    assert received["To"] == "ana@example.org"
    [row] = _rows(db)
    assert row.status == OutboxStatus.SENT
    assert row.sent_at is not None
    assert row.attempts == 1

    again = deliver_outbox()

    assert (again.sent, again.failed, again.pending) == (0, 0, 0)
    assert len(smtp_server.envelopes) == 1


def test_deliver_ignores_what_was_never_committed(db, smtp_server):
    _queue()
    db.session.rollback()

    assert deliver_outbox().sent == 0
    assert smtp_server.envelopes == []


def test_deliver_sends_each_message_to_its_recipient(db, smtp_server):
    _queue("ana@example.org")
    _queue("bruno@example.org")
    db.session.commit()

    report = deliver_outbox()

    assert report.sent == 2
    assert sorted(e.rcpt_tos[0] for e in smtp_server.envelopes) == [
        "ana@example.org",
        "bruno@example.org",
    ]


def test_deliver_respects_the_limit(db, smtp_server):
    for name in ("ana", "bruno", "carla"):
        _queue(f"{name}@example.org")
    db.session.commit()

    report = deliver_outbox(limit=2)

    assert (report.sent, report.pending) == (2, 1)
    assert len(smtp_server.envelopes) == 2


def test_server_down_keeps_the_message_for_a_later_run(db, smtp):
    _queue()
    db.session.commit()

    report = deliver_outbox()

    assert (report.sent, report.failed, report.pending) == (0, 1, 1)
    [row] = _rows(db)
    assert row.status == OutboxStatus.PENDING
    assert row.attempts == 1
    assert row.last_error
    assert row.next_attempt_at > now_utc()
    assert row.sent_at is None

    # Not due yet: a run right away leaves it alone.
    smtp.start()
    assert deliver_outbox().sent == 0
    assert smtp.envelopes == []

    # Once it is due, the server, now up, gets it.
    row.next_attempt_at = now_utc()
    db.session.commit()
    report = deliver_outbox()

    assert (report.sent, report.failed, report.pending) == (1, 0, 0)
    assert len(smtp.envelopes) == 1
    [row] = _rows(db)
    assert row.status == OutboxStatus.SENT
    assert row.attempts == 2
    assert row.last_error == ""


def test_server_down_stops_the_run_without_touching_the_other_messages(db, smtp):
    _queue("ana@example.org")
    _queue("bruno@example.org")
    db.session.commit()

    report = deliver_outbox()

    assert (report.sent, report.failed, report.pending) == (0, 1, 2)
    first, second = _rows(db)
    assert (first.attempts, second.attempts) == (1, 0)
    assert second.last_error == ""


def test_retry_delay_doubles_up_to_six_hours():
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=8),
    ]
    assert retry_delay(30) == timedelta(hours=6)


# --- .eml copies and the command ---------------------------------------------------------------


def test_without_a_server_the_message_is_written_as_an_eml_file(db, eml_dir):
    _queue()
    db.session.commit()

    report = deliver_outbox()

    assert report.sent == 1
    [path] = list(eml_dir.glob("*.eml"))
    parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert parsed["To"] == "ana@example.org"
    assert parsed["Subject"] == "Choose a new password for Atelier"
    assert RESET_URL in parsed.get_body(preferencelist=("plain",)).get_content()
    assert _rows(db)[0].status == OutboxStatus.SENT


def test_without_a_server_or_a_folder_nothing_is_delivered(db):
    _queue()
    db.session.commit()

    report = deliver_outbox()

    assert (report.sent, report.failed, report.pending) == (0, 0, 1)
    assert _rows(db)[0].status == OutboxStatus.PENDING


def test_mail_send_command_prints_the_counts(app, db, smtp_server):
    _queue("ana@example.org")
    _queue("bruno@example.org")
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["mail", "send"])

    assert result.exit_code == 0, result.output
    assert "Sent 2, failed 0 (will be retried), still pending 0." in result.output
    assert len(smtp_server.envelopes) == 2


def test_mail_send_command_reports_failures(app, db, smtp):
    _queue()
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["mail", "send"])

    assert result.exit_code == 0, result.output
    assert "Sent 0, failed 1 (will be retried), still pending 1." in result.output
