"""Ending sessions: one's own from the list (one, or every other), an administrator's button,
a new password (other browsers only), a reset and a deactivation (every browser); each audited
as SESSION_ENDED saying who ended which and how."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from app.accounts.models import Role
from app.audit.models import AuditAction
from app.sessions.models import EndReason
from tests.accounts.helpers import flashes
from tests.accounts.test_password import NEW_PASSWORD, _outbox, _reset_path
from tests.factories import PASSWORD, make_user
from tests.sessions.helpers import (
    CHROME_LINUX,
    SAFARI_IPHONE,
    age,
    close_to_now,
    events,
    log_in,
    sessions_of,
    signed_in,
)

ANA = "ana.alves@example.org"
NAMESAKE = "ana.alvarez@example.org"
ADMIN = "adele@example.org"


@pytest.fixture
def people(db):
    ana = make_user(email=ANA, name="Ana Alves")
    namesake = make_user(email=NAMESAKE, name="Ana Álvarez")
    admin = make_user(Role.ADMIN, email=ADMIN, name="Adele Admin")
    db.session.commit()
    return ana, namesake, admin


def three_browsers(app):
    laptop = log_in(app, ANA)
    phone = log_in(app, ANA, remember=True, user_agent=SAFARI_IPHONE)
    desktop = log_in(app, ANA, user_agent=CHROME_LINUX)
    return laptop, phone, desktop


def _items(page: str) -> list[str]:
    items = re.findall(r'<li class="session[^"]*">(.*?)</li>', page, re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", item)).split()) for item in items]


def test_the_list_names_each_browser_and_marks_this_one(app, people):
    ana, _namesake, _admin = people
    laptop, _phone, _desktop = three_browsers(app)
    log_in(app, NAMESAKE)
    _first, second, third = sessions_of(ana.id)
    age(second, idle=timedelta(minutes=5))
    age(third, idle=timedelta(days=2, hours=1))  # a participant's idle limit is hours: gone

    page = laptop.get("/account/sessions")

    assert page.status_code == 200
    items = _items(page.text)
    assert len(items) == 2  # the idle desktop is not listed; the namesake's never is
    assert items[0].startswith("Firefox on Windows This browser Last used just now")
    assert items[1].startswith("Mobile Safari on iOS Last used 5 minutes ago")
    assert "kept logged in until" in items[1] and "kept logged in" not in items[0]
    assert "from 127.0.0.1" in items[0]
    assert "Sign out everywhere else" in page.text
    assert 'href="/account/sessions"' in laptop.get("/account").text


def test_ending_one_session_signs_that_browser_out_only(app, people):
    ana, _namesake, _admin = people
    laptop, phone, desktop = three_browsers(app)
    _first, second, _third = sessions_of(ana.id)

    response = laptop.post(f"/account/sessions/{second.id}/end", follow_redirects=True)

    assert ("success", "That session is ended: the browser is signed out.") in flashes(response)
    assert not signed_in(phone)
    assert signed_in(laptop) and signed_in(desktop)
    ended = sessions_of(ana.id)[1]
    assert ended.end_reason == EndReason.SELF and close_to_now(ended.ended_at)
    (event,) = events(AuditAction.SESSION_ENDED)
    assert (event.actor_id, event.subject_id) == (ana.id, ana.id)
    assert event.detail == {
        "how": "self",
        "session": second.id,
        "browser": "Mobile Safari",
        "system": "iOS",
    }


def test_ending_this_browser_s_session_logs_it_out(app, people):
    ana, _namesake, _admin = people
    laptop, phone, _desktop = three_browsers(app)
    first = sessions_of(ana.id)[0]

    response = laptop.post(f"/account/sessions/{first.id}/end")

    assert response.headers["Location"] == "/login"
    assert not signed_in(laptop)
    assert signed_in(phone)


def test_someone_else_s_session_is_not_found_and_stays(app, people):
    _ana, namesake, _admin = people
    laptop = log_in(app, ANA)
    other = log_in(app, NAMESAKE)
    (theirs,) = sessions_of(namesake.id)

    assert laptop.post(f"/account/sessions/{theirs.id}/end").status_code == 404
    assert laptop.post("/account/sessions/999999/end").status_code == 404
    assert signed_in(other)
    assert events(AuditAction.SESSION_ENDED) == []


def test_an_ended_session_cannot_be_ended_twice(app, people):
    ana, _namesake, _admin = people
    laptop, _phone, _desktop = three_browsers(app)
    second = sessions_of(ana.id)[1]
    assert laptop.post(f"/account/sessions/{second.id}/end").status_code == 302
    assert laptop.post(f"/account/sessions/{second.id}/end").status_code == 404
    assert len(events(AuditAction.SESSION_ENDED)) == 1


def test_sign_out_everywhere_else(app, people):
    ana, _namesake, _admin = people
    laptop, phone, desktop = three_browsers(app)
    other = log_in(app, NAMESAKE)

    response = laptop.post("/account/sessions/end-others", follow_redirects=True)

    assert (
        "success",
        "2 other sessions ended: only this browser is signed in now.",
    ) in flashes(response)
    assert signed_in(laptop)
    assert not signed_in(phone) and not signed_in(desktop)
    assert signed_in(other)
    assert [s.end_reason for s in sessions_of(ana.id)] == [None, EndReason.SELF, EndReason.SELF]
    assert [e.detail["how"] for e in events(AuditAction.SESSION_ENDED)] == ["self", "self"]

    again = laptop.post("/account/sessions/end-others", follow_redirects=True)
    assert ("info", "No other browser was signed in.") in flashes(again)


def test_an_administrator_ends_all_of_a_person_s_sessions(app, people):
    ana, _namesake, admin = people
    laptop, phone, _desktop = three_browsers(app)
    other = log_in(app, NAMESAKE)
    console = log_in(app, ADMIN)

    users_page = console.get("/admin/users")
    assert f'action="/admin/users/{ana.id}/sessions/end"' in users_page.text
    response = console.post(
        f"/admin/users/{ana.id}/sessions/end",
        data={"next": "/admin/users?q=ana"},
        follow_redirects=False,
    )

    assert response.headers["Location"] == "/admin/users?q=ana"
    assert ("success", "3 sessions of Ana Alves ended.") in flashes(console.get("/admin/users"))
    assert not signed_in(laptop) and not signed_in(phone)
    assert signed_in(other) and signed_in(console)
    assert {s.end_reason for s in sessions_of(ana.id)} == {EndReason.ADMIN}
    ended = events(AuditAction.SESSION_ENDED)
    assert len(ended) == 3
    assert {(e.actor_id, e.subject_id, e.detail["how"]) for e in ended} == {
        (admin.id, ana.id, "admin")
    }


def test_an_administrator_ending_their_own_keeps_this_browser(app, people):
    _ana, _namesake, admin = people
    console = log_in(app, ADMIN)
    elsewhere = log_in(app, ADMIN, user_agent=SAFARI_IPHONE)

    response = console.post(
        f"/admin/users/{admin.id}/sessions/end", data={"next": "//evil.example"}
    )

    assert response.headers["Location"] == "/admin/users"
    assert signed_in(console)
    assert not signed_in(elsewhere)


def test_others_may_not_end_a_person_s_sessions(app, people):
    ana, _namesake, _admin = people
    laptop = log_in(app, ANA)
    other = log_in(app, NAMESAKE)
    assert other.post(f"/admin/users/{ana.id}/sessions/end").status_code == 403
    assert signed_in(laptop)


def test_a_new_password_ends_the_other_sessions_not_this_one(app, people):
    ana, _namesake, _admin = people
    laptop, phone, desktop = three_browsers(app)

    response = laptop.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert signed_in(laptop)
    assert not signed_in(phone) and not signed_in(desktop)
    assert [s.end_reason for s in sessions_of(ana.id)] == [
        None,
        EndReason.PASSWORD_CHANGED,
        EndReason.PASSWORD_CHANGED,
    ]
    assert {e.detail["how"] for e in events(AuditAction.SESSION_ENDED)} == {"password_changed"}


def test_a_password_reset_ends_every_session(app, db, people):
    ana, _namesake, _admin = people
    laptop, phone, _desktop = three_browsers(app)
    stranger = log_in(app, NAMESAKE)
    stranger.post("/logout")
    assert stranger.post("/reset-password", data={"email": ANA}).status_code == 302
    path = _reset_path(_outbox(db)[-1])

    response = stranger.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert response.status_code == 302
    assert not signed_in(laptop) and not signed_in(phone)
    assert {s.end_reason for s in sessions_of(ana.id)} == {EndReason.PASSWORD_RESET}
    assert len(events(AuditAction.SESSION_ENDED)) == 3


def test_deactivating_an_account_ends_its_sessions(app, people):
    ana, _namesake, admin = people
    laptop, phone, _desktop = three_browsers(app)
    console = log_in(app, ADMIN)

    assert console.post(f"/admin/users/{ana.id}/deactivate").status_code == 302

    assert not signed_in(laptop) and not signed_in(phone)
    assert {s.end_reason for s in sessions_of(ana.id)} == {EndReason.DEACTIVATED}
    assert {(e.actor_id, e.detail["how"]) for e in events(AuditAction.SESSION_ENDED)} == {
        (admin.id, "deactivated")
    }
