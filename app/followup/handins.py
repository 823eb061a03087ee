"""Hand-ins: a participant's work on an assignment, version after version, and the course
team's feedback on it.

A confirmed participant hands in a text, a link, files, or any of these together; every hand-in
is a new version, kept with its date and files (files of the previous version may be kept for
the next one without uploading them again). A hand-in after the assignment's due minute, at the
venue, is accepted and marked late. The course team (organisers, facilitators, administrators)
answers each version with a comment and a decision: complete (what the certificate reads,
``Submission.completed_at``) or returned for revision, with what to change; the participant is
mailed in their language and may hand in again.

Files are stored as the applicants' documents are (:mod:`app.storage`: checked by their
content, the same limits), read only by the participant and the course team, and go with their
submission, registration, activity or account (a session event, at the end of this module).

Services flush but never commit, take the acting user and accept ``now``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload
from werkzeug.datastructures import FileStorage

from app.accounts.models import User
from app.core.timeutil import to_local
from app.core.urls import external_url
from app.courses.models import Course
from app.courses.permissions import can_see_participants
from app.db import now_utc
from app.extensions import db
from app.followup.models import (
    ActivityKind,
    Feedback,
    FeedbackDecision,
    FollowupActivity,
    HandinState,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)
from app.followup.services import FollowupError
from app.followup.submissions import (
    COMPLETED_MESSAGE,
    InvalidSubmission,
    SubmissionNotAllowed,
    _clean_fields,
    _create,
    confirmed_participants,
    find_submission,
    submission_closed_reason,
    with_history,
)
from app.mail.services import queue_mail
from app.registration.models import Registration
from app.storage.models import StoredFile
from app.storage.services import DEFAULT_MAX_BYTES, MB, FileRefused, megabytes, store_upload

logger = logging.getLogger(__name__)

# As for an application's documents: each file at most 10 MB; a version's files together at
# most 25 MB and five of them.
FILE_MAX_BYTES = DEFAULT_MAX_BYTES
VERSION_MAX_BYTES = 25 * MB
MAX_FILES = 5
COMMENT_MAX_LENGTH = 5000


# --- errors ----------------------------------------------------------------------------------


class FeedbackNotAllowed(FollowupError):
    """Feedback is not possible (nothing handed in, not an assignment, a newer version…)."""


class InvalidFeedback(FollowupError):
    """The feedback breaks a rule (no comment on returned work, too long)."""


# --- who may read and answer -----------------------------------------------------------------


def is_course_team(user: Any, course: Course) -> bool:
    """Who reads everyone's hand-ins and gives feedback: the course's organisers and
    facilitators, and administrators; not its reviewers (they judge applications only)."""
    return can_see_participants(user, course)


def can_read_handin(user: Any, registration: Registration) -> bool:
    """The participant who handed it in, and the course team."""
    if not getattr(user, "is_authenticated", False):
        return False
    return registration.user_id == user.id or is_course_team(user, registration.course)


def readable_file(
    course: Course, activity_id: int, registration_id: int, file_id: int, *, actor: Any
) -> StoredFile | None:
    """A file of a version of the registration's hand-in for the activity (all of ``course``),
    if ``actor`` may read it; ``None`` when there is none or they may not (the caller answers
    both alike)."""
    stored = db.session.scalar(
        sa.select(StoredFile)
        # Each join follows the one foreign key between the two tables.
        .join(SubmissionFile)
        .join(SubmissionVersion)
        .join(Submission)
        .join(Registration)
        .where(
            StoredFile.id == file_id,
            Submission.activity_id == activity_id,
            Submission.registration_id == registration_id,
            Registration.course_id == course.id,
        )
    )
    if stored is None:
        return None
    registration = db.session.get_one(Registration, registration_id)
    return stored if can_read_handin(actor, registration) else None


# --- lateness --------------------------------------------------------------------------------


def is_late(activity: FollowupActivity, at: datetime) -> bool:
    """Whether work handed in at ``at`` is late: after the due minute at the venue (work
    handed in at 23:59:40 for 23:59 is on time, at 00:00 the next day late)."""
    if activity.due_at is None:
        return False
    due_minute = to_local(activity.due_at, activity.course.timezone)
    due_minute = due_minute.replace(second=0, microsecond=0)
    return at >= due_minute + timedelta(minutes=1)


def relabel_lateness(activity: FollowupActivity) -> int:
    """Judge every version handed in for ``activity`` again against its due minute, after the
    due date moved: work marked late for the old date is on time for a later one, and the
    reverse. Returns how many versions changed."""
    versions = db.session.scalars(
        sa.select(SubmissionVersion)
        .join(Submission, SubmissionVersion.submission_id == Submission.id)
        .where(Submission.activity_id == activity.id)
    )
    changed = 0
    for version in versions:
        late = is_late(activity, version.submitted_at)
        if version.is_late != late:
            version.is_late = late
            changed += 1
    return changed


# --- handing in ------------------------------------------------------------------------------


def _uploads(files: Iterable[FileStorage | None]) -> list[FileStorage]:
    """The files actually chosen (browsers send an empty part for an empty file input)."""
    return [f for f in files if f is not None and f.filename]


def _kept_files(previous: SubmissionVersion | None, keep: Collection[int]) -> list[StoredFile]:
    """The previous version's files the participant keeps, in their order; ids of other files
    are ignored (they are not theirs to keep)."""
    if previous is None:
        return []
    return [link.stored_file for link in previous.files if link.stored_file_id in keep]


def _store_files(
    uploads: Sequence[FileStorage], kept: Sequence[StoredFile], *, actor: Any
) -> list[StoredFile]:
    """Check and store the uploads; raise :class:`InvalidSubmission` naming every refused
    file. Files stored before a refusal go when the caller rolls back."""
    if len(uploads) + len(kept) > MAX_FILES:
        raise InvalidSubmission.single(
            _l("A hand-in can have at most %(count)d files.", count=MAX_FILES), "files"
        )
    left = VERSION_MAX_BYTES - sum(f.size for f in kept)
    stored: list[StoredFile] = []
    refused: list[Any] = []
    for upload in uploads:
        try:
            new_file = store_upload(upload, actor=actor, max_bytes=FILE_MAX_BYTES)
            if new_file.size > left:
                raise FileRefused(
                    _l(
                        "This file is larger than the %(left)s MB still free for the files of "
                        "this hand-in.",
                        left=megabytes(max(left, 0)),
                    )
                )
        except FileRefused as exc:
            refused.append(_l("%(file)s: %(reason)s", file=upload.filename, reason=exc.message))
            continue
        left -= new_file.size
        stored.append(new_file)
    if refused:
        raise InvalidSubmission({"files": refused})
    return stored


def hand_in(
    registration: Registration,
    activity: FollowupActivity,
    *,
    text: str,
    link: str,
    files: Iterable[FileStorage | None] = (),
    keep_file_ids: Collection[int] = (),
    actor: Any,
    now: datetime | None = None,
) -> SubmissionVersion:
    """Hand in a new version of the participant's work on an assignment: a text, a link, new
    files and files kept from the previous version, any of them but not none.

    Raises :class:`SubmissionNotAllowed` or :class:`InvalidSubmission` (then nothing is kept:
    files stored before the refusal go when the caller rolls back)."""
    now = now or now_utc()
    submission = find_submission(registration, activity)
    reason = submission_closed_reason(registration, activity, submission, now=now)
    if reason is not None:
        raise SubmissionNotAllowed.single(reason)
    uploads = _uploads(files)
    previous = submission.current_version if submission is not None else None
    kept = _kept_files(previous, set(keep_file_ids))
    text, link = _clean_fields(text, link, has_files=bool(uploads or kept))
    stored = _store_files(uploads, kept, actor=actor)
    if submission is None:
        submission = _create(registration, activity, now=now)
    # Lock the row and look again: the team may have completed it meanwhile.
    db.session.refresh(submission, with_for_update=True)
    if submission.is_complete:
        raise SubmissionNotAllowed.single(COMPLETED_MESSAGE)
    version = SubmissionVersion(
        number=len(submission.versions) + 1,
        text=text,
        link=link,
        submitted_at=now,
        submitted_by_id=getattr(actor, "id", None),
        is_late=is_late(activity, now),
    )
    for position, stored_file in enumerate([*kept, *stored]):
        version.files.append(SubmissionFile(stored_file=stored_file, position=position))
    submission.versions.append(version)
    submission.text, submission.link, submission.submitted_at = text, link, now
    submission.returned_at = None
    db.session.flush()
    logger.info(
        "hand-in %s version %s for activity %s by %s",
        submission.id,
        version.number,
        activity.id,
        getattr(actor, "id", actor),
    )
    return version


# --- feedback --------------------------------------------------------------------------------


def give_feedback(
    submission: Submission,
    *,
    version_id: int | None,
    decision: FeedbackDecision,
    comment: str,
    actor: User,
    now: datetime | None = None,
) -> Feedback:
    """The course team's feedback on the current version: ``complete`` (counts for the
    certificate) or ``returned`` (the participant revises it: the comment says what to
    change). ``version_id`` is the version the author read: feedback on an older one is
    refused, as the participant has handed in again meanwhile. The participant is mailed."""
    now = now or now_utc()
    if submission.activity.kind != ActivityKind.ASSIGNMENT:
        raise FeedbackNotAllowed.single(_l("Only assignments take feedback."))
    db.session.refresh(submission, with_for_update=True)
    current = submission.current_version
    if current is None:
        raise FeedbackNotAllowed.single(_l("Nothing has been handed in yet."))
    if version_id != current.id:
        raise FeedbackNotAllowed.single(
            _l(
                "A newer version (%(number)d) was handed in meanwhile: read it before giving "
                "feedback.",
                number=current.number,
            )
        )
    comment = comment.replace("\r\n", "\n").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise InvalidFeedback.single(
            _l("The comment can have at most %(count)d characters.", count=COMMENT_MAX_LENGTH),
            "comment",
        )
    if decision == FeedbackDecision.RETURNED and not comment:
        raise InvalidFeedback.single(_l("Say what to change in the work."), "comment")
    feedback = Feedback(decision=decision, comment=comment, author=actor, created_at=now)
    current.feedback.append(feedback)
    if decision == FeedbackDecision.COMPLETE:
        if submission.completed_at is None:
            submission.completed_at = now
            submission.completed_by_id = actor.id
        submission.returned_at = None
    else:
        submission.completed_at = None
        submission.completed_by_id = None
        submission.returned_at = now
    db.session.flush()
    _mail_participant(submission, current, feedback)
    logger.info(
        "feedback %s (%s) on hand-in %s by %s", feedback.id, decision, submission.id, actor.id
    )
    return feedback


def _mail_participant(
    submission: Submission, version: SubmissionVersion, feedback: Feedback
) -> None:
    registration = submission.registration
    course = registration.course
    queue_mail(
        registration.email,
        "handin_feedback",
        locale=registration.language,
        registration=registration,
        course=course,
        course_title=course.title(registration.language),
        activity=submission.activity,
        version=version,
        feedback=feedback,
        returned=feedback.decision == FeedbackDecision.RETURNED,
        my_work_url=external_url("followup.my_work", slug=course.slug)
        + f"#activity-{submission.activity_id}",
    )


# --- reading ---------------------------------------------------------------------------------

# Filters of the team's view of an assignment, by the words of the query string.
LATE = "late"
FILTERS: dict[str, Any] = {
    "all": _l("Everyone"),
    HandinState.SUBMITTED.value: _l("Waiting for feedback"),
    LATE: _l("Handed in late"),
    HandinState.RETURNED.value: _l("Returned for revision"),
    HandinState.COMPLETE.value: _l("Completed"),
    HandinState.MISSING.value: _l("Nothing handed in"),
}


@dataclass
class HandinRow:
    """One confirmed participant on the team's view of an assignment."""

    registration: Registration
    submission: Submission | None

    @property
    def state(self) -> HandinState:
        return self.submission.state if self.submission is not None else HandinState.MISSING

    @property
    def current(self) -> SubmissionVersion | None:
        return self.submission.current_version if self.submission is not None else None

    @property
    def is_late(self) -> bool:
        return self.current is not None and self.current.is_late

    def shown_by(self, show: str) -> bool:
        if show == LATE:
            return self.is_late
        return show == "all" or self.state.value == show


def assignment_rows(activity: FollowupActivity) -> list[HandinRow]:
    """Every confirmed participant of the activity's course, by name, with their hand-in
    (versions, files and feedback loaded in a few queries, whatever the number of rows)."""
    stmt = (
        sa.select(Submission).where(Submission.activity_id == activity.id).options(*with_history())
    )
    found = {s.registration_id: s for s in db.session.scalars(stmt)}
    return [HandinRow(r, found.get(r.id)) for r in confirmed_participants(activity.course)]


def filter_rows(rows: Sequence[HandinRow], show: str) -> list[HandinRow]:
    """The rows the filter ``show`` keeps (every row for an unknown word)."""
    if show not in FILTERS:
        show = "all"
    return [row for row in rows if row.shown_by(show)]


def filter_counts(rows: Sequence[HandinRow]) -> dict[str, int]:
    """How many rows each filter keeps."""
    counts = Counter(row.state.value for row in rows)
    return {
        show: len(rows)
        if show == "all"
        else sum(row.is_late for row in rows)
        if show == LATE
        else counts[show]
        for show in FILTERS
    }


def zip_entries(rows: Sequence[HandinRow]) -> list[tuple[str, StoredFile]]:
    """The files of each row's current version, in the rows' order (the page's), named
    ``Ana Souza - version 2 - plan.pdf``
    (the participant as on their certificate, the version, the file's own name); the ZIP
    tells equal names apart (:func:`app.storage.serving.zip_stored_files`)."""
    entries = []
    for row in rows:
        current = row.current
        if current is None:
            continue
        version = str(_l("version %(number)d", number=current.number))
        for link in current.files:
            name = " - ".join(
                (row.registration.certificate_name, version, link.stored_file.filename)
            )
            entries.append((name, link.stored_file))
    return entries


def handin_states(course: Course) -> dict[tuple[int, int], HandinState]:
    """The state of every confirmed participant's work on every activity of ``course``, by
    (registration id, activity id): ``complete`` for what counts for the certificate (an
    assignment or any other activity the team marked complete), else for assignments
    ``submitted``, ``returned`` or ``missing``; ``missing`` for other activities not marked
    complete. Two queries, whatever the size of the course."""
    registrations = confirmed_participants(course)
    activities = list(course.activities)
    stmt = (
        sa.select(Submission)
        .join(FollowupActivity)
        .where(FollowupActivity.course_id == course.id)
        .options(selectinload(Submission.versions))
    )
    found = {(s.registration_id, s.activity_id): s for s in db.session.scalars(stmt)}
    states = {}
    for registration in registrations:
        for activity in activities:
            submission = found.get((registration.id, activity.id))
            state = submission.state if submission is not None else HandinState.MISSING
            if activity.kind != ActivityKind.ASSIGNMENT and state != HandinState.COMPLETE:
                state = HandinState.MISSING
            states[(registration.id, activity.id)] = state
    return states


# --- files go with their submission -------------------------------------------------------------


def _files_follow_their_submission(session: Session, _context: Any, _instances: Any) -> None:
    """Before a flush that deletes submissions, registrations, activities, courses or users:
    delete the stored files of the hand-ins going with them through the session (the database
    would cascade the links, leaving the files behind), so their bytes go once committed."""
    ids: dict[type, list[int]] = {
        kind: [o.id for o in session.deleted if isinstance(o, kind)]
        for kind in (Submission, Registration, FollowupActivity, Course, User)
    }
    if not any(ids.values()):
        return
    owners = sa.or_(
        Submission.id.in_(ids[Submission]),
        Submission.registration_id.in_(ids[Registration]),
        Submission.activity_id.in_(ids[FollowupActivity]),
        FollowupActivity.course_id.in_(ids[Course]),
        Registration.user_id.in_(ids[User]),
    )
    stmt = (
        sa.select(StoredFile)
        .join(SubmissionFile)
        .join(SubmissionVersion)
        .join(Submission)
        .join(FollowupActivity)
        .join(Registration)
        .where(owners)
    )
    with session.no_autoflush:
        # A file kept from one version to the next comes twice: deleting it twice is once.
        for stored in session.scalars(stmt).all():
            session.delete(stored)


sa.event.listen(Session, "before_flush", _files_follow_their_submission)
