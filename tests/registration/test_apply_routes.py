"""Applying to a course through HTTP, signed in or creating the account on the way."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email import policy as email_policy
from typing import Any

import pytest
import sqlalchemy as sa
from babel.dates import format_interval

from app.accounts.models import User
from app.courses.models import CourseStatus
from app.db import now_utc
from app.extensions import db
from app.mail.models import OutboxMessage
from app.mail.services import outgoing_bytes
from app.registration.models import Registration
from app.registration.models import RegistrationStatus as S
from tests.accounts.identity_helpers import confirmation_path
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user
from tests.neighbours import neighbour_id
from tests.registration.conftest import open_course


def form_data(**overrides: Any) -> dict[str, str]:
    """A complete, valid application as a browser posts it; None leaves a field out."""
    data: dict[str, Any] = {
        "certificate_name": "Ana Souza",
        "email": "ana@example.org",
        "country": "BR",
        "nationality": "BR",
        "organisation": "Municipality of Belo Horizonte",
        "organisation_type": "local_government",
        "job_title": "Migration officer",
        "gender": "",
        "language": "en",
        "motivation": "I coordinate the city's services for newcomers.",
        "funding": "employer",
        "diet": "",
        "accessibility": "",
        "consent_data": "y",
        "consent_listing": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def signup_data(**overrides: Any) -> dict[str, str]:
    account = {
        "account_name": "Ana Souza",
        "email": "ana.new@example.org",
        "password": "a long passphrase",
        "confirm": "a long passphrase",
    }
    account.update(overrides)
    return form_data(**account)


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


def accounts(email: str) -> int:
    """How many accounts have this address, in any case."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(sa.func.lower(User.email) == email)
    )


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def parse(row: OutboxMessage) -> Any:
    # As delivered: the programme (.ics) is attached then.
    return message_from_bytes(outgoing_bytes(row), policy=email_policy.default)


def register_url(course: Any) -> str:
    return f"/courses/{course.slug}/register"


@pytest.fixture
def user() -> User:
    return make_user(name="Ana Souza", email="ana@example.org")


# ---------------------------------------------------------------------------
# Signed in


def test_the_form_is_prefilled_with_the_users_name_email_and_language(client, user):
    course = open_course()
    db.session.commit()
    login(client, user)

    page = client.get(register_url(course)).get_data(as_text=True)

    assert 'name="certificate_name" required type="text" value="Ana Souza"' in page
    assert 'value="ana@example.org"' in page
    assert '<option selected value="en">English</option>' in page
    # Countries are named in the interface language, codes only, groupings left out.
    assert '<option value="BR">Brazil</option>' in page
    assert 'value="EU"' not in page and 'value="ZZ"' not in page and 'value="001"' not in page
    # Signed in: no account fields.
    assert 'name="password"' not in page


def test_signed_in_user_applies_and_is_confirmed(client, user):
    course = open_course()
    db.session.commit()
    login(client, user)

    response = client.post(register_url(course), data=form_data())

    [registration] = registrations()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/my/courses#registration-{registration.id}")
    assert registration.user_id == user.id
    assert registration.status == S.CONFIRMED
    assert registration.country == "BR" and registration.consent_listing is True
    page = client.get("/my/courses").get_data(as_text=True)
    assert "is confirmed" in page

    [mail] = outbox()
    assert mail.recipient == "ana@example.org"
    message = parse(mail)
    assert message["Content-Language"] == "en"
    assert mail.subject == "Your place is confirmed: Governing migration at the local level"
    calendars = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(calendars) == 1
    assert b"BEGIN:VCALENDAR" in calendars[0].get_payload(decode=True)


def test_mail_goes_out_in_the_preferred_language_of_the_application(client, user):
    course = open_course()
    db.session.commit()
    login(client, user)

    client.post(register_url(course), data=form_data(language="fr"))

    [registration] = registrations()
    assert registration.language == "fr"
    [mail] = outbox()
    message = parse(mail)
    assert message["Content-Language"] == "fr"
    # Dates are written the French way, whatever the page's language was.
    body = message.get_body(preferencelist=("plain",)).get_content()
    french_dates = format_interval(course.start_date, course.end_date, "yMMMMd", locale="fr")
    assert " ".join(french_dates.split()) in " ".join(body.split())
    assert body.startswith("Bonjour Ana Souza,")


def test_approval_courses_submit_the_application(client, user):
    course = open_course()
    course.requires_approval = True
    db.session.commit()
    login(client, user)

    client.post(register_url(course), data=form_data())

    [registration] = registrations()
    assert registration.status == S.SUBMITTED
    page = client.get("/my/courses").get_data(as_text=True)
    assert "submitted for approval" in page
    [mail] = outbox()
    assert mail.subject.startswith("Application received")
    assert not [p for p in parse(mail).walk() if p.get_content_type() == "text/calendar"]


def test_a_full_course_puts_the_applicant_on_the_waiting_list_with_a_position(client, user):
    course = open_course(capacity=1)
    make_registration(course)
    make_registration(course, status=S.WAITLISTED)
    db.session.commit()
    login(client, user)

    client.post(register_url(course), data=form_data())

    mine = registrations()[-1]
    assert mine.status == S.WAITLISTED
    page = client.get("/my/courses").get_data(as_text=True)
    assert "you are number 2 on the waiting list" in page
    assert "You are number 2 on the waiting list." in page
    [mail] = outbox()
    assert "in position 2" in parse(mail).get_body(preferencelist=("plain",)).get_content()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_second_attempt_shows_the_existing_registration(client, user, method):
    course = open_course()
    existing = make_registration(course, user)
    db.session.commit()
    login(client, user)

    response = client.open(register_url(course), method=method, data=form_data())

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/my/courses#registration-{existing.id}")
    assert len(registrations()) == 1
    page = client.get("/my/courses").get_data(as_text=True)
    assert "You have already applied to this course" in page


def test_an_existing_registration_is_shown_even_once_applications_close(client, user):
    course = open_course()
    existing = make_registration(course, user)
    course.registration_closes_at = now_utc() - timedelta(hours=1)
    db.session.commit()
    login(client, user)

    response = client.get(register_url(course))

    assert response.headers["Location"].endswith(f"#registration-{existing.id}")


# ---------------------------------------------------------------------------
# Anonymous visitors


def test_anonymous_visitor_gets_the_account_fields_and_a_log_in_link(client):
    course = open_course()
    db.session.commit()

    page = client.get(register_url(course)).get_data(as_text=True)

    for name in ("account_name", "email", "password", "confirm", "certificate_name"):
        assert f'name="{name}"' in page
    assert f"/login?next=/courses/{course.slug}/register" in page


def test_anonymous_visitor_applies_and_confirms_creating_and_logging_in_the_account(client):
    course = open_course()
    db.session.commit()

    response = client.post(register_url(course), data=signup_data(language="es"))

    assert response.status_code == 302
    assert response.headers["Location"] == "/signup/sent?applying=1"
    # Nothing exists until the address is confirmed by the mailed link.
    assert accounts("ana.new@example.org") == 0 and registrations() == []
    [mail] = outbox()
    assert mail.recipient == "ana.new@example.org"
    response = client.post(confirmation_path(mail))

    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "ana.new@example.org"))
    assert user is not None and user.check_password("a long passphrase")
    assert user.locale == "es"
    [registration] = registrations()
    assert registration.user_id == user.id
    assert registration.email == "ana.new@example.org"
    assert registration.status == S.CONFIRMED
    # Logged in by the confirming request.
    my_courses = client.get("/my/courses")
    assert my_courses.status_code == 200
    assert "Governing migration" in my_courses.get_data(as_text=True)


def test_anonymous_with_an_email_that_has_an_account_is_answered_as_anyone(client, user):
    course = open_course()
    db.session.commit()

    response = client.post(register_url(course), data=signup_data(email="ANA@example.org"))

    assert response.status_code == 302
    assert response.headers["Location"] == "/signup/sent?applying=1"
    assert registrations() == []
    assert accounts("ana@example.org") == 1
    [notice] = outbox()
    assert notice.recipient == "ana@example.org"
    assert "while applying to “Governing migration" in parse(notice).get_body(
        preferencelist=("plain",)
    ).get_content().replace("\n", " ")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password": "short", "confirm": "short"}, "password", "at least 10 characters"),
        ({"confirm": "another passphrase"}, "confirm", "The two passwords differ."),
        ({"account_name": ""}, "account_name", "Enter your name."),
    ],
)
def test_account_fields_follow_the_sign_up_rules(client, overrides, field, message):
    course = open_course()
    db.session.commit()

    response = client.post(register_url(course), data=signup_data(**overrides))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-errors"' in page and message in page
    assert registrations() == []
    assert accounts("ana.new@example.org") == 0


def test_anonymous_applicant_to_a_closed_course_creates_no_account(client):
    course = open_course()
    course.registration_closes_at = now_utc() - timedelta(hours=1)
    db.session.commit()

    response = client.post(register_url(course), data=signup_data())

    assert response.status_code == 409
    assert accounts("ana.new@example.org") == 0


# ---------------------------------------------------------------------------
# Validation: each error beside its field, nothing stored


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"consent_data": None}, "consent_data", "Your consent is needed"),
        ({"country": "XX"}, "country", "Choose a country from the list."),
        ({"country": "EU"}, "country", "Choose a country from the list."),
        ({"country": ""}, "country", "Choose the country where you live."),
        ({"nationality": "ZZ"}, "nationality", "Choose a country from the list."),
        ({"motivation": "x" * 2001}, "motivation", "at most 2000 characters (this has 2001)"),
        ({"motivation": ""}, "motivation", "why you want to take part"),
        ({"organisation": "Acme\x00"}, "organisation", "control characters"),
        ({"organisation": "\x1b[31mAcme"}, "organisation", "control characters"),
        ({"job_title": "Officer\tSenior"}, "job_title", "control characters"),
        ({"certificate_name": "Ana \u202eazuoS"}, "certificate_name", "control characters"),
        ({"motivation": "Bell\x07"}, "motivation", "control characters"),
        ({"certificate_name": "A" * 201}, "certificate_name", "at most 200 characters"),
        ({"organisation": " "}, "organisation", "Enter the name of your organisation."),
        ({"organisation_type": "mayor"}, "organisation_type", "Choose one of the options"),
        ({"funding": ""}, "funding", "how your participation will be funded"),
        ({"gender": "robot"}, "gender", "Choose one of the options"),
        ({"language": "de"}, "language", "Choose one of the languages"),
        ({"diet": "x" * 501}, "diet", "at most 500 characters"),
    ],
)
def test_invalid_fields_are_refused_beside_the_field(client, user, overrides, field, message):
    course = open_course()
    db.session.commit()
    login(client, user)

    response = client.post(register_url(course), data=form_data(**overrides))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="{field}-errors"' in page
    errors = page.split(f'id="{field}-errors"', 1)[1].split("</ul>", 1)[0]
    assert message in errors
    assert registrations() == []
    assert outbox() == []


def test_line_breaks_are_kept_in_multi_line_fields(client, user):
    course = open_course()
    db.session.commit()
    login(client, user)

    client.post(register_url(course), data=form_data(motivation="First line.\r\nSecond line."))

    [registration] = registrations()
    assert registration.motivation == "First line.\nSecond line."


def test_html_is_stored_as_typed_and_always_shown_escaped(client, user):
    course = open_course()
    db.session.commit()
    login(client, user)
    script = "<script>alert('x')</script> & Co"

    client.post(register_url(course), data=form_data(organisation=script, diet="<b>vegan</b>"))

    [registration] = registrations()
    assert registration.organisation == script
    page = client.get("/my/courses").get_data(as_text=True)
    assert "<script>alert" not in page and "<b>vegan" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in page
    assert "&lt;b&gt;vegan&lt;/b&gt;" in page


# ---------------------------------------------------------------------------
# Closed registration


def _not_open_yet(course: Any) -> None:
    course.registration_opens_at = now_utc() + timedelta(days=1)


def _deadline_passed(course: Any) -> None:
    course.registration_closes_at = now_utc() - timedelta(minutes=1)


def _cancelled(course: Any) -> None:
    course.status = CourseStatus.CANCELLED


def _started(course: Any) -> None:
    course.start_date = (now_utc() - timedelta(days=1)).date()
    course.registration_closes_at = None


CLOSED = [
    (_not_open_yet, "Registration for this course is not open yet."),
    (_deadline_passed, "The closing date for applications has passed."),
    (_cancelled, "This course has been cancelled: registration is closed."),
    (_started, "The course has already started."),
]


@pytest.mark.parametrize(("close", "message"), CLOSED)
@pytest.mark.parametrize("signed_in", [True, False])
def test_closed_registration_says_why_on_get(client, user, close, message, signed_in):
    course = open_course()
    close(course)
    db.session.commit()
    if signed_in:
        login(client, user)

    response = client.get(register_url(course))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'name="certificate_name"' not in page


@pytest.mark.parametrize(("close", "message"), CLOSED)
def test_closed_registration_refuses_a_post(client, user, close, message):
    course = open_course()
    close(course)
    db.session.commit()
    login(client, user)

    response = client.post(register_url(course), data=form_data())

    assert response.status_code == 409
    assert message in response.get_data(as_text=True)
    assert registrations() == []
    assert outbox() == []


def test_drafts_are_not_found(client, user):
    course = open_course(status=CourseStatus.DRAFT)
    db.session.commit()
    login(client, user)

    assert client.get(register_url(course)).status_code == 404
    assert client.post(register_url(course), data=form_data()).status_code == 404


def test_unknown_course_is_not_found(client):
    assert client.get("/courses/no-such-course/register").status_code == 404


# ---------------------------------------------------------------------------
# The registration box on the course page


def test_course_page_offers_to_apply_while_open(client):
    course = open_course()
    db.session.commit()

    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)

    assert f'href="/courses/{course.slug}/register"' in page


def test_course_page_offers_the_waiting_list_when_full(client):
    course = open_course(capacity=1)
    make_registration(course)
    db.session.commit()

    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)

    assert "Join the waiting list" in page
    assert "<dt>Seats left</dt><dd>0</dd>" in page


def test_course_page_says_why_registration_is_closed(client):
    course = open_course()
    _deadline_passed(course)
    db.session.commit()

    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)

    assert "The closing date for applications has passed." in page
    assert f"/courses/{course.slug}/register" not in page


def test_course_page_shows_the_viewers_registration(client, user):
    course = open_course(capacity=1)
    make_registration(course)
    mine = make_registration(course, user, status=S.WAITLISTED)
    db.session.commit()
    login(client, user)

    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)

    assert "On the waiting list" in page
    assert "You are number 1 on the waiting list." in page
    assert f"/my/courses#registration-{mine.id}" in page
    assert f"/courses/{course.slug}/register" not in page


def test_course_page_of_a_past_course_has_no_apply_button(client):
    course = make_course()  # 2017, never opened
    db.session.commit()

    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)

    assert f"/courses/{course.slug}/register" not in page
    assert "The course has already started." in page
