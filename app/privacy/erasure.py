"""Erasure on request: a person asks, an administrator carries it out.

What goes and what stays, and why:

- The account keeps its id (audit events, course statistics and issued documents refer to it)
  and nothing else: its name becomes "Erased person #<id>", its address a unique one that can
  never be delivered (``erased-<id>@erased.invalid``, RFC 2606), the password, every session
  (with the browsers and addresses it was used from), the two-factor secret and recovery
  codes, pending confirmation links and feed tokens go, it is deactivated.
- Registrations stay, so that a course's counts of applicants and participants, attendance
  totals, completions and evaluation results do not change; everything in them that tells
  who the person was goes: name, address, organisation, job, gender, nationality, diet and
  accessibility needs, motivation, notes in the history, reviewers' comments. The country of
  residence and the kind of organisation stay for the course's statistics.
- Application answers, hand-ins and their files are deleted (the files' bytes leave the
  storage when the erasure is committed); visa letter requests lose the passport details and
  the consulate; finance requests lose the justification and billing details; discussion
  posts lose their text and are hidden; an endorsement loses the endorser's comment.
- Mail: every message in the outbox addressed to the person, or naming them, is deleted.
- A certificate keeps its code and dates with no name: its verification page says it was
  issued to a person whose data was erased.
- Invoices, pro-formas and credit notes stay exactly as issued: tax law requires the issued
  document to be kept unaltered for years (the app refuses any change to one), with the
  payer's name and address, its number, date and amounts. Payments recorded against them stay.
- A non-anonymous evaluation's answers stay in the results but are unlinked from the person.
- The audit log keeps its events (by id); details that held the name or an address (also a
  former one, from an address change) are blanked.
"""

from __future__ import annotations

import email
import email.policy
import logging
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.accounts.models import EmailConfirmation, PasswordResetToken, User
from app.alumni.models import AlumniInvitation
from app.applications.models import Answer
from app.audit.models import AuditAction, AuditEvent
from app.audit.services import record
from app.db import now_utc
from app.discussions.models import DigestPreference, DigestState, DiscussionPost
from app.endorsement.models import Endorsement
from app.evaluation.models import EvaluationCompletion
from app.extensions import db
from app.feeds.models import FeedToken
from app.finance.models import FinanceRequest
from app.followup.models import Submission, SubmissionFile, SubmissionVersion
from app.mail.models import OutboxMessage
from app.messages.models import CourseMessageRecipient
from app.privacy.models import ConsentRecord, ErasureRequest
from app.registration.models import Registration, RegistrationEvent
from app.selection.models import Review, ReviewScore
from app.sessions.models import UserSession
from app.storage.models import StoredFile
from app.twofactor.models import RecoveryCode, TwoFactorCredential
from app.visas.models import VisaLetterRequest
from app.visas.services import BLANK_PASSPORT

logger = logging.getLogger(__name__)

ERASED_DOMAIN = "erased.invalid"


class ErasureError(Exception):
    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


def erased_name(user_id: int) -> str:
    return f"Erased person #{user_id}"


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@{ERASED_DOMAIN}"


def is_erased(user: User) -> bool:
    return user.email == erased_email(user.id)


def pending_request(user: User) -> ErasureRequest | None:
    return db.session.scalar(
        sa.select(ErasureRequest).where(
            ErasureRequest.user_id == user.id, ErasureRequest.carried_out_at.is_(None)
        )
    )


def pending_requests() -> list[ErasureRequest]:
    return list(
        db.session.scalars(
            sa.select(ErasureRequest)
            .where(ErasureRequest.carried_out_at.is_(None))
            .order_by(ErasureRequest.requested_at, ErasureRequest.id)
        )
    )


def request_erasure(user: User, *, now: datetime | None = None) -> ErasureRequest:
    """The person's own request; one pending at a time. The administrators are told by mail
    (by account number only: the mail must not itself keep the name)."""
    if is_erased(user):
        raise ErasureError(_l("This account's data has been erased already."))
    if pending_request(user) is not None:
        raise ErasureError(_l("You have asked for erasure already; an administrator will act."))
    erasure = ErasureRequest(user_id=user.id, requested_at=now or now_utc())
    db.session.add(erasure)
    db.session.flush()
    record(AuditAction.ERASURE_REQUESTED, actor=user, subject=user, request=erasure.id)
    _tell_admins(erasure)
    return erasure


def _tell_admins(erasure: ErasureRequest) -> None:
    # Imported here: the mail area renders templates, which need the app set up.
    from app.accounts.models import Role
    from app.core.urls import external_url
    from app.mail.services import queue_mail

    admins = db.session.scalars(
        sa.select(User).where(User.role == Role.ADMIN, User.is_active.is_(True)).order_by(User.id)
    ).all()
    link = external_url("privacy.admin_requests")
    for admin in admins:
        queue_mail(
            admin.email,
            "privacy_erasure_requested",
            locale=admin.locale,
            account_id=erasure.user_id,
            requested_at=erasure.requested_at,
            link=link,
        )


def carry_out(erasure: ErasureRequest, *, actor: User, now: datetime | None = None) -> None:
    """Erase the person's data (see the module docstring); the caller commits."""
    if not erasure.is_pending:
        raise ErasureError(_l("This request was carried out already."))
    now = now or now_utc()
    user = erasure.user
    erase_person(user)
    erasure.carried_out_at = now
    erasure.carried_out_by_id = actor.id
    record(AuditAction.ERASURE_CARRIED_OUT, actor=actor, subject=user, request=erasure.id)


def erase_person(user: User) -> None:
    """Remove or anonymise every personal value of ``user``; the caller commits."""
    registrations = list(
        db.session.scalars(sa.select(Registration).where(Registration.user_id == user.id))
    )
    names = {user.name, *(r.certificate_name for r in registrations)}
    addresses = {user.email, *(r.email for r in registrations), *_former_addresses(user)}
    registration_ids = [r.id for r in registrations]

    _erase_outbox(names, addresses, registration_ids)
    _erase_audit_details(user, names, addresses)
    if registration_ids:
        _erase_registrations(registrations, registration_ids)

    for model in (
        FeedToken,
        AlumniInvitation,
        DigestState,
        DigestPreference,
        ConsentRecord,
        UserSession,  # the browsers and addresses it signed in from
        TwoFactorCredential,
        RecoveryCode,
    ):
        db.session.execute(sa.delete(model).where(model.user_id == user.id))
    for token in list(user.reset_tokens):
        db.session.delete(token)
    db.session.execute(sa.delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    # Pending links: an address change, or a sign-up (with its kept answers) to this address.
    db.session.execute(
        sa.delete(EmailConfirmation).where(
            sa.or_(EmailConfirmation.user_id == user.id, EmailConfirmation.email.in_(addresses))
        )
    )
    for post in db.session.scalars(
        sa.select(DiscussionPost).where(DiscussionPost.author_id == user.id)
    ):
        post.body = ""
        post.is_hidden = True
        post.hidden_at = post.hidden_at or now_utc()

    user.name = erased_name(user.id)
    user.email = erased_email(user.id)
    user.password_hash = None
    user.timezone = None
    user.is_active = False
    db.session.flush()
    logger.info("personal data of account %s erased", user.id)


def _erase_registrations(registrations: list[Registration], ids: list[int]) -> None:
    for registration in registrations:
        registration.certificate_name = erased_name(registration.user_id)
        registration.email = erased_email(registration.user_id)
        registration.organisation = ""
        registration.nationality = None
        registration.job_title = ""
        registration.gender = None
        registration.diet = ""
        registration.accessibility = ""
        registration.motivation = ""
        registration.consent_listing = False
        registration.consent_alumni = False
        if registration.certificate is not None:
            registration.certificate.name = ""
    # Each file through the session, so that its bytes go once this is committed.
    for answer in db.session.scalars(sa.select(Answer).where(Answer.registration_id.in_(ids))):
        db.session.delete(answer)
    handin_files = db.session.scalars(
        sa.select(StoredFile)
        .join(SubmissionFile, SubmissionFile.stored_file_id == StoredFile.id)
        .join(SubmissionVersion, SubmissionVersion.id == SubmissionFile.version_id)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .where(Submission.registration_id.in_(ids))
        .distinct()
    ).all()
    for submission in db.session.scalars(
        sa.select(Submission).where(Submission.registration_id.in_(ids))
    ):
        # The completion stays (certificates and progress count it); the work goes.
        submission.text = ""
        submission.link = ""
        for version in list(submission.versions):
            submission.versions.remove(version)
    db.session.flush()
    for stored_file in handin_files:
        db.session.delete(stored_file)
    db.session.execute(
        sa.update(RegistrationEvent)
        .where(RegistrationEvent.registration_id.in_(ids))
        .values(note="")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(VisaLetterRequest)
        .where(VisaLetterRequest.registration_id.in_(ids))
        .values(consulate_city="", **BLANK_PASSPORT)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(VisaLetterRequest)
        .where(
            VisaLetterRequest.registration_id.in_(ids),
            VisaLetterRequest.passport_erased_at.is_(None),
        )
        .values(passport_erased_at=now_utc())
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(FinanceRequest)
        .where(FinanceRequest.registration_id.in_(ids))
        .values(
            justification="",
            billing_name="",
            billing_address="",
            billing_email="",
            billing_tax_id="",
            billing_reference="",
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(Endorsement)
        .where(Endorsement.registration_id.in_(ids))
        .values(comment="")
        .execution_options(synchronize_session=False)
    )
    reviews = sa.select(Review.id).where(Review.registration_id.in_(ids))
    db.session.execute(
        sa.update(Review)
        .where(Review.registration_id.in_(ids))
        .values(comment="")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(ReviewScore)
        .where(ReviewScore.review_id.in_(reviews))
        .values(comment="")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(EvaluationCompletion)
        .where(EvaluationCompletion.registration_id.in_(ids))
        .values(response_id=None)
        .execution_options(synchronize_session=False)
    )


def _names_them(message: OutboxMessage, needles: list[str]) -> bool:
    if message.recipient.casefold() in needles:
        return True
    parsed = email.message_from_bytes(message.raw, policy=email.policy.default)
    parts = [str(parsed.get("Subject", "")), str(parsed.get("To", ""))]
    for part in parsed.walk():
        if part.get_content_maintype() == "text":
            try:
                parts.append(part.get_content())
            except (LookupError, ValueError):
                continue
    text = " ".join(parts).casefold()
    return any(needle in text for needle in needles)


def _erase_outbox(names: set[str], addresses: set[str], registration_ids: list[int]) -> None:
    needles = sorted({value.casefold() for value in names | addresses if value.strip()})
    doomed = [
        message.id
        for message in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
        if _names_them(message, needles)
    ]
    if not doomed:
        return
    db.session.execute(
        sa.update(CourseMessageRecipient)
        .where(CourseMessageRecipient.outbox_id.in_(doomed))
        .values(outbox_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.delete(OutboxMessage)
        .where(OutboxMessage.id.in_(doomed))
        .execution_options(synchronize_session=False)
    )


def _former_addresses(user: User) -> set[str]:
    """The addresses the account had before a change (kept in the audit log's details)."""
    events = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.subject_id == user.id, AuditEvent.action == AuditAction.EMAIL_CHANGED
        )
    )
    return {
        str(value)
        for event in events
        for key in ("old_email", "new_email")
        if (value := (event.detail or {}).get(key))
    }


def _erase_audit_details(user: User, names: set[str], addresses: set[str]) -> None:
    needles = [value.casefold() for value in names | addresses if value.strip()]
    for event in db.session.scalars(sa.select(AuditEvent)):
        detail = event.detail or {}
        if any(needle in str(value).casefold() for value in detail.values() for needle in needles):
            event.detail = {
                key: ("" if any(needle in str(value).casefold() for needle in needles) else value)
                for key, value in detail.items()
            }
