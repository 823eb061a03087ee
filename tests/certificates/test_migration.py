"""Certificates issued before their date was computed get it by the migration that added it:
the last on-site day, or the venue's day the last condition was met; their code stays.

Run on the session's own database (SQLite or PostgreSQL): down one revision and up again."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.certificates import services
from app.extensions import db
from app.followup import submissions as work
from tests.certificates.conftest import attend
from tests.factories import make_registration, make_user

REVISION = "7c3e9a1d5b20"
BEFORE = "b3efbce6ec55"  # the revision this one follows


def completed(course, name, activity, organiser, at):
    registration = make_registration(course, make_user(name=name))
    attend(registration, 5)
    work.mark_complete(work.ensure_submission(registration, activity), actor=organiser, now=at)
    return registration


def test_existing_certificates_get_their_date_and_keep_their_code(
    course, required_assignment, organiser
):
    eligible = completed(
        course, "Ana Sørensen", required_assignment, organiser, datetime(2017, 11, 23, tzinfo=UTC)
    )
    # Completed at 23:30 UTC on 8 December 2017: already the 9th in Turin.
    late = completed(
        course,
        "Nguyễn Thị Minh Khai",
        required_assignment,
        organiser,
        datetime(2017, 12, 8, 23, 30, tzinfo=UTC),
    )
    downloaded = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    on_time = services.issue_certificate(eligible, now=downloaded)
    late_one = services.issue_certificate(late, now=downloaded)
    db.session.commit()
    codes = {on_time.id: on_time.code, late_one.id: late_one.code}
    db.session.close()

    downgrade(revision=BEFORE)
    upgrade(revision="head")  # through this revision, and the later ones the other tests need

    rows = db.session.execute(
        sa.text("SELECT id, code, issued_on, issued_at FROM certificate ORDER BY id")
    ).all()
    db.session.close()
    assert {row.id: row.code for row in rows} == codes
    issued_on = {row.id: row.issued_on for row in rows}
    # SQLite hands a date back as text.
    issued_on = {
        k: v if isinstance(v, date) else date.fromisoformat(v) for k, v in issued_on.items()
    }
    assert issued_on == {on_time.id: date(2017, 11, 24), late_one.id: date(2017, 12, 9)}
