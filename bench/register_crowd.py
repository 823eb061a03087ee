"""Applications under a crowd, as ``../shared/peers/indico_register_load.py`` sends Indico's
anonymous registrations: N applications, CONCURRENCY at once, each a GET of the form and a POST
of the answer, against a running Atelier (the side-by-side one: gunicorn with 2 workers on
PostgreSQL). Here the applicants are signed in (Atelier's applications need an account); their
log-ins happen before the clock starts. Prints applications per second and the latencies.

    .venv/bin/python -m bench.register_crowd --url http://127.0.0.1:8103 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/atelier_peer 300 48

It adds its courses and people to that database (``load-target-NN``, ``load-NNNN@...``): run it on
a database made for the comparison, once. ``--hashes`` also times one password hash of a new
account at the settings' Argon2id parameters beside werkzeug's default scrypt (what accounts
were hashed with before), the part of an in-form sign-up the hash costs.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import threading
import time
from urllib.parse import urlsplit

from bench.load import LOAD_USERS, TARGETS, Browser, in_app, make_registration_targets


def _prepare(database_url: str) -> list[str]:
    return in_app({"DATABASE_URL": database_url}, make_registration_targets)


def _log_in(port: int, numbers: list[int], first_form: str) -> list[Browser]:
    browsers = []
    for number in numbers:
        browser = Browser(port, number)
        browser.log_in(first_form)
        browsers.append(browser)
    return browsers


def crowd(port: int, slugs: list[str], count: int, concurrency: int) -> dict[str, float]:
    """``count`` applications by signed-in people, ``concurrency`` at once: each GETs the form
    (for its CSRF token, as a browser would) and POSTs the answer."""
    people = list(range(min(LOAD_USERS, max(concurrency, count // len(slugs) + 1))))
    groups = [people[i::concurrency] for i in range(concurrency)]
    browsers: list[list[Browser]] = [[] for _ in groups]

    def log_in(i: int) -> None:
        browsers[i] = _log_in(port, groups[i], f"/courses/{slugs[0]}/register")

    threads = [threading.Thread(target=log_in, args=(i,)) for i in range(len(groups))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Each thread's people apply to the courses in turn, one application at a time each.
    pairs = [[(browser, slug) for slug in slugs for browser in mine] for mine in browsers if mine]
    per_thread = -(-count // len(pairs))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def apply(mine: list[tuple[Browser, str]]) -> None:
        for browser, slug in mine[:per_thread]:
            started = time.monotonic()
            browser.send("GET", f"/courses/{slug}/register")
            request = browser.application(slug)
            browser.conn.request(request.method, request.path, request.body, request.headers)
            response = browser.conn.getresponse()
            response.read()
            with lock:
                latencies.append(time.monotonic() - started)
                statuses[response.status] = statuses.get(response.status, 0) + 1

    started = time.monotonic()
    threads = [threading.Thread(target=apply, args=(mine,)) for mine in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    done = len(latencies)
    return {
        "applications": done,
        "seconds": elapsed,
        "per_second": done / elapsed,
        "p50_ms": latencies[done // 2] * 1000,
        "p99_ms": latencies[max(0, int(done * 0.99) - 1)] * 1000,
        "statuses": statuses,
    }


def hash_times(rounds: int = 20) -> dict[str, float]:
    """Median milliseconds of one new password's hash: Argon2id at the app's parameters, and
    werkzeug's default (scrypt), which the accounts used before."""
    from werkzeug.security import generate_password_hash

    from app import create_app
    from app.accounts.passwords import hash_password

    app = create_app({"SECRET_KEY": "x" * 64, "RATELIMIT_ENABLED": False})
    times: dict[str, list[float]] = {"argon2id": [], "scrypt (werkzeug default)": []}
    with app.app_context():
        for _ in range(rounds):
            started = time.perf_counter()
            hash_password("correct horse battery staple 2017")
            times["argon2id"].append(time.perf_counter() - started)
            started = time.perf_counter()
            generate_password_hash("correct horse battery staple 2017")
            times["scrypt (werkzeug default)"].append(time.perf_counter() - started)
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, nargs="?", default=300)
    parser.add_argument("concurrency", type=int, nargs="?", default=48)
    parser.add_argument("--url", default="http://127.0.0.1:8103")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--hashes", action="store_true")
    args = parser.parse_args(argv)
    if args.count > LOAD_USERS * TARGETS:
        parser.error(f"at most {LOAD_USERS * TARGETS} applications")
    port = urlsplit(args.url).port or 80
    slugs = _prepare(args.database_url)
    try:
        result = crowd(port, slugs, args.count, args.concurrency)
    except (OSError, http.client.HTTPException, RuntimeError) as error:
        print(f"atelier: failed: {error}")
        return 1
    print(
        f"atelier: {result['applications']} applications ({args.concurrency} at once) in "
        f"{result['seconds']:.1f} s = {result['per_second']:.1f}/s, p50 {result['p50_ms']:.0f} "
        f"ms, p99 {result['p99_ms']:.0f} ms, codes {result['statuses']}"
    )
    if args.hashes:
        for name, ms in hash_times().items():
            print(f"hash of a new password, {name}: {ms:.1f} ms")
    return 0 if set(result["statuses"]) == {302} else 1


if __name__ == "__main__":
    raise SystemExit(main())
