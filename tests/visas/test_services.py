"""The rules of invitation letters: who may ask and until when, the details a consulate needs,
and the organisers' decisions with who and when."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from app.core.rules import FieldErrors
from app.core.timeutil import local_to_utc
from app.courses.models import CourseStatus
from app.extensions import db
from app.registration.models import RegistrationStatus
from app.visas import details as rules
from app.visas import services
from app.visas.models import VisaRequestStatus as Status
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.visas.conftest import (
    BEFORE,
    START,
    details,
    mail_text,
    mail_to,
    neighbour_requests,
    requests,
)

TODAY = BEFORE.date()


def messages(error: FieldErrors) -> dict[str | None, list[str]]:
    return {field: [str(m) for m in found] for field, found in error.errors.items()}


def refused(registration, **overrides) -> dict[str | None, list[str]]:
    with pytest.raises(FieldErrors) as caught:
        services.request_letter(
            registration, details(**overrides), actor=registration.user, now=BEFORE
        )
    db.session.rollback()
    assert requests_of(registration) == []
    return messages(caught.value)


def requests_of(registration) -> list:
    return [r for r in requests() if r.registration_id == registration.id]


# --- who may ask, until when ----------------------------------------------------------------


def test_a_confirmed_participant_asks_and_the_request_keeps_what_they_gave(tesfaye):
    letter = services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    db.session.commit()
    [stored] = requests_of(tesfaye)
    assert stored.id == letter.id
    assert stored.status == Status.REQUESTED
    assert (stored.passport_name, stored.passport_number) == ("Tesfaye Bekele Alemu", "EP1234567")
    assert (stored.nationality, stored.birth_date) == ("ET", date(1984, 5, 17))
    assert stored.passport_expires_on == date(2031, 1, 31)
    assert (stored.consulate_city, stored.consulate_country, stored.language) == (
        "Addis Ababa",
        "ET",
        "en",
    )
    assert stored.requested_at == BEFORE and stored.updated_at == BEFORE
    assert stored.decided_at is None and stored.reference is None and stored.code is None


@pytest.mark.parametrize(
    "status",
    [
        RegistrationStatus.SUBMITTED,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.REJECTED,
        RegistrationStatus.CANCELLED,
    ],
)
def test_only_confirmed_participants_may_ask(course, status):
    registration = make_registration(course, status=status)
    with pytest.raises(services.NotAllowed) as caught:
        services.request_letter(registration, details(), actor=registration.user, now=BEFORE)
    assert str(caught.value.message) == "Invitation letters are for confirmed participants."
    assert requests_of(registration) == []


def test_no_letter_for_an_online_course():
    course = make_course(start=START)
    course.is_online = True
    registration = make_registration(course)
    assert not services.applies_to(course)
    with pytest.raises(services.NotAllowed) as caught:
        services.request_letter(registration, details(), actor=registration.user, now=BEFORE)
    assert "only for courses held at a venue" in str(caught.value.message)


def test_no_letter_for_an_event_without_venue():
    course = make_course(start=START)
    course.venue = None
    db.session.flush()
    registration = make_registration(course)
    assert services.request_refusal(registration, now=BEFORE) is not None
    assert "only for courses held at a venue" in str(
        services.request_refusal(registration, now=BEFORE)
    )


def test_no_letter_for_a_cancelled_course(course, tesfaye):
    course.status = CourseStatus.CANCELLED
    assert str(services.request_refusal(tesfaye, now=BEFORE)) == "This course is cancelled."


@pytest.mark.parametrize("timezone", ["Europe/Rome", "Pacific/Auckland", "America/Guayaquil"])
def test_requests_are_taken_until_the_course_starts_at_the_venue(timezone):
    course = make_course(start=START, venue=make_venue(timezone))
    registration = make_registration(course)
    starts = local_to_utc(START, time(0, 0), timezone)
    last_second = starts - timedelta(seconds=1)
    assert services.request_refusal(registration, now=last_second) is None
    services.request_letter(registration, details(), actor=registration.user, now=last_second)
    refusal = services.request_refusal(registration, now=starts)
    assert str(refusal) == (
        "The course has started: invitation letters can no longer be requested."
    )
    with pytest.raises(services.NotAllowed):
        services.request_letter(
            registration, details(consulate_city="Quito"), actor=registration.user, now=starts
        )


def test_the_letter_is_in_the_registration_s_language_if_letters_are_written_in_it(
    tesfaye, lucia, course
):
    assert services.default_language(tesfaye) == "en"
    assert services.default_language(lucia) == "fr"
    spanish = make_registration(course, language="es")
    assert services.default_language(spanish) == "en"


# --- the details ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ep 1234567", "EP1234567"),
        ("EP-123-4567", "EP1234567"),
        ("  c01x00t47 ", "C01X00T47"),
        ("12345", "12345"),  # 5: the fewest
        ("A" * 20, "A" * 20),  # 20: the most
    ],
)
def test_passport_numbers_are_kept_as_letters_and_digits_in_capitals(tesfaye, typed, stored):
    letter = services.request_letter(
        tesfaye, details(passport_number=typed), actor=tesfaye.user, now=BEFORE
    )
    assert letter.passport_number == stored


NUMBER_MESSAGE = "A passport number has 5 to 20 letters and digits (no other signs)."


@pytest.mark.parametrize("typed", ["1234", "A" * 21, "EP12345/67", "ÉP1234567", "EP.1234567"])
def test_other_passport_numbers_are_refused_beside_the_field(tesfaye, typed):
    assert refused(tesfaye, passport_number=typed) == {"passport_number": [NUMBER_MESSAGE]}


def test_a_missing_passport_number_says_so(tesfaye):
    assert refused(tesfaye, passport_number=" - ") == {
        "passport_number": ["Give your passport number."]
    }


def test_the_passport_name_is_needed_on_one_line_and_not_too_long(tesfaye):
    assert refused(tesfaye, passport_name="   ") == {
        "passport_name": ["Give your name exactly as it is written in your passport."]
    }
    assert refused(tesfaye, passport_name="A" * 201) == {
        "passport_name": ["At most 200 characters."]
    }
    letter = services.request_letter(
        tesfaye, details(passport_name="  Tesfaye   Bekele\tAlemu "), actor=tesfaye.user, now=BEFORE
    )
    assert letter.passport_name == "Tesfaye Bekele Alemu"


def test_the_oldest_and_youngest_dates_of_birth(tesfaye):
    oldest = TODAY.replace(year=TODAY.year - 120)
    youngest = TODAY.replace(year=TODAY.year - 14)
    assert refused(tesfaye, birth_date=oldest - timedelta(days=1)) == {
        "birth_date": ["This date is more than 120 years ago: check the year."]
    }
    assert refused(tesfaye, birth_date=youngest + timedelta(days=1)) == {
        "birth_date": ["Participants are at least 14 years old: check the year."]
    }
    assert refused(tesfaye, birth_date=TODAY) == {"birth_date": ["A date of birth is in the past."]}
    assert refused(tesfaye, birth_date=TODAY + timedelta(days=1)) == {
        "birth_date": ["A date of birth is in the past."]
    }
    assert refused(tesfaye, birth_date=None) == {"birth_date": ["Give your date of birth."]}
    for born in (oldest, youngest):
        letter = services.request_letter(
            tesfaye, details(birth_date=born), actor=tesfaye.user, now=BEFORE
        )
        assert letter.birth_date == born


def test_a_birthday_on_29_february_counts_its_years_from_28_february():
    assert rules._years_before(date(2028, 2, 29), 14) == date(2014, 2, 28)
    assert rules._years_before(date(2027, 3, 1), 14) == date(2013, 3, 1)


def test_the_passport_must_be_valid_after_the_last_day(course, tesfaye):
    message = {
        "passport_expires_on": [
            "Your passport expires before the end of the course: a consulate asks for a "
            "passport valid beyond your stay. Renew it first."
        ]
    }
    assert refused(tesfaye, passport_expires_on=course.end_date) == message
    assert refused(tesfaye, passport_expires_on=course.start_date) == message
    letter = services.request_letter(
        tesfaye,
        details(passport_expires_on=course.end_date + timedelta(days=1)),
        actor=tesfaye.user,
        now=BEFORE,
    )
    assert letter.passport_expires_on == course.end_date + timedelta(days=1)
    letter = services.request_letter(
        tesfaye, details(passport_expires_on=None), actor=tesfaye.user, now=BEFORE
    )
    assert letter.passport_expires_on is None


@pytest.mark.parametrize("code", ["", "XX", "EU", "et", "ZZ"])
def test_countries_are_iso_codes_of_countries(tesfaye, code):
    assert refused(tesfaye, nationality=code, consulate_country=code) == {
        "nationality": ["Choose your nationality."],
        "consulate_country": ["Choose the country of the consulate."],
    }


def test_the_consulate_s_city_is_needed(tesfaye):
    assert refused(tesfaye, consulate_city=" ") == {
        "consulate_city": ["Give the city of the consulate where you apply."]
    }
    assert refused(tesfaye, consulate_city="N" * 101) == {
        "consulate_city": ["At most 100 characters."]
    }


@pytest.mark.parametrize("language", ["es", "", "EN", "de"])
def test_letters_are_in_english_or_french(tesfaye, language):
    assert refused(tesfaye, language=language) == {
        "language": ["Letters are written in English or French."]
    }


def test_every_wrong_field_is_named_at_once(tesfaye):
    found = refused(
        tesfaye,
        passport_name="",
        passport_number="x",
        nationality="",
        birth_date=None,
        consulate_city="",
        consulate_country="",
        language="",
    )
    assert set(found) == {
        "passport_name",
        "passport_number",
        "nationality",
        "birth_date",
        "consulate_city",
        "consulate_country",
        "language",
    }


# --- correcting, withdrawing, asking again ---------------------------------------------------


def test_a_pending_request_is_corrected_in_place(tesfaye):
    first = services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    later = BEFORE + timedelta(hours=3)
    second = services.request_letter(
        tesfaye, details(passport_number="EP7654321"), actor=tesfaye.user, now=later
    )
    assert second.id == first.id
    [stored] = requests_of(tesfaye)
    assert stored.passport_number == "EP7654321"
    assert (stored.requested_at, stored.updated_at) == (BEFORE, later)


def test_withdrawing_deletes_the_passport_details_and_asking_again_starts_over(tesfaye, organiser):
    letter = services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    later = BEFORE + timedelta(days=1)
    services.withdraw(letter, actor=tesfaye.user, now=later)
    assert letter.status == Status.WITHDRAWN
    assert (letter.withdrawn_at, letter.updated_at) == (later, later)
    assert (letter.passport_name, letter.passport_number) == ("", "")
    assert (letter.birth_date, letter.passport_expires_on) == (None, None)
    with pytest.raises(services.NotAllowed) as caught:
        services.withdraw(letter, actor=tesfaye.user, now=later)
    assert str(caught.value.message) == "Only a pending request can be withdrawn."
    with pytest.raises(services.NotAllowed):
        services.issue(letter, actor=organiser, now=later)

    again = BEFORE + timedelta(days=2)
    services.request_letter(tesfaye, details(), actor=tesfaye.user, now=again)
    assert letter.status == Status.REQUESTED
    assert (letter.requested_at, letter.updated_at, letter.withdrawn_at) == (again, again, None)
    assert letter.passport_number == "EP1234567"


def test_a_declined_request_can_be_sent_again_and_the_decision_is_cleared(tesfaye, organiser):
    letter = services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    services.decline(letter, "The passport number is cut short.", actor=organiser, now=BEFORE)
    again = BEFORE + timedelta(days=1)
    services.request_letter(
        tesfaye, details(passport_number="EP12345678"), actor=tesfaye.user, now=again
    )
    assert letter.status == Status.REQUESTED
    assert (letter.decided_at, letter.decided_by_id, letter.decline_reason) == (None, None, "")
    assert letter.requested_at == again


def test_an_issued_letter_is_final_for_the_participant(tesfaye, organiser):
    letter = services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    services.issue(letter, actor=organiser, now=BEFORE)
    with pytest.raises(services.NotAllowed) as caught:
        services.request_letter(
            tesfaye, details(passport_number="XX99999"), actor=tesfaye.user, now=BEFORE
        )
    assert str(caught.value.message) == (
        "Your letter is issued already: it can no longer be changed."
    )
    with pytest.raises(services.NotAllowed):
        services.withdraw(letter, actor=tesfaye.user, now=BEFORE)
    assert letter.passport_number == "EP1234567"


# --- the organisers' decisions --------------------------------------------------------------


def test_issuing_numbers_the_letter_per_year_and_tells_the_participant(tesfaye, lucia, organiser):
    year = BEFORE.year
    first = services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    second = services.request_letter(lucia, details(language="fr"), actor=lucia.user, now=BEFORE)
    at = BEFORE + timedelta(hours=2)
    services.issue(first, actor=organiser, now=at)
    services.issue(second, actor=organiser, now=at)
    # The neighbour's letter took the year's number 1.
    assert first.reference == f"VISA-{year}-0002"
    assert second.reference == f"VISA-{year}-0003"
    assert (first.reference_year, first.reference_number) == (year, 2)
    assert first.status == Status.ISSUED
    assert (first.decided_at, first.decided_by_id) == (at, organiser.id)
    assert first.issued_on == at.date()
    assert len(first.code) == 12 and first.code != second.code
    assert set(first.code) <= set("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
    [mail] = mail_to("tesfaye@example.org")
    assert mail.subject == (
        "Your invitation letter for “Governing migration at the local level” is ready"
    )
    body = mail_text(mail)
    assert f"http://atelier.test/my/registrations/{tesfaye.id}/visa-letter.pdf" in body
    assert "(reference VISA-" in body and first.reference in body
    assert body.startswith("Hello Tesfaye Bekele,")
    [french] = mail_to("lucia@example.org")
    assert french.raw.decode().count("Content-Language: fr") == 1
    assert second.reference in mail_text(french)


def test_the_year_of_the_reference_is_the_venue_s(organiser):
    """31 December 12:00 UTC is already 1 January in Auckland."""
    course = make_course(start=date(2028, 3, 6), venue=make_venue("Pacific/Auckland"))
    registration = make_registration(course)
    letter = services.request_letter(registration, details(), actor=registration.user, now=BEFORE)
    from datetime import UTC, datetime

    new_year_there = datetime(2027, 12, 31, 12, 0, tzinfo=UTC)
    services.issue(letter, actor=organiser, now=new_year_there)
    assert letter.reference == "VISA-2028-0001"
    assert letter.issued_on == date(2028, 1, 1)


def test_only_pending_requests_are_issued_or_declined(tesfaye, organiser):
    letter = services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    services.issue(letter, actor=organiser, now=BEFORE)
    reference = letter.reference
    with pytest.raises(services.NotAllowed) as caught:
        services.issue(letter, actor=organiser, now=BEFORE)
    assert str(caught.value.message) == "Only a pending request can be issued."
    with pytest.raises(services.NotAllowed) as caught:
        services.decline(letter, "Too late", actor=organiser, now=BEFORE)
    assert str(caught.value.message) == "Only a pending request can be declined."
    assert letter.reference == reference and letter.status == Status.ISSUED


def test_a_request_decided_by_someone_else_a_moment_before_is_not_decided_again(tesfaye, organiser):
    letter = services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    db.session.commit()
    # Another organiser's issue, written behind this session's back.
    db.session.execute(
        db.text("UPDATE visa_letter_request SET status = 'declined' WHERE id = :id"),
        {"id": letter.id},
    )
    assert letter.status == Status.REQUESTED  # what this session read
    with pytest.raises(services.NotAllowed) as caught:
        services.issue(letter, actor=organiser, now=BEFORE)
    assert str(caught.value.message) == "Someone else decided this request a moment ago."
    with pytest.raises(services.NotAllowed):
        services.decline(letter, "Again", actor=organiser, now=BEFORE)
    assert letter.status == Status.DECLINED and letter.reference is None


def test_declining_needs_a_reason_which_the_participant_is_told(lucia, organiser):
    letter = services.request_letter(lucia, details(language="fr"), actor=lucia.user, now=BEFORE)
    with pytest.raises(FieldErrors) as caught:
        services.decline(letter, "  \n ", actor=organiser, now=BEFORE)
    assert messages(caught.value) == {
        "reason": ["Say why the request is declined: the participant is told."]
    }
    with pytest.raises(FieldErrors) as caught:
        services.decline(letter, "x" * 501, actor=organiser, now=BEFORE)
    assert messages(caught.value) == {"reason": ["At most 500 characters."]}
    assert letter.status == Status.REQUESTED and mail_to("lucia@example.org") == []
    at = BEFORE + timedelta(hours=1)
    services.decline(letter, "Le numéro de passeport\nest incomplet.", actor=organiser, now=at)
    assert letter.status == Status.DECLINED
    assert (letter.decided_at, letter.decided_by_id) == (at, organiser.id)
    assert letter.decline_reason == "Le numéro de passeport est incomplet."
    assert letter.reference is None and letter.code is None
    [mail] = mail_to("lucia@example.org")
    assert "Content-Language: fr" in mail.raw.decode()
    body = mail_text(mail)
    assert "Le numéro de passeport est incomplet." in body
    assert f"http://atelier.test/my/registrations/{lucia.id}/visa-letter" in body


def test_revoking_an_issued_letter(tesfaye, organiser):
    letter = services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    with pytest.raises(services.NotAllowed) as caught:
        services.revoke(letter, "Wrong", actor=organiser, now=BEFORE)
    assert str(caught.value.message) == "Only an issued letter can be revoked."
    services.issue(letter, actor=organiser, now=BEFORE)
    with pytest.raises(FieldErrors) as caught:
        services.revoke(letter, " ", actor=organiser, now=BEFORE)
    assert messages(caught.value) == {"reason": ["Give the reason for revoking this letter."]}
    at = BEFORE + timedelta(days=2)
    services.revoke(letter, "Registration cancelled", actor=organiser, now=at)
    assert (letter.revoked_at, letter.revoked_by_id) == (at, organiser.id)
    assert letter.revocation_reason == "Registration cancelled" and letter.is_revoked
    with pytest.raises(services.NotAllowed) as caught:
        services.revoke(letter, "Again", actor=organiser, now=at)
    assert str(caught.value.message) == "This letter is revoked already."


def test_issue_all_issues_this_course_s_pending_requests_only(
    course, tesfaye, lucia, organiser, neighbour
):
    others = neighbour_requests(neighbour)
    pending = services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    declined = services.request_letter(lucia, details(), actor=lucia.user, now=BEFORE)
    services.decline(declined, "Incomplete", actor=organiser, now=BEFORE)
    third = make_registration(course, make_user(name="Tesfaye Bekele Alemu"))
    also_pending = services.request_letter(third, details(), actor=third.user, now=BEFORE)
    at = BEFORE + timedelta(hours=1)
    issued = services.issue_all(course, actor=organiser, now=at)
    assert [r.id for r in issued] == [pending.id, also_pending.id]
    assert all(r.status == Status.ISSUED and r.decided_at == at for r in issued)
    assert declined.status == Status.DECLINED
    assert neighbour_requests(neighbour) == others
    assert services.counts(course) == {
        "requested": 0,
        "issued": 2,
        "declined": 1,
        "withdrawn": 0,
        "all": 3,
    }
    assert services.issue_all(course, actor=organiser, now=at) == []


def test_the_list_filters_by_state_and_sorts_by_name(course, tesfaye, lucia, organiser):
    services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    other = services.request_letter(lucia, details(), actor=lucia.user, now=BEFORE)
    services.issue(other, actor=organiser, now=BEFORE)
    names = [r.registration.certificate_name for r in services.course_requests(course)]
    assert names == ["Lucía Pérez", "Tesfaye Bekele"]
    assert [r.id for r in services.course_requests(course, "issued")] == [other.id]
    assert services.course_requests(course, "withdrawn") == []


# --- verification ---------------------------------------------------------------------------


def test_a_letter_is_found_by_its_code_as_typed(tesfaye, organiser):
    letter = services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    assert services.find_letter("") is None
    services.issue(letter, actor=organiser, now=BEFORE)
    typed = services.format_code(letter.code).lower()
    assert "-" in typed
    assert services.find_letter(typed) is letter
    assert services.find_letter(f" {letter.code} ") is letter
    assert services.find_letter(letter.code[:-1]) is None
    assert services.verification_url(letter) == (
        f"http://atelier.test/letters/{services.format_code(letter.code)}"
    )


def _decided_behind_the_session_s_back(letter, status: str) -> None:
    db.session.commit()
    db.session.execute(
        db.text("UPDATE visa_letter_request SET status = :status WHERE id = :id"),
        {"status": status, "id": letter.id},
    )


def test_a_correction_after_the_organisers_decided_is_refused(tesfaye):
    letter = services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    _decided_behind_the_session_s_back(letter, "declined")
    assert letter.status == Status.REQUESTED  # what this session read
    with pytest.raises(services.NotAllowed) as caught:
        services.request_letter(
            tesfaye, details(passport_number="ZZ99999"), actor=tesfaye.user, now=BEFORE
        )
    assert str(caught.value.message) == "The organisers decided this request a moment ago."
    assert letter.status == Status.DECLINED and letter.passport_number == "EP1234567"


def test_a_withdrawal_after_the_organisers_decided_is_refused(tesfaye):
    letter = services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    _decided_behind_the_session_s_back(letter, "issued")
    with pytest.raises(services.NotAllowed) as caught:
        services.withdraw(letter, actor=tesfaye.user, now=BEFORE)
    assert str(caught.value.message) == "The organisers decided this request a moment ago."
    assert letter.status == Status.ISSUED and letter.passport_number == "EP1234567"


def test_the_list_sorts_names_whatever_their_case(course, tesfaye, lucia):
    lower = make_registration(course, make_user(name="ana souza"))
    lower.certificate_name = "ana souza"
    for registration in (tesfaye, lucia, lower):
        services.request_letter(registration, details(), actor=registration.user, now=BEFORE)
    names = [r.registration.certificate_name for r in services.course_requests(course)]
    assert names == ["ana souza", "Lucía Pérez", "Tesfaye Bekele"]


def test_a_revocation_reason_has_at_most_500_characters(tesfaye, organiser):
    letter = services.request_letter(tesfaye, details(), actor=tesfaye.user, now=BEFORE)
    services.issue(letter, actor=organiser, now=BEFORE)
    with pytest.raises(FieldErrors) as caught:
        services.revoke(letter, "x" * 501, actor=organiser, now=BEFORE)
    assert messages(caught.value) == {"reason": ["At most 500 characters."]}
    services.revoke(letter, "x" * 500, actor=organiser, now=BEFORE)
    assert letter.revocation_reason == "x" * 500
