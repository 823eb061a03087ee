"""The desk's search ignores case and accents, on SQLite and PostgreSQL alike: "ñúñez",
"SØRENSEN" and "sahin" find Ñúñez, Sørensen and Şahin (Ø and ş are letters NFKD leaves whole
or a database's own lower() does not know), and never their look-alikes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.accounts.models import Role
from app.extensions import db
from app.registration.exports import DeskFilters, desk_registrations
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user


@pytest.fixture
def organiser():
    return make_user(Role.ORGANISER, name="Olga Organiser")


@pytest.fixture
def course(organiser):
    return make_course(slug="governing-2017", organisers=(organiser,))


def person(course, name, email, organisation="City of Turin"):
    user = make_user(name=name, email=email)
    return make_registration(course, user, organisation=organisation)


@pytest.fixture
def people(course):
    person(course, "Marta Ñúñez", "m.nunez@example.org")
    person(course, "Marta Nunes", "marta.nunes@example.org")
    person(course, "Jonas Sørensen", "jonas@example.org", "City of Aarhus")
    person(course, "Jonas Sorenson", "j.sorenson@example.org")
    person(course, "Elif Şahin", "elif@example.org", "İstanbul Büyükşehir Belediyesi")
    person(course, "Elif Shahin", "e.shahin@example.org")
    person(course, "Ana Souza", "ana@example.org", "Straße der Migration e.V.")
    # The same name on another course: never on this one's desk.
    other = make_course(slug="mainstreaming-2017", organisers=())
    person(other, "Pablo Ñúñez", "pablo@example.org")


def names(course, search):
    return {r.certificate_name for r in desk_registrations(course, DeskFilters(search=search))}


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("ñúñez", {"Marta Ñúñez"}),
        ("NUNEZ", {"Marta Ñúñez"}),
        ("SØRENSEN", {"Jonas Sørensen"}),
        ("sorensen", {"Jonas Sørensen"}),
        ("sahin", {"Elif Şahin"}),
        ("ŞAHİN", {"Elif Şahin"}),
        ("  elif   ŞAHIN ", {"Elif Şahin"}),
        # The organisation and the email too.
        ("istanbul", {"Elif Şahin"}),
        ("strasse", {"Ana Souza"}),
        ("M.NUNEZ@", {"Marta Ñúñez"}),
        ("nunes", {"Marta Nunes"}),
    ],
)
def test_search_ignores_case_and_accents(course, people, search, found):
    assert names(course, search) == found


def test_search_finds_a_changed_name_and_not_the_old_one(course, people):
    registration = person(course, "Lena Vogel", "lena@example.org")
    registration.certificate_name = "Lena Brandt-Østergaard"
    registration.organisation = "Łódź City Hall"
    db.session.flush()
    db.session.expire_all()
    assert names(course, "brandt-ostergaard") == {"Lena Brandt-Østergaard"}
    assert names(course, "lodz") == {"Lena Brandt-Østergaard"}
    assert names(course, "vogel") == set()  # the old name is gone


def test_the_desk_page_searches_without_accents(client, organiser, people):
    db.session.commit()
    login(client, organiser)
    html = client.get("/courses/governing-2017/participants?q=S%C3%98RENSEN").get_data(as_text=True)
    table = html[html.index('class="desk-list"') : html.index('id="waiting-list"')]
    assert "Jonas Sørensen" in table
    assert "Jonas Sorenson" not in table and "Marta Ñúñez" not in table


def test_the_migration_fills_the_search_of_existing_registrations(tmp_path):
    """Registrations written before the column existed are found by the folded search."""
    url = f"sqlite:///{tmp_path / 'before.db'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="c17c928066f0")
        engine = app.extensions["sqlalchemy"].engine
        table = sa.Table("registration", sa.MetaData(), autoload_with=engine)
        row = {"id": 1, "certificate_name": "Jonas Sørensen", "email": "JONAS@example.org"}
        row["organisation"] = "Şanlıurfa Municipality"
        for column in table.columns:
            if column.name not in row and not column.nullable and column.server_default is None:
                row[column.name] = _filler(column)
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.execute(table.insert().values(**row))
        upgrade()
        with engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT search_text FROM registration")).scalar_one()
        engine.dispose()
    assert stored == "jonas sorensen\njonas@example.org\nsanlıurfa municipality".replace("ı", "i")


def _filler(column: sa.Column) -> object:
    from datetime import UTC, datetime

    if isinstance(column.type, sa.Integer):
        return 1
    if isinstance(column.type, sa.Boolean):
        return False
    if isinstance(column.type, sa.DateTime):
        return datetime(2017, 11, 1, tzinfo=UTC)
    return "confirmed" if column.name == "status" else "en"
