"""One spelling of an address: normalisation everywhere an address is compared or stored, and
the migration's function that normalises stored addresses."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.accounts import services
from app.accounts.emails import EmailCollision, normalise_email, normalised_changes
from app.accounts.models import PasswordResetToken, Role, User
from tests.accounts.identity_helpers import mails
from tests.factories import PASSWORD, make_user

FULLWIDTH_A = "\uff41"  # ａ
FULLWIDTH_ADMIN = f"{FULLWIDTH_A}dmin@example.org"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("admin@example.org", "admin@example.org"),
        ("Admin@Example.ORG", "admin@example.org"),
        ("  admin@example.org\t", "admin@example.org"),
        (FULLWIDTH_ADMIN, "admin@example.org"),
        ("\uff21\uff24\uff2d\uff29\uff2e@example.org", "admin@example.org"),  # ＡＤＭＩＮ
        ("\ufb01le@example.org", "file@example.org"),  # the ligature ﬁ
        ("Stra\u00dfe@example.org", "strasse@example.org"),  # casefold, not lower
        ("Ana.Álvarez@Example.org", "ana.álvarez@example.org"),
        ("ana.a\u0301lvarez@example.org", "ana.álvarez@example.org"),  # a + combining acute
    ],
)
def test_normalise_email_strips_folds_case_and_unicode_compatibility(typed, stored):
    assert normalise_email(typed) == stored


def test_similar_but_different_addresses_stay_apart():
    assert normalise_email("ana.alves@example.org") != normalise_email("ana.álvarez@example.org")
    assert normalise_email("ana@example.org") != normalise_email("ana@example.com")


def test_services_use_the_same_function():
    assert services.normalise_email is normalise_email


# --- The migration's function ------------------------------------------------------------------


def test_normalised_changes_lists_only_the_addresses_that_change():
    rows = [(1, "ana@example.org"), (2, "Bob@Example.org"), (3, f"c{FULLWIDTH_A}rla@example.org")]

    assert normalised_changes(rows) == {2: "bob@example.org", 3: "carla@example.org"}


def test_normalised_changes_of_clean_addresses_is_empty():
    assert normalised_changes([(1, "ana@example.org"), (2, "ana.alves@example.org")]) == {}


def test_normalised_changes_refuses_collisions_and_names_every_account():
    rows = [
        (1, "admin@example.org"),
        (2, FULLWIDTH_ADMIN),
        (3, "Admin@Example.org"),
        (4, "Ana@example.org"),
        (5, "ana@example.org"),
        (6, "carla@example.org"),
    ]

    with pytest.raises(EmailCollision) as caught:
        normalised_changes(rows)

    assert caught.value.groups == {
        "admin@example.org": [
            (1, "admin@example.org"),
            (2, FULLWIDTH_ADMIN),
            (3, "Admin@Example.org"),
        ],
        "ana@example.org": [(4, "Ana@example.org"), (5, "ana@example.org")],
    }
    message = str(caught.value)
    assert "Merge or rename them by hand, then run the upgrade again" in message
    assert (
        f"admin@example.org: user 1 <admin@example.org>, user 2 <{FULLWIDTH_ADMIN}>, user 3"
        in message
    )
    assert "ana@example.org: user 4 <Ana@example.org>, user 5 <ana@example.org>" in message
    assert "carla" not in message
    # The whole message, as the operator reads it when the upgrade stops: one group a line.
    assert message == (
        "These accounts would share an email address once addresses are normalised "
        "(case and Unicode NFKC). Merge or rename them by hand, then run the upgrade again:\n"
        f"  admin@example.org: user 1 <admin@example.org>, user 2 <{FULLWIDTH_ADMIN}>, "
        "user 3 <Admin@Example.org>\n"
        "  ana@example.org: user 4 <Ana@example.org>, user 5 <ana@example.org>"
    )


# --- Every place an address is compared or stored ----------------------------------------------


def test_create_user_stores_the_normalised_address_and_counts_it_verified(db):
    user = services.create_user(f"  {FULLWIDTH_A}na@Example.org ", "Ana Alves", PASSWORD)

    assert user.email == "ana@example.org"
    assert user.email_verified_at is not None


@pytest.mark.parametrize("other", [FULLWIDTH_ADMIN, "Admin@Example.org", " ADMIN@example.org "])
def test_a_look_alike_address_cannot_sit_beside_an_existing_one(db, other):
    make_user(email="admin@example.org")

    with pytest.raises(services.EmailTaken):
        services.create_user(other, "Impostor", PASSWORD)
    assert services.find_user_by_email(other).email == "admin@example.org"


def test_log_in_with_a_fullwidth_or_uppercase_address_finds_the_account(db):
    user = make_user(email="admin@example.org")

    assert services.authenticate(FULLWIDTH_ADMIN, PASSWORD) is user
    assert services.authenticate("ADMIN@EXAMPLE.ORG", PASSWORD) is user


def test_password_reset_with_a_look_alike_address_mails_the_stored_address(db):
    user = make_user(email="admin@example.org")

    token = services.request_password_reset(FULLWIDTH_ADMIN)

    assert token is not None and token.user is user
    assert [m.recipient for m in mails()] == ["admin@example.org"]


def test_no_reset_mail_to_an_address_never_verified(db):
    user = make_user(email="ana@example.org")
    user.email_verified_at = None
    db.session.flush()

    assert services.request_password_reset("ana@example.org") is None
    assert mails() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordResetToken)) == 0


def test_user_search_matches_a_fullwidth_query(db):
    make_user(email="admin@example.org", name="Site Admin")
    make_user(email="ana@example.org", name="Ana Alves")

    found = db.session.scalars(services.users_query(services.UserFilter(search=FULLWIDTH_ADMIN)))

    assert [u.email for u in found] == ["admin@example.org"]


def test_create_admin_with_a_look_alike_address_promotes_the_account(app, db):
    user = make_user(email="admin@example.org")
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["create-admin", FULLWIDTH_ADMIN])

    assert result.exit_code == 0, result.output
    assert "Promoted administrator admin@example.org." in result.output
    db.session.refresh(user)
    assert user.role == Role.ADMIN
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
