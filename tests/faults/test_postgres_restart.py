"""PostgreSQL restarted in the middle of a registration run.

Workers (threads, each with its own app context, session and connection) keep applying for
distinct people to one course while ``pg_ctlcluster <version> <cluster> restart`` runs. A worker
whose application fails because the database went away retries it, as a person pressing the
button again would. The app itself is never restarted: afterwards it must answer again, no
confirmed registration may be lost or doubled, and capacity must hold.

Runs only against PostgreSQL (``TEST_DATABASE_URL``) on this machine, as root, where
``pg_ctlcluster`` can restart the cluster serving that URL; skipped otherwise. It restarts the
whole cluster, so other test runs on the same server see the restart too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from flask import Flask

from app.accounts.models import User
from app.courses.models import Course
from app.extensions import db
from app.mail.models import OutboxMessage
from app.registration import services
from app.registration.models import Registration, RegistrationStatus
from tests.conftest import login, session_key
from tests.factories import application_data, make_user
from tests.registration.conftest import open_course
from tests.registration.test_apply_routes import form_data

CAPACITY = 25
APPLICANTS = 40
WORKERS = 4
# Each worker pauses between two applications, so the run lasts across the restart.
PAUSE = 0.25
# Applications committed before the restart is started.
RESTART_AFTER = 8
# A worker gives up on an application it could not get through in this long.
RETRY_FOR = 60.0
RETRY_PAUSE = 0.1
DB_DOWN = (sa.exc.OperationalError, sa.exc.DisconnectionError)

LOCAL_HOSTS = {None, "", "localhost", "127.0.0.1", "::1"}


def _cluster() -> tuple[str, str]:
    """The (version, name) of the local cluster serving TEST_DATABASE_URL, or skip."""
    raw = os.environ.get("TEST_DATABASE_URL", "")
    if not raw.startswith("postgresql"):
        pytest.skip("needs TEST_DATABASE_URL pointing at PostgreSQL")
    if shutil.which("pg_ctlcluster") is None or shutil.which("pg_lsclusters") is None:
        pytest.skip("needs pg_ctlcluster (Debian's postgresql-common) to restart PostgreSQL")
    if os.geteuid() != 0:
        pytest.skip("needs root to restart PostgreSQL with pg_ctlcluster")
    url = sa.engine.make_url(raw)
    if url.host not in LOCAL_HOSTS:
        pytest.skip(f"PostgreSQL at {url.host} is not on this machine")
    port = str(url.port or 5432)
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
    ).stdout
    for line in listing.splitlines():
        version, name, cluster_port, status, *_ = line.split()
        if cluster_port == port and status.startswith("online"):
            return version, name
    pytest.skip(f"no online cluster on port {port} in pg_lsclusters")


@dataclass
class Run:
    """What the workers and the probes saw, with the time of each event."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    committed: int = 0
    # user id -> status the worker was told, after its application was committed
    outcomes: dict[int, str] = field(default_factory=dict)
    # (time, user id, error) for each application attempt that failed with the database down
    failures: list[tuple[float, int, str]] = field(default_factory=list)
    # user ids whose retry found the application already stored (its commit had gone through)
    found_on_retry: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # seconds each application took, retries included, and when each was committed
    durations: list[float] = field(default_factory=list)
    committed_at: list[float] = field(default_factory=list)
    # (time, path, status, body, seconds taken) of each probe request
    probes: list[tuple[float, str, int, str, float]] = field(default_factory=list)
    stop_probes: threading.Event = field(default_factory=threading.Event)


def _apply_until_through(app: Flask, course_id: int, user_id: int, run: Run) -> None:
    """One person's application, retried while the database is away."""
    started = time.monotonic()
    deadline = started + RETRY_FOR
    attempt = 0
    while True:
        attempt += 1
        with app.app_context():
            try:
                course = db.session.get(Course, course_id)
                user = db.session.get(User, user_id)
                registration = services.apply(course, user, application_data(email=user.email))
                status = registration.status.value
                db.session.commit()
            except services.AlreadyRegistered as exc:
                # Only on a retry: the earlier attempt's commit reached the database.
                status = exc.existing.status.value
                db.session.rollback()
                with run.lock:
                    if attempt == 1:
                        run.errors.append(f"user {user_id}: already registered on first try")
                    run.found_on_retry.append(user_id)
            except DB_DOWN as exc:
                db.session.rollback()
                with run.lock:
                    run.failures.append((time.monotonic(), user_id, type(exc.orig or exc).__name__))
                if time.monotonic() > deadline:
                    with run.lock:
                        run.errors.append(f"user {user_id}: gave up after {attempt} attempts")
                    return
                time.sleep(RETRY_PAUSE)
                continue
            finally:
                db.session.remove()
        with run.lock:
            run.outcomes[user_id] = status
            run.committed += 1
            run.durations.append(time.monotonic() - started)
            run.committed_at.append(time.monotonic())
        return


def _worker(app: Flask, course_id: int, user_ids: list[int], run: Run) -> None:
    try:
        for user_id in user_ids:
            _apply_until_through(app, course_id, user_id, run)
            time.sleep(PAUSE)
    except Exception as exc:  # recorded and asserted on below
        with run.lock:
            run.errors.append(f"worker: {type(exc).__name__}: {exc}")


def _probe(app: Flask, path: str, user_id: str | None, run: Run) -> None:
    """A visitor reloading a page through the whole run, through the real routes."""
    client = app.test_client()
    if user_id is not None:
        with client.session_transaction() as sess:
            sess["_user_id"] = user_id  # a session key: tests.conftest.session_key
            sess["_fresh"] = True
    try:
        while not run.stop_probes.is_set():
            started = time.monotonic()
            response = client.get(path)
            status, body = response.status_code, response.get_data(as_text=True)
            with run.lock:
                run.probes.append((started, path, status, body, time.monotonic() - started))
            time.sleep(0.05)
    except Exception as exc:  # recorded and asserted on below
        with run.lock:
            run.errors.append(f"probe {path}: {type(exc).__name__}: {exc}")


def test_registrations_survive_a_postgres_restart(app, client):
    version, cluster = _cluster()
    # Dead pooled connections are found and replaced on checkout.
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    course = open_course(capacity=CAPACITY)
    users = [make_user() for _ in range(APPLICANTS)]
    visitor = make_user()
    latecomer = make_user()
    course_id, slug = course.id, course.slug
    user_ids = [u.id for u in users]
    visitor_id, latecomer_id = session_key(visitor), latecomer.id
    # Committed and nothing read afterwards: this session holds no connection over the restart.
    db.session.commit()

    run = Run()
    workers = [
        threading.Thread(
            target=_worker, args=(app, course_id, user_ids[i::WORKERS], run), daemon=True
        )
        for i in range(WORKERS)
    ]
    probes = [
        threading.Thread(target=_probe, args=(app, path, user_id, run), daemon=True)
        for path, user_id in ((f"/courses/{slug}", None), (f"/courses/{slug}/register", visitor_id))
    ]
    for thread in workers + probes:
        thread.start()

    try:
        deadline = time.monotonic() + 30
        while run.committed < RESTART_AFTER and time.monotonic() < deadline:
            time.sleep(0.01)
        committed_before = run.committed
        restart_started = time.monotonic()
        subprocess.run(
            ["pg_ctlcluster", version, cluster, "restart"],
            check=True,
            timeout=120,
            capture_output=True,
        )
        restart_done = time.monotonic()
        committed_during = run.committed - committed_before
        for thread in workers:
            thread.join(timeout=RETRY_FOR * 2)
        # Let the probes see the app well after the restart too.
        time.sleep(max(0.0, restart_done + 2 - time.monotonic()))
    finally:
        run.stop_probes.set()
        for thread in workers + probes:
            thread.join(timeout=RETRY_FOR * 2)
    assert not any(t.is_alive() for t in workers + probes), "a worker or probe hung"

    # What was seen, for the record (pytest -rP shows it).
    failed_at = [t for t, _, _ in run.failures]
    unavailable = [t for t, _, status, _, _ in run.probes if status == 503]
    print(
        f"restart of {version}/{cluster}: {restart_done - restart_started:.2f}s; "
        f"{committed_before} applications before it, {committed_during} while it ran"
    )
    print(
        f"worker attempts failed with the database away: {len(run.failures)} "
        f"({dict(Counter(error for _, _, error in run.failures))}), over "
        f"{(max(failed_at) - min(failed_at)) if failed_at else 0:.2f}s; "
        f"{len(run.found_on_retry)} retries found the application already stored; "
        f"slowest application {max(run.durations, default=0):.2f}s"
    )
    last_failure = max([*failed_at, *unavailable], default=None)
    if last_failure is not None:
        answered = [t for t, _, status, _, _ in run.probes if status == 200]
        back = min((t for t in [*run.committed_at, *answered] if t > last_failure), default=0.0)
        print(
            f"last failure {last_failure - restart_done:+.2f}s from the restart command's "
            f"return; next success {back - last_failure:.2f}s after it"
        )
    print(
        f"probe requests: {len(run.probes)}, answered 503: {len(unavailable)}, "
        f"slowest {max(took for *_, took in run.probes):.2f}s, "
        f"statuses {dict(Counter(status for _, _, status, _, _ in run.probes))}"
    )

    assert run.errors == []
    # The restart really happened in the middle of the run.
    assert committed_before >= RESTART_AFTER
    assert committed_before < APPLICANTS
    # While the database was away, pages said so plainly; never a 500.
    for _, path, status, body, _ in run.probes:
        assert status in (200, 503), (path, status, body[:500])
        if status == 503:
            assert "Try again" in body, body[:500]
    # And once it was back, they answered again without restarting the app.
    for path in (f"/courses/{slug}", f"/courses/{slug}/register"):
        after = [s for t, p, s, _, _ in run.probes if p == path and t > restart_done + 1]
        assert after and after[-3:] == [200] * len(after[-3:]), (path, after)

    # Every application went through in the end, each exactly once.
    assert sorted(run.outcomes) == sorted(user_ids)
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(Registration.user_id, Registration.status, Registration.waitlist_position).where(
            Registration.course_id == course_id
        )
    ).all()
    per_user = Counter(user_id for user_id, _, _ in rows)
    assert len(rows) == APPLICANTS
    assert set(per_user.values()) == {1}, "a person has two registrations"
    stored = {user_id: status for user_id, status, _ in rows}
    # Nobody told "confirmed" (or "waitlisted") was lost or moved.
    for user_id, told in run.outcomes.items():
        assert stored[user_id].value == told, (user_id, told, stored[user_id])
    statuses = Counter(status for _, status, _ in rows)
    assert statuses == {
        RegistrationStatus.CONFIRMED: CAPACITY,
        RegistrationStatus.WAITLISTED: APPLICANTS - CAPACITY,
    }, statuses
    positions = [pos for _, status, pos in rows if status == RegistrationStatus.WAITLISTED]
    assert None not in positions
    assert len(set(positions)) == len(positions)
    # One message per person: a retried application does not mail twice.
    emails = {u.email for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))}
    recipients = Counter(
        db.session.scalars(
            sa.select(OutboxMessage.recipient).where(OutboxMessage.recipient.in_(emails))
        )
    )
    assert recipients == dict.fromkeys(emails, 1)

    # The real route, after the restart, in the same app: the form and an application.
    login(client, db.session.get(User, latecomer_id))
    assert client.get(f"/courses/{slug}/register").status_code == 200
    latecomer_email = db.session.get(User, latecomer_id).email
    response = client.post(f"/courses/{slug}/register", data=form_data(email=latecomer_email))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    late = db.session.scalar(
        sa.select(Registration).where(
            Registration.course_id == course_id, Registration.user_id == latecomer_id
        )
    )
    assert late is not None and late.status == RegistrationStatus.WAITLISTED
