"""With CSRF protection on (as in production), a POST without its token changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from app import create_app
from app.extensions import db as _db
from tests.conftest import login
from tests.factories import PASSWORD, make_user


@pytest.fixture
def csrf_app(app: Flask) -> Iterator[Flask]:
    """A second app on the same database, with CSRF protection switched on."""
    protected = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": True,
            # The same key as the shared app: sessions made for one are read by the other.
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        }
    )
    yield protected
    with protected.app_context():
        _db.engine.dispose()


def test_login_without_a_token_is_refused(csrf_app, db):
    user = make_user(email="ana@example.org")
    db.session.commit()
    client = csrf_app.test_client()

    response = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})

    assert response.status_code == 400
    assert "The form has expired" in response.text
    assert client.get("/account").status_code == 302
    db.session.refresh(user)
    assert user.last_login_at is None


def test_logout_without_a_token_is_refused(csrf_app, db):
    user = make_user()
    db.session.commit()
    client = login(csrf_app.test_client(), user)

    response = client.post("/logout")

    assert response.status_code == 400
    assert "The form has expired" in response.text
    assert client.get("/account").status_code == 200


def test_login_with_the_pages_token_works(csrf_app, db):
    """The control: the same POST carrying the token from the form is accepted."""
    import re

    make_user(email="ana@example.org")
    db.session.commit()
    client = csrf_app.test_client()
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    response = client.post(
        "/login", data={"email": "ana@example.org", "password": PASSWORD, "csrf_token": token}
    )

    assert response.status_code == 302
    assert client.get("/account").status_code == 200
