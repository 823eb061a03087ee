"""Arbitrary input to the privacy forms (see test_properties.py for what is checked): the
privacy notice, a course's retention periods, and the confirmations of an erasure request and
of its carrying out. Never a server error; a refused post stores nothing; the notice is stored
as typed (trimmed) and comes back escaped; the periods are whole days within range."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import strategies as st

from app.accounts.models import Role
from app.core.forms import one_line_break
from app.extensions import db
from app.privacy.models import CourseRetention, ErasureRequest, PrivacyNotice
from tests.factories import make_course, make_user
from tests.security.test_properties import (
    ABSENT,
    accepted,
    assert_escaped,
    assert_plain,
    boxes,
    fresh,
    get,
    numbers,
    post,
    posts,
    run,
    snapshot,
)

# An unticked box is left out of the post.
confirmations = st.fixed_dictionaries({"confirm": boxes}).map(
    lambda data: {key: value for key, value in data.items() if value is not ABSENT}
)
days = st.one_of(numbers, st.sampled_from(("0", "3650", "3651", "-1", "", "1e3", "٣")))


@run(
    posts({"body": "We keep your data.\n\nAsk us anything."}, free=("body",)),
    {"body": "x" * 50_001},
    {"body": "<script>alert(1)</script>"},
    {"body": "  \r\n  "},
)
def test_notice(client_for, data):
    fresh()
    admin = make_user(Role.ADMIN)
    client = client_for(admin)
    before = snapshot()
    response = post(client, "/admin/privacy/notice", data)
    if not accepted(response, before):
        return
    notice = db.session.scalars(sa.select(PrivacyNotice)).one()
    assert notice.version == 1
    assert notice.body == one_line_break(data["body"]).strip()
    assert_plain(notice.body, multiline=True)
    html = get(client, "/privacy")
    for paragraph in notice.body.split("\n\n"):
        if paragraph.strip():
            assert_escaped(html, paragraph.strip(), multiline=True)


@run(
    posts(
        {"document_days": "365", "special_needs_days": "30"},
        structural={"document_days": days, "special_needs_days": days},
    ),
    {"document_days": "3651", "special_needs_days": ""},
    {"document_days": "", "special_needs_days": "-1"},
)
def test_retention(client_for, data):
    fresh()
    organiser = make_user(Role.ORGANISER)
    course = make_course(slug="retained", organisers=(organiser,))
    client = client_for(organiser)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/retention", data)
    if not accepted(response, before):
        return
    own = db.session.get(CourseRetention, course.id)
    for name in ("document_days", "special_needs_days"):
        value = getattr(own, name)
        typed = str(data.get(name, "")).strip()
        assert value == (int(typed) if typed else None)
        assert value is None or 0 <= value <= 3650


@run(confirmations)
def test_erasure_request(client_for, data):
    fresh()
    person = make_user(name="Ana Alves")
    client = client_for(person)
    before = snapshot()
    response = post(client, "/account/privacy/erasure", data)
    if not accepted(response, before):
        return
    request = db.session.scalars(sa.select(ErasureRequest)).one()
    assert request.user_id == person.id and request.is_pending


@run(confirmations)
def test_carry_out(client_for, data):
    fresh()
    admin = make_user(Role.ADMIN)
    person = make_user(name="Ana Alves")
    request = ErasureRequest(user_id=person.id)
    db.session.add(request)
    client = client_for(admin)
    post(
        client,
        f"/admin/privacy/requests/{request.id}/erase",
        {f"r{request.id}-{key}": value for key, value in data.items()},
    )
    db.session.expire_all()
    erased = db.session.get(ErasureRequest, request.id)
    if erased.carried_out_at is None:
        assert db.session.get(type(person), person.id).name == "Ana Alves"
    else:
        assert db.session.get(type(person), person.id).name == f"Erased person #{person.id}"
