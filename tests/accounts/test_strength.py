"""Weak passwords are refused (zxcvbn, knowing the person's name and email) wherever a password
is chosen: sign-up, change, reset and `flask create-admin`, with the reason in the person's
language. The length rule stays as it was."""

from __future__ import annotations

from html import unescape

import pytest
import sqlalchemy as sa

from app.accounts import passwords, services
from app.accounts.models import User
from app.accounts.passwords import Weakness
from tests.accounts.test_password import _outbox, _reset_path
from tests.conftest import login
from tests.factories import PASSWORD, make_user

NAME, EMAIL = "Ana Alves", "ana.alves@example.org"
STRONG = "violet kettle marathon"


@pytest.mark.parametrize(
    ("password", "weakness"),
    [
        ("password12345", Weakness.COMMON),
        ("anaalves2020", Weakness.PERSONAL),
        ("ana.alves@example.org", Weakness.PERSONAL),
        ("michaeljohnson", Weakness.NAMES),
        ("rodriguez", Weakness.NAMES),  # a surname
        ("jennifer", Weakness.NAMES),  # a woman's first name
        # The random part is longer, but the guessable one ("abc") is what to explain.
        ("k9x2qabc", Weakness.SEQUENCE),
        ("asdfghjkl;lk", Weakness.KEYBOARD),
        ("aaaaaaaaaaaa", Weakness.REPEAT),
        ("abcdefghijkl", Weakness.SEQUENCE),
        ("1987-08-19", Weakness.DATE),
        ("2019", Weakness.DATE),
        ("Ab3$", Weakness.SHORT),
    ],
)
def test_weak_passwords_and_why(app, password, weakness):
    result = passwords.strength(password, NAME, EMAIL)
    assert result.score < passwords.MIN_STRENGTH_SCORE
    assert not result.ok
    assert result.weakness == weakness


def test_the_minimum_score_is_three_on_both_sides(app):
    assert passwords.MIN_STRENGTH_SCORE == 3
    # zxcvbn scores these 2 and 3: the boundary.
    two = passwords.strength("anaalves2020", "Somebody Else", "else@example.org")
    assert two.score == 3 and two.ok
    assert passwords.strength("anaalves2020", NAME, EMAIL).score < 3


def test_a_score_of_exactly_three_passes_without_a_reason(app):
    assert passwords.strength("qz8kv2024", NAME, EMAIL) == passwords.Strength(3, None)


def test_the_email_counts_even_without_a_name(app):
    # No name yet (an address change, a sign-up link): the address still counts.
    assert passwords.strength("anaalves2020", "", EMAIL).weakness == Weakness.PERSONAL


def test_a_strong_password_passes(app):
    result = passwords.strength(STRONG, NAME, EMAIL)
    assert result.ok and result.weakness is None


def test_each_weakness_has_its_own_sentence(app):
    assert {w: w.message for w in Weakness} == {
        Weakness.PERSONAL: "It contains your name or your email address, which others can guess.",
        Weakness.COMMON: "It is a common password, or close to one.",
        Weakness.NAMES: "Names and surnames are easy to guess.",
        Weakness.KEYBOARD: "Rows of keys on the keyboard are easy to guess.",
        Weakness.REPEAT: 'Repeats like "aaa" or "abcabc" are easy to guess.',
        Weakness.SEQUENCE: 'Sequences like "abc" or "6543" are easy to guess.',
        Weakness.DATE: "Dates and years are easy to guess.",
        Weakness.SHORT: "It is too easy to guess.",
    }


def test_the_refusal_says_why_then_what_to_do(app):
    assert passwords.refusal(passwords.strength("2019", NAME, EMAIL)) == (
        "Dates and years are easy to guess. Choose a longer password: several unrelated words "
        "make one that is easy to remember and hard to guess."
    )
    # A result without a reason still gets a sentence.
    assert passwords.refusal(passwords.Strength(0, None)).startswith("It is too easy to guess.")


def test_the_personal_words_include_the_name_run_together(app):
    assert passwords._personal_words((" Ana Alves", "ana.alves@example.org")) == [
        "ana alves",
        "ana",
        "alves",
        "anaalves",
        "ana.alves@example.org",
        "ana.alves",
        "ana",
        "alves",
        "example",
        "org",
        "anaalves",
    ]
    assert passwords._personal_words(("Ana", "  ")) == ["ana", "ana"]


@pytest.mark.parametrize("length", [71, 72, 73, 1000])
def test_long_passwords_are_judged_by_their_first_72_characters(app, length):
    # zxcvbn refuses more than 72 characters: a long password must never become an error.
    weak = "a" * length
    assert passwords.strength(weak, NAME, EMAIL).weakness == Weakness.REPEAT
    strong = ("violet kettle marathon " * 50)[:length]
    assert passwords.strength(strong, NAME, EMAIL).ok


def test_a_long_weak_password_at_sign_up_is_refused_not_an_error(client, db):
    weak = "a" * 200
    response = client.post(
        "/signup",
        data={"name": NAME, "email": EMAIL, "password": weak, "confirm": weak, "locale": "en"},
    )
    assert response.status_code == 200
    assert "Repeats like" in unescape(response.text)


def test_sign_up_refuses_a_weak_password_beside_the_field(client, db):
    response = client.post(
        "/signup",
        data={
            "name": NAME,
            "email": EMAIL,
            "password": "anaalves2020",
            "confirm": "anaalves2020",
            "locale": "en",
        },
    )
    assert response.status_code == 200
    assert "It contains your name or your email address" in response.text
    assert "several unrelated words" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_sign_up_refusal_is_in_the_chosen_language(client, db):
    with client.session_transaction() as session:
        session["locale"] = "fr"
    response = client.post(
        "/signup",
        data={
            "name": NAME,
            "email": EMAIL,
            "password": "password12345",
            "confirm": "password12345",
            "locale": "fr",
        },
    )
    assert response.status_code == 200
    assert "mot de passe courant" in response.text


def test_the_length_rule_still_comes_first(client, db):
    response = client.post(
        "/signup",
        data={"name": NAME, "email": EMAIL, "password": "Zq9#", "confirm": "Zq9#", "locale": "en"},
    )
    assert "at least 10 characters" in response.text
    assert "too easy to guess" not in response.text


def test_changing_to_a_weak_password_is_refused(client, db):
    user = make_user(name=NAME, email=EMAIL)
    db.session.commit()
    login(client, user)
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": "asdfghjkl;lk", "confirm": "asdfghjkl;lk"},
    )
    assert response.status_code == 200
    assert "Rows of keys on the keyboard are easy to guess." in response.text
    db.session.refresh(user)
    assert user.check_password(PASSWORD)
    assert _outbox(db) == []  # no "your password was changed" mail either


def test_resetting_to_a_weak_password_is_refused_and_the_link_still_works(client, db):
    user = make_user(name=NAME, email=EMAIL)
    services.request_password_reset(EMAIL)
    db.session.commit()
    path = _reset_path(_outbox(db)[0])

    weak = client.post(path, data={"password": "aaaaaaaaaaaa", "confirm": "aaaaaaaaaaaa"})
    assert weak.status_code == 200
    assert "Repeats like" in weak.text
    assert weak.headers["Referrer-Policy"] == "no-referrer"

    strong = client.post(path, data={"password": STRONG, "confirm": STRONG})
    assert strong.status_code == 302
    db.session.refresh(user)
    assert user.check_password(STRONG)


def test_create_admin_refuses_a_weak_password(app, db):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "boss@example.org", "--password", "password12345"]
    )
    assert result.exit_code != 0
    assert "It is a common password, or close to one." in result.output
    db.session.expire_all()
    assert services.find_user_by_email("boss@example.org") is None


def test_the_service_refuses_too(db):
    with pytest.raises(services.WeakPassword) as caught:
        services.sign_up(name=NAME, email=EMAIL, password="abcdefghijkl", locale="en")
    assert caught.value.result.weakness == Weakness.SEQUENCE
