"""``flask tick`` and endorsements: the endorser is reminded once, the applicant told once that
the link expired; each on the right side of its moment, and never twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.db import now_utc
from app.endorsement import services
from app.extensions import db
from app.registration import services as registration
from app.reminders import run_tick
from tests.endorsement.conftest import (
    applicant,
    apply_with_endorser,
    body,
    link_token,
    mails_to,
    subjects_to,
)

SECOND = timedelta(seconds=1)
ENDORSER = "marta.rossi@comune.torino.it"


@pytest.fixture
def waiting(course):
    now = now_utc()
    ana = applicant("ana@example.org", "Ana Souza")
    reg, endorsement, raw = apply_with_endorser(course, ana, now=now)
    # A second applicant whose endorser answered: never reminded.
    ane = applicant("ane@example.org", "Ane Souza")
    _, _, raw_ane = apply_with_endorser(course, ane, endorser_email="boss@example.org", now=now)
    services.respond(raw_ane, endorse=True, now=now)
    db.session.commit()
    return reg, endorsement, raw


def test_reminder_three_days_before_expiry_once(waiting):
    reg, endorsement, first = waiting
    due = endorsement.expires_at - timedelta(days=3)
    assert services.reminder_due_at(endorsement) == due
    assert services.send_reminders(due - SECOND) == 0
    assert len(mails_to(ENDORSER)) == 1
    assert services.send_reminders(due) == 1
    assert endorsement.reminder_sent_at == due
    assert services.send_reminders(due + SECOND) == 0
    assert services.send_reminders(endorsement.expires_at - SECOND) == 0
    reminder = mails_to(ENDORSER)[-1]
    assert reminder.subject.startswith("Reminder: please endorse the application of Ana Souza")
    assert len(mails_to("boss@example.org")) == 1
    # The reminder's link is new, and the first one still works beside it.
    second = link_token(reminder)
    assert second != first
    assert services.find_by_link(first, due) == endorsement
    assert services.find_by_link(second, due) == endorsement
    services.respond(first, endorse=True, now=due)
    with pytest.raises(services.InvalidLink):
        services.find_by_link(second, due)
    assert reg.status.value == "confirmed"


def test_a_short_link_is_reminded_half_way(course):
    now = now_utc()
    course.registration_closes_at = now + timedelta(days=4)
    ana = applicant("ana@example.org", "Ana Souza")
    _, endorsement, _ = apply_with_endorser(course, ana, now=now)
    half = now + timedelta(days=2)
    assert services.reminder_due_at(endorsement) == half
    assert services.send_reminders(half - SECOND) == 0
    assert services.send_reminders(half) == 1


def test_expired_link_is_told_to_the_applicant_once(waiting):
    reg, endorsement, _ = waiting
    end = endorsement.expires_at
    assert services.send_expiry_notices(end - SECOND) == 0
    assert services.send_expiry_notices(end) == 1
    assert endorsement.expiry_notified_at == end
    assert services.send_expiry_notices(end + timedelta(days=1)) == 0
    assert subjects_to("ana@example.org")[-1] == (
        "Your endorser has not answered: Governing migration at the local level"
    )
    assert "Marta Rossi" in body(mails_to("ana@example.org")[-1])
    assert subjects_to("ane@example.org")[-1].startswith("Your place is confirmed")
    # Past its end the link is no longer reminded either.
    assert services.send_reminders(end) == 0
    assert endorsement.reminder_sent_at is None
    # The applicant sends the request again: a new link, reminded and told about anew.
    _, new = services.request_endorsement(
        reg,
        services.EndorserData("Marta Rossi", "Head", ENDORSER),
        actor=reg.user,
        now=end + SECOND,
    )
    assert services.find_by_link(new, end + SECOND) == endorsement
    assert services.send_expiry_notices(end + timedelta(days=15)) == 1


def test_nothing_for_a_withdrawn_application(waiting):
    reg, endorsement, _ = waiting
    registration.cancel(reg, actor=reg.user)
    end = endorsement.expires_at
    assert services.send_reminders(end - SECOND) == 0
    assert services.send_expiry_notices(end) == 0


def test_tick_runs_both_once(waiting):
    _, endorsement, _ = waiting
    due = endorsement.expires_at - timedelta(days=3)
    report = run_tick(due)
    assert (report.endorsement_reminders, report.endorsement_expiries) == (1, 0)
    assert "Endorsements: 1 reminders to endorsers, 0 expired links" in report.summary()
    assert run_tick(due + SECOND).endorsement_reminders == 0
    report = run_tick(endorsement.expires_at)
    assert (report.endorsement_reminders, report.endorsement_expiries) == (0, 1)
    quiet = run_tick(endorsement.expires_at + SECOND)
    assert (quiet.endorsement_reminders, quiet.endorsement_expiries) == (0, 0)
    assert "Endorsements" not in quiet.summary()
    assert len(mails_to(ENDORSER)) == 2


def test_each_due_reminder_counts_and_a_later_one_does_not_stop_them(course):
    now = now_utc()
    people = [applicant(f"p{n}@example.org", f"Person {n}") for n in range(3)]
    found = [
        apply_with_endorser(course, person, endorser_email=f"boss{n}@example.org", now=now)[1]
        for n, person in enumerate(people)
    ]
    # The first in line is not due yet; the two after it are.
    found[0].expires_at = now + timedelta(days=30)
    due = now + timedelta(days=11)
    assert services.send_reminders(due) == 2
    assert [e.reminder_sent_at for e in found] == [None, due, due]


def test_answered_requests_are_neither_reminded_nor_told_expired(course):
    now = now_utc()
    ana = applicant("ana@example.org", "Ana Souza")
    _, endorsement, raw = apply_with_endorser(course, ana, now=now)
    services.respond(raw, endorse=False, now=now)
    assert services.send_reminders(endorsement.expires_at - SECOND) == 0
    assert services.send_expiry_notices(endorsement.expires_at) == 0
    assert endorsement.expiry_notified_at is None
