"""A course's details as the organiser gives them: what is refused (and the words that say
why), the registration days at the venue, and what the course keeps."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale

from app.accounts.models import Role
from app.courses import services
from app.courses.models import CourseKind, CourseStatus, RegistrationMode
from tests.courses.builders import QUITO, ROME, details
from tests.factories import make_user, make_venue

TITLE = "Give the course a title."
MAIN_LANGUAGE = "Give the title in the course's main language."
DAYS = "A course lasts from 1 to 31 days."
CAPACITY = "The capacity cannot be negative."
CLOSES_BEFORE_OPENING = "Registration must close after it opens."
CLOSES_AFTER_START = "Registration must close before the course starts."
LINK = "Give the link that participants join the online event with."


def create(**overrides):
    venue = overrides.pop("venue", None) or make_venue(ROME)
    return services.create_course(
        details(venue, **overrides), slug=None, actor=make_user(Role.ORGANISER)
    )


def refusal(**overrides) -> str:
    with pytest.raises(services.CourseError) as caught:
        create(**overrides)
    return str(caught.value)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"texts": {}}, TITLE),
        ({"texts": {"en": services.CourseText("   ")}}, TITLE),
        ({"texts": {"fr": services.CourseText("Gestion de la migration")}}, MAIN_LANGUAGE),
        ({"days": 0}, DAYS),
        ({"days": 32}, DAYS),
        ({"capacity": -1}, CAPACITY),
        ({"registration_closes_on": date(2018, 5, 31)}, CLOSES_BEFORE_OPENING),
        ({"registration_closes_on": date(2018, 11, 20)}, CLOSES_AFTER_START),
        ({"is_online": True, "online_url": ""}, LINK),
        ({"is_online": True, "online_url": "meet.example.org/jmdi"}, LINK),
        ({"is_online": True, "online_url": "ftp://files.example.org/jmdi"}, LINK),
        ({"is_online": True, "online_url": "https://"}, LINK),
    ],
)
def test_broken_rules_are_refused_with_words_that_say_why(overrides, message):
    assert refusal(**overrides) == message


def test_a_title_in_another_language_only_is_refused_when_the_main_one_is_empty():
    """The course is known by its main language's title (slug, lists, mail): a French title
    alone does not make an English course."""
    texts = {
        "en": services.CourseText(""),
        "fr": services.CourseText("Gestion de la migration au niveau local"),
    }
    assert refusal(texts=texts) == MAIN_LANGUAGE


def test_the_reasons_are_given_in_the_organisers_language():
    with force_locale("fr"):
        assert refusal(days=0) == "Un cours dure de 1 à 31 jours."
        assert refusal(capacity=-3) == "La capacité ne peut pas être négative."
    with force_locale("es"):
        assert refusal(texts={"en": services.CourseText(" ")}) == "Dé un título al curso."


@pytest.mark.parametrize(
    "overrides",
    [
        {"days": 1},
        {"days": 31},
        {"capacity": 0},
        {"capacity": None},
        {"registration_closes_on": date(2018, 6, 1)},  # the day it opens
        {"registration_closes_on": date(2018, 11, 19)},  # the first day
        {"registration_opens_on": None},
        {"registration_opens_on": None, "registration_closes_on": None},
        {"online_url": "not a link"},  # on site, the link is not asked for
        {"is_online": True, "online_url": "http://meet.example.org/jmdi"},
        {"is_online": True, "online_url": "  https://meet.example.org/jmdi  "},
    ],
)
def test_details_at_the_edge_of_each_rule_are_accepted(overrides):
    assert create(**overrides).id is not None


def test_registration_opens_at_midnight_and_closes_at_23_59_at_the_venue():
    # Turin: summer time (UTC+2) in June, still in October (until the 28th).
    course = create()
    assert course.registration_opens_at == datetime(2018, 5, 31, 22, 0, tzinfo=UTC)
    assert course.registration_closes_at == datetime(2018, 10, 19, 21, 59, tzinfo=UTC)


def test_registration_days_are_quito_days_for_a_quito_course():
    course = create(venue=make_venue(QUITO))
    assert course.registration_opens_at == datetime(2018, 6, 1, 5, 0, tzinfo=UTC)
    assert course.registration_closes_at == datetime(2018, 10, 20, 4, 59, tzinfo=UTC)


def test_registration_days_of_an_online_event_are_utc_days_whatever_venue_was_left():
    webinar = create(
        kind=CourseKind.WEBINAR,
        is_online=True,
        online_url="https://meet.example.org/jmdi",
        venue=make_venue(QUITO),
    )
    assert webinar.registration_opens_at == datetime(2018, 6, 1, 0, 0, tzinfo=UTC)
    assert webinar.registration_closes_at == datetime(2018, 10, 19, 23, 59, tzinfo=UTC)


def test_registration_without_dates_has_no_opening_or_closing():
    course = create(registration_opens_on=None, registration_closes_on=None)
    assert (course.registration_opens_at, course.registration_closes_at) == (None, None)


def test_an_online_event_keeps_its_link_trimmed_and_no_venue():
    webinar = create(
        kind=CourseKind.WEBINAR,
        is_online=True,
        online_url="  https://meet.example.org/jmdi  ",
        venue=make_venue(QUITO),
    )
    assert webinar.is_online
    assert webinar.online_url == "https://meet.example.org/jmdi"
    assert webinar.venue is None and webinar.timezone == "UTC"


def test_a_course_on_site_keeps_no_online_link():
    course = create(online_url="https://meet.example.org/left-over")
    assert not course.is_online
    assert course.online_url == ""
    assert course.timezone == ROME


def test_the_course_keeps_the_details_it_was_given():
    course = create(
        kind=CourseKind.CONFERENCE,
        registration_mode=RegistrationMode.RSVP,
        days=3,
        capacity=120,
        requires_approval=True,
        waitlist_offers=True,
        offer_hours=48,
        min_attendance_days=2,
        default_locale="fr",
        status=CourseStatus.PUBLISHED,
    )
    assert (course.kind, course.registration_mode, course.status) == (
        CourseKind.CONFERENCE,
        RegistrationMode.RSVP,
        CourseStatus.PUBLISHED,
    )
    assert (course.start_date, course.days, course.end_date) == (
        date(2018, 11, 19),
        3,
        date(2018, 11, 21),
    )
    assert (course.capacity, course.requires_approval, course.waitlist_offers) == (120, True, True)
    assert (course.offer_hours, course.min_attendance_days) == (48, 2)
    assert course.default_locale == "fr"
    assert course.title("es") == "Gestion de la migration au niveau local"  # the main language


def test_contact_details_are_trimmed_and_the_address_lowercased():
    course = create(contact_name="  Course secretariat ", contact_email=" Migration@Example.ORG ")
    assert course.contact_name == "Course secretariat"
    assert course.contact_email == "migration@example.org"


def test_languages_of_instruction_are_kept_in_order():
    course = create(languages=["fr", "en", "es"])
    assert course.languages == "fr,en,es"
    assert course.language_list == ["fr", "en", "es"]


def test_no_language_chosen_means_the_main_language():
    course = create(languages=[], default_locale="fr")
    assert course.language_list == ["fr"]
