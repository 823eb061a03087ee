"""Migrations build the schema from empty and take it down again (on a fresh SQLite file;
the session database, SQLite or PostgreSQL, is itself built by them in conftest)."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app


def test_upgrade_downgrade_upgrade_from_empty(tmp_path):
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        engine = app.extensions["sqlalchemy"].engine
        assert "course_session" in sa.inspect(engine).get_table_names()
        downgrade(revision="base")
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "course_session" in sa.inspect(engine).get_table_names()
        engine.dispose()
