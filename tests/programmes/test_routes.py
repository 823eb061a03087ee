"""Programme pages over HTTP: the public list and page, and administration by admins only."""

from __future__ import annotations

from datetime import date
from html import unescape

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.courses.models import CourseKind, CourseStatus, Programme
from app.extensions import db
from tests.conftest import login
from tests.factories import make_user

from .factories import make_event, make_programme, make_quito_venue

SLUG = "joint-programme"


def page(response) -> str:
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def programme() -> Programme:
    """A programme with a course, a side event, a webinar, a past course, a draft; and an item
    of another programme."""
    programme = make_programme(
        SLUG, texts={"fr": "Programme conjoint sur la migration"}, countries="BD,EC,MA"
    )
    other = make_programme("other", title="Another programme")
    quito = make_quito_venue()
    make_event(
        CourseKind.COURSE,
        title="Upcoming Turin course",
        start=date(2030, 11, 18),
        days=5,
        programme=programme,
    )
    make_event(
        CourseKind.SIDE_EVENT,
        title="Quito side event",
        start=date(2030, 10, 18),
        venue=quito,
        programme=programme,
    )
    make_event(
        CourseKind.WEBINAR,
        title="Data webinar",
        start=date(2030, 12, 2),
        online=True,
        programme=programme,
    )
    make_event(
        CourseKind.COURSE,
        title="Mainstreaming 2017",
        start=date(2017, 10, 30),
        days=5,
        programme=programme,
    )
    make_event(
        CourseKind.PANEL,
        title="Draft panel",
        start=date(2030, 9, 1),
        programme=programme,
        status=CourseStatus.DRAFT,
    )
    make_event(CourseKind.PANEL, title="Other panel", start=date(2030, 9, 1), programme=other)
    db.session.commit()
    return programme


# The public pages ---------------------------------------------------------------------------


def test_the_page_lists_exactly_its_items_upcoming_then_past(client, programme):
    html = page(client.get(f"/programmes/{SLUG}"))

    order = [
        "Quito side event",
        "Upcoming Turin course",
        "Data webinar",
        "Past courses and events",
        "Mainstreaming 2017",
    ]
    positions = [html.index(text) for text in order]
    assert positions == sorted(positions)
    assert "Draft panel" not in html
    assert "Other panel" not in html
    # Kind, dates and place of each.
    assert "Side event" in html and "Webinar" in html and "Course" in html
    assert "October 18, 2030" in html
    assert "Nov 18\u2009–\u200922, 2030" in html
    assert "Quito" in html and "Turin" in html and "Online" in html
    # The cards do not repeat the programme they are listed under.
    assert "Programme:" not in html


def test_the_page_shows_funder_countries_link_and_the_feed(client, programme):
    programme.funder_id = None
    programme.url = "https://example.org/joint"
    db.session.commit()
    html = page(client.get(f"/programmes/{SLUG}"))
    assert "Bangladesh, Ecuador, Morocco" in html
    assert 'href="https://example.org/joint"' in html
    assert "http://atelier.test/programmes/joint-programme/calendar.ics" in html
    assert "webcal://atelier.test/programmes/joint-programme/calendar.ics" in html


def test_the_page_in_french(client, programme):
    french = page(client.get(f"/programmes/{SLUG}", headers={"Accept-Language": "fr"}))
    assert "Programme conjoint sur la migration" in french
    assert "Équateur" in french and "Maroc" in french
    assert "/programmes/joint-programme/calendar.ics?lang=fr" in french


# One language a test: Flask-Babel keeps the request's language in the test's app context.
def test_the_page_in_spanish_falls_back_to_english(client, programme):
    spanish = page(client.get(f"/programmes/{SLUG}", headers={"Accept-Language": "es"}))
    assert "Joint Global Programme on Mainstreaming Migration" in spanish
    assert "Marruecos" in spanish


def test_the_list_of_programmes(client, programme):
    html = page(client.get("/programmes/"))
    assert "Joint Global Programme on Mainstreaming Migration" in html
    assert "Another programme" in html
    assert "New programme" not in html


def test_an_unknown_programme_is_404(client):
    assert client.get("/programmes/nothing-here").status_code == 404


def test_the_nav_links_the_programmes(client):
    assert 'href="/programmes/"' in page(client.get("/"))


# Administration -----------------------------------------------------------------------------


def form(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "slug": "new-programme",
        "text_en-title": "Migration and local development",
        "text_en-summary": "A programme of the JMDI.",
        "text_fr-title": "Migration et développement local",
        "text_fr-summary": "",
        "text_es-title": "",
        "text_es-summary": "",
        "funder": "European Union",
        "countries": ["EC", "BD"],
        "url": "https://example.org/jmdi",
    }
    values.update(overrides)
    return values


@pytest.fixture
def admin(client):
    user = make_user(Role.ADMIN)
    db.session.commit()
    login(client, user)
    return user


def test_an_admin_creates_a_programme(client, admin):
    assert "Partner countries" in page(client.get("/programmes/new"))
    response = client.post("/programmes/new", data=form())
    assert response.status_code == 302
    assert response.headers["Location"] == "/programmes/new-programme"

    programme = db.session.scalar(sa.select(Programme).where(Programme.slug == "new-programme"))
    assert programme is not None
    assert programme.title("fr") == "Migration et développement local"
    assert programme.title("es") == "Migration and local development"
    assert programme.funder.name == "European Union"
    assert programme.countries == "BD,EC"
    html = page(client.get("/programmes/new-programme"))
    assert "Edit the programme" in html


def test_an_admin_edits_a_programme(client, admin, programme):
    html = page(client.get(f"/programmes/{SLUG}/edit"))
    assert 'value="joint-programme"' in html
    assert 'value="BD" selected' in html or 'selected value="BD"' in html

    response = client.post(
        f"/programmes/{SLUG}/edit",
        data=form(slug=SLUG, countries=["RS"], funder="", url="", **{"text_fr-title": ""}),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert programme.countries == "RS"
    assert programme.funder is None
    assert [t.locale for t in programme.translations] == ["en"]
    assert programme.title("en") == "Migration and local development"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"text_en-title": ""}, "Give the programme a title in English."),
        ({"slug": "Not a slug"}, "Use lower-case letters, digits and single hyphens only."),
        ({"slug": "new"}, "This address is reserved."),
        ({"slug": "other"}, "Another programme already uses this address."),
        ({"countries": ["XX"]}, "not a valid choice"),
        (
            {"url": "javascript:alert(1)"},
            "Give a full web address starting with https:// or http://.",
        ),
    ],
)
def test_bad_forms_show_errors_and_store_nothing(client, admin, programme, overrides, message):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Programme))
    response = client.post("/programmes/new", data=form(**overrides))
    assert message in page(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Programme)) == before


def test_an_admin_deletes_a_programme_and_its_courses_stay(client, admin, programme):
    response = client.post(f"/programmes/{SLUG}/delete")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(Programme).where(Programme.slug == SLUG)) is None
    assert "Upcoming Turin course" in page(client.get("/"))


ADMIN_PAGES = [
    ("GET", "/programmes/new"),
    ("POST", "/programmes/new"),
    ("GET", f"/programmes/{SLUG}/edit"),
    ("POST", f"/programmes/{SLUG}/edit"),
    ("POST", f"/programmes/{SLUG}/delete"),
]


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.ORGANISER])
@pytest.mark.parametrize(("method", "path"), ADMIN_PAGES)
def test_only_administrators_manage_programmes(client, programme, role, method, path):
    login(client, make_user(role))
    db.session.commit()
    response = client.open(path, method=method, data=form(slug=SLUG))
    assert response.status_code == 403
    db.session.expire_all()
    assert programme.title("en") == "Joint Global Programme on Mainstreaming Migration"


@pytest.mark.parametrize(("method", "path"), ADMIN_PAGES)
def test_visitors_are_sent_to_log_in(client, programme, method, path):
    response = client.open(path, method=method, data=form(slug=SLUG))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_walk_finds_every_programme_management_route(app):
    """A new route under /programmes/ is either public, a feed, or in ADMIN_PAGES."""
    public = {"programmes.index", "programmes.show", "feeds.programme"}
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/programmes")]
    managed = {
        (method, rule.rule.replace("<slug>", SLUG))
        for rule in rules
        if rule.endpoint not in public
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert managed == set(ADMIN_PAGES)
