"""Retention per course: application documents and special needs are deleted whole days after
the course's last day, counted at the venue (Rome here), by ``flask tick``; a course's own
periods win over the site's; each deletion is audited once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.applications.models import Answer
from app.audit.models import AuditAction, AuditEvent
from app.extensions import db
from app.privacy import retention
from app.registration.models import Registration
from app.reminders import run_tick
from tests.conftest import login
from tests.factories import make_user
from tests.privacy.conftest import DOCUMENTS_DUE, NEEDS_DUE, SECOND, World, files_in


def _needs(world: World) -> list[tuple[str, str, str]]:
    db.session.expire_all()
    return [
        (r.course.slug, r.diet, r.accessibility)
        for r in db.session.scalars(sa.select(Registration).order_by(Registration.id))
    ]


def _files(world: World) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Answer).where(Answer.file_id.is_not(None))
    )


def test_the_course_s_end_is_the_24th(world: World) -> None:
    assert world.course.end_date.isoformat() == "2017-11-24"
    assert world.course.timezone == "Europe/Rome"


def test_special_needs_stay_until_the_venue_s_midnight(periods: World) -> None:
    before = _needs(periods)
    assert retention.apply_due(NEEDS_DUE - SECOND).special_needs == 0
    db.session.commit()
    assert _needs(periods) == before


def test_special_needs_go_at_the_venue_s_midnight(periods: World) -> None:
    counts = retention.apply_due(NEEDS_DUE)
    db.session.commit()
    assert counts.special_needs == 2
    after = _needs(periods)
    assert [row for row in after if row[0] == "governing-migration"] == [
        ("governing-migration", "", ""),
        ("governing-migration", "", ""),
    ]
    # The other course (100 days) keeps them.
    assert [row for row in after if row[0] == "mainstreaming-migration"] == [
        ("mainstreaming-migration", "halal-alves", ""),
        ("mainstreaming-migration", "halal-alvarez", ""),
    ]


def test_documents_go_at_the_course_s_own_time(periods: World, uploads: Path) -> None:
    assert _files(periods) == 2
    assert retention.apply_due(DOCUMENTS_DUE - SECOND).documents == 0
    db.session.commit()
    assert _files(periods) == 2
    counts = retention.apply_due(DOCUMENTS_DUE)
    db.session.commit()
    assert (counts.documents, counts.special_needs) == (2, 0)
    assert _files(periods) == 0
    contents = [path.read_bytes() for path in files_in(uploads)]
    # The application documents left the storage; the hand-ins are not documents.
    assert periods.alves.cv_bytes not in contents
    assert periods.alvarez.cv_bytes not in contents
    assert periods.alves.handin_bytes in contents


def test_applied_once_and_audited(periods: World) -> None:
    retention.apply_due(DOCUMENTS_DUE)
    db.session.commit()
    again = retention.apply_due(DOCUMENTS_DUE + timedelta(days=1))
    db.session.commit()
    assert again.documents == 0
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == AuditAction.DATA_RETENTION_APPLIED)
    ).all()
    assert [(e.actor_id, e.subject_id, e.detail) for e in events] == [
        (None, None, {"course": "governing-migration", "kind": "documents", "count": 2})
    ]


def test_the_site_default_applies_without_a_course_setting(app: Flask, world: World) -> None:
    previous = app.config["DOCUMENT_RETENTION_DAYS"]
    app.config["DOCUMENT_RETENTION_DAYS"] = 3
    try:
        # 3 days after 24 November → the start of 28 November in Rome.
        due = datetime(2017, 11, 27, 23, 0, tzinfo=UTC)
        assert retention.apply_due(due - SECOND).documents == 0
        assert retention.apply_due(due).documents == 2
    finally:
        app.config["DOCUMENT_RETENTION_DAYS"] = previous


def test_tick_runs_the_step(periods: World) -> None:
    report = run_tick(NEEDS_DUE)
    assert report.retention.special_needs == 2
    assert report.retention.documents == 2
    assert "special needs of 2 participants" in report.summary()
    # The visa step is still there (the passports are kept 90 days).
    assert report.visa_passports_erased == 0


def test_a_period_out_of_range_is_refused(world: World) -> None:
    with pytest.raises(retention.RetentionError) as refused:
        retention.set_course_days(
            world.course, document_days=-1, special_needs_days=None, actor=world.admin
        )
    assert str(refused.value.message) == "Give a number of days from 0 to 3650."
    with pytest.raises(retention.RetentionError):
        retention.set_course_days(
            world.course, document_days=None, special_needs_days=3651, actor=world.admin
        )
    kept = retention.set_course_days(
        world.course, document_days=0, special_needs_days=3650, actor=world.admin
    )
    assert (kept.document_days, kept.special_needs_days) == (0, 3650)


def test_the_desk_says_when(client: FlaskClient, periods: World) -> None:
    login(client, periods.admin)
    page = client.get("/courses/governing-migration/participants")
    assert page.status_code == 200
    # Two sentences, a space between them.
    assert (
        "Application documents will be deleted on December 5, 2017. "
        "Diet and accessibility needs will be deleted on December 25, 2017."
    ) in " ".join(page.text.split())


def test_organisers_set_the_periods_on_a_page(client: FlaskClient, world: World) -> None:
    login(client, world.admin)
    refused = client.post(
        "/courses/governing-migration/retention",
        data={"document_days": "-5", "special_needs_days": ""},
    )
    assert refused.status_code == 200
    assert "Give a number of days from 0 to 3650." in refused.text
    saved = client.post(
        "/courses/governing-migration/retention",
        data={"document_days": "60", "special_needs_days": ""},
    )
    assert saved.status_code == 302
    own = retention.settings_of(world.course)
    assert (own.document_days, own.special_needs_days) == (60, None)
    assert own.updated_by_id == world.admin.id
    stranger = make_user()
    db.session.commit()
    login(client, stranger)
    assert client.get("/courses/governing-migration/retention").status_code == 403
