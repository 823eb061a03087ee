"""``flask create-admin``."""

from __future__ import annotations

from app.accounts.models import Role
from app.accounts.services import find_user_by_email
from tests.factories import make_user


def test_create_admin_creates_an_administrator(app, db):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "Boss@Example.org", "--name", "Boss", "--password", "long enough!"]
    )

    assert result.exit_code == 0, result.output
    assert "Created administrator boss@example.org." in result.output
    db.session.expire_all()
    user = find_user_by_email("boss@example.org")
    assert (user.name, user.role, user.is_active) == ("Boss", Role.ADMIN, True)
    assert user.check_password("long enough!")


def test_create_admin_promotes_an_existing_user(app, db):
    user = make_user(Role.PARTICIPANT, email="ana@example.org")
    user.is_active = False
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["create-admin", "ana@example.org"])

    assert result.exit_code == 0, result.output
    assert "Promoted administrator ana@example.org." in result.output
    db.session.refresh(user)
    assert (user.role, user.is_active) == (Role.ADMIN, True)


def test_create_admin_asks_for_the_password_of_a_new_account(app, db):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "boss@example.org"], input="long enough!\nlong enough!\n"
    )

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert find_user_by_email("boss@example.org").check_password("long enough!")


def test_create_admin_refuses_a_short_password(app, db):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "boss@example.org", "--password", "short"]
    )

    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    db.session.expire_all()
    assert find_user_by_email("boss@example.org") is None


def test_create_admin_refuses_an_invalid_email(app, db):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "not-an-email", "--password", "long enough!"]
    )

    assert result.exit_code != 0
    assert find_user_by_email("not-an-email") is None
