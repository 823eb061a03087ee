"""Applying while creating the account: the answers wait for the address to be confirmed,
then are submitted under the rules of that moment; a known address is answered alike."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.accounts.models import EmailConfirmation, User
from app.applications.answer_forms import field_name
from app.applications.models import Answer, QuestionKind
from app.audit.models import AuditAction, AuditEvent
from app.db import now_utc
from app.extensions import db
from app.registration.models import RegistrationStatus as S
from tests.accounts.helpers import flashes
from tests.accounts.identity_helpers import body, confirmation_path, mails, mails_to, without_csrf
from tests.applications.conftest import add_question
from tests.conftest import login
from tests.factories import make_registration, make_user
from tests.registration.conftest import open_course
from tests.registration.test_apply_routes import (
    accounts,
    form_data,
    register_url,
    registrations,
    signup_data,
)
from tests.storage.conftest import files_in, upload, uploads  # noqa: F401
from tests.storage.samples import pdf


@pytest.fixture
def course():
    organiser = make_user(name="Olga Organiser", email="olga@example.org")
    course = open_course(capacity=2, organisers=(organiser,))
    db.session.commit()
    return course


def apply_as_visitor(client, course, **overrides):
    return client.post(register_url(course), data=signup_data(**overrides))


def test_the_answers_wait_with_the_pending_confirmation_without_the_password(client, course):
    response = apply_as_visitor(client, course)

    assert response.status_code == 302
    assert registrations() == [] and accounts("ana.new@example.org") == 0
    row = db.session.scalars(sa.select(EmailConfirmation)).one()
    assert row.course_id == course.id
    kept = dict(row.application)
    assert kept["motivation"] == "I coordinate the city's services for newcomers."
    assert kept["country"] == "BR" and kept["account_name"] == "Ana Souza"
    assert not {"password", "confirm", "csrf_token", "submit"} & set(kept)
    assert "a long passphrase" not in str(row.application)
    # The only mail is the link, to the address being confirmed; nothing about a registration.
    [link] = mails()
    assert link.recipient == "ana.new@example.org"
    text = body(link)
    assert "applied to “Governing migration at the local level”" in text
    assert confirmation_path(link) == (
        f"/courses/{course.slug}/register/confirm/" + confirmation_path(link).rsplit("/", 1)[1]
    )


def test_the_check_your_mail_page_says_the_application_waits(client, course):
    response = apply_as_visitor(client, course)

    page = client.get(response.headers["Location"]).text
    assert "Your answers are kept and sent as soon as you confirm your address" in page


def test_a_new_and_a_known_address_get_the_same_answer(client, app, course):
    make_user(email="ana@example.org", name="Ana Souza")
    db.session.commit()
    stranger = app.test_client()

    known = apply_as_visitor(client, course, email="Ana@Example.org")
    new = apply_as_visitor(stranger, course, email="ana.new@example.org")

    assert (known.status_code, known.headers["Location"]) == (
        new.status_code,
        new.headers["Location"],
    )
    known_page = client.get(known.headers["Location"])
    new_page = stranger.get(new.headers["Location"])
    assert known_page.status_code == new_page.status_code == 200
    assert without_csrf(known_page.text) == without_csrf(new_page.text)
    [notice] = mails_to("ana@example.org")
    assert "while applying to “Governing migration at the local level”" in body(notice)
    assert "/confirm/" not in body(notice)
    assert registrations() == []
    assert accounts("ana@example.org") == 1


def test_confirming_submits_the_application_and_signs_in(client, course):
    question = add_question(course, label="Which city do you work for?")
    db.session.commit()
    apply_as_visitor(client, course, **{field_name(question): "Belo Horizonte"})
    path = confirmation_path(mails()[0])

    page = client.get(path)
    assert page.status_code == 200
    assert "Confirm and submit my application" in page.text
    assert registrations() == []  # opening the link changes nothing

    response = client.post(path)

    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "ana.new@example.org"))
    assert user.email_verified_at is not None
    [registration] = registrations()
    assert (registration.user_id, registration.status) == (user.id, S.CONFIRMED)
    assert registration.email == "ana.new@example.org"
    assert registration.motivation == "I coordinate the city's services for newcomers."
    answer = db.session.scalars(sa.select(Answer).where(Answer.registration_id == registration.id))
    assert [a.value for a in answer] == ["Belo Horizonte"]
    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == AuditAction.SIGNED_UP)
    ).all()
    assert event.detail == {"with_application": True}
    # The registration mail goes to the address just verified.
    assert [m.recipient for m in mails()[1:]] == ["ana.new@example.org"]
    assert "confirmed" in flashes(client.get("/my/courses"))[0][1]


def test_the_last_seat_taken_meanwhile_puts_the_applicant_on_the_waiting_list(client, course):
    apply_as_visitor(client, course)
    path = confirmation_path(mails()[0])
    # Two others take the two seats while the mail waits in the inbox.
    make_registration(course, make_user(name="Ana Alves"))
    make_registration(course, make_user(name="Ana Álvarez"))
    db.session.commit()

    client.post(path)

    newcomer = [r for r in registrations() if r.email == "ana.new@example.org"]
    assert [r.status for r in newcomer] == [S.WAITLISTED]
    assert "number 1 on the waiting list" in flashes(client.get("/my/courses"))[0][1]


def test_one_seat_left_at_confirmation_is_the_applicants(client, course):
    apply_as_visitor(client, course)
    path = confirmation_path(mails()[0])
    make_registration(course, make_user(name="Ana Alves"))
    db.session.commit()

    client.post(path)

    newcomer = [r for r in registrations() if r.email == "ana.new@example.org"]
    assert [r.status for r in newcomer] == [S.CONFIRMED]


def test_applications_closed_meanwhile_keep_the_account_and_say_why(client, course):
    apply_as_visitor(client, course)
    path = confirmation_path(mails()[0])
    course.registration_closes_at = now_utc() - timedelta(minutes=1)
    db.session.commit()

    response = client.post(path)

    assert response.status_code == 302
    assert response.headers["Location"] == register_url(course)
    assert accounts("ana.new@example.org") == 1
    assert registrations() == []
    closed = client.get(register_url(course))  # signed in
    assert "this course no longer takes applications" in flashes(closed)[0][1]
    assert "The closing date for applications has passed." in closed.text


def test_a_question_added_meanwhile_brings_the_filled_form_back(client, course):
    apply_as_visitor(client, course)
    path = confirmation_path(mails()[0])
    add_question(course, label="Which city do you work for?", is_required=True)
    db.session.commit()

    response = client.post(path)

    assert response.status_code == 200
    assert "Your address is confirmed and your account is ready" in response.text
    assert "I coordinate the city&#39;s services for newcomers." in response.text
    assert f'action="/courses/{course.slug}/register"' in response.text
    assert accounts("ana.new@example.org") == 1 and registrations() == []


def test_a_used_application_link_is_refused(client, course):
    apply_as_visitor(client, course)
    path = confirmation_path(mails()[0])
    client.post(path)

    response = client.application.test_client().post(path)

    assert response.status_code == 400 and "already been used" in response.text
    assert len(registrations()) == 1


@pytest.mark.parametrize(
    ("left", "works"), [(timedelta(minutes=1), True), (-timedelta(seconds=1), False)]
)
def test_an_application_link_works_until_it_expires(client, course, left, works):
    apply_as_visitor(client, course)
    path = confirmation_path(mails()[0])
    db.session.execute(sa.update(EmailConfirmation).values(expires_at=now_utc() + left))
    db.session.commit()

    response = client.post(path)

    if works:
        assert response.status_code == 302 and len(registrations()) == 1
    else:
        assert response.status_code == 400 and "has expired" in response.text
        assert registrations() == [] and accounts("ana.new@example.org") == 0


def test_the_link_belongs_to_its_course(client, course):
    other = open_course()
    db.session.commit()
    apply_as_visitor(client, course)
    token = confirmation_path(mails()[0]).rsplit("/", 1)[1]

    assert client.get(f"/courses/{other.slug}/register/confirm/{token}").status_code == 404
    plain = client.get(f"/signup/confirm/{token}")
    assert plain.status_code == 302
    assert plain.headers["Location"] == f"/courses/{course.slug}/register/confirm/{token}"


def test_a_signed_in_applicant_cannot_give_another_address(client, course):
    ana = make_user(email="ana@example.org", name="Ana Souza")
    db.session.commit()
    login(client, ana)

    form = client.get(register_url(course)).text
    assert 'name="email" readonly required type="email" value="ana@example.org"' in form
    assert "Your account&#39;s address. To change it" in form
    response = client.post(register_url(course), data=form_data(email="victim@example.org"))

    assert response.status_code == 302
    [registration] = registrations()
    assert registration.email == "ana@example.org"
    assert "victim@example.org" not in {m.recipient for m in mails()}
    assert mails_to("ana@example.org")


@pytest.mark.usefixtures("uploads")
def test_a_document_is_asked_again_after_the_confirmation(app, client, course):
    """Files are not kept with a pending sign-up: once the account exists, the form comes back
    filled in, asking for the document again."""
    cv = add_question(course, QuestionKind.FILE, "Your CV", is_required=True, max_size_mb=1)
    db.session.commit()
    apply_as_visitor(client, course, **{field_name(cv): upload(pdf())})
    assert files_in(Path(app.config["UPLOAD_FOLDER"])) == []
    path = confirmation_path(mails()[0])

    response = client.post(path)

    assert response.status_code == 200
    assert "Your address is confirmed and your account is ready" in response.text
    assert f'id="{field_name(cv)}-errors"' in response.text
    assert accounts("ana.new@example.org") == 1 and registrations() == []
    # Sent again with the document, signed in: the application is made.
    again = client.post(register_url(course), data=form_data(**{field_name(cv): upload(pdf())}))
    assert again.status_code == 302
    assert [r.email for r in registrations()] == ["ana.new@example.org"]
