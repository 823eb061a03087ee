"""Numbers and dates from the query string at the edges of their range (issue 15).

Every page a signed-in administrator can open with a GET (its URL naming at most a course) is
asked for with each query argument a page or filter of ours reads (page, month, day, status,
kind…) set to an edge: 0, -1, huge, 10**20, a few thousand digits, years 0, 1, 9999 and
10000, non-ASCII digits. None may answer a server error; the two paginated lists also take
whatever hypothesis draws for their page number, and show a page within their range; the audit
log's filter form takes any action, person, dates and page without an error or a write.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import pytest
from flask import Flask
from hypothesis import strategies as st

from app.accounts.models import Role
from app.audit.models import AuditAction
from app.audit.services import record
from app.core.urls import MAX_PAGE
from app.extensions import db
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user
from tests.security.test_properties import any_text, assert_escaped, fresh, run, snapshot

# Every query argument a page or filter reads (grep request.args and the filter forms).
ARGS = (
    "page",
    "month",
    "when",
    "kind",
    "place",
    "language",
    "module",
    "programme",
    "host",
    "state",
    "status",
    "show",
    "missing",
    "day",
    "lang",
    "source",
    "q",
    "role",
    "code",
    "registration_id",
    "layout",
    "country",
    "organisation_type",
    "endorsement",
    "saved",
)
EDGES = (
    "0",
    "-1",
    "1",
    "2147483648",
    "9223372036854775808",
    "99999999999999999999",
    str(10**20),
    "9" * 5000,
    "0000-01",
    "0001-01",
    "9999-12",
    "10000-01",
    "0000-00",
    "2027-13",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "\u0663",  # Arabic-Indic three
    "\uff11\uff12",  # full-width 12
    "\u0662\u0660\u0662\u0667-\u0660\u0661",  # 2027-01 in Arabic-Indic digits
    "\u00b2",
    "1e5",
    "NaN",
    "-0",
    "",
    # Text PostgreSQL cannot store or compare (NUL), control and bidirectional characters.
    "\x00",
    "Ana\x00",
    "\x1b[31m",
    "\u202eana",
    "%_\\",
)


def _get_rules(app: Flask) -> list[str]:
    rules = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        if set(rule.arguments) <= {"slug"}:
            rules.append(rule.rule)
    return sorted(set(rules))


def _world():
    admin = make_user(Role.ADMIN, name="Ada Admin")
    course = make_course(slug="edges", organisers=(make_user(Role.ORGANISER),))
    make_course(slug="busy")
    make_registration(course, make_user(name="Ana Alves"))
    make_registration(course, make_user(name="Ana Álvarez"))
    db.session.commit()
    return admin, course


@pytest.mark.parametrize("edge", EDGES, ids=repr)
def test_every_page_takes_edge_values(app, db, edge):
    """Each GET page named by nothing or a course's slug, every argument set to ``edge``."""
    admin, course = _world()
    client = app.test_client()
    login(client, admin)
    query = urlencode(dict.fromkeys(ARGS, edge))
    for rule in _get_rules(app):
        url = rule.replace("<slug>", course.slug)
        response = client.get(f"{url}?{query}")
        assert response.status_code < 500, (url, edge, response.status_code)


pages = st.one_of(
    st.integers().map(str),
    st.integers(min_value=10**15).map(str),
    st.sampled_from(EDGES),
    st.text(alphabet=st.characters(categories=("Nd",)), min_size=1, max_size=25),
)


@run(
    st.fixed_dictionaries({"page": pages}),
    {"page": "99999999999999999999"},
    {"page": str(MAX_PAGE + 1)},
    {"page": "0"},
    {"page": "-1"},
)
def test_paginated_lists_bound_the_page(client_for, data):
    fresh()
    admin, _course = _world()
    client = client_for(admin)
    users = client.get(f"/admin/users?{urlencode(data)}")
    assert users.status_code == 200
    catalogue = client.get(f"/?{urlencode(data)}")
    assert catalogue.status_code == 200
    # The catalogue shows its last page for any page past it: the course is always there.
    assert "Governing migration" in catalogue.get_data(as_text=True)


@run(
    st.fixed_dictionaries(
        {
            "month": st.one_of(
                st.builds(
                    "{:04d}-{:02d}".format,
                    st.integers(min_value=0, max_value=9999),
                    st.integers(min_value=0, max_value=99),
                ),
                st.builds("{}-{}".format, st.integers(), st.integers()),
                st.sampled_from(EDGES),
            )
        }
    ),
    {"month": "0000-01"},
    {"month": "9999-12"},
    {"month": "0001-01"},
    {"month": "10000-01"},
)
def test_catalogue_month_filter(client_for, data):
    fresh()
    admin, _course = _world()
    client = client_for(admin)
    response = client.get(f"/?{urlencode(data)}")
    assert response.status_code == 200


# --- The audit log's filters ------------------------------------------------------------------

dates = st.one_of(
    st.dates().map(date.isoformat),
    st.sampled_from(EDGES),
    any_text,
)


@run(
    st.fixed_dictionaries(
        {
            "action": st.one_of(st.sampled_from([a.value for a in AuditAction]), any_text),
            "person": any_text,
            "since": dates,
            "until": dates,
            "page": pages,
        }
    ),
    {"action": "role_changed", "person": "Ana", "since": "0001-01-01", "until": "9999-12-31"},
    {"action": "", "person": "%", "since": "10000-01-01", "until": "0000-01-01", "page": "0"},
    {"action": "x" * 50, "person": "_" * 300, "since": "2027-02-30", "until": "", "page": "-1"},
    {"action": "signed_up", "person": "\x00", "since": "0", "until": "0", "page": "0"},
)
def test_audit_filters(client_for, data):
    fresh()
    admin, _course = _world()
    record(AuditAction.LOGGED_IN, actor=admin)
    db.session.commit()
    client = client_for(admin)
    before = snapshot()
    response = client.get(f"/admin/audit?{urlencode(data)}")
    assert response.status_code == 200
    assert snapshot() == before
    person = data["person"]
    if person.strip() and len(person) <= 254 and person.isprintable():
        assert_escaped(response.get_data(as_text=True), person)
