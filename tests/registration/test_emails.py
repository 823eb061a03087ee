"""The registration messages: rendered in the registration's language, plain text, complete."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale

from app.core.templating import localtime
from app.extensions import db
from app.mail.models import OutboxMessage
from app.mail.services import outgoing_bytes
from app.registration.models import Registration
from app.registration.models import RegistrationStatus as S
from app.registration.notifications import notify
from tests.factories import make_registration, make_user
from tests.registration.conftest import open_course

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "app" / "templates" / "emails"

# Each message with the extra context its callers in app.registration.services give it.
MESSAGES: dict[str, dict[str, Any]] = {
    "submitted": {},
    "confirmed": {},
    "waitlisted": {"position": 3},
    "promoted": {},
    "offered": {"expires_at": datetime(2031, 1, 15, 13, 0, tzinfo=UTC)},
    "rejected": {},
    "cancelled": {"by_participant": True},
    "offer_expired": {},
}


@pytest.fixture
def registration() -> Registration:
    course = open_course()
    course.contact_name = "Course secretariat"
    course.contact_email = "migration@example.org"
    return make_registration(course, make_user(name="Ana Souza"), status=S.CONFIRMED)


def send(registration: Registration, template: str, **context: Any) -> Any:
    notify(registration, template, **context)
    db.session.flush()
    row = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert row is not None
    # As delivered: the programme is attached then.
    return message_from_bytes(outgoing_bytes(row), policy=email_policy.default)


def body(message: Any) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return text.replace("\r\n", "\n")


def calendar_parts(message: Any) -> list[Any]:
    return [part for part in message.walk() if part.get_content_type() == "text/calendar"]


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize("template", sorted(MESSAGES))
def test_every_message_renders_in_every_language(registration, template, language):
    registration.language = language

    message = send(registration, template, **MESSAGES[template])

    assert message["To"] == registration.email
    assert message["Content-Language"] == language
    subject = message["Subject"]
    assert subject and "\n" not in subject
    assert "Governing migration at the local level" in subject
    text = body(message)
    assert "Ana Souza" in text
    assert "Governing migration at the local level" in text
    assert "migration@example.org" in text  # signed by the course team, with its address
    assert "{{" not in text and "{%" not in text
    assert "\n\n\n" not in text


@pytest.mark.parametrize("template", ["confirmed", "promoted"])
def test_confirmations_carry_the_programme_and_the_practical_details(registration, template):
    message = send(registration, template)

    [calendar] = calendar_parts(message)
    assert calendar.get_filename() == f"{registration.course.slug}.ics"
    assert b"BEGIN:VCALENDAR" in calendar.get_payload(decode=True)
    text = body(message)
    assert "(.ics)" in text
    assert "Venue: ITC-ILO campus" in text
    assert "Address: Viale Maestri del Lavoro 10, 10127 Turin\n" in text
    assert "Time zone: Europe/Rome (" in text
    assert "Contact: Course secretariat, migration@example.org" in text
    assert "http://atelier.test/my/courses" in text
    assert f"http://atelier.test/courses/{registration.course.slug}" in text


@pytest.mark.parametrize("template", ["submitted", "waitlisted", "offered", "rejected"])
def test_other_messages_have_no_attachment(registration, template):
    assert calendar_parts(send(registration, template, **MESSAGES[template])) == []


def test_waitlisted_gives_the_position(registration):
    text = body(send(registration, "waitlisted", position=3))
    assert "on the waiting list, in position 3." in text
    assert "your place will be confirmed at once" in text


def test_waitlisted_explains_offers_when_the_course_makes_them(registration):
    registration.course.waitlist_offers = True
    registration.course.offer_hours = 48
    text = body(send(registration, "waitlisted", position=1))
    assert "we will hold it for you for 48 hours" in text


def test_an_offer_gives_its_deadline_in_the_venues_time_and_the_link(app: Flask, registration):
    expires_at = datetime(2031, 1, 15, 13, 0, tzinfo=UTC)  # 14:00 in Turin (CET)

    message = send(registration, "offered", expires_at=expires_at)

    with app.test_request_context(), force_locale("en"):
        turin_time = localtime(expires_at, "Europe/Rome")
    text = " ".join(body(message).split())
    assert f"until January 15, 2031 at {' '.join(turin_time.split())} CET" in text
    assert "Europe/Rome" in text
    assert "http://atelier.test/my/courses" in text
    assert message["Subject"].startswith("A seat is held for you until January 15, 2031")


def test_cancelled_says_who_cancelled(registration):
    by_them = body(send(registration, "cancelled", by_participant=True))
    by_team = body(send(registration, "cancelled", by_participant=False))
    assert "As you asked" in by_them and "The course team has cancelled" not in by_them
    assert "The course team has cancelled" in by_team and "As you asked" not in by_team


def test_plain_text_is_not_html_escaped(registration):
    registration.certificate_name = "Ana & <Souza>"
    text = body(send(registration, "submitted"))
    assert "Hello Ana & <Souza>," in text


def test_french_registration_gets_french_mail(registration):
    registration.language = "fr"
    message = send(registration, "confirmed")
    assert message["Content-Language"] == "fr"
    assert body(message).startswith("Bonjour Ana Souza,")


# Lines of the registration mail templates once their Jinja parts are removed: what is left
# must be punctuation, never words that would escape translation.
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


@pytest.mark.parametrize(
    "path",
    sorted(
        p
        for p in TEMPLATES_DIR.glob("registration_*.txt")
        if p.name.split(".")[0].removeprefix("registration_") in {*MESSAGES, "details", "signature"}
    ),
    ids=lambda p: p.name,
)
def test_every_sentence_is_marked_for_translation(path):
    leftover = _JINJA.sub("", path.read_text(encoding="utf-8"))
    assert not re.search(r"[^\W\d_]", leftover), f"{path.name}: untranslated {leftover!r}"
