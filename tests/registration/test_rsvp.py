"""Events: registration none (open to all), the simple RSVP, and what follows from an RSVP's
empty optional fields (desk, exports, lists, My courses, certificates, mail)."""

from __future__ import annotations

import csv
import io
from email import message_from_bytes
from email import policy as email_policy
from typing import Any

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from openpyxl import load_workbook

from app.accounts.models import Role, User
from app.certificates.services import certificate_eligibility
from app.courses.models import CourseKind, RegistrationMode
from app.courses.windows import RegistrationWindow, registration_window, registration_windows
from app.extensions import db
from app.mail.models import OutboxMessage
from app.mail.services import outgoing_bytes
from app.registration import exports, services
from app.registration.models import Registration
from app.registration.models import RegistrationStatus as S
from app.registration.notifications import notify
from tests.accounts.identity_helpers import confirmation_path
from tests.conftest import login
from tests.factories import make_user
from tests.neighbours import neighbour_id
from tests.registration.conftest import make_rsvp, open_course, open_event

TITLE = "Launch of the migration toolbox"


def rsvp_data(**overrides: Any) -> dict[str, str]:
    """The RSVP as a browser posts it; None leaves a field out."""
    data: dict[str, Any] = {
        "certificate_name": "Ana Souza",
        "email": "ana@example.org",
        "organisation": "Municipality of Belo Horizonte",
        "language": "en",
        "consent_data": "y",
        "consent_listing": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def signup_rsvp_data(**overrides: Any) -> dict[str, str]:
    values = {
        "email": "ana.new@example.org",
        "password": "a long passphrase",
        "confirm": "a long passphrase",
    }
    values.update(overrides)
    return rsvp_data(**values)


def registrations() -> list[Registration]:
    """The registrations of the courses the test made, not of the busy neighbour."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(Registration.course_id != neighbour_id())
            .order_by(Registration.id)
        )
    )


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def body(row: OutboxMessage) -> str:
    message = message_from_bytes(row.raw, policy=email_policy.default)
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def register_url(course: Any) -> str:
    return f"/courses/{course.slug}/register"


def page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


@pytest.fixture
def user() -> User:
    return make_user(name="Ana Souza", email="ana@example.org")


@pytest.fixture
def organiser() -> User:
    return make_user(Role.ORGANISER, name="Olga Organiser")


# ---------------------------------------------------------------------------
# No registration


def test_an_event_open_to_all_has_no_form_and_says_so(client, user):
    event = open_event(mode=RegistrationMode.NONE, capacity=50)
    db.session.commit()

    assert client.get(register_url(event)).status_code == 404
    assert client.post(register_url(event), data=rsvp_data()).status_code == 404
    login(client, user)
    assert client.get(register_url(event)).status_code == 404
    assert client.post(register_url(event), data=rsvp_data()).status_code == 404
    assert registrations() == []

    shown = page(client, f"/courses/{event.slug}")
    assert "Open to all: no registration needed." in shown
    assert register_url(event) not in shown
    assert "Seats" not in shown


def test_the_rules_refuse_registration_to_an_event_open_to_all(user):
    event = open_event(mode=RegistrationMode.NONE)

    with pytest.raises(services.RegistrationClosed) as caught:
        services.apply(
            event, user, services.ApplicationData("Ana", "ana@example.org", "", "en", True)
        )
    assert caught.value.reason == services.RegistrationClosedReason.NO_REGISTRATION


def test_an_event_open_to_all_is_never_full():
    event = open_event(mode=RegistrationMode.NONE, capacity=0)

    assert registration_window(event) == RegistrationWindow.OPEN
    assert registration_windows([event])[event.id] == RegistrationWindow.OPEN


# ---------------------------------------------------------------------------
# The RSVP form


def test_the_rsvp_form_asks_only_the_few_questions_prefilled_for_a_signed_in_user(client, user):
    make_rsvp(open_event(), user, organisation="City of Quito")
    event = open_event()
    db.session.commit()
    login(client, user)

    shown = page(client, register_url(event))

    assert f"Register for “{TITLE}”" in shown
    assert 'name="certificate_name" required type="text" value="Ana Souza"' in shown
    assert 'value="ana@example.org"' in shown
    assert 'value="City of Quito"' in shown  # from the latest registration
    assert '<option selected value="en">English</option>' in shown
    for asked in ("consent_data", "consent_listing", "organisation", "language"):
        assert f'name="{asked}"' in shown
    for not_asked in (
        "country",
        "nationality",
        "organisation_type",
        "job_title",
        "funding",
        "motivation",
        "password",
    ):
        assert f'name="{not_asked}"' not in shown


def test_a_signed_in_user_registers_and_is_confirmed_with_the_programme(client, user):
    event = open_event()
    event.contact_email = "events@example.org"
    db.session.commit()
    login(client, user)

    response = client.post(register_url(event), data=rsvp_data(consent_listing=None))

    [registration] = registrations()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/my/courses#registration-{registration.id}")
    assert registration.user_id == user.id
    assert registration.status == S.CONFIRMED
    assert registration.organisation == "Municipality of Belo Horizonte"
    assert registration.consent_data is True and registration.consent_listing is False
    assert (registration.country, registration.nationality) == (None, None)
    assert (registration.organisation_type, registration.funding) == (None, None)
    assert registration.job_title == "" and registration.motivation == ""

    [mail] = outbox()
    assert mail.recipient == "ana@example.org"
    assert mail.subject == f"Your place is confirmed: {TITLE}"
    message = message_from_bytes(outgoing_bytes(mail), policy=email_policy.default)
    assert [p.get_content_type() for p in message.walk()].count("text/calendar") == 1
    text = body(mail)
    assert "Event page: http://atelier.test/courses/" in text
    assert f"The organisers of “{TITLE}”" in text
    assert "course team" not in text


def test_a_visitor_creates_the_account_with_the_rsvp(client):
    event = open_event()
    db.session.commit()

    shown = page(client, register_url(event))
    assert 'name="password"' in shown and 'name="account_name"' not in shown

    response = client.post(
        register_url(event), data=signup_rsvp_data(certificate_name="Ana  Souza", language="es")
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/signup/sent?applying=1"
    [link] = outbox()
    response = client.post(confirmation_path(link))

    assert response.status_code == 302
    new = db.session.scalar(sa.select(User).where(User.email == "ana.new@example.org"))
    assert new is not None
    assert new.name == "Ana Souza" and new.locale == "es"
    assert new.check_password("a long passphrase")
    [registration] = registrations()
    assert registration.user_id == new.id
    assert registration.certificate_name == "Ana Souza"
    assert registration.status == S.CONFIRMED
    # Signed in on the way: the registration is there.
    assert "Ana Souza" in page(client, "/my/courses")


def test_errors_show_beside_their_fields_and_nothing_is_stored(client, user):
    event = open_event()
    db.session.commit()
    login(client, user)

    response = client.post(
        register_url(event),
        data=rsvp_data(certificate_name="", email="not-an-address", organisation=None),
    )

    assert response.status_code == 200
    shown = response.get_data(as_text=True)
    assert '<ul class="errors" id="certificate_name-errors">' in shown
    assert "Enter your name." in shown
    # The address is the account's, whatever was posted.
    assert '<ul class="errors" id="email-errors">' not in shown
    assert 'value="ana@example.org"' in shown
    assert '<ul class="errors" id="organisation-errors">' in shown
    assert "Enter the name of your organisation." in shown
    assert registrations() == [] and outbox() == []


def test_consent_to_data_processing_is_required(client, user):
    event = open_event()
    db.session.commit()
    login(client, user)

    response = client.post(register_url(event), data=rsvp_data(consent_data=None))

    shown = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<ul class="errors" id="consent_data-errors">' in shown
    assert "Your consent is needed to process your registration." in shown
    assert registrations() == []


def test_the_rules_refuse_an_rsvp_without_consent(user):
    event = open_event()
    data = services.ApplicationData("Ana", "ana@example.org", "City", "en", consent_data=False)

    with pytest.raises(services.RegistrationError):
        services.apply(event, user, data)


def test_a_second_rsvp_is_refused_and_shows_the_first(client, user):
    event = open_event()
    db.session.commit()
    login(client, user)
    client.post(register_url(event), data=rsvp_data())

    again = client.get(register_url(event))
    posted = client.post(register_url(event), data=rsvp_data(organisation="Another"))

    [registration] = registrations()
    assert registration.organisation == "Municipality of Belo Horizonte"
    for response in (again, posted):
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"#registration-{registration.id}")
    assert "You have already registered for this event" in page(client, "/my/courses")
    assert len(outbox()) == 1


def test_a_visitor_whose_email_has_an_account_is_answered_as_anyone(client, user):
    event = open_event()
    db.session.commit()

    response = client.post(register_url(event), data=signup_rsvp_data(email="ana@example.org"))

    assert response.status_code == 302
    assert response.headers["Location"] == "/signup/sent?applying=1"
    assert registrations() == []
    assert [m.recipient for m in outbox()] == ["ana@example.org"]
    assert "Someone tried to create an account" in body(outbox()[0])


def test_mail_goes_out_in_the_language_chosen_in_the_rsvp(client, user):
    event = open_event()
    db.session.commit()
    login(client, user)

    client.post(register_url(event), data=rsvp_data(language="fr"))

    [registration] = registrations()
    assert registration.language == "fr"
    [mail] = outbox()
    message = message_from_bytes(mail.raw, policy=email_policy.default)
    assert message["Content-Language"] == "fr"
    with force_locale("fr"):
        expected = gettext("Your place is confirmed: %(course)s", course=TITLE)
    assert expected != f"Your place is confirmed: {TITLE}"
    assert mail.subject == " ".join(expected.split())  # the subject line is on one line


# ---------------------------------------------------------------------------
# Capacity


def test_a_full_event_puts_the_rsvp_on_the_waiting_list(client, user):
    event = open_event(capacity=1)
    make_rsvp(event)
    db.session.commit()
    assert "The event is full: you can join the waiting list." in page(
        client, f"/courses/{event.slug}"
    )
    login(client, user)

    client.post(register_url(event), data=rsvp_data())

    registration = registrations()[-1]
    assert registration.status == S.WAITLISTED
    assert f"“{TITLE}” is full: you are number 1 on the waiting list." in page(
        client, "/my/courses"
    )
    [mail] = outbox()
    assert mail.subject == f"You are on the waiting list: {TITLE}"
    assert "Thank you for registering for" in body(mail)


def test_without_a_capacity_everyone_is_confirmed_and_the_page_says_no_limit(client):
    event = open_event(capacity=None)
    for _ in range(5):
        make_rsvp(event)
    db.session.commit()

    for n in range(3):
        person = make_user(email=f"guest{n}@example.org")
        registration = services.apply(
            event, person, services.ApplicationData("Guest", person.email, "", "en", True)
        )
        assert registration.status == S.CONFIRMED
    db.session.commit()

    assert services.seats_left(event) is None
    assert registration_window(event) == RegistrationWindow.OPEN
    assert registration_window(event, free_seats=None) == RegistrationWindow.OPEN
    assert registration_windows([event])[event.id] == RegistrationWindow.OPEN
    shown = page(client, f"/courses/{event.slug}")
    assert "No limit" in shown
    assert ">Register</a>" in shown


def test_no_limit_is_stored_as_no_limit_not_the_default_capacity():
    event = open_event(capacity=None)
    db.session.commit()
    db.session.expire_all()

    assert event.capacity is None


def test_a_course_counted_full_by_the_caller_is_full():
    course = open_course(capacity=2)
    assert registration_window(course) == RegistrationWindow.OPEN
    assert registration_window(course, free_seats=0) == RegistrationWindow.FULL


# ---------------------------------------------------------------------------
# Nothing of one registrant visible to another


def test_one_registrant_sees_nothing_of_another(client, user):
    event = open_event(capacity=None)
    other = make_rsvp(
        event,
        make_user(name="Bea Other", email="bea@example.org"),
        organisation="Secret Org",
        consent_listing=False,
    )
    mine = make_rsvp(event, user, consent_listing=True, organisation="City of Quito")
    db.session.commit()
    login(client, user)

    assert "Bea Other" not in page(client, "/my/courses")
    assert client.get(f"/courses/{event.slug}/participants").status_code == 403
    assert client.get(f"/courses/{event.slug}/participants/{other.id}").status_code == 403
    assert client.get(f"/courses/{event.slug}/participants.csv").status_code == 403
    assert client.post(f"/my/registrations/{other.id}/cancel").status_code == 404
    assert client.get(f"/my/registrations/{other.id}/needs").status_code == 404
    # The participant list shows only those who agreed, and no empty country column.
    listed = page(client, f"/courses/{event.slug}/participants/list")
    assert "City of Quito" in listed and "Bea Other" not in listed and "Secret Org" not in listed
    assert ">Country<" not in listed
    assert mine.status == S.CONFIRMED


# ---------------------------------------------------------------------------
# Downstream of empty optional fields


@pytest.fixture
def event_with_rsvps(organiser):
    event = open_event(capacity=3, organisers=(organiser,))
    rows = [
        make_rsvp(event, make_user(name="Ana Souza"), consent_listing=True),
        make_rsvp(event, make_user(name="Bea Lima"), diet="Vegetarian"),
        make_rsvp(event, make_user(name="Carl Berg"), accessibility="Step-free access"),
        make_rsvp(event, make_user(name="Dan Wu"), status=S.WAITLISTED),
    ]
    db.session.commit()
    return event, rows


def test_the_desk_pages_render_rsvps(client, organiser, event_with_rsvps):
    event, rows = event_with_rsvps
    login(client, organiser)
    base = f"/courses/{event.slug}"

    listed = page(client, f"{base}/participants")
    assert "Ana Souza" in listed and "Dan Wu" in listed
    assert "0 of 3" in listed
    detail = page(client, f"{base}/participants/{rows[0].id}")
    assert "City of Quito" in detail and "Name on the certificate" not in detail
    summary = page(client, f"{base}/participants/summary")
    assert "Not given" in summary
    assert "Vegetarian" in page(client, f"{base}/participants/special-needs")
    assert "Ana Souza" in page(client, f"{base}/participants/list")
    attendance = page(client, f"{base}/attendance")
    assert "A certificate needs" not in attendance
    sheet = page(client, f"{base}/attendance/{event.start_date.isoformat()}/sheet")
    assert "Carl Berg" in sheet and ">Country<" not in sheet


def test_the_desk_says_no_limit_without_a_capacity(client, organiser, event_with_rsvps):
    event, _rows = event_with_rsvps
    event.capacity = None
    db.session.commit()
    login(client, organiser)

    assert "No limit" in page(client, f"/courses/{event.slug}/participants")


def test_the_summary_counts_what_an_rsvp_does_not_ask_as_not_given(event_with_rsvps):
    event, _rows = event_with_rsvps

    summary = exports.participant_summary(event)

    assert summary.total == 3
    for shares in (summary.by_country, summary.by_organisation_type, summary.by_gender):
        assert [(s.label, s.count) for s in shares] == [("Not given", 3)]


def test_exports_of_rsvps_leave_the_unasked_columns_empty(client, organiser, event_with_rsvps):
    event, _rows = event_with_rsvps
    login(client, organiser)

    response = client.get(f"/courses/{event.slug}/participants.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 4
    ana = next(r for r in rows if r["Name"] == "Ana Souza")
    assert ana["Organisation"] == "City of Quito"
    for unasked in (
        "Country of residence",
        "Nationality",
        "Type of organisation",
        "Funding",
        "Job title",
        "Gender",
    ):
        assert ana[unasked] == "", unasked

    response = client.get(f"/courses/{event.slug}/participants.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.max_row == 5


def test_the_desk_filters_offer_no_empty_country(event_with_rsvps):
    event, _rows = event_with_rsvps
    assert exports.course_countries(event) == []


def test_my_courses_shows_an_rsvp_without_the_unasked_fields(client, user):
    event = open_event()
    make_rsvp(event, user)
    db.session.commit()
    login(client, user)

    shown = page(client, "/my/courses")

    assert TITLE in shown
    assert "Your registration" in shown and "Event page" in shown
    assert "Country of residence" not in shown and "Job title" not in shown
    assert "None" not in shown.split("Your registration", 1)[1].split("Preferred language")[0]
    assert "Online follow-up phase" not in shown
    assert "Certificate of participation" not in shown


# ---------------------------------------------------------------------------
# Certificates: none for events


def test_events_have_no_certificates(client, organiser, event_with_rsvps):
    event, rows = event_with_rsvps
    eligibility = certificate_eligibility(rows[0])
    assert not eligibility
    assert [str(r) for r in eligibility.reasons] == ["Events have no certificate of participation."]

    login(client, organiser)
    assert client.get(f"/courses/{event.slug}/certificates").status_code == 404
    assert client.get(f"/my/registrations/{rows[0].id}/certificate.pdf").status_code == 404
    login(client, rows[0].user)
    assert client.get(f"/my/registrations/{rows[0].id}/certificate.pdf").status_code == 404


# ---------------------------------------------------------------------------
# Mail about an event


EVENT_MESSAGES: dict[str, dict[str, Any]] = {
    "submitted": {},
    "confirmed": {},
    "waitlisted": {"position": 2},
    "promoted": {},
    "rejected": {},
    "cancelled": {"by_participant": False},
    "offer_expired": {},
    "reminder_start": {},
}


@pytest.mark.parametrize("template", sorted(EVENT_MESSAGES))
def test_event_messages_speak_of_the_event_and_its_organisers(template):
    event = open_event(capacity=None)
    event.contact_email = "events@example.org"
    registration = make_rsvp(event, make_user(name="Ana Souza"))

    notify(registration, template, **EVENT_MESSAGES[template])
    db.session.flush()

    [mail] = outbox()
    text = body(mail)
    assert "Ana Souza" in text and TITLE in text
    assert "course team" not in text
    assert "Course page" not in text and "this course" not in text
    assert f"The organisers of “{TITLE}”" in text


def test_an_online_event_mail_gives_the_link_and_no_venue():
    event = open_event(kind=CourseKind.WEBINAR)
    event.is_online = True
    event.venue = None
    event.online_url = "https://meet.example.org/toolbox"
    registration = make_rsvp(event, make_user())

    notify(registration, "confirmed")
    db.session.flush()

    [mail] = outbox()
    text = body(mail)
    assert "Link to join: https://meet.example.org/toolbox" in text
    assert "in UTC" in text
    assert "Venue:" not in text and "local time at the venue" not in text
