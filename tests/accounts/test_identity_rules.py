"""The identity rules called directly, without HTTP: what a pending sign-up keeps, which links
a page accepts, and who is mailed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from werkzeug.datastructures import MultiDict

from app.accounts import identity
from app.accounts.models import ConfirmationPurpose
from app.accounts.services import NotAllowed, ResetTokenProblem, WrongPassword
from app.db import now_utc
from tests.accounts.identity_helpers import confirmation_path, mails
from tests.factories import PASSWORD, make_user


def test_kept_answers_leave_out_the_password_the_token_and_the_button():
    posted = MultiDict(
        [
            ("csrf_token", "abc"),
            ("password", "a long passphrase"),
            ("confirm", "a long passphrase"),
            ("submit", "Create my account and apply"),
            ("country", "BR"),
            ("question_7", "Africa"),
            ("question_7", "Europe"),
        ]
    )

    assert identity.kept_answers(posted) == [
        ["country", "BR"],
        ["question_7", "Africa"],
        ["question_7", "Europe"],
    ]


def _raw(message) -> str:
    return confirmation_path(message).rsplit("/", 1)[1]


def test_a_language_not_offered_falls_back_to_the_default(db):
    row = identity.start_signup(
        name="  Ana Alves ", email="ana@example.org", password=PASSWORD, locale="de"
    )

    assert (row.locale, row.name, row.purpose) == ("en", "Ana Alves", ConfirmationPurpose.SIGNUP)


def test_a_sign_up_link_does_not_confirm_an_address_change_nor_the_reverse(db):
    ana = make_user(email="ana@example.org")
    identity.start_signup(name="Bea", email="bea@example.org", password=PASSWORD, locale="en")
    identity.request_email_change(
        ana, new_email="ana.new@example.org", password=PASSWORD, actor=ana
    )
    signup, change = (_raw(m) for m in mails())

    for raw, purpose in (
        (signup, ConfirmationPurpose.EMAIL_CHANGE),
        (change, ConfirmationPurpose.SIGNUP),
    ):
        with pytest.raises(identity.InvalidConfirmation) as caught:
            identity.find_confirmation(raw, purpose)
        assert caught.value.problem == ResetTokenProblem.UNKNOWN


def test_a_deactivated_accounts_change_link_stops_working(db):
    ana = make_user(email="ana@example.org")
    identity.request_email_change(
        ana, new_email="ana.new@example.org", password=PASSWORD, actor=ana
    )
    ana.is_active = False
    db.session.flush()

    with pytest.raises(identity.InvalidConfirmation) as caught:
        identity.confirm_email_change(_raw(mails()[0]))
    assert caught.value.problem == ResetTokenProblem.UNKNOWN


def test_only_the_owner_asks_with_their_current_password(db):
    ana = make_user(email="ana@example.org")
    admin = make_user(email="admin@example.org")

    with pytest.raises(NotAllowed):
        identity.request_email_change(
            ana, new_email="x@example.org", password=PASSWORD, actor=admin
        )
    with pytest.raises(WrongPassword):
        identity.request_email_change(ana, new_email="x@example.org", password="nope", actor=ana)
    assert mails() == []


def test_no_notice_to_an_unverified_owner_of_the_new_address(db):
    ana = make_user(email="ana@example.org")
    other = make_user(email="bea@example.org")
    other.email_verified_at = None
    db.session.flush()

    assert (
        identity.request_email_change(
            ana, new_email="bea@example.org", password=PASSWORD, actor=ana
        )
        is None
    )
    assert mails() == []


def test_a_change_link_expires_after_the_configured_time(app, db):
    ana = make_user(email="ana@example.org")
    before = now_utc()

    row = identity.request_email_change(
        ana, new_email="ana.new@example.org", password=PASSWORD, actor=ana
    )

    minutes = app.config["EMAIL_CONFIRMATION_MAX_AGE_MINUTES"]
    assert before + timedelta(minutes=minutes) <= row.expires_at
    assert row.expires_at <= now_utc() + timedelta(minutes=minutes)
