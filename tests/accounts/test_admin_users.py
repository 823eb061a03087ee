"""The administrators' user list: search, roles, deactivation, and who may use it."""

from __future__ import annotations

import pytest

from app.accounts import services
from app.accounts.models import Role
from tests.accounts.helpers import flashes
from tests.conftest import login
from tests.factories import PASSWORD, make_user


@pytest.fixture
def admin(client, db):
    user = make_user(Role.ADMIN, name="Ada Admin", email="ada@example.org")
    db.session.commit()
    login(client, user)
    return user


# --- Who may see the list ----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.ORGANISER])
def test_only_administrators_see_the_user_list(client, db, role):
    login(client, make_user(role))
    db.session.commit()

    assert client.get("/admin/users").status_code == 403


def admin_urls(app, user_id: int) -> list[tuple[str, str]]:
    """Every accounts route under /admin/, found by walking the URL map: a new one is covered
    without anyone remembering to add it here."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("accounts.") and rule.rule.startswith("/admin/"):
            path = rule.rule.replace("<int:user_id>", str(user_id))
            urls += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return urls


def test_the_walk_finds_the_admin_routes(app):
    paths = {path for _, path in admin_urls(app, 7)}
    assert {"/admin/users", "/admin/users/7/role", "/admin/users/7/deactivate"} <= paths


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.ORGANISER])
def test_only_administrators_use_the_admin_routes(app, client, db, role):
    user = make_user(role)
    db.session.commit()
    login(client, user)

    for method, path in admin_urls(app, user.id):
        response = client.open(path, method=method, data={"role": "admin"})
        assert response.status_code == 403, f"{method} {path}: {response.status_code}"
    db.session.refresh(user)
    assert (user.role, user.is_active) == (role, True)


def test_anonymous_visitors_are_sent_to_log_in_from_every_admin_route(app, client, db):
    user = make_user()
    db.session.commit()

    for method, path in admin_urls(app, user.id):
        response = client.open(path, method=method, data={"role": "admin"})
        assert response.status_code == 302, f"{method} {path}: {response.status_code}"
        assert response.headers["Location"].startswith("/login")
    db.session.refresh(user)
    assert user.role == Role.PARTICIPANT


# --- The list ----------------------------------------------------------------------------------


def test_list_shows_users(client, admin):
    make_user(name="Bruno Bianchi", email="bruno@example.org")

    response = client.get("/admin/users")

    assert response.status_code == 200
    assert "Bruno Bianchi" in response.text
    assert "bruno@example.org" in response.text


def test_list_searches_name_and_email(client, admin):
    make_user(name="Bruno Bianchi", email="bb@example.org")
    make_user(name="Carla Conti", email="carla@bianchi.example")
    make_user(name="Dario Dini", email="dario@example.org")

    response = client.get("/admin/users?q=BIANCHI")

    assert "Bruno Bianchi" in response.text
    assert "Carla Conti" in response.text
    assert "Dario Dini" not in response.text


def test_list_search_treats_wildcards_literally(client, admin):
    make_user(name="Bruno Bianchi")

    response = client.get("/admin/users?q=%25")

    assert "Bruno Bianchi" not in response.text
    assert "No user matches." in response.text


def test_list_search_with_a_control_character_says_why(client, admin):
    """A NUL cannot be searched for (PostgreSQL refuses it): the field says so, the role
    filter still applies."""
    make_user(Role.ORGANISER, name="Olga Organiser")
    make_user(Role.PARTICIPANT, name="Paolo Participant")

    response = client.get("/admin/users?q=Olga%00&role=participant")

    assert response.status_code == 200
    assert "invisible control characters" in response.text
    assert "Paolo Participant" in response.text
    assert "Olga Organiser" not in response.text


def test_list_filters_by_role(client, admin):
    make_user(Role.ORGANISER, name="Olga Organiser")
    make_user(Role.PARTICIPANT, name="Paolo Participant")

    response = client.get("/admin/users?role=organiser")

    assert "Olga Organiser" in response.text
    assert "Paolo Participant" not in response.text


def test_list_ignores_an_unknown_role(client, admin):
    make_user(name="Paolo Participant")

    response = client.get("/admin/users?role=emperor")

    assert response.status_code == 200
    assert "Paolo Participant" in response.text


def test_list_is_paginated_by_fifty(client, admin):
    for n in range(services.USERS_PER_PAGE):
        make_user(name=f"User {n:03d}", email=f"u{n:03d}@example.org")

    first = client.get("/admin/users")
    second = client.get("/admin/users?page=2")

    assert first.text.count("<tr") - 1 == services.USERS_PER_PAGE
    assert "51 users" in first.text
    assert 'href="/admin/users?page=2"' in first.text
    assert second.status_code == 200
    assert "User 049" in second.text
    assert "User 048" not in second.text


def test_list_keeps_the_filters_in_page_links(client, admin):
    for n in range(services.USERS_PER_PAGE + 1):
        make_user(Role.ORGANISER, name=f"User {n:03d}")

    response = client.get("/admin/users?role=organiser")

    assert "page=2" in response.text
    assert "role=organiser" in response.text.split('rel="next"')[0].rsplit("href=", 1)[1]


def test_page_past_the_end_is_empty_not_an_error(client, admin):
    assert client.get("/admin/users?page=99").status_code == 200


# --- Roles -------------------------------------------------------------------------------------


def test_admin_changes_a_role(client, db, admin):
    user = make_user(Role.PARTICIPANT, name="Olga")
    db.session.commit()

    response = client.post(
        f"/admin/users/{user.id}/role",
        data={"role": "organiser", "next": "/admin/users?q=Olga"},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users?q=Olga"
    db.session.refresh(user)
    assert user.role == Role.ORGANISER
    assert ("success", "Olga is now: Organiser.") in flashes(client.get("/admin/users"))


def test_role_change_never_redirects_off_the_user_list(client, db, admin):
    user = make_user()
    db.session.commit()

    for target in ("https://evil.example/", "/account"):
        response = client.post(
            f"/admin/users/{user.id}/role", data={"role": "organiser", "next": target}
        )
        assert response.headers["Location"] == "/admin/users"


def test_role_change_refuses_an_unknown_role(client, db, admin):
    user = make_user()
    db.session.commit()

    client.post(f"/admin/users/{user.id}/role", data={"role": "emperor"})

    db.session.refresh(user)
    assert user.role == Role.PARTICIPANT


def test_role_change_of_a_missing_user_is_404(client, admin):
    assert client.post("/admin/users/999999/role", data={"role": "admin"}).status_code == 404


def test_admin_cannot_demote_themself(client, db, admin):
    response = client.post(
        f"/admin/users/{admin.id}/role", data={"role": "participant"}, follow_redirects=True
    )

    db.session.refresh(admin)
    assert admin.role == Role.ADMIN
    [(category, message)] = flashes(response)
    assert category == "error"
    assert "You cannot take the administrator role away from yourself." in message


def test_admin_can_demote_another_admin(client, db, admin):
    other = make_user(Role.ADMIN)
    db.session.commit()

    client.post(f"/admin/users/{other.id}/role", data={"role": "participant"})

    db.session.refresh(other)
    assert other.role == Role.PARTICIPANT


# --- Deactivation ------------------------------------------------------------------------------


def test_admin_deactivates_and_reactivates_an_account(client, db, admin):
    user = make_user(email="bruno@example.org")
    db.session.commit()

    client.post(f"/admin/users/{user.id}/deactivate")
    db.session.refresh(user)
    assert user.is_active is False

    client.post(f"/admin/users/{user.id}/reactivate")
    db.session.refresh(user)
    assert user.is_active is True


def test_deactivated_user_is_logged_out_and_cannot_log_back_in(app, client, db, admin):
    user = make_user(email="bruno@example.org")
    db.session.commit()
    bruno = login(app.test_client(), user)
    assert bruno.get("/account").status_code == 200
    db.session.refresh(user)
    logged_in_at = user.last_login_at
    assert logged_in_at is not None

    client.post(f"/admin/users/{user.id}/deactivate")

    assert bruno.get("/account").status_code == 302
    response = bruno.post("/login", data={"email": "bruno@example.org", "password": PASSWORD})
    assert "deactivated" in response.text
    assert services.find_user_by_email("bruno@example.org").last_login_at == logged_in_at


def test_admin_cannot_deactivate_themself(client, db, admin):
    response = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)

    db.session.refresh(admin)
    assert admin.is_active is True
    assert ("error", "You cannot deactivate your own account.") in flashes(response)


# --- The rules, without a request --------------------------------------------------------------


def test_services_refuse_a_non_administrator_actor(db):
    organiser = make_user(Role.ORGANISER)
    user = make_user()

    with pytest.raises(services.NotAllowed):
        services.change_role(user, Role.ADMIN, actor=organiser)
    with pytest.raises(services.NotAllowed):
        services.set_active(user, False, actor=organiser)


def test_deactivating_closes_open_reset_links(db):
    admin = make_user(Role.ADMIN)
    user = make_user()
    token = services.request_password_reset(user.email)

    services.set_active(user, False, actor=admin)

    db.session.refresh(token)
    assert token.used_at is not None
