"""Arbitrary input to the session buttons and to what a session stores from the browser (see
test_properties.py for what is checked): never a server error; the administrators' button
sends back only to the user list, whatever ``next`` says; someone else's session, or one that
does not exist, is never ended; a User-Agent of any text is stored cut to size and shown
escaped in the list of sessions."""

from __future__ import annotations

from urllib.parse import urlsplit

import hypothesis.strategies as st
import sqlalchemy as sa

from app.accounts.models import Role
from app.extensions import db
from app.sessions.models import USER_AGENT_MAX_LENGTH, UserSession
from app.sessions.services import start_session
from tests.factories import PASSWORD, make_user
from tests.security.test_properties import (
    HOSTILE,
    any_text,
    fresh,
    new_client,  # noqa: F401 - fixture
    numbers,
    post,
    posts,
    run,
    snapshot,
)


def _open(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    )


@run(
    posts({"next": "/admin/users?q=ana"}, free=("next",)),
    {"next": "//evil.example/admin/users"},
    {"next": "https://evil.example/admin/users"},
    {"next": "/\\evil.example"},
    {"next": "/admin/users\r\nSet-Cookie: x=1"},
)
def test_admin_ends_a_person_s_sessions(new_client, data):  # noqa: F811
    fresh()
    admin = make_user(Role.ADMIN, email="adele@example.org")
    ana = make_user(email="ana.alves@example.org")
    namesake = make_user(email="ana.alvarez@example.org")
    for person in (ana, ana, namesake):
        start_session(person, remember=False)
    client = new_client(admin)
    ana_id, namesake_id = ana.id, namesake.id
    response = post(client, f"/admin/users/{ana_id}/sessions/end", data)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert not location.netloc and location.path == "/admin/users"
    assert _open(ana_id) == 0
    assert _open(namesake_id) == 1


@run(
    st.tuples(
        st.sampled_from(("mine", "theirs", "missing")),
        posts({"next": ""}, free=("next",), structural={"extra": any_text}),
    )
)
def test_ending_a_session_by_number(new_client, data):  # noqa: F811
    which, form = data
    fresh()
    ana = make_user(email="ana.alves@example.org")
    namesake = make_user(email="ana.alvarez@example.org")
    phone = start_session(ana, remember=True).session
    theirs = start_session(namesake, remember=False).session
    client = new_client(ana)
    number = {"mine": phone.id, "theirs": theirs.id, "missing": theirs.id + 1000}[which]
    namesake_id = namesake.id
    before = snapshot()
    response = post(client, f"/account/sessions/{number}/end", form)
    if which == "mine":
        assert response.status_code == 302
        assert db.session.get(UserSession, number).ended_at is not None
    else:
        assert response.status_code == 404
        assert snapshot() == before
    assert _open(namesake_id) == 1


@run(posts({"next": ""}, structural={"next": any_text, "extra": numbers}))
def test_signing_out_everywhere_else(new_client, data):  # noqa: F811
    fresh()
    ana = make_user(email="ana.alves@example.org")
    namesake = make_user(email="ana.alvarez@example.org")
    start_session(ana, remember=True)
    start_session(namesake, remember=True)
    client = new_client(ana)
    ana_id, namesake_id = ana.id, namesake.id
    response = post(client, "/account/sessions/end-others", data)
    assert response.status_code == 302
    assert _open(ana_id) == 1  # this browser's
    assert _open(namesake_id) == 1


# Header values travel as Latin-1 text on one line.
header_text = st.one_of(
    any_text, st.sampled_from(HOSTILE), st.text(min_size=300, max_size=2000)
).map(lambda text: "".join(ch for ch in text if " " <= ch <= "\xff" and ch != "\x7f"))


@run(st.fixed_dictionaries({"agent": header_text}))
def test_any_user_agent_is_stored_cut_and_shown_escaped(new_client, data):  # noqa: F811
    fresh()
    make_user(email="ana@example.org")
    client = new_client(None)
    client.environ_base["HTTP_USER_AGENT"] = data["agent"]
    response = post(client, "/login", {"email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 302
    session = db.session.scalars(sa.select(UserSession)).one()
    assert session.user_agent == data["agent"][:USER_AGENT_MAX_LENGTH]
    page = client.get("/account/sessions")
    db.session.rollback()
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "<img src=x" not in html
