"""Copying a course as a new edition (or an event as another), and the family of editions a
course page lists."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from app.accounts.models import Role
from app.applications.models import QuestionKind
from app.applications.services import QuestionData, TextData, create_question, questions_in_order
from app.core.timeutil import local_to_utc
from app.courses import editions, services
from app.courses.models import (
    CourseKind,
    CourseModule,
    CourseStatus,
    PartnerRole,
    RegistrationMode,
    TeamRole,
)
from app.extensions import db
from app.followup.models import ActivityKind, FollowupActivity
from app.schedule.models import SessionKind, SessionStatus
from tests.courses.builders import ROME, add_session, wall_clock
from tests.factories import make_course, make_module, make_user
from tests.programmes.factories import make_event, make_programme

FIRST = date(2017, 10, 23)  # Turin, summer time
NEXT = date(2018, 10, 29)  # a year and a week on: winter time
SHIFT = (NEXT - FIRST).days


@pytest.fixture
def organiser():
    return make_user(Role.ORGANISER, name="Lucía Pérez")


@pytest.fixture
def first(organiser):
    """The 2017 edition, four days in French first, with everything a course can have."""
    facilitator = make_user(name="Tesfaye Bekele")
    m1 = make_module("M1")
    course = make_course(
        slug="gestion-2017",
        start=FIRST,
        organisers=(organiser,),
        facilitators=(facilitator,),
        capacity=24,
    )
    course.days = 4
    course.default_locale, course.languages = "fr", "fr,en"
    services.set_course_texts(
        course,
        {
            "fr": services.CourseText(
                "Gestion de la migration au niveau local",
                "Cinq jours à Turin.",
                "Pour les autorités locales.",
            ),
            "en": services.CourseText("Governing migration at the local level"),
        },
    )
    course.focuses = [
        CourseModule(position=0, module=m1),
        CourseModule(position=1, theme="Données migratoires"),
    ]
    services.set_partners(
        course, [("ITC-ILO", PartnerRole.ORGANISER), ("IOM", PartnerRole.CO_ORGANISER)]
    )
    course.programme = make_programme("jmdi")
    course.requires_approval, course.waitlist_offers = True, True
    course.requires_endorsement = True  # an employer's endorsement, asked again next year
    course.offer_hours, course.min_attendance_days = 48, 3
    course.contact_name, course.contact_email = "Secrétariat", "migration@example.org"
    course.registration_opens_at = local_to_utc(date(2017, 6, 1), time(0, 0), ROME)
    course.registration_closes_at = local_to_utc(date(2017, 10, 6), time(23, 59), ROME)
    course.followup_opens_on, course.followup_closes_on = date(2017, 11, 10), date(2017, 12, 7)
    room = course.venue.rooms[1]
    case = add_session(
        course, FIRST, time(14), time(15, 30), "Étude de cas", kind=SessionKind.CASE_STUDY
    )
    case.room, case.module, case.facilitators = room, m1, "Tesfaye Bekele"
    case.description = "Villes d'accueil"
    called_off = add_session(course, date(2017, 10, 24), time(9), time(10), "Visite")
    called_off.status = SessionStatus.CANCELLED
    course.activities = [
        FollowupActivity(
            kind=ActivityKind.WEBINAR,
            title="Webinaire",
            description="Retour d'expérience",
            position=0,
            is_required=True,
            starts_at=local_to_utc(date(2017, 11, 14), time(15), ROME),
            ends_at=local_to_utc(date(2017, 11, 14), time(16), ROME),
            link="https://meet.example.org/webinaire",
        ),
        FollowupActivity(
            kind=ActivityKind.ASSIGNMENT,
            title="Plan d'action",
            position=1,
            due_at=local_to_utc(date(2017, 12, 7), time(23, 59), ROME),
        ),
    ]
    db.session.flush()
    return course


def copy(course, start=NEXT, *, actor, slug=None):
    return editions.copy_as_new_edition(course, start, slug=slug, actor=actor)


def test_the_new_edition_is_a_draft_of_the_same_course(first, organiser):
    new = copy(first, actor=organiser)
    assert new.status == CourseStatus.DRAFT
    assert new.edition_of is first
    assert new.uid != first.uid
    assert new.slug == "gestion-de-la-migration-au-niveau-local-2018"
    assert (new.start_date, new.days, new.end_date) == (NEXT, 4, date(2018, 11, 1))


def test_the_new_edition_keeps_the_courses_rules_and_contact(first, organiser):
    new = copy(first, actor=organiser)
    assert (new.kind, new.registration_mode, new.is_online) == (
        CourseKind.COURSE,
        RegistrationMode.FULL,
        False,
    )
    assert (new.venue, new.timezone, new.programme) == (first.venue, ROME, first.programme)
    assert (new.capacity, new.requires_approval, new.waitlist_offers) == (24, True, True)
    assert new.requires_endorsement is True
    assert (new.offer_hours, new.min_attendance_days) == (48, 3)
    assert (new.contact_name, new.contact_email) == ("Secrétariat", "migration@example.org")


def test_the_new_edition_keeps_texts_languages_focuses_and_partners(first, organiser):
    new = copy(first, actor=organiser)
    assert (new.default_locale, new.language_list) == ("fr", ["fr", "en"])
    assert [(t.locale, t.title, t.summary, t.description) for t in new.translations] == [
        (t.locale, t.title, t.summary, t.description) for t in first.translations
    ]
    assert [(f.position, f.module, f.theme) for f in new.focuses] == [
        (0, first.focuses[0].module, None),
        (1, None, "Données migratoires"),
    ]
    assert [(p.organisation.name, p.role, p.position) for p in new.partners] == [
        ("ITC-ILO", PartnerRole.ORGANISER, 0),
        ("IOM", PartnerRole.CO_ORGANISER, 1),
    ]


def test_the_team_comes_along_and_whoever_copies_it_stays_organiser_once(first, organiser):
    new = copy(first, actor=organiser)
    assert sorted((m.user.name, m.role) for m in new.team) == [
        ("Lucía Pérez", TeamRole.ORGANISER),
        ("Tesfaye Bekele", TeamRole.FACILITATOR),
    ]


def test_an_organiser_from_outside_the_team_who_copies_it_joins_as_organiser(first):
    colleague = make_user(Role.ORGANISER, name="Ana Souza")
    new = copy(first, actor=colleague)
    assert sorted((m.user.name, m.role) for m in new.team) == [
        ("Ana Souza", TeamRole.ORGANISER),
        ("Lucía Pérez", TeamRole.ORGANISER),
        ("Tesfaye Bekele", TeamRole.FACILITATOR),
    ]


def test_the_address_chosen_for_the_new_edition_is_kept(first, organiser):
    assert copy(first, actor=organiser, slug="gestion-turin-2018").slug == "gestion-turin-2018"


def test_registration_and_follow_up_move_by_as_many_days_keeping_venue_times(first, organiser):
    new = copy(first, actor=organiser)
    assert wall_clock(new.registration_opens_at) == (2018, 6, 7, 0, 0)
    assert wall_clock(new.registration_closes_at) == (2018, 10, 12, 23, 59)
    assert (new.followup_opens_on, new.followup_closes_on) == (
        date(2018, 11, 16),
        date(2018, 12, 13),
    )


def test_the_timetable_moves_keeping_wall_clock_times_and_everything_else(first, organiser):
    new = copy(first, actor=organiser)
    case, called_off = new.sessions
    # 14:00 in Turin was 12:00 UTC in summer time; it is 13:00 UTC in winter time.
    assert case.starts_at == datetime(2018, 10, 29, 13, 0, tzinfo=UTC)
    assert wall_clock(case.ends_at) == (2018, 10, 29, 15, 30)
    original = first.sessions[0]
    assert (case.title, case.kind, case.room, case.module) == (
        "Étude de cas",
        SessionKind.CASE_STUDY,
        original.room,
        original.module,
    )
    assert (case.facilitators, case.description) == ("Tesfaye Bekele", "Villes d'accueil")
    assert (called_off.title, called_off.status) == ("Visite", SessionStatus.CANCELLED)
    assert wall_clock(called_off.starts_at) == (2018, 10, 30, 9, 0)
    assert {s.uid for s in new.sessions}.isdisjoint(s.uid for s in first.sessions)
    assert [s.sequence for s in new.sessions] == [0, 0]


def test_the_follow_up_activities_move_keeping_their_times_and_contents(first, organiser):
    new = copy(first, actor=organiser)
    webinar, plan = new.activities
    assert (webinar.kind, webinar.title, webinar.description) == (
        ActivityKind.WEBINAR,
        "Webinaire",
        "Retour d'expérience",
    )
    assert (webinar.position, webinar.is_required, webinar.link) == (
        0,
        True,
        "https://meet.example.org/webinaire",
    )
    assert wall_clock(webinar.starts_at) == (2018, 11, 20, 15, 0)
    assert wall_clock(webinar.ends_at) == (2018, 11, 20, 16, 0)
    assert webinar.due_at is None
    assert (plan.kind, plan.title, plan.position, plan.is_required) == (
        ActivityKind.ASSIGNMENT,
        "Plan d'action",
        1,
        False,
    )
    assert (plan.starts_at, plan.ends_at) == (None, None)
    assert wall_clock(plan.due_at) == (2018, 12, 13, 23, 59)
    assert {a.uid for a in new.activities}.isdisjoint(a.uid for a in first.activities)


def test_the_application_questions_come_along(first, organiser):
    question = create_question(
        first,
        QuestionData(
            kind=QuestionKind.YES_NO,
            texts={"fr": TextData("Avez-vous besoin d'un visa ?")},
            is_required=True,
        ),
        actor=organiser,
    )
    new = copy(first, actor=organiser)
    [copied] = questions_in_order(new)
    assert (copied.kind, copied.label("fr"), copied.is_required) == (
        QuestionKind.YES_NO,
        "Avez-vous besoin d'un visa ?",
        True,
    )
    assert questions_in_order(first) == [question]


def test_the_selection_criteria_come_along_retired_ones_still_retired(first, organiser):
    from app.selection import services as selection
    from app.selection.services import CriterionData, CriterionTextData

    relevance, balance = (
        selection.create_criterion(
            first,
            CriterionData(texts={"fr": CriterionTextData(label, help_text)}),
            actor=organiser,
        )
        for label, help_text in (
            ("Pertinence du poste", "Le poste touche-t-il à la migration ?"),
            ("Équilibre régional", ""),
        )
    )
    selection.retire_criterion(balance, actor=organiser)
    new = copy(first, actor=organiser)
    copied = selection.criteria(new)
    assert [(c.label("fr"), c.text("fr").help_text, c.is_retired) for c in copied] == [
        ("Pertinence du poste", "Le poste touche-t-il à la migration ?", False),
        ("Équilibre régional", "", True),
    ]
    assert {c.id for c in copied}.isdisjoint({relevance.id, balance.id})
    assert selection.criteria(first) == [relevance, balance]


def test_the_original_is_left_as_it_was(first, organiser):
    before = [(s.starts_at, s.sequence) for s in first.sessions]
    copy(first, actor=organiser)
    assert [(s.starts_at, s.sequence) for s in first.sessions] == before
    assert first.status == CourseStatus.PUBLISHED and first.edition_of is None


def test_a_copied_online_event_stays_online_in_its_conference_without_registration():
    organiser = make_user(Role.ORGANISER)
    host = make_event(CourseKind.CONFERENCE, title="Habitat III", start=date(2016, 10, 17))
    webinar = make_event(
        CourseKind.WEBINAR, title="Cities and migration", start=date(2016, 10, 18), host=host
    )
    webinar.online_url = "https://meet.example.org/cities"
    webinar.is_online, webinar.venue = True, None
    webinar.registration_mode = RegistrationMode.NONE
    session = add_session(webinar, date(2016, 10, 18), time(13), time(14, 30))
    db.session.flush()

    again = copy(webinar, date(2016, 10, 19), actor=organiser)

    assert (again.kind, again.is_online, again.online_url) == (
        CourseKind.WEBINAR,
        True,
        "https://meet.example.org/cities",
    )
    assert (again.venue, again.host_event, again.registration_mode) == (
        None,
        host,
        RegistrationMode.NONE,
    )
    assert (again.followup_opens_on, again.followup_closes_on) == (None, None)
    assert again.registration_opens_at is None and again.registration_closes_at is None
    assert [s.starts_at for s in again.sessions] == [
        session.starts_at.replace(day=19)  # UTC: 13:00 the next day
    ]
    assert [(m.user, m.role) for m in again.team] == [(organiser, TeamRole.ORGANISER)]


# The family of editions ----------------------------------------------------------------------


def test_other_editions_are_the_public_ones_of_the_family_by_date():
    first = make_course(slug="first", start=date(2015, 11, 16))
    second = make_course(slug="second", start=date(2016, 11, 14))
    third = make_course(slug="third", start=date(2017, 11, 20))
    branch = make_course(slug="branch", start=date(2016, 3, 7))
    called_off = make_course(slug="called-off", start=date(2018, 3, 5))
    called_off.status = CourseStatus.CANCELLED
    draft = make_course(slug="draft", start=date(2018, 11, 19), status=CourseStatus.DRAFT)
    make_course(slug="stranger", start=date(2016, 1, 11))
    second.edition_of, third.edition_of, branch.edition_of = first, second, first
    called_off.edition_of, draft.edition_of = branch, third
    db.session.flush()

    def slugs(course):
        return [c.slug for c in editions.other_editions(course)]

    assert slugs(third) == ["first", "branch", "second", "called-off"]
    assert slugs(called_off) == ["first", "branch", "second", "third"]
    assert slugs(draft) == ["first", "branch", "second", "third", "called-off"]


def test_a_course_never_copied_has_no_other_editions(neighbour):
    assert editions.other_editions(make_course(start=date(2017, 11, 20))) == []
    assert editions.other_editions(neighbour.course) == []


def test_a_cycle_of_copies_lists_each_edition_once():
    a = make_course(slug="a", start=date(2016, 5, 2))
    b = make_course(slug="b", start=date(2017, 5, 1))
    a.edition_of = b
    db.session.flush()
    b.edition_of = a  # copied back and forth, as data imported from elsewhere can be
    db.session.flush()
    assert editions.other_editions(a) == [b]
    assert editions.other_editions(b) == [a]
