"""An announcement mailed from the organisers' page reaches a real SMTP server (aiosmtpd):
the greeting and signature in each participant's language, the text as the organiser wrote it."""

from __future__ import annotations

import email
from email import policy

from app.mail.services import deliver_outbox
from tests.conftest import login
from tests.mail.conftest import SmtpServer, smtp, smtp_server  # noqa: F401 - fixtures

BODY = "Room change on Wednesday: room B.\nMap: https://example.org/map?a=1&b=2"


def _delivered(server: SmtpServer) -> dict[str, email.message.EmailMessage]:
    return {
        envelope.rcpt_tos[0]: email.message_from_bytes(envelope.content, policy=policy.default)
        for envelope in server.envelopes
    }


def _body(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def test_posted_and_mailed_in_french_and_spanish(client, cast, smtp_server):  # noqa: F811
    login(client, cast.organiser)
    response = client.post(
        f"/courses/{cast.course.slug}/announcements",
        data={"title": "Room change", "body": BODY, "send_mail": "y"},
    )
    assert response.status_code == 302
    report = deliver_outbox()
    assert report.sent == 3
    delivered = _delivered(smtp_server)
    assert sorted(delivered) == [
        "ana.souza@example.org",
        "lucia.peres@example.com",
        "tesfaye@example.org",
    ]
    french = delivered["ana.souza@example.org"]
    spanish = delivered["lucia.peres@example.com"]
    assert french["Subject"] == "Governing migration at the local level : Room change"
    assert spanish["Subject"] == "Governing migration at the local level: Room change"
    assert (french["Content-Language"], spanish["Content-Language"]) == ("fr", "es")
    assert _body(french).startswith("Bonjour Ana Souza,")
    assert (
        "Les organisateurs de «\u00a0Governing migration at the local level\u00a0» ont publié "
        "une annonce\u00a0:" in _body(french)
    )
    assert "Vous pouvez la relire sur votre page de cours\u00a0:" in _body(french)
    assert "Lucía Peres" in _body(spanish).splitlines()[0]
    assert (
        "Los organizadores de «Governing migration at the local level» han publicado un anuncio:"
        in (_body(spanish))
    )
    assert "Puede volver a leerlo en su página de cursos:" in _body(spanish)
    for message in (french, spanish):
        assert BODY in _body(message)
        assert "http://atelier.test/my/courses" in _body(message)
