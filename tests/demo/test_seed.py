"""``flask seed-demo``: everything the README promises, and nothing twice."""

from datetime import date

import sqlalchemy as sa

from app.accounts.models import User
from app.courses.models import Course, CourseStatus
from app.courses.windows import RegistrationWindow, registration_window
from app.demo.services import GOVERNING_SLUG, MAINSTREAMING_SLUG, seed_demo
from app.extensions import db
from app.modules.models import Module
from app.venues.models import Venue


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_seed_demo_creates_the_turin_courses_and_accounts(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    for email, password in [
        ("admin@example.org", "admin-demo-2017"),
        ("organiser@example.org", "organiser-demo-2017"),
        ("participant@example.org", "participant-demo-2017"),
    ]:
        assert email in result.output and password in result.output
        user = db.session.scalar(sa.select(User).where(User.email == email))
        assert user.check_password(password)

    assert sorted(db.session.scalars(sa.select(Module.code))) == [
        "CORE",
        "M1",
        "M2",
        "M3",
        "M4",
        "M5",
    ]
    zones = {v.city: v.timezone for v in db.session.scalars(sa.select(Venue))}
    assert zones == {"Turin": "Europe/Rome", "Quito": "America/Guayaquil"}

    governing = db.session.scalar(sa.select(Course).where(Course.slug == GOVERNING_SLUG))
    assert (governing.start_date, governing.end_date) == (date(2017, 11, 20), date(2017, 11, 24))
    assert [m.code for m in governing.modules] == ["M1", "M2", "M3", "M4", "M5"]
    assert governing.title("fr") == "Gestion de la migration au niveau local"
    assert governing.followup_opens_on == date(2017, 12, 8)
    assert len(governing.activities) == 3
    assert any(s.kind.value == "study_visit" for s in governing.sessions)
    assert len(governing.sessions) > 30

    mainstreaming = db.session.scalar(sa.select(Course).where(Course.slug == MAINSTREAMING_SLUG))
    assert (mainstreaming.start_date, mainstreaming.end_date) == (
        date(2017, 10, 30),
        date(2017, 11, 3),
    )
    assert any(f.theme for f in mainstreaming.focuses)  # days with a theme of their own

    upcoming = db.session.scalar(
        sa.select(Course).where(
            Course.edition_of_id == governing.id, Course.status == CourseStatus.PUBLISHED
        )
    )
    assert registration_window(upcoming) == RegistrationWindow.OPEN
    assert len(upcoming.sessions) == len(governing.sessions)


def test_seed_demo_twice_changes_nothing(app):
    seed_demo(date(2026, 11, 22))
    db.session.commit()
    before = [count(m) for m in (User, Course, Module, Venue)]
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert [count(m) for m in (User, Course, Module, Venue)] == before


def test_a_later_run_adds_a_new_open_edition_when_the_last_one_has_closed(app):
    first = seed_demo(date(2026, 11, 22))
    later = seed_demo(date(2027, 6, 1))
    assert first.upcoming_slug != later.upcoming_slug
    course = db.session.scalar(sa.select(Course).where(Course.slug == later.upcoming_slug))
    assert course.start_date > date(2027, 6, 1)


def test_demo_participants_can_be_certified_and_the_open_edition_has_applicants(app):
    from app.certificates.services import certificate_eligibility
    from app.registration.models import Registration, RegistrationStatus

    report = seed_demo(date(2026, 11, 22))
    governing = db.session.scalar(sa.select(Course).where(Course.slug == GOVERNING_SLUG))
    registrations = db.session.scalars(
        sa.select(Registration).where(Registration.course == governing)
    ).all()
    assert len(registrations) == 12
    assert {r.status for r in registrations} == {RegistrationStatus.CONFIRMED}
    eligible = [r for r in registrations if certificate_eligibility(r)]
    assert len(eligible) == 10  # one missed two days, one never handed in the action plan
    names = {r.certificate_name for r in eligible}
    assert {"Ana Souza", "Jonas Sørensen", "Lucía Ñúñez"} <= names

    upcoming = db.session.scalar(sa.select(Course).where(Course.slug == report.upcoming_slug))
    applied = db.session.scalars(
        sa.select(Registration).where(Registration.course == upcoming)
    ).all()
    assert len(applied) == 4 and all(r.status == RegistrationStatus.CONFIRMED for r in applied)


def test_demo_events_and_programme(app):
    from app.courses.models import CourseKind, Programme
    from app.demo.events import HABITAT_SLUG, PROGRAMME_SLUG, WEBINAR_SLUG

    seed_demo(date(2026, 11, 22))
    habitat = db.session.scalar(sa.select(Course).where(Course.slug == HABITAT_SLUG))
    assert habitat.kind == CourseKind.CONFERENCE
    assert habitat.venue.timezone == "America/Guayaquil"
    assert sorted(e.kind.value for e in habitat.side_events) == [
        "side_event",
        "side_event",
        "special_session",
    ]
    toolbox = next(e for e in habitat.side_events if "toolbox" in e.slug)
    assert [str(p.organisation) for p in toolbox.partners] == [
        "UN Joint Migration and Development Initiative (JMDI)",
        "United Cities and Local Governments (UCLG)",
    ]
    # 11:00 in Quito (UTC-5) is 16:00 UTC.
    assert toolbox.sessions[0].starts_at.hour == 16

    webinar = db.session.scalar(sa.select(Course).where(Course.slug == WEBINAR_SLUG))
    assert webinar.is_online and webinar.venue is None and webinar.kind == CourseKind.WEBINAR

    programme = db.session.scalar(sa.select(Programme).where(Programme.slug == PROGRAMME_SLUG))
    assert programme.country_list == ["BD", "EC", "JM", "KG", "MD", "MA", "RS", "TN"]
    assert {c.slug for c in programme.courses} >= {GOVERNING_SLUG, MAINSTREAMING_SLUG}
    assert str(programme.funder) == "Swiss Agency for Development and Cooperation (SDC)"


def test_the_2017_online_phase_has_something_on_every_page(app):
    """Materials, a discussion, session ratings and an answered, closed evaluation; nothing
    mailed for 2017, and a second run adds none of it again."""
    from app.discussions.models import DiscussionPost
    from app.evaluation import services as evaluations
    from app.evaluation.rating_models import SessionRating
    from app.mail.models import OutboxMessage
    from app.materials.models import Material, MaterialVisibility

    seed_demo(date(2026, 11, 22))
    db.session.commit()
    governing = db.session.scalar(sa.select(Course).where(Course.slug == GOVERNING_SLUG))
    found = db.session.scalars(sa.select(Material).where(Material.course_id == governing.id)).all()
    assert len(found) == 5
    assert {m.module.code for m in found if m.module} == {"M1", "M2", "M3"}
    assert sum(m.visibility == MaterialVisibility.PUBLIC for m in found) == 1
    posts = db.session.scalars(sa.select(DiscussionPost)).all()
    assert (len(posts), sum(p.parent_id is None for p in posts)) == (7, 3)
    assert all(p.created_at.date() >= governing.followup_opens_on for p in posts)
    evaluation = evaluations.evaluation_for(governing)
    assert evaluation.is_closed and evaluation.is_anonymous
    assert evaluations.answered_tally(governing) == (9, 12)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionRating)) > 20
    mailed = db.session.scalars(sa.select(OutboxMessage.subject)).all()
    assert not [s for s in mailed if "evaluation" in s.lower() or "digest" in s.lower()]

    before = [count(m) for m in (Material, DiscussionPost, SessionRating)]
    seed_demo(date(2026, 11, 22))
    assert [count(m) for m in (Material, DiscussionPost, SessionRating)] == before
