"""Arbitrary input to the organisers' compose form (see test_properties.py for what is
checked): never a server error; a refused post stores nothing (a test copy only adds its one
outbox row, to the organiser); what is stored is plain text, subjects on one line, with only
known placeholders; the mail queued carries no header a subject or body slipped in; the
history shows the subject escaped."""

from __future__ import annotations

import email
from email import policy

import hypothesis.strategies as st
import sqlalchemy as sa

from app.accounts.models import Role
from app.extensions import db
from app.mail.models import OutboxMessage
from app.messages.models import CourseMessage, CourseMessageText
from app.messages.placeholders import unknown_placeholders
from tests.factories import make_course, make_registration, make_user
from tests.security.test_properties import (
    ABSENT,
    accepted,
    assert_escaped,
    assert_plain,
    choices,
    dates,
    fresh,
    get,
    new_client,  # noqa: F401 - fixture
    numbers,
    post,
    posts,
    run,
    snapshot,
    times,
)

COMPOSE = {
    "started": "1",
    "subject_en": "Reading for Monday, {first_name}",
    "body_en": "Dear {name},\nplease read chapter 2: https://example.org/reading",
    "subject_fr": "Lecture pour lundi",
    "body_fr": "Bonjour {first_name},\nlisez le chapitre 2.",
    "send_on": "",
    "send_time": "",
    "send": "Send",
}
buttons = st.sampled_from(({"send": "Send"}, {"preview": "Preview"}, {"test": "Send me a test"}))


@run(
    st.tuples(
        posts(
            COMPOSE,
            free=("subject_en", "body_en", "subject_fr", "body_fr"),
            structural={
                "send_on": dates,
                "send_time": times,
                "preview_for": numbers,
                "registration_ids": st.one_of(numbers, st.lists(numbers, max_size=3)),
                "started": choices("1", ""),
            },
            always={"send": st.sampled_from(("Send", ABSENT))},
        ),
        buttons,
    ),
    (COMPOSE, {"send": "Send"}),
    ({**COMPOSE, "send_on": "2099-03-29", "send_time": "02:30"}, {"send": "Send"}),
    ({**COMPOSE, "subject_en": "Hi\r\nBcc: all@example.net"}, {"send": "Send"}),
    ({**COMPOSE, "body_fr": "{prenom}"}, {"test": "Send me a test"}),
    # From the desk's list (not yet started) with nobody ticked: back to the list.
    ({**COMPOSE, "started": "", "preview_for": "0"}, {"send": "Send"}),
)
def test_compose(new_client, data):  # noqa: F811
    fields, button = data
    fields = {k: v for k, v in fields.items() if k not in ("send", "preview", "test")}
    fields.update(button)
    fresh()
    organiser = make_user(Role.ORGANISER, name="Olga Organiser", email="olga@example.org")
    course = make_course(slug="governing-2017", organisers=(organiser,))
    course.languages = "en,fr"
    make_registration(course, make_user(name="Ana Souza"))
    make_registration(course, make_user(name="Ana Sousa"), language="fr")
    client = new_client(organiser)
    before = snapshot()
    response = post(client, "/courses/governing-2017/messages/new?status=confirmed", fields)
    if "test" in button and response.status_code == 200:
        copies = db.session.scalars(sa.select(OutboxMessage)).all()
        assert [c.recipient for c in copies] in ([], ["olga@example.org"])
        for copy in copies:
            mail = email.message_from_bytes(copy.raw, policy=policy.default)
            assert set(mail.keys()) <= {
                "Subject",
                "From",
                "To",
                "Date",
                "Message-ID",
                "Content-Type",
                "Content-Transfer-Encoding",
                "MIME-Version",
                "Content-Language",
            }
            db.session.delete(copy)
        db.session.commit()
        after = snapshot()
        assert {k: v for k, v in after.items() if k != "outbox_message"} == {
            k: v for k, v in before.items() if k != "outbox_message"
        }
        return
    if not accepted(response, before):
        return
    message = db.session.scalars(sa.select(CourseMessage)).one_or_none()
    if message is None:
        # Posted from the desk's list with nobody ticked: back to the list, nothing stored.
        assert fields.get("started") != "1"
        assert response.headers["Location"].startswith("/courses/governing-2017/participants")
        assert snapshot() == before
        return
    for text in db.session.scalars(sa.select(CourseMessageText)):
        assert_plain(text.subject)
        assert_plain(text.body, multiline=True)
        assert unknown_placeholders(text.subject) == unknown_placeholders(text.body) == []
    for copy in db.session.scalars(sa.select(OutboxMessage)):
        mail = email.message_from_bytes(copy.raw, policy=policy.default)
        assert "Bcc" not in mail and "\n" not in str(mail["Subject"])
    html = get(client, f"/courses/governing-2017/messages/{message.id}")
    for text in message.texts:
        assert_escaped(html, text.subject)
