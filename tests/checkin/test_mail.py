"""The confirmation mail carries the check-in code, as text and as a QR code, in the
participant's language, delivered to a real SMTP server."""

from __future__ import annotations

import email
from email import policy

import pytest
import segno

from app.checkin import services
from app.checkin.qr import qr_png
from app.courses.models import CourseStatus
from app.extensions import db
from app.mail.services import deliver_outbox
from app.registration import services as registration
from app.registration.models import RegistrationStatus as S
from tests.factories import application_data, make_registration, make_user
from tests.mail.conftest import SmtpServer, smtp, smtp_server  # noqa: F401 - fixtures
from tests.registration.conftest import open_course


def delivered(server: SmtpServer) -> dict[str, email.message.EmailMessage]:
    return {
        envelope.rcpt_tos[0]: email.message_from_bytes(envelope.content, policy=policy.default)
        for envelope in server.envelopes
    }


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def qr_attachment(message) -> bytes | None:
    for part in message.iter_attachments():
        if part.get_filename() == "check-in-code.png":
            assert part.get_content_type() == "image/png"
            return part.get_content()
    return None


@pytest.mark.parametrize(
    ("locale", "line"),
    [
        ("en", "Your check-in code: "),
        ("fr", "Votre code d'enregistrement\u00a0: "),
        ("es", "Su código de registro de llegada: "),
    ],
)
def test_confirmation_mail_has_the_code_and_its_qr_code(smtp_server, locale, line):  # noqa: F811
    course = open_course()
    course.requires_approval = True
    organiser = make_user(name="Olga Organiser")
    applicant = make_registration(
        course,
        make_user(name="Thu Nguyễn", email="thu@example.org", locale=locale),
        status=S.SUBMITTED,
        language=locale,
    )
    registration.confirm(applicant, actor=organiser)
    db.session.commit()
    deliver_outbox()
    message = delivered(smtp_server)["thu@example.org"]
    code = services.code_for(applicant)
    shown = services.format_code(code)
    assert f"{line}{shown}" in text_of(message)
    png = qr_attachment(message)
    assert png is not None and png.startswith(b"\x89PNG")
    assert png == qr_png(code)
    # The programme is still attached beside it.
    assert any(p.get_filename().endswith(".ics") for p in message.iter_attachments())


def test_a_seat_from_the_waiting_list_brings_the_code_too(smtp_server):  # noqa: F811
    course = open_course(capacity=1)
    first = registration.apply(
        course, make_user(email="first@example.org"), application_data(email="first@example.org")
    )
    waiting = registration.apply(
        course, make_user(email="wait@example.org"), application_data(email="wait@example.org")
    )
    assert waiting.status == S.WAITLISTED
    registration.cancel(first, actor=first.user)
    db.session.commit()
    deliver_outbox()
    messages = delivered(smtp_server)
    assert services.format_code(services.code_for(waiting)) in text_of(messages["wait@example.org"])
    assert qr_attachment(messages["wait@example.org"]) is not None


def test_other_mails_and_online_courses_carry_no_code(smtp_server):  # noqa: F811
    course = open_course()
    course.requires_approval = True
    applicant = registration.apply(
        course, make_user(email="sub@example.org"), application_data(email="sub@example.org")
    )
    online = open_course()
    online.venue = None
    online.is_online = True
    online.online_url = "https://meet.example.org/governing"
    remote = registration.apply(
        online, make_user(email="remote@example.org"), application_data(email="remote@example.org")
    )
    assert (applicant.status, remote.status) == (S.SUBMITTED, S.CONFIRMED)
    db.session.commit()
    deliver_outbox()
    messages = delivered(smtp_server)
    for address in ("sub@example.org", "remote@example.org"):
        assert "check-in code" not in text_of(messages[address])
        assert qr_attachment(messages[address]) is None
    assert services.codes_for([applicant]) == {}
    assert course.status == CourseStatus.PUBLISHED


def test_the_qr_code_holds_the_code_as_printed():
    code = "ABCDEFGHJK"
    qr = segno.make_qr("ABCDE-FGHJK", error="m")
    assert qr.mode == "alphanumeric"
    assert png_matrix_matches(code, qr)


def png_matrix_matches(code, qr) -> bool:
    from app.checkin.qr import qr_matrix

    return qr_matrix(code) == [[bool(m) for m in row] for row in qr.matrix]
