import sqlalchemy as sa
from flask import Flask

from app import create_app


def test_healthz_answers_ok_when_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_database_is_down(tmp_path):
    # A database URL whose folder does not exist: SQLite cannot open it.
    broken: Flask = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite",
        }
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unavailable"


def test_migrations_match_models(app, db):
    """The schema the migrations built is the schema the models describe."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []
    assert sa.inspect(db.engine).has_table("alembic_version")
