"""The rules of the organisers' mail: who it goes to, checking and filling its placeholders,
queueing a copy per recipient in their language, scheduling, cancelling, and its history.

Nothing here reads the request: the actor and ``now`` are arguments. Functions flush, never
commit; the outbox rows are added in the caller's transaction, so a message is queued if and
only if that transaction commits (and a stored message never lacks its copies).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core.rules import FieldErrors
from app.courses.models import Course
from app.extensions import db
from app.mail.models import OutboxMessage, OutboxStatus
from app.mail.services import queue_mail
from app.messages import placeholders
from app.messages.models import (
    CourseMessage,
    CourseMessageRecipient,
    CourseMessageText,
    MessageStatus,
)
from app.progress.services import progress_matrix
from app.registration.exports import DeskFilters, desk_registrations
from app.registration.models import Registration, RegistrationStatus

SUBJECT_MAX = 200
BODY_MAX = 20_000
TEMPLATE = "course_message"


class MessageError(FieldErrors):
    """The message cannot be written or sent as asked (messages by form field)."""


@dataclass(frozen=True)
class Version:
    """One language's subject and body, placeholders unfilled."""

    subject: str
    body: str


@dataclass(frozen=True)
class Rendered:
    locale: str
    subject: str
    body: str


def subject_field(locale: str) -> str:
    return f"subject_{locale}"


def body_field(locale: str) -> str:
    return f"body_{locale}"


# --- who it goes to ----------------------------------------------------------------------------


def recipients(
    course: Course,
    filters: DeskFilters | None = None,
    *,
    missing: str | None = None,
    ticked: Iterable[int] | None = None,
    now: datetime,
) -> list[Registration]:
    """The course's registrations the desk lists with ``filters``; with ``missing`` (a column of
    the progress matrix, or "any"), only confirmed participants still missing it; with
    ``ticked``, only those ticked. In the desk's order."""
    found = desk_registrations(course, filters)
    if missing:
        lacking = {
            row.registration.id for row in progress_matrix(course, missing=missing, now=now).rows
        }
        found = [r for r in found if r.id in lacking]
    if ticked is not None:
        chosen = set(ticked)
        found = [r for r in found if r.id in chosen]
    return found


def version_locale(registration: Registration, locales: Iterable[str], default: str) -> str:
    """The language a recipient receives: their registration's, if written in it, else the
    message's default."""
    return registration.language if registration.language in set(locales) else default


# --- checking and filling ----------------------------------------------------------------------


def course_languages(course: Course) -> list[str]:
    """The languages a message can be written in: the course's, else its default language."""
    return course.language_list or [course.default_locale]


def check_versions(course: Course, versions: Mapping[str, Version]) -> dict[str, Version]:
    """The versions to store: only the course's languages, each with a subject and a body,
    subjects on one line, placeholders known. Raises MessageError by field."""
    errors: dict[str | None, list[object]] = {}
    languages = course_languages(course)
    kept: dict[str, Version] = {}
    for locale, version in versions.items():
        if locale not in languages:
            errors.setdefault(None, []).append(
                _l("The course is not taught in this language: %(locale)s.", locale=locale)
            )
            continue
        subject, body = version.subject.strip(), version.body.strip()
        if not subject and not body:
            continue  # a language left empty is not written in
        subject_errors = errors.setdefault(subject_field(locale), [])
        body_errors = errors.setdefault(body_field(locale), [])
        if not subject:
            subject_errors.append(_l("Write a subject."))
        if "\n" in subject or "\r" in subject:
            # A line break in a subject could start a new mail header.
            subject_errors.append(_l("The subject must be on one line."))
        if len(subject) > SUBJECT_MAX:
            subject_errors.append(_l("At most %(max)d characters.", max=SUBJECT_MAX))
        if not body:
            body_errors.append(_l("Write the message."))
        if len(body) > BODY_MAX:
            body_errors.append(_l("At most %(max)d characters.", max=BODY_MAX))
        for errs, text in ((subject_errors, subject), (body_errors, body)):
            unknown = placeholders.unknown_placeholders(text)
            if unknown:
                errs.append(
                    _l(
                        "Unknown placeholders: %(unknown)s. Those that exist: %(known)s.",
                        unknown=", ".join(unknown),
                        known=", ".join(p.token for p in placeholders.PLACEHOLDERS),
                    )
                )
        kept[locale] = Version(subject, body)
    if not kept and not errors.get(None):
        errors.setdefault(subject_field(languages[0]), []).append(
            _l("Write the message in at least one of the course's languages.")
        )
    errors = {key: value for key, value in errors.items() if value}
    if errors:
        raise MessageError(errors)
    return kept


def default_locale(course: Course, locales: Iterable[str]) -> str:
    """The version for those whose language was not written in: the course's default language
    when written in, else the first of the course's languages that was (``locales`` are
    checked: each is one of the course's)."""
    written = set(locales)
    if course.default_locale in written:
        return course.default_locale
    return next(code for code in course_languages(course) if code in written)


def render(versions: Mapping[str, Version], registration: Registration, default: str) -> Rendered:
    """What ``registration`` receives: their version, placeholders filled, the subject on one
    line (whatever a name filled in holds)."""
    locale = version_locale(registration, versions, default)
    version = versions[locale]
    values = placeholders.values_for(registration, locale)
    subject = " ".join(placeholders.fill(version.subject, values).split())
    return Rendered(locale, subject, placeholders.fill(version.body, values))


# --- writing, sending, scheduling --------------------------------------------------------------


def compose(
    course: Course,
    versions: Mapping[str, Version],
    registrations: list[Registration],
    *,
    actor: User,
    now: datetime,
    send_at: datetime | None = None,
    audience: str = "",
) -> CourseMessage:
    """Store the message for ``registrations`` and queue its copies now, or keep it for
    ``send_at`` (UTC, in the future) for `flask tick`."""
    kept = check_versions(course, versions)
    if not registrations:
        raise MessageError.single(_l("Nobody to write to: no participant matches."))
    if any(r.course_id != course.id for r in registrations):
        raise MessageError.single(_l("Some recipients are not participants of this course."))
    if send_at is not None and send_at <= now:
        raise MessageError.single(_l("Choose a time in the future."), "send_at")
    message = CourseMessage(
        course=course,
        author=actor,
        status=MessageStatus.SCHEDULED,
        default_locale=default_locale(course, kept),
        audience=audience[:500],
        created_at=now,
        send_at=send_at,
        texts=[
            CourseMessageText(locale=k, subject=v.subject, body=v.body) for k, v in kept.items()
        ],
        recipients=[
            CourseMessageRecipient(registration=r, status_when_written=r.status)
            for r in registrations
        ],
    )
    db.session.add(message)
    db.session.flush()
    if send_at is None:
        dispatch(message, now=now)
    return message


def versions_of(message: CourseMessage) -> dict[str, Version]:
    return {text.locale: Version(text.subject, text.body) for text in message.texts}


# Statuses of people who are no longer part of the course.
_GONE = (RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED)


def has_left(recipient: CourseMessageRecipient) -> bool:
    """Whether the person cancelled or was turned down after the message was written (a
    message written to cancelled people on purpose still reaches them)."""
    return (
        recipient.registration.status in _GONE
        and recipient.status_when_written is not None
        and recipient.status_when_written not in _GONE
    )


def dispatch(message: CourseMessage, *, now: datetime) -> None:
    """Queue a copy for each recipient, in their language, and mark the message sent."""
    versions = versions_of(message)
    course = message.course
    for recipient in message.recipients:
        if has_left(recipient):
            continue
        registration = recipient.registration
        rendered = render(versions, registration, message.default_locale)
        recipient.locale = rendered.locale
        recipient.outbox = queue_mail(
            registration.email,
            TEMPLATE,
            locale=rendered.locale,
            subject=rendered.subject,
            body=rendered.body,
            course=course,
            course_title=course.title(rendered.locale),
        )
    message.status = MessageStatus.SENT
    message.sent_at = now
    db.session.flush()


def send_test(
    course: Course,
    versions: Mapping[str, Version],
    registration: Registration,
    *,
    actor: User,
) -> OutboxMessage:
    """Queue ``registration``'s copy to the organiser's own address instead (nothing stored
    but the outbox row)."""
    kept = check_versions(course, versions)
    rendered = render(kept, registration, default_locale(course, kept))
    return queue_mail(
        actor.email,
        TEMPLATE,
        locale=rendered.locale,
        subject=rendered.subject,
        body=rendered.body,
        course=course,
        course_title=course.title(rendered.locale),
        is_test=True,
        test_for=registration.certificate_name,
    )


def _take(message: CourseMessage, status: MessageStatus) -> bool:
    """Move a scheduled message to ``status`` in one conditional UPDATE: of two runs (two ticks,
    or a tick and a cancellation) at the same moment, exactly one gets True."""
    result = db.session.execute(
        sa.update(CourseMessage)
        .where(CourseMessage.id == message.id, CourseMessage.status == MessageStatus.SCHEDULED)
        .values(status=status)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def send_due(now: datetime) -> int:
    """Queue the scheduled messages whose time has come, each exactly once (a second or
    concurrent run finds them claimed); returns how many messages went."""
    due = db.session.scalars(
        sa.select(CourseMessage)
        .where(CourseMessage.status == MessageStatus.SCHEDULED, CourseMessage.send_at <= now)
        .order_by(CourseMessage.send_at, CourseMessage.id)
        .with_for_update(skip_locked=True)
    ).all()
    sent = 0
    for message in due:
        if not _take(message, MessageStatus.SENT):
            continue
        dispatch(message, now=now)
        sent += 1
    return sent


def cancel(message: CourseMessage, *, actor: User, now: datetime) -> None:
    """Cancel a scheduled message before it goes."""
    if not _take(message, MessageStatus.CANCELLED):
        raise MessageError.single(_l("Only a message waiting for its time can be cancelled."))
    message.status = MessageStatus.CANCELLED
    message.cancelled_at = now
    message.cancelled_by = actor
    db.session.flush()


# --- history -----------------------------------------------------------------------------------

QUEUED = "queued"
WAITING = "waiting"  # the message is scheduled: no copy yet
NOT_SENT = "not_sent"  # cancelled, or the copy was removed from the outbox
LEFT = "left"  # they left the course before the scheduled message went

DELIVERY_LABELS = {
    QUEUED: _l("Queued"),
    OutboxStatus.SENT.value: _l("Sent"),
    OutboxStatus.FAILED.value: _l("Failed"),
    WAITING: _l("Scheduled"),
    NOT_SENT: _l("Not sent"),
    LEFT: _l("Not sent: no longer a participant"),
}


def delivery_status(recipient: CourseMessageRecipient) -> str:
    """Where a recipient's copy is: queued, sent or failed (from the outbox), or scheduled, or
    not sent."""
    if recipient.outbox is not None:
        status = recipient.outbox.status
        return QUEUED if status == OutboxStatus.PENDING else status.value
    if recipient.message.status == MessageStatus.SCHEDULED:
        return WAITING
    if recipient.message.status == MessageStatus.SENT and has_left(recipient):
        return LEFT
    return NOT_SENT


def delivery_counts(message: CourseMessage) -> dict[str, int]:
    counts: dict[str, int] = {}
    for recipient in message.recipients:
        status = delivery_status(recipient)
        counts[status] = counts.get(status, 0) + 1
    return counts


def history(course: Course) -> list[CourseMessage]:
    """The course's messages, newest first, with what the history page shows."""
    stmt = (
        sa.select(CourseMessage)
        .where(CourseMessage.course_id == course.id)
        .order_by(CourseMessage.created_at.desc(), CourseMessage.id.desc())
        .options(
            selectinload(CourseMessage.texts),
            selectinload(CourseMessage.author),
            selectinload(CourseMessage.recipients).selectinload(CourseMessageRecipient.outbox),
        )
    )
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class Received:
    """A message as the desk's page of one participant lists it."""

    message: CourseMessage
    subject: str  # in the version they were (or will be) sent
    when: datetime  # sent, or to be sent
    status: str

    @property
    def status_label(self) -> str:
        return str(DELIVERY_LABELS[self.status])


def received(registration: Registration) -> list[Received]:
    """The messages written to ``registration`` (sent or waiting; not those cancelled),
    newest first."""
    stmt = (
        sa.select(CourseMessageRecipient)
        .join(CourseMessage)
        .where(
            CourseMessageRecipient.registration_id == registration.id,
            CourseMessage.status != MessageStatus.CANCELLED,
        )
        .order_by(CourseMessage.created_at.desc(), CourseMessage.id.desc())
        .options(
            selectinload(CourseMessageRecipient.message).selectinload(CourseMessage.texts),
            selectinload(CourseMessageRecipient.message).selectinload(CourseMessage.author),
            selectinload(CourseMessageRecipient.outbox),
        )
    )
    found = []
    for recipient in db.session.scalars(stmt):
        message = recipient.message
        # Not sent yet: the version they would get (text_for falls back to the default one).
        locale = recipient.locale or registration.language
        found.append(
            Received(
                message=message,
                subject=message.text_for(locale).subject,
                when=message.sent_at or message.send_at or message.created_at,
                status=delivery_status(recipient),
            )
        )
    return found
