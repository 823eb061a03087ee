"""The catalogue pages, and the administrators' pages to change it."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from app.accounts.models import Role
from app.courses.models import CourseStatus
from app.extensions import db
from app.modules.services import get_module, seed_modules, selectable_modules
from tests.conftest import login
from tests.factories import make_course, make_module, make_user

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
PUBLIC_ENDPOINTS = {"modules.index", "modules.show"}


def _admin_client(client):
    admin = make_user(Role.ADMIN)
    db.session.commit()
    return login(client, admin)


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "code": "M6",
        "position": "6",
        "en-title": "Return migration and development",
        "en-summary": "How returnees feed local development.",
        "en-objectives": "Explain return\nPlan reintegration support",
        "en-outline": "Concepts\nCase studies\nGroup work\nWrap-up",
        "fr-title": "Migration de retour et développement",
        "fr-summary": "",
        "fr-objectives": "",
        "fr-outline": "",
        "es-title": "",
        "es-summary": "",
        "es-objectives": "",
        "es-outline": "",
    }
    data.update(overrides)
    return data


def _errors(html: str, field_id: str) -> str:
    match = re.search(rf'<ul class="errors" id="{field_id}-errors">(.*?)</ul>', html, re.S)
    return match.group(1) if match else ""


# Public pages


def test_catalogue_lists_the_core_module_first_in_the_visitors_language(client):
    seed_modules()
    db.session.commit()
    html = client.get("/modules/", headers=FRENCH).get_data(as_text=True)
    assert "Introduction à la migration et au développement local" in html
    assert "Gérer le lien entre migration et développement" in html
    assert "Managing the link between migration and development" not in html
    positions = [html.index(f'href="/modules/{code}"') for code in ("CORE", "M1", "M2", "M5")]
    assert positions == sorted(positions)


def test_module_page_shows_french_objectives_outline_and_published_courses(client):
    seed_modules()
    m1 = get_module("M1")
    make_course(slug="turin-2017", title="Governing migration at the local level", modules=(m1,))
    make_course(slug="secret-draft", title="Draft course", status=CourseStatus.DRAFT, modules=(m1,))
    db.session.commit()

    response = client.get("/modules/M1", headers=FRENCH)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Gérer le lien entre migration et développement</h1>" in html
    assert "Identifier les données migratoires" in html
    assert "Études de cas : le cycle migratoire dans les plans locaux" in html
    assert 'href="/courses/turin-2017"' in html
    assert "secret-draft" not in html


def test_module_page_falls_back_to_english(client):
    make_module("M9", title="Only in English")
    db.session.commit()
    html = client.get("/modules/M9", headers=FRENCH).get_data(as_text=True)
    assert '<h1 lang="en">Only in English</h1>' in html


def test_unknown_module_is_404(client):
    assert client.get("/modules/NOPE").status_code == 404


def test_retired_modules_are_hidden_from_visitors(client):
    make_module("M1", title="Kept")
    make_module("M2", title="Retired one").is_retired = True
    db.session.commit()
    html = client.get("/modules/").get_data(as_text=True)
    assert "Kept" in html
    assert "Retired one" not in html


def test_administrators_see_retired_modules_marked(client):
    make_module("M2", title="Retired one").is_retired = True
    _admin_client(client)
    html = client.get("/modules/").get_data(as_text=True)
    assert "Retired one" in html
    assert "badge-retired" in html


def test_retired_module_still_shows_on_a_course_that_uses_it(client):
    module = make_module("M3", title="Empowering migrants")
    make_course(slug="turin-2017", modules=(module,))
    module.is_retired = True
    db.session.commit()
    assert module not in selectable_modules()
    html = client.get("/modules/M3").get_data(as_text=True)
    assert "This module has been retired" in html
    assert 'href="/courses/turin-2017"' in html


# Administrators' pages


def test_admin_creates_a_module(client):
    _admin_client(client)
    response = client.post("/modules/new", data=_form(code="m6"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/modules/M6")
    module = get_module("M6")
    assert module is not None
    assert sorted(t.locale for t in module.translations) == ["en", "fr"]  # Spanish left empty
    assert module.text("en").objective_list == ["Explain return", "Plan reintegration support"]
    assert module.text("en").outline_list == ["Concepts", "Case studies", "Group work", "Wrap-up"]


def test_new_module_form_offers_every_language(client):
    _admin_client(client)
    html = client.get("/modules/new").get_data(as_text=True)
    for field in ("code", "position", "is_core", "en-title", "fr-outline", "es-objectives"):
        assert f'id="{field}"' in html
        assert f'for="{field}"' in html


def test_admin_edits_a_module(client):
    seed_modules()
    _admin_client(client)
    edit = client.get("/modules/M1/edit").get_data(as_text=True)
    assert "Gérer le lien entre migration et développement" in edit
    response = client.post(
        "/modules/M1/edit",
        data=_form(code="M1", position="1", **{"fr-title": "Gérer migration et développement"}),
    )
    assert response.status_code == 302
    db.session.expire_all()
    module = get_module("M1")
    assert module is not None
    assert module.title("en") == "Return migration and development"
    assert module.title("fr") == "Gérer migration et développement"
    assert module.title("es") == "Return migration and development"  # Spanish emptied


def test_duplicate_code_is_a_form_error(client):
    make_module("M1")
    _admin_client(client)
    response = client.post("/modules/new", data=_form(code="m1"))
    assert response.status_code == 200
    assert "already uses the code M1" in _errors(response.get_data(as_text=True), "code")


def test_english_title_is_required(client):
    _admin_client(client)
    response = client.post("/modules/new", data=_form(**{"en-title": ""}))
    assert "title in English" in _errors(response.get_data(as_text=True), "en-title")
    assert get_module("M6") is None


def test_a_language_with_texts_needs_a_title(client):
    _admin_client(client)
    response = client.post("/modules/new", data=_form(**{"es-summary": "Sin título"}))
    assert "Give a title in this language" in _errors(response.get_data(as_text=True), "es-title")


def test_outline_has_four_sessions(client):
    _admin_client(client)
    response = client.post("/modules/new", data=_form(**{"en-outline": "Morning\nAfternoon"}))
    assert "exactly four sessions" in _errors(response.get_data(as_text=True), "en-outline")


def test_admin_retires_and_restores_a_module(client):
    module = make_module("M2")
    _admin_client(client)
    assert client.post("/modules/M2/retire").status_code == 302
    db.session.expire_all()
    assert module.is_retired and module not in selectable_modules()
    assert client.post("/modules/M2/restore").status_code == 302
    db.session.expire_all()
    assert not module.is_retired and module in selectable_modules()


def test_retire_does_not_answer_get(client):
    make_module("M2")
    _admin_client(client)
    assert client.get("/modules/M2/retire").status_code == 405


# Access


def admin_urls(app: Flask) -> list[tuple[str, str]]:
    """Every route of the blueprint but the public pages, with its methods."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "modules" or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        path = rule.rule.replace("<code>", "M1")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, path))
    return urls


def test_the_walk_finds_the_admin_routes(app):
    paths = {path for _, path in admin_urls(app)}
    assert paths == {
        "/modules/new",
        "/modules/M1/edit",
        "/modules/M1/retire",
        "/modules/M1/restore",
    }


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.ORGANISER])
def test_admin_pages_refuse_everyone_else(app, client, role):
    make_module("M1")
    login(client, make_user(role))
    db.session.commit()
    for method, path in admin_urls(app):
        response = client.open(path, method=method, data=_form(code="M1"))
        assert response.status_code == 403, f"{role}: {method} {path} {response.status_code}"
    assert not get_module("M1").is_retired  # type: ignore[union-attr]


def test_admin_pages_send_visitors_to_log_in(app, client):
    make_module("M1")
    db.session.commit()
    for method, path in admin_urls(app):
        response = client.open(path, method=method)
        assert response.status_code == 302, f"{method} {path}"
        assert "/login" in response.headers["Location"]
