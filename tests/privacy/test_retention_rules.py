"""Retention, the finer rules: whose diet and accessibility needs go (anyone who gave either,
only in the course that is due), what is counted and audited, that a deletion is applied once
and the desk then says when it was, the exact day at the venue (across a change to summer time
too), and the organisers' periods as they are saved."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.applications.models import Answer, ApplicationQuestion, QuestionKind, QuestionText
from app.audit.models import AuditAction, AuditEvent
from app.courses.models import Course
from app.db import now_utc
from app.extensions import db
from app.privacy import retention
from app.registration.models import Registration
from app.reminders import run_tick
from app.storage.services import store_upload
from tests.conftest import login
from tests.factories import make_course, make_registration, make_user
from tests.privacy.conftest import DOCUMENTS_DUE, NEEDS_DUE, PDF, SECOND, World, files_in
from tests.storage.conftest import upload


def _needs_by_person(course: Course) -> dict[str, tuple[str, str]]:
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(Registration).where(Registration.course_id == course.id)
    ).all()
    return {r.user.name: (r.diet, r.accessibility) for r in rows}


def _retention_events() -> list[dict[str, object]]:
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == AuditAction.DATA_RETENTION_APPLIED)
        .order_by(AuditEvent.id)
    ).all()
    assert all((e.actor_id, e.subject_id) == (None, None) for e in events)
    return [e.detail for e in events]


def _retention_line(client: FlaskClient, slug: str) -> str:
    page = client.get(f"/courses/{slug}/participants")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    start = text.index('<p class="retention-line">') + len('<p class="retention-line">')
    return text[start : text.index("</p>", start)].strip()


def test_everyone_who_gave_a_diet_or_a_need_loses_it_and_is_counted_once(
    periods: World,
) -> None:
    course = periods.course
    for name, email, diet, accessibility in [
        ("Ana Alvim", "ana.alvim@example.pt", "no pork", ""),
        ("Anabela Alves", "anabela.alves@example.pt", "", "hearing loop in the room"),
        ("Ana Alves Costa", "ana.costa@example.pt", "", ""),
    ]:
        person = make_user(email=email, name=name)
        make_registration(course, person, diet=diet, accessibility=accessibility)
    db.session.commit()
    other_before = _needs_by_person(periods.other)

    report = run_tick(NEEDS_DUE)
    db.session.commit()

    # Ana Alves Costa gave nothing: nothing of hers was deleted, she is not counted.
    assert report.retention.special_needs == 4
    assert "special needs of 4 participants" in report.summary()
    assert _needs_by_person(course) == {
        "Ana Alves": ("", ""),
        "Ana Álvarez": ("", ""),
        "Ana Alvim": ("", ""),
        "Anabela Alves": ("", ""),
        "Ana Alves Costa": ("", ""),
    }
    # The same people's needs in the other course (kept 100 days) are untouched.
    assert (
        _needs_by_person(periods.other)
        == other_before
        == {
            "Ana Alves": ("halal-alves", ""),
            "Ana Álvarez": ("halal-alvarez", ""),
        }
    )


def test_each_deletion_is_audited_once_with_its_course_kind_and_count(
    client: FlaskClient, periods: World
) -> None:
    assert retention.apply_due(DOCUMENTS_DUE).documents == 2
    db.session.commit()
    assert retention.apply_due(NEEDS_DUE).special_needs == 2
    db.session.commit()
    # Later ticks find nothing left to do, and say nothing more.
    later = retention.apply_due(NEEDS_DUE + timedelta(days=40))
    db.session.commit()
    assert (later.documents, later.special_needs) == (0, 0)
    assert _retention_events() == [
        {"course": "governing-migration", "kind": "documents", "count": 2},
        {"course": "governing-migration", "kind": "special_needs", "count": 2},
    ]
    done = retention.plan(periods.course)
    assert (done.documents_deleted_at, done.special_needs_deleted_at) == (
        DOCUMENTS_DUE,
        NEEDS_DUE,
    )
    waiting = retention.plan(periods.other)
    assert (waiting.documents_deleted_at, waiting.special_needs_deleted_at) == (None, None)

    login(client, periods.admin)
    assert _retention_line(client, "governing-migration") == (
        "Application documents were deleted on December 5, 2017. "
        "Diet and accessibility needs were deleted on December 25, 2017."
    )
    assert _retention_line(client, "mainstreaming-migration") == (
        "Application documents will be deleted on December 30, 2018. "
        "Diet and accessibility needs will be deleted on March 5, 2018."
    )


def test_two_courses_due_in_the_same_tick_add_up(world: World) -> None:
    # No course setting: both keep the needs the site's 30 days.
    report = run_tick(NEEDS_DUE)
    db.session.commit()
    assert (report.retention.documents, report.retention.special_needs) == (0, 4)
    assert "0 application documents, special needs of 4 participants" in report.summary()
    assert _needs_by_person(world.other) == {"Ana Alves": ("", ""), "Ana Álvarez": ("", "")}
    assert _retention_events() == [
        {"course": "governing-migration", "kind": "special_needs", "count": 2},
        {"course": "mainstreaming-migration", "kind": "special_needs", "count": 2},
    ]


def test_a_course_keeping_needs_only_two_days_loses_them_on_the_third(world: World) -> None:
    retention.set_course_days(
        world.course, document_days=None, special_needs_days=2, actor=world.admin
    )
    retention.set_course_days(
        world.other, document_days=400, special_needs_days=100, actor=world.admin
    )
    db.session.commit()
    # 24 November + 2 days → the start of 27 November in Rome.
    due = datetime(2017, 11, 26, 23, 0, tzinfo=UTC)
    assert retention.plan(world.course).special_needs_at == due
    assert retention.apply_due(due - SECOND).special_needs == 0
    db.session.commit()
    assert _needs_by_person(world.course)["Ana Alves"] == ("vegetarian-alves", "wheelchair-alves")
    assert retention.apply_due(due).special_needs == 2
    db.session.commit()
    assert _needs_by_person(world.course)["Ana Alves"] == ("", "")
    assert _needs_by_person(world.other)["Ana Alves"] == ("halal-alves", "")


def test_a_one_day_workshop_s_needs_go_at_the_venue_s_midnight_in_summer_time(
    world: World,
) -> None:
    # A one-day workshop on Friday 23 February 2018 in Rome; the site's 30 days end with
    # Sunday 25 March, the night the clocks go forward: the needs go at the start of Monday
    # 26 March, Rome time, which is 22:00 UTC (CEST, UTC+2), not 23:00.
    workshop = make_course(slug="integration-workshop", start=date(2018, 2, 23))
    workshop.days = 1
    alves = world.alves.user
    make_registration(workshop, alves, diet="gluten-free", accessibility="")
    db.session.commit()
    due = datetime(2018, 3, 25, 22, 0, tzinfo=UTC)
    assert retention.plan(workshop).special_needs_at == due

    # The November courses were due long before; the workshop not yet.
    assert retention.apply_due(due - SECOND).special_needs == 4
    db.session.commit()
    assert _needs_by_person(workshop) == {"Ana Alves": ("gluten-free", "")}

    assert retention.apply_due(due).special_needs == 1
    db.session.commit()
    assert _needs_by_person(workshop) == {"Ana Alves": ("", "")}
    assert retention.plan(workshop).special_needs_deleted_at == due


def test_the_documents_sent_to_the_other_course_stay(uploads: Path, periods: World) -> None:
    other = periods.other
    question = ApplicationQuestion(
        course=other, kind=QuestionKind.FILE, texts=[QuestionText(locale="en", label="Your CV")]
    )
    db.session.add(question)
    registration = db.session.scalars(
        sa.select(Registration).where(
            Registration.course_id == other.id, Registration.user_id == periods.alves.user.id
        )
    ).one()
    other_cv = PDF + b"the other course's cv of ana alves" * 20
    stored = store_upload(upload(other_cv, "cv-alves-2018.pdf"), actor=periods.alves.user)
    db.session.add(Answer(registration=registration, question=question, file=stored))
    db.session.commit()

    counts = retention.apply_due(DOCUMENTS_DUE)
    db.session.commit()

    assert counts.documents == 2
    kept = db.session.scalars(sa.select(Answer).where(Answer.file_id.is_not(None))).all()
    assert [a.registration_id for a in kept] == [registration.id]
    contents = [path.read_bytes() for path in files_in(uploads)]
    assert other_cv in contents
    assert periods.alves.cv_bytes not in contents


def test_organisers_change_their_periods_and_the_last_change_is_kept(world: World) -> None:
    organiser = make_user(email="rui.organiser@example.org", name="Rui Organiser")
    first_saved = datetime(2017, 10, 2, 9, 30, tzinfo=UTC)
    changed = datetime(2017, 10, 9, 16, 45, tzinfo=UTC)
    retention.set_course_days(
        world.course,
        document_days=60,
        special_needs_days=14,
        actor=world.admin,
        now=first_saved,
    )
    db.session.commit()
    retention.set_course_days(
        world.course,
        document_days=None,
        special_needs_days=7,
        actor=organiser,
        now=changed,
    )
    db.session.commit()
    db.session.expire_all()
    own = retention.settings_of(world.course)
    assert (own.document_days, own.special_needs_days) == (None, 7)
    assert (own.updated_at, own.updated_by_id) == (changed, organiser.id)
    plan = retention.plan(world.course)
    assert (plan.document_days, plan.special_needs_days) == (365, 7)
    assert retention.settings_of(world.other) is None


def test_a_save_without_a_given_time_is_dated_now(world: World) -> None:
    before = now_utc()
    own = retention.set_course_days(
        world.course, document_days=30, special_needs_days=None, actor=world.admin
    )
    db.session.commit()
    assert own.updated_at is not None
    assert before <= own.updated_at <= now_utc()


def test_the_plan_and_the_days_of_each_course(app: Flask, periods: World) -> None:
    assert retention.plan(periods.course) == retention.RetentionPlan(
        document_days=10,
        special_needs_days=30,
        documents_at=DOCUMENTS_DUE,
        special_needs_at=NEEDS_DUE,
        documents_deleted_at=None,
        special_needs_deleted_at=None,
    )
    other = retention.plan(periods.other)
    assert (other.document_days, other.special_needs_days) == (400, 100)
    # Asked without the settings at hand, the course's own still win over the site's.
    assert retention.days_for(periods.course, retention.DOCUMENTS) == 10
    assert retention.days_for(periods.course, retention.SPECIAL_NEEDS) == 30
    assert retention.days_for(periods.other, retention.SPECIAL_NEEDS) == 100
    assert app.config["DOCUMENT_RETENTION_DAYS"] == 365


def test_a_refused_period_says_why_wherever_it_is_shown(world: World) -> None:
    with pytest.raises(retention.RetentionError) as refused:
        retention.set_course_days(
            world.course, document_days=None, special_needs_days=3651, actor=world.admin
        )
    # In a log or a traceback, as on the page.
    assert str(refused.value) == "Give a number of days from 0 to 3650."
    assert retention.settings_of(world.course) is None
