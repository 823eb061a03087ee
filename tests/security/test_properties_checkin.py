"""Arbitrary input to the check-in page's forms (see test_properties.py for what is checked):
the code typed or scanned, and the name searched. Never a server error; a code that names
nobody writes nothing; the searched text comes back escaped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import sqlalchemy as sa
from hypothesis import strategies as st

from app.checkin import services
from app.core.timeutil import local_date
from app.extensions import db
from app.registration.models import Attendance
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.security.test_properties import (
    HOSTILE,
    accepted,
    any_text,
    assert_escaped,
    fresh,
    post,
    posts,
    run,
    snapshot,
)


def course_today():
    """A course in Turin running today there, a facilitator, Ana (confirmed) and her code."""
    facilitator = make_user(name="Fatou Facilitator")
    start = local_date(datetime.now(UTC), "Europe/Rome") - timedelta(days=1)
    course = make_course(
        slug="today", start=start, venue=make_venue("Europe/Rome"), facilitators=(facilitator,)
    )
    ana = make_registration(course, make_user(name="Ana Souza", email="ana@example.org"))
    code = services.code_for(ana)
    return course, facilitator, ana, code


CODE = {"code": "ABCDE-FGHJK", "submit": "Check in"}


@run(
    posts(CODE, free=("code",)),
    {"code": "x" * 41},
    {"code": "\x00"},
    {"code": " \t\n"},
    {"code": "<script>alert(1)</script>"},
)
def test_check_in_code(client_for, data):
    fresh()
    course, facilitator, ana, code = course_today()
    client = client_for(facilitator)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/check-in", data)
    assert response.status_code == 302
    accepted(response, before)
    rows = db.session.scalars(sa.select(Attendance)).all()
    typed = data.get("code", "")
    if services.normalise_code(typed.strip()) == code and len(typed.strip()) <= 40:
        assert [(r.registration_id, r.is_present) for r in rows] == [(ana.id, True)]
    else:
        assert rows == []
        assert snapshot() == before
    page = client.get(response.headers["Location"])
    assert page.status_code == 200


@run(
    st.fixed_dictionaries({"q": st.one_of(any_text, st.sampled_from(HOSTILE))}),
    {"q": "Ana"},
    {"q": "a" * 101},
    {"q": "\x00"},
)
def test_search(client_for, data):
    fresh()
    course, facilitator, _ana, _code = course_today()
    client = client_for(facilitator)
    before = snapshot()
    response = client.get(f"/courses/{course.slug}/check-in?{urlencode(data)}")
    db.session.rollback()
    assert response.status_code == 200
    assert snapshot() == before
    html = response.get_data(as_text=True)
    text = data["q"]
    if text.strip() and len(text) <= 100 and text.isprintable():
        # Shown back in the field, and in "No confirmed participant … matches" if nobody does.
        assert_escaped(html, text)


@run(
    posts({"q": "Ana"}, free=("q",)),
    {"q": "a" * 101},
)
def test_check_in_by_name(client_for, data):
    fresh()
    course, facilitator, ana, _code = course_today()
    client = client_for(facilitator)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/check-in/{ana.id}", data)
    if accepted(response, before):
        [row] = db.session.scalars(sa.select(Attendance)).all()
        assert (row.registration_id, row.is_present, row.recorded_by_id) == (
            ana.id,
            True,
            facilitator.id,
        )
        assert client.get(response.headers["Location"]).status_code == 200
