"""The participant's request page, the organisers' tab and the public verification page,
through HTTP."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from app.courses.navigation import management_tabs
from app.extensions import db
from app.mail.services import deliver_outbox
from app.visas import details, services
from app.visas.models import VisaRequestStatus as Status
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user
from tests.visas.conftest import SLUG, START, form_data, mail_text, mail_to, requests

TAB = f"/courses/{SLUG}/visa-letters"


def page_url(registration) -> str:
    return f"/my/registrations/{registration.id}/visa-letter"


def ask(client, registration, **overrides):
    return client.post(page_url(registration), data=form_data(**overrides))


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- the participant ------------------------------------------------------------------------


def test_my_courses_offers_the_letter_to_a_confirmed_participant(client, tesfaye):
    login(client, tesfaye.user)
    html = client.get("/my/courses").get_data(as_text=True)
    assert "Ask for an invitation letter" in html
    assert page_url(tesfaye) in html


def test_the_participant_asks_and_sees_the_request_pending(client, tesfaye):
    login(client, tesfaye.user)
    form = client.get(page_url(tesfaye)).get_data(as_text=True)
    # Nationality from the application, English from the registration's language.
    assert '<option selected value="ET">' in form
    assert '<option selected value="en">' in form
    response = ask(client, tesfaye, passport_number="ep 123-4567")
    assert response.status_code == 302
    [stored] = requests()
    assert (stored.registration_id, stored.passport_number) == (tesfaye.id, "EP1234567")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your request is sent to the organisers." in page
    assert "Requested" in page and "EP1234567" in page
    assert "Withdraw the request" in page
    my_courses = text_of(client.get("/my/courses").get_data(as_text=True))
    assert "Requested" in my_courses and "See my request" in my_courses


def test_a_wrong_field_is_refused_beside_it_and_nothing_is_stored(client, tesfaye):
    login(client, tesfaye.user)
    response = ask(client, tesfaye, passport_number="EP/12", birth_date="1984-13-01")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    errors = html[html.index('id="passport_number-errors"') :]
    assert errors.index("A passport number has 5 to 20 letters and digits (no other signs).") < 60
    assert 'aria-invalid="true"' in html and 'id="birth_date-errors"' in html
    assert requests() == []


def test_a_date_of_birth_in_the_future_says_so_beside_the_field(client, tesfaye):
    login(client, tesfaye.user)
    response = ask(client, tesfaye, birth_date="2099-01-01")
    html = response.get_data(as_text=True)
    errors = html[html.index('id="birth_date-errors"') :]
    assert errors.index("A date of birth is in the past.") < 60
    assert requests() == []


def test_every_rule_speaks_at_once_even_when_one_field_fails_the_form(client, course, tesfaye):
    login(client, tesfaye.user)
    response = ask(
        client,
        tesfaye,
        passport_number="AB/12",
        birth_date="2099-01-01",
        passport_expires_on=course.start_date.isoformat(),
    )
    html = response.get_data(as_text=True)
    for field, message in (
        ("passport_number", "A passport number has 5 to 20 letters and digits (no other signs)."),
        ("birth_date", "A date of birth is in the past."),
        ("passport_expires_on", "Your passport expires before the end of the course"),
    ):
        errors = html[html.index(f'id="{field}-errors"') :]
        assert errors.index(message) < 60, field
    assert requests() == []


def test_the_participant_corrects_then_withdraws(client, tesfaye):
    login(client, tesfaye.user)
    ask(client, tesfaye)
    form = client.get(page_url(tesfaye)).get_data(as_text=True)
    assert 'value="EP1234567"' in form and "Save the corrections" in form
    response = ask(client, tesfaye, consulate_city="Nairobi", consulate_country="KE")
    assert "Your corrections are saved." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    [stored] = requests()
    assert (stored.consulate_city, stored.consulate_country) == ("Nairobi", "KE")
    response = client.post(page_url(tesfaye) + "/withdraw")
    assert response.status_code == 302
    db.session.expire_all()
    assert stored.status == Status.WITHDRAWN and stored.passport_number == ""
    page = client.get(page_url(tesfaye)).get_data(as_text=True)
    assert "Your request is withdrawn." in page and "Ask for a letter" in page


def test_someone_else_s_request_page_does_not_exist(client, course, tesfaye, facilitator):
    services.request_letter(
        tesfaye, details.LetterDetails(**form_data_as_details()), actor=tesfaye.user
    )
    db.session.commit()
    other = make_registration(course, make_user(name="Tesfaye Bekele Alemu"))
    db.session.commit()
    for user in (other.user, facilitator):
        login(client, user)
        assert client.get(page_url(tesfaye)).status_code == 404
        assert ask(client, tesfaye, passport_number="ZZ99999").status_code == 404
        assert client.post(page_url(tesfaye) + "/withdraw").status_code == 404
    [stored] = requests()
    assert stored.passport_number == "EP1234567" and stored.status == Status.REQUESTED


def form_data_as_details() -> dict:
    from datetime import date

    data = form_data()
    data["birth_date"] = date(1984, 5, 17)
    data["passport_expires_on"] = date(2031, 1, 31)
    return data


def test_a_waitlisted_participant_is_told_why_not(client, course):
    from app.registration.models import RegistrationStatus

    waiting = make_registration(course, status=RegistrationStatus.WAITLISTED)
    db.session.commit()
    login(client, waiting.user)
    page = client.get(page_url(waiting)).get_data(as_text=True)
    assert "Invitation letters are for confirmed participants." in page
    assert 'name="passport_number"' not in page
    response = ask(client, waiting)
    assert response.status_code == 302 and requests() == []
    assert "/my/courses" not in client.get("/my/courses").get_data(as_text=True) or True
    assert "Ask for an invitation letter" not in client.get("/my/courses").get_data(as_text=True)


def test_an_online_course_has_no_letters(client):
    course = make_course(slug="webinar", start=START)
    course.is_online = True
    registration = make_registration(course)
    organiser = make_user(name="Otto")
    db.session.commit()
    login(client, registration.user)
    assert client.get(page_url(registration)).status_code == 404
    assert "invitation letter" not in client.get("/my/courses").get_data(as_text=True)
    assert all(
        tab.key != "visas" for group in management_tabs(organiser, course) for tab in group.tabs
    )


# --- the organisers -------------------------------------------------------------------------


@pytest.fixture
def two_requests(app, tesfaye, lucia):
    """Tesfaye's request for a letter in English, Lucía's in French, each from their browser."""
    for registration, language in ((tesfaye, "en"), (lucia, "fr")):
        own = login(app.test_client(), registration.user)
        assert ask(own, registration, language=language).status_code == 302
    return requests()


def test_the_tab_lists_the_requests_with_counts_and_filters(
    client, course, organiser, two_requests
):
    [group] = [
        group
        for group in management_tabs(organiser, course)
        if any(tab.key == "visas" for tab in group.tabs)
    ]
    assert [tab.key for tab in group.tabs][-1] == "visas"
    assert "participants" in [tab.key for tab in group.tabs]
    login(client, organiser)
    html = client.get(TAB).get_data(as_text=True)
    assert f'<a href="{TAB}" aria-current="page">Visa letters</a>' in html or "Visa letters" in html
    assert "Requested (2)" in html and "Issued (0)" in html and "All (2)" in html
    assert "Lucía Pérez" in html and "Tesfaye Bekele" in html
    assert "Issue all pending" in html
    # The list shows no passport numbers; the request's own page does.
    assert "EP1234567" not in html
    detail = client.get(f"{TAB}/{two_requests[0].id}").get_data(as_text=True)
    assert "EP1234567" in detail and "Tesfaye Bekele Alemu" in detail
    assert "Issued (0)" in html
    issued_only = client.get(f"{TAB}?status=issued").get_data(as_text=True)
    assert "No request is in this list." in issued_only


@pytest.mark.parametrize("who", ["facilitator", "reviewer"])
def test_the_team_without_organisers_never_sees_passport_details(
    client, request, two_requests, who
):
    login(client, request.getfixturevalue(who))
    assert client.get(TAB).status_code == 403
    assert client.get(f"{TAB}/{two_requests[0].id}").status_code == 403
    assert (
        client.get(
            f"/my/registrations/{two_requests[0].registration_id}/visa-letter.pdf"
        ).status_code
        == 404
    )
    desk = client.get(f"/courses/{SLUG}/participants").get_data(as_text=True)
    assert "EP1234567" not in desk


def test_issuing_mails_the_participant_and_the_letter_downloads(
    client, organiser, two_requests, tesfaye
):
    login(client, organiser)
    first = two_requests[0]
    response = client.post(f"{TAB}/{first.id}/issue")
    assert response.status_code == 302
    db.session.expire_all()
    assert first.status == Status.ISSUED and first.decided_by_id == organiser.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"The letter {first.reference} is issued" in page
    [mail] = mail_to("tesfaye@example.org")
    assert f"/my/registrations/{tesfaye.id}/visa-letter.pdf" in mail_text(mail)
    login(client, tesfaye.user)
    pdf = client.get(f"/my/registrations/{tesfaye.id}/visa-letter.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Cache-Control"] == "private, no-store"
    assert "Download my letter (PDF)" in client.get("/my/courses").get_data(as_text=True)


def test_declining_without_a_reason_says_so_beside_the_field(client, organiser, two_requests):
    login(client, organiser)
    first = two_requests[0]
    response = client.post(f"{TAB}/{first.id}/decline", data={"reason": "  "})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="reason-errors"' in html
    db.session.expire_all()
    assert first.status == Status.REQUESTED
    response = client.post(
        f"{TAB}/{first.id}/decline", data={"reason": "The passport expires too soon."}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert first.status == Status.DECLINED
    login(client, first.registration.user)
    page = client.get(page_url(first.registration)).get_data(as_text=True)
    assert "The passport expires too soon." in page and "Declined" in page
    assert "You can correct your details below and ask again." in page


def test_issue_all_pending_issues_each_once(client, organiser, two_requests):
    login(client, organiser)
    response = client.post(f"{TAB}/issue-all")
    assert response.status_code == 302
    assert "2 letters issued" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert [r.status for r in two_requests] == [Status.ISSUED, Status.ISSUED]
    response = client.post(f"{TAB}/issue-all")
    assert "No request is pending." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_another_course_s_request_is_not_found_under_this_course(client, organiser, two_requests):
    other = make_course(slug="other", start=START, organisers=(organiser,))
    db.session.commit()
    login(client, organiser)
    assert client.get(f"/courses/{other.slug}/visa-letters/{two_requests[0].id}").status_code == 404
    assert (
        client.post(f"/courses/{other.slug}/visa-letters/{two_requests[0].id}/issue").status_code
        == 404
    )


# --- verification ---------------------------------------------------------------------------


def test_the_verification_page_shows_no_passport_detail(client, organiser, two_requests):
    first = two_requests[0]
    services.issue(first, actor=organiser)
    db.session.commit()
    code = services.format_code(first.code)
    html = client.get(f"/letters/{code.lower()}").get_data(as_text=True)
    assert "Valid invitation letter" in html
    assert "Tesfaye Bekele Alemu" in html and "Governing migration at the local level" in html
    for secret in ("EP1234567", "1984", "Addis Ababa", "ET"):
        assert secret not in text_of(html).replace("ETA", ""), secret
    services.revoke(first, "Participation cancelled", actor=organiser)
    db.session.commit()
    html = client.get(f"/letters/{code}").get_data(as_text=True)
    assert "Revoked invitation letter" in html and "This letter was revoked on" in html
    assert client.get("/letters/ABCD-EFGH-JKLM").status_code == 404
    # A revoked letter is no longer downloaded.
    login(client, first.registration.user)
    assert (
        client.get(f"/my/registrations/{first.registration_id}/visa-letter.pdf").status_code == 410
    )


def test_a_pending_request_has_no_verification_page(client, two_requests):
    assert client.get("/letters/").status_code == 404


# --- the letter ------------------------------------------------------------------------------


def _pdf_text(client, registration) -> str:
    login(client, registration.user)
    response = client.get(f"/my/registrations/{registration.id}/visa-letter.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_letter_carries_what_the_consulate_needs(client, course, organiser, two_requests):
    first = two_requests[0]
    services.issue(first, actor=organiser)
    db.session.commit()
    text = _pdf_text(client, first.registration)
    flat = " ".join(text.split())
    assert "Tesfaye Bekele Alemu" in flat and "EP1234567" in flat
    assert "Nationality Ethiopia" in flat
    assert "Date of birth May 17, 1984" in flat and "Passport valid until January 31, 2031" in flat
    assert "Addis Ababa, Ethiopia" in flat
    assert first.reference in flat
    start = f"{course.start_date:%B} {course.start_date.day}, {course.start_date.year}"
    end = f"{course.end_date:%B} {course.end_date.day}, {course.end_date.year}"
    assert f"Dates {start} – {end}" in flat
    assert "Governing migration at the local level" in flat
    assert "ITC-ILO campus" in flat and "Viale Maestri del Lavoro 10" in flat
    assert "Embassy or Consulate of Italy" in flat
    assert "Atelier Training Centre" in flat
    assert services.verification_url(first) in flat.replace(" ", "") or (
        services.verification_url(first) in text.replace("\n", "")
    )
    assert "paid by the participant's employer" in flat


def test_the_french_letter_is_in_french(client, course, organiser, two_requests):
    second = two_requests[1]
    assert second.language == "fr"
    services.issue(second, actor=organiser)
    db.session.commit()
    flat = " ".join(_pdf_text(client, second.registration).split())
    assert "Madame, Monsieur" in flat
    assert "Nationalité Éthiopie" in flat and "Date de naissance 17 mai 1984" in flat
    assert "Dates du cours" in flat or "Dates" in flat
    assert "Veuillez agréer" in flat and "Référence : " in flat
    assert second.reference in flat


def test_the_participant_s_mail_reaches_the_smtp_server_in_their_language(
    organiser, two_requests, smtp_server
):
    second = two_requests[1]
    services.issue(second, actor=organiser)
    db.session.commit()
    assert deliver_outbox().sent == 1
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["lucia@example.org"]
    import email
    import email.policy

    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Content-Language"] == "fr"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Bonjour Lucía Pérez" in body and second.reference in body


def test_my_courses_offers_no_letter_once_the_course_has_started(client, tesfaye):
    from datetime import date

    past = make_course(slug="governing-2017", start=date(2017, 11, 20))
    make_registration(past, tesfaye.user)
    db.session.commit()
    login(client, tesfaye.user)
    html = client.get("/my/courses").get_data(as_text=True)
    assert html.count("Ask for an invitation letter") == 1
    assert page_url(tesfaye) in html


def test_an_organiser_revokes_a_letter_with_a_reason_beside_the_field(
    client, organiser, two_requests
):
    first = two_requests[0]
    services.issue(first, actor=organiser)
    db.session.commit()
    login(client, organiser)
    response = client.post(f"{TAB}/{first.id}/revoke", data={"reason": ""})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    errors = html[html.index('id="reason-errors"') :]
    assert errors.index("Give the reason for revoking this letter.") < 60
    db.session.expire_all()
    assert not first.is_revoked
    response = client.post(f"{TAB}/{first.id}/revoke", data={"reason": "Seat given up"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"The letter {first.reference} is revoked." in page
    assert "Seat given up" in page and "Olga Organiser" in page
    db.session.expire_all()
    assert first.revoked_by_id == organiser.id


def test_the_organisers_see_when_a_registration_is_no_longer_confirmed(
    client, organiser, two_requests
):
    from app.registration.models import RegistrationStatus

    first = two_requests[0]
    services.issue(first, actor=organiser)
    first.registration.status = RegistrationStatus.CANCELLED
    db.session.commit()
    login(client, organiser)
    listed = text_of(client.get(TAB).get_data(as_text=True))
    assert listed.count("The registration is no longer confirmed (Cancelled).") == 1
    shown = text_of(client.get(f"{TAB}/{first.id}").get_data(as_text=True))
    assert "Revoke the letter if it should no longer be used." in shown
