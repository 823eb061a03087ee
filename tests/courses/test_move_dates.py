"""Moving a course with confirmed participants: the organiser confirms, each participant is
told the new dates by mail in their language."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes
from email import policy as email_policy

import sqlalchemy as sa

from app.accounts.models import Role
from app.courses import services
from app.extensions import db
from app.mail.models import OutboxMessage
from app.mail.services import outgoing_bytes
from app.registration.models import RegistrationStatus as S
from tests.conftest import login
from tests.courses.test_routes import course_form
from tests.factories import make_course, make_registration, make_user

NOV = date(2027, 11, 15)


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def busy_course(organiser):
    """A course in November 2027 with two confirmed participants (one reads French), one
    waiting and one who cancelled; another course with the same title has its own people."""
    course = make_course(start=NOV, organisers=(organiser,), slug="governing-2027")
    make_registration(course, make_user(email="ana@example.org"), language="en")
    make_registration(course, make_user(email="amelie@example.org"), language="fr")
    make_registration(course, make_user(email="bruno@example.org"), status=S.WAITLISTED)
    make_registration(course, make_user(email="chen@example.org"), status=S.CANCELLED)
    other = make_course(start=NOV, slug="governing-2027-turin")
    make_registration(other, make_user(email="dora@example.org"))
    return course


def test_moving_the_dates_tells_each_confirmed_participant_in_their_language():
    organiser = make_user(Role.ORGANISER)
    course = busy_course(organiser)
    assert services.registration_services.confirmed_count(course) == 2
    details = services.CourseDetails(
        venue=course.venue,
        start_date=date(2027, 11, 22),
        status=course.status,
        texts={"en": services.CourseText("Governing migration at the local level")},
    )

    services.update_course(course, details, slug=course.slug, actor=organiser)

    mails = {m.recipient: m.subject for m in outbox()}
    assert mails == {
        "ana@example.org": "New dates: Governing migration at the local level",
        "amelie@example.org": "Nouvelles dates : Governing migration at the local level",
    }
    # As delivered: the programme (.ics) is attached then.
    raw = outgoing_bytes(next(m for m in outbox() if m.recipient == "ana@example.org"))
    message = message_from_bytes(raw, policy=email_policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert (
        "has moved to new dates: Nov 22\u2009–\u200926, 2027 (it was Nov 15\u2009–\u200919" in text
    )
    assert next(p.get_content_type() for p in message.iter_attachments()) == "text/calendar"


def test_saving_other_details_tells_nobody():
    organiser = make_user(Role.ORGANISER)
    course = busy_course(organiser)
    details = services.CourseDetails(
        venue=course.venue,
        capacity=40,
        start_date=NOV,
        status=course.status,
        texts={"en": services.CourseText("Governing migration at the local level")},
    )
    services.update_course(course, details, slug=course.slug, actor=organiser)
    # Bruno gets one of the new seats; nobody hears of new dates.
    assert [(m.recipient, m.subject.split(":")[0]) for m in outbox()] == [
        ("bruno@example.org", "A seat is free")
    ]


def test_the_move_is_confirmed_first_then_saved_and_told(client):
    organiser = make_user(Role.ORGANISER)
    course = busy_course(organiser)
    db.session.commit()
    login(client, organiser)
    moved = course_form(course.venue, slug=course.slug, start_date="2027-11-22")

    asked = client.post(f"/courses/{course.slug}/edit", data=moved)

    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "2 confirmed participants will be told the new dates by email." in page
    assert 'name="confirm" value="move:2027-11-22/5"' in page
    db.session.expire_all()
    assert course.start_date == NOV and outbox() == []

    # Changing the dates again asks again; confirming the dates shown saves and tells.
    again = client.post(
        f"/courses/{course.slug}/edit",
        data={**moved, "start_date": "2027-11-29", "confirm": "move:2027-11-22/5"},
    )
    assert 'value="move:2027-11-29/5"' in again.get_data(as_text=True)
    saved = client.post(
        f"/courses/{course.slug}/edit", data={**moved, "confirm": "move:2027-11-22/5"}
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert course.start_date == date(2027, 11, 22)
    assert sorted(m.recipient for m in outbox()) == ["amelie@example.org", "ana@example.org"]


def test_a_course_without_confirmed_participants_moves_at_once(client):
    organiser = make_user(Role.ORGANISER)
    course = make_course(start=NOV, organisers=(organiser,))
    make_registration(course, status=S.WAITLISTED)
    db.session.commit()
    login(client, organiser)

    response = client.post(
        f"/courses/{course.slug}/edit",
        data=course_form(course.venue, slug=course.slug, start_date="2027-11-22"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert course.start_date == date(2027, 11, 22) and outbox() == []
