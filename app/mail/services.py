"""Queueing mail in the outbox and delivering it.

``queue_mail`` only adds a row to the session: the message exists if and only if the change that
caused it commits. ``deliver_outbox`` sends what is due, one row at a time, so a crash or a mail
server that is down loses nothing; failed rows are retried later with a growing delay.
"""

from __future__ import annotations

import contextlib
import importlib
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from app.db import now_utc
from app.extensions import db
from app.mail.models import OutboxMessage, OutboxStatus

MAX_RETRY_DELAY = timedelta(hours=6)
# A message still not delivered this long after it was queued is given up: its reminder or
# decision is stale by then, and retrying every six hours for ever helps nobody.
GIVE_UP_AFTER = timedelta(days=3)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str  # e.g. "text/calendar; method=PUBLISH"


@dataclass(frozen=True)
class LazyAttachment:
    """An attachment built when the message is delivered, not when it is queued: the request
    that queues a mail does not pay for it, and the file says what holds at sending time
    (a programme as it stands then). ``builder`` names a function "app.module:function",
    called with ``params`` (JSON values) and returning an :class:`Attachment`, or None to
    leave it out (what it was about is gone)."""

    builder: str
    params: dict[str, Any]


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0  # to be retried
    given_up: int = 0
    pending: int = 0


def queue_mail(
    recipient: str,
    template: str,
    *,
    locale: str,
    attachments: Iterable[Attachment | LazyAttachment] = (),
    **context: object,
) -> OutboxMessage:
    """Render ``emails/<template>.subject.txt``, ``.txt`` (and ``.html`` if present) in
    ``locale`` and add the message to the outbox. The caller's commit makes it real.
    Lazy attachments are built at delivery (:func:`outgoing_bytes`)."""
    attachments = list(attachments)
    deferred = [a for a in attachments if isinstance(a, LazyAttachment)]
    with force_locale(locale):
        subject = render_template(f"emails/{template}.subject.txt", **context).strip()
        text = render_template(f"emails/{template}.txt", **context)
        try:
            html = render_template(f"emails/{template}.html", **context)
        except TemplateNotFound:
            html = None

    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = " ".join(subject.split())
    msg["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    msg["To"] = recipient
    msg["Date"] = format_datetime(now_utc())
    msg["Message-ID"] = make_msgid(domain=_site_domain())
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for item in attachments:
        if isinstance(item, Attachment):
            _attach(msg, item)
    # Last: set_content() and the multipart conversions drop or move Content-* headers.
    msg["Content-Language"] = locale

    row = OutboxMessage(
        recipient=recipient,
        subject=msg["Subject"],
        raw=msg.as_bytes(),
        deferred=[{"builder": a.builder, "params": a.params} for a in deferred] or None,
    )
    db.session.add(row)
    return row


def _attach(msg: EmailMessage, item: Attachment) -> None:
    maintype, _, rest = item.mimetype.partition("/")
    subtype, *params = [p.strip() for p in rest.split(";")]
    msg.add_attachment(item.content, maintype=maintype, subtype=subtype, filename=item.filename)
    if params:
        part = msg.get_payload()[-1]
        for param in params:
            key, _, value = param.partition("=")
            part.set_param(key, value)


def _build(spec: dict[str, Any]) -> Attachment | None:
    module_name, _, function = spec["builder"].partition(":")
    if not module_name.startswith("app."):
        raise ValueError(f"not an attachment builder of ours: {spec['builder']!r}")
    builder = getattr(importlib.import_module(module_name), function)
    return builder(**spec["params"])


def outgoing_bytes(row: OutboxMessage) -> bytes:
    """The message as it is sent: the stored one with its deferred attachments built now."""
    if not row.deferred:
        return row.raw
    msg = message_from_bytes(row.raw, policy=policy.SMTP)
    language = msg["Content-Language"]
    # Turning the message into multipart/mixed would carry this header into the text part.
    del msg["Content-Language"]
    for spec in row.deferred:
        attachment = _build(spec)
        if attachment is not None:
            _attach(msg, attachment)
    if language is not None:
        msg["Content-Language"] = language
    return msg.as_bytes()


def _site_domain() -> str:
    return urlsplit(current_app.config["SITE_URL"]).hostname or "localhost"


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8… minutes after each failure, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


class _Transport:
    """One SMTP connection for a whole run, opened on first use."""

    def __init__(self) -> None:
        self.config = current_app.config
        self.conn: smtplib.SMTP | None = None
        # Set when the server could not be reached: the rest of the run would fail the same way.
        self.unreachable = False

    @property
    def enabled(self) -> bool:
        return bool(self.config.get("MAIL_SERVER"))

    def _connect(self) -> smtplib.SMTP:
        cls = smtplib.SMTP_SSL if self.config["MAIL_USE_SSL"] else smtplib.SMTP
        conn = cls(
            self.config["MAIL_SERVER"],
            self.config["MAIL_PORT"],
            timeout=self.config["MAIL_TIMEOUT"],
        )
        try:
            if self.config["MAIL_USE_TLS"]:
                conn.starttls()
            if self.config.get("MAIL_USERNAME"):
                conn.login(self.config["MAIL_USERNAME"], self.config["MAIL_PASSWORD"] or "")
        except BaseException:
            # A refused STARTTLS or log-in must not leave the socket open.
            conn.close()
            raise
        return conn

    def send(self, recipient: str, raw: bytes) -> None:
        if self.conn is None:
            try:
                self.conn = self._connect()
            except (smtplib.SMTPException, OSError):
                self.unreachable = True
                raise
        sender = self.config["MAIL_DEFAULT_SENDER"]
        try:
            self.conn.sendmail(sender, [recipient], raw)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError):
            # The server refused this message; smtplib has reset the session, which stays usable.
            raise
        except (smtplib.SMTPException, OSError):
            # A dropped or timed-out connection: open a fresh one for the next message.
            self.conn.close()
            self.conn = None
            raise

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.conn.quit()
            self.conn = None


def _write_eml(row: OutboxMessage) -> None:
    folder = current_app.config.get("MAIL_EML_DIR")
    if not folder:
        return
    path = Path(folder)
    try:
        path.mkdir(parents=True, exist_ok=True)
        (path / f"{row.created_at:%Y%m%dT%H%M%S}-{row.id:06d}.eml").write_bytes(row.raw)
    except OSError:
        # Only a copy: the message is sent already, and failing here would send it again.
        current_app.logger.exception("mail %s: could not write the .eml copy in %s", row.id, folder)


def _next_due() -> OutboxMessage | None:
    # SKIP LOCKED lets several senders run at once on PostgreSQL; SQLite ignores it.
    stmt = (
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now_utc()
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return db.session.scalars(stmt).first()


def deliver_outbox(limit: int = 500) -> DeliveryReport:
    """Send the messages that are due. Each outcome is committed as soon as it is known."""
    report = DeliveryReport()
    transport = _Transport()
    if not transport.enabled and not current_app.config.get("MAIL_EML_DIR"):
        current_app.logger.warning("mail: no MAIL_SERVER and no MAIL_EML_DIR; nothing delivered")
        report.pending = _pending_count()
        return report
    tried: set[int] = set()
    try:
        while report.sent + report.failed < limit:
            row = _next_due()
            if row is None or row.id in tried:
                db.session.rollback()
                break
            tried.add(row.id)
            try:
                try:
                    raw = outgoing_bytes(row)
                except Exception as exc:  # a builder's bug must not stop the other messages
                    current_app.logger.exception("mail %s: attachment not built", row.id)
                    raise OSError(f"attachment not built: {exc}") from exc
                if transport.enabled:
                    transport.send(row.recipient, raw)
            except (smtplib.SMTPException, OSError) as exc:
                row.attempts += 1
                row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if refused_for_good(exc) or now_utc() - row.created_at >= GIVE_UP_AFTER:
                    row.status = OutboxStatus.FAILED
                    report.given_up += 1
                    current_app.logger.error(
                        "mail %s to %s given up: %s", row.id, row.recipient, exc
                    )
                else:
                    row.next_attempt_at = now_utc() + retry_delay(row.attempts)
                    report.failed += 1
                    current_app.logger.warning(
                        "mail %s to %s not sent: %s", row.id, row.recipient, exc
                    )
                if transport.unreachable:
                    # Leave the other messages for a later run instead of waiting on each.
                    db.session.commit()
                    break
            else:
                row.attempts += 1
                row.status = OutboxStatus.SENT
                row.sent_at = now_utc()
                row.last_error = ""
                # What was sent, attachments included, is what the outbox keeps.
                row.raw, row.deferred = raw, None
                _write_eml(row)
                report.sent += 1
            db.session.commit()
    finally:
        transport.close()
    report.pending = _pending_count()
    return report


def refused_for_good(exc: BaseException) -> bool:
    """A refusal of this message that sending it again cannot change: a permanent (5xx) reply
    to its recipient or to its content. A refused sender is the site's own setting, fixed once
    for every message, so those wait like a server that is down."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _message in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return False


def failed_messages(limit: int = 100) -> list[OutboxMessage]:
    """The messages given up, newest first."""
    stmt = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def retry_messages(ids: Iterable[int]) -> int:
    """Put given-up messages back in the queue, due now (after the cause was mended); returns
    how many were."""
    rows = db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.id.in_(list(ids)), OutboxMessage.status == OutboxStatus.FAILED
        )
    ).all()
    for row in rows:
        row.status = OutboxStatus.PENDING
        row.next_attempt_at = now_utc()
        # A new grace period, counted from now.
        row.created_at = now_utc()
    db.session.flush()
    return len(rows)


def _pending_count() -> int:
    stmt = sa.select(sa.func.count()).where(OutboxMessage.status == OutboxStatus.PENDING)
    return db.session.scalar(stmt) or 0
