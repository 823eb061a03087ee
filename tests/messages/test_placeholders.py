"""Placeholders: which exist, which are refused, and each person's values in their language."""

from __future__ import annotations

from app.messages import placeholders
from app.messages.placeholders import fill, first_name, unknown_placeholders, values_for


def test_known_placeholders_are_not_reported():
    text = "Dear {first_name} {name}, {course_title} ({dates}): {my_courses_url}"
    assert unknown_placeholders(text) == []


def test_unknown_placeholders_are_listed_once_each_in_order():
    text = "Hello {frist_name}, {First_Name} {name} {frist_name} { name } {}"
    assert unknown_placeholders(text) == ["{frist_name}", "{First_Name}", "{ name }", "{}"]


def test_a_brace_alone_or_across_lines_is_plain_text():
    assert unknown_placeholders("Bring a laptop :-{ and a pen or two\n{\n}") == []
    assert unknown_placeholders("{name}}") == []


def test_fill_replaces_each_placeholder_and_leaves_the_rest():
    values = {"first_name": "Ana", "name": "Ana Souza"}
    assert (
        fill("{first_name}/{name}/{first_name}/{other}/{", values) == "Ana/Ana Souza/Ana/{other}/{"
    )


def test_first_name_is_the_first_word():
    assert first_name("  Lucía   Pérez Gómez ") == "Lucía"
    assert first_name("Tesfaye") == "Tesfaye"
    assert first_name("") == ""


def test_the_documented_list_is_the_one_checked():
    assert {p.name for p in placeholders.PLACEHOLDERS} == placeholders.NAMES
    assert [p.token for p in placeholders.PLACEHOLDERS] == [
        "{first_name}",
        "{name}",
        "{course_title}",
        "{dates}",
        "{my_courses_url}",
    ]


def test_values_in_french_and_spanish(workshop):
    ana = workshop.people["Ana Souza"]
    assert values_for(ana, "fr") == {
        "first_name": "Ana",
        "name": "Ana Souza",
        "course_title": "Gestion de la migration au niveau local",
        "dates": "20–24 nov. 2017",
        "my_courses_url": "http://atelier.test/my/courses",
    }
    lucia = workshop.people["Lucía Pérez"]
    spanish = values_for(lucia, "es")
    assert spanish["course_title"] == "Gestión de la migración a nivel local"
    assert spanish["dates"] == "20–24 de noviembre de 2017"
    assert spanish["first_name"] == "Lucía"
    assert values_for(lucia, "en")["dates"] == "Nov 20\u2009–\u200924, 2017"


def test_each_placeholder_is_described_on_the_page():
    assert [str(p.description) for p in placeholders.PLACEHOLDERS] == [
        "The participant's first name (first word of their name)",
        "The participant's full name, as on the certificate",
        "The course's title in the participant's language",
        "The course's dates at the venue, in the participant's language",
        "The link to the participant's “My courses” page",
    ]
