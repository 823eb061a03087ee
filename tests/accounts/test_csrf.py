"""With CSRF protection on (as in production), a POST without its token changes nothing."""

from __future__ import annotations

from tests.conftest import login
from tests.factories import PASSWORD, make_user


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
