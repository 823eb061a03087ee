"""Arbitrary input to the forms of invitation letters (see test_properties.py for what is
checked): the participant's request, and the organisers' declining and revoking with a reason.
Never a server error; a refused post stores nothing; what is stored is plain text, the passport
number letters and digits in capitals, the dates those typed, and it comes back escaped."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from hypothesis import strategies as st

from app.accounts.models import Role
from app.extensions import db
from app.visas import details as rules
from app.visas import services
from app.visas.models import VisaLetterRequest
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.security.test_properties import (
    accepted,
    any_text,
    assert_escaped,
    assert_plain,
    choices,
    dates,
    fresh,
    get,
    post,
    posts,
    run,
    snapshot,
)

REQUEST = {
    "passport_name": "Ana Souza Lima",
    "passport_number": "FZ1234567",
    "nationality": "BR",
    "birth_date": "1985-02-03",
    "passport_expires_on": "2034-05-06",
    "consulate_city": "Brasília",
    "consulate_country": "BR",
    "language": "en",
}
passport_numbers = st.one_of(
    st.sampled_from(("fz 123-4567", "1234", "A" * 20, "A" * 21, "ÉP12345", "<b>12345</b>", "")),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -ab", max_size=30),
    any_text,
)


def typed_date(text: str) -> date:
    """A date as the form reads it (which also takes 1985-2-3)."""
    return date(*time.strptime(text, "%Y-%m-%d")[:3])


def upcoming():
    """A course in Turin two months ahead, its organiser, and Ana (confirmed)."""
    organiser = make_user(Role.ORGANISER, name="Olga Organiser")
    start = datetime.now(UTC).date() + timedelta(days=60)
    course = make_course(
        slug="upcoming", start=start, venue=make_venue("Europe/Rome"), organisers=(organiser,)
    )
    ana = make_registration(course, make_user(name="Ana Souza", email="ana@example.org"))
    return course, organiser, ana


def stored() -> list[VisaLetterRequest]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(VisaLetterRequest)))


@run(
    posts(
        REQUEST,
        free=("passport_name", "consulate_city"),
        structural={
            "passport_number": passport_numbers,
            "nationality": choices("BR", "ET", "FR"),
            "consulate_country": choices("BR", "KE"),
            "birth_date": dates,
            "passport_expires_on": dates,
            "language": choices("en", "fr", "es"),
        },
    ),
    {**REQUEST, "passport_number": " fz-123 4567 "},
    {**REQUEST, "passport_name": "x" * 201},
    {**REQUEST, "passport_name": "Ana\x00Souza"},
    {**REQUEST, "birth_date": "2999-01-01"},
    {**REQUEST, "birth_date": "1800-01-01"},
    {**REQUEST, "passport_expires_on": ""},
    {**REQUEST, "birth_date": "1985-2-3"},
    {**REQUEST, "nationality": "EU"},
)
def test_request(client_for, data):
    fresh()
    course, _organiser, ana = upcoming()
    client = client_for(ana.user)
    url = f"/my/registrations/{ana.id}/visa-letter"
    before = snapshot()
    response = post(client, url, data)
    if not accepted(response, before):
        return
    [letter] = stored()
    assert letter.registration_id == ana.id and letter.status.value == "requested"
    assert_plain(letter.passport_name)
    assert letter.passport_name == " ".join(data["passport_name"].split())
    assert letter.passport_number == rules.normalise_passport_number(data["passport_number"])
    assert rules.PASSPORT_NUMBER.fullmatch(letter.passport_number)
    assert letter.birth_date == typed_date(data["birth_date"])
    assert letter.birth_date < datetime.now(UTC).date()
    if data.get("passport_expires_on"):
        assert letter.passport_expires_on == typed_date(data["passport_expires_on"])
        assert letter.passport_expires_on > course.end_date
    assert letter.consulate_city == " ".join(data["consulate_city"].split())
    assert (letter.nationality, letter.consulate_country, letter.language) == (
        data["nationality"],
        data["consulate_country"],
        data["language"],
    )
    html = get(client, url)
    assert_escaped(html, letter.passport_name)
    assert_escaped(html, letter.consulate_city)


def pending_letter():
    course, organiser, ana = upcoming()
    letter = services.request_letter(
        ana,
        rules.LetterDetails(
            passport_name="Ana Souza Lima",
            passport_number="FZ1234567",
            nationality="BR",
            birth_date=date(1985, 2, 3),
            consulate_city="Brasília",
            consulate_country="BR",
        ),
        actor=ana.user,
    )
    return course, organiser, letter


@run(
    posts({"reason": "The passport number is cut short."}, free=("reason",)),
    {"reason": "x" * 501},
    {"reason": "\r\n \t"},
    {"reason": "Line one\r\nLine two"},
)
def test_decline(client_for, data):
    fresh()
    course, organiser, letter = pending_letter()
    client = client_for(organiser)
    url = f"/courses/{course.slug}/visa-letters/{letter.id}"
    before = snapshot()
    response = post(client, f"{url}/decline", data)
    if not accepted(response, before):
        return
    [stored_letter] = stored()
    assert stored_letter.status.value == "declined"
    assert stored_letter.decline_reason == " ".join(data["reason"].split())
    assert_plain(stored_letter.decline_reason)
    assert_escaped(get(client, url), stored_letter.decline_reason)


@run(
    posts({"reason": "Issued by mistake."}, free=("reason",)),
    {"reason": "x" * 501},
    {"reason": ""},
)
def test_revoke(client_for, data):
    fresh()
    course, organiser, letter = pending_letter()
    services.issue(letter, actor=organiser)
    client = client_for(organiser)
    url = f"/courses/{course.slug}/visa-letters/{letter.id}"
    before = snapshot()
    response = post(client, f"{url}/revoke", data)
    if not accepted(response, before):
        return
    [stored_letter] = stored()
    assert stored_letter.is_revoked
    assert stored_letter.revocation_reason == " ".join(data["reason"].split())
    assert_escaped(get(client, url), stored_letter.revocation_reason)
