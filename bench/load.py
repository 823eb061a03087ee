"""Load benchmark: requests per second and p50/p99 latency of the running app (``make bench-load``).

For each database (a fresh SQLite file; PostgreSQL too when it answers on 127.0.0.1:5432, in a
database of its own, ``atelier_bench``, created and dropped here) and each size (``demo``:
``flask seed-demo``; ``large``: the demo plus ``flask bench-data`` at the issue's sizes, times
``--scale``), it migrates, seeds, starts gunicorn with several workers on 127.0.0.1 and sends
it requests from N concurrent clients for a fixed time per endpoint:

- the catalogue ``/`` and the page of the demo's upcoming course;
- that course's feed, in full (200) and conditionally (If-None-Match, 304);
- the personal feed (``/feeds/<token>.ics``) of the participant with the most registrations;
- registration: signed-in participants POST the full application (CSRF on, as in
  production) to courses with room for everyone, each request a new (person, course) pair.

The load generator is plain Python (threads, ``http.client`` keep-alive connections), so it
runs wherever the app does; it shares the machine's CPUs with the server, as the README says.
Besides requests per second and latencies, it reads (on Linux) the CPU time the server's
processes spent per request: gunicorn's, and PostgreSQL's backends for the database.
Rate limits are switched off for the server (``RATELIMIT_ENABLED=false``): one address sends
everything. Run ``python -m bench.load --help`` for the options.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import time as clock
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = "atelier_bench"
SECRET_KEY = "bench-load-secret-key-not-for-production-use-0123456789"
# The large size: 2,000 courses, 60,000 sessions, 100,000 registrations.
LARGE = {"courses": 2000, "sessions_per_course": 30, "registrations": 100_000}
# Registration: this many participants apply to each of this many courses (pairs to spend).
LOAD_USERS = 150
TARGETS = 20
LOAD_PASSWORD = "bench-load-password"
# The server closed a kept-alive connection before the request reached it.
STALE_CONNECTION = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
# gunicorn's default (2 s) closes connections that wait for a busy worker's thread.
KEEP_ALIVE_SECONDS = 10


# ---------------------------------------------------------------------------
# Results


@dataclass
class Result:
    database: str
    size: str
    endpoint: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list, repr=False)
    # What the errors were: an unexpected status or an exception's name, and how many.
    failures: Counter[str] = field(default_factory=Counter)
    # GETs sent again because the server had closed an idle kept-alive connection.
    resent: int = 0
    # Server CPU time per request (gunicorn; PostgreSQL's backends), when it can be read.
    app_cpu_ms: float | None = None
    db_cpu_ms: float | None = None
    note: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the latencies, in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(math.ceil(p / 100 * len(ordered)), 1)
        return ordered[min(rank, len(ordered)) - 1] * 1000

    def summary(self) -> str:
        cpu = f", app CPU {_ms(self.app_cpu_ms)} ms/req"
        if self.database == "postgresql":
            cpu += f", db CPU {_ms(self.db_cpu_ms)} ms/req"
        note = f"; {self.note.strip()}" if self.note else ""
        return (
            f"{self.rps:.1f}/s, p50 {self.percentile(50):.0f} ms{cpu}, "
            f"{self.describe_errors()}{note}"
        )

    def describe_errors(self) -> str:
        if not self.errors:
            return "no errors"
        kinds = ", ".join(f"{kind} x{n}" for kind, n in self.failures.most_common())
        return f"{self.errors} errors ({kinds})"

    def row(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "size": self.size,
            "endpoint": self.endpoint,
            "requests/s": round(self.rps, 1),
            "p50 ms": round(self.percentile(50), 1),
            "p99 ms": round(self.percentile(99), 1),
            "errors": self.errors,
            "app CPU ms/req": _ms(self.app_cpu_ms),
            "db CPU ms/req": _ms(self.db_cpu_ms if self.database == "postgresql" else None),
            "requests": self.requests,
        }


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


COLUMNS = [
    "database",
    "size",
    "endpoint",
    "requests/s",
    "p50 ms",
    "p99 ms",
    "errors",
    "app CPU ms/req",
    "db CPU ms/req",
]


def table(results: list[Result]) -> str:
    """A Markdown table (readable as plain text too)."""
    rows = [[str(r.row()[c]) for c in COLUMNS] for r in results]
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(COLUMNS)]
    numeric = set(COLUMNS[3:])

    def line(cells: list[str]) -> str:
        padded = [
            cell.rjust(w) if c in numeric else cell.ljust(w)
            for cell, w, c in zip(cells, widths, COLUMNS, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            "-" * (w + 1) + ":" if c in numeric else "-" * (w + 2)
            for w, c in zip(widths, COLUMNS, strict=True)
        )
        + "|"
    )
    return "\n".join([line(COLUMNS), rule, *(line(row) for row in rows)])


def machine() -> dict[str, str]:
    cpu = ""
    with suppress(OSError):
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    memory = ""
    with suppress(OSError):
        for text in Path("/proc/meminfo").read_text().splitlines():
            if text.startswith("MemTotal"):
                memory = f"{int(text.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu or platform.processor() or platform.machine(),
        "memory": memory,
        "os": platform.platform(),
        "load average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(),
        "postgresql": postgres_version() or "not reachable",
    }


# ---------------------------------------------------------------------------
# Databases


def postgres_answers() -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        try:
            sock.connect((HOST, 5432))
        except OSError:
            return False
    return postgres_version() is not None


def postgres_version() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else None
    except Exception:
        return None


def _pg_admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


@contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    """A fresh, empty database of ``kind``; its SQLAlchemy URL."""
    if kind == "sqlite":
        path = workdir / "atelier-bench.db"
        for leftover in workdir.glob("atelier-bench.db*"):
            leftover.unlink()
        yield f"sqlite:///{path}"
        return
    drop = f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"
    _retry(lambda: _pg_admin(drop, f"CREATE DATABASE {PG_DATABASE}"))
    admin = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{admin.replace('postgresql://', 'postgresql+psycopg://', 1)}/{PG_DATABASE}"
    finally:
        with suppress(Exception):
            _retry(lambda: _pg_admin(drop))


def _retry(action: Callable[[], Any], attempts: int = 5, wait: float = 3.0) -> Any:
    """Run ``action``, again after a pause if it fails (PostgreSQL may be restarting)."""
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except Exception as exc:
            if attempt == attempts:
                raise
            print(f"    (failed: {str(exc).splitlines()[0][:120]}; retrying)", flush=True)
            time.sleep(wait)
    return None


# ---------------------------------------------------------------------------
# Preparing a database


def environment(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET_KEY,
            # One address sends every request: the per-address limits would answer 429.
            "RATELIMIT_ENABLED": "false",
            "FLASK_APP": "wsgi",
        }
    )
    env.pop("FLASK_DEBUG", None)
    return env


def flask(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass
class Prepared:
    course_slug: str
    feed_token: str
    feed_registrations: int
    seconds: dict[str, float]


def prepare(size: str, scale: float, env: dict[str, str]) -> Prepared:
    """Migrate, seed (and add the large data set); the course and the feed to ask for."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    flask(["db", "upgrade"], env)
    seconds["migrate"] = time.perf_counter() - started
    started = time.perf_counter()
    out = flask(["seed-demo"], env)
    seconds["seed-demo"] = time.perf_counter() - started
    found = re.search(r"/courses/(\S+)", out)
    if not found:
        raise RuntimeError(f"seed-demo named no upcoming course:\n{out}")
    if size == "large":
        started = time.perf_counter()
        flask(
            [
                "bench-data",
                "--courses",
                str(max(int(LARGE["courses"] * scale), 1)),
                "--sessions-per-course",
                str(LARGE["sessions_per_course"]),
                "--registrations",
                str(max(int(LARGE["registrations"] * scale), 1)),
            ],
            env,
        )
        seconds["bench-data"] = time.perf_counter() - started
    token, registrations = in_app(env, make_feed_token)
    return Prepared(found.group(1), token, registrations, seconds)


def in_app(env: dict[str, str], action: Callable[[], Any]) -> Any:
    """Run ``action`` in an app context on the benchmark's database, then commit."""
    from app import create_app
    from app.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
            "SECRET_KEY": SECRET_KEY,
            "RATELIMIT_ENABLED": False,
            # The load users' passwords: cheap to check, so logging them in costs little.
            "PASSWORD_ARGON2": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
        }
    )
    with app.app_context():
        try:
            value = action()
            db.session.commit()
            return value
        finally:
            db.session.remove()
            db.engine.dispose()


def make_feed_token() -> tuple[str, int]:
    """A personal feed link for the participant with the most registrations."""
    import sqlalchemy as sa

    from app.accounts.models import User
    from app.extensions import db
    from app.feeds.models import FeedKind
    from app.feeds.services import create_feed_token
    from app.registration.models import Registration

    user_id, count = db.session.execute(
        sa.select(Registration.user_id, sa.func.count().label("n"))
        .group_by(Registration.user_id)
        .order_by(sa.desc("n"), Registration.user_id)
        .limit(1)
    ).one()
    user = db.session.get(User, user_id)
    assert user is not None
    _row, raw = create_feed_token(user, FeedKind.PERSONAL, "load benchmark")
    return raw, count


def make_registration_targets() -> list[str]:
    """Courses open for registration with room for everyone, and the participants who will
    apply to them. Made after the reading endpoints ran, so the catalogue did not list them."""
    from app.accounts.models import User
    from app.core.timeutil import local_date, local_to_utc
    from app.courses.models import Course, CourseStatus, CourseTranslation
    from app.db import now_utc
    from app.extensions import db
    from app.venues.services import seed_turin_venue

    venue = seed_turin_venue()
    now = now_utc()
    start = local_date(now, venue.timezone) + timedelta(days=90)
    slugs = []
    for n in range(TARGETS):
        slug = f"load-target-{n:02d}"
        db.session.add(
            Course(
                slug=slug,
                venue=venue,
                start_date=start,
                capacity=1_000_000,
                status=CourseStatus.PUBLISHED,
                registration_opens_at=now - timedelta(days=1),
                registration_closes_at=local_to_utc(
                    start - timedelta(days=7), clock(0), venue.timezone
                ),
                translations=[
                    CourseTranslation(
                        locale="en", title=f"Load target {n}", summary="For the benchmark."
                    )
                ],
            )
        )
        slugs.append(slug)
    first = User(email=load_email(0), name="Load User 0")
    first.set_password(LOAD_PASSWORD)
    db.session.add(first)
    for n in range(1, LOAD_USERS):
        db.session.add(
            User(email=load_email(n), name=f"Load User {n}", password_hash=first.password_hash)
        )
    return slugs


def count_registrations(slugs: list[str]) -> int:
    import sqlalchemy as sa

    from app.courses.models import Course
    from app.extensions import db
    from app.registration.models import Registration

    stmt = sa.select(sa.func.count()).select_from(Registration).join(Course)
    return db.session.scalar(stmt.where(Course.slug.in_(slugs))) or 0


def load_email(n: int) -> str:
    return f"load-{n:04d}@example.org"


# ---------------------------------------------------------------------------
# The server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(
    env: dict[str, str], workdir: Path, workers: int, threads: int
) -> Iterator[tuple[int, int]]:
    """A gunicorn serving the app on a free port: (the port, its master's process id)."""
    port = free_port()
    log = workdir / "gunicorn.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"{HOST}:{port}",
        "--timeout",
        "60",
        "--keep-alive",
        str(KEEP_ALIVE_SECONDS),
        "wsgi:app",
    ]
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn stopped:\n{log.read_text()[-3000:]}")
            with suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
                conn.request("GET", "/")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield port, server.pid
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


class CpuMeter:
    """CPU seconds used so far by gunicorn (its master and workers) and by the PostgreSQL
    backends serving the benchmark's database, read from Linux's /proc. Unlike requests per
    second, CPU time per request hardly moves when other programs share the machine."""

    TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __init__(self, server_pid: int, *, postgres: bool) -> None:
        self.server_pid = server_pid
        self.postgres = postgres
        self.works = Path("/proc/self/stat").exists()

    def __call__(self) -> CpuReading | None:
        if not self.works:
            return None
        app = db = 0
        pids: set[int] = set()
        marker = f" {PG_DATABASE} ".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                ticks = int(fields[11]) + int(fields[12])  # utime + stime
                if int(entry.name) == self.server_pid or int(fields[1]) == self.server_pid:
                    app += ticks
                    pids.add(int(entry.name))
                elif self.postgres and marker in (entry / "cmdline").read_bytes():
                    db += ticks
                    pids.add(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile, or not ours to read
        return CpuReading(app / self.TICK, db / self.TICK, frozenset(pids))


@dataclass(frozen=True)
class CpuReading:
    app: float
    db: float
    # A process that ends takes its CPU time with it: the figures of two readings only
    # compare when the same processes were there both times.
    pids: frozenset[int]


# ---------------------------------------------------------------------------
# Clients


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    expect: tuple[int, ...] = (200,)


def hammer(
    port: int,
    next_request: Callable[[], Request | None],
    *,
    clients: int,
    duration: float,
    warmup: int,
    result: Result,
    meter: Callable[[], CpuReading | None] = lambda: None,
) -> Result:
    """``clients`` threads, each with its own keep-alive connection, send ``next_request()``
    for ``duration`` seconds (or until the requests run out). Each first sends ``warmup``
    requests that are not counted; then the clock starts for all of them together."""
    lock = threading.Lock()
    deadline = [0.0]
    began = [0.0]

    cpu: list[CpuReading | None] = []

    def start_clock() -> None:
        cpu.append(meter())
        began[0] = time.perf_counter()
        deadline[0] = began[0] + duration

    ready = threading.Barrier(clients, action=start_clock)

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)

        def send(request: Request) -> str | None:
            """None when the answer is the expected one, else what went wrong. A GET on a
            kept-alive connection that the server had closed meanwhile is sent again on a new
            one, as browsers and HTTP libraries do."""
            nonlocal conn
            for attempt in (1, 2):
                try:
                    response, _body = fetch(conn, request)
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=60)
                    stale = isinstance(exc, STALE_CONNECTION) and request.method == "GET"
                    if stale and attempt == 1:
                        with lock:
                            result.resent += 1
                        continue
                    return type(exc).__name__
                return None if response.status in request.expect else str(response.status)
            return None  # not reached

        for _ in range(warmup):
            request = next_request()
            if request is not None:
                send(request)
        ready.wait()
        latencies: list[float] = []
        failures: Counter[str] = Counter()
        done = 0
        while time.perf_counter() < deadline[0]:
            request = next_request()
            if request is None:
                break
            sent_at = time.perf_counter()
            failure = send(request)
            latencies.append(time.perf_counter() - sent_at)
            if failure is None:
                done += 1
            else:
                failures[failure] += 1
        conn.close()
        with lock:
            result.latencies.extend(latencies)
            result.requests += done
            result.errors += failures.total()
            result.failures.update(failures)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - began[0]
    cpu.append(meter())
    sent = result.requests + result.errors
    first, last = cpu
    if first is not None and last is not None and sent:
        if first.pids == last.pids:
            result.app_cpu_ms = (last.app - first.app) / sent * 1000
            result.db_cpu_ms = (last.db - first.db) / sent * 1000
        else:
            result.note += (
                f" CPU not measured: {len(first.pids - last.pids)} server processes ended"
                f" and {len(last.pids - first.pids)} started during the run"
            )
    return result


def fetch(conn: http.client.HTTPConnection, request: Request) -> tuple[Any, bytes]:
    conn.request(request.method, request.path, request.body, request.headers)
    response = conn.getresponse()
    return response, response.read()


class Browser:
    """One signed-in participant: cookies and the CSRF token of their session."""

    def __init__(self, port: int, number: int) -> None:
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)
        self.number = number
        self.email = load_email(number)
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def _cookie(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def send(self, method: str, path: str, form: dict[str, str] | None = None) -> int:
        headers = {"Cookie": self._cookie()}
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        response, page = fetch(self.conn, Request(method, path, headers, body))
        for header in response.msg.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        if found:
            self.csrf = found.group(1).decode()
        return int(response.status)

    def log_in(self, first_form: str) -> None:
        self.send("GET", "/login")
        form = {"email": self.email, "password": LOAD_PASSWORD, "csrf_token": self.csrf}
        status = self.send("POST", "/login", form)
        if status != 302:
            raise RuntimeError(f"log-in of {self.email} answered {status}")
        # Read the application form once: it shows (and so clears) the log-in message.
        status = self.send("GET", first_form)
        if status != 200:
            raise RuntimeError(f"{first_form} answered {status}")
        self.conn.close()

    def application(self, slug: str) -> Request:
        form = {
            "csrf_token": self.csrf,
            "certificate_name": f"Load User {self.number}",
            "email": self.email,
            "country": "BR",
            "nationality": "BR",
            "organisation": "Municipality of Belo Horizonte",
            "organisation_type": "local_government",
            "job_title": "Migration officer",
            "gender": "",
            "language": "en",
            "motivation": "My city is preparing a local strategy on migration.",
            "funding": "employer",
            "consent_data": "y",
            "consent_listing": "y",
            "diet": "",
            "accessibility": "",
        }
        headers = {
            "Cookie": self._cookie(),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        body = urlencode(form).encode()
        return Request("POST", f"/courses/{slug}/register", headers, body, (302,))


def log_in_everyone(port: int, targets: list[str], clients: int) -> list[Browser]:
    browsers: list[Browser] = []
    numbers = iter(range(LOAD_USERS))
    lock = threading.Lock()
    failures: list[str] = []

    def work() -> None:
        while True:
            with lock:
                n = next(numbers, None)
            if n is None:
                return
            browser = Browser(port, n)
            try:
                browser.log_in(f"/courses/{targets[0]}/register")
            except (OSError, http.client.HTTPException, RuntimeError) as exc:
                with lock:
                    failures.append(str(exc))
                continue
            with lock:
                browsers.append(browser)

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        print(f"    {len(failures)} log-ins failed, e.g. {failures[0]}", flush=True)
    return sorted(browsers, key=lambda b: b.number)


def repeat(request: Request) -> Callable[[], Request]:
    return lambda: request


def applications(browsers: list[Browser], targets: list[str]) -> Callable[[], Request | None]:
    """A new (participant, course) pair at each call; None when all are spent. Consecutive
    calls go to different courses, as when many courses are open at once."""
    pairs = itertools.product(browsers, targets)
    lock = threading.Lock()

    def next_request() -> Request | None:
        with lock:
            pair = next(pairs, None)
        if pair is None:
            return None
        browser, slug = pair
        return browser.application(slug)

    return next_request


# ---------------------------------------------------------------------------
# One database at one size


def run_one(
    kind: str, size: str, args: argparse.Namespace, workdir: Path
) -> tuple[list[Result], dict[str, Any]]:
    print(f"== {kind}, {size} size (load average {os.getloadavg()[0]:.2f})", flush=True)
    attempts = 3
    for attempt in range(1, attempts + 1):
        with database(kind, workdir) as url:
            env = environment(url)
            try:
                prepared = prepare(size, args.scale, env)
            except Exception as exc:
                # PostgreSQL may have restarted under us: start again from an empty database.
                if attempt == attempts:
                    raise
                print(f"    (preparing failed: {str(exc)[-300:]}; again)", flush=True)
                continue
            for step, took in prepared.seconds.items():
                print(f"    {step}: {took:.1f} s", flush=True)
            results = measure(kind, size, args, env, workdir, prepared)
            info = {
                "prepare_seconds": prepared.seconds,
                "course": prepared.course_slug,
                "personal_feed_registrations": prepared.feed_registrations,
            }
            return results, info
    raise AssertionError("unreachable")


def measure(
    kind: str,
    size: str,
    args: argparse.Namespace,
    env: dict[str, str],
    workdir: Path,
    prepared: Prepared,
) -> list[Result]:
    results: list[Result] = []
    with gunicorn(env, workdir, args.workers, args.threads) as (port, pid):
        meter = CpuMeter(pid, postgres=kind == "postgresql")
        course = f"/courses/{prepared.course_slug}"
        feed = f"{course}/calendar.ics"
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        response, _body = fetch(conn, Request("GET", feed))
        etag = response.getheader("ETag") or ""
        conn.close()
        reads = [
            ("catalogue /", Request("GET", "/")),
            ("course page", Request("GET", course)),
            ("course feed 200", Request("GET", feed)),
            ("course feed 304", Request("GET", feed, {"If-None-Match": etag}, None, (304,))),
            ("personal feed", Request("GET", f"/feeds/{prepared.feed_token}.ics")),
        ]
        for name, request in reads:
            result = hammer(
                port,
                repeat(request),
                clients=args.clients,
                duration=args.duration,
                warmup=args.warmup,
                result=Result(kind, size, name),
                meter=meter,
            )
            results.append(result)
            print(f"    {name}: {result.summary()}", flush=True)
        targets = in_app(env, make_registration_targets)
        browsers = log_in_everyone(port, targets, args.clients)
        result = hammer(
            port,
            applications(browsers, targets),
            clients=args.clients,
            duration=args.duration,
            warmup=0,
            result=Result(kind, size, "registration POST"),
            meter=meter,
        )
        if result.requests + result.errors >= len(browsers) * len(targets):
            result.note += " stopped early: every (participant, course) pair was used"
        stored = in_app(env, lambda: count_registrations(targets))
        if stored != result.requests:
            result.note += f" {result.requests} answered 302 but {stored} registrations stored"
        results.append(result)
        print(f"    registration POST: {result.summary()}", flush=True)
        if any(r.errors or "CPU not measured" in r.note for r in results):
            show_server_errors(workdir / "gunicorn.log")
    return results


LOG_LEVELS = ("ERROR", "CRITICAL", "WARNING")


def show_server_errors(log: Path, most: int = 5) -> None:
    """The server's own account of the errors and of workers it replaced: its distinct
    ERROR, CRITICAL and WARNING lines."""
    seen: list[str] = []
    for text in log.read_text(errors="replace").splitlines():
        message = text.split("] ", 3)[-1]
        serious = any(f"[{level}]" in text or f" {level}" in text for level in LOG_LEVELS)
        if serious and message not in seen:
            seen.append(message)
    for message in seen[:most]:
        print(f"    server: {message[:300]}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--databases", default="sqlite,postgresql", help="sqlite, postgresql or both"
    )
    parser.add_argument("--sizes", default="demo,large", help="demo, large or both")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="of the large size (0.1: 200 courses…)"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--warmup", type=int, default=3, help="uncounted requests per client")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    # One thread, as the README's deployment runs it: on CPython 3.11.7, gthread workers with
    # two threads segfaulted under this load (see bench/README.md).
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)

    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    if "postgresql" in kinds and not postgres_answers():
        print("PostgreSQL does not answer on 127.0.0.1:5432: SQLite only.", flush=True)
        kinds.remove("postgresql")
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    about = machine()
    print(
        f"Machine: {about['cpus']} CPUs ({about['cpu']}), {about['memory']} RAM, "
        f"Python {about['python']}, PostgreSQL {about['postgresql']}; "
        f"load average {about['load average']}",
        flush=True,
    )
    print(
        f"gunicorn: {args.workers} workers x {args.threads} threads; {args.clients} clients, "
        f"{args.duration:g} s per endpoint; large size x {args.scale:g}",
        flush=True,
    )
    results: list[Result] = []
    details: dict[str, Any] = {}
    workdir = Path(tempfile.mkdtemp(prefix="atelier-bench-"))
    try:
        for kind, size in itertools.product(kinds, sizes):
            found, info = run_one(kind, size, args, workdir)
            results.extend(found)
            details[f"{kind}/{size}"] = info
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(table(results))
    for r in results:
        for remark in (r.describe_errors() if r.errors else "", r.note):
            if remark:
                print(f"  {r.database}, {r.size}, {r.endpoint}: {remark}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": about,
                    "settings": {k: str(v) for k, v in vars(args).items()},
                    "details": details,
                    "results": [
                        r.row() | {"failures": dict(r.failures), "resent": r.resent, "note": r.note}
                        for r in results
                    ],
                },
                indent=2,
            )
        )
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
