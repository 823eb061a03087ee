"""A person's copy of everything Atelier holds about them (the right of access and to data
portability): one ZIP with ``atelier-data.json`` and the files.

The JSON's keys are stable and documented in ``README-export.txt`` inside the ZIP (see
:data:`README`); dates are ISO 8601 (``2027-03-01``), times ISO 8601 in UTC with their offset.
Anonymous evaluation answers and anonymous session ratings are not in it: nothing links them
to the person, by design. Other people's data is not in it either (reviewers' scores and
comments are the reviewers'; an endorser's answer is given in its outcome only).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from zipstream import ZipStream

from app.accounts.models import User
from app.applications.models import Answer
from app.db import now_utc
from app.discussions.models import DiscussionPost
from app.endorsement.models import Endorsement
from app.evaluation.models import EvaluationCompletion
from app.evaluation.rating_models import SessionRatingDone
from app.extensions import db
from app.finance.models import FinanceRequest
from app.followup.models import Submission
from app.invoices.models import Invoice
from app.mail.models import OutboxMessage
from app.privacy.models import ConsentRecord, ErasureRequest
from app.registration.models import Registration
from app.storage.backends import CHUNK_SIZE, get_storage
from app.storage.models import StoredFile
from app.storage.services import safe_filename
from app.visas.models import VisaLetterRequest

FORMAT = "atelier-personal-data"
FORMAT_VERSION = 1
JSON_NAME = "atelier-data.json"

README = """Atelier: your personal data
===========================

atelier-data.json holds everything Atelier keeps about you; the folders hold your files.

Top-level keys (format "atelier-personal-data", version 1):
  exported_at        when this copy was made (ISO 8601, UTC)
  account            your account: name, email, language, time zone, role, dates
  consents           the consents you gave, with the privacy notice version and time
  erasure_requests   your requests for erasure and when they were carried out
  registrations      one per course you applied to, each with:
      course, status, the details of your application, answers (a file answer names its
      path in this ZIP), history (status changes), attendance (day, present),
      handins (each version, its files' paths), evaluations_completed (when; what you
      answered is not linked to you), sessions_rated (which, when; not the rating),
      certificate, visa_letter, finance_request, endorsement, invoices (with lines and
      payments)
  discussion_posts   what you wrote in course discussions
  mail               the messages sent to you; each names its .eml file in mail/

Dates are YYYY-MM-DD; times are ISO 8601 with their UTC offset; amounts are decimal strings.
"""


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _file_entry(path: str, stored_file: StoredFile) -> dict[str, Any]:
    return {
        "path": path,
        "filename": stored_file.filename,
        "content_type": stored_file.content_type,
        "size": stored_file.size,
        "sha256": stored_file.sha256,
        "uploaded_at": _iso(stored_file.created_at),
    }


class _Files:
    """The files to put in the ZIP, each under a unique, safe path."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, StoredFile]] = []
        self._taken: set[str] = set()

    def add(self, folder: str, stored_file: StoredFile) -> dict[str, Any]:
        base = f"{folder}/{safe_filename(stored_file.filename)}"
        path, number = base, 1
        while path.casefold() in self._taken:
            number += 1
            stem, dot, extension = base.rpartition(".")
            path = f"{stem} ({number}).{extension}" if dot else f"{base} ({number})"
        self._taken.add(path.casefold())
        self.entries.append((path, stored_file))
        return _file_entry(path, stored_file)


def build(user: User, *, now: datetime | None = None) -> tuple[dict[str, Any], list[Any]]:
    """The document and the files (``(path, StoredFile)``) and mails (``(path, bytes)``)."""
    files = _Files()
    locale = user.locale
    registrations = list(
        db.session.scalars(
            sa.select(Registration)
            .where(Registration.user_id == user.id)
            .order_by(Registration.created_at, Registration.id)
        )
    )
    data: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": _iso(now or now_utc()),
        "account": {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "role": user.role.value,
            "locale": user.locale,
            "timezone": user.timezone,
            "is_active": user.is_active,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
        },
        "consents": [
            {
                "context": consent.context.value,
                "text": consent.text,
                "notice_version": consent.notice.version if consent.notice else None,
                "course": consent.course.slug if consent.course else None,
                "accepted_at": _iso(consent.accepted_at),
            }
            for consent in db.session.scalars(
                sa.select(ConsentRecord)
                .where(ConsentRecord.user_id == user.id)
                .order_by(ConsentRecord.accepted_at, ConsentRecord.id)
            )
        ],
        "erasure_requests": [
            {"requested_at": _iso(e.requested_at), "carried_out_at": _iso(e.carried_out_at)}
            for e in db.session.scalars(
                sa.select(ErasureRequest)
                .where(ErasureRequest.user_id == user.id)
                .order_by(ErasureRequest.id)
            )
        ],
        "registrations": [_registration(r, files, locale) for r in registrations],
        "discussion_posts": [
            {
                "course": post.activity.course.slug,
                "activity": post.activity.title,
                "is_reply": post.parent_id is not None,
                "body": post.body,
                "created_at": _iso(post.created_at),
                "edited_at": _iso(post.edited_at),
                "is_hidden": post.is_hidden,
            }
            for post in db.session.scalars(
                sa.select(DiscussionPost)
                .where(DiscussionPost.author_id == user.id)
                .order_by(DiscussionPost.created_at, DiscussionPost.id)
            )
        ],
    }
    addresses = sorted({user.email, *(r.email for r in registrations)})
    mails: list[tuple[str, bytes]] = []
    data["mail"] = []
    for number, message in enumerate(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.recipient.in_(addresses))
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        ),
        start=1,
    ):
        path = f"mail/{number:04d}.eml"
        mails.append((path, message.raw))
        data["mail"].append(
            {
                "to": message.recipient,
                "subject": message.subject,
                "queued_at": _iso(message.created_at),
                "sent_at": _iso(message.sent_at),
                "status": message.status.value,
                "path": path,
            }
        )
    return data, [*files.entries, *mails]


def _registration(registration: Registration, files: _Files, locale: str) -> dict[str, Any]:
    course = registration.course
    folder = f"files/{course.slug}"
    return {
        "course": {
            "slug": course.slug,
            "title": course.title(locale),
            "start_date": _iso(course.start_date),
            "end_date": _iso(course.end_date),
        },
        "status": registration.status.value,
        "certificate_name": registration.certificate_name,
        "email": registration.email,
        "organisation": registration.organisation,
        "organisation_type": _value(registration.organisation_type),
        "job_title": registration.job_title,
        "country": registration.country,
        "nationality": registration.nationality,
        "gender": _value(registration.gender),
        "language": registration.language,
        "diet": registration.diet,
        "accessibility": registration.accessibility,
        "motivation": registration.motivation,
        "funding": _value(registration.funding),
        "consent_data": registration.consent_data,
        "consent_listing": registration.consent_listing,
        "consent_alumni": registration.consent_alumni,
        "applied_at": _iso(registration.created_at),
        "decided_at": _iso(registration.decided_at),
        "answers": [
            {
                "question": answer.question.label(locale),
                "value": answer.value,
                "options": [option.label(locale) for option in answer.options],
                "file": files.add(f"{folder}/application", answer.file) if answer.file else None,
                "answered_at": _iso(answer.updated_at),
            }
            for answer in db.session.scalars(
                sa.select(Answer)
                .where(Answer.registration_id == registration.id)
                .order_by(Answer.id)
            )
        ],
        "history": [
            {
                "action": event.action,
                "from_status": _value(event.from_status),
                "to_status": _value(event.to_status),
                "at": _iso(event.created_at),
            }
            for event in registration.events
        ],
        "attendance": [
            {"day": _iso(a.day), "present": a.is_present}
            for a in sorted(registration.attendance, key=lambda a: a.day)
        ],
        "handins": _handins(registration, files, folder),
        "evaluations_completed": [
            {"completed_at": _iso(c.completed_at)}
            for c in db.session.scalars(
                sa.select(EvaluationCompletion).where(
                    EvaluationCompletion.registration_id == registration.id
                )
            )
        ],
        "sessions_rated": [
            {"session": done.session.title, "rated_on": _iso(done.done_on)}
            for done in db.session.scalars(
                sa.select(SessionRatingDone)
                .where(SessionRatingDone.registration_id == registration.id)
                .order_by(SessionRatingDone.done_on, SessionRatingDone.id)
            )
        ],
        "certificate": _certificate(registration),
        "visa_letter": _visa(registration),
        "finance_request": _finance(registration),
        "endorsement": _endorsement(registration),
        "invoices": _invoices(registration),
    }


def _value(member: Any) -> str | None:
    return member.value if member is not None else None


def _handins(registration: Registration, files: _Files, folder: str) -> list[dict[str, Any]]:
    result = []
    for submission in db.session.scalars(
        sa.select(Submission)
        .where(Submission.registration_id == registration.id)
        .order_by(Submission.id)
    ):
        activity = submission.activity
        result.append(
            {
                "activity": activity.title,
                "completed_at": _iso(submission.completed_at),
                "versions": [
                    {
                        "number": version.number,
                        "submitted_at": _iso(version.submitted_at),
                        "is_late": version.is_late,
                        "text": version.text,
                        "link": version.link,
                        "files": [
                            files.add(
                                f"{folder}/handins/{activity.id}/v{version.number}",
                                item.stored_file,
                            )
                            for item in version.files
                        ],
                        "feedback": [
                            {
                                "decision": feedback.decision.value,
                                "comment": feedback.comment,
                                "at": _iso(feedback.created_at),
                            }
                            for feedback in version.feedback
                        ],
                    }
                    for version in submission.versions
                ],
            }
        )
    return result


def _certificate(registration: Registration) -> dict[str, Any] | None:
    certificate = registration.certificate
    if certificate is None:
        return None
    return {
        "code": certificate.code,
        "name": certificate.name,
        "issued_on": _iso(certificate.issued_on),
        "revoked_at": _iso(certificate.revoked_at),
        "revocation_reason": certificate.revocation_reason,
    }


def _visa(registration: Registration) -> dict[str, Any] | None:
    request = db.session.scalar(
        sa.select(VisaLetterRequest).where(VisaLetterRequest.registration_id == registration.id)
    )
    if request is None:
        return None
    return {
        "status": request.status.value,
        "passport_name": request.passport_name,
        "passport_number": request.passport_number,
        "nationality": request.nationality,
        "birth_date": _iso(request.birth_date),
        "passport_expires_on": _iso(request.passport_expires_on),
        "consulate_city": request.consulate_city,
        "consulate_country": request.consulate_country,
        "language": request.language,
        "requested_at": _iso(request.requested_at),
        "decided_at": _iso(request.decided_at),
        "reference": request.reference,
        "issued_on": _iso(request.issued_on),
        "passport_erased_at": _iso(request.passport_erased_at),
    }


def _finance(registration: Registration) -> dict[str, Any] | None:
    finance = db.session.scalar(
        sa.select(FinanceRequest).where(FinanceRequest.registration_id == registration.id)
    )
    if finance is None:
        return None
    return {
        "wants_fellowship": finance.wants_fellowship,
        "justification": finance.justification,
        "payer_kind": finance.payer_kind.value,
        "billing_name": finance.billing_name,
        "billing_address": finance.billing_address,
        "billing_email": finance.billing_email,
        "billing_tax_id": finance.billing_tax_id,
        "billing_reference": finance.billing_reference,
    }


def _endorsement(registration: Registration) -> dict[str, Any] | None:
    endorsement = db.session.scalar(
        sa.select(Endorsement).where(Endorsement.registration_id == registration.id)
    )
    if endorsement is None:
        return None
    return {
        "status": endorsement.status.value,
        "endorser_name": endorsement.endorser_name,
        "requested_at": _iso(endorsement.requested_at),
        "responded_at": _iso(endorsement.responded_at),
    }


def _money(amount: Decimal | None) -> str | None:
    return str(amount) if amount is not None else None


def _invoices(registration: Registration) -> list[dict[str, Any]]:
    return [
        {
            "kind": invoice.kind.value,
            "number": invoice.number_text,
            "issued_on": _iso(invoice.issued_on),
            "due_on": _iso(invoice.due_on),
            "currency": invoice.currency,
            "total": _money(invoice.total),
            "participant_name": invoice.participant_name,
            "billing_name": invoice.billing_name,
            "billing_address": invoice.billing_address,
            "billing_email": invoice.billing_email,
            "lines": [
                {"kind": line.kind.value, "detail": line.detail, "amount": _money(line.amount)}
                for line in invoice.lines
            ],
            "payments": [
                {
                    "paid_on": _iso(payment.paid_on),
                    "amount": _money(payment.amount),
                    "method": payment.method.value,
                    "reference": payment.reference,
                }
                for payment in invoice.payments
            ],
        }
        for invoice in db.session.scalars(
            sa.select(Invoice)
            .where(Invoice.registration_id == registration.id)
            .order_by(Invoice.issued_at, Invoice.id)
        )
    ]


def _chunks(key: str) -> Iterator[bytes]:
    with get_storage().open(key) as fh:
        while chunk := fh.read(CHUNK_SIZE):
            yield chunk


def archive(user: User, *, now: datetime | None = None) -> ZipStream:
    """The ZIP, built while it is sent (files read one at a time from the storage)."""
    data, entries = build(user, now=now)
    stream = ZipStream(sized=True)
    stream.add(json.dumps(data, ensure_ascii=False, indent=2).encode(), JSON_NAME)
    stream.add(README.encode(), "README-export.txt")
    for path, item in entries:
        if isinstance(item, StoredFile):
            stream.add(_chunks(item.storage_key), path, size=item.size)
        else:
            stream.add(item, path)
    return stream
