"""What a person's privacy page lists of their own consents (only theirs, newest first) and how
the notice's text is cut into paragraphs."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask.testing import FlaskClient

from app.accounts.models import Role
from app.extensions import db
from app.privacy import notices
from app.privacy.models import ConsentContext
from tests.conftest import login
from tests.factories import make_course, make_user

SIGNED_UP = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
APPLIED = datetime(2027, 3, 2, 14, 30, tzinfo=UTC)
APPLIED_AGAIN = datetime(2027, 5, 20, 8, 15, tzinfo=UTC)


def _consent_lines(client: FlaskClient) -> list[str]:
    page = client.get("/account/privacy")
    assert page.status_code == 200
    items = re.findall(r'<ul class="consents">(.*?)</ul>', page.text, re.S)
    if not items:
        return []
    return [
        " ".join(re.sub(r"<[^>]+>", " ", item).split())
        for item in re.findall(r"<li>(.*?)</li>", items[0], re.S)
    ]


def test_the_page_lists_one_s_own_consents_newest_first(client: FlaskClient) -> None:
    admin = make_user(Role.ADMIN, email="admin@example.org", name="Site Admin")
    governing = make_course(slug="governing-migration")
    mainstreaming = make_course(slug="mainstreaming-migration")
    alves = make_user(email="ana.alves@example.pt", name="Ana Alves")
    alvarez = make_user(email="ana.alvarez@example.es", name="Ana Álvarez")
    silva = make_user(email="ana.silva@example.br", name="Ana Silva")
    notices.publish_notice("We keep your data.", actor=admin, now=SIGNED_UP)
    # Written out of date order (a sign-up consent is dated when its form was sent, not when
    # the mailed link is confirmed): the page orders them by date, not by when written.
    notices.record_consent(alves, ConsentContext.APPLICATION, course=governing, now=APPLIED)
    notices.record_consent(alvarez, ConsentContext.SIGNUP, now=SIGNED_UP)
    notices.record_consent(alves, ConsentContext.SIGNUP, now=SIGNED_UP)
    notices.publish_notice("We keep less of your data.", actor=admin, now=APPLIED)
    notices.record_consent(
        alves, ConsentContext.APPLICATION, course=mainstreaming, now=APPLIED_AGAIN
    )
    notices.record_consent(alvarez, ConsentContext.APPLICATION, course=governing, now=APPLIED)
    db.session.commit()

    login(client, alves)
    assert _consent_lines(client) == [
        "Application · May 20, 2027, 8:15:00 AM · privacy notice version 2",
        "Application · Mar 2, 2027, 2:30:00 PM · privacy notice version 1",
        "Sign-up · Jan 10, 2027, 9:00:00 AM · privacy notice version 1",
    ]

    login(client, alvarez)
    assert _consent_lines(client) == [
        "Application · Mar 2, 2027, 2:30:00 PM · privacy notice version 2",
        "Sign-up · Jan 10, 2027, 9:00:00 AM · privacy notice version 1",
    ]

    login(client, silva)
    assert _consent_lines(client) == []
    assert "No consent recorded." in client.get("/account/privacy").text


def test_consents_of_the_same_instant_list_the_last_given_first() -> None:
    governing = make_course(slug="governing-migration")
    alves = make_user(email="ana.alves@example.pt", name="Ana Alves")
    first = notices.record_consent(alves, ConsentContext.SIGNUP, now=APPLIED)
    second = notices.record_consent(
        alves, ConsentContext.APPLICATION, course=governing, now=APPLIED
    )
    third = notices.record_consent(alves, ConsentContext.SIGNUP, now=APPLIED)
    db.session.commit()
    assert notices.consents_of(alves) == [third, second, first]


def test_paragraphs_are_parted_by_blank_lines_whatever_the_line_ends() -> None:
    # The notice page reads the stored text; a body with Windows line ends (pasted, or written
    # by hand in the database) must still show as paragraphs, each line break kept as "\n".
    body = "We keep your data.\r\n\r\nWrite to\r\ndpo@example.org.\r\n\r\n\r\n  Ask us.  \r\n"
    assert notices.paragraphs(body) == [
        "We keep your data.",
        "Write to\ndpo@example.org.",
        "Ask us.",
    ]
    assert notices.paragraphs("One.\n\nTwo.") == ["One.", "Two."]
    assert notices.paragraphs(" \r\n \r\n ") == []
