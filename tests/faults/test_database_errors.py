"""A database that stops answering in the middle of a request: the request is answered 503
("try again") with its transaction rolled back, the next one goes through, and new connections
wait a moment for a server that is restarting. Runs on any engine (the failure is simulated;
``test_postgres_restart`` does it for real)."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
import sqlalchemy as sa

from app.db import retry_connect
from app.extensions import db, login_manager
from app.registration import routes as registration_routes
from app.registration import services
from app.registration.models import Registration
from tests.conftest import login, session_key
from tests.factories import make_user
from tests.mail.conftest import free_port
from tests.registration.conftest import open_course
from tests.registration.test_apply_routes import form_data


def connection_lost(*_args: object, **_kwargs: object) -> None:
    raise sa.exc.OperationalError(
        "SELECT 1", {}, Exception("server closed the connection unexpectedly")
    )


@pytest.fixture
def applicant(client):
    course = open_course(capacity=10)
    user = make_user()
    db.session.commit()
    login(client, user)
    return course, user


def test_a_lost_connection_answers_503_and_keeps_nothing_half_written(
    client, applicant, monkeypatch
):
    course, user = applicant
    # The registration is flushed, then the connection goes while its mail is queued.
    monkeypatch.setattr(services, "_notify", connection_lost)

    response = client.post(f"/courses/{course.slug}/register", data=form_data(email=user.email))

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Try again in a moment" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(sa.select(Registration)).all() == []

    # The next request, in the same app, goes through.
    monkeypatch.undo()
    response = client.post(f"/courses/{course.slug}/register", data=form_data(email=user.email))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1


def test_the_503_page_does_not_go_back_to_the_database(client, applicant, monkeypatch):
    """When even loading the signed-in user fails, the page is shown as to a visitor instead
    of asking the database again (which would turn it into a 500)."""
    calls = []

    def load_user(user_id: str) -> None:
        calls.append(user_id)
        connection_lost()

    monkeypatch.setattr(login_manager, "_user_callback", load_user)

    response = client.get("/")

    assert response.status_code == 503
    assert "Try again in a moment" in response.get_data(as_text=True)
    assert len(calls) == 1


def test_the_503_answer_is_json_for_clients_that_ask(client, applicant, monkeypatch):
    course, _ = applicant
    monkeypatch.setattr(services, "seats_left", connection_lost)

    response = client.get(
        f"/courses/{course.slug}/register", headers={"Accept": "application/json"}
    )

    assert response.status_code == 503
    assert response.json["error"] == "Try again in a moment"


def _terminate_own_connection() -> None:
    """What a restart does to a connection: the server ends it (pg_terminate_backend is the
    same signal a fast shutdown sends), here from a second connection."""
    pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    with db.engine.connect() as other:
        other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for _ in range(100):
            gone = other.execute(
                sa.text("SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            ).scalar_one()
            other.rollback()
            if gone:
                return
            time.sleep(0.01)
    raise AssertionError("the connection was not terminated")


def _get_as_in_production(app, path: str, user_id: str) -> int | str:
    """A request in its own app context, as a server runs it (the test client would reuse the
    test's context and session): returns its status, or the exception that escaped it."""
    outcome: list[int | str] = []

    def visit() -> None:
        client = app.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"] = user_id  # a session key: tests.conftest.session_key
            sess["_fresh"] = True
        try:
            outcome.append(client.get(path).status_code)
        except Exception as exc:  # returned to the test
            outcome.append(f"{type(exc).__name__}: {exc}")

    thread = threading.Thread(target=visit)
    thread.start()
    thread.join(timeout=30)
    return outcome[0]


def test_a_connection_ended_by_the_server_after_the_page_was_ready_is_no_500(
    app, applicant, monkeypatch
):
    """The page is rendered, then the server ends the connection before the request's
    transaction is closed: the page is still served, and the next request reconnects."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL to end a connection from the server's side")
    course, user = applicant
    path = f"/courses/{course.slug}/register"
    real_render = registration_routes.render_template

    def render_then_lose_the_connection(*args: object, **kwargs: object) -> str:
        page = real_render(*args, **kwargs)
        _terminate_own_connection()
        return page

    monkeypatch.setattr(registration_routes, "render_template", render_then_lose_the_connection)
    assert _get_as_in_production(app, path, session_key(user)) == 200

    monkeypatch.undo()
    assert _get_as_in_production(app, path, session_key(user)) == 200


def test_a_new_connection_waits_for_a_server_that_is_not_there_yet(monkeypatch):
    engine = sa.create_engine(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")
    delays = (0.05, 0.1)
    retry_connect(engine, delays)
    attempts = []
    real_connect = psycopg.connect

    def counting_connect(*args: object, **kwargs: object) -> object:
        attempts.append(time.monotonic())
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(psycopg, "connect", counting_connect)
    started = time.monotonic()
    with pytest.raises(sa.exc.OperationalError), engine.connect():
        pass
    engine.dispose()

    assert len(attempts) == len(delays) + 1
    assert time.monotonic() - started >= sum(delays)


def test_sqlite_connections_are_not_retried():
    engine = sa.create_engine("sqlite://")
    retry_connect(engine)
    assert not engine.dialect.dispatch.do_connect
    engine.dispose()
