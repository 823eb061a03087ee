"""Arbitrary input to the endorsement's forms (see test_properties.py for what is checked):
the application with its endorser, naming another endorser, the endorser's answer behind the
link, and the organisers' override. Never a server error; a refused post changes nothing; what
is stored is plain text and comes back escaped."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import strategies as st

from app.accounts.models import Role
from app.endorsement import services
from app.endorsement.models import Endorsement
from app.extensions import db
from app.registration.models import Registration
from app.registration.services import apply
from tests.factories import application_data, make_user
from tests.registration.conftest import open_course
from tests.security.test_properties import (
    ACCOUNT,
    APPLICATION,
    AS,
    accepted,
    any_text,
    assert_escaped,
    assert_plain,
    boxes,
    choices,
    confirm_signup_link,
    fresh,
    get,
    only,
    post,
    posts,
    run,
    snapshot,
)

ENDORSER = {
    "endorser_name": "Marta <Rossi> & co",
    "endorser_position": "Head of the \u201cmigration\u201d office",
    "endorser_email": "marta.rossi@comune.torino.it",
}
emails = st.one_of(
    st.emails(), any_text, st.sampled_from(("ana@example.org", "ANA@example.org", "a@b"))
)


def endorsed_course(slug: str):
    course = open_course(slug=slug)
    course.requires_endorsement = True
    return course


def check_endorsement_shown(client, endorsement: Endorsement) -> None:
    for value in (
        endorsement.endorser_name,
        endorsement.endorser_position,
        endorsement.endorser_email,
    ):
        assert_plain(value)
    assert_plain(endorsement.comment, multiline=True)
    registration = endorsement.registration
    html = get(client, "/my/courses")
    assert_escaped(html, endorsement.endorser_name)
    assert_escaped(html, endorsement.endorser_position)
    html = get(client, f"/my/registrations/{registration.id}/endorser")
    assert_escaped(html, endorsement.endorser_email)


@run(
    posts(
        {**APPLICATION, **ACCOUNT, **ENDORSER},
        free=("endorser_name", "endorser_position"),
        always=AS,
        structural={"endorser_email": emails, "consent_data": boxes},
    ),
    {**APPLICATION, **ACCOUNT, **ENDORSER, "endorser_name": "x" * 5000, "as": "participant"},
)
def test_apply_with_endorser(client_for, data):
    fresh()
    participant = make_user()
    course = endorsed_course("endorsed")
    client = client_for(participant if data.pop("as") == "participant" else None)
    before = snapshot()
    response = post(client, f"/courses/{course.slug}/register", data)
    if accepted(response, before):
        confirm_signup_link(client)
        endorsement = only(Endorsement)
        assert endorsement.endorser_email not in {
            only(Registration).email,
            only(Registration).user.email,
        }
        check_endorsement_shown(client, endorsement)


@run(
    posts(
        dict(ENDORSER),
        free=("endorser_name", "endorser_position"),
        structural={"endorser_email": emails},
    )
)
def test_name_another_endorser(client_for, data):
    fresh()
    ana = make_user(email="ana@example.org")
    registration = apply(endorsed_course("renamed"), ana, application_data(email=ana.email))
    services.request_endorsement(
        registration, services.EndorserData("Ugo", "Mayor", "ugo@example.org"), actor=ana
    )
    client = client_for(ana)
    before = snapshot()
    response = post(client, f"/my/registrations/{registration.id}/endorser", data)
    if accepted(response, before):
        check_endorsement_shown(client, only(Endorsement))


RESPOND = {"comment": "Ana runs our <newcomers'> desk.\r\nYes & more.", "endorse": "y"}


@run(
    posts(
        RESPOND,
        free=("comment",),
        structural={"endorse": boxes, "decline": choices("y", "Decline", "")},
    )
)
def test_endorser_answer(client_for, data):
    fresh()
    ana = make_user(email="ana@example.org")
    registration = apply(endorsed_course("answered"), ana, application_data(email=ana.email))
    _, raw = services.request_endorsement(
        registration, services.EndorserData("Ugo", "Mayor", "ugo@example.org"), actor=ana
    )
    client = client_for(None)
    before = snapshot()
    response = client.post(f"/endorse/{raw}", data=data)
    db.session.rollback()
    assert response.status_code == 200
    endorsement = only(Endorsement)
    if endorsement.status.value == "awaiting":
        assert snapshot() == before
        return
    assert_plain(endorsement.comment, multiline=True)
    organiser = make_user(Role.ADMIN)
    html = get(
        client_for(organiser), f"/courses/{registration.course.slug}/participants/{registration.id}"
    )
    for line in endorsement.comment.split("\n"):
        if line.strip():
            assert_escaped(html, line.strip())


@run(posts({"note": "Known to the <team> & trusted"}, free=("note",)))
def test_waive(client_for, data):
    fresh()
    organiser = make_user(Role.ORGANISER)
    course = open_course(slug="waived", organisers=(organiser,))
    course.requires_endorsement = True
    ana = make_user(email="ana@example.org")
    registration = apply(course, ana, application_data(email=ana.email))
    services.request_endorsement(
        registration, services.EndorserData("Ugo", "Mayor", "ugo@example.org"), actor=ana
    )
    client = client_for(organiser)
    before = snapshot()
    url = f"/courses/{course.slug}/participants/{registration.id}/endorsement/waive"
    response = post(client, url, data)
    assert response.status_code == 302
    endorsement = only(Endorsement)
    if endorsement.status.value != "waived":
        assert snapshot() == before
        return
    html = get(client, f"/courses/{course.slug}/participants/{registration.id}")
    note = (
        db.session.scalars(sa.select(Registration).where(Registration.id == registration.id))
        .one()
        .events[-2]
        .note
    )
    assert_plain(note)
    assert_escaped(html, note)
