"""The course builder's rules, called without HTTP."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from app.accounts.models import Role
from app.catalogue import services as catalogue
from app.core.timeutil import local_to_utc, to_local
from app.courses import editions, services, windows
from app.courses.models import CourseKind, CourseStatus, PartnerRole, TeamRole
from app.extensions import db
from app.followup.models import ActivityKind, FollowupActivity
from app.schedule.models import CourseSession, SessionKind
from tests.factories import make_course, make_module, make_user, make_venue
from tests.programmes.factories import make_event, make_programme


def details(venue, **overrides):
    values = dict(
        venue=venue,
        start_date=date(2018, 11, 19),
        texts={
            "en": services.CourseText("Governing migration at the local level", "Five days."),
            "fr": services.CourseText("Gestion de la migration au niveau local"),
        },
        languages=["en", "fr"],
        registration_opens_on=date(2018, 6, 1),
        registration_closes_on=date(2018, 10, 19),
        partners=[("ITC-ILO", PartnerRole.ORGANISER), ("IOM", PartnerRole.CO_ORGANISER)],
    )
    values.update(overrides)
    return services.CourseDetails(**values)


def test_create_course_puts_the_actor_on_the_team_and_sets_the_followup_phase(db):
    organiser = make_user(Role.ORGANISER)
    course = services.create_course(details(make_venue()), slug=None, actor=organiser)

    assert course.slug == "governing-migration-at-the-local-level-2018"
    assert [(m.user, m.role) for m in course.team] == [(organiser, TeamRole.ORGANISER)]
    assert course.title("fr") == "Gestion de la migration au niveau local"
    assert course.title("es") == "Governing migration at the local level"  # falls back to main
    assert [str(p.organisation) for p in course.partners] == ["ITC-ILO", "IOM"]
    assert course.end_date == date(2018, 11, 23)
    # Follow-up: two weeks after the last on-site day, four weeks long.
    assert course.followup_opens_on == date(2018, 12, 7)
    assert course.followup_closes_on == date(2019, 1, 3)


def test_registration_dates_are_whole_days_at_the_venue(db):
    course = services.create_course(
        details(make_venue("Europe/Rome")), slug=None, actor=make_user()
    )
    # Opens at midnight in Turin (summer time, UTC+2), closes at 23:59 Turin time.
    assert course.registration_opens_at == datetime(2018, 5, 31, 22, 0, tzinfo=UTC)
    assert to_local(course.registration_closes_at, "Europe/Rome").time() == time(23, 59)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"texts": {"en": services.CourseText("")}}, "title"),
        ({"default_locale": "es"}, "main language"),
        ({"registration_closes_on": date(2018, 5, 1)}, "close after it opens"),
        ({"registration_closes_on": date(2018, 11, 20)}, "before the course starts"),
        ({"days": 0}, "days"),
    ],
)
def test_course_rules_refuse_bad_details(db, overrides, message):
    with pytest.raises(services.CourseError, match=message):
        services.create_course(details(make_venue(), **overrides), slug=None, actor=make_user())


def test_slugs_stay_unique(db):
    actor = make_user(Role.ORGANISER)
    first = services.create_course(details(make_venue()), slug=None, actor=actor)
    second = services.create_course(details(make_venue()), slug=None, actor=actor)
    assert second.slug == f"{first.slug}-2"
    assert (
        services.slugify("Gestión de la migración: ¿qué hacer?")
        == "gestion-de-la-migracion-que-hacer"
    )


def test_focuses_keep_order_and_accept_themes(db):
    m1, m2 = make_module("M1"), make_module("M2")
    course = make_course()
    services.set_focuses(
        course,
        [
            services.Focus(module=m2),
            services.Focus(theme="Migration data"),
            services.Focus(),
            services.Focus(module=m1),
        ],
        actor=make_user(),
    )
    assert [f.title("en") for f in course.focuses] == ["Module M2", "Migration data", "Module M1"]
    assert course.modules == [m2, m1]
    assert services.move_focus([1, 2, 3], "up:2") == [1, 3, 2]  # type: ignore[list-item]
    assert services.move_focus([1, 2, 3], "up:0") == [1, 2, 3]  # type: ignore[list-item]


def _session(course, day: date, start: time, end: time, title="Session") -> CourseSession:
    session = CourseSession(
        course=course,
        title=title,
        kind=SessionKind.PLENARY,
        starts_at=local_to_utc(day, start, course.timezone),
        ends_at=local_to_utc(day, end, course.timezone),
    )
    db.session.add(session)
    return session


def test_copy_as_new_edition_moves_the_programme_keeping_local_times():
    organiser = make_user(Role.ORGANISER)
    m1 = make_module("M1")
    # Late October 2017 in Turin: the first edition runs on summer time (CEST)...
    course = make_course(start=date(2017, 10, 23), organisers=(organiser,), modules=(m1,))
    course.followup_opens_on, course.followup_closes_on = date(2017, 11, 10), date(2017, 12, 7)
    _session(course, date(2017, 10, 23), time(9), time(10, 30), "Opening")
    course.activities.append(
        FollowupActivity(
            kind=ActivityKind.WEBINAR,
            title="Live session",
            starts_at=local_to_utc(date(2017, 11, 14), time(15), "Europe/Rome"),
            ends_at=local_to_utc(date(2017, 11, 14), time(16), "Europe/Rome"),
        )
    )
    db.session.flush()

    # ...and the next one a week later in the year, on winter time (CET).
    new = editions.copy_as_new_edition(course, date(2018, 10, 29), slug=None, actor=organiser)

    assert new.status == CourseStatus.DRAFT
    assert new.edition_of is course
    assert new.modules == [m1]
    assert new.followup_opens_on == date(2018, 11, 16)
    [session] = new.sessions
    assert session.uid != course.sessions[0].uid
    assert to_local(session.starts_at, "Europe/Rome").timetuple()[:5] == (2018, 10, 29, 9, 0)
    assert session.starts_at.hour == 8  # 09:00 CET is 08:00 UTC; the original was 07:00 UTC
    assert course.sessions[0].starts_at.hour == 7
    [webinar] = new.activities
    assert to_local(webinar.starts_at, "Europe/Rome").hour == 15
    assert [m.user for m in new.team] == [organiser]
    assert new.translations[0].title == course.translations[0].title


def test_other_editions_follow_the_copies_both_ways():
    """The whole family of copies, however it branches, public ones only, by date."""
    first = make_course(slug="first", start=date(2015, 11, 16))
    second = make_course(slug="second", start=date(2016, 11, 14))
    third = make_course(slug="third", start=date(2017, 11, 20))
    branch = make_course(slug="branch", start=date(2017, 3, 6))
    draft = make_course(slug="draft", start=date(2018, 11, 19), status=CourseStatus.DRAFT)
    stranger = make_course(slug="stranger", start=date(2016, 1, 11))
    second.edition_of, third.edition_of, branch.edition_of = first, second, first
    draft.edition_of = third
    db.session.flush()

    assert [c.slug for c in editions.other_editions(third)] == ["first", "second", "branch"]
    assert [c.slug for c in editions.other_editions(branch)] == ["first", "second", "third"]
    assert editions.other_editions(stranger) == []


def test_moving_the_first_day_moves_the_programme():
    organiser = make_user(Role.ORGANISER)
    course = services.create_course(details(make_venue()), slug=None, actor=organiser)
    _session(course, date(2018, 11, 19), time(9), time(10, 30))
    db.session.flush()
    services.update_course(
        course,
        details(course.venue, start_date=date(2018, 11, 26)),
        slug=course.slug,
        actor=organiser,
    )
    [session] = course.sessions
    assert to_local(session.starts_at, "Europe/Rome").date() == date(2018, 11, 26)
    assert session.sequence == 1
    assert course.followup_opens_on == date(2018, 12, 14)


def test_remove_last_organiser_is_refused(db):
    organiser, facilitator = make_user(Role.ORGANISER), make_user()
    course = make_course(organisers=(organiser,), facilitators=(facilitator,))
    member = next(m for m in course.team if m.user == organiser)
    with pytest.raises(services.TeamError):
        services.remove_team_member(course, member, actor=organiser)
    services.add_team_member(course, facilitator, TeamRole.ORGANISER, actor=organiser)
    services.remove_team_member(course, member, actor=organiser)
    assert [m.user for m in course.team] == [facilitator]


def test_registration_window(db):
    course = make_course(start=date(2030, 3, 4))
    course.registration_opens_at = datetime(2030, 1, 1, tzinfo=UTC)
    course.registration_closes_at = datetime(2030, 2, 1, tzinfo=UTC)
    state = windows.registration_window
    assert (
        state(course, datetime(2029, 12, 31, tzinfo=UTC)) == windows.RegistrationWindow.NOT_OPEN_YET
    )
    assert state(course, datetime(2030, 1, 15, tzinfo=UTC)) == windows.RegistrationWindow.OPEN
    assert state(course, datetime(2030, 2, 2, tzinfo=UTC)) == windows.RegistrationWindow.CLOSED
    course.capacity = 0
    assert state(course, datetime(2030, 1, 15, tzinfo=UTC)) == windows.RegistrationWindow.FULL
    course.status = CourseStatus.CANCELLED
    assert state(course, datetime(2030, 1, 15, tzinfo=UTC)) == windows.RegistrationWindow.CANCELLED


def test_catalogue_lists_upcoming_first_and_filters(neighbour):
    m1, m2 = make_module("M1"), make_module("M2")
    today = date(2026, 11, 22)
    past = make_course(title="Past", start=date(2017, 11, 20), modules=(m1,))
    soon = make_course(title="Soon", start=date(2026, 12, 7), modules=(m2,))
    later = make_course(title="Later", start=date(2027, 11, 15), modules=(m1,))
    later.languages = "en,fr"
    running = make_course(title="Running", start=date(2026, 11, 19))  # ends 23 Nov: still upcoming
    make_course(title="Draft", start=date(2027, 1, 1), status=CourseStatus.DRAFT)
    db.session.flush()

    upcoming = catalogue.catalogue(catalogue.CatalogueFilters(), today)
    assert upcoming == [running, soon, later]
    # Latest first: the Turin week of November 2017, then its sister course of October.
    assert catalogue.catalogue(catalogue.CatalogueFilters(past=True), today) == [
        past,
        neighbour.course,
    ]
    assert catalogue.catalogue(catalogue.CatalogueFilters(module="M1"), today) == [later]
    assert catalogue.catalogue(catalogue.CatalogueFilters(language="fr"), today) == [later]
    assert catalogue.catalogue(catalogue.CatalogueFilters(month="2026-12"), today) == [soon]
    assert (
        catalogue.is_month("2026-12")
        and not catalogue.is_month("2026-13")
        and not catalogue.is_month("x")
    )


def test_past_catalogue_limited_to_the_latest_that_ended(neighbour):
    today = date(2026, 11, 22)
    make_course(title="Running", start=date(2026, 11, 19))  # started, but ends on 23 Nov
    short = make_course(title="Short", start=date(2026, 11, 20))
    short.days = 1
    older = [make_course(title=f"Y{year}", start=date(year, 5, 4)) for year in range(2019, 2026)]
    same_day = make_course(title="Same day", start=date(2025, 5, 4))
    db.session.flush()

    recent = catalogue.catalogue(catalogue.CatalogueFilters(past=True), today, limit=3)
    everything = catalogue.catalogue(catalogue.CatalogueFilters(past=True), today)
    assert recent == everything[:3] == [short, older[-1], same_day]
    assert everything[3:] == [*reversed(older[:-1]), neighbour.course]


def test_adding_seats_moves_the_waiting_list():
    from app.db import now_utc
    from app.registration.models import RegistrationStatus
    from tests.factories import make_registration

    organiser = make_user(Role.ORGANISER)
    venue = make_venue()
    start = now_utc().date() + timedelta(days=60)
    course = services.create_course(
        details(
            venue,
            start_date=start,
            registration_opens_on=now_utc().date() - timedelta(days=1),
            registration_closes_on=start - timedelta(days=7),
            capacity=1,
            status=CourseStatus.PUBLISHED,
        ),
        slug=None,
        actor=organiser,
    )
    make_registration(course)
    waiting = make_registration(course, status=RegistrationStatus.WAITLISTED)
    services.update_course(
        course,
        details(
            venue,
            start_date=start,
            registration_opens_on=now_utc().date() - timedelta(days=1),
            registration_closes_on=start - timedelta(days=7),
            capacity=2,
            status=CourseStatus.PUBLISHED,
        ),
        slug=course.slug,
        actor=organiser,
    )
    assert waiting.status == RegistrationStatus.CONFIRMED


def test_leaving_a_programme_or_host_event_dates_the_group_it_left():
    """The group's feed loses the course's events, so its Last-Modified must move (or
    subscribers polling with If-Modified-Since keep them)."""
    organiser = make_user(Role.ADMIN)  # may add to any conference and programme
    joint = make_programme("joint")
    host = make_event(CourseKind.CONFERENCE, title="Habitat III", start=date(2018, 11, 19))
    side = services.create_course(
        details(
            make_venue(),
            kind=CourseKind.SIDE_EVENT,
            days=1,
            host_event=host,
            programme=joint,
        ),
        slug=None,
        actor=organiser,
    )
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    host.updated_at = joint.updated_at = long_ago
    db.session.flush()

    services.update_course(
        side,
        details(side.venue, kind=CourseKind.SIDE_EVENT, days=1),
        slug=side.slug,
        actor=organiser,
    )
    db.session.flush()
    assert side.host_event is None and side.programme is None
    assert host.updated_at > long_ago
    assert joint.updated_at > long_ago
