"""``flask tick``: the periodic run (cron, every few minutes) that keeps time-based rules moving.

One run (``run_tick``):

1. expires waiting-list offers past their time, passing each seat on;
2. queues the reminders due: a week before the course starts, and when the follow-up phase
   opens, each sent once to each confirmed participant of a published course, in the
   registration's language;
   then reminds each endorser once before their link expires and tells the applicant once
   when it has (:mod:`app.endorsement.services`), and sends each person at most one digest
   a day of the new discussion posts (:mod:`app.discussions.digest`); then makes, opens,
   reminds and closes the end-of-course evaluations due (:mod:`app.evaluation.opening`);
3. queues the notices of timetable changes that have settled (:mod:`app.feeds.notices`), one
   per confirmed participant, and marks the changes notified; then the organisers' messages
   whose scheduled time has come (:mod:`app.messages.services`, each taken by one run only);
4. erases the passport details of visa letter requests whose course ended more than
   ``VISA_DATA_RETENTION_DAYS`` ago (:mod:`app.visas.retention`), then deletes the application
   documents and special needs of the courses whose retention period is over
   (:mod:`app.privacy.retention`);
5. delivers the outbox.

Steps 1 to 3 are committed before delivery: the ``*_reminder_sent_at`` and ``notified_at``
stamps are written in the same transaction as the messages they stand for, so a reminder or a
notice is queued exactly once, whatever happens to delivery or to a second run started at the
same time (on PostgreSQL the rows being reminded are locked and skipped by a concurrent run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import click
import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.core.urls import external_url
from app.courses.models import Course, CourseStatus
from app.db import now_utc
from app.discussions.digest import send_digests
from app.endorsement.services import send_expiry_notices
from app.endorsement.services import send_reminders as send_endorsement_reminders
from app.evaluation.opening import TickCounts as EvaluationCounts
from app.evaluation.opening import run_due as run_evaluations_due
from app.extensions import db
from app.feeds.notices import send_change_notices
from app.followup.services import phase_state, venue_today
from app.mail.services import DeliveryReport, deliver_outbox
from app.messages.services import send_due as send_scheduled_messages
from app.privacy.retention import RetentionCounts
from app.privacy.retention import apply_due as apply_retention
from app.registration.models import Registration, RegistrationStatus
from app.registration.notifications import notify
from app.registration.services import course_start_utc, expire_offers
from app.sessions.services import purge as purge_sessions
from app.visas.retention import erase_due as erase_visa_passport_data

# The start reminder goes out once the course starts within this time.
START_REMINDER_BEFORE = timedelta(days=7)


@dataclass
class TickReport:
    offers_expired: int = 0
    start_reminders: int = 0
    followup_reminders: int = 0
    change_notices: int = 0
    endorsement_reminders: int = 0
    endorsement_expiries: int = 0
    discussion_digests: int = 0
    scheduled_messages: int = 0
    visa_passports_erased: int = 0
    retention: RetentionCounts = field(default_factory=RetentionCounts)
    sessions_purged: int = 0
    evaluations: EvaluationCounts = field(default_factory=EvaluationCounts)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)

    def summary(self) -> str:
        text = _(
            "Offers expired: %(offers)d; reminders queued: %(start)d before the start, "
            "%(followup)d for the follow-up phase; timetable change notices queued: "
            "%(changes)d; mail sent %(sent)d, failed %(failed)d, still pending %(pending)d.",
            offers=self.offers_expired,
            start=self.start_reminders,
            followup=self.followup_reminders,
            changes=self.change_notices,
            sent=self.delivery.sent,
            failed=self.delivery.failed,
            pending=self.delivery.pending,
        )
        if self.endorsement_reminders or self.endorsement_expiries:
            endorsements = _(
                "Endorsements: %(reminders)d reminders to endorsers, %(expired)d expired links "
                "told to applicants.",
                reminders=self.endorsement_reminders,
                expired=self.endorsement_expiries,
            )
            text = f"{text} {endorsements}"
        if self.discussion_digests:
            digests = _("Discussion digests queued: %(count)d.", count=self.discussion_digests)
            text = f"{text} {digests}"
        if self.scheduled_messages:
            messages = _(
                "Organisers' scheduled messages sent: %(count)d.", count=self.scheduled_messages
            )
            text = f"{text} {messages}"
        if self.visa_passports_erased:
            erased = _(
                "Passport details erased from visa letter requests: %(count)d.",
                count=self.visa_passports_erased,
            )
            text = f"{text} {erased}"
        if self.retention.documents or self.retention.special_needs:
            retention = _(
                "Deleted after the retention period: %(documents)d application documents, "
                "special needs of %(needs)d participants.",
                documents=self.retention.documents,
                needs=self.retention.special_needs,
            )
            text = f"{text} {retention}"
        if self.sessions_purged:
            purged = _("Ended or expired sessions deleted: %(count)d.", count=self.sessions_purged)
            text = f"{text} {purged}"
        counts = self.evaluations
        if counts.created or counts.opened or counts.reminders or counts.closed:
            evaluations = _(
                "Evaluations: %(created)d made from the template, %(opened)d opened "
                "(%(invited)d participants invited), %(reminded)d participants reminded, "
                "%(closed)d closed.",
                created=counts.created,
                opened=counts.opened,
                invited=counts.invitations,
                reminded=counts.reminders,
                closed=counts.closed,
            )
            text = f"{text} {evaluations}"
        if self.delivery.given_up:
            given_up = _(
                "Mail given up: %(count)d (see flask mail failed).", count=self.delivery.given_up
            )
            text = f"{text} {given_up}"
        return text


def _candidates(*conditions: sa.ColumnElement[bool]) -> list[Registration]:
    """Confirmed registrations of published courses matching ``conditions``, locked for this
    run (PostgreSQL; rows another run holds are skipped, it reminds them)."""
    stmt = (
        sa.select(Registration)
        .join(Course, Registration.course_id == Course.id)
        .where(
            Course.status == CourseStatus.PUBLISHED,
            Registration.status == RegistrationStatus.CONFIRMED,
            *conditions,
        )
        .order_by(Registration.id)
        .options(selectinload(Registration.course).selectinload(Course.venue))
        .with_for_update(of=Registration, skip_locked=True)
    )
    return list(db.session.scalars(stmt))


def start_reminders_due(now: datetime) -> list[Registration]:
    """Confirmed participants not reminded yet of a course that starts within a week."""
    # A coarse filter on dates (a day's margin for the venue's zone), then the exact one.
    horizon = (now + START_REMINDER_BEFORE).date() + timedelta(days=1)
    found = _candidates(
        Registration.start_reminder_sent_at.is_(None),
        Course.start_date <= horizon,
        Course.start_date >= now.date() - timedelta(days=1),
    )
    return [
        registration
        for registration in found
        if now < (start := course_start_utc(registration.course))
        and start - now <= START_REMINDER_BEFORE
    ]


def followup_reminders_due(now: datetime) -> list[Registration]:
    """Confirmed participants not reminded yet of a follow-up phase that is open now."""
    found = _candidates(
        Registration.followup_reminder_sent_at.is_(None),
        Course.followup_opens_on.is_not(None),
        Course.followup_closes_on.is_not(None),
        Course.followup_opens_on <= now.date() + timedelta(days=1),
        Course.followup_closes_on >= now.date() - timedelta(days=1),
    )
    return [
        registration
        for registration in found
        if phase_state(registration.course, venue_today(registration.course, now)) == "open"
    ]


def queue_reminders(now: datetime, report: TickReport) -> None:
    """Queue the reminders due and stamp them as sent (the caller commits)."""
    for registration in start_reminders_due(now):
        notify(registration, "reminder_start")
        registration.start_reminder_sent_at = now
        report.start_reminders += 1
    for registration in followup_reminders_due(now):
        course = registration.course
        notify(
            registration,
            "reminder_followup",
            followup_url=external_url("followup.my_work", slug=course.slug),
        )
        registration.followup_reminder_sent_at = now
        report.followup_reminders += 1
    report.endorsement_reminders = send_endorsement_reminders(now)
    report.endorsement_expiries = send_expiry_notices(now)
    report.discussion_digests = send_digests(now)
    report.evaluations = run_evaluations_due(now)
    db.session.flush()


def run_tick(now: datetime | None = None) -> TickReport:
    """Expire offers, queue the reminders and timetable change notices due, commit, then
    deliver the outbox."""
    now = now or now_utc()
    report = TickReport()
    report.offers_expired = expire_offers(now)
    db.session.commit()
    queue_reminders(now, report)
    db.session.commit()
    report.change_notices = send_change_notices(now)
    db.session.commit()
    report.scheduled_messages = send_scheduled_messages(now)
    db.session.commit()
    report.visa_passports_erased = erase_visa_passport_data(now)
    db.session.commit()
    report.retention = apply_retention(now)
    report.sessions_purged = purge_sessions(now)
    db.session.commit()
    report.delivery = deliver_outbox()
    return report


@click.command("tick")
def tick_command() -> None:
    """Expire waiting-list offers, queue reminders and timetable change notices, delete dead
    sessions, and deliver mail (run it from cron)."""
    click.echo(run_tick().summary())
