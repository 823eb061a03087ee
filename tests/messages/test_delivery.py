"""The organisers' mail reaches a real SMTP server (aiosmtpd) in each person's language, with
the placeholders filled; a copy the server refuses for good shows as failed in the history;
nothing is lost while the server is down."""

from __future__ import annotations

import email
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy

from aiosmtpd.smtp import SMTP, Envelope, Session

from app.extensions import db
from app.mail.services import deliver_outbox
from app.messages import services
from app.messages.services import Version
from app.registration.exports import DeskFilters
from app.registration.models import RegistrationStatus
from app.reminders import run_tick
from tests.mail.conftest import Collector, SmtpServer, smtp, smtp_server  # noqa: F401 - fixtures

NOW = datetime(2017, 9, 1, 9, 0, tzinfo=UTC)
VERSIONS = {
    "fr": Version(
        "Lecture pour lundi, {first_name}",
        "Bonjour {name},\n\nPour « {course_title} » ({dates}), lisez le chapitre 2 :\n"
        "{my_courses_url}",
    ),
    "es": Version(
        "Lectura para el lunes, {first_name}",
        "Hola {name}:\n\nPara «{course_title}» ({dates}), lea el capítulo 2:\n{my_courses_url}",
    ),
    "en": Version("Reading for Monday, {first_name}", "Dear {name}, read chapter 2."),
}


def delivered(server: SmtpServer) -> dict[str, email.message.EmailMessage]:
    found = {}
    for envelope in server.envelopes:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        [recipient] = envelope.rcpt_tos
        found[recipient] = message
    return found


def test_french_and_spanish_copies_reach_the_server(workshop, smtp_server):  # noqa: F811
    course, people = workshop.course, workshop.people
    chosen = [people["Ana Souza"], people["Lucía Pérez"], people["Ana Sousa"]]
    message = services.compose(course, VERSIONS, chosen, actor=workshop.organiser, now=NOW)
    db.session.commit()
    report = deliver_outbox()
    assert report.sent == 3
    mails = delivered(smtp_server)
    french = mails["ana.souza@example.com"]
    assert french["Subject"] == "Lecture pour lundi, Ana"
    assert french["Content-Language"] == "fr"
    body = french.get_content()
    assert "Bonjour Ana Souza," in body
    assert "Pour « Gestion de la migration au niveau local » (20–24 nov. 2017)" in body
    assert "http://atelier.test/my/courses" in body
    assert "{" not in body
    spanish = mails["lucia.perez@example.com"]
    assert spanish["Subject"] == "Lectura para el lunes, Lucía"
    assert spanish["Content-Language"] == "es"
    assert "Hola Lucía Pérez:" in spanish.get_content()
    assert "«Gestión de la migración a nivel local» (20–24 de noviembre de 2017)" in (
        spanish.get_content()
    )
    assert mails["ana.sousa@example.com"]["Subject"] == "Lectura para el lunes, Ana"
    # Plain text only: the link stays as typed, no HTML part.
    assert french.get_content_type() == "text/plain"
    db.session.refresh(message)
    assert [services.delivery_status(r) for r in message.recipients] == ["sent"] * 3


@dataclass
class Refusing(Collector):
    """Accepts every recipient but the ones listed, which it refuses for good (550)."""

    refused: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_down_then_refused_then_delivered(workshop, smtp):  # noqa: F811
    course, people = workshop.course, workshop.people
    chosen = services.recipients(
        course, DeskFilters(status=RegistrationStatus.CONFIRMED, country="CO"), now=NOW
    )
    chosen += [people["Tesfaye Bekele"]]
    at = NOW + timedelta(hours=2)
    message = services.compose(
        course, VERSIONS, chosen, actor=workshop.organiser, now=NOW, send_at=at
    )
    db.session.commit()
    # The server is down when the tick sends it: queued, nothing lost.
    report = run_tick(at)
    assert report.scheduled_messages == 1
    assert report.delivery.sent == 0
    db.session.refresh(message)
    assert [services.delivery_status(r) for r in message.recipients] == ["queued", "queued"]
    # Back up, refusing Tesfaye's address.
    smtp.handler = Refusing(refused={"tesfaye@example.com"})
    smtp.start()
    for recipient in message.recipients:
        recipient.outbox.next_attempt_at = at
    db.session.commit()
    report = run_tick(at + timedelta(hours=1))
    assert report.scheduled_messages == 0
    assert (report.delivery.sent, report.delivery.given_up) == (1, 1)
    db.session.expire_all()
    statuses = {
        r.registration.certificate_name: services.delivery_status(r) for r in message.recipients
    }
    assert statuses == {"Lucía Pérez": "sent", "Tesfaye Bekele": "failed"}
    assert [e.rcpt_tos for e in smtp.envelopes] == [["lucia.perez@example.com"]]
