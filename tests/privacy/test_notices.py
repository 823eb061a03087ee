"""The privacy notice's versions and the consents given under them."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask.testing import FlaskClient

from app.accounts.models import EmailConfirmation, Role, User
from app.db import now_utc
from app.extensions import db
from app.privacy import notices
from app.privacy.models import ConsentContext, ConsentRecord, PrivacyNotice
from app.registration.services import apply
from tests.accounts.identity_helpers import confirmation_path, mails
from tests.conftest import login
from tests.factories import application_data, make_user
from tests.registration.conftest import open_course

T1 = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
T2 = datetime(2027, 2, 10, 9, 0, tzinfo=UTC)


def test_each_publication_is_a_new_version() -> None:
    admin = make_user(Role.ADMIN)
    first = notices.publish_notice("We keep your data.\r\n\r\nAsk us.", actor=admin, now=T1)
    second = notices.publish_notice("We keep less.", actor=admin, now=T2)
    assert (first.version, second.version) == (1, 2)
    assert first.body == "We keep your data.\n\nAsk us."
    assert notices.current_notice() == second
    assert [n.version for n in notices.notice_versions()] == [2, 1]
    assert (second.published_at, second.published_by_id) == (T2, admin.id)


def test_a_consent_names_the_version_in_force() -> None:
    admin = make_user(Role.ADMIN)
    person = make_user(name="Ana Alves")
    before = notices.record_consent(person, ConsentContext.SIGNUP, now=T1)
    notices.publish_notice("Version one.", actor=admin, now=T1)
    after = notices.record_consent(person, ConsentContext.SIGNUP, now=T2)
    db.session.flush()
    assert before.notice is None
    assert after.notice.version == 1
    assert after.accepted_at == T2
    assert after.text == "By creating an account you accept the privacy notice."


def test_signing_up_records_the_consent(client: FlaskClient) -> None:
    admin = make_user(Role.ADMIN)
    notices.publish_notice("Version one.", actor=admin)
    db.session.commit()
    response = client.post(
        "/signup",
        data={
            "name": "Ana Alves",
            "email": "ana.alves@example.pt",
            "password": "correct horse battery",
            "confirm": "correct horse battery",
            "locale": "en",
        },
    )
    assert response.status_code == 302
    # The account, and its consent, exist once the mailed link is confirmed; the consent is
    # dated when the form was sent.
    assert db.session.scalars(sa.select(ConsentRecord)).all() == []
    [pending] = db.session.scalars(sa.select(EmailConfirmation)).all()
    assert client.post(confirmation_path(mails()[0])).status_code == 302
    user = db.session.scalars(sa.select(User).where(User.email == "ana.alves@example.pt")).one()
    consent = db.session.scalars(sa.select(ConsentRecord)).one()
    assert (consent.user_id, consent.context, consent.notice.version, consent.accepted_at) == (
        user.id,
        ConsentContext.SIGNUP,
        1,
        pending.created_at,
    )


def test_applying_records_the_consent() -> None:
    admin = make_user(Role.ADMIN)
    notices.publish_notice("Version one.", actor=admin)
    course = open_course()
    person = make_user(name="Ana Alves")
    now = now_utc()
    apply(course, person, application_data(email=person.email), now=now)
    consent = db.session.scalars(sa.select(ConsentRecord)).one()
    assert (consent.context, consent.course_id, consent.accepted_at, consent.notice.version) == (
        ConsentContext.APPLICATION,
        course.id,
        now,
        1,
    )
    assert consent.text.startswith("I agree that my data are processed")


def test_the_notice_page_shows_the_text_escaped(client: FlaskClient) -> None:
    assert "has not been published yet" in client.get("/privacy").text
    admin = make_user(Role.ADMIN)
    notices.publish_notice("First <b>paragraph</b>.\n\nSecond one.", actor=admin)
    db.session.commit()
    page = client.get("/privacy").text
    assert "Version 1, published on" in page
    assert "First &lt;b&gt;paragraph&lt;/b&gt;." in page
    assert '<p class="notice-paragraph">Second one.</p>' in page


def test_the_admin_publishes_through_the_page(client: FlaskClient) -> None:
    admin = make_user(Role.ADMIN)
    db.session.commit()
    login(client, admin)
    empty = client.post("/admin/privacy/notice", data={"body": "  "})
    assert empty.status_code == 200
    assert "Write the notice." in empty.text
    assert db.session.scalars(sa.select(PrivacyNotice)).all() == []
    done = client.post("/admin/privacy/notice", data={"body": "We keep your data.\r\n\r\nAsk us."})
    assert done.status_code == 302
    assert "Version 1 of the privacy notice is published." in client.get(done.location).text
    assert db.session.scalars(sa.select(PrivacyNotice.body)).all() == [
        "We keep your data.\n\nAsk us."
    ]


def test_the_footer_and_forms_link_the_notice(client: FlaskClient) -> None:
    assert 'href="/privacy"' in client.get("/signup").text
    assert 'href="/privacy"' in client.get("/").text
