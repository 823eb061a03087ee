"""A confirmation's programme (.ics) is built when the mail is delivered, not in the request
that confirms the seat: the outbox stores the message without it and a note of how to build
it, and delivery adds it (with the programme as it stands then) and keeps what it sent."""

from __future__ import annotations

import email
from datetime import time, timedelta
from email import policy

import sqlalchemy as sa

from app.checkin.qr import qr_png
from app.checkin.services import code_for
from app.db import now_utc
from app.mail.models import OutboxMessage, OutboxStatus
from app.mail.services import LazyAttachment, deliver_outbox, queue_mail
from app.registration import services
from app.schedule.services import SessionData, create_session
from tests.factories import application_data, make_course, make_user


def _open_course(title: str):
    now = now_utc()
    course = make_course(title=title, start=(now + timedelta(days=60)).date())
    course.registration_opens_at = now - timedelta(days=1)
    course.registration_closes_at = now + timedelta(days=30)
    return course


def _calendars(message) -> list[str]:
    return [
        part.get_content() for part in message.walk() if part.get_content_type() == "text/calendar"
    ]


def _parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


def test_the_programme_is_attached_at_delivery_as_it_stands_then(db, smtp_server):
    course = _open_course("Governing migration at the local level")
    other = _open_course("Governing migration at the national level")
    add = lambda c, title, start: create_session(  # noqa: E731
        c, SessionData(title=title, day=c.start_date, start=start, end=time(12)), actor=None
    )
    add(other, "Another course's session", time(9))
    user = make_user(email="ana@example.org", locale="fr")
    services.apply(course, user, application_data(email=user.email, language="fr"))
    db.session.commit()

    [row] = db.session.scalars(sa.select(OutboxMessage)).all()
    queued = _parsed(row.raw)
    assert _calendars(queued) == []  # nothing built in the request
    assert [p.get_content_type() for p in queued.iter_attachments()] == []
    code = code_for(services.find_registration(course, user))
    assert row.deferred == [
        {
            "builder": "app.registration.notifications:build_programme_attachment",
            "params": {"course_id": course.id, "locale": "fr", "with_links": True},
        },
        {
            "builder": "app.registration.notifications:build_checkin_attachment",
            "params": {"code": code},
        },
    ]

    # The programme changes before the mail goes out: the attachment says so.
    add(course, "Study visit", time(10))
    db.session.commit()
    assert deliver_outbox().sent == 1

    [envelope] = smtp_server.envelopes
    received = _parsed(envelope.original_content)
    [ics] = _calendars(received)
    assert "SUMMARY:Study visit" in ics
    assert "Another course" not in ics
    [part] = [p for p in received.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == f"{course.slug}.ics"
    assert part.get_param("method") == "PUBLISH"
    # The check-in code's QR code, drawn at delivery too: a PNG that reads as the code.
    [qr] = [p for p in received.iter_attachments() if p.get_content_type() == "image/png"]
    assert qr.get_filename() == "check-in-code.png"
    assert qr.get_content() == qr_png(code)
    # The language stays the message's own, not its text part's.
    assert received["Content-Language"] == "fr"
    assert received.get_body(("plain",))["Content-Language"] is None
    # The outbox keeps what was sent.
    db.session.expire_all()
    [row] = db.session.scalars(sa.select(OutboxMessage)).all()
    assert row.status == OutboxStatus.SENT and row.deferred is None
    assert _calendars(_parsed(row.raw)) == [ics]


def test_an_attachment_that_cannot_be_built_delays_that_message_only(db, smtp_server):
    user = make_user(email="ana@example.org")
    queue_mail(
        user.email,
        "password_reset",
        locale="en",
        attachments=[LazyAttachment(builder="app.registration.notifications:no_such", params={})],
        reset_url="http://atelier.test/reset",
        user=user,
    )
    queue_mail(
        "bea@example.org", "password_reset", locale="en", reset_url="http://x.test/r", user=user
    )
    db.session.commit()

    report = deliver_outbox()

    assert (report.sent, report.failed) == (1, 1)
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["bea@example.org"]]
    broken = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == "ana@example.org")
    ).one()
    assert broken.status == OutboxStatus.PENDING and "attachment not built" in broken.last_error


def test_only_our_own_builders_are_called(db, smtp_server):
    queue_mail(
        "ana@example.org",
        "password_reset",
        locale="en",
        attachments=[LazyAttachment(builder="os:system", params={"command": "true"})],
        reset_url="http://atelier.test/reset",
        user=make_user(),
    )
    db.session.commit()
    assert deliver_outbox().failed == 1
    assert smtp_server.envelopes == []
