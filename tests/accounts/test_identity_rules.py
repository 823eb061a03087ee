"""The identity rules called directly, without HTTP: what a pending sign-up keeps, which links
a page accepts, and who is mailed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from app.accounts import identity
from app.accounts.models import ConfirmationPurpose, EmailConfirmation, Role
from app.accounts.services import (
    NotAllowed,
    ResetTokenProblem,
    WrongPassword,
    find_reset_token,
    find_user_by_email,
    request_password_reset,
)
from app.db import now_utc
from app.privacy.models import ConsentContext
from app.privacy.notices import consents_of
from tests.accounts.identity_helpers import body, confirmation_path, mails, mails_to
from tests.factories import PASSWORD, make_course, make_user


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


# --- What the mails say ------------------------------------------------------------------------


def _text(message) -> str:
    """A mail's lines as its reader sees them (blank lines aside), the one-time token written
    <token>."""
    text = re.sub(r"\n+", "\n", body(message).replace("\r\n", "\n"))
    return re.sub(r"/confirm/[A-Za-z0-9_-]+", "/confirm/<token>", text)


def test_the_sign_up_link_greets_the_person_and_names_the_address(db):
    identity.start_signup(
        name=" Ana Alves ", email="Ana.Alves@Example.org", password=PASSWORD, locale="en"
    )

    [message] = mails()
    assert message.recipient == "ana.alves@example.org"
    assert _text(message) == (
        "Hello Ana Alves,\n"
        "Someone, probably you, asked for an account on Atelier with this address "
        "(ana.alves@example.org). To confirm the address and open the account, open this link:\n"
        "http://atelier.test/signup/confirm/<token>\n"
        "The link works once, for 24 hours.\n"
        "If it was not you, ignore this email: no account is created.\n"
        "-- \nAtelier\n"
    )


def test_the_sign_up_link_from_an_application_names_the_course(db):
    course = make_course(slug="local-migration", title="Governing migration at the local level")
    make_course(slug="labour-statistics", title="Labour migration statistics")

    identity.start_signup(
        name="Ana Alves",
        email="ana.alves@example.org",
        password=PASSWORD,
        locale="en",
        course=course,
        course_title="Governing migration at the local level",
    )

    [message] = mails()
    assert _text(message) == (
        "Hello Ana Alves,\n"
        "Someone, probably you, applied to “Governing migration at the local level” on Atelier "
        "and asked for an account with this address (ana.alves@example.org). To confirm the "
        "address and submit the application, open this link:\n"
        "http://atelier.test/courses/local-migration/register/confirm/<token>\n"
        "The link works once, for 24 hours.\n"
        "If it was not you, ignore this email: no account is created.\n"
        "-- \nAtelier\n"
    )


def test_a_sign_up_with_a_known_address_tells_its_owner_by_name(db):
    make_user(email="ana.alves@example.org", name="Ana Alves")
    make_user(email="ana.alvarez@example.org", name="Ana Álvarez")

    identity.start_signup(
        name="Someone", email="ana.alves@example.org", password=PASSWORD, locale="en"
    )

    [message] = mails()
    assert message.recipient == "ana.alves@example.org"
    assert _text(message) == (
        "Hello Ana Alves,\n"
        "Someone tried to create an account on Atelier with your address "
        "(ana.alves@example.org). Your address already has an account, so nothing was created.\n"
        "If it was you, log in:\n"
        "http://atelier.test/login\n"
        "If you have forgotten your password, choose a new one:\n"
        "http://atelier.test/reset-password\n"
        "If it was not you, ignore this email: your account is unchanged.\n"
        "-- \nAtelier\n"
    )


def test_a_change_to_a_taken_address_tells_its_owner_by_name_with_a_reset_link(db):
    ana = make_user(email="ana.alves@example.org", name="Ana Alves")
    make_user(email="bea.costa@example.org", name="Bea Costa")

    identity.request_email_change(
        ana, new_email="bea.costa@example.org", password=PASSWORD, actor=ana
    )

    [message] = mails()
    assert message.recipient == "bea.costa@example.org"
    assert _text(message) == (
        "Hello Bea Costa,\n"
        "Someone asked to use your address (bea.costa@example.org) for another Atelier account. "
        "Your address already has an account, so nothing was changed.\n"
        "If it was you and you have forgotten the password of this account, choose a new one:\n"
        "http://atelier.test/reset-password\n"
        "Otherwise ignore this email: your account is unchanged.\n"
        "-- \nAtelier\n"
    )


def test_the_change_link_greets_the_account_holder_and_names_the_new_address(db):
    ana = make_user(email="ana.alves@example.org", name="Ana Alves")

    identity.request_email_change(
        ana, new_email="Ana.Alves@Example.com", password=PASSWORD, actor=ana
    )

    [message] = mails()
    assert message.recipient == "ana.alves@example.com"
    assert _text(message) == (
        "Hello Ana Alves,\n"
        "Someone, probably you, asked to use this address (ana.alves@example.com) for their "
        "Atelier account. To confirm it, open this link:\n"
        "http://atelier.test/account/email/confirm/<token>\n"
        "The link works once, for 24 hours. Until it is opened, we keep writing to the "
        "account's current address.\n"
        "If it was not you, ignore this email: nothing changes.\n"
        "-- \nAtelier\n"
    )


def test_the_old_address_is_told_by_name_with_an_unknown_network_address_as_a_question_mark(
    db, monkeypatch
):
    # Confirmed outside a request (no client address known): the notice says "?".
    moment = datetime(2026, 11, 20, 9, 30, 15, tzinfo=UTC)
    monkeypatch.setattr(identity, "now_utc", lambda: moment - timedelta(hours=2))
    ana = make_user(email="ana.alves@example.org", name="Ana Alves")
    identity.request_email_change(
        ana, new_email="ana.alves@example.com", password=PASSWORD, actor=ana
    )
    monkeypatch.setattr(identity, "now_utc", lambda: moment)

    identity.confirm_email_change(_raw(mails()[0]))

    [notice] = mails()[1:]
    assert notice.recipient == "ana.alves@example.org"
    assert _text(notice).startswith(
        "Hello Ana Alves,\n"
        "The email address of your Atelier account was changed from ana.alves@example.org to "
        "ana.alves@example.com on 2026-11-20 09:30 (UTC), from the network address ?. "
        "We now write to the new address only.\n"
    )


# --- Whose links close -------------------------------------------------------------------------


def test_a_new_change_request_leaves_another_persons_open_link_working(db):
    ana = make_user(email="ana.alves@example.org", name="Ana Alves")
    ana_b = make_user(email="ana.alvarez@example.org", name="Ana Álvarez")
    identity.request_email_change(
        ana_b, new_email="ana.alvarez@example.com", password=PASSWORD, actor=ana_b
    )
    theirs = _raw(mails()[0])

    identity.request_email_change(
        ana, new_email="ana.alves@example.com", password=PASSWORD, actor=ana
    )

    assert identity.confirm_email_change(theirs) is ana_b
    assert ana_b.email == "ana.alvarez@example.com"


def test_a_confirmed_change_closes_the_own_reset_links_only(db):
    ana = make_user(email="ana.alves@example.org", name="Ana Alves")
    ana_b = make_user(email="ana.alvarez@example.org", name="Ana Álvarez")
    mine = request_password_reset("ana.alves@example.org")
    theirs = request_password_reset("ana.alvarez@example.org")
    identity.request_email_change(
        ana, new_email="ana.alves@example.com", password=PASSWORD, actor=ana
    )
    [change] = [m for m in mails() if m.recipient == "ana.alves@example.com"]

    identity.confirm_email_change(_raw(change))

    db.session.expire_all()
    assert mine.used_at is not None
    assert theirs.used_at is None
    [link] = re.findall(r"/reset-password/([A-Za-z0-9_-]+)", body(mails_to(ana_b.email)[0]))
    assert find_reset_token(link).user is ana_b


# --- Boundaries in time ------------------------------------------------------------------------


def test_a_link_expiring_this_very_moment_no_longer_works(db, monkeypatch):
    moment = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    monkeypatch.setattr(identity, "now_utc", lambda: moment - timedelta(days=1))
    identity.start_signup(name="Ana Alves", email="ana@example.org", password=PASSWORD, locale="en")
    raw = _raw(mails()[0])
    row = identity.find_confirmation(raw, ConfirmationPurpose.SIGNUP)
    assert row.expires_at == moment

    monkeypatch.setattr(identity, "now_utc", lambda: moment)

    with pytest.raises(identity.InvalidConfirmation) as caught:
        identity.find_confirmation(raw, ConfirmationPurpose.SIGNUP)
    assert caught.value.problem == ResetTokenProblem.EXPIRED


def test_expired_links_are_purged_only_once_more_than_a_week_past(db, monkeypatch):
    moment = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    max_age = timedelta(minutes=identity.max_age_minutes())
    # Ana's link expired exactly a week ago, Bruno's a second before that.
    for name, email, expired in (
        ("Ana Alves", "ana@example.org", identity.PURGE_AFTER),
        ("Bruno Alves", "bruno@example.org", identity.PURGE_AFTER + timedelta(seconds=1)),
    ):
        monkeypatch.setattr(identity, "now_utc", lambda e=expired: moment - e - max_age)
        identity.start_signup(name=name, email=email, password=PASSWORD, locale="en")
    ana_link, bruno_link = (_raw(m) for m in mails())

    monkeypatch.setattr(identity, "now_utc", lambda: moment)
    identity.start_signup(
        name="Carla Reis", email="carla@example.org", password=PASSWORD, locale="en"
    )

    with pytest.raises(identity.InvalidConfirmation) as caught:
        identity.find_confirmation(ana_link, ConfirmationPurpose.SIGNUP)
    assert caught.value.problem == ResetTokenProblem.EXPIRED
    with pytest.raises(identity.InvalidConfirmation) as caught:
        identity.find_confirmation(bruno_link, ConfirmationPurpose.SIGNUP)
    assert caught.value.problem == ResetTokenProblem.UNKNOWN


def test_a_link_lasts_exactly_the_configured_time_from_when_it_was_asked_for(db):
    row = identity.start_signup(
        name="Ana Alves", email="ana@example.org", password=PASSWORD, locale="en"
    )
    db.session.expire_all()

    assert row.expires_at - row.created_at == timedelta(minutes=identity.max_age_minutes())


# --- The new account ---------------------------------------------------------------------------


def test_the_sign_up_consent_is_dated_when_the_form_was_sent_not_when_the_link_was_opened(db):
    row = identity.start_signup(
        name="Ana Alves", email="ana@example.org", password=PASSWORD, locale="en"
    )
    # Ana opens the link three hours after sending the form.
    row.created_at -= timedelta(hours=3)
    row.expires_at -= timedelta(hours=3)
    db.session.flush()
    sent = row.created_at

    user, _row = identity.confirm_signup(_raw(mails()[0]))

    [consent] = consents_of(user)
    assert consent.context == ConsentContext.SIGNUP
    assert consent.accepted_at == sent
    assert user.role == Role.PARTICIPANT


def test_of_two_clicks_at_once_the_second_is_told_the_link_was_used(db, monkeypatch):
    identity.start_signup(name="Ana Alves", email="ana@example.org", password=PASSWORD, locale="en")
    raw = _raw(mails()[0])
    found = identity.find_confirmation

    def other_click_wins_meanwhile(token, purpose):
        row = found(token, purpose)
        db.session.execute(
            sa.update(EmailConfirmation)
            .where(EmailConfirmation.id == row.id)
            .values(used_at=now_utc())
            .execution_options(synchronize_session=False)
        )
        return row

    monkeypatch.setattr(identity, "find_confirmation", other_click_wins_meanwhile)

    with pytest.raises(identity.InvalidConfirmation) as caught:
        identity.confirm_signup(raw)
    assert caught.value.problem == ResetTokenProblem.USED
    assert find_user_by_email("ana@example.org") is None


# --- What is kept ------------------------------------------------------------------------------


def test_a_pending_change_keeps_who_asked_and_in_which_language(db):
    ana = make_user(email="ana.alves@example.org", name="Ana Alves", locale="fr")
    make_user(email="ana.alvarez@example.org", name="Ana Álvarez", locale="es")

    row = identity.request_email_change(
        ana, new_email="ana.alves@example.com", password=PASSWORD, actor=ana
    )

    db.session.expire_all()
    assert (row.user, row.email, row.name, row.locale) == (
        ana,
        "ana.alves@example.com",
        "Ana Alves",
        "fr",
    )


def test_a_new_change_request_keeps_when_the_earlier_link_was_used(db, monkeypatch):
    ana = make_user(email="ana.alves@example.org", name="Ana Alves")
    moment = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    monkeypatch.setattr(identity, "now_utc", lambda: moment)
    first = identity.request_email_change(
        ana, new_email="ana.alves@example.com", password=PASSWORD, actor=ana
    )
    identity.confirm_email_change(_raw(mails()[0]))
    monkeypatch.setattr(identity, "now_utc", lambda: moment + timedelta(days=3))

    identity.request_email_change(
        ana, new_email="ana.alves@example.net", password=PASSWORD, actor=ana
    )

    db.session.expire_all()
    assert first.used_at == moment


def test_a_confirmed_change_keeps_when_an_earlier_reset_link_was_used(db):
    ana = make_user(email="ana.alves@example.org", name="Ana Alves")
    token = request_password_reset("ana.alves@example.org")
    used = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    token.used_at = used
    identity.request_email_change(
        ana, new_email="ana.alves@example.com", password=PASSWORD, actor=ana
    )
    [change] = mails_to("ana.alves@example.com")

    identity.confirm_email_change(_raw(change))

    db.session.expire_all()
    assert token.used_at == used
