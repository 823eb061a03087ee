"""Where a log-in lands without a ``next``: organisers on "Manage courses", others as before."""

from __future__ import annotations

import pyotp
import pytest

from app.accounts.models import Role
from tests.accounts.test_two_factor_login import enable
from tests.factories import PASSWORD, make_user


def log_in(client, email: str, next_url: str | None = None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": PASSWORD})


@pytest.mark.parametrize(
    ("role", "landing"),
    [(Role.ORGANISER, "/manage/courses"), (Role.PARTICIPANT, "/"), (Role.ADMIN, "/")],
)
def test_each_role_lands_where_its_work_is(client, db, role, landing):
    make_user(role, email="lucia@example.org")
    db.session.commit()
    assert log_in(client, "lucia@example.org").headers["Location"] == landing


def test_an_organiser_still_follows_a_local_next_and_never_a_foreign_one(client, db):
    make_user(Role.ORGANISER, email="lucia@example.org")
    db.session.commit()
    response = log_in(client, "lucia@example.org", next_url="/account/password")
    assert response.headers["Location"] == "/account/password"
    client.post("/logout")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = log_in(client, "lucia@example.org", next_url=target)
        assert response.headers["Location"] == "/manage/courses"
        client.post("/logout")


def test_an_organiser_with_two_factor_lands_on_their_courses_after_the_code(client, db):
    lucia = make_user(Role.ORGANISER, email="lucia@example.org")
    secret, _ = enable(lucia)
    db.session.commit()
    assert log_in(client, "lucia@example.org").headers["Location"] == "/login/two-factor"
    response = client.post("/login/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.headers["Location"] == "/manage/courses"
