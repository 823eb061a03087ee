"""Hand-ins: versions with files, lateness at the venue, the team's feedback and the mail it
sends, who reads the files, the team's view with its filters and ZIP, and files that go with
what owns them. Services called directly first, then the pages."""

from __future__ import annotations

import email
import email.policy
import io
import re
import zipfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.datastructures import FileStorage

from app.accounts.models import Role
from app.certificates import services as certificate_services
from app.core.timeutil import local_to_utc
from app.courses.models import CourseTeamMember, CourseTranslation, TeamRole
from app.db import now_utc
from app.extensions import db
from app.followup import handins
from app.followup import submissions as work
from app.followup.models import (
    ActivityKind,
    Feedback,
    FeedbackDecision,
    HandinState,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)
from app.followup.services import (
    ActivityData,
    apply_followup_defaults,
    create_activity,
    delete_activity,
    update_activity,
)
from app.mail.models import OutboxMessage
from app.mail.services import deliver_outbox
from app.registration.models import RegistrationStatus
from app.storage.models import StoredFile
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user, make_venue
from tests.mail.conftest import SmtpServer
from tests.storage.conftest import files_in
from tests.storage.samples import docx, pdf, png

SLUG = "governing-2017"
# The on-site week 20-24 November 2017 in Turin; the follow-up phase 8 Dec 2017 - 4 Jan 2018.
DUE = local_to_utc(date(2017, 12, 20), time(17, 0), "Europe/Rome")  # 16:00 UTC
DURING = datetime(2017, 12, 15, 10, 0, tzinfo=UTC)


def upload(data: bytes, filename: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename)


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def organiser():
    return make_user(Role.ORGANISER, name="Olga Organiser")


@pytest.fixture
def facilitator():
    return make_user(name="Fatou Facilitator")


@pytest.fixture
def reviewer():
    return make_user(name="Rania Reviewer")


@pytest.fixture
def course(organiser, facilitator, reviewer):
    course = make_course(
        slug=SLUG,
        start=date(2017, 11, 20),
        venue=make_venue("Europe/Rome"),
        organisers=(organiser,),
        facilitators=(facilitator,),
    )
    course.team.append(CourseTeamMember(user=reviewer, role=TeamRole.REVIEWER))
    apply_followup_defaults(course)
    db.session.commit()
    return course


def add_assignment(course, organiser, title="Local action plan", due=date(2017, 12, 20), at=None):
    activity = create_activity(
        course,
        ActivityData(
            kind=ActivityKind.ASSIGNMENT,
            title=title,
            due_date=due,
            due_time=at or time(17, 0),
            is_required=True,
        ),
        actor=organiser,
    )
    db.session.commit()
    return activity


@pytest.fixture
def assignment(course, organiser):
    return add_assignment(course, organiser)


@pytest.fixture
def ana():
    return make_user(name="Ana Souza", locale="fr")


@pytest.fixture
def registration(course, ana):
    registration = make_registration(course, ana)
    registration.language = "fr"
    db.session.commit()
    return registration


def hand_in(registration, activity, *, text="", link="", files=(), keep=(), now=DURING):
    return handins.hand_in(
        registration,
        activity,
        text=text,
        link=link,
        files=files,
        keep_file_ids=keep,
        actor=registration.user,
        now=now,
    )


def versions_of(registration) -> list[SubmissionVersion]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(SubmissionVersion)
            .join(Submission)
            .where(Submission.registration_id == registration.id)
            .order_by(SubmissionVersion.number)
        )
    )


def stored_files() -> list[StoredFile]:
    return list(db.session.scalars(sa.select(StoredFile).order_by(StoredFile.id)))


# --- handing in ------------------------------------------------------------------------------


def test_hand_in_a_text_and_two_files(registration, assignment, ana, uploads: Path):
    version = hand_in(
        registration,
        assignment,
        text="  Our plan  ",
        files=[upload(pdf(), "plan.pdf"), None, upload(png(), "map.png")],
    )
    db.session.commit()
    [row] = versions_of(registration)
    assert row.id == version.id
    assert (row.number, row.text, row.link, row.is_late) == (1, "Our plan", "", False)
    assert (row.submitted_at, row.submitted_by_id) == (DURING, ana.id)
    assert [f.stored_file.filename for f in row.files] == ["plan.pdf", "map.png"]
    assert [f.stored_file.uploaded_by_id for f in row.files] == [ana.id, ana.id]
    assert len(files_in(uploads)) == 2
    submission = row.submission
    assert (submission.text, submission.submitted_at) == ("Our plan", DURING)
    assert submission.state == HandinState.SUBMITTED


def test_files_alone_are_a_hand_in(registration, assignment):
    hand_in(registration, assignment, files=[upload(docx(), "plan.docx")])
    [row] = versions_of(registration)
    assert (row.text, row.link, len(row.files)) == ("", "", 1)


def test_nothing_at_all_is_refused(registration, assignment, uploads: Path):
    with pytest.raises(work.InvalidSubmission) as caught:
        hand_in(registration, assignment, text="  ", files=[None, upload(b"", "")])
    assert list(caught.value.errors) == [None]
    assert "add files" in caught.value.messages[0]
    assert versions_of(registration) == []


def test_each_hand_in_is_a_new_version_and_the_earlier_ones_are_kept(
    registration, assignment, uploads: Path
):
    first = hand_in(
        registration,
        assignment,
        text="Draft",
        files=[upload(pdf("one"), "plan.pdf"), upload(png(), "map.png")],
    )
    db.session.commit()
    plan, chart = (f.stored_file_id for f in first.files)
    later = DURING + timedelta(days=1)
    hand_in(
        registration,
        assignment,
        text="Final",
        link="https://example.org/final",
        files=[upload(pdf("two"), "budget.pdf")],
        keep=[chart],
        now=later,
    )
    db.session.commit()
    one, two = versions_of(registration)
    assert (one.number, one.text, one.submitted_at) == (1, "Draft", DURING)
    assert [f.stored_file_id for f in one.files] == [plan, chart]
    assert (two.number, two.text, two.link, two.submitted_at) == (
        2,
        "Final",
        "https://example.org/final",
        later,
    )
    # The kept file first, then the new one; the file dropped stays with version 1.
    assert [f.stored_file.filename for f in two.files] == ["map.png", "budget.pdf"]
    assert two.files[0].stored_file_id == chart
    assert len(stored_files()) == 3 and len(files_in(uploads)) == 3
    assert two.submission.text == "Final"


def test_only_the_previous_version_s_files_can_be_kept(course, registration, assignment):
    other = make_registration(course, make_user(name="Bruno Keller"))
    theirs = hand_in(other, assignment, files=[upload(pdf(), "theirs.pdf")])
    mine = hand_in(registration, assignment, files=[upload(pdf(), "old.pdf")])
    hand_in(registration, assignment, files=[upload(pdf(), "v2.pdf")])
    old_id = mine.files[0].stored_file_id
    third = hand_in(
        registration,
        assignment,
        text="Again",
        keep=[theirs.files[0].stored_file_id, old_id],
    )
    # Neither the other participant's file nor one of version 1 (not the last) comes along.
    assert third.files == []


def test_a_refused_file_is_named_and_nothing_is_kept(registration, assignment, uploads: Path):
    with pytest.raises(work.InvalidSubmission) as caught:
        hand_in(
            registration,
            assignment,
            text="Plan",
            files=[upload(pdf(), "plan.pdf"), upload(b"just text", "notes.pdf")],
        )
    assert list(caught.value.errors) == ["files"]
    [message] = caught.value.messages
    assert message.startswith("notes.pdf: ") and "plain text" in message
    db.session.rollback()
    assert versions_of(registration) == [] and stored_files() == []
    assert files_in(uploads) == []


def test_every_refused_file_is_named(registration, assignment):
    with pytest.raises(work.InvalidSubmission) as caught:
        hand_in(
            registration,
            assignment,
            files=[upload(b"a", "a.pdf"), upload(pdf(), "ok.pdf"), upload(b"b", "b.pdf")],
        )
    assert [m.split(":")[0] for m in caught.value.messages] == ["a.pdf", "b.pdf"]


def test_at_most_five_files_counting_the_kept_ones(registration, assignment):
    first = hand_in(registration, assignment, files=[upload(pdf(str(i)), f"{i}.pdf") for i in "12"])
    kept = [f.stored_file_id for f in first.files]
    with pytest.raises(work.InvalidSubmission, match="at most 5 files") as caught:
        hand_in(
            registration,
            assignment,
            files=[upload(pdf(str(i)), f"{i}.pdf") for i in "3456"],
            keep=kept,
        )
    assert caught.value.errors == {"files": ["A hand-in can have at most 5 files."]}
    db.session.rollback()
    first = hand_in(registration, assignment, files=[upload(pdf(str(i)), f"{i}.pdf") for i in "12"])
    kept = [f.stored_file_id for f in first.files]
    five = hand_in(
        registration,
        assignment,
        files=[upload(pdf(str(i)), f"{i}.pdf") for i in "345"],
        keep=kept,
    )
    assert len(five.files) == 5


def test_the_files_of_a_version_share_a_total(monkeypatch, registration, assignment):
    small, big = pdf("a"), pdf("b" * 200)
    monkeypatch.setattr(handins, "VERSION_MAX_BYTES", len(small) + len(big))
    first = hand_in(registration, assignment, files=[upload(small, "a.pdf")])
    # The kept file counts: what is left is exactly the big one.
    exact = hand_in(
        registration,
        assignment,
        files=[upload(big, "b.pdf")],
        keep=[first.files[0].stored_file_id],
    )
    assert len(exact.files) == 2
    with pytest.raises(work.InvalidSubmission, match="still free for the files of this hand-in"):
        hand_in(
            registration,
            assignment,
            files=[upload(pdf("c"), "c.pdf")],
            keep=[f.stored_file_id for f in exact.files],
        )


def test_files_handed_in_together_share_the_total_and_the_refusal_says_what_is_left(
    monkeypatch, registration, assignment, uploads: Path
):
    """3 MB for the version: a 2.07 MB plan, then a 0.5 MB map fit; a 0.6 MB annex, posted
    with them, does not: 0.4 MB is left (0.43, rounded down)."""
    monkeypatch.setattr(handins, "VERSION_MAX_BYTES", 3 * handins.MB)

    def padded(text: str, size: float) -> bytes:
        base = pdf(text)
        return base + b"\n%" + b"0" * (int(size * handins.MB) - len(base) - 2)

    plan, map_, annex = padded("plan", 2.07), padded("map", 0.5), padded("annex", 0.6)
    with pytest.raises(work.InvalidSubmission) as caught:
        hand_in(
            registration,
            assignment,
            files=[upload(plan, "plan.pdf"), upload(map_, "map.pdf"), upload(annex, "annex.pdf")],
        )
    assert caught.value.errors == {
        "files": [
            "annex.pdf: This file is larger than the 0.4 MB still free for the files of this "
            "hand-in."
        ]
    }
    db.session.rollback()
    assert files_in(uploads) == []
    two = hand_in(
        registration, assignment, files=[upload(plan, "plan.pdf"), upload(map_, "map.pdf")]
    )
    assert [f.stored_file.filename for f in two.files] == ["plan.pdf", "map.pdf"]


def test_completed_work_is_refused_before_any_file_is_stored(
    registration, assignment, organiser, uploads: Path
):
    first = hand_in(registration, assignment, text="Plan")
    feedback(first.submission, organiser, FeedbackDecision.COMPLETE, comment="")
    db.session.commit()
    with pytest.raises(work.SubmissionNotAllowed) as caught:
        hand_in(registration, assignment, files=[upload(pdf(), "late-idea.pdf")])
    assert caught.value.messages == [
        "The organisers have marked this work as completed: it can no longer change."
    ]
    assert files_in(uploads) == []  # not even until the rollback


def test_each_file_has_the_documents_limit(monkeypatch, registration, assignment):
    monkeypatch.setattr(handins, "FILE_MAX_BYTES", len(pdf()) - 1)
    with pytest.raises(work.InvalidSubmission, match="larger than"):
        hand_in(registration, assignment, files=[upload(pdf(), "plan.pdf")])


@pytest.mark.parametrize(
    "status",
    [RegistrationStatus.WAITLISTED, RegistrationStatus.CANCELLED, RegistrationStatus.SUBMITTED],
)
def test_only_confirmed_participants_hand_in(course, assignment, status, uploads: Path):
    registration = make_registration(course, status=status)
    with pytest.raises(work.SubmissionNotAllowed, match="confirmed participants"):
        hand_in(registration, assignment, files=[upload(pdf(), "plan.pdf")])
    assert files_in(uploads) == []


def test_no_hand_in_after_the_phase_closed(course, registration, assignment):
    after = datetime(2018, 1, 5, 12, tzinfo=UTC)
    with pytest.raises(work.SubmissionNotAllowed, match="has closed"):
        hand_in(registration, assignment, text="Too late", now=after)


# --- late: after the due minute at the venue -------------------------------------------------


@pytest.mark.parametrize(
    ("at", "late"),
    [
        (DUE - timedelta(seconds=1), False),
        (DUE, False),
        (DUE + timedelta(seconds=59), False),  # 17:00:59 in Turin: still the due minute
        (DUE + timedelta(minutes=1), True),  # 17:01
        (DUE + timedelta(days=3), True),
    ],
)
def test_late_after_the_due_minute(registration, assignment, at, late):
    version = hand_in(registration, assignment, text="Plan", now=at)
    assert version.is_late is late
    assert handins.is_late(assignment, at) is late


def test_late_in_the_week_the_clocks_go_back(organiser):
    """Turin leaves summer time on Sunday 29 October 2017: due at 23:59 that day is 22:59 UTC
    (CET), not 21:59 (CEST)."""
    course = make_course(
        slug="autumn", start=date(2017, 10, 2), venue=make_venue("Europe/Rome"), organisers=()
    )
    course.team.append(CourseTeamMember(user=organiser, role=TeamRole.ORGANISER))
    apply_followup_defaults(course)  # 20 October - 16 November 2017
    activity = create_activity(
        course,
        ActivityData(kind=ActivityKind.ASSIGNMENT, title="Plan", due_date=date(2017, 10, 29)),
        actor=organiser,
    )
    assert activity.due_at == datetime(2017, 10, 29, 22, 59, tzinfo=UTC)
    registration = make_registration(course)
    on_time = hand_in(
        registration, activity, text="a", now=datetime(2017, 10, 29, 22, 30, tzinfo=UTC)
    )
    last_second = hand_in(
        registration, activity, text="b", now=datetime(2017, 10, 29, 22, 59, 59, tzinfo=UTC)
    )
    late = hand_in(registration, activity, text="c", now=datetime(2017, 10, 29, 23, 0, tzinfo=UTC))
    assert [on_time.is_late, last_second.is_late, late.is_late] == [False, False, True]


def test_an_activity_without_due_time_is_never_late(assignment):
    assignment.due_at = None
    assert not handins.is_late(assignment, datetime(2030, 1, 1, tzinfo=UTC))


def test_moving_the_due_date_judges_what_was_handed_in_again(
    course, organiser, registration, assignment
):
    """Due 20 December 17:00 in Turin. Ana hands in on the 19th and again on the 22nd (late);
    Bruno, on another assignment, on the 22nd too. The due date moves to the 23rd: Ana's second
    version is on time; then to the 19th at 12:00: both of hers are late. Bruno's stays late."""
    other = add_assignment(course, organiser, title="Budget")
    bruno = make_registration(course, make_user(name="Bruno Souza"))
    first = hand_in(registration, assignment, text="v1", now=DUE - timedelta(days=1))
    second = hand_in(registration, assignment, text="v2", now=DUE + timedelta(days=2))
    his = hand_in(bruno, other, text="budget", now=DUE + timedelta(days=2))
    assert [first.is_late, second.is_late, his.is_late] == [False, True, True]

    def move(day, at=time(17, 0)):
        update_activity(
            assignment,
            ActivityData(
                kind=ActivityKind.ASSIGNMENT,
                title=assignment.title,
                due_date=day,
                due_time=at,
                is_required=True,
            ),
            actor=organiser,
        )
        db.session.commit()
        db.session.expire_all()

    move(date(2017, 12, 23))
    assert [first.is_late, second.is_late, his.is_late] == [False, False, True]
    assert handins.filter_counts(handins.assignment_rows(assignment))[handins.LATE] == 0

    move(date(2017, 12, 19), time(12, 0))
    assert [first.is_late, second.is_late, his.is_late] == [True, True, True]
    assert handins.relabel_lateness(assignment) == 0  # nothing left to change


# --- feedback --------------------------------------------------------------------------------


def feedback(submission, actor, decision=FeedbackDecision.RETURNED, comment="Add a budget.", **kw):
    if "version_id" not in kw:
        kw["version_id"] = submission.current_version.id
    kw.setdefault("now", DURING + timedelta(days=2))
    return handins.give_feedback(submission, decision=decision, comment=comment, actor=actor, **kw)


def test_returned_for_revision_with_what_to_change(registration, assignment, facilitator):
    version = hand_in(registration, assignment, text="Draft")
    submission = version.submission
    at = DURING + timedelta(days=2)
    given = feedback(submission, facilitator, comment="  Add a budget.\r\nAnd dates.  ")
    db.session.commit()
    db.session.expire_all()
    [row] = db.session.scalars(sa.select(Feedback)).all()
    assert row.id == given.id
    assert (row.version_id, row.author_id, row.created_at) == (version.id, facilitator.id, at)
    assert (row.decision, row.comment) == (FeedbackDecision.RETURNED, "Add a budget.\nAnd dates.")
    assert submission.state == HandinState.RETURNED
    assert (submission.returned_at, submission.completed_at) == (at, None)


def test_returning_needs_a_comment(registration, assignment, organiser):
    submission = hand_in(registration, assignment, text="Draft").submission
    with pytest.raises(handins.InvalidFeedback) as caught:
        feedback(submission, organiser, comment=" \r\n ")
    assert caught.value.errors == {"comment": [caught.value.errors["comment"][0]]}
    assert caught.value.messages == ["Say what to change in the work."]
    assert submission.state == HandinState.SUBMITTED
    assert db.session.scalars(sa.select(Feedback)).all() == []


def test_hand_ins_and_feedback_are_logged(registration, assignment, organiser, caplog):
    caplog.set_level("INFO", logger=handins.logger.name)
    version = hand_in(registration, assignment, text="Draft")
    given = feedback(version.submission, organiser)
    logged = [r.getMessage() for r in caplog.records if r.name == handins.logger.name]
    sid = version.submission.id
    assert logged == [
        f"hand-in {sid} version 1 for activity {assignment.id} by {registration.user.id}",
        f"feedback {given.id} (returned) on hand-in {sid} by {organiser.id}",
    ]


def test_a_comment_of_at_most_5000_characters(registration, assignment, organiser):
    submission = hand_in(registration, assignment, text="Draft").submission
    with pytest.raises(handins.InvalidFeedback) as caught:
        feedback(submission, organiser, comment="x" * 5001)
    assert caught.value.errors == {"comment": [caught.value.errors["comment"][0]]}
    assert caught.value.messages == ["The comment can have at most 5000 characters."]
    assert feedback(submission, organiser, comment="x" * 5000).comment == "x" * 5000


def test_complete_counts_for_the_certificate(registration, assignment, organiser, facilitator):
    submission = hand_in(registration, assignment, text="Plan").submission
    first = DURING + timedelta(days=2)
    feedback(submission, facilitator, FeedbackDecision.COMPLETE, comment="", now=first)
    db.session.commit()
    assert (submission.completed_at, submission.completed_by_id) == (first, facilitator.id)
    assert submission.state == HandinState.COMPLETE and submission.returned_at is None
    assert assignment.id in certificate_services._completed_activity_ids(registration)
    # Completing again keeps the first completion; the comment is kept too.
    feedback(submission, organiser, FeedbackDecision.COMPLETE, comment="Well done")
    assert (submission.completed_at, submission.completed_by_id) == (first, facilitator.id)
    assert [f.comment for f in submission.current_version.feedback] == ["", "Well done"]
    with pytest.raises(work.SubmissionNotAllowed, match="completed"):
        hand_in(registration, assignment, text="Changed")


def test_returned_then_handed_in_again_then_completed(registration, assignment, organiser):
    submission = hand_in(registration, assignment, text="Draft").submission
    feedback(submission, organiser)
    assert submission.state == HandinState.RETURNED
    hand_in(registration, assignment, text="Revised", now=DURING + timedelta(days=3))
    assert submission.state == HandinState.SUBMITTED and submission.returned_at is None
    feedback(submission, organiser, FeedbackDecision.COMPLETE, comment="")
    one, two = versions_of(registration)
    assert [f.decision for f in one.feedback] == [FeedbackDecision.RETURNED]
    assert [f.decision for f in two.feedback] == [FeedbackDecision.COMPLETE]


def test_complete_work_can_be_returned(registration, assignment, organiser):
    submission = hand_in(registration, assignment, text="Plan").submission
    feedback(submission, organiser, FeedbackDecision.COMPLETE, comment="")
    feedback(submission, organiser, comment="One more thing.")
    assert (submission.completed_at, submission.completed_by_id) == (None, None)
    assert submission.state == HandinState.RETURNED
    assert assignment.id not in certificate_services._completed_activity_ids(registration)


def test_feedback_on_an_older_version_is_refused(registration, assignment, organiser):
    one = hand_in(registration, assignment, text="Draft")
    hand_in(registration, assignment, text="Second")
    with pytest.raises(handins.FeedbackNotAllowed) as caught:
        feedback(one.submission, organiser, version_id=one.id)
    assert caught.value.messages == [
        "A newer version (2) was handed in meanwhile: read it before giving feedback."
    ]
    with pytest.raises(handins.FeedbackNotAllowed):
        feedback(one.submission, organiser, version_id=None)
    assert db.session.scalars(sa.select(Feedback)).all() == []


def test_no_feedback_without_a_hand_in(registration, assignment, organiser):
    submission = work.ensure_submission(registration, assignment)
    with pytest.raises(handins.FeedbackNotAllowed) as caught:
        feedback(submission, organiser, version_id=None)
    assert caught.value.messages == ["Nothing has been handed in yet."]


def test_no_feedback_on_a_webinar(course, registration, organiser):
    webinar = create_activity(
        course,
        ActivityData(
            kind=ActivityKind.WEBINAR,
            title="Live",
            day=date(2017, 12, 12),
            start_time=time(15),
            end_time=time(16),
        ),
        actor=organiser,
    )
    submission = work.ensure_submission(registration, webinar)
    with pytest.raises(handins.FeedbackNotAllowed) as caught:
        feedback(submission, organiser, version_id=None)
    assert caught.value.messages == ["Only assignments take feedback."]


def test_the_participant_is_mailed_in_their_language(registration, assignment, facilitator):
    registration.course.translations.append(
        CourseTranslation(locale="fr", title="Gouverner la migration au niveau local")
    )
    submission = hand_in(registration, assignment, text="Draft").submission
    feedback(submission, facilitator, comment="Ajoutez un budget.")
    db.session.commit()
    [message] = db.session.scalars(sa.select(OutboxMessage)).all()
    assert message.recipient == registration.email
    assert "renvoyé" in message.subject and "Local action plan" in message.subject
    body = email.message_from_bytes(message.raw, policy=email.policy.default)
    body = body.get_body(("plain",)).get_content()
    assert body.startswith("Bonjour Ana Souza,")
    assert "(Gouverner la migration au niveau local)" in body
    assert "Ajoutez un budget." in body and "Fatou Facilitator" in body
    assert f"/courses/{SLUG}/followup/mine#activity-{assignment.id}" in body


def test_a_completion_mail_reaches_the_smtp_server(
    registration,
    assignment,
    organiser,
    smtp_server: SmtpServer,
):
    registration.language = "es"
    submission = hand_in(registration, assignment, text="Plan").submission
    feedback(submission, organiser, FeedbackDecision.COMPLETE, comment="¡Bien!")
    db.session.commit()
    assert deliver_outbox().sent == 1
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == [registration.email]
    text = envelope.content.decode()
    assert "completo" in text.lower()


# --- who reads the files ---------------------------------------------------------------------


@pytest.fixture
def handed_in(registration, assignment):
    version = hand_in(registration, assignment, files=[upload(pdf(), "plan.pdf")])
    db.session.commit()
    return version


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("ana", True),
        ("organiser", True),
        ("facilitator", True),
        ("admin", True),
        ("reviewer", False),
        ("other participant", False),
        ("anonymous", False),
    ],
)
def test_who_reads_a_hand_in_s_file(request, course, assignment, registration, handed_in, who, may):
    from flask_login import AnonymousUserMixin

    people = {
        "admin": lambda: make_user(Role.ADMIN),
        "other participant": lambda: make_registration(course).user,
        "anonymous": AnonymousUserMixin,
    }
    actor = people[who]() if who in people else request.getfixturevalue(who)
    file_id = handed_in.files[0].stored_file_id
    found = handins.readable_file(course, assignment.id, registration.id, file_id, actor=actor)
    assert (found is not None) is may


def test_nobody_without_an_account_reads_a_hand_in(registration, handed_in):
    # A caller with no user at all (a command, a background job) reads nothing.
    assert not handins.can_read_handin(None, registration)
    assert not handins.can_read_handin(object(), registration)


def test_a_file_is_found_only_under_its_own_hand_in(
    course, organiser, assignment, registration, handed_in
):
    file_id = handed_in.files[0].stored_file_id
    other = make_registration(course)
    elsewhere = add_assignment(course, organiser, title="Second")
    other_course = make_course(start=course.start_date, organisers=(organiser,))
    for args in [
        (course, assignment.id, other.id, file_id),
        (course, elsewhere.id, registration.id, file_id),
        (other_course, assignment.id, registration.id, file_id),
        (course, assignment.id, registration.id, file_id + 1000),
    ]:
        assert handins.readable_file(*args, actor=organiser) is None


# --- the team's view -------------------------------------------------------------------------


@pytest.fixture
def everyone(course, organiser, assignment, registration):
    """Ana returned, Bruno late, Chloé complete, Dario nothing, Eva handed in on time."""
    people = {"ana": registration}
    for name in ("bruno Keller", "Chloé Martin", "Dario Rossi", "Eva Ndiaye"):
        people[name.split()[0].lower()] = make_registration(course, make_user(name=name))
    make_registration(course, make_user(name="Wanda Waiting"), status=RegistrationStatus.WAITLISTED)
    sub = hand_in(registration, assignment, text="a", files=[upload(pdf(), "plan.pdf")]).submission
    feedback(sub, organiser)
    hand_in(people["bruno"], assignment, text="b", now=DUE + timedelta(hours=1))
    chloe = hand_in(people["chloé"], assignment, files=[upload(png(), "plan.png")]).submission
    feedback(chloe, organiser, FeedbackDecision.COMPLETE, comment="")
    hand_in(people["eva"], assignment, files=[upload(pdf("e"), "plan.pdf")])
    db.session.commit()
    return people


def names(rows) -> list[str]:
    return [row.registration.certificate_name for row in rows]


def test_assignment_rows_by_name_with_their_states(assignment, everyone):
    rows = handins.assignment_rows(assignment)
    assert names(rows) == ["Ana Souza", "bruno Keller", "Chloé Martin", "Dario Rossi", "Eva Ndiaye"]
    assert [row.state for row in rows] == [
        HandinState.RETURNED,
        HandinState.SUBMITTED,
        HandinState.COMPLETE,
        HandinState.MISSING,
        HandinState.SUBMITTED,
    ]
    assert [row.is_late for row in rows] == [False, True, False, False, False]


@pytest.mark.parametrize(
    ("show", "expected"),
    [
        ("all", ["Ana Souza", "bruno Keller", "Chloé Martin", "Dario Rossi", "Eva Ndiaye"]),
        ("submitted", ["bruno Keller", "Eva Ndiaye"]),
        ("late", ["bruno Keller"]),
        ("returned", ["Ana Souza"]),
        ("complete", ["Chloé Martin"]),
        ("missing", ["Dario Rossi"]),
        ("nonsense", ["Ana Souza", "bruno Keller", "Chloé Martin", "Dario Rossi", "Eva Ndiaye"]),
    ],
)
def test_filters(assignment, everyone, show, expected):
    assert names(handins.filter_rows(handins.assignment_rows(assignment), show)) == expected


def test_filter_counts(assignment, everyone):
    counts = handins.filter_counts(handins.assignment_rows(assignment))
    assert counts == {
        "all": 5,
        "submitted": 2,
        "late": 1,
        "returned": 1,
        "complete": 1,
        "missing": 1,
    }


def test_zip_entries_are_named_by_participant_and_version(assignment, everyone, registration):
    hand_in(registration, assignment, text="v2", files=[upload(pdf("2"), "final.pdf")])
    entries = handins.zip_entries(handins.assignment_rows(assignment))
    assert [name for name, _f in entries] == [
        "Ana Souza - version 2 - final.pdf",
        "Chloé Martin - version 1 - plan.png",
        "Eva Ndiaye - version 1 - plan.pdf",
    ]
    assert all(isinstance(f, StoredFile) for _n, f in entries)


def test_handin_states_for_the_progress_checklist(course, organiser, assignment, everyone):
    webinar = create_activity(
        course,
        ActivityData(
            kind=ActivityKind.WEBINAR,
            title="Live",
            day=date(2017, 12, 12),
            start_time=time(15),
            end_time=time(16),
        ),
        actor=organiser,
    )
    work.mark_complete(work.ensure_submission(everyone["dario"], webinar), actor=organiser)
    # A webinar "submission" that is not complete is missing, whatever its rows.
    work.ensure_submission(everyone["eva"], webinar)
    other = make_course(start=course.start_date, organisers=(organiser,))
    make_registration(other, everyone["ana"].user)
    states = handins.handin_states(course)
    assert len(states) == 10
    assert {k: v for k, v in states.items() if k[1] == assignment.id} == {
        (everyone["ana"].id, assignment.id): HandinState.RETURNED,
        (everyone["bruno"].id, assignment.id): HandinState.SUBMITTED,
        (everyone["chloé"].id, assignment.id): HandinState.COMPLETE,
        (everyone["dario"].id, assignment.id): HandinState.MISSING,
        (everyone["eva"].id, assignment.id): HandinState.SUBMITTED,
    }
    assert states[(everyone["dario"].id, webinar.id)] == HandinState.COMPLETE
    assert states[(everyone["eva"].id, webinar.id)] == HandinState.MISSING
    assert states[(everyone["ana"].id, webinar.id)] == HandinState.MISSING


# --- files go with what owns them ------------------------------------------------------------


def test_files_go_with_a_deleted_registration(registration, assignment, uploads: Path):
    one = hand_in(registration, assignment, files=[upload(pdf(), "a.pdf"), upload(png(), "b.png")])
    hand_in(
        registration,
        assignment,
        files=[upload(pdf("c"), "c.pdf")],
        keep=[one.files[0].stored_file_id],
    )
    db.session.commit()
    assert len(files_in(uploads)) == 3
    db.session.delete(registration)
    db.session.commit()
    assert stored_files() == [] and files_in(uploads) == []
    assert db.session.scalars(sa.select(SubmissionFile)).all() == []


def test_files_go_with_a_deleted_activity(course, organiser, registration, assignment, uploads):
    hand_in(registration, assignment, files=[upload(pdf(), "a.pdf")])
    db.session.commit()
    delete_activity(assignment, actor=organiser)
    db.session.commit()
    assert stored_files() == [] and files_in(uploads) == []


def test_files_go_with_a_deleted_account(registration, assignment, ana, uploads: Path):
    hand_in(registration, assignment, files=[upload(pdf(), "a.pdf")])
    db.session.commit()
    db.session.delete(registration)  # as accounts are deleted: registrations first
    db.session.delete(ana)
    db.session.commit()
    assert stored_files() == [] and files_in(uploads) == []


def test_files_go_with_a_deleted_submission_only(course, registration, assignment, uploads: Path):
    other = make_registration(course)
    hand_in(other, assignment, files=[upload(pdf("o"), "other.pdf")])
    mine = hand_in(registration, assignment, files=[upload(pdf(), "a.pdf")])
    db.session.commit()
    db.session.delete(mine.submission)
    db.session.commit()
    assert [f.filename for f in stored_files()] == ["other.pdf"]
    assert len(files_in(uploads)) == 1


def test_a_rolled_back_deletion_keeps_the_files(registration, assignment, uploads: Path):
    hand_in(registration, assignment, files=[upload(pdf(), "a.pdf")])
    db.session.commit()
    db.session.delete(registration)
    db.session.flush()
    db.session.rollback()
    assert len(stored_files()) == 1 and len(files_in(uploads)) == 1


# --- the pages -------------------------------------------------------------------------------


def my_url() -> str:
    return f"/courses/{SLUG}/followup/mine"


def page_hand_in(client, activity, **data):
    prefix = f"activity-{activity.id}-"
    return client.post(
        f"/courses/{SLUG}/followup/mine/{activity.id}/submit",
        data={prefix + k: v for k, v in data.items()},
        content_type="multipart/form-data",
    )


@pytest.fixture
def phase_open_now(monkeypatch):
    """The pages run "now": put 15 December 2017 in the services' clock."""
    monkeypatch.setattr("app.followup.services.now_utc", lambda: DURING)
    monkeypatch.setattr("app.followup.handins.now_utc", lambda: DURING)
    monkeypatch.setattr("app.followup.submissions.now_utc", lambda: DURING)


def test_participant_hands_in_files_and_reads_them_back(
    client, phase_open_now, registration, assignment, ana, uploads: Path
):
    login(client, ana)
    html = client.get(my_url()).text
    assert 'enctype="multipart/form-data"' in html
    assert f'name="activity-{assignment.id}-files"' in html
    response = page_hand_in(
        client,
        assignment,
        text="Plan",
        files=[(io.BytesIO(pdf()), "plan.pdf"), (io.BytesIO(png()), "map.png")],
    )
    assert response.status_code == 302
    [version] = versions_of(registration)
    assert [f.stored_file.filename for f in version.files] == ["plan.pdf", "map.png"]
    html = client.get(my_url()).text
    # Ana reads the page in French, her language.
    assert "Version 1 rendue le" in html and "plan.pdf" in html
    file_id = version.files[0].stored_file_id
    url = (
        f"/courses/{SLUG}/followup/activities/{assignment.id}/work/{registration.id}"
        f"/files/{file_id}"
    )
    assert url in html
    download = client.get(url)
    assert download.status_code == 200 and download.data == pdf()
    assert download.headers["Content-Disposition"].startswith("attachment")
    download.close()
    # The next version offers the file to keep, ticked.
    assert f'value="{file_id}" checked' in html or f'checked id="activity-{assignment.id}' in html


def test_a_refused_file_is_shown_beside_the_field(
    client, phase_open_now, registration, assignment, ana, uploads: Path
):
    login(client, ana)
    response = page_hand_in(
        client,
        assignment,
        text="Plan",
        files=[(io.BytesIO(pdf()), "plan.pdf"), (io.BytesIO(b"MZ\x90\x00"), "virus.pdf")],
    )
    assert response.status_code == 200
    assert f'id="activity-{assignment.id}-files-errors"' in response.text
    assert "virus.pdf" in response.text
    assert versions_of(registration) == [] and files_in(uploads) == []


def feedback_url(activity, registration) -> str:
    return (
        f"/courses/{SLUG}/followup/activities/{activity.id}/submissions/{registration.id}/feedback"
    )


def test_facilitator_returns_work_and_the_participant_sees_why(
    client, phase_open_now, registration, assignment, facilitator, ana
):
    version = hand_in(registration, assignment, text="Draft")
    db.session.commit()
    login(client, facilitator)
    page = client.get(f"/courses/{SLUG}/followup/activities/{assignment.id}/submissions")
    assert page.status_code == 200 and "Give feedback on version 1" in page.text
    prefix = f"feedback-{registration.id}-"
    response = client.post(
        feedback_url(assignment, registration),
        data={
            prefix + "version_id": str(version.id),
            prefix + "decision": "returned",
            prefix + "comment": "Add a <budget>.",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#registration-{registration.id}")
    assert version.submission.state == HandinState.RETURNED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1
    login(client, ana)
    html = client.get(my_url()).text
    assert "Renvoyé pour révision" in html and "Add a &lt;budget&gt;." in html
    assert "Retour de Fatou Facilitator le" in html


def test_returning_without_a_comment_is_shown_beside_the_field(
    client, phase_open_now, registration, assignment, organiser
):
    version = hand_in(registration, assignment, text="Draft")
    db.session.commit()
    login(client, organiser)
    prefix = f"feedback-{registration.id}-"
    response = client.post(
        feedback_url(assignment, registration),
        data={prefix + "version_id": str(version.id), prefix + "decision": "returned"},
    )
    assert response.status_code == 200
    assert f'id="{prefix}comment-errors"' in response.text
    assert db.session.scalars(sa.select(Feedback)).all() == []


def test_feedback_on_a_stale_version_through_the_page(
    client, phase_open_now, registration, assignment, organiser
):
    one = hand_in(registration, assignment, text="Draft")
    hand_in(registration, assignment, text="Second")
    db.session.commit()
    login(client, organiser)
    prefix = f"feedback-{registration.id}-"
    response = client.post(
        feedback_url(assignment, registration),
        data={prefix + "version_id": str(one.id), prefix + "decision": "complete"},
        follow_redirects=True,
    )
    assert "A newer version (2) was handed in meanwhile" in response.text
    assert db.session.scalars(sa.select(Feedback)).all() == []


def test_feedback_to_someone_who_handed_in_nothing(
    client, phase_open_now, registration, assignment, organiser
):
    login(client, organiser)
    prefix = f"feedback-{registration.id}-"
    response = client.post(
        feedback_url(assignment, registration),
        data={prefix + "version_id": "1", prefix + "decision": "complete"},
        follow_redirects=True,
    )
    assert "Nothing has been handed in yet." in response.text
    assert versions_of(registration) == []


def test_the_team_view_filters_and_zips(client, assignment, everyone, facilitator):
    login(client, facilitator)
    base = f"/courses/{SLUG}/followup/activities/{assignment.id}/submissions"
    html = client.get(base + "?show=late").text
    assert "bruno Keller" in html and "Eva Ndiaye" not in html
    assert "Late (1)" in html or "Handed in late (1)" in html
    html = client.get(base + "?show=missing").text
    assert "Dario Rossi" in html and "Ana Souza" not in html
    response = client.get(base + ".zip")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert archive.namelist() == [
            "Ana Souza - version 1 - plan.pdf",
            "Chloé Martin - version 1 - plan.png",
            "Eva Ndiaye - version 1 - plan.pdf",
        ]
        assert archive.read("Chloé Martin - version 1 - plan.png") == png()
    only_done = client.get(base + ".zip?show=complete")
    with zipfile.ZipFile(io.BytesIO(only_done.data)) as archive:
        assert archive.namelist() == ["Chloé Martin - version 1 - plan.png"]
    nothing = client.get(base + ".zip?show=missing")
    assert nothing.status_code == 302


def test_the_overview_counts_each_state(client, assignment, everyone, facilitator):
    login(client, facilitator)
    html = client.get(f"/courses/{SLUG}/followup/handins").text
    assert "Local action plan" in html
    assert "Handed in: 2" in html and "Returned for revision: 1" in html
    assert "Nothing handed in: 1" in html and "Completed: 1" in html


@pytest.mark.parametrize("who", ["reviewer", "other participant"])
def test_reviewers_and_other_participants_get_no_files(
    client, request, course, assignment, registration, handed_in, who
):
    user = request.getfixturevalue(who) if who == "reviewer" else make_registration(course).user
    db.session.commit()
    login(client, user)
    file_id = handed_in.files[0].stored_file_id
    url = f"/courses/{SLUG}/followup/activities/{assignment.id}"
    assert client.get(f"{url}/work/{registration.id}/files/{file_id}").status_code == 404
    assert client.get(f"{url}/submissions").status_code == 403
    assert client.get(f"{url}/submissions.zip").status_code == 403


def test_the_team_view_queries_do_not_grow_with_the_rows(
    app: Flask, client, course, organiser, assignment, everyone
):
    login(client, organiser)
    url = f"/courses/{SLUG}/followup/activities/{assignment.id}/submissions"

    def count() -> int:
        seen = []

        def note(_conn, _cursor, statement, *_args) -> None:
            seen.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", note)
        try:
            assert client.get(url).status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", note)
        return seen

    def more(count_: int, start: int) -> None:
        # New people, their own files and feedback from a new team member each time, so that
        # nothing is already in the session when the page is drawn.
        for n in range(start, start + count_):
            person = make_registration(course, make_user(name=f"Zed {n}"))
            version = hand_in(person, assignment, text="z", files=[upload(pdf(str(n)), "z.pdf")])
            feedback(version.submission, make_user(Role.ADMIN), FeedbackDecision.COMPLETE, "")
        db.session.commit()

    more(1, 0)
    before = len(count())
    more(4, 1)
    after = count()
    assert len(after) == before, "\n\n".join(after)


def test_now_is_used_when_not_given(registration, assignment, monkeypatch):
    monkeypatch.setattr("app.followup.handins.now_utc", lambda: DURING)
    monkeypatch.setattr("app.followup.services.now_utc", lambda: DURING)
    version = handins.hand_in(registration, assignment, text="x", link="", actor=registration.user)
    assert version.submitted_at == DURING
    fb = handins.give_feedback(
        version.submission,
        version_id=version.id,
        decision=FeedbackDecision.COMPLETE,
        comment="",
        actor=registration.user,
    )
    assert fb.created_at == DURING and version.submission.completed_at == DURING
    assert now_utc() != DURING


def test_my_work_shows_the_certificate_checklist_until_it_can_be_had(
    client, phase_open_now, registration, assignment, ana, monkeypatch
):
    """The course has ended, Ana attended no day and has not handed in the required plan: her
    page lists each requirement with its state, as My courses does, not a sentence of reasons."""
    monkeypatch.setattr("app.progress.services.now_utc", lambda: DURING)
    login(client, ana)
    html = client.get(my_url()).text
    box = html[html.index('id="certificate-heading"') :]
    assert '<ul class="checklist">' in box
    items = re.findall(
        r'<li class="checklist-item checklist-(\w+)">\s*<p>.*?<strong>(.*?)</strong>', box, re.S
    )
    assert items == [
        ("missed", "Assister à au moins 4 des 5 journées sur place"),
        ("todo", "Local action plan"),
    ]
    assert "Download" not in box and "Télécharger" not in box
