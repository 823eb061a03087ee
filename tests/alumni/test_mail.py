"""The invitation reaches a real SMTP server (aiosmtpd), in each past participant's language,
with the link to apply to the new edition."""

from __future__ import annotations

import email
from email import policy

from app.alumni import services
from app.extensions import db
from app.mail.services import deliver_outbox
from tests.alumni.conftest import NOW, Alumni
from tests.mail.conftest import SmtpServer, smtp, smtp_server  # noqa: F401 - fixtures


def _delivered(server: SmtpServer) -> dict[str, email.message.EmailMessage]:
    return {
        envelope.rcpt_tos[0]: email.message_from_bytes(envelope.content, policy=policy.default)
        for envelope in server.envelopes
    }


def _body(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def test_invitations_in_french_and_spanish(alumni: Alumni, smtp_server):  # noqa: F811
    cast = alumni.cast
    alumni.consent(cast.ana, cast.lucia)
    services.invite(alumni.past, alumni.edition, actor=cast.organiser, now=NOW)
    db.session.commit()
    assert deliver_outbox().sent == 2
    delivered = _delivered(smtp_server)
    assert sorted(delivered) == ["ana.souza@example.org", "lucia.peres@example.com"]
    french, spanish = delivered["ana.souza@example.org"], delivered["lucia.peres@example.com"]
    assert french["Subject"].strip() == (
        "Vous êtes invité à poser votre candidature : Governing migration at the local level"
    )
    # A long encoded subject is folded after "Subject:"; unfolded, it starts with a blank.
    assert spanish["Subject"].strip() == (
        "Le invitamos a presentar su solicitud: Governing migration at the local level"
    )
    assert (french["Content-Language"], spanish["Content-Language"]) == ("fr", "es")
    apply_url = "http://atelier.test/courses/governing-2018/register"
    for message in (french, spanish):
        assert apply_url in _body(message)
        assert "http://atelier.test/my/courses" in _body(message)
        assert "http://atelier.test/courses/governing-2018\n" in _body(message)
    assert _body(french).startswith("Bonjour Ana Souza,")
    assert "Vous avez participé à «\u00a0Governing migration at the local level\u00a0»" in (
        _body(french)
    )
    assert "(19–23 nov. 2018)" in _body(french)
    assert "Vous pouvez retirer ce consentement sur votre page de cours\u00a0:" in _body(french)
    assert "Usted participó en «Governing migration at the local level»" in _body(spanish)
    assert "(19–23 de noviembre de 2018)" in _body(spanish)
    assert "Puede retirar ese consentimiento en su página de cursos:" in _body(spanish)
