"""What each calendar says about itself: its description, the zone clients should assume
(X-WR-TIMEZONE) and how often to refresh it, for the private feeds, programme feeds and
single-session downloads (the course feed's are in test_calendars.py)."""

from __future__ import annotations

from datetime import date, time

import pytest
import vobject
from icalendar import Calendar

from app.accounts.models import Role, User
from app.courses.models import (
    Course,
    CourseKind,
    CourseTeamMember,
    CourseTranslation,
    ProgrammeTranslation,
    TeamRole,
)
from app.extensions import db
from app.feeds.calendars import (
    course_calendar,
    organiser_calendar,
    personal_calendar,
    programme_calendar,
    session_calendar,
)
from app.followup.models import ActivityKind
from tests.factories import make_registration, make_user
from tests.programmes.factories import (
    QUITO,
    ROME,
    add_session,
    make_event,
    make_programme,
    make_quito_venue,
)

from .conftest import add_activity, unfolded, utc

ORGANISER_DESCRIPTION = {
    "en": "The sessions and online activities of the courses you run or facilitate at "
    "Atelier, drafts included.",
    "fr": "Les séances et activités en ligne des cours que vous organisez ou animez sur "
    "Atelier, brouillons compris.",
}
PERSONAL_DESCRIPTION = {
    "en": "The sessions and online activities of your courses at Atelier. Events of "
    "applications not confirmed yet are marked tentative.",
    "fr": "Les séances et activités en ligne de vos cours sur Atelier. Les événements liés à "
    "des candidatures pas encore confirmées sont marqués comme provisoires.",
}


def header(raw: bytes, name: str) -> str:
    """A calendar property as a client reads it (vobject unescapes X- properties too)."""
    [value] = [c.value for c in vobject.readOne(raw.decode()).contents[name.lower()]]
    return value


def run_by(course: Course, organiser: User) -> None:
    course.team.append(CourseTeamMember(user=organiser, role=TeamRole.ORGANISER))
    db.session.flush()


def refresh_lines(raw: bytes) -> list[str]:
    return [
        line for line in unfolded(raw) if line.startswith(("REFRESH-INTERVAL", "X-PUBLISHED-TTL"))
    ]


# Private feeds -------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_the_organiser_feed_says_what_it_holds_in_the_organisers_language(course, locale):
    organiser = make_user(Role.ORGANISER, name="Tesfaye Bekele", locale=locale)
    run_by(course, organiser)

    raw = organiser_calendar(organiser)

    assert header(raw, "X-WR-CALDESC") == ORGANISER_DESCRIPTION[locale]
    assert str(Calendar.from_ical(raw)["DESCRIPTION"]) == ORGANISER_DESCRIPTION[locale]


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_the_personal_feed_says_what_it_holds_in_the_participants_language(course, locale):
    participant = make_user(name="Ana Souza", locale=locale)
    make_registration(course, participant)

    raw = personal_calendar(participant)

    assert header(raw, "X-WR-CALDESC") == PERSONAL_DESCRIPTION[locale]


def test_private_feeds_ask_to_be_read_every_three_hours(course):
    organiser = make_user(Role.ORGANISER, name="Lucía Pérez")
    run_by(course, organiser)
    make_registration(course, organiser)
    expected = ["REFRESH-INTERVAL;VALUE=DURATION:PT3H", "X-PUBLISHED-TTL:PT3H"]

    assert refresh_lines(organiser_calendar(organiser)) == expected
    assert refresh_lines(personal_calendar(organiser)) == expected
    # The public feed of the same course is read less often.
    assert refresh_lines(course_calendar(course, locale="en")) == [
        "REFRESH-INTERVAL;VALUE=DURATION:PT6H",
        "X-PUBLISHED-TTL:PT6H",
    ]


# Programme feeds -----------------------------------------------------------------------------


def test_a_programme_feed_is_described_by_its_summary_in_the_readers_language():
    programme = make_programme("joint")
    programme.translations.append(
        ProgrammeTranslation(
            locale="fr",
            title="Programme conjoint",
            summary="L'OIM et le PNUD aident les gouvernements.",
        )
    )
    db.session.flush()
    page = "http://atelier.test/programmes/joint"

    french = programme_calendar(programme, [], locale="fr")
    english = programme_calendar(programme, [], locale="en")

    assert header(french, "X-WR-CALDESC") == (
        f"L'OIM et le PNUD aident les gouvernements.\n\n{page}"
    )
    assert header(english, "X-WR-CALDESC") == (
        f"IOM and UNDP help governments build migration into development planning.\n\n{page}"
    )


def test_a_programme_in_one_zone_tells_clients_that_zone():
    programme = make_programme("joint")
    turin = make_event(
        CourseKind.COURSE, title="Turin course", start=date(2030, 11, 18), programme=programme
    )
    add_session(turin, "Opening", date(2030, 11, 18), time(9), time(10))
    webinar = make_event(
        CourseKind.WEBINAR,
        title="Data webinar",
        start=date(2030, 12, 2),
        online=True,
        programme=programme,
    )
    add_session(webinar, "Webinar", date(2030, 12, 2), time(13), time(14))

    raw = programme_calendar(programme, [turin, webinar], locale="en")

    assert header(raw, "X-WR-TIMEZONE") == ROME


def test_a_programme_across_zones_names_no_zone():
    programme = make_programme("joint")
    turin = make_event(
        CourseKind.COURSE, title="Turin course", start=date(2030, 11, 18), programme=programme
    )
    add_session(turin, "Opening", date(2030, 11, 18), time(9), time(10))
    quito = make_event(
        CourseKind.SIDE_EVENT,
        title="Toolbox",
        start=date(2030, 10, 18),
        venue=make_quito_venue(),
        programme=programme,
    )
    add_session(quito, "Presentation", date(2030, 10, 18), time(9), time(10))

    raw = programme_calendar(programme, [turin, quito], locale="en")

    # Each time carries its TZID; no single zone is right for both, so none is claimed.
    assert "X-WR-TIMEZONE" not in raw.decode()
    assert {str(z["TZID"]) for z in Calendar.from_ical(raw).walk("VTIMEZONE")} == {ROME, QUITO}


# Single-session downloads --------------------------------------------------------------------


def test_a_download_describes_its_course_like_the_course_feed():
    webinar = make_event(
        CourseKind.WEBINAR, title="Data webinar", start=date(2030, 12, 2), online=True
    )
    webinar.translations.append(
        CourseTranslation(locale="fr", title="Webinaire sur les données", summary="En direct.")
    )
    session = add_session(webinar, "Webinar", date(2030, 12, 2), time(13), time(14))
    add_activity(webinar, ActivityKind.ASSIGNMENT, "Data plan", due_at=utc(2030, 12, 20, 16))

    download = session_calendar(session, locale="fr")
    feed = course_calendar(webinar, locale="fr")

    for name in ("NAME", "X-WR-CALNAME", "X-WR-CALDESC", "DESCRIPTION", "X-WR-TIMEZONE"):
        assert header(download, name) == header(feed, name), name
    assert header(download, "X-WR-CALNAME") == "Webinaire sur les données"
    assert header(download, "X-WR-CALDESC") == (
        f"En direct.\n\nhttp://atelier.test/courses/{webinar.slug}"
    )
    # Online: times in UTC, which clients are told is the calendar's zone.
    assert header(download, "X-WR-TIMEZONE") == "UTC"


def test_a_private_feed_falls_back_to_the_sites_language(course):
    participant = make_user(name="Anna Souza", locale="de")
    make_registration(course, participant)
    raw = personal_calendar(participant)
    assert header(raw, "X-WR-CALDESC") == PERSONAL_DESCRIPTION["en"]
    assert header(raw, "X-WR-CALNAME") == "Atelier – Anna Souza"


def test_a_personal_feed_in_one_zone_tells_clients_that_zone(course):
    participant = make_user(name="Ana Souza")
    make_registration(course, participant)
    add_activity(course, ActivityKind.WEBINAR, "Live Q&A", starts_at=utc(2017, 11, 14, 14))

    assert header(personal_calendar(participant), "X-WR-TIMEZONE") == ROME
    # Nothing to place: no zone is claimed.
    newcomer = make_user(name="Anna Souza")
    assert "X-WR-TIMEZONE" not in personal_calendar(newcomer).decode()
