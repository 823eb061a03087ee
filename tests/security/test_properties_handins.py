"""Arbitrary input to the hand-in forms (see test_properties.py for what is checked): a
participant's hand-in with files and files kept from the last version, and the course team's
feedback. Never a server error; a refused post changes nothing and leaves no file behind; what
is stored is plain text and comes back escaped, on both sides."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from hypothesis import strategies as st

from app.accounts.models import Role
from app.extensions import db
from app.followup import handins
from app.followup import services as followup_services
from app.followup.models import ActivityKind, Feedback, SubmissionVersion
from tests.factories import make_course, make_registration, make_user
from tests.security.test_properties import (
    accepted,
    any_text,
    assert_escaped,
    assert_plain,
    choices,
    documents,
    fresh,
    get,
    links,
    only,
    post,
    posts,
    run,
    snapshot,
    stored_bytes,
)
from tests.storage.samples import pdf


def open_assignment():
    """An assignment of a phase open today, a confirmed participant and a facilitator."""
    today = datetime.now(UTC).date()
    organiser, participant, facilitator = make_user(Role.ORGANISER), make_user(), make_user()
    course = make_course(
        slug="handing-in",
        organisers=(organiser,),
        facilitators=(facilitator,),
        start=today - timedelta(days=30),
    )
    course.followup_opens_on = today - timedelta(days=2)
    course.followup_closes_on = today + timedelta(days=20)
    registration = make_registration(course, participant)
    activity = followup_services.create_activity(
        course,
        followup_services.ActivityData(
            kind=ActivityKind.ASSIGNMENT, title="Action plan", due_date=today + timedelta(days=10)
        ),
        actor=organiser,
    )
    return registration, activity, facilitator


def first_version(registration, activity):
    from werkzeug.datastructures import FileStorage

    return handins.hand_in(
        registration,
        activity,
        text="Draft",
        link="",
        files=[FileStorage(io.BytesIO(pdf()), filename="draft.pdf")],
        actor=registration.user,
    )


def check_version_shown(client, registration, activity, team_client) -> None:
    version = db.session.scalars(
        sa.select(SubmissionVersion).order_by(SubmissionVersion.id.desc())
    ).first()
    assert_plain(version.text, multiline=True)
    assert_plain(version.link)
    for link in version.files:
        assert_plain(link.stored_file.filename)
        assert "/" not in link.stored_file.filename
    html = get(client, "/courses/handing-in/followup/mine")
    assert_escaped(html, version.text, multiline=True)
    assert_escaped(html, version.link)
    html = get(team_client, f"/courses/handing-in/followup/activities/{activity.id}/submissions")
    assert_escaped(html, version.text, multiline=True)
    for link in version.files:
        assert_escaped(html, link.stored_file.filename)


HAND_IN = {"text": "Our plan:\r\nthree <steps> & a budget.", "link": "https://example.org/plan"}


@run(
    posts(
        HAND_IN,
        free=("text",),
        structural={
            "link": st.one_of(st.just(""), links),
            "keep_files": st.lists(st.one_of(choices("__kept__", "0", "-1"), any_text), max_size=3),
        },
        always={"files": st.lists(documents, max_size=3)},
    ),
    {**HAND_IN, "files": [], "keep_files": ["__kept__"]},
)
def test_hand_in(client_for, data):
    fresh()
    registration, activity, facilitator = open_assignment()
    kept = first_version(registration, activity).files[0].stored_file_id
    data["keep_files"] = [str(kept) if v == "__kept__" else v for v in data.get("keep_files", [])]
    client = client_for(registration.user)
    team_client = client_for(facilitator)
    before, files_before = snapshot(), stored_bytes()
    prefix = f"activity-{activity.id}-"
    response = post(
        client,
        f"/courses/handing-in/followup/mine/{activity.id}/submit",
        {prefix + name: value for name, value in data.items()},
    )
    if not accepted(response, before):
        assert stored_bytes() == files_before
    else:
        check_version_shown(client, registration, activity, team_client)


FEEDBACK = {"decision": "returned", "comment": "Add a <budget> & dates.\r\nThanks."}


@run(
    posts(
        FEEDBACK,
        free=("comment",),
        structural={
            "decision": choices("complete", "returned", "maybe"),
            "version_id": st.one_of(choices("__current__", "0", "-1", "9" * 30), any_text),
        },
    ),
    {**FEEDBACK, "comment": "x" * 6000},
)
def test_feedback(client_for, data):
    fresh()
    registration, activity, facilitator = open_assignment()
    version = first_version(registration, activity)
    data.setdefault("version_id", "__current__")
    if data["version_id"] == "__current__":
        data["version_id"] = str(version.id)
    client = client_for(facilitator)
    participant_client = client_for(registration.user)
    before = snapshot()
    prefix = f"feedback-{registration.id}-"
    response = post(
        client,
        f"/courses/handing-in/followup/activities/{activity.id}/submissions/"
        f"{registration.id}/feedback",
        {prefix + name: value for name, value in data.items()},
    )
    if db.session.scalars(sa.select(Feedback)).first() is None:
        assert snapshot() == before
        return
    assert accepted(response, before)
    feedback = only(Feedback)
    assert_plain(feedback.comment, multiline=True)
    html = get(participant_client, "/courses/handing-in/followup/mine")
    assert_escaped(html, feedback.comment, multiline=True)
