"""End-to-end fixtures: the running app, served by gunicorn on a real port, in Debian's Chromium.

Once per test run, ``live_server`` makes a fresh database (an SQLite file in a temporary
folder, or with ``TEST_DATABASE_URL`` a PostgreSQL database of its own on that server, named
after the test database with ``_e2e``), migrates it and seeds the demo data with the ``flask``
commands, starts ``gunicorn -w 2`` on a free port of 127.0.0.1 and waits for ``/healthz``. Mail
stays in the outbox table (no ``MAIL_SERVER``). The tests set up and check data in that same
database through their own engine (``database``), never through the Flask test app.

Playwright's own browser downloads cannot be had here, so the tests launch the system's
Chromium (``CHROMIUM`` overrides the path). Without one they are skipped, except in CI, where a
missing browser is a failure: CI must not go green by testing less. A failing test leaves a
screenshot of each of its pages in ``test-artifacts/``.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.e2e import a11y
from tests.e2e.a11y import AccessibilityChecker

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
STARTUP_TIMEOUT = 30  # seconds for gunicorn to answer /healthz
# gunicorn's output (access and error log), shown with a failing test.
SERVER_LOG: list[Path] = []
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


def _no_browser(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: install Debian's chromium package (see .ci/run)")
    pytest.skip(f"{reason} (apt-get install chromium)")


# The database ---------------------------------------------------------------------------------


class Database:
    """The running app's database, seen from the tests: short transactions only, so that the
    app (another process) is never kept waiting for a lock the tests hold."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = sa.create_engine(url, pool_pre_ping=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose changes are committed on leaving the block; objects stay usable
        (detached, their loaded attributes kept) after it."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session


def _retry(action: Callable[[], Any], attempts: int = 10) -> Any:
    """Run ``action``, retrying while the PostgreSQL server does not answer (it may be
    restarting)."""
    import psycopg

    for attempt in range(attempts):
        try:
            return action()
        except psycopg.OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(1)
    return None


@contextmanager
def _postgresql_database(test_url: str) -> Iterator[str]:
    """A fresh database on the server of ``test_url``, dropped afterwards."""
    import psycopg
    from psycopg import sql

    url = sa.engine.make_url(test_url)
    name = f"{url.database or 'atelier'}_e2e"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)

    def run(statement: sql.Composable) -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(statement)

    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    _retry(lambda: run(drop))
    _retry(lambda: run(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        _retry(lambda: run(drop))


def _flask(*args: str, env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


# The server -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env(database_url: str, site_url: str, folder: Path) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        # Nothing of the developer's own set-up: no mail server, no production switches.
        if not name.startswith(("MAIL_", "SESSION_COOKIE_", "RATELIMIT_", "FLASK_"))
        and name not in {"DATABASE_URL", "SITE_URL", "SECRET_KEY", "PRODUCTION", "ATELIER_ENV"}
    }
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=secrets.token_hex(32),
        SITE_URL=site_url,
        MAIL_EML_DIR=str(folder / "mail"),
        # The journeys log in and register many times from one address in a few minutes.
        RATELIMIT_ENABLED="0",
        PYTHONUNBUFFERED="1",
    )
    return env


def _without_control_socket() -> list[str]:
    """Recent gunicorns listen on a control socket at one path in ~/.gunicorn, shared by every
    server the user runs: this one needs none, and must not take another's."""
    from gunicorn.config import Config

    return ["--no-control-socket"] if "control_socket_disable" in Config().settings else []


def _wait_until_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {url}/healthz in time:\n{log.read_text()}")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    test_url = os.environ.get("TEST_DATABASE_URL")
    if test_url and test_url.startswith("postgresql"):
        with _postgresql_database(test_url) as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('e2e-db') / 'atelier.db'}"


@pytest.fixture(scope="session")
def database(database_url: str) -> Iterator[Database]:
    found = Database(database_url)
    yield found
    found.engine.dispose()


@pytest.fixture(scope="session")
def live_server(
    database_url: str, database: Database, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL of the app served by gunicorn on a fresh, migrated database with the
    demo data."""
    folder = tmp_path_factory.mktemp("e2e-server")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = _server_env(database_url, base_url, folder)
    _flask("db", "upgrade", env=env)
    _flask("seed-demo", env=env)

    log = folder / "gunicorn.log"
    SERVER_LOG.append(log)
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--graceful-timeout",
                "5",
                "--access-logfile",
                "-",
                *_without_control_socket(),
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(base_url, server, log)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        database.engine.dispose()


@pytest.fixture(autouse=True)
def db() -> None:
    """Replaces the suite's per-test Flask app context and table wipe: these tests never use
    the Flask test app, and the running app's data outlive each test (every test makes its own
    people and courses)."""
    return None


# The browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        _no_browser("no Chromium on this machine")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("Playwright for Python is not installed")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(
    browser: Any, live_server: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Any]]:
    """Open a page in a new browser context (its own cookies: one person), e.g.
    ``new_page(timezone_id="Asia/Tokyo")``. Each page is screenshotted if the test fails, and
    every page it loads must have passed the accessibility check (see tests/e2e/a11y.py)."""
    contexts: list[Any] = []
    checkers: list[AccessibilityChecker] = []
    request.node.e2e_pages = []

    def open_page(**options: Any) -> Any:
        options = {"locale": "en-GB", **options}
        context = browser.new_context(base_url=live_server, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        checkers.append(AccessibilityChecker(page))
        request.node.e2e_pages.append(page)
        return page

    yield open_page
    failed = getattr(request.node, "e2e_failed", False)
    unchecked = [url for checker in checkers for url in checker.unchecked()]
    for checker in checkers:
        checker.close()
    for context in contexts:
        context.close()
    if not failed:
        assert unchecked == [], f"pages loaded without an accessibility check: {unchecked}"


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    return new_page()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not a11y.CHECKED:
        return
    terminalreporter.write_sep("-", "accessibility (axe-core, WCAG 2.1 A and AA)")
    terminalreporter.write_line(
        f"{len(a11y.CHECKED)} pages checked; serious or critical violations fail the test"
    )
    for url, rule, impact, help_text in sorted(set(a11y.NOTED)):
        terminalreporter.write_line(f"  {impact}: {rule} ({help_text}) on {url}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed and report.when == "call":
        item.e2e_failed = True  # type: ignore[attr-defined]
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid.split("::", 1)[-1])
        for n, page in enumerate(getattr(item, "e2e_pages", [])):
            if page.is_closed():
                continue
            ARTIFACTS.mkdir(exist_ok=True)
            target = ARTIFACTS / f"{name}-{n}.png"
            try:
                page.screenshot(path=str(target), full_page=True)
            except Exception as error:  # the page may be what broke
                report.sections.append(("screenshot", f"no screenshot of page {n}: {error}"))
            else:
                report.sections.append(("screenshot", f"{target.relative_to(ROOT)} ({page.url})"))
        if SERVER_LOG and SERVER_LOG[-1].exists():
            tail = SERVER_LOG[-1].read_text(errors="replace").splitlines()[-40:]
            report.sections.append(("gunicorn (last lines)", "\n".join(tail)))
    return report
