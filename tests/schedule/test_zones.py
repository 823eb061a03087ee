"""Which zone a timetable's times are in, as the labels beside it say: the venue's on site
(both abbreviations in a daylight-saving week), the reader's own for an online activity."""

from datetime import date
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from app.schedule.zones import entry_zone_hint, zone_label, zone_note
from tests.factories import make_course, make_venue
from tests.schedule.conftest import make_online_course, zoned_user

ANONYMOUS = SimpleNamespace(is_authenticated=False)


def reader(who):
    """Someone reading a timetable: "anonymous", "no zone", or a zone chosen in their profile."""
    if who == "anonymous":
        return ANONYMOUS
    return zoned_user(None if who == "no zone" else who)


def test_the_zone_label_names_the_venue_city_and_the_abbreviation_of_the_week():
    course = make_course()  # Turin, 20-24 November 2017

    assert zone_label(course) == "Turin time (CET)"


@pytest.mark.parametrize(
    ("start", "label"),
    [
        # Thursday 26 to Monday 30 October 2017: summer time ends on Sunday the 29th.
        (date(2017, 10, 26), "Turin time (CEST/CET)"),
        # Thursday 22 to Monday 26 March 2018: summer time starts on Sunday the 25th.
        (date(2018, 3, 22), "Turin time (CET/CEST)"),
        # The week before: no change yet, one abbreviation.
        (date(2018, 3, 18), "Turin time (CET)"),
    ],
)
def test_a_week_across_a_daylight_saving_change_names_both_abbreviations_in_order(start, label):
    course = make_course(start=start)

    assert zone_label(course) == label


@pytest.mark.parametrize(
    ("timezone", "label"),
    [
        ("Europe/Rome", "Europe/Rome time (CET)"),
        # Ecuador has no abbreviation: the offset stands in for it.
        ("America/Guayaquil", "America/Guayaquil time (-05)"),
        # "UTC time (UTC)" would say it twice.
        ("UTC", "UTC"),
    ],
)
def test_a_venue_without_a_city_is_named_by_its_zone(timezone, label):
    venue = make_venue(timezone)
    venue.city = ""
    course = make_course(venue=venue)

    assert zone_label(course) == label


def test_an_online_activity_is_labelled_utc():
    course = make_online_course()

    assert zone_label(course) == "UTC"


@pytest.mark.parametrize(
    ("locale", "with_city", "without_city"),
    [
        ("fr", "heure de Turin (CET)", "heure du fuseau Europe/Rome (CET)"),
        ("es", "hora de Turin (CET)", "hora de Europe/Rome (CET)"),
    ],
)
def test_the_zone_label_is_written_in_the_readers_language(locale, with_city, without_city):
    in_turin = make_course()
    no_city = make_venue()
    no_city.city = ""
    unnamed = make_course(venue=no_city)

    with force_locale(locale):
        assert zone_label(in_turin) == with_city
        assert zone_label(unnamed) == without_city


@pytest.mark.parametrize("who", ["anonymous", "Asia/Tokyo", "no zone"])
def test_an_on_site_timetable_is_in_the_venues_time_whoever_reads_it(who):
    course = make_course()
    user = reader(who)

    assert zone_note(course, user) == "Times are in Turin time (CET)."
    assert entry_zone_hint(course, user) == "Local time at the venue: Turin time (CET)."


def test_an_online_timetable_is_in_the_readers_own_zone():
    course = make_online_course()
    aiko = zoned_user("Asia/Tokyo")

    assert zone_note(course, aiko) == "Times in your time zone (Asia/Tokyo)."
    assert entry_zone_hint(course, aiko) == "In your time zone (Asia/Tokyo); stored in UTC."


@pytest.mark.parametrize("who", ["anonymous", "no zone", "Mars/Olympus_Mons"])
def test_an_online_timetable_is_in_utc_for_someone_without_a_known_zone(who):
    course = make_online_course()
    user = reader(who)

    assert zone_note(course, user) == "Times in UTC."
    assert entry_zone_hint(course, user) == (
        "In UTC. Choose your time zone in your account to type local times."
    )


def test_the_zone_notes_are_written_in_the_readers_language():
    on_site, online = make_course(), make_online_course()
    aiko = zoned_user("Asia/Tokyo")

    with force_locale("fr"):
        assert zone_note(on_site, ANONYMOUS) == "Horaires exprimés en heure de Turin (CET)."
        assert entry_zone_hint(on_site, ANONYMOUS) == (
            "Fuseau horaire du lieu\u00a0: heure de Turin (CET)."  # French puts a space before ":"
        )
        assert zone_note(online, aiko) == "Heures dans votre fuseau horaire (Asia/Tokyo)."
        assert zone_note(online, ANONYMOUS) == "Heures en UTC."
