"""The outbox: messages exist only if their transaction commits, and are delivered once."""

from __future__ import annotations

import email
import smtplib
from datetime import timedelta
from email import policy

import sqlalchemy as sa

from app.db import now_utc
from app.mail.models import OutboxMessage, OutboxStatus
from app.mail.services import (
    GIVE_UP_AFTER,
    Attachment,
    deliver_outbox,
    queue_mail,
    refused_for_good,
    retry_delay,
)
from tests.factories import make_user
from tests.mail.conftest import Collector

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


# --- Giving up ---------------------------------------------------------------------------------


class Refusing(Collector):
    """A server that answers RCPT with ``reply`` for ``refused`` and accepts everyone else."""

    def __init__(self, refused: str, reply: str) -> None:
        super().__init__()
        self.refused, self.reply = refused, reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address == self.refused:
            return self.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_recipient_refused_for_good_is_given_up_at_once(app, db, smtp):
    smtp.handler = Refusing("nobody@example.org", "550 5.1.1 No such user")
    smtp.start()
    _queue("nobody@example.org")
    _queue("ana@example.org")
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["mail", "send"])

    assert "Sent 1, failed 0 (will be retried), still pending 0." in result.output
    assert "Given up 1" in result.output
    refused, sent = _rows(db)
    assert (refused.status, sent.status) == (OutboxStatus.FAILED, OutboxStatus.SENT)
    assert "No such user" in refused.last_error
    assert [e.rcpt_tos for e in smtp.envelopes] == [["ana@example.org"]]
    # Later runs leave it alone.
    refused.next_attempt_at = now_utc()
    db.session.commit()
    assert deliver_outbox().given_up == 0
    listing = app.test_cli_runner().invoke(args=["mail", "failed"])
    assert f"{refused.id}\t" in listing.output and "nobody@example.org" in listing.output
    assert "550" in listing.output


def test_a_temporary_refusal_is_retried_until_three_days_have_passed(db, smtp):
    smtp.handler = Refusing("ana@example.org", "451 4.3.0 Mailbox busy, try later")
    smtp.start()
    row = _queue()
    db.session.commit()

    report = deliver_outbox()
    assert (report.failed, report.given_up, report.pending) == (1, 0, 1)
    assert _rows(db)[0].status == OutboxStatus.PENDING

    row = _rows(db)[0]
    row.created_at = now_utc() - GIVE_UP_AFTER
    row.next_attempt_at = now_utc()
    db.session.commit()
    report = deliver_outbox()
    assert (report.failed, report.given_up, report.pending) == (0, 1, 0)
    assert _rows(db)[0].status == OutboxStatus.FAILED


def test_a_server_that_stays_down_for_three_days_gives_up_but_a_shorter_outage_does_not(db, smtp):
    _queue("ana@example.org")
    stale = _queue("bruno@example.org")
    stale.created_at = now_utc() - GIVE_UP_AFTER - timedelta(minutes=1)
    stale.next_attempt_at = now_utc() - timedelta(days=4)  # first in line
    db.session.commit()

    report = deliver_outbox()  # the server is down: the run stops at the first failure

    assert (report.given_up, report.pending) == (1, 1)
    stale_row, fresh_row = sorted(_rows(db), key=lambda r: r.recipient != "bruno@example.org")
    assert stale_row.status == OutboxStatus.FAILED
    assert fresh_row.status == OutboxStatus.PENDING


def test_retry_puts_given_up_messages_back_and_they_go_out(app, db, smtp):
    row = _queue()
    row.status = OutboxStatus.FAILED
    row.last_error = "SMTPRecipientsRefused: 550 mailbox disabled"
    db.session.commit()
    assert app.test_cli_runner().invoke(args=["mail", "failed"]).output.startswith(f"{row.id}\t")

    result = app.test_cli_runner().invoke(args=["mail", "retry", str(row.id), "999999"])

    assert "1 messages are back in the queue." in result.output
    smtp.start()
    assert deliver_outbox().sent == 1
    assert _rows(db)[0].status == OutboxStatus.SENT
    assert (
        "No message was given up." in app.test_cli_runner().invoke(args=["mail", "failed"]).output
    )


def test_a_refused_sender_waits_like_a_server_that_is_down():
    sender = smtplib.SMTPSenderRefused(550, b"Sender rejected", "no-reply@example.org")
    assert not refused_for_good(sender)
    assert refused_for_good(smtplib.SMTPDataError(554, b"Message rejected as spam"))
    assert not refused_for_good(smtplib.SMTPDataError(451, b"Try later"))
    mixed = smtplib.SMTPRecipientsRefused(
        {"a@example.org": (550, b"no"), "b@example.org": (452, b"full")}
    )
    assert not refused_for_good(mixed)
