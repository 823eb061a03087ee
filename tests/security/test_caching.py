"""Cache-Control (issue 15), checked by walking every GET route as the access walk does.

- A page with personal data (one's account, the desk and its exports, special needs,
  documents, invoices, letters…) is answered ``no-store``, to everyone, whatever its status:
  no browser history, back button or proxy keeps it.
- Every other answer to a signed-in person is at least ``private``.
- Public pages to an anonymous visitor and the calendar feeds keep their own caching.

Which pages hold personal data is named in app/core/security.py; this walk cross-checks it
against the addresses: anything under /my/, /account, the participants' desk, invoices,
payments, letters, check-in, selection, a download of a list (.csv, .xlsx, .zip) must be
among them.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask

from app.core.security import OWN_CACHING, PERSONAL_ENDPOINTS, is_personal
from tests.security.test_access_walk import Walker, build_world, expected, walked_rules

# Addresses that always hold personal data, whatever the list in app/core/security.py says.
PERSONAL_ADDRESSES = re.compile(
    r"^/my/|^/account|^/admin/|/participants|/invoices|/payments|/visa-letters|/check-in"
    r"|/badges|/selection($|/<int)|/special-needs|/attendance|/alumni|/messages|/progress"
    r"|\.csv$|\.xlsx$|^/reset-password/|^/endorse/|^/registrations/"
)
PUBLIC_PAGES = ("catalogue.index", "courses.show", "programmes.index", "modules.index")


def test_every_personal_address_is_marked(app: Flask):
    unmarked = sorted(
        rule.endpoint
        for rule in walked_rules(app)
        if "GET" in (rule.methods or ())
        and PERSONAL_ADDRESSES.search(rule.rule)
        and not is_personal(app, rule.endpoint)
    )
    assert unmarked == []


def test_the_list_names_only_routes_that_exist(app: Flask):
    assert PERSONAL_ENDPOINTS - set(app.view_functions) == set()


@pytest.mark.parametrize("role", ["anonymous", "participant", "facilitator", "organiser", "admin"])
def test_each_answer_is_cached_as_it_may_be(app, monkeypatch, role):
    walker = Walker(app, build_world(), role, monkeypatch)
    problems = []
    for rule in walked_rules(app):
        if "GET" not in (rule.methods or ()):
            continue
        path = walker.path(rule)
        response = walker.check(rule, "GET", path, expected(rule.endpoint, "GET", role))
        control = response.headers.get("Cache-Control", "")
        directives = {part.strip() for part in control.split(",") if part.strip()}
        where = f"{role}: GET {path} ({rule.endpoint}, {response.status_code}): {control!r}"
        if rule.endpoint in OWN_CACHING:
            continue
        if is_personal(app, rule.endpoint):
            if "no-store" not in directives:
                problems.append(f"{where} should be no-store")
        elif role != "anonymous":
            if not directives & {"private", "no-store"}:
                problems.append(f"{where} should be private")
        elif rule.endpoint in PUBLIC_PAGES and directives & {"private", "no-store"}:
            problems.append(f"{where} is a public page: its caching is its own")
    walker.report()
    assert problems == []


def test_a_public_feed_keeps_its_own_caching_for_a_signed_in_person(app, client, db):
    from app.accounts.models import User
    from app.extensions import db as _db
    from tests.conftest import login

    world = build_world()
    _db.session.commit()
    login(client, _db.session.get_one(User, world.user_ids["participant"]))
    response = client.get(f"/courses/{world.arguments['slug']}/calendar.ics")
    assert response.status_code == 200
    assert "private" not in response.headers["Cache-Control"]
    assert "no-store" not in response.headers["Cache-Control"]
