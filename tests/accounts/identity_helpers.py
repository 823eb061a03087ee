"""Reading the confirmation links and notices that the identity rules mail."""

from __future__ import annotations

import re
from email import message_from_bytes
from email import policy as email_policy

import sqlalchemy as sa

from app.extensions import db
from app.mail.models import OutboxMessage

LINK = re.compile(r"http://atelier\.test(/[^\s]*/confirm/[A-Za-z0-9_-]+)")


def mails() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def mails_to(recipient: str) -> list[OutboxMessage]:
    return [m for m in mails() if m.recipient == recipient]


def body(message: OutboxMessage) -> str:
    parsed = message_from_bytes(message.raw, policy=email_policy.default)
    return parsed.get_body(preferencelist=("plain",)).get_content()


def confirmation_path(message: OutboxMessage) -> str:
    """The path of the one confirmation link in a mail."""
    [path] = LINK.findall(body(message))
    return path


def without_csrf(text: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', 'name="csrf_token"', text)
