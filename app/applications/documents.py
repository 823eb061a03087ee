"""The applicants' documents (the answers to file questions): who may read them, the ZIP of a
course's documents named by participant, and documents going with their registration or
account.

A document is read by its applicant and by those who judge the application: the course's
organisers, its reviewers and administrators (:func:`can_read_documents`); everyone else is
told it does not exist. Only organisers and administrators download every document of the
course at once (:func:`can_download_all`): reviewers read applications one by one and export
nothing, as they see nothing else of the desk.

A registration or an account deleted through the session takes its answers, and so their
stored files, with it: the rows go in the same flush, the bytes once it is committed
(:func:`_documents_follow_their_owner`, a session event).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.applications.exports import answers_by_registration
from app.applications.models import Answer, ApplicationQuestion, QuestionKind
from app.courses.models import Course
from app.courses.permissions import can_manage_course, can_review
from app.extensions import db
from app.registration.models import Registration
from app.storage.models import StoredFile

# A question's label in a ZIP entry's name is cut to this many characters.
LABEL_IN_NAME = 60
SEPARATOR = " - "


def can_read_documents(user: Any, registration: Registration) -> bool:
    """The applicant, and the course's organisers, reviewers and administrators."""
    if not getattr(user, "is_authenticated", False):
        return False
    return registration.user_id == user.id or can_review(user, registration.course)


def can_download_all(user: Any, course: Course) -> bool:
    """Every document of the course at once: its organisers and administrators."""
    return can_manage_course(user, course)


def asks_documents(course: Course) -> bool:
    """Whether the course has file questions (retired ones too: their documents are kept)."""
    return db.session.scalar(
        sa.select(
            sa.exists().where(
                ApplicationQuestion.course_id == course.id,
                ApplicationQuestion.kind == QuestionKind.FILE,
            )
        )
    )


def readable_document(registration_id: int, question_id: int, *, actor: Any) -> StoredFile | None:
    """The document answering the question in the registration, if ``actor`` may read it;
    ``None`` when there is none or they may not (the caller answers both alike)."""
    answer = db.session.scalar(
        sa.select(Answer).where(
            Answer.registration_id == registration_id, Answer.question_id == question_id
        )
    )
    if answer is None or answer.file is None or not can_read_documents(actor, answer.registration):
        return None
    return answer.file


def _entry_name(registration: Registration, label: str, stored: StoredFile) -> str:
    """``Ana Souza - Curriculum vitae - cv.pdf``: the participant's name as on their
    certificate (one field, written as they write it), the question, the file's own name."""
    if len(label) > LABEL_IN_NAME:
        label = label[: LABEL_IN_NAME - 1].rstrip() + "…"
    return SEPARATOR.join((registration.certificate_name.strip(), label.strip(), stored.filename))


def zip_entries(
    course: Course, registrations: Sequence[Registration], locale: str
) -> list[tuple[str, StoredFile]]:
    """The documents of ``registrations`` (of ``course``), each with its name in the ZIP, by
    participant's name, then in the questions' order. Names are made safe and told apart
    when the ZIP is built (:func:`app.storage.serving.zip_stored_files`)."""
    ours = sorted(
        (r for r in registrations if r.course_id == course.id),
        key=lambda r: (r.certificate_name.casefold(), r.id),
    )
    answers = answers_by_registration([r.id for r in ours])
    return [
        (_entry_name(registration, answer.question.label(locale), answer.file), answer.file)
        for registration in ours
        for answer in answers.get(registration.id, [])
        if answer.file is not None
    ]


# --- documents go with their registration or account -------------------------------------------


def _documents_follow_their_owner(session: Session, _context: Any, _instances: Any) -> None:
    """Before a flush that deletes registrations or users: delete their answers through the
    session too (the database would cascade them, leaving the stored files behind), so that
    each answer's file goes with it (``delete-orphan``) and its bytes once committed."""
    registration_ids = [o.id for o in session.deleted if isinstance(o, Registration)]
    user_ids = [o.id for o in session.deleted if isinstance(o, User)]
    if not registration_ids and not user_ids:
        return
    owners = Registration.id.in_(registration_ids) | Registration.user_id.in_(user_ids)
    with session.no_autoflush:
        answers = session.scalars(sa.select(Answer).join(Answer.registration).where(owners))
        for answer in answers:
            session.delete(answer)


sa.event.listen(Session, "before_flush", _documents_follow_their_owner)
