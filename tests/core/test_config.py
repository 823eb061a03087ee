"""Configuration: the environment over instance/config.py over the defaults."""

import pytest

from app import create_app
from app.config import normalise_database_url


@pytest.fixture
def instance(tmp_path, monkeypatch):
    """An app built in a throw-away instance folder, from a clean environment."""
    for name in ("SECRET_KEY", "DATABASE_URL", "MAIL_SERVER", "MAIL_PORT", "SITE_URL"):
        monkeypatch.delenv(name, raising=False)

    def build(**env):
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        import flask

        monkeypatch.setattr(flask.Flask, "auto_find_instance_path", lambda self: str(tmp_path))
        return create_app()

    return build, tmp_path


def test_secret_key_is_generated_once_and_kept(instance):
    build, folder = instance
    first = build().config["SECRET_KEY"]
    assert len(first) >= 32
    assert (folder / "secret_key").read_text() == first
    assert oct((folder / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert build().config["SECRET_KEY"] == first


def test_environment_wins_over_instance_config(instance):
    build, folder = instance
    (folder / "config.py").write_text(
        "MAIL_SERVER = 'smtp.from-file.example.org'\nMAIL_PORT = 2525\n"
    )
    app = build(MAIL_SERVER="smtp.from-env.example.org", SECRET_KEY="from-env")
    assert app.config["MAIL_SERVER"] == "smtp.from-env.example.org"
    assert app.config["MAIL_PORT"] == 2525
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{folder / 'atelier.db'}"


def test_database_url_from_environment_uses_psycopg(instance):
    build, _ = instance
    app = build(DATABASE_URL="postgres://u@db.example.org/atelier")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example.org/atelier"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"
