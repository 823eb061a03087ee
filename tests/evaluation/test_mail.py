"""The invitation and the reminder reach a real SMTP server (aiosmtpd), each in the
participant's language."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy

from app.evaluation import answering, opening, services
from app.extensions import db
from app.mail.services import deliver_outbox
from app.reminders import run_tick
from tests.evaluation.conftest import rating_answers
from tests.factories import make_registration, make_user
from tests.mail.conftest import SmtpServer, smtp, smtp_server  # noqa: F401 - fixtures

LAST_DAY_STARTS = datetime(2017, 11, 23, 23, 0, tzinfo=UTC)
REMINDER = datetime(2017, 12, 5, 23, 0, tzinfo=UTC)


def _delivered(server: SmtpServer) -> dict[str, email.message.EmailMessage]:
    messages = {}
    for envelope in server.envelopes:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        messages[envelope.rcpt_tos[0]] = message
    return messages


def _body(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_invitation_and_reminder_in_french_and_spanish(workshop, smtp_server):  # noqa: F811
    workshop.course.languages = "en,fr,es"
    claire = make_registration(
        workshop.course, make_user(email="claire@example.org", locale="fr"), language="fr"
    )
    lucia = make_registration(
        workshop.course, make_user(email="lucia@example.org", locale="es"), language="es"
    )
    db.session.commit()

    report = run_tick(LAST_DAY_STARTS)
    assert (report.evaluations.opened, report.evaluations.invitations) == (1, 2)
    assert "Evaluations: 1 made from the template, 1 opened (2 participants invited)" in (
        report.summary()
    )
    delivered = _delivered(smtp_server)
    french, spanish = delivered["claire@example.org"], delivered["lucia@example.org"]
    assert french["Subject"] == "Votre évaluation de Governing migration at the local level"
    assert spanish["Subject"] == "Su evaluación de Governing migration at the local level"
    assert french["Content-Language"] == "fr"
    url = f"http://atelier.test/courses/{workshop.course.slug}/evaluation/answer"
    for message in (french, spanish):
        assert url in _body(message)
    assert "Elle est ouverte jusqu’au 8 décembre 2017." in _body(french)
    assert "elles sont enregistrées sans votre nom" in _body(french)
    assert "Está abierta hasta el 8 de diciembre de 2017." in _body(spanish)
    assert "certificado" not in _body(spanish)

    evaluation = services.evaluation_for(workshop.course)
    evaluation.required_for_certificate = True
    answering.submit_answers(evaluation, claire, rating_answers(evaluation), now=REMINDER)
    db.session.commit()
    smtp_server.envelopes.clear()
    # The evaluation's part of the tick (the whole tick would also remind the busy neighbour's
    # participants of their follow-up phase, open by then).
    assert opening.run_due(REMINDER).reminders == 1
    db.session.commit()
    deliver_outbox()
    delivered = _delivered(smtp_server)
    assert list(delivered) == ["lucia@example.org"]
    reminder = delivered["lucia@example.org"]
    assert reminder["Subject"] == (
        "Recordatorio: su evaluación de Governing migration at the local level"
    )
    body = _body(reminder)
    assert "se cierra el 8 de diciembre de 2017 y aún no hemos recibido la suya" in body
    assert "Responderla es necesario para recibir su certificado de participación." in body
    assert lucia.email == "lucia@example.org"
