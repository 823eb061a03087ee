"""The catalogue: courses and events in one list, and its filters alone, combined, and with
values it does not offer (ignored, never an error)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html import unescape

import pytest

from app.catalogue import services
from app.catalogue.services import CatalogueFilters, Place
from app.courses.models import CourseKind, CourseModule, CourseStatus
from app.extensions import db
from tests.factories import make_module
from tests.programmes.factories import (
    make_event,
    make_programme,
    make_quito_venue,
    no_registration,
)

# The service tests pass this day; the pages use the real one, which gives the same split
# (everything is in 2030 or before 2018).
TODAY = date(2030, 6, 1)


@pytest.fixture
def items():
    """A programme of a Turin course, a host event in Quito with two side events (one
    online), a French webinar of another programme, and past, cancelled and draft items."""
    joint = make_programme("joint", title="Joint programme")
    jmdi = make_programme("jmdi", title="JMDI programme")
    quito = make_quito_venue()
    m1 = make_module("M1")
    found = {}
    found["course"] = make_event(
        CourseKind.COURSE,
        slug="turin-course",
        title="Turin course",
        start=date(2030, 11, 18),
        days=5,
        programme=joint,
        languages="en,fr",
    )
    found["course"].focuses.append(CourseModule(position=0, module=m1))
    found["habitat"] = make_event(
        CourseKind.CONFERENCE,
        slug="habitat",
        title="Habitat conference",
        start=date(2030, 10, 17),
        days=4,
        venue=quito,
        languages="en,es",
    )
    found["side"] = make_event(
        CourseKind.SIDE_EVENT,
        slug="side",
        title="Toolbox side event",
        start=date(2030, 10, 18),
        venue=quito,
        host=found["habitat"],
        programme=jmdi,
    )
    found["special"] = make_event(
        CourseKind.SPECIAL_SESSION,
        slug="special",
        title="Special session on refugees",
        start=date(2030, 10, 19),
        online=True,
        host=found["habitat"],
        languages="es",
    )
    found["webinar"] = make_event(
        CourseKind.WEBINAR,
        slug="webinar",
        title="Data webinar",
        start=date(2030, 7, 2),
        online=True,
        programme=jmdi,
        languages="fr",
    )
    found["cancelled"] = make_event(
        CourseKind.PANEL,
        slug="cancelled-panel",
        title="Cancelled panel",
        start=date(2030, 7, 1),
        status=CourseStatus.CANCELLED,
    )
    found["past_launch"] = make_event(
        CourseKind.LAUNCH,
        slug="past-launch",
        title="Toolbox launch",
        start=date(2017, 3, 1),
        programme=joint,
    )
    found["past_side"] = make_event(
        CourseKind.SIDE_EVENT,
        slug="past-side",
        title="Old side event",
        start=date(2016, 10, 18),
        venue=quito,
    )
    make_event(
        CourseKind.PANEL,
        slug="draft",
        title="Draft panel",
        start=date(2030, 8, 1),
        status=CourseStatus.DRAFT,
        programme=joint,
    )
    db.session.commit()
    return found


def slugs(filters: CatalogueFilters) -> list[str]:
    return [c.slug for c in services.catalogue(filters, today=TODAY)]


UPCOMING = ["webinar", "habitat", "side", "special", "turin-course", "cancelled-panel"]


def test_courses_and_events_together_upcoming_by_date_cancelled_last(items):
    assert slugs(CatalogueFilters()) == UPCOMING
    assert slugs(CatalogueFilters(past=True)) == ["past-launch", "past-side"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (CatalogueFilters(kind=CourseKind.COURSE), ["turin-course"]),
        (CatalogueFilters(kind=CourseKind.SIDE_EVENT), ["side"]),
        (CatalogueFilters(kind=CourseKind.CONFERENCE), ["habitat"]),
        (CatalogueFilters(kind=CourseKind.WEBINAR), ["webinar"]),
        (CatalogueFilters(kind=CourseKind.LAUNCH), []),
        (CatalogueFilters(kind=CourseKind.SIDE_EVENT, past=True), ["past-side"]),
        (CatalogueFilters(programme="joint"), ["turin-course"]),
        (CatalogueFilters(programme="jmdi"), ["webinar", "side"]),
        (CatalogueFilters(programme="joint", past=True), ["past-launch"]),
        (CatalogueFilters(host_event="habitat"), ["habitat", "side", "special"]),
        (CatalogueFilters(place=Place.ONLINE), ["webinar", "special"]),
        (
            CatalogueFilters(place=Place.ON_SITE),
            ["habitat", "side", "turin-course", "cancelled-panel"],
        ),
        (CatalogueFilters(language="fr"), ["webinar", "turin-course"]),
        (CatalogueFilters(language="es"), ["habitat", "special"]),
        (CatalogueFilters(month="2030-10"), ["habitat", "side", "special"]),
        (CatalogueFilters(month="2016-10", past=True), ["past-side"]),
        (CatalogueFilters(module="M1"), ["turin-course"]),
        # Combinations narrow further.
        (CatalogueFilters(host_event="habitat", place=Place.ONLINE), ["special"]),
        (CatalogueFilters(host_event="habitat", kind=CourseKind.SIDE_EVENT), ["side"]),
        (CatalogueFilters(programme="jmdi", place=Place.ON_SITE), ["side"]),
        (CatalogueFilters(programme="jmdi", language="fr", month="2030-07"), ["webinar"]),
        (CatalogueFilters(host_event="habitat", programme="joint"), []),
        (
            CatalogueFilters(kind=CourseKind.COURSE, language="en", month="2030-11"),
            ["turin-course"],
        ),
    ],
)
def test_filters(items, filters, expected):
    assert slugs(filters) == expected


def page(client, query: str = "", **headers: str) -> str:
    response = client.get("/" + (f"?{query}" if query else ""), headers=headers)
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def listed(html: str, items) -> set[str]:
    titles = {slug: course.title("en") for slug, course in items.items()}
    return {slug for slug, title in titles.items() if f">{title}</a></h3>" in html}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=side_event", {"side"}),
        ("programme=jmdi", {"webinar", "side"}),
        ("host=habitat", {"habitat", "side", "special"}),
        ("place=online", {"webinar", "special"}),
        ("place=on_site&language=es", {"habitat"}),
        ("month=2030-10&kind=special_session", {"special"}),
        ("when=past&kind=launch", {"past_launch"}),
        ("when=past&programme=joint", {"past_launch"}),
    ],
)
def test_the_page_filters_from_the_query(client, items, query, expected):
    html = page(client, query)
    upcoming_or_past = html.split("Recently held")[0]
    assert listed(upcoming_or_past, items) == expected


@pytest.mark.parametrize(
    "query",
    [
        "kind=lecture",
        "kind=",
        "programme=no-such-programme",
        "host=side",  # a side event is no host event
        "host=draft",
        "place=moon",
        "language=xx",
        "module=NOPE",
        "month=2030-13",
        "month=garbage",
        "kind=course%00&place=%ff",
        "when=later",
        "kind=side_event&kind=webinar",
    ],
)
def test_values_the_filters_do_not_offer_are_ignored(client, items, query):
    everything = listed(page(client).split("Recently held")[0], items)
    html = page(client, query)
    if query.startswith("kind=side_event&"):
        # The first of repeated values counts, like any other query.
        assert listed(html.split("Recently held")[0], items) == {"side"}
    else:
        assert listed(html.split("Recently held")[0], items) == everything


def test_the_filter_options_offer_kinds_programmes_host_events(client, items):
    html = page(client)
    assert '<option value="side_event"' in html
    assert '<option value="jmdi"' in html and '<option value="joint"' in html
    assert '<option value="habitat"' in html
    assert '<option value="side"' not in html  # not a host event
    assert '<option value="online"' in html and '<option value="on_site"' in html
    # A programme's filter option is there only while it has public items.
    assert "Draft panel" not in html


def test_cards_show_kind_dates_place_and_registration(client, items):
    unlimited = items["webinar"]
    unlimited.capacity = None
    unlimited.registration_opens_at = datetime(2020, 1, 1, tzinfo=UTC)
    no_registration(items["habitat"])
    db.session.commit()
    html = page(client)

    webinar_card = html.split(">Data webinar</a></h3>")[0].rsplit("<li", 1)[1]
    webinar_card += html.split(">Data webinar</a></h3>")[1].split("</li>")[0]
    assert "Webinar" in webinar_card
    assert "Online" in webinar_card
    assert "July 2, 2030" in webinar_card
    assert "Registration open" in webinar_card  # no capacity: never full
    assert "Programme:" in webinar_card and "JMDI programme" in webinar_card

    side_card = html.split(">Toolbox side event</a></h3>")[0].rsplit("<li", 1)[1]
    side_card += html.split(">Toolbox side event</a></h3>")[1].split("</li>")[0]
    assert "Side event" in side_card and "Quito" in side_card
    assert 'href="/courses/habitat"' in side_card  # its host event

    habitat_card = html.split(">Habitat conference</a></h3>")[1].split("</li>")[0]
    assert "Open to all: no registration needed." in habitat_card
    cancelled_card = html.split(">Cancelled panel</a></h3>")[1].split("</li>")[0]
    assert "Cancelled" in cancelled_card


def test_the_catalogue_in_french_names_the_kinds_in_french(client, items):
    html = page(client, "host=habitat", **{"Accept-Language": "fr"})
    assert "Événement parallèle" in html
    assert "Toolbox side event" in html


# --- one answer: past matches count as matches -----------------------------------------------


def answer(html: str) -> str:
    return html.split('class="catalogue-answer">')[1].split("</p>")[0]


def test_filters_matching_past_items_only_say_so_above_them(client, items):
    html = page(client, "kind=launch")
    assert "Nothing matches" not in html
    assert "No upcoming course or event matches these filters; these past ones do." in answer(html)
    assert listed(html.split("Recently held")[1], items) == {"past_launch"}
    assert 'href="/?when=past&kind=launch"' in answer(html)


def test_nothing_matches_only_when_nothing_at_all_matches(client, items):
    # No launch in October 2030 and none in the past in that month.
    html = page(client, "kind=launch&month=2030-10")
    assert answer(html).strip() == "Nothing matches these filters."
    assert "Recently held" not in html
    assert listed(html, items) == set()


def test_the_past_view_points_to_upcoming_matches(client, items):
    html = page(client, "when=past&kind=webinar")
    assert "No past course or event matches these filters, but upcoming ones do." in answer(html)
    assert 'href="/?kind=webinar"' in answer(html)
    assert "Nothing matches" not in html
    html = page(client, "when=past&kind=panel&place=online")
    assert answer(html).strip() == "Nothing matches these filters."


def test_upcoming_matches_list_past_ones_below_without_a_contrary_message(client, items):
    html = page(client, "kind=side_event")
    assert 'class="catalogue-answer"' not in html
    assert listed(html.split("Recently held")[0], items) == {"side"}
    assert listed(html.split("Recently held")[1], items) == {"past_side"}
